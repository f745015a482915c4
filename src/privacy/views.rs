//! The print views: the only person data a template ever sees.

use chrono::NaiveDate;
use serde::Serialize;

use super::index::Index;
use crate::diag::Diagnostic;
use crate::model::{Address, Assignment, Consent, Dataset, HealthOrder, Person, Plan, Protection, Source, Visit};

/// How a person is named on paper.
#[derive(Clone, Debug, Serialize)]
pub struct PrintedIdentity {
    /// The real name, or for a protected person the fictive name or `Ärende <nr>`.
    pub name: String,
    /// The personnummer; for sekretessmarkering only `Födelseår NNNN`; otherwise none.
    pub id_line: Option<String>,
    pub case_number: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RelativeView {
    pub name: String,
    pub relation: Option<String>,
    pub phone: Option<String>,
    pub may_contact: Option<&'static str>,
}

/// The personkort: contact details, address, door code, consent, relatives.
#[derive(Clone, Debug, Serialize)]
pub struct PersonCard {
    pub identity: PrintedIdentity,
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub door_code: Option<String>,
    pub consent: Option<&'static str>,
    pub consent_text: Option<String>,
    /// Allergies, warnings, infection notes.
    pub warnings: Option<String>,
    /// The room in a care home (printed with the address).
    pub room: Option<String>,
    pub relatives: Vec<RelativeView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanTaskView {
    pub title: String,
    pub when: Option<String>,
    pub how: Option<String>,
}

/// One version of a genomförandeplan.
#[derive(Clone, Debug, Serialize)]
pub struct PlanView {
    pub version_date: String,
    pub goal: Option<String>,
    pub tasks: Vec<PlanTaskView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AssignmentView {
    pub number: String,
    pub kind: String,
    pub decision: Option<String>,
    pub tasks: Vec<String>,
    pub granted_time: Option<String>,
    pub start_date: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrderView {
    #[serde(skip)]
    pub received_date: NaiveDate,
    pub received: String,
    pub from: Option<String>,
    pub action: String,
    /// The order's position among the person's orders (stable document key).
    #[serde(skip)]
    pub key: String,
}

/// The real identity of a protected person, for the ordinary file only (audience enhetschef).
#[derive(Clone, Debug)]
pub struct RestrictedFile {
    pub card: PersonCard,
    pub plan: Option<PlanView>,
    pub assignments: Vec<AssignmentView>,
    /// The health-care orders, unreplaced.
    pub orders: Vec<OrderView>,
    /// The protection level in words.
    pub level: &'static str,
    /// The agreed fictive name, if any (else the case number is used on general paper).
    pub fictive_name: Option<String>,
    /// `skydd_till` of lokalt skydd.
    pub until: Option<String>,
}

/// A care recipient as the planner may use them.
#[derive(Clone, Debug)]
pub struct ClearedPerson {
    pub id: String,
    pub unit: String,
    pub protection: Protection,
    pub identity: PrintedIdentity,
    /// The general personkort (for a protected person: the fictive one, real address only).
    pub card: PersonCard,
    /// The newest genomförandeplan version.
    pub plan: Option<PlanView>,
    /// Assignments to print (never `larm`).
    pub assignments: Vec<AssignmentView>,
    pub orders: Vec<OrderView>,
    pub restricted: Option<RestrictedFile>,
    /// Where the key to the home is kept (`nyckelplats`), cleared like any free text.
    pub key_place: Option<String>,
    /// Whether the person has a safety-alarm assignment (`uppdrag.json` typ `larm`).
    pub alarm: bool,
    pub source: Source,
}

impl ClearedPerson {
    pub fn is_protected(&self) -> bool {
        self.protection.is_protected()
    }
}

/// A planned visit with the person as printed.
#[derive(Clone, Debug)]
pub struct ClearedVisit {
    pub date: NaiveDate,
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
    pub signature: String,
    pub person_id: String,
    pub unit: String,
    pub who: String,
    pub address: String,
    pub key_number: Option<String>,
    /// The care recipient's phone; `None` for a protected person.
    pub phone: Option<String>,
    pub tasks: Vec<String>,
    pub double_staffing: bool,
    pub note: Option<String>,
}

/// Text a schedule or list prints instead of a protected person's address.
pub const ADDRESS_SEE_FICTIVE_FILE: &str = "Adress: se fiktiv akt";

fn real_name(p: &Person) -> String {
    format!("{} {}", p.first_name.expose().trim(), p.last_name.expose().trim())
}

fn identity(p: &Person, fictive_ok: bool) -> PrintedIdentity {
    let general_name = || p.fictive_name.clone().filter(|_| fictive_ok).unwrap_or_else(|| format!("Ärende {}", p.case_number));
    let pnr = p.personnummer.expose();
    let (name, id_line) = match p.protection {
        Protection::None => (real_name(p), Some(pnr.normalized().to_string())),
        Protection::Sekretessmarkering => (general_name(), Some(format!("Födelseår {}", pnr.birth_year()))),
        Protection::SkyddadFolkbokforing | Protection::LokaltSkydd { .. } => (general_name(), None),
    };
    PrintedIdentity { name, id_line, case_number: p.case_number.clone() }
}

fn real_identity(p: &Person) -> PrintedIdentity {
    PrintedIdentity {
        name: real_name(p),
        id_line: Some(p.personnummer.expose().normalized().to_string()),
        case_number: p.case_number.clone(),
    }
}

fn address_lines(a: &Address) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = &a.street {
        out.push(s.clone());
    }
    let town = [a.postnr.as_deref(), a.ort.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if !town.is_empty() {
        out.push(town);
    }
    out
}

fn consent_word(c: Option<Consent>) -> Option<&'static str> {
    c.map(|c| match c {
        Consent::Yes => "Ja",
        Consent::No => "Nej",
        Consent::Partly => "Delvis",
    })
}

/// Passes every free text through the dataset-wide [`Index`], reporting what it replaced.
pub(super) struct Cleaner<'a> {
    pub index: &'a Index,
    /// The warnings: one per record and field that held a protected identity.
    pub diags: std::cell::RefCell<&'a mut Vec<Diagnostic>>,
}

/// Whose record a text is in: the person (their own name parts count on their own there).
#[derive(Clone, Copy)]
pub(super) struct Owner<'p> {
    pub person: &'p Person,
}

impl Cleaner<'_> {
    /// `text` with every protected identity replaced by `[borttaget]`. A replacement is
    /// reported (restricted: stderr and the enhetschef's egenkontroll) with file:line and,
    /// for an unprotected owner, the record's own id — never the value.
    pub fn text(&self, text: &str, owner: Option<Owner>, src: &Source, what: &str) -> String {
        let own = owner.filter(|o| o.person.protection.is_protected()).map(|o| o.person.id.as_str());
        let out = self.index.scrub(text, own);
        if out.hit {
            let whose = match owner {
                Some(o) if !o.person.protection.is_protected() => format!(" (person_id {})", o.person.id),
                _ => String::new(),
            };
            let mut d = Diagnostic::warning(
                src.file,
                src.line,
                0,
                format!("{what}{whose} nämnde skyddade personuppgifter; de ersattes med [borttaget] på allmänna handlingar"),
            );
            if let Some(o) = owner {
                d = d.in_unit(o.person.unit.clone());
            }
            d.restrict();
            let mut diags = self.diags.borrow_mut();
            if !diags.contains(&d) {
                diags.push(d);
            }
        }
        out.text
    }

    pub fn opt(&self, text: &Option<String>, owner: Option<Owner>, src: &Source, what: &str) -> Option<String> {
        text.as_deref().map(|t| self.text(t, owner, src, what))
    }

    pub fn list(&self, items: &[String], owner: Option<Owner>, src: &Source, what: &str) -> Vec<String> {
        items.iter().map(|t| self.text(t, owner, src, what)).collect()
    }
}

fn plan_view(plan: &Plan, c: &Cleaner, o: Option<Owner>) -> PlanView {
    let src = &plan.source;
    PlanView {
        version_date: plan.version_date.format("%Y-%m-%d").to_string(),
        goal: c.opt(plan.goal.expose(), o, src, "genomförandeplanens mål"),
        tasks: plan
            .tasks
            .iter()
            .map(|t| PlanTaskView {
                title: c.text(&t.title, o, src, "genomförandeplanens rubrik"),
                when: c.opt(&t.when, o, src, "genomförandeplanens tid (när)"),
                how: c.opt(t.how.expose(), o, src, "genomförandeplanens text"),
            })
            .collect(),
    }
}

fn assignment_view(a: &Assignment, c: &Cleaner, o: Option<Owner>) -> AssignmentView {
    let src = &a.source;
    AssignmentView {
        number: a.number.clone(),
        kind: a.kind.clone(),
        decision: c.opt(a.decision.expose(), o, src, "uppdragets beslutstext"),
        tasks: c.list(&a.tasks, o, src, "uppdragets insatser"),
        granted_time: c.opt(&a.granted_time, o, src, "uppdragets beviljade tid"),
        start_date: a.start_date.map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

fn order_view(ord: &HealthOrder, c: &Cleaner, o: Option<Owner>) -> OrderView {
    let src = &ord.source;
    OrderView {
        received_date: ord.received,
        received: ord.received.format("%Y-%m-%d").to_string(),
        from: c.opt(&ord.from, o, src, "beställningens avsändare"),
        action: c.text(ord.action.expose(), o, src, "beställningens åtgärd"),
        key: String::new(),
    }
}

/// The real views, for the restricted ordinary file (nothing replaced).
fn open_index() -> &'static Index {
    static EMPTY: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Index::empty)
}

fn real_card(p: &Person) -> PersonCard {
    PersonCard {
        identity: real_identity(p),
        address: address_lines(p.address.expose()),
        phone: p.phone.expose().clone(),
        door_code: p.door_code.expose().clone(),
        consent: consent_word(p.consent),
        consent_text: p.consent_text.expose().clone(),
        warnings: p.warnings.expose().clone(),
        room: p.room.expose().clone(),
        relatives: p
            .relatives
            .iter()
            .map(|r| RelativeView {
                name: r.name.expose().clone(),
                relation: r.relation.expose().clone(),
                phone: r.phone.expose().clone(),
                may_contact: r.may_contact.map(|b| if b { "Ja" } else { "Nej" }),
            })
            .collect(),
    }
}

/// Each person's plans, assignments and orders, in export order (one pass over the data, so
/// building every person's views stays linear on a city's exports).
pub(super) struct ByPerson<'a> {
    plans: std::collections::HashMap<&'a str, Vec<&'a Plan>>,
    assignments: std::collections::HashMap<&'a str, Vec<&'a Assignment>>,
    orders: std::collections::HashMap<&'a str, Vec<&'a HealthOrder>>,
}

impl<'a> ByPerson<'a> {
    pub(super) fn new(data: &'a Dataset) -> ByPerson<'a> {
        let mut by = ByPerson { plans: Default::default(), assignments: Default::default(), orders: Default::default() };
        for pl in &data.plans {
            by.plans.entry(pl.person_id.as_str()).or_default().push(pl);
        }
        for a in &data.assignments {
            by.assignments.entry(a.person_id.as_str()).or_default().push(a);
        }
        for o in &data.health_orders {
            by.orders.entry(o.person_id.as_str()).or_default().push(o);
        }
        by
    }
}

/// The views of one person. `fictive_ok` is false when the agreed fictive name would reveal
/// the real one (the case number prints instead).
pub(super) fn person(p: &Person, by: &ByPerson, c: &Cleaner, fictive_ok: bool) -> ClearedPerson {
    let protected = p.protection.is_protected();
    let o = Some(Owner { person: p });
    let mut sink = Vec::new();
    let open = Cleaner { index: open_index(), diags: std::cell::RefCell::new(&mut sink) };

    fn of<'m, T>(m: &std::collections::HashMap<&str, Vec<&'m T>>, id: &str) -> Vec<&'m T> {
        m.get(id).cloned().unwrap_or_default()
    }
    let newest = of(&by.plans, &p.id).into_iter().max_by_key(|pl| (pl.version_date, pl.source.line));
    let all_assignments = of(&by.assignments, &p.id);
    let alarm = all_assignments.iter().any(|a| a.is_alarm());
    let assignments: Vec<&Assignment> = all_assignments.into_iter().filter(|a| !a.is_alarm()).collect();
    let mut orders: Vec<OrderView> = of(&by.orders, &p.id).into_iter().map(|ord| order_view(ord, c, o)).collect();
    orders.sort_by(|a, b| (a.received_date, &a.action).cmp(&(b.received_date, &b.action)));
    for (i, ord) in orders.iter_mut().enumerate() {
        ord.key = format!("{}-{}", ord.received, i);
    }
    let identity = identity(p, fictive_ok);

    let mut card = real_card(p);
    card.consent_text = c.opt(p.consent_text.expose(), o, &p.source, "samtyckestexten");
    card.warnings = c.opt(p.warnings.expose(), o, &p.source, "varningarna");
    card.room = c.opt(p.room.expose(), o, &p.source, "rummet");
    if protected {
        // The fictive personkort: the printed identity and the real address, nothing else.
        card.identity = identity.clone();
        card.phone = None;
        card.door_code = None;
        card.relatives = Vec::new();
    } else {
        // Relatives of anyone may name a protected person or their relatives.
        card.relatives = p
            .relatives
            .iter()
            .map(|r| RelativeView {
                name: c.text(r.name.expose(), o, &r.source, "närståendes namn"),
                relation: c.opt(r.relation.expose(), o, &r.source, "närståendes relation"),
                phone: c.opt(r.phone.expose(), o, &r.source, "närståendes telefon"),
                may_contact: r.may_contact.map(|b| if b { "Ja" } else { "Nej" }),
            })
            .collect();
    }
    let restricted = protected.then(|| {
        let mut orders: Vec<OrderView> = of(&by.orders, &p.id).into_iter().map(|ord| order_view(ord, &open, None)).collect();
        orders.sort_by(|a, b| (a.received_date, &a.action).cmp(&(b.received_date, &b.action)));
        RestrictedFile {
            card: real_card(p),
            plan: newest.map(|pl| plan_view(pl, &open, None)),
            assignments: assignments.iter().map(|a| assignment_view(a, &open, None)).collect(),
            orders,
            level: match p.protection {
                Protection::None => "Inget skydd",
                Protection::Sekretessmarkering => "Sekretessmarkering",
                Protection::SkyddadFolkbokforing => "Skyddad folkbokföring",
                Protection::LokaltSkydd { .. } => "Lokalt skydd",
            },
            fictive_name: p.fictive_name.clone(),
            until: match p.protection {
                Protection::LokaltSkydd { until } => until.map(|d| d.format("%Y-%m-%d").to_string()),
                _ => None,
            },
        }
    });
    ClearedPerson {
        id: p.id.clone(),
        unit: p.unit.clone(),
        protection: p.protection,
        identity,
        card,
        plan: newest.map(|pl| plan_view(pl, c, o)),
        assignments: assignments.iter().map(|a| assignment_view(a, c, o)).collect(),
        orders,
        restricted,
        key_place: c.opt(p.key_place.expose(), o, &p.source, "nyckelplatsen"),
        alarm,
        source: p.source.clone(),
    }
}

pub(super) fn visit(v: &Visit, p: &Person, c: &Cleaner, fictive_ok: bool) -> ClearedVisit {
    let protected = p.protection.is_protected();
    let o = Some(Owner { person: p });
    let src = &v.source;
    let address = if protected { ADDRESS_SEE_FICTIVE_FILE.to_string() } else { address_lines(p.address.expose()).join(", ") };
    ClearedVisit {
        date: v.date,
        start: v.start,
        end: v.end,
        signature: v.signature.clone(),
        person_id: v.person_id.clone(),
        unit: p.unit.clone(),
        who: identity(p, fictive_ok).name,
        address,
        key_number: c.opt(&v.key_number, o, src, "besökets nyckelnummer"),
        phone: if protected { None } else { p.phone.expose().clone() },
        tasks: c.list(&v.tasks, o, src, "besökets insatser"),
        double_staffing: v.double_staffing,
        note: c.opt(v.note.expose(), o, src, "besökets notering"),
    }
}

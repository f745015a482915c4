//! The print views: the only person data a template ever sees.

use chrono::NaiveDate;
use serde::Serialize;

use super::scrub::{scrub, secrets_of};
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
    pub tasks: Vec<String>,
    pub double_staffing: bool,
    pub note: Option<String>,
}

/// Text a schedule or list prints instead of a protected person's address.
pub const ADDRESS_SEE_FICTIVE_FILE: &str = "Adress: se fiktiv akt";

fn real_name(p: &Person) -> String {
    format!("{} {}", p.first_name.expose().trim(), p.last_name.expose().trim())
}

fn identity(p: &Person) -> PrintedIdentity {
    let general_name = || p.fictive_name.clone().unwrap_or_else(|| format!("Ärende {}", p.case_number));
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

/// Applies the free-text check for a protected person; passes text through otherwise.
struct Cleaner<'a> {
    secrets: Option<Vec<String>>,
    person: &'a Person,
}

impl Cleaner<'_> {
    fn text(&self, t: &Option<String>, src: &Source, what: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
        let t = t.as_ref()?;
        match &self.secrets {
            None => Some(t.clone()),
            Some(secrets) => {
                let (clean, hit) = scrub(t, secrets);
                if hit {
                    diags.push(
                        Diagnostic::warning(
                            src.file,
                            src.line,
                            0,
                            format!(
                                "person_id {}: {what} innehöll skyddade personuppgifter; de ersattes med [borttaget] på allmänna handlingar",
                                self.person.id
                            ),
                        )
                        .in_unit(self.person.unit.clone()),
                    );
                }
                Some(clean)
            }
        }
    }
}

fn plan_view(plan: &Plan, c: &Cleaner, diags: &mut Vec<Diagnostic>) -> PlanView {
    PlanView {
        version_date: plan.version_date.format("%Y-%m-%d").to_string(),
        goal: c.text(plan.goal.expose(), &plan.source, "genomförandeplanens mål", diags),
        tasks: plan
            .tasks
            .iter()
            .map(|t| PlanTaskView {
                title: t.title.clone(),
                when: t.when.clone(),
                how: c.text(t.how.expose(), &plan.source, "genomförandeplanens text", diags),
            })
            .collect(),
    }
}

fn assignment_view(a: &Assignment, c: &Cleaner, diags: &mut Vec<Diagnostic>) -> AssignmentView {
    AssignmentView {
        number: a.number.clone(),
        kind: a.kind.clone(),
        decision: c.text(a.decision.expose(), &a.source, "uppdragets beslutstext", diags),
        tasks: a.tasks.clone(),
        granted_time: a.granted_time.clone(),
        start_date: a.start_date.map(|d| d.format("%Y-%m-%d").to_string()),
    }
}

fn order_view(o: &HealthOrder, c: &Cleaner, diags: &mut Vec<Diagnostic>) -> OrderView {
    OrderView {
        received_date: o.received,
        received: o.received.format("%Y-%m-%d").to_string(),
        from: o.from.clone(),
        action: c.text(&Some(o.action.expose().clone()), &o.source, "beställningens åtgärd", diags).unwrap_or_default(),
        key: String::new(),
    }
}

fn real_card(p: &Person) -> PersonCard {
    PersonCard {
        identity: real_identity(p),
        address: address_lines(p.address.expose()),
        phone: p.phone.expose().clone(),
        door_code: p.door_code.expose().clone(),
        consent: consent_word(p.consent),
        consent_text: p.consent_text.expose().clone(),
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

pub(super) fn person(p: &Person, by: &ByPerson, diags: &mut Vec<Diagnostic>) -> ClearedPerson {
    let protected = p.protection.is_protected();
    let cleaner = Cleaner { secrets: protected.then(|| secrets_of(p)), person: p };
    let open = Cleaner { secrets: None, person: p };

    fn of<'m, T>(m: &std::collections::HashMap<&str, Vec<&'m T>>, id: &str) -> Vec<&'m T> {
        m.get(id).cloned().unwrap_or_default()
    }
    let newest = of(&by.plans, &p.id).into_iter().max_by_key(|pl| (pl.version_date, pl.source.line));
    let assignments: Vec<&Assignment> = of(&by.assignments, &p.id).into_iter().filter(|a| !a.is_alarm()).collect();
    let mut orders: Vec<OrderView> = of(&by.orders, &p.id).into_iter().map(|o| order_view(o, &cleaner, diags)).collect();
    orders.sort_by(|a, b| (a.received_date, &a.action).cmp(&(b.received_date, &b.action)));
    for (i, o) in orders.iter_mut().enumerate() {
        o.key = format!("{}-{}", o.received, i);
    }

    let card = if protected {
        let mut fictive = real_card(p);
        fictive.identity = identity(p);
        fictive.phone = None;
        fictive.door_code = None;
        fictive.relatives = Vec::new();
        fictive.consent_text = cleaner.text(p.consent_text.expose(), &p.source, "samtyckestexten", diags);
        fictive
    } else {
        real_card(p)
    };
    let restricted = protected.then(|| RestrictedFile {
        card: real_card(p),
        plan: newest.map(|pl| plan_view(pl, &open, &mut Vec::new())),
        assignments: assignments.iter().map(|a| assignment_view(a, &open, &mut Vec::new())).collect(),
    });
    ClearedPerson {
        id: p.id.clone(),
        unit: p.unit.clone(),
        protection: p.protection,
        identity: identity(p),
        card,
        plan: newest.map(|pl| plan_view(pl, &cleaner, diags)),
        assignments: assignments.iter().map(|a| assignment_view(a, &cleaner, diags)).collect(),
        orders,
        restricted,
        source: p.source.clone(),
    }
}

pub(super) fn visit(v: &Visit, p: &Person, diags: &mut Vec<Diagnostic>) -> ClearedVisit {
    let protected = p.protection.is_protected();
    let cleaner = Cleaner { secrets: protected.then(|| secrets_of(p)), person: p };
    let address = if protected {
        ADDRESS_SEE_FICTIVE_FILE.to_string()
    } else {
        address_lines(p.address.expose()).join(", ")
    };
    ClearedVisit {
        date: v.date,
        start: v.start,
        end: v.end,
        signature: v.signature.clone(),
        person_id: v.person_id.clone(),
        unit: p.unit.clone(),
        who: identity(p).name,
        address,
        key_number: v.key_number.clone(),
        tasks: v.tasks.clone(),
        double_staffing: v.double_staffing,
        note: cleaner.text(v.note.expose(), &v.source, "besökets notering", diags),
    }
}

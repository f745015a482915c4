//! privacy: the only code that decides how a person appears on paper.
//!
//! Takes the [`Dataset`] and returns [`Cleared`]: the same data, with every care recipient
//! replaced by *views* built from an allow-list of fields. A general document can only be
//! built from [`ClearedPerson`] and [`ClearedVisit`]; for a protected person they carry the
//! fictive name (or the case number where none is agreed), never the real name,
//! personnummer, phone, door code or relatives, and the address only on the fictive
//! personkort. The real identity goes only into [`RestrictedFile`], which `plan` turns into
//! the ordinary file (audience `enhetschef`, under `begransad/`). Rules per level: seed 002.
//!
//! Every free text of every record that can reach a general document — whoever the record
//! belongs to — passes one dataset-wide [`Index`] of all protected persons' identifying
//! values; a hit is replaced by `[borttaget]` and reported to the restricted side only
//! (see [`index`]). [`redact`] does the same for the run's messages.

mod index;
mod sensitive;
mod views;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::diag::{Diagnostic, Severity};
use crate::model::{Dataset, Employee, Person, Protection, Shift, Unit};

pub use index::{Identity, Index, REMOVED};
pub use sensitive::Sensitive;
pub use views::*;

/// The dataset as the planner may use it: people only as views.
pub struct Cleared {
    pub date: NaiveDate,
    pub units: Vec<Unit>,
    pub employees: Vec<Employee>,
    pub shifts: Vec<Shift>,
    pub contacts: Vec<crate::model::Contact>,
    pub routines: Vec<crate::model::Routine>,
    pub persons: Vec<ClearedPerson>,
    pub visits: Vec<ClearedVisit>,
}

/// What a protected person's identity is made of, for the index.
fn identity_of(p: &Person) -> Identity {
    let pnr = p.personnummer.expose();
    Identity {
        given: p.first_name.expose().clone(),
        surname: p.last_name.expose().clone(),
        personnummer: vec![pnr.normalized().to_string()],
        phones: p.phone.expose().iter().cloned().collect(),
        door_code: p.door_code.expose().clone(),
        relatives: p.relatives.iter().map(|r| (r.name.expose().clone(), r.phone.expose().clone())).collect(),
    }
}

/// The index of every protected person in `data` (see [`index`]).
pub fn index_of(data: &Dataset) -> Index {
    let protected: Vec<(String, Identity)> =
        data.persons.iter().filter(|p| p.protection.is_protected()).map(|p| (p.id.clone(), identity_of(p))).collect();
    let mut others: Vec<String> = Vec::new();
    for p in data.persons.iter().filter(|p| !p.protection.is_protected()) {
        others.push(format!("{} {}", p.first_name.expose(), p.last_name.expose()));
        others.extend(p.relatives.iter().map(|r| r.name.expose().clone()));
    }
    others.extend(data.employees.iter().map(Employee::full_name));
    others.extend(data.contacts.iter().map(|c| c.name.clone()));
    Index::build(&protected, others.iter().map(String::as_str))
}

/// Builds the views. `date` is the service day (for lokalt skydd's three-month limit).
/// Returns warnings and problems (no fictive name, lokalt skydd dates, a fictive name that
/// reveals the real one, replaced free text); all of them restricted.
pub fn clear(data: Dataset, date: NaiveDate) -> (Cleared, Vec<Diagnostic>) {
    clear_run(data, date, Vec::new(), |d| d)
}

/// The privacy stage of a run: the index over the *whole* dataset (a person's run must still
/// know every protected person), then `narrow` (the run's scope), the views, and the run's
/// messages made safe ([`redact`]). `diags` are the ingest messages; all come back, sorted.
pub fn clear_run(
    data: Dataset,
    date: NaiveDate,
    mut diags: Vec<Diagnostic>,
    narrow: impl FnOnce(Dataset) -> Dataset,
) -> (Cleared, Vec<Diagnostic>) {
    let index = index_of(&data);
    let mut data = narrow(data);
    let restricted = std::mem::take(&mut data.restricted_ids);
    let (cleared, more) = clear_with(data, date, &index);
    diags.extend(more);
    redact(&mut diags, &restricted, &cleared, &index);
    diags.sort_by(|a, b| (&a.file, a.line, a.col, &a.message).cmp(&(&b.file, b.line, b.col, &b.message)));
    (cleared, diags)
}

/// [`clear`] with an index already built (the caller also needs it for [`redact`]).
fn clear_with(data: Dataset, date: NaiveDate, index: &Index) -> (Cleared, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let fictive_ok: HashMap<&str, bool> = data.persons.iter().map(|p| (p.id.as_str(), check_protection(p, date, &mut diags))).collect();
    // Persons and visits, the two big parts, are cleared side by side, each with its own
    // cleaner; their warnings are joined in this fixed order (persons first).
    let mut scrubbed = Vec::new();
    let mut scrubbed_visits = Vec::new();
    let by_id: HashMap<&str, &Person> = data.persons.iter().map(|p| (p.id.as_str(), p)).collect();
    let (persons, visits) = rayon::join(
        || {
            let cleaner = Cleaner { index, diags: std::cell::RefCell::new(&mut scrubbed) };
            let by_person = views::ByPerson::new(&data);
            data.persons.iter().map(|p| views::person(p, &by_person, &cleaner, fictive_ok[p.id.as_str()])).collect::<Vec<_>>()
        },
        || {
            let cleaner = Cleaner { index, diags: std::cell::RefCell::new(&mut scrubbed_visits) };
            data.visits
                .iter()
                .filter_map(|v| by_id.get(v.person_id.as_str()).map(|p| views::visit(v, p, &cleaner, fictive_ok[p.id.as_str()])))
                .collect::<Vec<_>>()
        },
    );
    scrubbed.append(&mut scrubbed_visits);
    let cleaner = Cleaner { index, diags: std::cell::RefCell::new(&mut scrubbed) };
    let contacts = data
        .contacts
        .iter()
        .map(|c| {
            let mut c = c.clone();
            let src = c.source.clone();
            c.name = cleaner.text(&c.name, None, &src, "kontaktens namn");
            c.role = cleaner.text(&c.role, None, &src, "kontaktens roll");
            c.phone = cleaner.text(&c.phone, None, &src, "kontaktens telefon");
            c.when = cleaner.opt(&c.when, None, &src, "kontaktens tider");
            c
        })
        .collect();
    let routines = data
        .routines
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let out = index.scrub(&r.name, None);
            if out.hit {
                r.name = format!("Rutin {}.pdf", REMOVED);
            }
            r
        })
        .collect();
    // Staff records and Time Care shifts print too (phone lists, schedules).
    let employees = data
        .employees
        .iter()
        .map(|e| {
            let mut e = e.clone();
            let src = e.source.clone();
            e.role = cleaner.opt(&e.role, None, &src, "medarbetarens roll");
            e
        })
        .collect();
    let shifts = data
        .shifts
        .iter()
        .map(|sh| {
            let mut sh = sh.clone();
            let src = sh.source.clone();
            sh.label = cleaner.opt(&sh.label, None, &src, "passets namn");
            sh
        })
        .collect();
    drop(by_id);
    drop(cleaner);
    diags.extend(scrubbed);
    let cleared = Cleared { date, units: data.units, employees, shifts, contacts, routines, persons, visits };
    (cleared, diags)
}

/// Makes the run's messages safe to print: a message about a protected person's row (by
/// `person_id`, or a personer.csv row marked protected) becomes restricted — no value, the
/// enhetschef's egenkontroll only — and no message quotes a value that holds a protected
/// identity or a personnummer-like number. Gives messages about a person's row that person's
/// unit (so only that unit's egenkontroll lists them).
pub fn redact(diags: &mut [Diagnostic], data_restricted: &HashSet<String>, cleared: &Cleared, index: &Index) {
    let units: HashMap<&str, (&str, bool)> = cleared.persons.iter().map(|p| (p.id.as_str(), (p.unit.as_str(), p.is_protected()))).collect();
    for d in diags.iter_mut() {
        let about_protected =
            d.person.as_deref().is_some_and(|id| data_restricted.contains(id) || units.get(id).is_some_and(|(_, protected)| *protected));
        if about_protected {
            d.restrict();
        }
        // The unit whose egenkontroll lists it: the person's, where the row names one.
        if d.unit.is_none()
            && let Some((unit, _)) = d.person.as_deref().and_then(|id| units.get(id))
        {
            d.unit = Some(unit.to_string());
        }
        if d.value.as_deref().is_some_and(|v| looks_like_personnummer(v) || index.scrub(v, None).hit) {
            d.value = None;
        }
    }
}

/// Whether a text holds something shaped like a personnummer: ten or more digits in a row,
/// joined at most by `-` or `+` (a date and a time, "2026-11-24 23:30", is not).
fn looks_like_personnummer(v: &str) -> bool {
    let mut run = 0;
    for c in v.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 10 {
                return true;
            }
        } else if !matches!(c, '-' | '+') || run == 0 {
            run = 0;
        }
    }
    false
}

/// Checks a person's protection; returns whether their fictive name may be printed.
/// Messages about a protected person name the line, never a value (nor the person_id).
fn check_protection(p: &Person, date: NaiveDate, diags: &mut Vec<Diagnostic>) -> bool {
    let at = |severity: Severity, msg: &str| {
        let mut d = Diagnostic::new(severity, p.source.file, p.source.line, 0, msg).in_unit(p.unit.clone());
        d.restrict();
        d
    };
    let mut fictive_ok = true;
    if p.protection.is_protected() {
        match &p.fictive_name {
            None => diags
                .push(at(Severity::Warning, "skyddade personuppgifter utan överenskommet fiktivt namn; ärendenumret skrivs ut i stället")),
            Some(f) if Index::fictive_name_reveals(&identity_of(p), f) => {
                fictive_ok = false;
                diags.push(at(
                    Severity::Problem,
                    "kolumnen fiktivt_namn: det fiktiva namnet är lika med eller innehåller det verkliga förnamnet eller efternamnet; ärendenumret skrivs ut i stället – välj ett annat fiktivt namn",
                ));
            }
            Some(_) => {}
        }
    }
    if let Protection::LokaltSkydd { until } = p.protection {
        let limit = date.checked_add_months(chrono::Months::new(3)).unwrap_or(date);
        let msg = match until {
            None => Some("lokalt skydd saknar skydd_till (gäller högst tre månader)"),
            Some(u) if u < date => Some("lokalt skydd har gått ut (skydd_till har passerat); skyddet ligger kvar tills uppgifterna ändras"),
            Some(u) if u > limit => {
                Some("lokalt skydd med skydd_till mer än tre månader fram; skyddet ligger kvar tills uppgifterna ändras")
            }
            _ => None,
        };
        if let Some(m) = msg {
            diags.push(at(Severity::Warning, &format!("{m} (till enhetschefen)")));
        }
    }
    fictive_ok
}

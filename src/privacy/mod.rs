//! privacy: the only code that decides how a person appears on paper.
//!
//! Takes the [`Dataset`] and returns [`Cleared`]: the same data, with every care recipient
//! replaced by *views* built from an allow-list of fields. A general document can only be
//! built from [`GeneralPerson`] and [`ClearedVisit`]; for a protected person they carry the
//! fictive name (or the case number where none is agreed), never the real name,
//! personnummer, phone, door code or relatives, and the address only on the fictive
//! personkort. The real identity goes only into [`RestrictedFile`], which `plan` turns into
//! the ordinary file (audience `enhetschef`, under `begransad/`). Rules per level: seed 002.
//!
//! Free text about a protected person (notes, consent text, plan texts) is checked for that
//! person's real name, personnummer, phone, door code and relatives' names; a hit is replaced
//! by `[borttaget]` and reported (without the value).

mod scrub;
mod sensitive;
mod views;

use chrono::NaiveDate;

use crate::diag::Diagnostic;
use crate::model::{Dataset, Employee, Person, Protection, Shift, Unit};

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

/// Builds the views. `date` is the service day (for lokalt skydd's three-month limit).
/// Returns warnings (no fictive name, lokalt skydd dates, scrubbed free text).
pub fn clear(data: Dataset, date: NaiveDate) -> (Cleared, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut persons = Vec::with_capacity(data.persons.len());
    let by_person = views::ByPerson::new(&data);
    for p in &data.persons {
        check_protection(p, date, &mut diags);
        persons.push(views::person(p, &by_person, &mut diags));
    }
    drop(by_person);
    let by_id: std::collections::HashMap<&str, &Person> = data.persons.iter().map(|p| (p.id.as_str(), p)).collect();
    let visits = data
        .visits
        .iter()
        .filter_map(|v| by_id.get(v.person_id.as_str()).map(|p| views::visit(v, p, &mut diags)))
        .collect();
    let cleared = Cleared {
        date,
        units: data.units,
        employees: data.employees,
        shifts: data.shifts,
        contacts: data.contacts,
        routines: data.routines,
        persons,
        visits,
    };
    (cleared, diags)
}

/// Warnings the enhetschef must see about a protected person (never a value from the row).
fn check_protection(p: &Person, date: NaiveDate, diags: &mut Vec<Diagnostic>) {
    let at = |msg: String| Diagnostic::warning(p.source.file, p.source.line, 0, msg).in_unit(p.unit.clone());
    if p.protection.is_protected() && p.fictive_name.is_none() {
        diags.push(at(format!(
            "person_id {}: skyddade personuppgifter utan överenskommet fiktivt namn; ärendenumret skrivs ut i stället",
            p.id
        )));
    }
    if let Protection::LokaltSkydd { until } = p.protection {
        let limit = date.checked_add_months(chrono::Months::new(3)).unwrap_or(date);
        let msg = match until {
            None => Some("lokalt skydd saknar skydd_till (gäller högst tre månader)".to_string()),
            Some(u) if u < date => Some(format!("lokalt skydd gick ut {u}; skyddet ligger kvar tills uppgifterna ändras")),
            Some(u) if u > limit => Some(format!("lokalt skydd till {u} är längre än tre månader; skyddet ligger kvar tills uppgifterna ändras")),
            _ => None,
        };
        if let Some(m) = msg {
            diags.push(at(format!("person_id {}: {m} (till enhetschefen)", p.id)));
        }
    }
}

//! Pappersschema: one paper schedule per employee and service day with visits (seed 001,
//! "Pappersschema per medarbetare … Planerade besök, filtrera per medarbetare").

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::storage::STORAGE_CABINET;
use super::{Audience, DocJob, DocKind, Draft, Planner, Scope, weekday_sv};
use crate::privacy::{Cleared, ClearedVisit};

/// A visit row as the schedule templates print it. `partners`: the signatures of the other
/// employees visiting the same person at an overlapping time (double staffing).
pub fn visit_row(v: &ClearedVisit, partners: &[&str]) -> serde_json::Value {
    json!({
        "start": v.start.format("%H:%M").to_string(),
        "end": v.end.format("%H:%M").to_string(),
        "signature": v.signature,
        "who": v.who,
        "address": v.address,
        "phone": v.phone,
        "key": v.key_number,
        "tasks": v.tasks.join(", "),
        "double": v.double_staffing,
        "partners": partners,
        "note": v.note,
    })
}

/// For each visit of one day, the other employees who visit the same person at an
/// overlapping time: the double-staffing partner(s), by signature.
pub fn partners<'a>(day: &[&'a ClearedVisit], v: &ClearedVisit) -> Vec<&'a str> {
    let mut out: Vec<&str> = day
        .iter()
        .filter(|o| o.person_id == v.person_id && o.signature != v.signature && o.start < v.end && v.start < o.end)
        .map(|o| o.signature.as_str())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The employee's Time Care shift(s) on `day`, as printed: `07:00 – 16:00 (Dag)`.
fn shift_text(cleared: &Cleared, signature: &str, day: NaiveDate) -> Option<String> {
    let mut shifts: Vec<_> = cleared.shifts.iter().filter(|s| s.signature == signature && s.date == day).collect();
    shifts.sort_by_key(|s| (s.start, s.end));
    let parts: Vec<String> = shifts
        .iter()
        .map(|s| {
            let mut t = format!("{} – {}", s.start.format("%H:%M"), s.end.format("%H:%M"));
            if let Some(l) = s.label.as_deref().filter(|l| !l.trim().is_empty()) {
                t.push_str(&format!(" ({})", l.trim()));
            }
            t
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

pub fn day_heading(d: NaiveDate) -> (String, String) {
    let mut wd = weekday_sv(d).to_string();
    if let Some(first) = wd.get(..1) {
        wd = first.to_uppercase() + &wd[1..];
    }
    (wd, d.iso_week().week().to_string())
}

pub fn plan(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    // (signature, day) -> visits, in a fixed order.
    let mut by_employee: BTreeMap<(&str, NaiveDate), Vec<&ClearedVisit>> = BTreeMap::new();
    // (person, day) -> visits, to find double-staffing partners.
    let mut by_person: BTreeMap<(&str, NaiveDate), Vec<&ClearedVisit>> = BTreeMap::new();
    for v in &cleared.visits {
        if scope.days.contains(&v.date) {
            by_employee.entry((v.signature.as_str(), v.date)).or_default().push(v);
            by_person.entry((v.person_id.as_str(), v.date)).or_default().push(v);
        }
    }
    for ((signature, day), mut visits) in by_employee {
        let Some(emp) = cleared.employees.iter().find(|e| e.signature == signature) else {
            continue;
        };
        let Some(unit) = cleared.units.iter().find(|u| u.id == emp.unit) else {
            continue;
        };
        visits.sort_by(|a, b| (a.start, a.end, &a.who).cmp(&(b.start, b.end, &b.who)));
        let (weekday, week) = day_heading(day);
        let date = day.format("%Y-%m-%d").to_string();
        let doc = json!({
            "weekday": weekday,
            "date": date,
            "week": week,
            "unit_id": unit.id,
            "unit_name": unit.name,
            "signature": emp.signature,
            "employee_name": emp.full_name(),
            "shift": shift_text(cleared, signature, day),
            "visits": visits
                .iter()
                .map(|v| {
                    let mut row = visit_row(v, &partners(by_person.get(&(v.person_id.as_str(), day)).map_or(&[][..], Vec::as_slice), v));
                    row["h"] = json!(crate::render::rows::schedule(&row));
                    row
                })
                .collect::<Vec<_>>(),
        });
        jobs.push(planner.finish(Draft {
            kind: DocKind::Schema,
            template: "schema.typ",
            unit: &unit.id,
            audience: Audience::Personal,
            key: format!("{signature}\u{0}{date}"),
            anchor: Some(day),
            storage: STORAGE_CABINET,
            title: format!("Pappersschema {} {}", emp.signature, date),
            label: "Pappersschema",
            // Signature and name: how staff find their sheet (the export names the file so).
            subject: format!("{} {} {}", emp.signature, emp.full_name(), date),
            person: None,
            protection: None,
            date: Some(day),
            doc,
            attachments: Vec::new(),
            retention_kind: None,
        }));
    }
}

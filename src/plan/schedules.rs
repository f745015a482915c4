//! Pappersschema: one paper schedule per employee and service day with visits (seed 001,
//! "Pappersschema per medarbetare … Planerade besök, filtrera per medarbetare").

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::{Audience, DocJob, Draft, Planner, Scope, weekday_sv};
use crate::privacy::{Cleared, ClearedVisit};

pub const STORAGE_CABINET: &str = "Dokumentskåp (aktskåp)";

/// A visit row as the schedule templates print it.
pub fn visit_row(v: &ClearedVisit) -> serde_json::Value {
    json!({
        "start": v.start.format("%H:%M").to_string(),
        "end": v.end.format("%H:%M").to_string(),
        "signature": v.signature,
        "who": v.who,
        "address": v.address,
        "key": v.key_number,
        "tasks": v.tasks.join(", "),
        "double": v.double_staffing,
        "note": v.note,
    })
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
    for v in &cleared.visits {
        if scope.days.contains(&v.date) {
            by_employee.entry((v.signature.as_str(), v.date)).or_default().push(v);
        }
    }
    for ((signature, day), mut visits) in by_employee {
        let Some(emp) = cleared.employees.iter().find(|e| e.signature == signature) else { continue };
        let Some(unit) = cleared.units.iter().find(|u| u.id == emp.unit) else { continue };
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
            "visits": visits.iter().map(|v| visit_row(v)).collect::<Vec<_>>(),
        });
        jobs.push(planner.finish(Draft {
            kind: "schema",
            template: "schema.typ",
            unit: &unit.id,
            audience: Audience::Personal,
            key: format!("{signature}\u{0}{date}"),
            anchor: Some(day),
            storage: STORAGE_CABINET,
            title: format!("Pappersschema {} {}", emp.signature, date),
            label: "Pappersschema",
            subject: format!("{} {}", emp.signature, date),
            person: None,
            protection: None,
            date: Some(day),
            doc,
            attachments: Vec::new(),
            retention_kind: None,
        }));
    }
}

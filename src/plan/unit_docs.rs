//! Unit documents: planerade besök, Time Care schedule, phone lists, contacts, supporting
//! routines, blank forms, and the egenkontroll checklist.
//!
//! The lists live here; the Time Care grid, the routines, the blank forms and the
//! egenkontroll have a file each (`timecare`, `routines`, `forms`, `egenkontroll`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::schedules::{STORAGE_CABINET, day_heading, partners, visit_row};
use super::{Audience, DocJob, Draft, Planner, Scope, doc_id, egenkontroll, forms, routines, timecare};
use crate::diag::Diagnostic;
use crate::model::{Employee, Unit, UnitKind};
use crate::privacy::{Cleared, ClearedVisit};

/// Seed 001: the private-phone list is kept "hos enhetschef".
pub const STORAGE_MANAGER_CABINET: &str = "Enhetschefens dokumentskåp (endast enhetschef)";

pub fn plan(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    planerade_besok(cleared, scope, planner, jobs);
    for unit in &cleared.units {
        driftstopp(unit, planner, jobs);
        phone_lists(cleared, unit, planner, jobs);
        contacts(cleared, unit, planner, jobs);
    }
    timecare::plan(cleared, scope, planner, jobs);
    routines::plan(cleared, planner, jobs);
    forms::plan(cleared, scope, planner, jobs);
}

pub fn egenkontroll(cleared: &Cleared, _scope: &Scope, planner: &Planner, diags: &[Diagnostic], jobs: &mut Vec<DocJob>) {
    egenkontroll::plan(cleared, planner, diags, jobs);
}

/// A unit-wide document: no person, no date, key and subject given.
pub(super) struct UnitDoc<'a> {
    pub unit: &'a Unit,
    pub kind: &'static str,
    pub template: &'static str,
    pub label: &'static str,
    pub key: String,
    pub audience: Audience,
    pub storage: &'a str,
    /// How it is listed (egenkontroll, shred list); `None`: the unit's name.
    pub subject: Option<String>,
    pub doc: Value,
    pub attachments: Vec<std::sync::Arc<Vec<u8>>>,
}

impl UnitDoc<'_> {
    pub fn finish(self, planner: &Planner) -> DocJob {
        let id = doc_id(self.kind, &self.unit.id, &self.key);
        planner.finish(Draft {
            kind: self.kind,
            template: self.template,
            unit: &self.unit.id,
            audience: self.audience,
            title: format!("{} {} {}", self.label, self.unit.id, id),
            key: self.key,
            anchor: None,
            storage: self.storage,
            label: self.label,
            subject: self.subject.unwrap_or_else(|| self.unit.name.clone()),
            person: None,
            protection: None,
            date: None,
            doc: self.doc,
            attachments: self.attachments,
            retention_kind: None,
        })
    }
}

/// Planerade besök: per home-care unit and service day, sorted by time, then signature.
/// Care homes have no visit schedules (seed 000).
fn planerade_besok(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    let mut by_unit_day: BTreeMap<(&str, NaiveDate), Vec<&ClearedVisit>> = BTreeMap::new();
    for v in cleared.visits.iter().filter(|v| scope.days.contains(&v.date)) {
        by_unit_day.entry((v.unit.as_str(), v.date)).or_default().push(v);
    }
    for unit in cleared.units.iter().filter(|u| u.kind == UnitKind::Hemtjanst) {
        for &day in &scope.days {
            let mut visits = by_unit_day.remove(&(unit.id.as_str(), day)).unwrap_or_default();
            visits.sort_by(|a, b| (a.start, &a.signature, a.end, &a.who).cmp(&(b.start, &b.signature, b.end, &b.who)));
            let (weekday, week) = day_heading(day);
            let date = day.format("%Y-%m-%d").to_string();
            jobs.push(planner.finish(Draft {
                kind: "planerade_besok",
                template: "planerade_besok.typ",
                unit: &unit.id,
                audience: Audience::Personal,
                key: date.clone(),
                anchor: Some(day),
                storage: STORAGE_CABINET,
                title: format!("Planerade besök {} {}", unit.id, date),
                label: "Planerade besök",
                subject: format!("{} {}", super::weekday_sv(day), date),
                person: None,
                protection: None,
                date: Some(day),
                doc: json!({
                    "weekday": weekday,
                    "date": date,
                    "week": week,
                    "unit_id": unit.id,
                    "unit_name": unit.name,
                    "visits": visits.iter().map(|v| visit_row(v, &partners(&visits, v))).collect::<Vec<_>>(),
                }),
                attachments: Vec::new(),
                retention_kind: None,
            }));
        }
    }
}

/// "Så gör du vid driftstopp": the one-page way in at the front of every unit's pack. Its
/// text is the template's (`driftstopp.typ`), so a municipality can replace it.
fn driftstopp(unit: &Unit, planner: &Planner, jobs: &mut Vec<DocJob>) {
    jobs.push(
        UnitDoc {
            unit,
            kind: "driftstopp",
            template: "driftstopp.typ",
            label: "Så gör du vid driftstopp",
            key: "driftstopp".into(),
            audience: Audience::Personal,
            storage: super::forms::STORAGE_BINDER,
            subject: None,
            doc: json!({
                "unit_id": unit.id,
                "unit_name": unit.name,
                "unit_phone": unit.phone,
                "manager": unit.manager,
                "home_care": unit.kind == UnitKind::Hemtjanst,
            }),
            attachments: Vec::new(),
        }
        .finish(planner),
    );
}

/// The unit's employees in list order: last name, first name, signature.
pub(super) fn staff_of<'a>(cleared: &'a Cleared, unit: &Unit) -> Vec<&'a Employee> {
    let mut staff: Vec<&Employee> = cleared.employees.iter().filter(|e| e.unit == unit.id).collect();
    staff.sort_by(|a, b| (&a.last_name, &a.first_name, &a.signature).cmp(&(&b.last_name, &b.first_name, &b.signature)));
    staff
}

/// Telefonlista (work phones, all staff) and telefonlista_privat (private phones, the
/// enhetschef's cabinet only, under `begransad/`).
fn phone_lists(cleared: &Cleared, unit: &Unit, planner: &Planner, jobs: &mut Vec<DocJob>) {
    let staff = staff_of(cleared, unit);
    let rows = |private: bool| -> Vec<Value> {
        staff
            .iter()
            .map(|e| {
                json!({
                    "signature": e.signature,
                    "name": e.full_name(),
                    "role": e.role,
                    "phone": if private { &e.private_phone } else { &e.work_phone },
                })
            })
            .collect()
    };
    let doc = |private: bool| json!({ "unit_id": unit.id, "unit_name": unit.name, "employees": rows(private) });
    jobs.push(
        UnitDoc {
            unit,
            kind: "telefonlista",
            template: "telefonlista.typ",
            label: "Telefonlista arbetstelefoner",
            key: "arbetstelefon".into(),
            audience: Audience::Personal,
            storage: STORAGE_CABINET,
            subject: None,
            doc: doc(false),
            attachments: Vec::new(),
        }
        .finish(planner),
    );
    jobs.push(
        UnitDoc {
            unit,
            kind: "telefonlista_privat",
            template: "telefonlista_privat.typ",
            label: "Telefonlista privata telefonnummer",
            key: "privat_telefon".into(),
            audience: Audience::Enhetschef,
            storage: STORAGE_MANAGER_CABINET,
            subject: None,
            doc: doc(true),
            attachments: Vec::new(),
        }
        .finish(planner),
    );
}

/// Kontakter vid driftstopp (seed 004): the unit's contacts in export order, the unit's
/// own phone and its enhetschef.
fn contacts(cleared: &Cleared, unit: &Unit, planner: &Planner, jobs: &mut Vec<DocJob>) {
    let mut contacts: Vec<_> = cleared.contacts.iter().filter(|c| c.unit == unit.id).collect();
    contacts.sort_by_key(|c| c.source.line);
    let town = [unit.postnr.as_deref(), unit.ort.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let address =
        [unit.address.as_deref().unwrap_or(""), town.as_str()].into_iter().filter(|s| !s.trim().is_empty()).collect::<Vec<_>>().join(", ");
    let doc = json!({
        "unit_id": unit.id,
        "unit_name": unit.name,
        "unit_phone": unit.phone,
        "manager": unit.manager,
        "unit_address": if address.is_empty() { None } else { Some(address) },
        "contacts": contacts.iter().map(|c| json!({ "role": c.role, "name": c.name, "phone": c.phone, "when": c.when })).collect::<Vec<_>>(),
    });
    jobs.push(
        UnitDoc {
            unit,
            kind: "kontakter",
            template: "kontakter.typ",
            label: "Kontakter vid driftstopp",
            key: "kontakter".into(),
            audience: Audience::Personal,
            storage: STORAGE_CABINET,
            subject: None,
            doc,
            attachments: Vec::new(),
        }
        .finish(planner),
    );
}

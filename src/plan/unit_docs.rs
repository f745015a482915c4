//! Unit lists: planerade besök, driftstopp, phone lists and contacts. The unit's other
//! documents have a file each (`timecare`, `routines`, `forms`, `field_sheets`,
//! `egenkontroll`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::schedules::{day_heading, partners, visit_row};
use super::storage::{STORAGE_BINDER, STORAGE_CABINET, STORAGE_MANAGER_CABINET};
use super::{Audience, DocJob, DocKind, Draft, Planner, Scope, UnitDoc, staff_of};
use crate::model::{Unit, UnitKind};
use crate::privacy::{Cleared, ClearedVisit};

pub fn plan(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    planerade_besok(cleared, scope, planner, jobs);
    for unit in &cleared.units {
        driftstopp(unit, planner, jobs);
        phone_lists(cleared, unit, planner, jobs);
        contacts(cleared, unit, planner, jobs);
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
                kind: DocKind::PlaneradeBesok,
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
                    "visits": visits
                        .iter()
                        .map(|v| {
                            let mut row = visit_row(v, &partners(&visits, v));
                            row["h"] = json!(crate::render::rows::planerade_besok(&row));
                            row
                        })
                        .collect::<Vec<_>>(),
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
            kind: DocKind::Driftstopp,
            template: "driftstopp.typ",
            label: "Så gör du vid driftstopp",
            key: "driftstopp".into(),
            audience: Audience::Personal,
            storage: STORAGE_BINDER,
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
            kind: DocKind::Telefonlista,
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
            kind: DocKind::TelefonlistaPrivat,
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
            kind: DocKind::Kontakter,
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

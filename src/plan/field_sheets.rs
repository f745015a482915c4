//! The field sheets of issue 16, for an outage's first hour: per unit the nyckellista (keys),
//! larmlista (alarm clients to call), signaturlista (whose signature is whose), varningar
//! (allergies, warnings, infection) and, in care homes, the boendelista; per person the
//! signeringslista for delegated HSL tasks.
//!
//! All are built from the general views (`ClearedPerson`, `ClearedVisit`: printed identity,
//! cleared free text). A protected person appears only by printed identity, with "se fiktiv
//! akt" for the address and no phone or relatives; the one exception is the restricted
//! larmlista (audience enhetschef, under `begransad/`), the only reader here of
//! `ClearedPerson::restricted`, which holds the real numbers of the unit's protected alarm
//! clients. None is dated: each changes only when its content does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::storage::{STORAGE_CABINET, STORAGE_KEYS, STORAGE_MANAGER_CABINET, STORAGE_SIGNING};
use super::{Audience, DocJob, DocKind, Draft, Planner, Scope, UnitDoc, staff_of};
use crate::model::{Unit, UnitKind, swedish_key};
use crate::privacy::{ADDRESS_SEE_FICTIVE_FILE, Cleared, ClearedPerson};

/// Where a protected person's address would stand, in a list's address column.
pub fn fictive_address() -> &'static str {
    ADDRESS_SEE_FICTIVE_FILE.trim_start_matches("Adress: ")
}

/// What the general larmlista prints instead of a protected alarm client's phone.
pub const CALLED_BY_MANAGER: &str = "ringas av enhetschefen";
pub fn plan(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    let keys = key_numbers(cleared);
    for unit in &cleared.units {
        let mut people: Vec<&ClearedPerson> = cleared.persons.iter().filter(|p| p.unit == unit.id).collect();
        people.sort_by_cached_key(|p| (swedish_key(&p.identity.name), p.id.clone()));
        let sheets = Sheets { unit, people: &people, keys: &keys, planner };
        let home_care = unit.kind == UnitKind::Hemtjanst;
        if home_care || people.iter().any(|p| keys.contains_key(p.id.as_str())) {
            jobs.push(sheets.nyckellista(scope.key_places.get(&unit.id).map(String::as_str)));
        }
        if home_care || people.iter().any(|p| p.alarm) {
            sheets.larmlista(jobs);
        }
        jobs.push(sheets.signaturlista(cleared));
        if unit.kind != UnitKind::Myndighet {
            jobs.push(sheets.varningar());
        }
        if unit.kind == UnitKind::Boende {
            jobs.push(sheets.boendelista());
        }
    }
    signeringslistor(cleared, scope, planner, jobs);
}

/// Each person's key numbers in use: every distinct `nyckelnummer` of their planned visits
/// in the export (not only the run's days, so the list does not change every night).
fn key_numbers(cleared: &Cleared) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for v in &cleared.visits {
        if let Some(k) = v.key_number.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            out.entry(v.person_id.as_str()).or_default().insert(k);
        }
    }
    out
}

/// A person's address as a list prints it: one line, or "se fiktiv akt".
fn address(p: &ClearedPerson) -> String {
    if p.is_protected() { fictive_address().to_string() } else { p.card.address.join(", ") }
}

/// The relatives a list may show (none for a protected person: the general card has none),
/// without those who may not be contacted.
fn relatives_to_call(p: &ClearedPerson) -> Vec<Value> {
    p.card
        .relatives
        .iter()
        .filter(|r| r.may_contact != Some("Nej"))
        .map(|r| json!({ "name": r.name, "relation": r.relation, "phone": r.phone }))
        .collect()
}

/// One unit's people, sorted by printed name, and what its sheets share.
struct Sheets<'a> {
    unit: &'a Unit,
    people: &'a [&'a ClearedPerson],
    keys: &'a BTreeMap<&'a str, BTreeSet<&'a str>>,
    planner: &'a Planner<'a>,
}

impl Sheets<'_> {
    fn doc(&self, kind: DocKind, label: &'static str, key: &str, audience: Audience, storage: &str, mut doc: Value) -> DocJob {
        let template = match audience {
            Audience::Personal => template(kind),
            Audience::Enhetschef => "larmlista_begransad.typ",
        };
        doc["unit_id"] = json!(self.unit.id);
        doc["unit_name"] = json!(self.unit.name);
        UnitDoc { unit: self.unit, kind, template, label, key: key.into(), audience, storage, subject: None, doc, attachments: Vec::new() }
            .finish(self.planner)
    }

    fn keys_of(&self, p: &ClearedPerson) -> Vec<&str> {
        self.keys.get(p.id.as_str()).map(|k| k.iter().copied().collect()).unwrap_or_default()
    }

    /// Every key number in use, then whose it is and where it is kept.
    fn nyckellista(&self, unit_place: Option<&str>) -> DocJob {
        let mut rows: Vec<(String, Value)> = Vec::new();
        for p in self.people {
            let place = p.key_place.as_deref().or(unit_place);
            for k in self.keys_of(p) {
                let row = json!({ "key": k, "who": p.identity.name, "address": address(p), "place": place });
                rows.push((natural_key(k), row));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let rows: Vec<Value> = rows.into_iter().map(|(_, r)| r).collect();
        self.doc(
            DocKind::Nyckellista,
            "Nyckellista",
            "nyckellista",
            Audience::Personal,
            STORAGE_KEYS,
            json!({ "rows": rows, "unit_place": unit_place }),
        )
    }

    /// The unit's alarm clients for a call round; the protected ones' numbers only in the
    /// restricted list (made when the unit has any).
    fn larmlista(&self, jobs: &mut Vec<DocJob>) {
        let clients: Vec<&&ClearedPerson> = self.people.iter().filter(|p| p.alarm).collect();
        let rows: Vec<Value> = clients
            .iter()
            .map(|p| {
                json!({
                    "who": p.identity.name,
                    "phone": if p.is_protected() { None } else { p.card.phone.clone() },
                    "by_manager": p.is_protected(),
                    "address": address(p),
                    "keys": self.keys_of(p).join(", "),
                })
            })
            .collect();
        let doc = json!({ "rows": rows, "called_by_manager": CALLED_BY_MANAGER });
        jobs.push(self.doc(DocKind::Larmlista, "Larmlista", "larmlista", Audience::Personal, STORAGE_CABINET, doc));
        let real: Vec<Value> = clients
            .iter()
            .filter_map(|p| p.restricted.as_ref().map(|r| (p, r)))
            .map(|(p, r)| {
                let relatives: Vec<Value> = r
                    .card
                    .relatives
                    .iter()
                    .filter(|x| x.may_contact != Some("Nej"))
                    .map(|x| json!({ "name": x.name, "relation": x.relation, "phone": x.phone }))
                    .collect();
                json!({
                    "who": r.card.identity.name,
                    "printed": p.identity.name,
                    "phone": r.card.phone,
                    "address": r.card.address.join(", "),
                    "keys": self.keys_of(p).join(", "),
                    "relatives": relatives,
                })
            })
            .collect();
        if !real.is_empty() {
            let doc = json!({ "rows": real });
            jobs.push(self.doc(
                DocKind::Larmlista,
                "Larmlista skyddade personuppgifter",
                "larmlista\u{0}begransad",
                Audience::Enhetschef,
                STORAGE_MANAGER_CABINET,
                doc,
            ));
        }
    }

    /// Every signature of the unit's staff, then name, role and unit.
    fn signaturlista(&self, cleared: &Cleared) -> DocJob {
        let mut staff = staff_of(cleared, self.unit);
        staff.sort_by(|a, b| (swedish_key(&a.signature), &a.signature).cmp(&(swedish_key(&b.signature), &b.signature)));
        let rows: Vec<Value> = staff.iter().map(|e| json!({ "signature": e.signature, "name": e.full_name(), "role": e.role })).collect();
        self.doc(DocKind::Signaturlista, "Signaturlista", "signaturlista", Audience::Personal, STORAGE_CABINET, json!({ "rows": rows }))
    }

    /// Everyone of the unit with any allergy, warning or infection note.
    fn varningar(&self) -> DocJob {
        let rows: Vec<Value> =
            self.people.iter().filter_map(|p| p.card.warnings.as_ref().map(|w| json!({ "who": p.identity.name, "warnings": w }))).collect();
        self.doc(DocKind::Varningar, "Varningar och allergier", "varningar", Audience::Personal, STORAGE_CABINET, json!({ "rows": rows }))
    }

    /// A care home's residents by room: name, relatives to call, warnings.
    fn boendelista(&self) -> DocJob {
        let mut rows: Vec<(String, String, Value)> = self
            .people
            .iter()
            .map(|p| {
                let room = if p.is_protected() { None } else { p.card.room.clone() };
                let row = json!({
                    "room": if p.is_protected() { Some(fictive_address().to_string()) } else { room.clone() },
                    "who": p.identity.name,
                    "protected": p.is_protected(),
                    "relatives": relatives_to_call(p),
                    "warnings": p.card.warnings,
                });
                (room.as_deref().map(natural_key).unwrap_or_else(|| "\u{10ffff}".into()), swedish_key(&p.identity.name), row)
            })
            .collect();
        rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let rows: Vec<Value> = rows.into_iter().map(|(_, _, r)| r).collect();
        self.doc(DocKind::Boendelista, "Boendelista", "boendelista", Audience::Personal, STORAGE_CABINET, json!({ "rows": rows }))
    }
}

fn template(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Nyckellista => "nyckellista.typ",
        DocKind::Larmlista => "larmlista.typ",
        DocKind::Signaturlista => "signaturlista.typ",
        DocKind::Varningar => "varningar.typ",
        DocKind::Boendelista => "boendelista.typ",
        _ => "signeringslista.typ",
    }
}

/// A sort key that orders embedded numbers by value (`N-2` before `N-10`, rum 9 before 10).
fn natural_key(s: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            out.push_str(&format!("{:0>12}", trimmed));
            digits.clear();
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.extend(c.to_lowercase());
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// Whether an insats is a delegated task (`delegerade_insatser`, case-insensitive).
fn delegated(task: &str, delegated: &[String]) -> bool {
    delegated.iter().any(|d| d.trim().to_lowercase() == task.trim().to_lowercase())
}

/// Per person with delegated tasks in their planned visits: the signing sheet, one row per
/// distinct (time, task) over the export's visits, 14 blank date columns. Not dated, so it
/// changes only when the times or tasks do.
fn signeringslistor(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    let mut rows: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    for v in &cleared.visits {
        for t in v.tasks.iter().filter(|t| delegated(t, &scope.delegated_tasks)) {
            rows.entry(v.person_id.as_str()).or_default().insert((v.start.format("%H:%M").to_string(), t.trim().to_string()));
        }
    }
    for p in &cleared.persons {
        let Some(times) = rows.get(p.id.as_str()) else {
            continue;
        };
        let Some(unit) = cleared.units.iter().find(|u| u.id == p.unit) else {
            continue;
        };
        let key = format!("{}\u{0}signeringslista", p.id);
        let id = planner.id(DocKind::Signeringslista, &unit.id, &key, Some(p.protection));
        let rows: Vec<Value> = times.iter().map(|(time, task)| json!({ "time": time, "task": task })).collect();
        jobs.push(planner.finish(Draft {
            kind: DocKind::Signeringslista,
            template: "signeringslista.typ",
            unit: &unit.id,
            audience: Audience::Personal,
            key,
            anchor: None,
            storage: STORAGE_SIGNING,
            title: format!("Signeringslista {} {}", unit.id, id),
            label: "Signeringslista delegerade insatser",
            subject: p.identity.name.clone(),
            person: Some(p.id.clone()),
            protection: Some(p.protection),
            date: None,
            doc: json!({ "unit_id": unit.id, "unit_name": unit.name, "identity": p.identity, "rows": rows, "columns": 14 }),
            attachments: Vec::new(),
            retention_kind: None,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_and_delegated_words() {
        let mut v = vec!["N-10", "N-2", "n-1", "B-3"];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(v, ["B-3", "n-1", "N-2", "N-10"]);
        let d = vec!["Läkemedelsöverlämning".to_string()];
        assert!(delegated(" läkemedelsöverlämning ", &d));
        assert!(!delegated("Måltid", &d));
    }
}

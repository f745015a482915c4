//! Filing order: how the documents of one unit and audience follow each other in a batch,
//! so staff can file the sheets straight from the printer's output tray.
//!
//! 1. Unit documents: kontakter, telefonlista (and the private list in the enhetschef's
//!    batch), the field sheets (signaturlista, larmlista, nyckellista, varningar,
//!    boendelista), Time Care schedule, planerade besök, stödjande dokument, blank forms, then
//!    the egenkontroll checklist, then any other unit-wide kind.
//! 2. Paper schedules, by employee signature, then day.
//! 3. Person folders, by printed identity (Swedish alphabetical order): personkort,
//!    genomförandeplan, uppdrag, hälso- och sjukvårdsbeställningar, forms (and, in the
//!    enhetschef's batch, the ordinary file of a protected person).

use std::cmp::Ordering;

use crate::plan::DocKind;
use crate::publish::Entry;

/// One part of a batch, in filing order.
pub enum Part<'a> {
    Unit(Vec<&'a Entry>),
    Schedules(Vec<&'a Entry>),
    /// One person's folder: the printed identity and the documents.
    Person {
        name: String,
        documents: Vec<&'a Entry>,
    },
}

impl<'a> Part<'a> {
    pub fn documents(&self) -> &[&'a Entry] {
        match self {
            Part::Unit(d) | Part::Schedules(d) => d,
            Part::Person { documents, .. } => documents,
        }
    }
}

fn unit_rank(kind: DocKind) -> u8 {
    use DocKind::*;
    const ORDER: &[DocKind] = &[
        Driftstopp,
        Kontakter,
        Telefonlista,
        TelefonlistaPrivat,
        Signaturlista,
        Larmlista,
        Nyckellista,
        Varningar,
        Boendelista,
        Timecare,
        PlaneradeBesok,
        Rutiner,
        Blankett,
        Egenkontroll,
    ];
    ORDER.iter().position(|o| *o == kind).map_or(ORDER.len(), |i| i) as u8
}

/// The signature of a paper schedule (its subject is "SIGNATUR ÅÅÅÅ-MM-DD").
fn signature(e: &Entry) -> &str {
    match &e.date {
        Some(d) => e.subject.strip_suffix(d.as_str()).map(str::trim_end).unwrap_or(&e.subject),
        None => &e.subject,
    }
}

pub use crate::model::swedish_key;

/// Splits `documents` (one unit and audience) into parts in filing order.
pub fn filing_order<'a>(documents: &[&'a Entry]) -> Vec<Part<'a>> {
    let mut unit: Vec<&Entry> = Vec::new();
    let mut schedules: Vec<&Entry> = Vec::new();
    let mut persons: std::collections::BTreeMap<&str, Vec<&Entry>> = std::collections::BTreeMap::new();
    for &e in documents {
        if e.kind == DocKind::Schema {
            schedules.push(e);
        } else if let Some(p) = &e.person {
            persons.entry(p.as_str()).or_default().push(e);
        } else {
            unit.push(e);
        }
    }
    unit.sort_by(|a, b| {
        (unit_rank(a.kind), a.kind, &a.date, swedish_key(&a.label), swedish_key(&a.subject), &a.path).cmp(&(
            unit_rank(b.kind),
            b.kind,
            &b.date,
            swedish_key(&b.label),
            swedish_key(&b.subject),
            &b.path,
        ))
    });
    schedules.sort_by(|a, b| (swedish_key(signature(a)), &a.date, &a.path).cmp(&(swedish_key(signature(b)), &b.date, &b.path)));
    let mut folders: Vec<(String, String, &str, Vec<&Entry>)> = persons
        .into_iter()
        .map(|(key, mut docs)| {
            docs.sort_by(|a, b| (a.kind.folder_rank(), a.kind, &a.label, &a.path).cmp(&(b.kind.folder_rank(), b.kind, &b.label, &b.path)));
            // The printed identity: the personkort's subject, else the first document's.
            let name = docs.iter().find(|d| d.kind == DocKind::Personkort).unwrap_or(&docs[0]).subject.clone();
            (swedish_key(&name), name, key, docs)
        })
        .collect();
    folders.sort_by(|a, b| match a.0.cmp(&b.0) {
        Ordering::Equal => a.2.cmp(b.2),
        o => o,
    });
    let mut parts = Vec::new();
    if !unit.is_empty() {
        parts.push(Part::Unit(unit));
    }
    if !schedules.is_empty() {
        parts.push(Part::Schedules(schedules));
    }
    for (_, name, _, documents) in folders {
        parts.push(Part::Person { name, documents });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Audience;

    fn entry(kind: &str, subject: &str, person: Option<&str>, date: Option<&str>, path: &str) -> Entry {
        Entry {
            id: path.into(),
            kind: DocKind::parse(kind).expect("a kind"),
            unit: "U".into(),
            audience: Audience::Personal,
            path: path.into(),
            pages: 1,
            version: "0".repeat(64),
            gallring: String::new(),
            date: date.map(str::to_string),
            label: kind.into(),
            subject: subject.into(),
            storage: String::new(),
            person: person.map(str::to_string),
            printed: String::new(),
        }
    }

    #[test]
    fn documents_come_in_filing_order() {
        let docs = [
            entry("genomforandeplan", "Örjan Ek", Some("p2"), None, "a"),
            entry("schema", "ZZ 2026-11-24", None, Some("2026-11-24"), "b"),
            entry("personkort", "Örjan Ek", Some("p2"), None, "c"),
            entry("blankett", "Enhet", None, None, "d"),
            entry("kontakter", "Enhet", None, None, "e"),
            entry("personkort", "Åsa Berg", Some("p1"), None, "f"),
            entry("schema", "AB 2026-11-25", None, Some("2026-11-25"), "g"),
            entry("schema", "AB 2026-11-24", None, Some("2026-11-24"), "h"),
            entry("timecare", "Enhet", None, None, "i"),
            entry("personkort", "Adam Ny", Some("p3"), None, "j"),
        ];
        let refs: Vec<&Entry> = docs.iter().collect();
        let parts = filing_order(&refs);
        let paths: Vec<Vec<&str>> = parts.iter().map(|p| p.documents().iter().map(|d| d.path.as_str()).collect()).collect();
        assert_eq!(paths, vec![vec!["e", "i", "d"], vec!["h", "g", "b"], vec!["j"], vec!["f"], vec!["c", "a"]]);
        let names: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Person { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["Adam Ny", "Åsa Berg", "Örjan Ek"]);
    }
}

//! Where each published document goes in the copy: grouped as staff look for things
//! (schedules per day, a folder per person under the printed name, the unit's lists, the
//! blank forms), with safe, readable names. Restricted documents go only under
//! [`RESTRICTED_DIR`], and only when asked for.

use std::collections::HashMap;

use crate::plan::{Audience, DocKind};
use crate::publish::Entry;

use super::names::{Unique, safe_name};

/// The folder for the enhetschef's restricted documents (written only with `--begransad`).
pub const RESTRICTED_DIR: &str = "BEGRÄNSAD – endast enhetschef";
pub const SCHEDULES_DIR: &str = "Scheman";
pub const PERSONS_DIR: &str = "Personer";
pub const LISTS_DIR: &str = "Listor";
pub const FORMS_DIR: &str = "Blanketter";
/// Added to a blank form's name for its fillable copy.
pub const FILLABLE_SUFFIX: &str = " (ifyllbar)";

/// A group of documents in the copy (and a heading in its contents page), in order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// The service day.
    Schedules(String),
    /// The person's printed name (fictive name or case number for a protected person).
    Person(String),
    Lists,
    Forms,
}

/// One document of the copy.
#[derive(Clone, Debug)]
pub struct Placed {
    pub entry: Entry,
    pub section: Section,
    pub restricted: bool,
    /// What the contents page calls it (also the file name's stem).
    pub title: String,
    /// Path in the copy, `/`-separated.
    pub rel: String,
    /// Path of the fillable copy (blank forms only).
    pub fillable: Option<String>,
}

/// Is the entry restricted material (the enhetschef's, under `begransad/`)?
pub fn is_restricted(e: &Entry) -> bool {
    e.audience == Audience::Enhetschef || e.path.split('/').any(|c| c == "begransad")
}

/// The unit's name as its lists print it (the subject of its unit-wide general documents),
/// or its id.
pub fn unit_name(entries: &[Entry], unit: &str) -> String {
    [DocKind::Kontakter, DocKind::Telefonlista, DocKind::Egenkontroll, DocKind::Rutiner]
        .iter()
        .find_map(|k| entries.iter().find(|e| e.kind == *k && !is_restricted(e) && !e.subject.trim().is_empty()))
        .map(|e| e.subject.trim().to_string())
        .unwrap_or_else(|| unit.to_string())
}

fn kind_order(kind: DocKind) -> usize {
    use DocKind::*;
    const ORDER: &[DocKind] = &[
        PlaneradeBesok,
        Schema,
        Personkort,
        Genomforandeplan,
        Uppdrag,
        Hsl,
        AktSkyddad,
        Blankett,
        Kontakter,
        Telefonlista,
        TelefonlistaPrivat,
        Signaturlista,
        Larmlista,
        Nyckellista,
        Varningar,
        Boendelista,
        Signeringslista,
        Timecare,
        Rutiner,
        Egenkontroll,
    ];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// The signature in a schedule's subject (`NAHO 2026-11-24`).
pub fn schedule_signature(e: &Entry) -> String {
    let s = e.subject.trim();
    let s = e.date.as_deref().and_then(|d| s.strip_suffix(d)).unwrap_or(s);
    s.trim().to_string()
}

/// Places `entries` (one unit's documents). Restricted ones only with `begransad`.
/// `employee(entry)` gives a schedule's employee name as printed on it.
pub fn place(entries: &[Entry], unit_name: &str, begransad: bool, employee: &dyn Fn(&Entry) -> Option<String>) -> Vec<Placed> {
    let mut chosen: Vec<(Section, bool, &Entry)> =
        entries.iter().filter(|e| begransad || !is_restricted(e)).map(|e| (section(e), is_restricted(e), e)).collect();
    chosen.sort_by(|a, b| {
        (a.1, &a.0, kind_order(a.2.kind), &a.2.label, &a.2.subject, &a.2.id).cmp(&(
            b.1,
            &b.0,
            kind_order(b.2.kind),
            &b.2.label,
            &b.2.subject,
            &b.2.id,
        ))
    });
    let mut folders: HashMap<String, Unique> = HashMap::new();
    let mut out = Vec::with_capacity(chosen.len());
    for (section, restricted, e) in chosen {
        let title = title(e, &section, unit_name, employee);
        let mut dir: Vec<String> = Vec::new();
        if restricted {
            dir.push(RESTRICTED_DIR.into());
        }
        match &section {
            Section::Schedules(day) => dir.extend([SCHEDULES_DIR.into(), safe_name(day, "")]),
            Section::Person(who) => dir.extend([PERSONS_DIR.into(), safe_name(who, "")]),
            Section::Lists => dir.push(LISTS_DIR.into()),
            Section::Forms => dir.push(FORMS_DIR.into()),
        }
        let dir = dir.join("/");
        let names = folders.entry(dir.clone()).or_default();
        let rel = format!("{dir}/{}", names.take(&title, ".pdf"));
        let fillable = (e.kind == DocKind::Blankett).then(|| format!("{dir}/{}", names.take(&format!("{title}{FILLABLE_SUFFIX}"), ".pdf")));
        out.push(Placed { entry: e.clone(), section, restricted, title, rel, fillable });
    }
    out
}

fn section(e: &Entry) -> Section {
    match (e.kind, &e.date, &e.person) {
        (_, Some(day), _) => Section::Schedules(day.clone()),
        (_, None, Some(_)) => Section::Person(if e.subject.trim().is_empty() { e.id.clone() } else { e.subject.trim().to_string() }),
        (DocKind::Blankett, None, None) => Section::Forms,
        _ => Section::Lists,
    }
}

fn title(e: &Entry, section: &Section, unit_name: &str, employee: &dyn Fn(&Entry) -> Option<String>) -> String {
    let label = if e.label.trim().is_empty() { e.kind.name_sv() } else { e.label.trim() };
    match (e.kind, section) {
        (DocKind::Schema, _) => {
            let sig = schedule_signature(e);
            match employee(e) {
                Some(name) => format!("{sig} {name}"),
                None => sig,
            }
        }
        (DocKind::PlaneradeBesok, _) => format!("{label} – hela enheten"),
        (_, Section::Schedules(_) | Section::Person(_)) => label.to_string(),
        _ => {
            let subject = e.subject.trim();
            if subject.is_empty() || subject == unit_name { label.to_string() } else { format!("{label} {subject}") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, kind: &str, label: &str, subject: &str, audience: Audience, person: bool, date: Option<&str>) -> Entry {
        let dir = if audience == Audience::Enhetschef { "U/begransad" } else { "U" };
        Entry {
            id: id.into(),
            kind: DocKind::parse(kind).expect("a kind"),
            unit: "U".into(),
            audience,
            path: format!("{dir}/{kind}/{id}.pdf"),
            pages: 1,
            version: "ab".repeat(32),
            gallring: "r".into(),
            date: date.map(str::to_string),
            label: label.into(),
            subject: subject.into(),
            storage: String::new(),
            person: person.then(|| "h".into()),
            printed: "2026-11-24".into(),
        }
    }

    fn demo() -> Vec<Entry> {
        use Audience::*;
        vec![
            entry("SCH-1", "schema", "Pappersschema", "NAHO 2026-11-24", Personal, false, Some("2026-11-24")),
            entry("PB-1", "planerade_besok", "Planerade besök", "tisdag 2026-11-24", Personal, false, Some("2026-11-24")),
            entry("PK-1", "personkort", "Personkort", "Gudrun Holmberg", Personal, true, None),
            entry("HSL-1", "hsl", "Hälso- och sjukvårdsbeställning", "Gudrun Holmberg", Personal, true, None),
            entry("HSL-2", "hsl", "Hälso- och sjukvårdsbeställning", "Gudrun Holmberg", Personal, true, None),
            entry("BL-1", "blankett", "Beslutslista", "Hemtjänst Norr", Personal, false, None),
            entry("TEL-1", "telefonlista", "Telefonlista arbetstelefoner", "Hemtjänst Norr", Personal, false, None),
            entry("TC-1", "timecare", "Time Care-schema", "2026-11-16 – 2026-12-13", Personal, false, None),
            entry("AKT-1", "akt_skyddad", "Ordinarie akt (begränsad)", "Ärende ÄR-1", Enhetschef, true, None),
            entry("TELP-1", "telefonlista_privat", "Telefonlista privata telefonnummer", "Hemtjänst Norr", Enhetschef, false, None),
        ]
    }

    fn rels(p: &[Placed]) -> Vec<&str> {
        p.iter().map(|p| p.rel.as_str()).collect()
    }

    #[test]
    fn documents_are_grouped_as_staff_look_for_them() {
        let e = demo();
        let name = unit_name(&e, "U");
        assert_eq!(name, "Hemtjänst Norr");
        let p = place(&e, &name, false, &|e| (e.id == "SCH-1").then(|| "Nadia Hosseini".to_string()));
        assert_eq!(
            rels(&p),
            [
                "Scheman/2026-11-24/Planerade besök – hela enheten.pdf",
                "Scheman/2026-11-24/NAHO Nadia Hosseini.pdf",
                "Personer/Gudrun Holmberg/Personkort.pdf",
                "Personer/Gudrun Holmberg/Hälso- och sjukvårdsbeställning.pdf",
                "Personer/Gudrun Holmberg/Hälso- och sjukvårdsbeställning (2).pdf",
                "Listor/Telefonlista arbetstelefoner.pdf",
                "Listor/Time Care-schema 2026-11-16 – 2026-12-13.pdf",
                "Blanketter/Beslutslista.pdf",
            ]
        );
        assert_eq!(p.last().unwrap().fillable.as_deref(), Some("Blanketter/Beslutslista (ifyllbar).pdf"));
        assert!(p.iter().all(|p| !p.restricted));
    }

    #[test]
    fn restricted_documents_only_when_asked_and_only_in_their_folder() {
        let e = demo();
        let p = place(&e, "Hemtjänst Norr", true, &|_| None);
        let restricted: Vec<&Placed> = p.iter().filter(|p| p.restricted).collect();
        assert_eq!(restricted.len(), 2);
        assert!(restricted.iter().all(|p| p.rel.starts_with(&format!("{RESTRICTED_DIR}/"))));
        assert!(p.iter().any(|p| p.rel == format!("{RESTRICTED_DIR}/Personer/Ärende ÄR-1/Ordinarie akt (begränsad).pdf")));
        assert!(p.iter().filter(|p| !p.restricted).all(|p| !p.rel.contains("ÄR-1") && !p.rel.starts_with("BEGR")));
        // Without an employee name, the schedule is named by its signature.
        assert!(p.iter().any(|p| p.rel == "Scheman/2026-11-24/NAHO.pdf"));
    }
}

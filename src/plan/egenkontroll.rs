//! Egenkontroll (self-inspection, seeds 000 and 001 Bilaga 1): per unit, a checklist of every
//! current document of the unit — kind, for whom, id, version, place, gallring — with boxes
//! to tick, and the data problems found in the input.
//!
//! The general checklist (audience `personal`) lists only general documents: general
//! documents never mention restricted ones. A second checklist for the enhetschef (audience
//! `enhetschef`, under `begransad/`) lists the restricted documents and the warnings meant
//! for the enhetschef. Planned last, from every other job of the run.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::storage::{STORAGE_BINDER, STORAGE_MANAGER_CABINET};
use super::{Audience, DocJob, DocKind, Planner, UnitDoc};
use crate::diag::{Diagnostic, Severity};
use crate::model::{Unit, UnitKind};
use crate::privacy::Cleared;

/// Seed 000 (care homes): "en gång per kvartal"; seed 001 (home care): "en gång/halvår …
/// med stöd av checklista (se Bilaga 1)".
pub fn interval(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Boende => "Egenkontroll en gång per kvartal",
        UnitKind::Hemtjanst | UnitKind::Myndighet => "Egenkontroll en gång per halvår, med stöd av denna checklista",
    }
}

pub fn plan(cleared: &Cleared, planner: &Planner, diags: &[Diagnostic], jobs: &mut Vec<DocJob>) {
    let mut out = Vec::new();
    for unit in &cleared.units {
        let listed = |audience: Audience| -> Vec<&DocJob> {
            let mut l: Vec<&DocJob> =
                jobs.iter().filter(|j| j.unit == unit.id && j.audience == audience && j.kind != DocKind::Egenkontroll).collect();
            // Filing order: by place, then for whom, then document.
            l.sort_by(|a, b| (&a.storage, &a.subject, &a.label, a.date, &a.id).cmp(&(&b.storage, &b.subject, &b.label, b.date, &b.id)));
            l
        };
        let concerns = |d: &&Diagnostic| d.unit.as_deref().is_none_or(|u| u == unit.id);
        // The general checklist: problems that concern no protected person, in plain Swedish
        // and without any input value.
        let problems: Vec<String> = diags
            .iter()
            .filter(concerns)
            .filter(|d| d.severity == Severity::Problem && !d.restricted)
            .map(Diagnostic::general_text)
            .collect();
        out.push(checklist(unit, Audience::Personal, &listed(Audience::Personal), &problems, None).finish(planner));

        // The enhetschef's: every problem (also about protected persons), and the warnings
        // meant for the enhetschef (protected persons without fictive name, lokalt skydd
        // dates, replaced free text) — still without values.
        let all_problems: Vec<String> =
            diags.iter().filter(concerns).filter(|d| d.severity == Severity::Problem).map(Diagnostic::general_text).collect();
        let warnings: Vec<String> = diags
            .iter()
            .filter(|d| d.severity == Severity::Warning && d.unit.as_deref() == Some(unit.id.as_str()))
            .map(Diagnostic::general_text)
            .collect();
        let restricted = listed(Audience::Enhetschef);
        if !restricted.is_empty() || diags.iter().filter(concerns).any(|d| d.restricted) {
            out.push(checklist(unit, Audience::Enhetschef, &restricted, &all_problems, Some(warnings)).finish(planner));
        }
    }
    jobs.extend(out);
}

fn row(j: &DocJob) -> Value {
    json!({
        "label": j.label,
        "subject": j.subject,
        "id": j.id,
        "version": j.short_version(),
        "storage": j.storage,
        "gallring": j.gallring.manifest_text(),
    })
}

/// How a kind of dated document is handled, for its one row in the checklist (the day's
/// documents themselves change every night; the checklist changes only when something
/// lasting does). The day's schedules are listed on the print batch's cover instead.
fn dated_rule(kind: DocKind) -> Option<(&'static str, &'static str)> {
    match kind {
        DocKind::Schema => Some((
            "Pappersscheman, ett per medarbetare och dag",
            "Skrivs ut kvällen före besöksdagen. Oanvända strimlas dagen efter; scheman med nedskrivna tider sparas tills tiden är efterregistrerad.",
        )),
        DocKind::PlaneradeBesok => Some((
            "Planerade besök, hela enheten per dag",
            "Skrivs ut kvällen före besöksdagen. Sparas sex veckor tillbaka; äldre versioner strimlas.",
        )),
        _ => None,
    }
}

/// One row for a person's whole folder: the folder has a contents sheet (`innehall`) that
/// lists each of its documents with version and gallring, so the checklist names the folder
/// and its contents sheet, not the versions. A new plan version then changes the folder and
/// its contents sheet, not the unit's checklist of tens of pages.
fn folder_row(contents: &DocJob, documents: usize) -> Value {
    json!({
        "label": format!("Akten, {documents} dokument enligt innehållsförteckningen"),
        "subject": contents.subject,
        "id": contents.id,
        "version": "se akten",
        "storage": contents.storage,
        "gallring": "Enligt innehållsförteckningen; inaktuella versioner strimlas",
    })
}

/// The rows of a checklist: every undated document (a person's folder as one row, see
/// [`folder_row`]), and one row per kind of dated document.
fn rows<'a>(listed: &[&'a DocJob]) -> Vec<Value> {
    // Folders with a contents sheet, by person and place, and how many undated documents
    // each holds (the sheet included).
    let folders: HashMap<(&str, &str), &DocJob> = listed
        .iter()
        .filter(|j| j.kind == DocKind::Innehall)
        .filter_map(|j| Some(((j.person.as_deref()?, j.storage.as_str()), *j)))
        .collect();
    let folder_of = |j: &'a DocJob| -> Option<(&'a str, &'a str)> {
        let key = (j.person.as_deref()?, j.storage.as_str());
        (j.date.is_none() && folders.contains_key(&key)).then_some(key)
    };
    let mut sizes: HashMap<(&str, &str), usize> = HashMap::new();
    for key in listed.iter().filter_map(|j| folder_of(j)) {
        *sizes.entry(key).or_default() += 1;
    }
    let mut out: Vec<Value> = Vec::new();
    let mut done: HashSet<(&str, &str)> = HashSet::new();
    let mut kinds: Vec<DocKind> = Vec::new();
    for j in listed {
        if let Some(key) = folder_of(j) {
            if done.insert(key) {
                out.push(folder_row(folders[&key], sizes[&key]));
            }
        } else if j.date.is_none() {
            out.push(row(j));
        } else if !kinds.contains(&j.kind) {
            kinds.push(j.kind);
        }
    }
    kinds.sort_unstable();
    for kind in kinds {
        let (label, rule) = dated_rule(kind).unwrap_or(("Daterade dokument", "Gallras enligt datum i sidfoten."));
        let storage = listed.iter().find(|j| j.kind == kind).map(|j| j.storage.as_str()).unwrap_or_default();
        out.push(json!({ "label": label, "subject": "Varje besöksdag", "id": "–", "version": "–", "storage": storage, "gallring": rule }));
    }
    out
}

fn checklist<'a>(
    unit: &'a Unit,
    audience: Audience,
    listed: &[&DocJob],
    problems: &[String],
    warnings: Option<Vec<String>>,
) -> UnitDoc<'a> {
    let (key, heading, storage) = match audience {
        Audience::Personal => ("egenkontroll", "Egenkontroll – underlag vid driftstopp", STORAGE_BINDER),
        Audience::Enhetschef => ("egenkontroll_begransad", "Egenkontroll – enhetschefens underlag vid driftstopp", STORAGE_MANAGER_CABINET),
    };
    UnitDoc {
        unit,
        kind: DocKind::Egenkontroll,
        template: "egenkontroll.typ",
        label: "Egenkontroll",
        key: key.into(),
        audience,
        storage,
        subject: None,
        doc: json!({
            "unit_id": unit.id,
            "unit_name": unit.name,
            "heading": heading,
            "interval": interval(unit.kind),
            "rows": rows(listed),
            "problems": problems,
            "warnings": warnings,
        }),
        attachments: Vec::new(),
    }
}

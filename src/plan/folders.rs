//! The reserve folder per care recipient (personkort, genomförandeplan, uppdrag,
//! hälso- och sjukvårdsbeställningar, reserve forms) and, for a protected person, the
//! restricted ordinary file.
//!
//! Every document here is built from the person's *general* views (`ClearedPerson`: the
//! printed identity, the general or fictive personkort, plan, assignments without `larm`,
//! orders). Only [`restricted`] reads `ClearedPerson::restricted`, and its one document has
//! audience `enhetschef`. Keys are `person_id` plus a discriminator and never hold
//! version-ish data, so a person's documents keep their ids from version to version.

use serde_json::{Value, json};

use super::storage::{STORAGE_FICTIVE_FILE, STORAGE_PERSON_FILE, STORAGE_RESTRICTED_FILE};
use super::{Audience, DocJob, DocKind, Draft, Planner, Scope};
use crate::model::Unit;
use crate::privacy::{AssignmentView, Cleared, ClearedPerson};

pub fn plan(cleared: &Cleared, _scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    for person in &cleared.persons {
        let Some(unit) = cleared.units.iter().find(|u| u.id == person.unit) else {
            continue;
        };
        let folder = Folder { planner, person, unit };
        let first = jobs.len();
        folder.documents(jobs);
        folder.contents(jobs, first);
        if person.restricted.is_some() {
            folder.restricted(jobs);
        }
    }
}

/// The note on a form (daganteckningar, avvikelse): what its stamp's rule says.
pub const FORM_NOTE: &str = "Oanvänd blankett strimlas när en ny version skrivs ut. Ifylld blankett är en originalhandling: förvaras i personakten tills uppgifterna är införda i verksamhetssystemet och strimlas sedan.";

/// An assignment as printed: the view plus `kind_label`, the type in words.
fn assignment(a: &AssignmentView) -> Value {
    let mut v = json!(a);
    let label = match a.kind.as_str() {
        "hemtjanst" | "hemtjänst" => "Hemtjänst".to_string(),
        "boende" | "sabo" | "vard_och_omsorgsboende" => "Vård- och omsorgsboende".to_string(),
        other => {
            let mut c = other.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
        }
    };
    v["kind_label"] = json!(label);
    v
}

/// One person's folder: what every document of it shares.
struct Folder<'a> {
    planner: &'a Planner<'a>,
    person: &'a ClearedPerson,
    unit: &'a Unit,
}

/// What differs between the documents of a folder.
struct Doc {
    kind: DocKind,
    template: &'static str,
    label: &'static str,
    /// Distinguishes documents of one kind for the same person (never version-ish data).
    discriminator: String,
    anchor: Option<chrono::NaiveDate>,
    doc: Value,
    retention_kind: Option<&'static str>,
}

impl Folder<'_> {
    fn storage(&self) -> &'static str {
        if self.person.is_protected() { STORAGE_FICTIVE_FILE } else { STORAGE_PERSON_FILE }
    }

    /// The fields every folder document's data starts with.
    fn base(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("unit_id".into(), json!(self.unit.id));
        m.insert("unit_name".into(), json!(self.unit.name));
        m.insert("identity".into(), json!(self.person.identity));
        m
    }

    fn with(&self, extra: Value) -> Value {
        let mut m = self.base();
        if let Value::Object(extra) = extra {
            m.extend(extra);
        }
        Value::Object(m)
    }

    fn push(&self, jobs: &mut Vec<DocJob>, d: Doc) {
        let key = format!("{}\u{0}{}", self.person.id, d.discriminator);
        let id = self.planner.id(d.kind, &self.unit.id, &key, Some(self.person.protection));
        jobs.push(self.planner.finish(Draft {
            kind: d.kind,
            template: d.template,
            unit: &self.unit.id,
            audience: Audience::Personal,
            key,
            anchor: d.anchor,
            storage: self.storage(),
            title: format!("{} {} {}", d.label, self.unit.id, id),
            label: d.label,
            subject: self.person.identity.name.clone(),
            person: Some(self.person.id.clone()),
            protection: Some(self.person.protection),
            date: None,
            doc: d.doc,
            attachments: Vec::new(),
            retention_kind: d.retention_kind,
        }));
    }

    fn documents(&self, jobs: &mut Vec<DocJob>) {
        let p = self.person;
        self.push(
            jobs,
            Doc {
                kind: DocKind::Personkort,
                template: "personkort.typ",
                label: "Personkort",
                discriminator: "personkort".into(),
                anchor: None,
                doc: self.with(json!({ "card": p.card, "fictive": p.is_protected() })),
                retention_kind: None,
            },
        );
        if let Some(plan) = &p.plan {
            self.push(
                jobs,
                Doc {
                    kind: DocKind::Genomforandeplan,
                    template: "genomforandeplan.typ",
                    label: "Genomförandeplan",
                    discriminator: "genomforandeplan".into(),
                    anchor: None,
                    doc: self.with(json!({ "plan": plan })),
                    retention_kind: None,
                },
            );
        }
        for a in &p.assignments {
            self.push(
                jobs,
                Doc {
                    kind: DocKind::Uppdrag,
                    template: "uppdrag.typ",
                    label: "Uppdragsbeskrivning",
                    discriminator: format!("uppdrag\u{0}{}", a.number),
                    anchor: None,
                    doc: self.with(json!({ "assignment": assignment(a) })),
                    retention_kind: None,
                },
            );
        }
        for o in &p.orders {
            self.push(
                jobs,
                Doc {
                    kind: DocKind::Hsl,
                    template: "hsl.typ",
                    label: "Hälso- och sjukvårdsbeställning",
                    discriminator: o.key.clone(),
                    anchor: Some(o.received_date),
                    doc: self.with(json!({ "order": o })),
                    retention_kind: None,
                },
            );
        }
        // The note on each form says what its stamp says (retention FORM_RULE / _PROTECTED).
        // 002 §8.6: a protected person's notes are kept at most two months.
        let (keep, retention_kind) = if p.is_protected() {
            (
                "Oanvänd blankett strimlas när en ny version skrivs ut. Ifylld blankett är en originalhandling: uppgifterna förs in i verksamhetssystemet, och bladet förvaras i den fiktiva akten i högst två månader och strimlas sedan.",
                Some("blankett_skyddad"),
            )
        } else {
            (FORM_NOTE, None)
        };
        self.push(
            jobs,
            Doc {
                kind: DocKind::Blankett,
                template: "daganteckningar.typ",
                label: "Reservblankett för daganteckningar",
                discriminator: "person\u{0}daganteckningar".into(),
                anchor: None,
                doc: self.with(json!({ "keep": keep })),
                retention_kind,
            },
        );
        self.push(
            jobs,
            Doc {
                kind: DocKind::Blankett,
                template: "avvikelse.typ",
                label: "Reservrapport för avvikelser",
                discriminator: "person\u{0}avvikelse".into(),
                anchor: None,
                doc: self.with(json!({ "keep": keep })),
                retention_kind,
            },
        );
    }

    /// The folder's first sheet (kind `innehall`): every document of the folder planned from
    /// `jobs[first..]`, in filing order, with its id, version and gallring.
    fn contents(&self, jobs: &mut Vec<DocJob>, first: usize) {
        let mut listed: Vec<&DocJob> = jobs[first..].iter().collect();
        listed.sort_by_key(|j| (j.kind.folder_rank(), j.kind, j.label.clone(), j.path.clone()));
        let documents: Vec<Value> = listed
            .iter()
            .map(|j| json!({ "label": j.label, "id": j.id, "version": j.short_version(), "gallring": j.gallring.manifest_text() }))
            .collect();
        self.push(
            jobs,
            Doc {
                kind: DocKind::Innehall,
                template: "innehall.typ",
                label: "Innehåll i akten",
                discriminator: "innehall".into(),
                anchor: None,
                doc: self.with(json!({ "documents": documents })),
                retention_kind: None,
            },
        );
    }

    /// The ordinary file of a protected person (issue 4): audience enhetschef, under
    /// `begransad/`. Its listed subject is the case number, never a name.
    fn restricted(&self, jobs: &mut Vec<DocJob>) {
        let Some(r) = &self.person.restricted else {
            return;
        };
        let key = format!("{}\u{0}akt", self.person.id);
        let id = self.planner.id(DocKind::AktSkyddad, &self.unit.id, &key, Some(self.person.protection));
        jobs.push(self.planner.finish(Draft {
            kind: DocKind::AktSkyddad,
            template: "akt_skyddad.typ",
            unit: &self.unit.id,
            audience: Audience::Enhetschef,
            key,
            anchor: None,
            storage: STORAGE_RESTRICTED_FILE,
            title: format!("Ordinarie akt {} {}", self.unit.id, id),
            label: "Ordinarie akt (begränsad)",
            subject: format!("Ärende {}", self.person.identity.case_number),
            person: Some(self.person.id.clone()),
            protection: Some(self.person.protection),
            date: None,
            doc: json!({
                "unit_id": self.unit.id,
                "unit_name": self.unit.name,
                "case_number": self.person.identity.case_number,
                "card": r.card,
                "plan": r.plan,
                "assignments": r.assignments.iter().map(assignment).collect::<Vec<_>>(),
                "orders": r.orders,
                "level": r.level,
                "fictive_name": r.fictive_name,
                "until": r.until,
            }),
            attachments: Vec::new(),
            retention_kind: None,
        }));
    }
}

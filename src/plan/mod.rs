//! plan: turns the cleared data into the list of documents to produce.
//!
//! Each [`DocJob`] knows everything about its document before rendering: kind, audience,
//! unit, template and data, its gallring (from `retention`), where it is stored, a stable
//! opaque id, its output path and its version — the sha256 of its inputs (template sources,
//! data, stamp fields other than id and version). Jobs come out in a fixed order (unit,
//! kind, subject), so the manifest never depends on threads.

mod egenkontroll;
mod field_sheets;
mod folders;
mod forms;
mod ids;
mod kind;
mod routines;
mod schedules;
pub mod storage;
#[cfg(test)]
mod tests;
mod timecare;
mod unit_docs;

use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::diag::Diagnostic;
use crate::model::{Employee, Unit};
use crate::privacy::Cleared;
use crate::render::Templates;
use crate::retention::{Gallring, Rules, SECRECY_TEXT};

pub use ids::{IdKey, audience_dir, doc_id, doc_path, path_component};
pub use kind::DocKind;

/// Who may see a document: all staff, or only the enhetschef (restricted, under `begransad/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Personal,
    Enhetschef,
}

/// One document to produce.
#[derive(Clone, Debug)]
pub struct DocJob {
    pub id: String,
    pub kind: DocKind,
    pub unit: String,
    pub audience: Audience,
    /// Path relative to `out/`.
    pub path: String,
    pub template: &'static str,
    /// `{doc, stamp, title}` as the template sees them, kept as JSON text (a parsed value
    /// per document would cost ~20 KB each: over a gigabyte for a city). See [`DocJob::context`].
    pub context_json: Box<str>,
    /// The same text deflated, when the run keeps many documents to render at once
    /// ([`DocJob::deflate_context`]); `context_json` is then empty.
    pub context_deflated: Option<Box<[u8]>>,
    pub gallring: Gallring,
    pub storage: String,
    /// sha256 hex of the inputs.
    pub version: String,
    /// The person the document is about (for `--person`); never printed by plan.
    pub person: Option<String>,
    /// The person's opaque key for the manifest (keyed; changes with the protection level).
    pub person_key: Option<String>,
    /// The service day of dated documents.
    pub date: Option<NaiveDate>,
    /// How it is listed to people (egenkontroll, shred list): kind label and printed subject.
    pub label: String,
    pub subject: String,
    pub attachments: Vec<Arc<Vec<u8>>>,
    /// About how many pages it will have: the kind's typical count, or the last printed
    /// version's (set by the run from the published manifest). Only sizes render batches.
    pub pages_hint: usize,
    /// What the stamp prints but the version does not hash: the print number and when the
    /// data was exported ([`DocJob::set_print_info`]); added to the context as it is read.
    pub print_info: Option<(usize, Arc<str>)>,
}

impl crate::render::Job for DocJob {
    fn id(&self) -> &str {
        &self.id
    }
    fn template(&self) -> &str {
        self.template
    }
    fn context(&self) -> std::borrow::Cow<'_, Value> {
        std::borrow::Cow::Owned(self.context())
    }
    fn attachments(&self) -> &[Arc<Vec<u8>>] {
        &self.attachments
    }
    fn verifiable(&self) -> bool {
        true
    }
    fn pages_hint(&self) -> usize {
        self.pages_hint
    }
}

impl DocJob {
    /// The template context as a value (parsed from the compact JSON text).
    pub fn context(&self) -> Value {
        let mut context: Value = match &self.context_deflated {
            Some(bytes) => {
                let mut text = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(&bytes[..]), &mut text).expect("deflated in memory");
                serde_json::from_slice(&text).expect("plan wrote valid JSON")
            }
            None => serde_json::from_str(&self.context_json).expect("plan wrote valid JSON"),
        };
        if let Some((printing, as_of)) = &self.print_info {
            context["stamp"]["printing"] = json!(printing);
            context["stamp"]["as_of"] = json!(&**as_of);
        }
        context
    }

    /// Whether the template data is here (see [`plan_against`]): every document rendered
    /// has it.
    pub fn has_context(&self) -> bool {
        !self.context_json.is_empty() || self.context_deflated.is_some()
    }

    /// Keeps the template context deflated (JSON compresses about tenfold): a city's first
    /// run renders 80,000 documents and would otherwise hold a few hundred MB of it.
    pub fn deflate_context(&mut self) {
        if self.context_deflated.is_none() {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, self.context_json.as_bytes()).expect("deflating in memory");
            self.context_deflated = Some(e.finish().expect("deflating in memory").into_boxed_slice());
            self.context_json = Box::from("");
        }
    }

    /// Adds what the stamp prints but the version does not hash (FORMATS.md): the print
    /// number (`utskrift N`) and when the data was exported (`Uppgifter per …`). Kept
    /// beside the template data and added when it is read, so a nightly's thousands of
    /// documents are not parsed and written out again before they are rendered.
    pub fn set_print_info(&mut self, printing: usize, as_of: &Arc<str>) {
        self.print_info = Some((printing, as_of.clone()));
    }

    /// The first 8 hex digits of the version, as printed in the stamp.
    pub fn short_version(&self) -> &str {
        &self.version[..8]
    }
}

/// Which documents a run covers.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The service days: `--date` and `--days`.
    pub days: Vec<NaiveDate>,
    /// Units that get the authority forms (seed 003) whatever their type
    /// (`myndighetsblanketter` in config).
    pub authority_form_units: Vec<String>,
    /// Spare unnamed daganteckningar and avvikelse sheets per unit (`reservblanketter` in
    /// config); `None`: the unit's staff × 3 days.
    pub spare_forms: Option<u32>,
    /// Insatser that get a signeringslista (`delegerade_insatser` in config).
    pub delegated_tasks: Vec<String>,
    /// enhet_id -> where its keys are kept (`[nyckelplats]` in config).
    pub key_places: std::collections::BTreeMap<String, String>,
}

/// What a builder hands over for one document; [`Planner::finish`] makes it a [`DocJob`].
pub struct Draft<'a> {
    pub kind: DocKind,
    pub template: &'static str,
    pub unit: &'a str,
    pub audience: Audience,
    /// What makes this document distinct within its kind and unit (e.g. signature and day).
    pub key: String,
    pub anchor: Option<NaiveDate>,
    pub storage: &'a str,
    pub title: String,
    pub label: &'a str,
    pub subject: String,
    pub person: Option<String>,
    /// The person's protection level (documents about a person only): keys the id.
    pub protection: Option<crate::model::Protection>,
    pub date: Option<NaiveDate>,
    pub doc: Value,
    pub attachments: Vec<Arc<Vec<u8>>>,
    /// Overrides the retention kind (e.g. `blankett_skyddad`); defaults to `kind`.
    pub retention_kind: Option<&'static str>,
}

/// Shared state for the builders: the rules, the templates (for version hashes), the key.
pub struct Planner<'a> {
    pub rules: &'a Rules,
    pub templates: &'a Templates,
    pub ids: &'a IdKey,
    /// sha256 of `lib.typ` plus each template's source, computed once per run.
    template_hashes: std::collections::HashMap<String, [u8; 32]>,
    /// The published pack's documents (id → (version, path)): a document planned with the
    /// same version and path is not rendered again, so its template data is not written
    /// out ([`DocJob::context_json`] stays empty). A nightly run keeps 75,000 of 80,000.
    published: Option<&'a Published<'a>>,
}

/// The published documents' versions and paths by id (see [`Planner`]).
pub type Published<'p> = std::collections::HashMap<&'p str, (&'p str, &'p str)>;

impl<'a> Planner<'a> {
    pub fn new(rules: &'a Rules, templates: &'a Templates, ids: &'a IdKey) -> Planner<'a> {
        let lib = templates.source("lib.typ").unwrap_or_default();
        let template_hashes = crate::render::BUILTIN_TEMPLATES
            .iter()
            .map(|(name, _)| {
                let mut h = Sha256::new();
                h.update(lib.as_bytes());
                h.update(templates.source(name).unwrap_or_default().as_bytes());
                (name.to_string(), h.finalize().into())
            })
            .collect();
        Planner { rules, templates, ids, template_hashes, published: None }
    }

    /// A document's id: about a person, keyed with the pack's secret and the person's
    /// protection level; otherwise [`doc_id`].
    pub fn id(&self, kind: DocKind, unit: &str, key: &str, person: Option<crate::model::Protection>) -> String {
        match person {
            Some(level) => self.ids.person_doc_id(kind, unit, key, level),
            None => doc_id(kind, unit, key),
        }
    }

    pub fn finish(&self, d: Draft) -> DocJob {
        let retention_kind = d.retention_kind.unwrap_or(d.kind.as_str());
        let gallring = self.rules.resolve(retention_kind, d.anchor);
        let id = self.id(d.kind, d.unit, &d.key, d.protection);
        let person_key = d.person.as_deref().zip(d.protection).map(|(p, level)| self.ids.person_key(p, level));
        let mut context = json!({
            "doc": d.doc,
            "title": d.title,
            "stamp": { "secrecy": SECRECY_TEXT, "gallring": gallring.stamp_text(), "place": d.storage },
        });
        let mut h = Sha256::new();
        match self.template_hashes.get(d.template) {
            Some(th) => h.update(th),
            None => h.update(self.templates.source(d.template).unwrap_or_default().as_bytes()),
        }
        // Hashed as it is written (sha2's hasher is an io::Write), not held as text.
        serde_json::to_writer(&mut h, &context).expect("json values serialise");
        for a in &d.attachments {
            h.update(Sha256::digest(a.as_slice()));
        }
        let version = hex(&h.finalize());
        context["stamp"]["id"] = json!(id);
        context["stamp"]["short"] = json!(&version[..8]);
        let path = doc_path(d.unit, d.audience, d.kind, &id);
        let unchanged = self.published.and_then(|p| p.get(id.as_str())).is_some_and(|(v, p)| *v == version && *p == path);
        DocJob {
            id,
            kind: d.kind,
            unit: d.unit.to_string(),
            audience: d.audience,
            path,
            template: d.template,
            context_json: if unchanged {
                Box::from("")
            } else {
                serde_json::to_string(&context).expect("json values serialise").into_boxed_str()
            },
            context_deflated: None,
            gallring,
            storage: d.storage.to_string(),
            version,
            person: d.person,
            person_key,
            date: d.date,
            label: d.label.to_string(),
            subject: d.subject,
            attachments: d.attachments,
            pages_hint: d.kind.typical_pages(),
            print_info: None,
        }
    }
}

/// A unit-wide document: no person, no date, key and subject given.
pub(crate) struct UnitDoc<'a> {
    pub unit: &'a Unit,
    pub kind: DocKind,
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

/// The unit's employees in list order: last name, first name, signature.
fn staff_of<'a>(cleared: &'a Cleared, unit: &Unit) -> Vec<&'a Employee> {
    let mut staff: Vec<&Employee> = cleared.employees.iter().filter(|e| e.unit == unit.id).collect();
    staff.sort_by(|a, b| (&a.last_name, &a.first_name, &a.signature).cmp(&(&b.last_name, &b.first_name, &b.signature)));
    staff
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every document of the pack for `scope`, in a fixed order. `diagnostics` are the run's
/// messages about input: each unit's egenkontroll lists the problems that affect it.
pub fn plan(
    cleared: &Cleared,
    scope: &Scope,
    rules: &Rules,
    templates: &Templates,
    ids: &IdKey,
    diagnostics: &[Diagnostic],
) -> Vec<DocJob> {
    plan_against(cleared, scope, rules, templates, ids, diagnostics, None)
}

/// [`plan`] against the published pack: a document whose version and path are the
/// published ones gets no template data ([`DocJob::has_context`] is false); it is carried
/// over, not rendered. The same documents, ids and versions as [`plan`].
pub fn plan_against(
    cleared: &Cleared,
    scope: &Scope,
    rules: &Rules,
    templates: &Templates,
    ids: &IdKey,
    diagnostics: &[Diagnostic],
    published: Option<&Published<'_>>,
) -> Vec<DocJob> {
    let mut planner = Planner::new(rules, templates, ids);
    planner.published = published;
    // The kinds are planned independently of each other, so on all cores (a city's nightly
    // plans 80,000 documents, hashing each one's data); the parts are joined in this fixed
    // order, so the result does not depend on which finished first.
    type Part<'p> = &'p (dyn Fn(&mut Vec<DocJob>) + Sync);
    let p = &planner;
    let parts: [Part; 7] = [
        &|jobs| schedules::plan(cleared, scope, p, jobs),
        &|jobs| folders::plan(cleared, scope, p, jobs),
        &|jobs| unit_docs::plan(cleared, scope, p, jobs),
        &|jobs| timecare::plan(cleared, scope, p, jobs),
        &|jobs| routines::plan(cleared, p, jobs),
        &|jobs| forms::plan(cleared, scope, p, jobs),
        &|jobs| field_sheets::plan(cleared, scope, p, jobs),
    ];
    let planned: Vec<Vec<DocJob>> = parts
        .par_iter()
        .map(|part| {
            let mut jobs = Vec::new();
            part(&mut jobs);
            jobs
        })
        .collect();
    let mut jobs: Vec<DocJob> = planned.into_iter().flatten().collect();
    // Last: the egenkontroll lists every other current document of its unit.
    egenkontroll::plan(cleared, &planner, diagnostics, &mut jobs);
    jobs.sort_by(|a, b| (&a.unit, a.audience, a.kind, &a.path).cmp(&(&b.unit, b.audience, b.kind, &b.path)));
    jobs
}

/// Swedish weekday name.
pub fn weekday_sv(d: NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"][d.weekday().num_days_from_monday() as usize]
}

//! The gallringslista (shred list) of a run: per unit, the printed pages to take out of the
//! cabinets and shred now (seeds 000, 001: "gallra samtidigt den inaktuella versionen").
//!
//! Computed from the run's [`Diff`] against the published manifest:
//! - every superseded printed version (a changed document's old version);
//! - every document of a person who has left the unit (removed, and the person has no
//!   document left in that unit);
//! - every other document that is no longer part of the pack (e.g. an ended assignment);
//! - every published document whose gallring date has come by the run's service day
//!   (health-care orders after two years, planerade besök after six weeks, schedules of past
//!   days) — their digital copies stay until `reservpack gallra`.
//!
//! A list is written per unit and audience that the run changed: the general one at
//! `<unit>/gallringslista.pdf, .csv` (general documents only), the enhetschef's at
//! `<unit>/begransad/gallringslista.pdf, .csv` (restricted documents only: general lists never
//! mention them). It goes with the run's delta print: the new pages in, the listed pages out.
//! A unit the run did not change keeps the list it had.
//! CSV: UTF-8 with BOM, `;`-separated, CRLF.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::history::{Ended, Reason};
use super::{Diff, Entry, Manifest, Publisher};
use crate::plan::{Audience, audience_dir, hex};
use crate::render::rows::ShredTable;
use crate::render::{Job, RenderError, Renderer};
use crate::retention::SECRECY_TEXT;

/// The template of the list.
pub const TEMPLATE: &str = "gallringslista.typ";
/// The CSV header (FORMATS.md style: English column names, Swedish content).
pub const CSV_HEADER: &[&str] =
    &["unit", "part", "reason", "kind", "label", "subject", "id", "version", "pages", "printed", "storage", "gallring", "new_version"];

/// The list's two parts (CSV column `part`): every listed sheet as an unused copy to shred
/// now, and again, for sheets written on by hand (schedules, forms), as a filled-in original
/// whose content is entered or whose time is after-registered first (seeds 000, 001, 003).
pub const PART_UNUSED: &str = "oanvand";
pub const PART_FILLED_IN: &str = "ifylld";

/// What the routine says about a filled-in copy of the item's document, if it is a form.
fn filled_in(i: &Item) -> Option<&'static str> {
    crate::retention::filled_in_routine(i.old.kind.as_str(), &i.old.gallring)
}

const STORAGE_GENERAL: &str = "Med utskriften; sedan dokumentskåp (aktskåp) tills nästa lista";
const STORAGE_RESTRICTED: &str = "Enhetschefens dokumentskåp (endast enhetschef)";
const GALLRING_TEXT: &str = "när bladen är strimlade och listan avprickad";

/// The earlier identity of persons who became protected or changed level in a run.
#[derive(Debug, Default)]
pub struct Earlier {
    /// Their person keys at their other levels (their old folder documents).
    pub person_keys: HashSet<String>,
    /// Ids of the unit's dated sheets that showed them and moved to the restricted folder.
    pub sheets: HashSet<String>,
}

impl Earlier {
    fn holds(&self, e: &Entry) -> bool {
        self.sheets.contains(&e.id) || e.person.as_ref().is_some_and(|p| self.person_keys.contains(p))
    }
}

/// One printed document to shred.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub reason: Reason,
    /// The printed version to shred.
    pub old: &'a Entry,
    /// The version that supersedes it (for [`Reason::NewVersion`]).
    pub new: Option<&'a Entry>,
}

/// The lists of one run, per (unit, audience) the run changed.
pub struct ShredLists<'a> {
    pub lists: BTreeMap<(String, Audience), Vec<Item<'a>>>,
    /// The service day the lists are for.
    pub date: NaiveDate,
    /// When the data was exported, for the stamp's "Uppgifter per …" (not hashed).
    pub as_of: Option<String>,
}

impl<'a> ShredLists<'a> {
    /// What to shred after a run that publishes `new` (with `diff` against the published
    /// manifest), on the service day `date`.
    ///
    /// `earlier` holds the sheets of earlier identities (persons who are protected now, at
    /// their other levels). Those removed go to the unit's *restricted* list only ("ta bort
    /// alla tidigare utskrifter"): the general list must not link the earlier identity to the
    /// new id series.
    pub fn compute(diff: &Diff<'a>, new: &'a Manifest, date: NaiveDate, earlier: &Earlier) -> ShredLists<'a> {
        let mut lists: BTreeMap<(String, Audience), Vec<Item<'a>>> = BTreeMap::new();
        // Every (unit, audience) the run changed gets a list, even an empty one.
        let touched = diff.new.iter().copied().chain(diff.changed.iter().map(|(_, n)| *n)).chain(diff.removed.iter().copied());
        for e in touched {
            lists.entry((e.unit.clone(), e.audience)).or_default();
        }
        let mut listed: HashSet<&str> = HashSet::new();
        for (old, n) in &diff.changed {
            lists.entry((old.unit.clone(), old.audience)).or_default().push(Item { reason: Reason::NewVersion, old, new: Some(n) });
            listed.insert(&old.id);
        }
        // People who still have documents in a unit (opaque keys).
        let present: HashSet<(&str, &str)> =
            new.documents.iter().filter_map(|e| e.person.as_deref().map(|p| (e.unit.as_str(), p))).collect();
        for old in &diff.removed {
            if earlier.holds(old) {
                lists.entry((old.unit.clone(), Audience::Enhetschef)).or_default().push(Item {
                    reason: Reason::ProtectionChanged,
                    old,
                    new: None,
                });
                listed.insert(&old.id);
                continue;
            }
            let left = old.person.as_deref().is_some_and(|p| !present.contains(&(old.unit.as_str(), p)));
            let reason = if left { Reason::PersonLeft } else { Reason::Dropped };
            lists.entry((old.unit.clone(), old.audience)).or_default().push(Item { reason, old, new: None });
            listed.insert(&old.id);
        }
        for e in &new.documents {
            let due = parse_date(&e.gallring).is_some_and(|g| g <= date);
            if due
                && !listed.contains(e.id.as_str())
                && let Some(list) = lists.get_mut(&(e.unit.clone(), e.audience))
            {
                list.push(Item { reason: Reason::Expired, old: e, new: None });
            }
        }
        for items in lists.values_mut() {
            items.sort_by(|a, b| {
                (a.reason, &a.old.storage, &a.old.subject, &a.old.label, &a.old.date, &a.old.id).cmp(&(
                    b.reason,
                    &b.old.storage,
                    &b.old.subject,
                    &b.old.label,
                    &b.old.date,
                    &b.old.id,
                ))
            });
        }
        ShredLists { lists, date, as_of: None }
    }

    /// The versions this run ended, for the history (per unit folder). Documents past their
    /// gallring date are not ended by a run: they stay until `gallra`.
    pub fn ended(&self) -> Vec<(String, Ended)> {
        self.lists
            .values()
            .flatten()
            .filter(|i| i.reason != Reason::Expired)
            .map(|i| (super::history::unit_dir(&i.old.path).to_string(), Ended::of(i.old, self.date, i.reason, i.new)))
            .collect()
    }

    /// Writes every list (CSV, and PDF through `renderer`) into the new generation, and
    /// keeps the published lists of every unit and audience the run did not change.
    /// `unit_names` gives the headings; returns the relative paths of the PDFs written.
    pub fn write(
        &self,
        publisher: &Publisher,
        renderer: &Renderer,
        unit_names: &HashMap<String, String>,
        published_units: &BTreeSet<String>,
        threads: usize,
    ) -> Result<Vec<String>, RenderError> {
        let date = self.date.format("%Y-%m-%d").to_string();
        let mut jobs = Vec::new();
        for ((unit, audience), items) in &self.lists {
            let dir = audience_dir(unit, *audience);
            let csv_rel = format!("{dir}/gallringslista.csv");
            let id = list_id(unit, *audience);
            publisher.write(&csv_rel, &csv(unit, items)).map_err(|source| RenderError::Write { id: id.clone(), source })?;
            let name = unit_names.get(unit).cloned().unwrap_or_else(|| unit.clone());
            jobs.push(ListJob::new(renderer, unit, &name, *audience, items, &date, self.as_of.as_deref()));
        }
        // Units and audiences this run did not change keep their list.
        for unit in published_units {
            for audience in [Audience::Personal, Audience::Enhetschef] {
                if self.lists.contains_key(&(unit.clone(), audience)) {
                    continue;
                }
                let dir = audience_dir(unit, audience);
                for file in ["gallringslista.pdf", "gallringslista.csv"] {
                    let rel = format!("{dir}/{file}");
                    if publisher.published_has(&rel) {
                        publisher.keep(&rel).map_err(|source| RenderError::Write { id: list_id(unit, audience), source })?;
                    }
                }
            }
        }
        let results = renderer.render_all(&jobs, threads, &|| {}, |i, pdf| publisher.write(&jobs[i].path, &pdf.bytes));
        for r in results {
            r?;
        }
        Ok(jobs.into_iter().map(|j| j.path).collect())
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The list's own stable id, printed in its stamp.
pub fn list_id(unit: &str, audience: Audience) -> String {
    let mut h = Sha256::new();
    for part in ["gallringslista", unit, if audience == Audience::Personal { "personal" } else { "enhetschef" }] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    format!("GL-{}", hex(&h.finalize()[..5]).to_uppercase())
}

fn short(v: &str) -> &str {
    &v[..v.len().min(8)]
}

fn reason_text(i: &Item) -> String {
    match i.reason {
        Reason::NewVersion => match i.new {
            Some(n) => format!("Ersatt av v{} (utskriven {})", short(&n.version), n.printed),
            None => "Ersatt av ny version".into(),
        },
        Reason::PersonLeft => "Personen har lämnat enheten".into(),
        Reason::Dropped => "Ingår inte längre i reservpärmen".into(),
        Reason::Expired => format!("Gallringsdatum {}", i.old.gallring),
        Reason::ProtectionChanged => "Skyddade personuppgifter: ta bort alla tidigare utskrifter".into(),
    }
}

/// The CSV: UTF-8 with BOM, `;`-separated, CRLF.
pub fn csv(unit: &str, items: &[Item]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(CSV_HEADER);
    let unused = items.iter().map(|i| (PART_UNUSED, i));
    let filled = items.iter().filter(|i| filled_in(i).is_some()).map(|i| (PART_FILLED_IN, i));
    for (part, i) in unused.chain(filled) {
        let e = i.old;
        let pages = e.pages.to_string();
        let new_version = i.new.map(|n| short(&n.version).to_string()).unwrap_or_default();
        let _ = w.write_record([
            unit,
            part,
            i.reason.code(),
            e.kind.as_str(),
            &e.label,
            &e.subject,
            &e.id,
            short(&e.version),
            &pages,
            &e.printed,
            &e.storage,
            &e.gallring,
            &new_version,
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// A listed sheet as the PDF prints it in `table`, with the row's height (`h`, pt) worked
/// out before layout where it can be (`render::rows`), so Typst lays the row out once.
fn list_row(i: &Item, table: ShredTable) -> Value {
    let mut row = json!({
        "label": i.old.label,
        "subject": i.old.subject,
        "id": i.old.id,
        "version": short(&i.old.version),
        "pages": i.old.pages,
        "printed": i.old.printed,
        "storage": i.old.storage,
        "note": reason_text(i),
    });
    row["h"] = json!(crate::render::rows::gallringslista(&row, table));
    row
}

/// One list as a document for the renderer.
#[derive(Clone)]
struct ListJob {
    id: String,
    path: String,
    context: Value,
    /// Rows in both parts, for [`Job::pages_hint`].
    rows: usize,
}

impl ListJob {
    fn new(
        renderer: &Renderer,
        unit: &str,
        unit_name: &str,
        audience: Audience,
        items: &[Item],
        date: &str,
        as_of: Option<&str>,
    ) -> ListJob {
        let restricted = audience == Audience::Enhetschef;
        let sections: Vec<Value> = [
            (Reason::NewVersion, "Ersatta versioner", "En ny version är utskriven. Ta ut den gamla versionen ur pärmen och strimla den."),
            (Reason::PersonLeft, "Personer som lämnat enheten", "Strimla alla blad om personen."),
            (Reason::Dropped, "Dokument som utgått", "Dokumentet ingår inte längre i reservpärmen."),
            (Reason::Expired, "Gallringsdatum har passerat", "Gallringsdatumet står på varje sida."),
            (
                Reason::ProtectionChanged,
                "Personer som fått skyddade personuppgifter eller ändrad skyddsnivå",
                "Ta bort alla tidigare utskrifter om personen ur pärmar och skåp och strimla dem. De nya bladen bär det fiktiva namnet eller ärendenumret.",
            ),
        ]
        .into_iter()
        .filter_map(|(reason, title, note)| {
            let rows: Vec<Value> = items
                .iter()
                .filter(|i| i.reason == reason)
                .map(|i| list_row(i, ShredTable::Unused))
                .collect();
            (!rows.is_empty()).then(|| json!({ "title": title, "note": note, "rows": rows }))
        })
        .collect();
        // Part two: the sheets that may have been written on, grouped by what their routine says.
        let mut filled: Vec<(&str, Vec<Value>)> = Vec::new();
        for i in items {
            let Some(routine) = filled_in(i) else {
                continue;
            };
            let row = list_row(i, ShredTable::Filled);
            match filled.iter_mut().find(|(r, _)| *r == routine) {
                Some((_, rows)) => rows.push(row),
                None => filled.push((routine, vec![row])),
            }
        }
        let filled: Vec<Value> = filled.into_iter().map(|(routine, rows)| json!({ "routine": routine, "rows": rows })).collect();
        let pages: usize = items.iter().map(|i| i.old.pages).sum();
        let id = list_id(unit, audience);
        let mut context = json!({
            "doc": {
                "unit_id": unit,
                "unit_name": unit_name,
                "date": date,
                "restricted": restricted,
                "count": items.len(),
                "pages": pages,
                "sections": sections,
                "filled": filled,
            },
            "title": format!("Gallringslista {unit} {id}"),
            "stamp": {
                "secrecy": SECRECY_TEXT,
                "gallring": format!("Gallras: {GALLRING_TEXT}"),
                "place": if restricted { STORAGE_RESTRICTED } else { STORAGE_GENERAL },
            },
        });
        // The version: a hash of the inputs, like every document's.
        let mut h = Sha256::new();
        for name in ["lib.typ", TEMPLATE] {
            h.update(renderer.templates().source(name).unwrap_or_default().as_bytes());
        }
        h.update(serde_json::to_vec(&context).expect("json values serialise"));
        let version = hex(&h.finalize());
        context["stamp"]["id"] = json!(id);
        context["stamp"]["short"] = json!(&version[..8]);
        context["stamp"]["as_of"] = json!(as_of);
        let path = format!("{}/gallringslista.pdf", audience_dir(unit, audience));
        let rows = items.len() + items.iter().filter(|i| filled_in(i).is_some()).count();
        ListJob { id, path, context, rows }
    }
}

impl Job for ListJob {
    fn id(&self) -> &str {
        &self.id
    }
    fn template(&self) -> &str {
        TEMPLATE
    }
    fn context(&self) -> std::borrow::Cow<'_, Value> {
        std::borrow::Cow::Borrowed(&self.context)
    }
    fn attachments(&self) -> &[Arc<Vec<u8>>] {
        &[]
    }
    fn pages_hint(&self) -> usize {
        1 + self.rows / 20
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, unit: &str, audience: Audience, version: &str, person: Option<&str>, gallring: &str) -> Entry {
        let dir = if audience == Audience::Personal { unit.to_string() } else { format!("{unit}/begransad") };
        Entry {
            id: id.into(),
            kind: crate::plan::DocKind::Genomforandeplan,
            unit: unit.into(),
            audience,
            path: format!("{dir}/k/{id}.pdf"),
            pages: 2,
            version: version.repeat(64),
            gallring: gallring.into(),
            date: None,
            label: "Genomförandeplan".into(),
            subject: "Anna A".into(),
            storage: "Personakt".into(),
            person: person.map(str::to_string),
            printed: "2026-11-20".into(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn superseded_left_dropped_and_expired_are_listed_per_unit_and_audience() {
        let rule = "när ny version skrivs ut";
        let old = Manifest {
            generated_for: "2026-11-20".into(),
            documents: vec![
                entry("GP-1", "U", Audience::Personal, "a", Some("p1"), rule),
                entry("PK-2", "U", Audience::Personal, "b", Some("p2"), rule),
                entry("AKT-2", "U", Audience::Enhetschef, "c", Some("p2"), rule),
                entry("UB-3", "U", Audience::Personal, "d", Some("p1"), rule),
                entry("SCH-4", "U", Audience::Personal, "e", None, "2026-11-21"),
                entry("SCH-5", "V", Audience::Personal, "f", None, "2026-11-21"),
            ],
        };
        let mut new = old.clone();
        new.documents.retain(|e| !["PK-2", "AKT-2", "UB-3"].contains(&e.id.as_str()));
        new.documents[0].version = "9".repeat(64);
        new.documents[0].printed = "2026-11-24".into();
        let diff = Diff::between(&old, &new);
        let lists = ShredLists::compute(&diff, &new, d("2026-11-24"), &Earlier::default());
        let general = &lists.lists[&("U".to_string(), Audience::Personal)];
        let got: Vec<(Reason, &str)> = general.iter().map(|i| (i.reason, i.old.id.as_str())).collect();
        assert_eq!(
            got,
            vec![(Reason::NewVersion, "GP-1"), (Reason::PersonLeft, "PK-2"), (Reason::Dropped, "UB-3"), (Reason::Expired, "SCH-4")]
        );
        let restricted = &lists.lists[&("U".to_string(), Audience::Enhetschef)];
        assert_eq!(restricted.len(), 1);
        assert_eq!(restricted[0].reason, Reason::PersonLeft);
        assert!(!lists.lists.contains_key(&("V".to_string(), Audience::Personal)), "V did not change");
        let csv = String::from_utf8(csv("U", general)).unwrap();
        assert!(csv.starts_with("\u{feff}unit;part;reason;kind;"));
        assert!(csv.contains("\r\nU;oanvand;ny_version;genomforandeplan;Genomförandeplan;Anna A;GP-1;aaaaaaaa;2;2026-11-20;"));
        assert!(!csv.contains(";ifylld;"), "a genomförandeplan is never written on");
        assert!(csv.ends_with(";99999999\r\n") || csv.contains(";99999999\r\n"));
        let ended = lists.ended();
        assert_eq!(ended.len(), 4, "expired documents stay until gallra");
        assert_eq!(ended.iter().find(|(_, e)| e.id == "GP-1").unwrap().1.superseded_by.as_deref(), Some("9".repeat(64).as_str()));
    }

    #[test]
    fn a_sheet_written_on_by_hand_is_in_both_parts() {
        let mut schedule = entry("SCH-1", "U", Audience::Personal, "a", None, "2026-11-25");
        schedule.kind = crate::plan::DocKind::Schema;
        schedule.label = "Pappersschema".into();
        let old = Manifest { generated_for: "2026-11-24".into(), documents: vec![schedule] };
        let new = Manifest { generated_for: "2026-11-25".into(), documents: Vec::new() };
        let diff = Diff::between(&old, &new);
        let lists = ShredLists::compute(&diff, &new, d("2026-11-25"), &Earlier::default());
        let items = &lists.lists[&("U".to_string(), Audience::Personal)];
        let csv = String::from_utf8(csv("U", items)).unwrap();
        assert!(csv.contains("\r\nU;oanvand;"), "{csv}");
        assert!(csv.contains("\r\nU;ifylld;"), "{csv}");
        assert!(filled_in(&items[0]).unwrap().contains("efterregistrering"));
    }

    /// Rows sized in advance (`render::rows::gallringslista`) give the same PDF as rows Typst
    /// measures: a list of both parts with short and long labels, subjects and places (one
    /// line, wrapped, a word wider than its column, another script) is rendered both ways.
    #[test]
    fn list_rows_sized_in_advance_give_the_bytes_of_measured_rows() {
        let rule = "när ny version skrivs ut";
        let subjects = [
            "Anna A",
            "Åsa-Britt Ödman-Lindqvist och Karl-Gustav Ödman-Lindqvist, makar",
            "Fatima Al-Sayed (العربية)",
            "Storgatansförlängningensvägsändenshusochgårdsplan",
            "",
            "Wilhelm Wwwwwwww Mmmmmmmm",
        ];
        let storages = ["Personakt", "Pärmen för planerade besök, flik Måndag–Söndag, hyllan vid dörren", "Låst skåp"];
        let mut documents = Vec::new();
        for i in 0..30 {
            let mut e = entry(&format!("GP-{i}"), "U", Audience::Personal, "a", Some(&format!("p{i}")), rule);
            e.subject = subjects[i % subjects.len()].into();
            e.storage = storages[i % storages.len()].into();
            if i % 3 == 0 {
                e.kind = crate::plan::DocKind::Schema;
                e.person = None;
                e.label = if i % 2 == 0 { "Pappersschema".into() } else { "Pappersschema – tisdag 24 november, kvällspasset".into() };
                e.subject = if i % 4 == 0 { "HT-NORR 1 – Anna".into() } else { e.subject.clone() };
                e.date = Some("2026-11-24".into());
                e.gallring = "2026-11-25".into();
                e.storage = "Schemapärmen".into();
            }
            documents.push(e);
        }
        let old = Manifest { generated_for: "2026-11-24".into(), documents };
        let mut new = old.clone();
        new.generated_for = "2026-11-25".into();
        new.documents.retain(|e| e.date.is_none() && !e.id.ends_with('3'));
        for e in new.documents.iter_mut().step_by(2) {
            e.version = "9".repeat(64);
        }
        let diff = Diff::between(&old, &new);
        let lists = ShredLists::compute(&diff, &new, d("2026-11-25"), &Earlier::default());
        let items = &lists.lists[&("U".to_string(), Audience::Personal)];
        let renderer = Renderer::new(crate::render::Templates::load(None).unwrap(), d("2026-11-25")).unwrap();
        let sized = ListJob::new(&renderer, "U", "Enheten", Audience::Personal, items, "2026-11-25", Some("2026-11-25 02:00"));
        let mut measured = sized.clone();
        let (mut rows, mut with_height, mut one_line) = (0, 0, 0);
        for part in ["sections", "filled"] {
            for table in measured.context["doc"][part].as_array_mut().unwrap() {
                for row in table["rows"].as_array_mut().unwrap() {
                    rows += 1;
                    with_height += usize::from(row["h"].is_number());
                    // One line of text: the tick box is the highest thing in the row.
                    one_line += usize::from(row["h"].as_f64().is_some_and(|h| h < 20.0));
                    row["h"] = Value::Null;
                }
            }
        }
        assert!(rows >= 25 && with_height * 10 >= rows * 7 && with_height < rows, "{with_height} of {rows} rows sized");
        assert!(one_line >= 3, "{one_line} rows of one line");
        let (a, b) =
            crate::render::on_a_large_stack(move || (renderer.render_one(&sized).unwrap(), renderer.render_one(&measured).unwrap()));
        assert!(a.pages > 1, "{} pages", a.pages);
        assert_eq!(a.pages, b.pages);
        assert!(a.bytes == b.bytes, "rows sized in advance differ from measured rows");
    }

    #[test]
    fn an_earlier_identity_goes_to_the_restricted_list_only() {
        let rule = "när ny version skrivs ut";
        let old = Manifest {
            generated_for: "2026-11-20".into(),
            documents: vec![
                entry("GP-1", "U", Audience::Personal, "a", Some("old-key"), rule),
                entry("PK-1", "U", Audience::Personal, "b", Some("old-key"), rule),
            ],
        };
        let mut new = old.clone();
        new.documents = vec![entry("GP-9", "U", Audience::Personal, "c", Some("new-key"), rule)];
        let diff = Diff::between(&old, &new);
        let earlier = Earlier { person_keys: HashSet::from(["old-key".to_string()]), sheets: HashSet::new() };
        let lists = ShredLists::compute(&diff, &new, d("2026-11-24"), &earlier);
        let general = lists.lists.get(&("U".to_string(), Audience::Personal)).cloned().unwrap_or_default();
        assert!(general.iter().all(|i| i.old.person.as_deref() != Some("old-key")), "{general:?}");
        let restricted = &lists.lists[&("U".to_string(), Audience::Enhetschef)];
        assert_eq!(restricted.len(), 2);
        assert!(restricted.iter().all(|i| i.reason == Reason::ProtectionChanged));
        assert!(lists.ended().iter().all(|(_, e)| e.superseded_by.is_none()));
    }
}

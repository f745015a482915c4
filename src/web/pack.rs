//! The published pack as the web page reads it: the manifest (with printed subjects), the
//! print batches, the gallringslistor, the history, and the shredding receipts. Read-only,
//! except for the receipts (`out/.strimlat/<unit>.csv`). Every path served is looked up here
//! in the pack's own indexes, never built from the request.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::plan::{Audience, path_component};
use crate::publish::batch::{BatchRow, read_print_manifest};
use crate::publish::{Entry, Manifest, history};

/// One published generation, read once and shared until the next one is published.
pub struct Pack {
    /// The generation's folder (`out/.packs/<gen>`).
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub batches: Vec<BatchRow>,
    /// When it was published (the manifest's modification time), Swedish time.
    pub published_at: String,
}

/// The current pack, re-read when a run publishes a new generation.
#[derive(Default)]
pub struct Cache(std::sync::Mutex<Option<Arc<Pack>>>);

impl Cache {
    pub fn get(&self, out: &Path) -> Option<Arc<Pack>> {
        let dir = crate::publish::published_dir(out).ok()??;
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = slot.as_ref().filter(|p| p.dir == dir) {
            return Some(p.clone());
        }
        let manifest = crate::publish::read_manifest(&dir.join("manifest.json")).ok()?;
        let batches = read_print_manifest(&dir.join("print-manifest.csv")).unwrap_or_default();
        let published_at = std::fs::metadata(dir.join("manifest.json"))
            .and_then(|m| m.modified())
            .map(|t| {
                chrono::DateTime::<chrono::Utc>::from(t).with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M").to_string()
            })
            .unwrap_or_default();
        let pack = Arc::new(Pack { dir, manifest, batches, published_at });
        *slot = Some(pack.clone());
        Some(pack)
    }
}

/// A person as listed: their opaque key and their printed identity (a protected person's
/// fictive name or case number).
#[derive(Clone, Debug, Serialize)]
pub struct PersonRow {
    pub key: String,
    pub subject: String,
    pub documents: usize,
    pub restricted_only: bool,
}

impl Pack {
    /// The units the pack holds.
    pub fn units(&self) -> Vec<String> {
        let set: std::collections::BTreeSet<&str> = self.manifest.documents.iter().map(|e| e.unit.as_str()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// A unit's documents that `sees` allows, in manifest order.
    pub fn documents<'a>(&'a self, unit: &'a str, sees: impl Fn(Audience) -> bool + 'a) -> impl Iterator<Item = &'a Entry> + 'a {
        self.manifest.documents.iter().filter(move |e| e.unit == unit && sees(e.audience))
    }

    /// The persons of a unit who have documents the viewer may see, by printed identity.
    pub fn persons(&self, unit: &str, sees: impl Fn(Audience) -> bool) -> Vec<PersonRow> {
        let mut by_key: BTreeMap<&str, PersonRow> = BTreeMap::new();
        for e in self.documents(unit, &sees) {
            let Some(key) = e.person.as_deref() else {
                continue;
            };
            let row = by_key.entry(key).or_insert_with(|| PersonRow {
                key: key.into(),
                subject: String::new(),
                documents: 0,
                restricted_only: true,
            });
            row.documents += 1;
            if e.audience == Audience::Personal {
                row.restricted_only = false;
                // The general documents' subject is the printed identity.
                if !e.subject.is_empty() {
                    row.subject = e.subject.clone();
                }
            } else if row.subject.is_empty() {
                row.subject = e.subject.clone();
            }
        }
        let mut rows: Vec<PersonRow> = by_key.into_values().collect();
        rows.sort_by_key(|r| r.subject.to_lowercase());
        rows
    }

    /// The unit and audience of a file the pack publishes (a document, a print batch, a
    /// gallringslista); `None` for anything else.
    pub fn file(&self, rel: &str) -> Option<(String, Audience)> {
        if let Some(e) = self.manifest.documents.iter().find(|e| e.path == rel) {
            return Some((e.unit.clone(), e.audience));
        }
        if let Some(b) = self.batches.iter().find(|b| b.batch == rel) {
            return Some((b.unit.clone(), b.audience));
        }
        self.units()
            .into_iter()
            .find_map(|u| [Audience::Personal, Audience::Enhetschef].into_iter().find(|a| rel == shred_list(&u, *a, "pdf")).map(|a| (u, a)))
    }

    pub fn history(&self) -> Vec<history::Ended> {
        history::read_all(&self.dir)
    }
}

/// Where a unit's gallringslista of `audience` is (`ext`: `pdf` or `csv`), relative to `out/`.
pub fn shred_list(unit: &str, audience: Audience, ext: &str) -> String {
    format!("{}/gallringslista.{ext}", crate::plan::audience_dir(unit, audience))
}

/// One row of a unit's gallringslista (the CSV the run wrote).
#[derive(Clone, Debug, Serialize)]
pub struct ShredRow {
    pub audience: &'static str,
    pub reason: String,
    /// The kind in words (Swedish).
    pub kind: String,
    pub label: String,
    pub subject: String,
    pub id: String,
    pub version: String,
    pub pages: String,
    pub printed: String,
    pub storage: String,
    pub new_version: String,
}

/// The Swedish text of a shred list reason code.
pub fn reason_text(code: &str) -> &'static str {
    match code {
        "ny_version" => "Ersatt av ny version",
        "lamnat_enheten" => "Personen har lämnat enheten",
        "utgar" => "Ingår inte längre i reservpärmen",
        "gallringsdatum" => "Gallringsdatum har passerat",
        "skydd_andrat" => "Skyddade personuppgifter: ta bort alla tidigare utskrifter",
        _ => "",
    }
}

/// The unit's sheets still to shred: its gallringslistor (the restricted one only if
/// `restricted`), less what the receipts say is shredded.
pub fn shred_rows(pack: &Pack, out: &Path, unit: &str, restricted: bool) -> Vec<ShredRow> {
    let done = receipts(out, unit);
    let mut lists = vec![("personal", shred_list(unit, Audience::Personal, "csv"))];
    if restricted {
        lists.push(("enhetschef", shred_list(unit, Audience::Enhetschef, "csv")));
    }
    let mut rows = Vec::new();
    for (audience, rel) in lists {
        let Ok(bytes) = std::fs::read(pack.dir.join(&rel)) else {
            continue;
        };
        let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).into_owned();
        let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
        // Columns by name (`publish::shred::CSV_HEADER`): the list may grow columns.
        let header: Vec<String> = r.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
        let at = |name: &str| header.iter().position(|h| h == name);
        let mut seen: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
        for rec in r.records().flatten() {
            let f = |name: &str| at(name).and_then(|i| rec.get(i)).unwrap_or("").to_string();
            let key = (f("id"), f("version"));
            // A sheet written on by hand stands in both parts of the list: one row here.
            if done.contains(&key) || !seen.insert(key) {
                continue;
            }
            rows.push(ShredRow {
                audience,
                reason: reason_text(&f("reason")).to_string(),
                kind: crate::plan::DocKind::parse(&f("kind")).map_or_else(|| f("kind"), |k| k.name_sv().to_string()),
                label: f("label"),
                subject: f("subject"),
                id: f("id"),
                version: f("version"),
                pages: f("pages"),
                printed: f("printed"),
                storage: f("storage"),
                new_version: f("new_version"),
            });
        }
    }
    rows
}

fn receipts_path(out: &Path, unit: &str) -> PathBuf {
    out.join(".strimlat").join(format!("{}.csv", path_component(unit)))
}

const RECEIPT_HEADER: &str = "tid;anvandare;enhet;malgrupp;id;version\r\n";

/// (id, short version) of every sheet recorded as shredded in the unit.
pub fn receipts(out: &Path, unit: &str) -> HashSet<(String, String)> {
    let Ok(text) = std::fs::read_to_string(receipts_path(out, unit)) else {
        return HashSet::new();
    };
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim_end_matches('\r').split(';').collect();
            (f.len() >= 6).then(|| (f[4].to_string(), f[5].to_string()))
        })
        .collect()
}

/// Records sheets as shredded: who, when, which (the destruction receipt), appended to the
/// unit's receipts file, written atomically. `sheets` are (audience, id, short version).
pub fn record_shredded(out: &Path, unit: &str, user: &str, sheets: &[(String, String, String)]) -> std::io::Result<()> {
    let path = receipts_path(out, unit);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| RECEIPT_HEADER.to_string());
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M:%S").to_string();
    let clean = |s: &str| s.replace([';', '\r', '\n'], " ");
    for (audience, id, version) in sheets {
        text.push_str(&format!("{now};{};{};{};{};{}\r\n", clean(user), clean(unit), clean(audience), clean(id), clean(version)));
    }
    super::atomic_write(&path, text.as_bytes())
}

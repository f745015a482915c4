//! Print batches (issue 7): one PDF per unit and audience, in filing order, for the print
//! room — a *full* batch (every current document) and a *delta* batch (only the documents
//! this run made new or changed) — and `print-manifest.csv`, one row per batch.
//!
//! A batch is: a cover sheet (its first sheet: the cover page and a blank back), then the
//! documents in filing order ([`order`]). Every document starts on a front side (an odd
//! page): where one ends on a front side, a back page marked "Avsiktligt tom sida" follows,
//! the last document included, so the batch is whole sheets. Bookmarks: one per document,
//! the documents of a person's folder grouped under one bookmark per person.
//!
//! - General batches: `out/<unit>/print/{full,delta}-<date>.pdf`; the enhetschef's (audience
//!   `enhetschef`: restricted documents only) under `out/<unit>/begransad/print/`. A general
//!   batch never holds a restricted document, and its cover never mentions one.
//! - Which documents: the unit's and audience's documents in the manifest, except dated
//!   documents (schedules, planerade besök) of days before the service date, which stay in
//!   the pack until `gallra` but are not printed again. The delta batch: new and changed
//!   documents per [`Diff`]; none, no delta batch.
//! - The two checksums. The print manifest's `sha256` is over the whole batch file. The cover
//!   cannot show the checksum of the file it is part of, so it shows the sha256 of the batch
//!   *without its cover* (the same PDF with only the document pages: "sha256
//!   (dokumentdelen)"), as written by reservpack.
//! - `pages` in the print manifest counts every page of the file (cover, documents, blank
//!   pages); `sheets` is pages / 2 (duplex; a batch is always whole sheets).
//! - Deterministic: the cover shows the service date (`--date`), never the clock; lopdf
//!   writes no timestamp. Same pack, same bytes.
//! - A batch whose inputs are unchanged since the published generation (same documents and
//!   versions, date, shred count, templates — the *fingerprint*, stored as the PDF's `/ID`
//!   and in its document info) is carried over as a hard link instead of being rebuilt, so a
//!   `--person` run does not rebuild every unit's batches.

mod merge;
mod order;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::NaiveDate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Diff, Entry, Manifest, Publisher};
use crate::model::Unit;
use crate::plan::{Audience, hex, path_component, weekday_sv};
use crate::render::{Job, RenderError, Renderer};
use crate::retention::SECRECY_TEXT;

pub use merge::{MergeError, Piece};
pub use order::{Part, filing_order, swedish_key};

/// The print manifest's file name, at the top of the pack.
pub const PRINT_MANIFEST: &str = "print-manifest.csv";
/// Its header (FORMATS.md).
pub const PRINT_MANIFEST_HEADER: [&str; 7] = ["batch", "unit", "audience", "documents", "pages", "sheets", "sha256"];
/// The text of a blank back page.
pub const BLANK_TEXT: &str = "Avsiktligt tom sida";
/// Templates (in `templates/`).
pub const COVER_TEMPLATE: &str = "batch_cover.typ";
pub const BLANK_TEMPLATE: &str = "blank_page.typ";
/// Changes whenever the batch layout changes, so batches of older builds are rebuilt.
const LAYOUT_VERSION: &str = "reservpack-bunt-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BatchKind {
    /// Every current document of the unit and audience.
    Full,
    /// Only the documents new or changed in this run.
    Delta,
}

impl BatchKind {
    pub fn stem(self) -> &'static str {
        match self {
            BatchKind::Full => "full",
            BatchKind::Delta => "delta",
        }
    }

    fn text(self) -> &'static str {
        match self {
            BatchKind::Full => "Hela packet – alla aktuella dokument",
            BatchKind::Delta => "Nya och ändrade dokument sedan förra utskriften",
        }
    }
}

/// One row of `print-manifest.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRow {
    /// Path relative to `out/`.
    pub batch: String,
    pub unit: String,
    pub audience: Audience,
    pub documents: usize,
    pub pages: usize,
    pub sheets: usize,
    /// sha256 hex of the whole batch file.
    pub sha256: String,
}

/// What [`write`] did.
#[derive(Debug, Default)]
pub struct Summary {
    pub rows: Vec<BatchRow>,
    pub built: usize,
    pub kept: usize,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("utskriftsbunt {batch}: {source}")]
    Render { batch: String, source: RenderError },
    #[error("utskriftsbunt {batch}: dokumentet {path}: {source}")]
    Document { batch: String, path: String, source: MergeError },
    #[error("utskriftsbunt {batch}: {source}")]
    Merge { batch: String, source: MergeError },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("utskriftsbunt {batch}: internt fel (panik)")]
    Panic { batch: String },
}

/// Where a batch lives, relative to `out/`.
pub fn batch_path(unit: &str, audience: Audience, kind: BatchKind, date: &str) -> String {
    let dir = path_component(unit);
    match audience {
        Audience::Personal => format!("{dir}/print/{}-{date}.pdf", kind.stem()),
        Audience::Enhetschef => format!("{dir}/begransad/print/{}-{date}.pdf", kind.stem()),
    }
}

/// How many printed pages of `unit` and `audience` this run's shred list asks to destroy:
/// the pages of every superseded version (changed documents' old versions) and of every
/// removed document. The same definition as the gallringslista's (issue 6).
pub fn shred_pages(diff: &Diff, unit: &str, audience: Audience) -> usize {
    let ours = |e: &Entry| e.unit == unit && e.audience == audience;
    let changed: usize = diff.changed.iter().filter(|(old, _)| ours(old)).map(|(old, _)| old.pages).sum();
    let removed: usize = diff.removed.iter().filter(|e| ours(e)).map(|e| e.pages).sum();
    changed + removed
}

/// The pages the unit's and audience's gallringslista in the new generation asks to shred
/// (issue 6 writes it before the batches are built; a unit the run did not change keeps its
/// list): the sum of its CSV's `pages` column. `None` if there is no list.
fn listed_shred_pages(publisher: &Publisher, unit: &str, audience: Audience) -> Option<usize> {
    let dir = match audience {
        Audience::Personal => path_component(unit),
        Audience::Enhetschef => format!("{}/begransad", path_component(unit)),
    };
    let path = publisher.staged_file(&format!("{dir}/gallringslista.csv"))?;
    let bytes = std::fs::read(path).ok()?;
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text);
    let col = r.headers().ok()?.iter().position(|h| h == "pages")?;
    let mut sum = 0usize;
    for rec in r.records() {
        sum += rec.ok()?.get(col)?.trim().parse::<usize>().ok()?;
    }
    Some(sum)
}

/// Whether a document is printed in this run's batches: not a dated document of a day
/// before the service date.
fn current(e: &Entry, date: &str) -> bool {
    e.date.as_deref().is_none_or(|d| d >= date)
}

/// The batches of one unit and audience.
struct Spec<'a> {
    unit: &'a str,
    unit_name: &'a str,
    audience: Audience,
    full: Vec<&'a Entry>,
    delta: Vec<&'a Entry>,
    shred: usize,
}

/// Builds every batch of the pack into the publisher's new generation and writes
/// `print-manifest.csv` at its top. Call after every document is written (or kept) and
/// before `commit`.
pub fn write(publisher: &Publisher, renderer: &Renderer, manifest: &Manifest, diff: &Diff, units: &[Unit]) -> Result<Summary, BatchError> {
    let started = Instant::now();
    let date = manifest.generated_for.as_str();
    let names: HashMap<&str, &str> = units.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let mut groups: BTreeMap<(&str, Audience), (Vec<&Entry>, Vec<&Entry>)> = BTreeMap::new();
    for e in manifest.documents.iter().filter(|e| current(e, date)) {
        groups.entry((e.unit.as_str(), e.audience)).or_default().0.push(e);
    }
    for e in diff.to_print().into_iter().filter(|e| current(e, date)) {
        groups.entry((e.unit.as_str(), e.audience)).or_default().1.push(e);
    }
    let specs: Vec<Spec> = groups
        .into_iter()
        .map(|((unit, audience), (full, delta))| Spec {
            unit,
            unit_name: names.get(unit).copied().unwrap_or(unit),
            audience,
            full,
            delta,
            shred: listed_shred_pages(publisher, unit, audience).unwrap_or_else(|| shred_pages(diff, unit, audience)),
        })
        .collect();

    let previous = read_previous_rows(publisher);
    let ctx = Context {
        publisher,
        renderer,
        date,
        weekday: NaiveDate::parse_from_str(date, "%Y-%m-%d").map(|d| capitalise(weekday_sv(d))).unwrap_or_default(),
        templates_hash: templates_hash(renderer),
        previous,
        blank: std::sync::OnceLock::new(),
    };

    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4).min(specs.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Vec<(BatchRow, bool)>, BatchError>>>> = Mutex::new((0..specs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(scope, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(spec) = specs.get(i) else { break };
                        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ctx.spec(spec)))
                            .unwrap_or_else(|_| Err(BatchError::Panic { batch: batch_path(spec.unit, spec.audience, BatchKind::Full, date) }));
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                        typst::comemo::evict(4);
                    }
                })
                .expect("spawning a batch thread");
        }
    });
    typst::comemo::evict(0);

    let mut summary = Summary::default();
    for r in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        for (row, kept) in r.expect("every spec was taken by a worker")? {
            if kept {
                summary.kept += 1;
            } else {
                summary.built += 1;
            }
            summary.rows.push(row);
        }
    }
    let csv = print_manifest_csv(&summary.rows);
    publisher.write(PRINT_MANIFEST, &csv).map_err(|source| BatchError::Io { path: PRINT_MANIFEST.into(), source })?;
    summary.seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        "utskriftsbuntar: {} ({} skapade, {} oförändrade) på {:.1} s",
        summary.rows.len(),
        summary.built,
        summary.kept,
        summary.seconds
    );
    Ok(summary)
}

/// `print-manifest.csv`: UTF-8 with BOM, `;`-separated, CRLF, the header of FORMATS.md.
pub fn print_manifest_csv(rows: &[BatchRow]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(PRINT_MANIFEST_HEADER).expect("writing to memory");
    for r in rows {
        w.write_record([
            r.batch.as_str(),
            r.unit.as_str(),
            audience_name(r.audience),
            &r.documents.to_string(),
            &r.pages.to_string(),
            &r.sheets.to_string(),
            r.sha256.as_str(),
        ])
        .expect("writing to memory");
    }
    let body = w.into_inner().expect("writing to memory");
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(body);
    out
}

/// Reads a `print-manifest.csv` (for `print`, and for carrying over unchanged batches).
pub fn read_print_manifest(path: &Path) -> std::io::Result<Vec<BatchRow>> {
    let bytes = std::fs::read(path)?;
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text);
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    let headers = r.headers().map_err(|e| bad(e.to_string()))?.clone();
    if headers.iter().collect::<Vec<_>>() != PRINT_MANIFEST_HEADER {
        return Err(bad("fel rubrikrad".into()));
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let num = |i: usize| rec.get(i).and_then(|v| v.parse::<usize>().ok()).ok_or_else(|| bad(format!("rad {:?}: fel tal", rec.position())));
        let audience = match rec.get(2) {
            Some("personal") => Audience::Personal,
            Some("enhetschef") => Audience::Enhetschef,
            _ => return Err(bad("okänd målgrupp".into())),
        };
        rows.push(BatchRow {
            batch: rec.get(0).unwrap_or_default().to_string(),
            unit: rec.get(1).unwrap_or_default().to_string(),
            audience,
            documents: num(3)?,
            pages: num(4)?,
            sheets: num(5)?,
            sha256: rec.get(6).unwrap_or_default().to_string(),
        });
    }
    Ok(rows)
}

pub fn audience_name(a: Audience) -> &'static str {
    match a {
        Audience::Personal => "personal",
        Audience::Enhetschef => "enhetschef",
    }
}

fn read_previous_rows(publisher: &Publisher) -> HashMap<String, BatchRow> {
    publisher
        .current_path(PRINT_MANIFEST)
        .and_then(|p| read_print_manifest(&p).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.batch.clone(), r))
        .collect()
}

fn templates_hash(renderer: &Renderer) -> [u8; 32] {
    let mut h = Sha256::new();
    for name in ["lib.typ", COVER_TEMPLATE, BLANK_TEMPLATE] {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(renderer.templates().source(name).unwrap_or_default().as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A one-off page rendered through the normal renderer (cover sheet, blank page).
struct PageJob {
    id: String,
    template: &'static str,
    context: Value,
}

impl Job for PageJob {
    fn id(&self) -> &str {
        &self.id
    }
    fn template(&self) -> &str {
        self.template
    }
    fn context(&self) -> &Value {
        &self.context
    }
    fn attachments(&self) -> &[Arc<Vec<u8>>] {
        &[]
    }
}

struct Context<'a> {
    publisher: &'a Publisher,
    renderer: &'a Renderer,
    date: &'a str,
    weekday: String,
    templates_hash: [u8; 32],
    previous: HashMap<String, BatchRow>,
    blank: std::sync::OnceLock<Result<Piece, String>>,
}

impl Context<'_> {
    /// The blank back page, rendered once per run.
    fn blank(&self, batch: &str) -> Result<&Piece, BatchError> {
        let r = self.blank.get_or_init(|| {
            let job = PageJob {
                id: "tom-sida".into(),
                template: BLANK_TEMPLATE,
                context: json!({
                    "doc": { "text": BLANK_TEXT },
                    "title": BLANK_TEXT,
                    "stamp": { "secrecy": SECRECY_TEXT, "gallring": "", "place": "", "id": "", "short": "" },
                }),
            };
            let pdf = self.renderer.render_one(&job).map_err(|e| e.to_string())?;
            Piece::load(&pdf.bytes).map_err(|e| e.to_string())
        });
        r.as_ref().map_err(|m| BatchError::Merge { batch: batch.into(), source: MergeError::Read(format!("tom sida: {m}")) })
    }

    /// The batches of one unit and audience: (row, carried over?) for full and delta.
    fn spec(&self, spec: &Spec) -> Result<Vec<(BatchRow, bool)>, BatchError> {
        let mut out = Vec::new();
        let mut pieces: HashMap<&str, Piece> = HashMap::new();
        for (kind, docs) in [(BatchKind::Full, &spec.full), (BatchKind::Delta, &spec.delta)] {
            if docs.is_empty() {
                continue;
            }
            let path = batch_path(spec.unit, spec.audience, kind, self.date);
            let fingerprint = self.fingerprint(spec, kind, docs);
            if let Some(row) = self.carry_over(&path, &fingerprint) {
                out.push((row, true));
                continue;
            }
            for e in docs.iter() {
                if !pieces.contains_key(e.id.as_str()) {
                    let file = self.publisher.staged_file(&e.path).ok_or_else(|| BatchError::Io {
                        path: e.path.clone(),
                        source: std::io::Error::new(std::io::ErrorKind::NotFound, "dokumentet finns inte i den nya versionen av packet"),
                    })?;
                    let bytes = std::fs::read(&file).map_err(|source| BatchError::Io { path: e.path.clone(), source })?;
                    let piece = Piece::load(&bytes).map_err(|source| BatchError::Document { batch: path.clone(), path: e.path.clone(), source })?;
                    pieces.insert(e.id.as_str(), piece);
                }
            }
            let (bytes, row) = self.build(spec, kind, docs, &pieces, &path, &fingerprint)?;
            self.publisher.write(&path, &bytes).map_err(|source| BatchError::Io { path: path.clone(), source })?;
            out.push((row, false));
        }
        Ok(out)
    }

    fn fingerprint(&self, spec: &Spec, kind: BatchKind, docs: &[&Entry]) -> [u8; 32] {
        let mut h = Sha256::new();
        let mut field = |s: &str| {
            h.update(s.as_bytes());
            h.update([0]);
        };
        field(LAYOUT_VERSION);
        field(kind.stem());
        field(spec.unit);
        field(spec.unit_name);
        field(audience_name(spec.audience));
        field(self.date);
        field(&spec.shred.to_string());
        for e in docs {
            for s in [&e.id, &e.version, &e.path, &e.kind, &e.label, &e.subject] {
                field(s);
            }
            field(e.person.as_deref().unwrap_or(""));
            field(&e.pages.to_string());
        }
        h.update(self.templates_hash);
        h.finalize().into()
    }

    /// The published batch at `path`, if it was built from the same inputs (its fingerprint
    /// is in its document info, near the start of the file); linked into the new generation.
    fn carry_over(&self, path: &str, fingerprint: &[u8; 32]) -> Option<BatchRow> {
        let row = self.previous.get(path)?.clone();
        let file = self.publisher.current_path(path)?;
        let mut head = vec![0u8; 4096];
        let n = std::fs::File::open(&file).and_then(|mut f| f.read(&mut head)).ok()?;
        let marker = fingerprint_marker(fingerprint);
        let found = head[..n].windows(marker.len()).any(|w| w == marker.as_bytes());
        (found && self.publisher.keep(path).is_ok()).then_some(row)
    }

    fn build(
        &self,
        spec: &Spec,
        kind: BatchKind,
        docs: &[&Entry],
        pieces: &HashMap<&str, Piece>,
        path: &str,
        fingerprint: &[u8; 32],
    ) -> Result<(Vec<u8>, BatchRow), BatchError> {
        let merge_err = |source| BatchError::Merge { batch: path.to_string(), source };
        let blank = self.blank(path)?;
        let title = format!("Utskriftsbunt {} {} {}", spec.unit, kind.stem(), self.date);
        let mut b = merge::Builder::new(&title, &fingerprint_marker(fingerprint));

        // The documents part: documents in filing order, each padded to whole sheets.
        let parts = filing_order(docs);
        let mut document_pages = 0usize;
        let mut blank_pages = 0usize;
        let mut part_rows: Vec<(String, usize, usize, usize)> = Vec::new(); // name, docs, pages, first index
        let mut persons = 0usize;
        let (mut unit_part, mut schedule_part, mut person_part) = (None, None, None);
        for part in &parts {
            let slot = match part {
                Part::Unit(_) => &mut unit_part,
                Part::Schedules(_) => &mut schedule_part,
                Part::Person { .. } => &mut person_part,
            };
            let first = b.pages().len();
            let mut group = None;
            let mut pages_in_part = 0usize;
            for (i, e) in part.documents().iter().enumerate() {
                let piece = &pieces[e.id.as_str()];
                let pages = b.append(piece);
                document_pages += pages.len();
                pages_in_part += pages.len();
                let title = bookmark_title(e);
                match part {
                    Part::Person { name, .. } => {
                        if i == 0 {
                            group = Some(b.bookmark(name, pages[0], None));
                        }
                        b.bookmark(&title, pages[0], group);
                    }
                    _ => {
                        b.bookmark(&title, pages[0], None);
                    }
                }
                if pages.len() % 2 == 1 {
                    let p = b.blank_page(blank);
                    b.push_page(p);
                    blank_pages += 1;
                    pages_in_part += 1;
                }
            }
            if matches!(part, Part::Person { .. }) {
                persons += 1;
            }
            let entry = slot.get_or_insert((0usize, 0usize, first));
            entry.0 += part.documents().len();
            entry.1 += pages_in_part;
        }
        for (name, slot) in [("Enhetens dokument", unit_part), ("Pappersscheman", schedule_part)] {
            if let Some((n, p, first)) = slot {
                part_rows.push((name.to_string(), n, p, first));
            }
        }
        if let Some((n, p, first)) = person_part {
            part_rows.push((format!("Personakter ({persons} {})", if persons == 1 { "person" } else { "personer" }), n, p, first));
        }
        b.finish_outline();
        let document_list: Vec<_> = b.pages().to_vec();
        let documents_part = b.save(&document_list, None).map_err(merge_err)?;
        let documents_sha = hex(&Sha256::digest(&documents_part));
        drop(documents_part);

        // The cover: its own sheet(s) in front. Page ranges on it assume it takes one sheet;
        // if an overridden template makes it longer, it is rendered again with the right ones.
        let mut cover_sheet_pages = 2usize;
        let cover_piece = loop {
            let total = cover_sheet_pages + document_list.len();
            let mut rows = vec![json!({ "name": "Försättsblad", "documents": 0, "pages": cover_sheet_pages, "range": range(1, cover_sheet_pages) })];
            for (name, n, p, first) in &part_rows {
                rows.push(json!({ "name": name, "documents": n, "pages": p, "range": range(cover_sheet_pages + first + 1, *p) }));
            }
            let doc = json!({
                "unit_id": spec.unit,
                "unit_name": spec.unit_name,
                "kind_text": kind.text(),
                "audience_text": match spec.audience {
                    Audience::Personal => "Allmän bunt – för personalens pärmar, personakter och dokumentskåp",
                    Audience::Enhetschef => "Begränsad bunt – endast enhetschef. Lämnas direkt till enhetschefen och förvaras i enhetschefens skåp.",
                },
                "date": self.date,
                "weekday": self.weekday,
                "batch": path,
                "documents": docs.len(),
                "pages": total,
                "document_pages": document_pages,
                "blank_pages": blank_pages,
                "cover_pages": cover_sheet_pages,
                "sheets": total / 2,
                "sha256_prefix": &documents_sha[..16],
                "shred_pages": spec.shred,
                "parts": rows,
            });
            let job = PageJob {
                id: format!("{} {}", spec.unit, kind.stem()),
                template: COVER_TEMPLATE,
                context: json!({
                    "doc": doc,
                    "title": title,
                    "stamp": {
                        "secrecy": SECRECY_TEXT,
                        "gallring": "Gallras: när nästa bunt skrivs ut",
                        "place": match spec.audience {
                            Audience::Personal => "följer bunten",
                            Audience::Enhetschef => "enhetschefens dokumentskåp",
                        },
                        "id": format!("Bunt {} {} {}", spec.unit, kind.stem(), self.date),
                        "short": &documents_sha[..8],
                    },
                }),
            };
            let pdf = self.renderer.render_one(&job).map_err(|source| BatchError::Render { batch: path.to_string(), source })?;
            let needed = pdf.pages + pdf.pages % 2;
            if needed == cover_sheet_pages {
                break Piece::load(&pdf.bytes).map_err(merge_err)?;
            }
            cover_sheet_pages = needed;
        };
        let mut all = b.import(&cover_piece);
        if all.len() % 2 == 1 {
            all.push(b.blank_page(blank));
        }
        let cover_pages = all.len();
        all.extend(&document_list);
        let bytes = b.save(&all, Some(fingerprint)).map_err(merge_err)?;
        let row = BatchRow {
            batch: path.to_string(),
            unit: spec.unit.to_string(),
            audience: spec.audience,
            documents: docs.len(),
            pages: all.len(),
            sheets: all.len().div_ceil(2),
            sha256: hex(&Sha256::digest(&bytes)),
        };
        debug_assert_eq!(row.pages, cover_pages + document_pages + blank_pages);
        Ok((bytes, row))
    }
}

/// "Genomförandeplan – Erik Samuelsson": kind label and printed subject (never a real name
/// of a protected person: subjects are printed identities).
fn bookmark_title(e: &Entry) -> String {
    if e.subject.is_empty() { e.label.clone() } else { format!("{} – {}", e.label, e.subject) }
}

fn range(first: usize, pages: usize) -> String {
    match pages {
        0 => "–".into(),
        1 => first.to_string(),
        n => format!("{first}–{}", first + n - 1),
    }
}

/// How the fingerprint is written into the batch's document info (looked for on reuse).
fn fingerprint_marker(fingerprint: &[u8; 32]) -> String {
    format!("reservpack-bunt:{}", hex(fingerprint))
}

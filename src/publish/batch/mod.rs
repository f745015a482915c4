//! Print batches (issue 7): one PDF per unit and audience, in filing order, for the print
//! room — a *full* batch (every current document) and a *delta* batch (only the documents
//! this run made new or changed) — and `print-manifest.csv`, one row per batch.
//! A run ([`write`]) builds the delta batches; the full ones are built when the print room
//! asks for them ([`build_full`], issue 18), so that a nightly run costs what changed.
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
//!   *without its cover* — "sha256 (dokumentdelen)": the same documents, blank backs and
//!   bookmarks written alone as a PDF by reservpack, with a neutral title and no fingerprint,
//!   so a full and a delta batch with the same documents show the same value.
//! - `pages` in the print manifest counts every page of the file (cover, documents, blank
//!   pages); `sheets` is pages / 2 (duplex; a batch is always whole sheets).
//! - Deterministic: the cover shows the service date (`--date`), never the clock; the
//!   writer (pdf-writer) writes no timestamp. Same pack, same bytes.
//! - A batch whose inputs are unchanged since the published generation (same documents and
//!   versions, date, shred count, templates — the *fingerprint*, stored as the PDF's `/ID`
//!   and in its document info) is carried over as a hard link instead of being rebuilt, so a
//!   `--person` run does not rebuild every unit's batches.

mod merge;
mod order;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::NaiveDate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Diff, Entry, Manifest, Publisher};
use crate::model::Unit;
use crate::plan::{Audience, audience_dir, hex, weekday_sv};
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
const LAYOUT_VERSION: &str = "reservpack-bunt-2";

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
            BatchKind::Full => "Hela paketet – alla aktuella dokument",
            BatchKind::Delta => "Nya och ändrade dokument sedan förra utskriften",
        }
    }
}

/// The cover of a full batch whose every document is new (a first run): the delta batch is
/// then this same file.
const FULL_IS_DELTA_TEXT: &str = "Hela paketet – alla dokument är nya sedan förra utskriften, så detta är också deltabunten (samma fil)";

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

/// Which full batches a call builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Full {
    /// Every full batch whose documents changed is built (the others carried over): when the
    /// print room asks for the whole pack ([`build_full`]: `reservpack print`, the web page).
    Build,
    /// None is built: a run costs what changed. A full batch whose inputs are unchanged is
    /// carried over; the others are left out of the new generation until asked for. A first
    /// run's delta batch holds every document and is the full batch too (one file, two names).
    OnDemand,
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
    format!("{}/print/{}-{date}.pdf", audience_dir(unit, audience), kind.stem())
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
    let path = publisher.staged_file(&format!("{}/gallringslista.csv", audience_dir(unit, audience)))?;
    let bytes = std::fs::read(path).ok()?;
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text);
    let headers = r.headers().ok()?.clone();
    let col = headers.iter().position(|h| h == "pages")?;
    // A filled-in sheet is listed twice (unused copy, filled-in original): count it once.
    let part = headers.iter().position(|h| h == "part");
    let mut sum = 0usize;
    for rec in r.records() {
        let rec = rec.ok()?;
        if part.and_then(|p| rec.get(p)).is_some_and(|p| p != crate::publish::shred::PART_UNUSED) {
            continue;
        }
        sum += rec.get(col)?.trim().parse::<usize>().ok()?;
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
    /// Whether the run regenerated this unit (see [`write`]'s `scope`).
    in_scope: bool,
}

/// Builds every batch of the pack into the publisher's new generation and writes
/// `print-manifest.csv` at its top. Call after every document is written (or kept) and
/// before `commit`. `scope`: the units the run regenerated (`None`: the whole pack); a unit
/// outside it keeps its published delta batch, while a unit inside it gets a delta batch
/// only if it has new or changed documents.
pub fn write(
    publisher: &Publisher,
    renderer: &Renderer,
    manifest: &Manifest,
    diff: &Diff,
    units: &[Unit],
    scope: Option<&std::collections::HashSet<String>>,
    full: Full,
) -> Result<Summary, BatchError> {
    let started = Instant::now();
    let date = manifest.generated_for.as_str();
    let names: HashMap<&str, &str> = units.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    // Per unit and audience: (documents of the full batch, of the delta batch).
    type Group<'m> = (Vec<&'m Entry>, Vec<&'m Entry>);
    let mut groups: BTreeMap<(&str, Audience), Group> = BTreeMap::new();
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
            in_scope: scope.is_none_or(|s| s.contains(unit)),
        })
        .collect();

    tracing::info!("utskriftsbuntar: {} enheter och målgrupper", specs.len());
    build(publisher, renderer, date, full, &specs, Vec::new(), started)
}

/// Builds the full batches of the units and audiences `wanted` picks, for the print room,
/// into the publisher's new generation (which keeps everything else of the published one,
/// [`Publisher::keep_all_except`]), and writes `print-manifest.csv` with every other
/// published row unchanged. A full batch that is already there for the same documents is
/// carried over. Unit names are read from the manifest (the subject of the unit's lists).
pub fn build_full(
    publisher: &Publisher,
    renderer: &Renderer,
    manifest: &Manifest,
    wanted: &dyn Fn(&str, Audience) -> bool,
) -> Result<Summary, BatchError> {
    let started = Instant::now();
    let date = manifest.generated_for.as_str();
    let mut groups: BTreeMap<(&str, Audience), Vec<&Entry>> = BTreeMap::new();
    for e in manifest.documents.iter().filter(|e| current(e, date) && wanted(&e.unit, e.audience)) {
        groups.entry((e.unit.as_str(), e.audience)).or_default().push(e);
    }
    let names: HashMap<&str, String> = groups
        .keys()
        .map(|(unit, _)| {
            let own: Vec<Entry> = manifest.documents.iter().filter(|e| e.unit == *unit).cloned().collect();
            (*unit, crate::export::layout::unit_name(&own, unit))
        })
        .collect();
    let specs: Vec<Spec> = groups
        .into_iter()
        .map(|((unit, audience), full)| Spec {
            unit,
            unit_name: names.get(unit).map_or(unit, String::as_str),
            audience,
            full,
            delta: Vec::new(),
            shred: listed_shred_pages(publisher, unit, audience).unwrap_or(0),
            // Its published delta batch stays as it is.
            in_scope: false,
        })
        .collect();
    let chosen: std::collections::HashSet<(&str, Audience)> = specs.iter().map(|s| (s.unit, s.audience)).collect();
    // Every other published batch stays (it is kept with the rest of the generation).
    let others: Vec<BatchRow> = read_previous_rows(publisher)
        .into_values()
        .filter(|r| !chosen.contains(&(r.unit.as_str(), r.audience)) && publisher.staged_file(&r.batch).is_some())
        .collect();
    tracing::info!("hela utskriftsbuntar: {} enheter och målgrupper", specs.len());
    build(publisher, renderer, date, Full::Build, &specs, others, started)
}

/// More documents than this in one batch: made one batch at a time (see [`build`]).
const WHOLE_PACK_DOCUMENTS: usize = 200;

/// Builds (or carries over) the batches of `specs` on the batch threads, adds `others`,
/// and writes the print manifest.
fn build(
    publisher: &Publisher,
    renderer: &Renderer,
    date: &str,
    full: Full,
    specs: &[Spec],
    others: Vec<BatchRow>,
    started: Instant,
) -> Result<Summary, BatchError> {
    let previous = read_previous_rows(publisher);
    let ctx = Context {
        publisher,
        renderer,
        date,
        weekday: NaiveDate::parse_from_str(date, "%Y-%m-%d").map(|d| capitalise(weekday_sv(d))).unwrap_or_default(),
        templates_hash: templates_hash(renderer),
        previous,
        blank: std::sync::OnceLock::new(),
        timings: Timings::default(),
        full,
    };

    // A batch of a unit's whole pack is tens of MB, held twice while it is finished: such
    // batches (a first run's, or full ones asked for) are made one at a time, so a city's
    // first run stays within its memory budget. Reading the documents apart still runs on
    // every core (`read_ahead`), and that is most of a batch's time.
    let whole_packs = specs.iter().any(|s| s.full.len() > WHOLE_PACK_DOCUMENTS && (full == Full::Build || s.delta.len() == s.full.len()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4);
    let threads = if whole_packs { 1 } else { cores.min(specs.len().max(1)) };
    let next = AtomicUsize::new(0);
    type Outcome = Result<Vec<(BatchRow, bool)>, BatchError>;
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..specs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .name("bunt".into())
                .stack_size(64 << 20)
                .spawn_scoped(scope, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(spec) = specs.get(i) else { break };
                        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ctx.spec(spec))).unwrap_or_else(|_| {
                            Err(BatchError::Panic { batch: batch_path(spec.unit, spec.audience, BatchKind::Full, date) })
                        });
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                        typst::comemo::evict(4);
                    }
                })
                .expect("spawning a batch thread");
        }
    });
    typst::comemo::evict(0);

    let mut summary = Summary::default();
    summary.kept += others.len();
    summary.rows.extend(others);
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
    summary.rows.sort_by(|a, b| (&a.unit, a.audience, kind_of_path(&a.batch)).cmp(&(&b.unit, b.audience, kind_of_path(&b.batch))));
    let csv = print_manifest_csv(&summary.rows);
    publisher.write(PRINT_MANIFEST, &csv).map_err(|source| BatchError::Io { path: PRINT_MANIFEST.into(), source })?;
    summary.seconds = started.elapsed().as_secs_f64();
    let t = &ctx.timings;
    tracing::info!(
        "utskriftsbuntar: {} ({} skapade, {} oförändrade) på {:.1} s (trådtid: läsa {:.1} s, sammanfoga {:.1} s, kontrollsumma {:.1} s, försättsblad {:.1} s, spara {:.1} s, skriva {:.1} s)",
        summary.rows.len(),
        summary.built,
        summary.kept,
        summary.seconds,
        t.read.secs(),
        t.merge.secs(),
        t.hash.secs(),
        t.cover.secs(),
        t.save.secs(),
        t.write.secs()
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
        let num =
            |i: usize| rec.get(i).and_then(|v| v.parse::<usize>().ok()).ok_or_else(|| bad(format!("rad {:?}: fel tal", rec.position())));
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
    fn context(&self) -> std::borrow::Cow<'_, Value> {
        std::borrow::Cow::Borrowed(&self.context)
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
    timings: Timings,
    full: Full,
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
        let mut full: Option<(String, [u8; 32])> = None;
        let mut delta: Option<(String, [u8; 32])> = None;
        for (kind, docs) in [(BatchKind::Full, &spec.full), (BatchKind::Delta, &spec.delta)] {
            if docs.is_empty() {
                // A unit outside a `--person`/`--unit` run keeps the delta batch it had: the
                // print room may not have printed last night's yet.
                if kind == BatchKind::Delta
                    && !spec.in_scope
                    && let Some(row) = self.carry_previous(&batch_path(spec.unit, spec.audience, kind, self.date))
                {
                    out.push((row, true));
                }
                continue;
            }
            let path = batch_path(spec.unit, spec.audience, kind, self.date);
            let fingerprint = self.fingerprint(spec, kind, docs);
            match self.carry_over(&path, &fingerprint) {
                Some(row) => out.push((row, true)),
                None if kind == BatchKind::Full => full = Some((path, fingerprint)),
                None => delta = Some((path, fingerprint)),
            }
        }
        // A first run's delta holds every document: then it is the full batch (one file, two
        // names; the cover says so), not a second copy of a unit's whole pack.
        let shared = full.is_some() && delta.is_some() && sorted_ids(&spec.full) == sorted_ids(&spec.delta);
        // Asked for only (a run's own full batches are left out, unless it is the delta).
        if self.full == Full::OnDemand && !shared {
            full = None;
        }
        // Documents of the delta batch, read while the full batch is written, kept for it.
        let mut kept: HashMap<&str, Piece> = HashMap::new();
        if let Some((path, fingerprint)) = &full {
            let keep: std::collections::HashSet<&str> =
                if delta.is_some() && !shared { spec.delta.iter().map(|e| e.id.as_str()).collect() } else { Default::default() };
            let part = self.documents_part(spec, &spec.full, &mut kept, &keep, path)?;
            let text = if shared { FULL_IS_DELTA_TEXT } else { BatchKind::Full.text() };
            let row = self.finish(&part, spec, BatchKind::Full, text, path, fingerprint)?;
            if shared {
                let (delta_path, _) = delta.take().expect("shared means both");
                let started = Instant::now();
                self.publisher.write_same_as(&delta_path, path).map_err(|source| BatchError::Io { path: delta_path.clone(), source })?;
                self.timings.write.add(started);
                out.push((BatchRow { batch: delta_path, ..row.clone() }, false));
            }
            out.push((row, false));
        }
        if let Some((path, fingerprint)) = &delta {
            let part = self.documents_part(spec, &spec.delta, &mut kept, &Default::default(), path)?;
            out.push((self.finish(&part, spec, BatchKind::Delta, BatchKind::Delta.text(), path, fingerprint)?, false));
        }
        out.sort_by_key(|(r, _)| kind_of_path(&r.batch));
        Ok(out)
    }

    /// A document of the new generation, read and taken apart.
    fn read_piece(&self, e: &Entry, batch: &str) -> Result<Piece, BatchError> {
        let started = Instant::now();
        let missing = || std::io::Error::new(std::io::ErrorKind::NotFound, "dokumentet finns inte i den nya versionen av packet");
        let bytes = self
            .publisher
            .staged_file(&e.path)
            .ok_or_else(missing)
            .and_then(std::fs::read)
            .map_err(|source| BatchError::Io { path: e.path.clone(), source })?;
        let piece =
            Piece::load(&bytes).map_err(|source| BatchError::Document { batch: batch.to_string(), path: e.path.clone(), source })?;
        self.timings.read.add(started);
        Ok(piece)
    }

    /// Reads the next documents of `order` not yet in `pieces` (a window of them, on as
    /// many threads as there are cores: taking a PDF apart is most of a batch's cost) into
    /// `pieces`. The first of `order` is always read.
    fn read_ahead<'e>(&self, order: &[&'e Entry], pieces: &mut HashMap<&'e str, Piece>, batch: &str) -> Result<(), BatchError> {
        const WINDOW: usize = 32;
        let todo: Vec<&'e Entry> = order.iter().copied().filter(|e| !pieces.contains_key(e.id.as_str())).take(WINDOW).collect();
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4).min(todo.len());
        let read: Vec<Result<Piece, BatchError>> = if threads <= 1 {
            todo.iter().map(|e| self.read_piece(e, batch)).collect()
        } else {
            let chunk = todo.len().div_ceil(threads);
            std::thread::scope(|s| {
                let handles: Vec<_> =
                    todo.chunks(chunk).map(|c| s.spawn(move || c.iter().map(|e| self.read_piece(e, batch)).collect::<Vec<_>>())).collect();
                handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
            })
        };
        for (e, piece) in todo.into_iter().zip(read) {
            pieces.insert(e.id.as_str(), piece?);
        }
        Ok(())
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
            for s in [e.id.as_str(), e.version.as_str(), e.path.as_str(), e.kind.as_str(), e.label.as_str(), e.subject.as_str()] {
                field(s);
            }
            field(e.person.as_deref().unwrap_or(""));
            field(&e.pages.to_string());
        }
        h.update(self.templates_hash);
        h.finalize().into()
    }

    /// The published batch at `path` as it is, if there is one; carried over.
    fn carry_previous(&self, path: &str) -> Option<BatchRow> {
        let row = self.previous.get(path)?.clone();
        self.publisher.keep(path).is_ok().then_some(row)
    }

    /// The published batch at `path`, if it was built from the same inputs (its fingerprint
    /// is the file identifier in its trailer, at the end of the file); carried over as is.
    fn carry_over(&self, path: &str, fingerprint: &[u8; 32]) -> Option<BatchRow> {
        let row = self.previous.get(path)?.clone();
        let file = self.publisher.current_path(path)?;
        let mut f = std::fs::File::open(&file).ok()?;
        let len = f.metadata().ok()?.len();
        f.seek(std::io::SeekFrom::Start(len.saturating_sub(1024))).ok()?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).ok()?;
        let marker = merge::file_id_marker(fingerprint);
        let found = tail.windows(marker.len()).any(|w| w == marker.as_slice());
        (found && self.publisher.keep(path).is_ok()).then_some(row)
    }

    /// The documents in filing order, each padded to whole sheets, with bookmarks, written as
    /// each is read (documents in `keep` are kept in `pieces` for another batch; documents
    /// already in `pieces` are taken from there), and the sha256 of the documents part written
    /// alone (the cover's "sha256 (dokumentdelen)").
    fn documents_part<'e>(
        &self,
        spec: &Spec,
        docs: &[&'e Entry],
        pieces: &mut HashMap<&'e str, Piece>,
        keep: &std::collections::HashSet<&str>,
        path: &str,
    ) -> Result<DocumentsPart, BatchError> {
        let blank = self.blank(path)?;
        let mut w = merge::BatchWriter::new();
        w.prepare_blank(blank);
        let parts = filing_order(docs);
        // The documents in the order they are written; `position` is the next one's index.
        let order: Vec<&'e Entry> = parts.iter().flat_map(|p| p.documents().iter().copied()).collect();
        let mut position = 0usize;
        let mut document_pages = 0usize;
        let mut blank_pages = 0usize;
        let mut persons = 0usize;
        // Per section: documents, pages (with blanks), index of its first page.
        let mut sections: [Option<(usize, usize, usize)>; 3] = [None, None, None];
        for part in &parts {
            let slot = match part {
                Part::Unit(_) => 0,
                Part::Schedules(_) => 1,
                Part::Person { .. } => 2,
            };
            let first = w.pages().len();
            let mut group = None;
            let mut pages_in_part = 0usize;
            for (i, e) in part.documents().iter().enumerate() {
                if !pieces.contains_key(e.id.as_str()) {
                    self.read_ahead(&order[position..], pieces, path)?;
                }
                position += 1;
                let piece = pieces.remove(e.id.as_str()).expect("read ahead above");
                let started = Instant::now();
                let pages = w.append(&piece);
                if keep.contains(e.id.as_str()) {
                    pieces.insert(e.id.as_str(), piece);
                }
                document_pages += pages.len();
                pages_in_part += pages.len();
                let title = bookmark_title(e);
                match part {
                    Part::Person { name, .. } => {
                        if i == 0 {
                            group = Some(w.bookmark(name, pages[0], None));
                        }
                        w.bookmark(&title, pages[0], group);
                    }
                    _ => {
                        w.bookmark(&title, pages[0], None);
                    }
                }
                if pages.len() % 2 == 1 {
                    w.blank_page(blank);
                    blank_pages += 1;
                    pages_in_part += 1;
                }
                self.timings.merge.add(started);
            }
            if slot == 2 {
                persons += 1;
            }
            let entry = sections[slot].get_or_insert((0, 0, first));
            entry.0 += part.documents().len();
            entry.1 += pages_in_part;
        }
        let names = [
            "Enhetens dokument".to_string(),
            "Pappersscheman".to_string(),
            format!("Personakter ({persons} {})", if persons == 1 { "person" } else { "personer" }),
        ];
        let rows = names.into_iter().zip(sections).filter_map(|(name, s)| s.map(|(n, p, first)| (name, n, p, first))).collect();

        // The documents part alone: the same bytes, a tail without cover, a neutral title.
        let started = Instant::now();
        let title = format!("Utskriftsbunt {} – dokumentdelen", spec.unit);
        let alone = w.finish(None, blank, &merge::Info { title: &title, marker: None }, None).bytes;
        let mut prefix_hash = Sha256::new();
        prefix_hash.update(&alone[..w.documents_len()]);
        let mut hasher = prefix_hash.clone();
        hasher.update(&alone[w.documents_len()..]);
        let sha = hex(&hasher.finalize());
        drop(alone);
        self.timings.hash.add(started);
        let page_count = w.pages().len();
        let schedules = parts
            .iter()
            .filter_map(|p| match p {
                Part::Schedules(d) => Some(d.iter().map(|e| e.subject.clone())),
                _ => None,
            })
            .flatten()
            .collect();
        Ok(DocumentsPart { writer: w, prefix_hash, page_count, documents: docs.len(), document_pages, blank_pages, rows, schedules, sha })
    }

    /// A whole batch: the cover sheet in front of the documents part; written into the new
    /// generation. Returns its print-manifest row.
    fn finish(
        &self,
        part: &DocumentsPart,
        spec: &Spec,
        kind: BatchKind,
        kind_text: &str,
        path: &str,
        fingerprint: &[u8; 32],
    ) -> Result<BatchRow, BatchError> {
        let merge_err = |source| BatchError::Merge { batch: path.to_string(), source };
        let blank = self.blank(path)?;
        let title = format!("Utskriftsbunt {} {} {}", spec.unit, kind.stem(), self.date);

        // The cover: its own sheet(s) in front. Page ranges on it assume it takes one sheet;
        // if an overridden template makes it longer, it is rendered again with the right ones.
        let started = Instant::now();
        let mut cover_sheet_pages = 2usize;
        let cover_piece = loop {
            let total = cover_sheet_pages + part.page_count;
            let mut rows =
                vec![json!({ "name": "Försättsblad", "documents": 0, "pages": cover_sheet_pages, "range": range(1, cover_sheet_pages) })];
            for (name, n, p, first) in &part.rows {
                rows.push(json!({ "name": name, "documents": n, "pages": p, "range": range(cover_sheet_pages + first + 1, *p) }));
            }
            let doc = json!({
                "unit_id": spec.unit,
                "unit_name": spec.unit_name,
                "kind_text": kind_text,
                "audience_text": match spec.audience {
                    Audience::Personal => "Allmän bunt – för personalens pärmar, personakter och dokumentskåp",
                    Audience::Enhetschef => "Begränsad bunt – endast enhetschef. Lämnas direkt till enhetschefen och förvaras i enhetschefens skåp.",
                },
                "date": self.date,
                "weekday": self.weekday,
                "batch": path,
                "documents": part.documents,
                "pages": total,
                "document_pages": part.document_pages,
                "blank_pages": part.blank_pages,
                "cover_pages": cover_sheet_pages,
                "sheets": total / 2,
                "sha256_prefix": &part.sha[..16],
                "shred_pages": spec.shred,
                "parts": rows,
                "schedules": part.schedules,
                "restricted": spec.audience == Audience::Enhetschef,
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
                        "short": &part.sha[..8],
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
        self.timings.cover.add(started);

        let started = Instant::now();
        let marker = fingerprint_marker(fingerprint);
        let merge::Finished { bytes, cover_pages } =
            part.writer.finish(Some(&cover_piece), blank, &merge::Info { title: &title, marker: Some(&marker) }, Some(fingerprint));
        // The documents part is hashed once, for all the batches made of it.
        let mut hasher = part.prefix_hash.clone();
        hasher.update(&bytes[part.writer.documents_len()..]);
        let pages = cover_pages + part.page_count;
        let row = BatchRow {
            batch: path.to_string(),
            unit: spec.unit.to_string(),
            audience: spec.audience,
            documents: part.documents,
            pages,
            sheets: pages.div_ceil(2),
            sha256: hex(&hasher.finalize()),
        };
        debug_assert_eq!(row.pages, cover_pages + part.document_pages + part.blank_pages);
        self.timings.save.add(started);
        let started = Instant::now();
        self.publisher.write(path, &bytes).map_err(|source| BatchError::Io { path: path.to_string(), source })?;
        self.timings.write.add(started);
        Ok(row)
    }
}

/// The documents of a batch, written: shared by a full and a delta batch with the same documents.
struct DocumentsPart {
    writer: merge::BatchWriter,
    /// sha256 state after the documents part's bytes (each batch adds its own tail).
    prefix_hash: Sha256,
    /// Pages of the documents part (documents and their blank backs).
    page_count: usize,
    documents: usize,
    document_pages: usize,
    blank_pages: usize,
    /// The cover's table: section name, documents, pages, index of its first page.
    rows: Vec<(String, usize, usize, usize)>,
    /// The day's paper schedules in the batch, as listed (signature and date).
    schedules: Vec<String>,
    /// sha256 hex of the documents part written alone.
    sha: String,
}

/// Where the batch phase spends its time (summed over threads), for the run's log.
#[derive(Default)]
struct Timings {
    read: Clock,
    merge: Clock,
    hash: Clock,
    cover: Clock,
    save: Clock,
    write: Clock,
}

#[derive(Default)]
struct Clock(AtomicU64);

impl Clock {
    fn add(&self, since: Instant) {
        self.0.fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
    fn secs(&self) -> f64 {
        self.0.load(Ordering::Relaxed) as f64 / 1e6
    }
}

fn sorted_ids<'a>(docs: &[&'a Entry]) -> Vec<&'a str> {
    let mut v: Vec<&str> = docs.iter().map(|e| e.id.as_str()).collect();
    v.sort_unstable();
    v
}

fn kind_of_path(batch: &str) -> u8 {
    if batch.contains("/delta-") { 1 } else { 0 }
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

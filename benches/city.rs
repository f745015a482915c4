//! The city benchmark (issue 2): one day's pack for the `city` fixtures, against the engine's
//! own limit measured in the same run.
//!
//! Run: `cargo bench --bench city` (or `./scripts/bench.sh`). It
//! 1. writes the `city` fixtures (≈120 units, 10,000 persons, 4,000 employees, 40,000 visits
//!    a day) into a temporary directory, with `reservpack fixtures` as a child process (so
//!    their memory is not this process's peak);
//! 2. runs one day's whole pack through the library's front door, [`Engine::run`], exactly as
//!    `reservpack generate` and the web server do, and measures its wall time and peak memory
//!    (this process's max RSS right after the run: fonts, Typst and the run, nothing else yet);
//!    throughput = the published pages ÷ wall time;
//! 3. in this process, compiles 400 of the city's paper schedules as ONE Typst document
//!    (the yardstick of DESIGN.md) and measures its pages/s;
//! 4. prints both and their ratio. The target: ratio ≥ 0.8 and peak memory < 1 GiB.
//!
//! `RESERVPACK_BENCH_SCALE=unit` runs the same on the smaller `unit` fixtures.
//! `RESERVPACK_BENCH_REFERENCE=DIR` only measures the reference (step 3) on the fixtures in
//! DIR, median of 3, and prints one line (`./scripts/bench.sh` calls it so).
//! `RESERVPACK_BENCH_KINDS=DIR` renders, per kind of the nightly run, up to 600 pages of the
//! fixtures in DIR (as the run does: batch + split, 2 threads) and prints pages/s per kind;
//! `RESERVPACK_BENCH_CONFIG=FILE` runs it with that config (e.g. a template directory);
//! `RESERVPACK_BENCH_KIND_LIST=blankett,hsl` (or `all`) measures those kinds instead;
//! `RESERVPACK_BENCH_KIND_PAGES=3000` renders up to that many pages per kind.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use reservpack::plan::DocKind;
use reservpack::render::Job;
use reservpack::run::Outcome;
use reservpack::{Engine, Request};

const DATE: &str = "2026-11-24";

/// The same allocator as the binary (`src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// This process's resource usage so far (all threads).
fn usage() -> libc::rusage {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage
}

fn peak_rss_self_mb() -> f64 {
    usage().ru_maxrss as f64 / 1024.0
}

/// This process's CPU time so far (user + system, all threads), in seconds: steadier than
/// wall time on a noisy machine for comparing the work two variants do.
fn cpu_seconds() -> f64 {
    let u = usage();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn main() {
    if let Ok(input) = std::env::var("RESERVPACK_BENCH_KINDS") {
        return per_kind(Path::new(&input));
    }
    if let Ok(input) = std::env::var("RESERVPACK_BENCH_REFERENCE") {
        return reference_only(Path::new(&input));
    }
    let scale = match std::env::var("RESERVPACK_BENCH_SCALE").as_deref() {
        Ok("unit") => "unit",
        _ => "city",
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    let t = Instant::now();
    let fixtures = Command::new(env!("CARGO_BIN_EXE_reservpack"))
        .args(["fixtures", "--scale", scale, "--out"])
        .arg(&input)
        .output()
        .expect("reservpack fixtures runs");
    assert!(fixtures.status.success(), "fixtures failed: {}", String::from_utf8_lossy(&fixtures.stderr));
    println!("fixtures ({scale}) in {:.1} s: {}", t.elapsed().as_secs_f64(), String::from_utf8_lossy(&fixtures.stderr).trim());

    // 2. The real thing, through the same front door as `generate` and the server.
    let date = chrono::NaiveDate::parse_from_str(DATE, "%Y-%m-%d").unwrap();
    let t = Instant::now();
    let engine = Engine::new();
    let report = engine.run(&Request::new(&input, &out, date, "benchmark")).expect("the run");
    let wall = t.elapsed().as_secs_f64();
    let peak_mb = peak_rss_self_mb();
    assert!(
        matches!(report.outcome, Outcome::Published | Outcome::PublishedWithProblems),
        "the run did not publish: {:?} {:?}",
        report.outcome,
        report.errors
    );
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let docs = manifest["documents"].as_array().unwrap();
    let pages = report.counts.pages;
    let schema_pages: u64 = docs.iter().filter(|d| d["kind"] == "schema").map(|d| d["pages"].as_u64().unwrap()).sum();
    let schema_docs = docs.iter().filter(|d| d["kind"] == "schema").count();
    let ours = pages as f64 / wall;

    // 3. The engine's limit, same process: 400 of the city's schedules as one document; and
    //    the day's schedules alone through the real per-document renderer, for the same pages.
    let (reference, schedules) = reference_and_schedules(&engine, &input, tmp.path());

    println!(
        "Engine::run (one day, whole pack): {} documents, {pages} pages ({schema_docs} schedules, {schema_pages} schedule pages) in {wall:.1} s",
        report.counts.documents
    );
    println!("  throughput: {ours:.1} pages/s, peak memory {peak_mb:.0} MB");
    println!(
        "reference (400 schedules as ONE Typst document, this process): {:.1} pages/s ({} pages in {:.2} s)",
        reference.0, reference.1, reference.2
    );
    println!(
        "schedules alone, per-document on 2 threads, written to disk: {} documents, {} pages in {:.1} s = {:.1} pages/s",
        schedules.0,
        schedules.1,
        schedules.2,
        schedules.1 as f64 / schedules.2
    );
    println!("ratio, the day's schedules vs the one-document limit: {:.2} (target ≥ 0.80)", schedules.1 as f64 / schedules.2 / reference.0);
    println!(
        "ratio, whole pack vs the one-document limit: {:.2}; peak memory {} 1 GiB",
        ours / reference.0,
        if peak_mb < 1024.0 { "under" } else { "OVER" }
    );
    let _ = std::fs::remove_dir_all(tmp.path());
}

/// The in-process reference alone: 400 of the fixtures' schedules as ONE Typst document,
/// median of 3 compiles.
fn reference_only(input: &Path) {
    let engine = Engine::new();
    let date = chrono::NaiveDate::parse_from_str(DATE, "%Y-%m-%d").unwrap();
    let scratch = tempfile::tempdir().expect("temp dir");
    let (jobs, renderer) = engine.plan(&Request::new(input, scratch.path().join("unused"), date, "benchmark")).expect("fixtures plan");
    let schedules: Vec<&dyn Job> = jobs.iter().filter(|j| j.kind == DocKind::Schema).take(400).map(|j| j as &dyn Job).collect();
    let mut runs: Vec<(f64, usize)> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let pages = renderer.compile_as_one(&schedules).expect("reference compiles");
            (t.elapsed().as_secs_f64(), pages)
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (secs, pages) = runs[1];
    println!("reference in-process: {pages} pages in {secs:.2} s = {:.1} pages/s (median of 3)", pages as f64 / secs);
}

/// Pages per second of each kind the nightly run renders, on up to 600 pages of each.
fn per_kind(input: &Path) {
    let engine = Engine::new();
    let date = chrono::NaiveDate::parse_from_str(DATE, "%Y-%m-%d").unwrap();
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut request = Request::new(input, scratch.path().join("unused"), date, "benchmark");
    request.config = std::env::var_os("RESERVPACK_BENCH_CONFIG").map(Into::into);
    let (jobs, renderer) = engine.plan(&request).expect("fixtures plan");
    // `RESERVPACK_BENCH_KIND_LIST=blankett,personkort` (manifest names, or `all`): other kinds.
    let nightly = [DocKind::Schema, DocKind::PlaneradeBesok, DocKind::Genomforandeplan, DocKind::Innehall, DocKind::Egenkontroll];
    let kinds: Vec<DocKind> = match std::env::var("RESERVPACK_BENCH_KIND_LIST") {
        Ok(list) if list == "all" => DocKind::ALL.to_vec(),
        Ok(list) => DocKind::ALL.into_iter().filter(|k| list.split(',').any(|n| n.trim() == k.as_str())).collect(),
        Err(_) => nightly.to_vec(),
    };
    // `RESERVPACK_BENCH_KIND_PAGES=3000`: more pages per kind (a longer run, e.g. to profile).
    let cap: usize = std::env::var("RESERVPACK_BENCH_KIND_PAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(600);
    for kind in kinds {
        let mut pages = 0;
        let mine: Vec<&reservpack::plan::DocJob> = jobs
            .iter()
            .filter(|j| j.kind == kind)
            .take_while(|j| {
                pages += j.pages_hint;
                pages <= cap
            })
            .collect();
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let results = renderer.render_all(&mine, 2, &|| {}, |_, _| Ok(()));
        let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        let pages: usize = results.into_iter().map(|r| r.expect("renders")).sum();
        println!(
            "{:<18} {:>4} documents {:>5} pages in {secs:>6.2} s = {:>6.1} pages/s, CPU {cpu:>6.2} s = {:>5.2} ms/page",
            kind.as_str(),
            mine.len(),
            pages,
            pages as f64 / secs,
            cpu * 1000.0 / pages as f64
        );
    }
}

/// Returns ((pages/s, pages, s) of the one-document reference, (documents, pages, s) of the
/// day's schedules rendered per document). The yardstick needs the run's documents unrendered
/// and unpublished: [`Engine::plan`] gives them, planned exactly as the run plans them.
fn reference_and_schedules(engine: &Engine, input: &Path, scratch: &Path) -> ((f64, usize, f64), (usize, usize, f64)) {
    let date = chrono::NaiveDate::parse_from_str(DATE, "%Y-%m-%d").unwrap();
    let (jobs, renderer) = engine.plan(&Request::new(input, scratch.join("unused"), date, "benchmark")).expect("fixtures plan");
    let schedules: Vec<&dyn Job> = jobs.iter().filter(|j| j.kind == DocKind::Schema).take(400).map(|j| j as &dyn Job).collect();
    let t = Instant::now();
    let pages = renderer.compile_as_one(&schedules).expect("reference compiles");
    let secs = t.elapsed().as_secs_f64();

    let all: Vec<&reservpack::plan::DocJob> = jobs.iter().filter(|j| j.kind == DocKind::Schema).collect();
    let dir = scratch.join("schedules");
    std::fs::create_dir_all(&dir).unwrap();
    let t = Instant::now();
    let results = renderer.render_all(&all, 2, &|| {}, |i, pdf| std::fs::write(dir.join(format!("{i}.pdf")), &pdf.bytes));
    let sched_secs = t.elapsed().as_secs_f64();
    let sched_pages: usize = results.into_iter().map(|r| r.expect("schedule renders")).sum();
    ((pages as f64 / secs, pages, secs), (all.len(), sched_pages, sched_secs))
}

//! `reservpack generate`: one run of the library ([`reservpack::Engine::run`]) for the flags
//! given, printed as the CLI always has: messages about input and failures on stderr, the
//! summary on stdout, and the exit code of FORMATS.md.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use reservpack::run::{Failure, Outcome, Progress, Request, Scope};
use reservpack::{Engine, Report};

use super::{EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_diagnostics, tomorrow};
use crate::cli;

pub fn generate(args: cli::GenerateArgs) -> anyhow::Result<u8> {
    let scope = match (args.person, args.unit) {
        (Some(_), Some(_)) => {
            eprintln!("fel: ange antingen --person eller --unit, inte båda");
            return Ok(EXIT_USAGE);
        }
        (Some(p), None) => Scope::Person(p),
        (None, Some(u)) => Scope::Unit(u),
        (None, None) => Scope::All,
    };
    let mut request = Request::new(&args.input, &args.out, args.date.unwrap_or_else(tomorrow), "reservpack generate");
    request.days = args.days;
    let person_run = matches!(scope, Scope::Person(_));
    request.scope = scope;
    request.strict = args.strict;
    request.config = args.config;
    request.data_as_of = args.data_as_of;
    let bar = Arc::new(Mutex::new(None));
    request.progress = Some(progress_bar(bar.clone()));
    let report = Engine::new().run(&request).map_err(|e| e.into_anyhow())?;
    if let Some(b) = bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
        b.finish_and_clear();
    }
    Ok(print(&report, &args.out, !person_run))
}

/// Prints the report; returns the exit code.
/// `days`: print the days the run covered (not for one person's run: it makes no schedules).
fn print(report: &Report, out: &std::path::Path, days: bool) -> u8 {
    if let Some(w) = &report.widened {
        eprintln!("{w}");
    }
    print_diagnostics(&report.diagnostics);
    let failure = match &report.outcome {
        Outcome::Locked(message) => {
            eprintln!("fel: {message}");
            return EXIT_LOCKED;
        }
        Outcome::Failed(f) => f,
        Outcome::Published | Outcome::PublishedWithProblems | Outcome::Unchanged => return print_summary(report, out, days),
    };
    for e in &report.errors {
        eprintln!("fel: {e}");
    }
    match failure {
        Failure::UnknownUnit(_) | Failure::UnknownPerson(_) => {
            eprintln!("fel: {failure}");
            EXIT_USAGE
        }
        _ => {
            eprintln!("{failure}");
            EXIT_FAILED
        }
    }
}

fn print_summary(report: &Report, out: &std::path::Path, days: bool) -> u8 {
    let c = &report.counts;
    let secs = report.elapsed.as_secs_f64();
    println!(
        "Klart: {} dokument ({} nya eller ändrade, {} oförändrade, {} borttagna), {} sidor ({} skapade) på {:.1} s, {:.0} sidor/s. {} dataproblem, {} varningar. Pack i {}",
        c.documents,
        c.rendered,
        c.kept,
        c.removed,
        c.pages,
        c.rendered_pages,
        secs,
        c.rendered_pages as f64 / secs.max(0.001),
        c.problems,
        c.warnings,
        out.display()
    );
    if days {
        let n = report.days.len();
        println!(
            "Scheman och planerade besök för {n} {}: {}.",
            if n == 1 { "dag" } else { "dagar" },
            reservpack::horizon::describe(&report.days)
        );
    }
    if c.rendered == 0 {
        println!("Inget dokument har ändrats sedan förra körningen; inget skapades om.");
    }
    let (sheets, pages) = report.shred_totals();
    if sheets > 0 {
        let units: std::collections::BTreeSet<&str> = report.shred.iter().map(|l| l.unit.as_str()).collect();
        if report.shred_pdfs.len() <= 4 {
            let lists: Vec<String> = report.shred_pdfs.iter().map(|p| out.join(p).display().to_string()).collect();
            println!("Att strimla: {sheets} dokument ({pages} sidor) – se gallringslistan: {}", lists.join(", "));
        } else {
            println!(
                "Att strimla: {sheets} dokument ({pages} sidor) i {} enheter – se gallringslista.pdf i varje enhets mapp (och i begransad/)",
                units.len()
            );
        }
    } else if !report.shred_pdfs.is_empty() {
        println!("Inget utskrivet blad behöver strimlas efter denna körning.");
    }
    if c.problems > 0 { EXIT_PROBLEMS } else { EXIT_OK }
}

/// A progress bar on a terminal while documents are rendered.
fn progress_bar(slot: Arc<Mutex<Option<indicatif::ProgressBar>>>) -> Arc<dyn Fn(Progress) + Send + Sync> {
    Arc::new(move |p| {
        let mut bar = slot.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            Progress::Rendering { total } if total > 0 && std::io::stderr().is_terminal() => {
                let b = indicatif::ProgressBar::new(total as u64);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} Skapar dokument {pos}/{len} [{bar:40}] {per_sec} – cirka {eta} kvar",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                *bar = Some(b);
            }
            Progress::Rendered => {
                if let Some(b) = bar.as_ref() {
                    b.inc(1);
                }
            }
            Progress::Stage(_) => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            Progress::Rendering { .. } => {}
        }
    })
}

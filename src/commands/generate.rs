//! `reservpack generate`: the whole chain ingest → privacy → plan → render → publish.

use std::io::IsTerminal;
use std::time::Instant;

use chrono::NaiveDate;

use reservpack::config::Config;
use reservpack::diag::Severity;
use reservpack::plan::{DocJob, Scope};
use reservpack::publish::{Diff, Entry, Manifest, Publisher};
use reservpack::render::{Renderer, Templates};
use reservpack::retention::Rules;
use reservpack::{ingest, plan, privacy, render};

use super::{EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_diagnostics, tomorrow};
use crate::cli;

pub fn generate(args: cli::GenerateArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let date = args.date.unwrap_or_else(tomorrow);
    let days: Vec<NaiveDate> = (0..args.days).filter_map(|i| date.checked_add_days(chrono::Days::new(i.into()))).collect();
    let config = Config::load(args.config.as_deref(), &args.input)?;
    let templates = Templates::load(config.mallkatalog.as_deref())?;

    // Lock first: a second run is refused before it reads anything.
    let publisher = Publisher::open(&args.out)?;

    let loaded = match ingest::load(&args.input, &config, date) {
        Ok(l) => l,
        Err(ingest::IngestError::Fatal(diags)) => {
            print_diagnostics(&diags);
            eprintln!("Inget publicerades: {} fel gör att indata inte kan läsas. Tidigare pack är orört.", diags.len());
            return Ok(EXIT_FAILED);
        }
    };
    let (cleared, privacy_diags) = privacy::clear(loaded.dataset, date);
    let mut diags = loaded.diagnostics;
    diags.extend(privacy_diags);
    print_diagnostics(&diags);
    let problems = diags.iter().filter(|d| d.severity == Severity::Problem).count();
    if problems > 0 && args.strict {
        eprintln!("Inget publicerades (--strict): {problems} dataproblem. Tidigare pack är orört.");
        return Ok(EXIT_FAILED);
    }
    if let Some(u) = &args.unit {
        if !cleared.units.iter().any(|unit| &unit.id == u) {
            eprintln!("fel: enheten {u} finns inte i enheter.csv");
            return Ok(EXIT_USAGE);
        }
    }
    if let Some(p) = &args.person {
        if !cleared.persons.iter().any(|person| &person.id == p) {
            eprintln!("fel: person_id {p} finns inte i personer.csv");
            return Ok(EXIT_USAGE);
        }
    }

    let rules = Rules::from_config(&config);
    let scope = Scope { days: days.clone() };
    let mut jobs = plan::plan(&cleared, &scope, &rules, &templates, &diags);
    jobs.retain(|j| in_scope(j, &args));

    // Incremental: what is unchanged since the published pack is carried over, not rendered.
    let previous = publisher.previous().cloned().unwrap_or_default();
    let mut to_render: Vec<&DocJob> = Vec::new();
    let mut kept = 0usize;
    for job in &jobs {
        let same = previous.get(&job.id).is_some_and(|e| e.version == job.version && e.path == job.path);
        if same && publisher.keep(&job.path).is_ok() {
            kept += 1;
        } else {
            to_render.push(job);
        }
    }

    render::init_thread_pool(2);
    let renderer = Renderer::new(templates, date)?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
    let bar = progress_bar(to_render.len() as u64);
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let results = renderer.render_all(&to_render, threads, &tick, |i, pdf| publisher.write(&to_render[i].path, &pdf.bytes));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let mut failed = 0usize;
    let mut rendered_pages = std::collections::HashMap::new();
    for (job, r) in to_render.iter().zip(results) {
        match r {
            Ok(pages) => {
                rendered_pages.insert(job.id.clone(), pages);
            }
            Err(e) => {
                failed += 1;
                eprintln!("fel: {e}");
            }
        }
    }
    if failed > 0 {
        eprintln!("Inget publicerades: {failed} dokument kunde inte skapas. Tidigare pack är orört.");
        return Ok(EXIT_FAILED);
    }

    let printed = date.format("%Y-%m-%d").to_string();
    let mut documents: Vec<Entry> = Vec::new();
    for job in &jobs {
        let (pages, printed_on) = match rendered_pages.get(&job.id) {
            Some(p) => (*p, printed.clone()),
            None => {
                let e = previous.get(&job.id).expect("kept documents are in the previous manifest");
                (e.pages, e.printed.clone())
            }
        };
        documents.push(entry(job, pages, printed_on));
    }
    // Documents outside this run's scope stay published.
    let planned: std::collections::HashSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    for e in &previous.documents {
        if !planned.contains(e.id.as_str()) && carried_over(e, &days, &args) && publisher.keep(&e.path).is_ok() {
            documents.push(e.clone());
        }
    }
    documents.sort_by(|a, b| (&a.unit, a.audience, &a.kind, &a.path).cmp(&(&b.unit, b.audience, &b.kind, &b.path)));
    let manifest = Manifest { generated_for: printed.clone(), documents };
    let total_pages: usize = manifest.documents.iter().map(|d| d.pages).sum();
    let new_pages: usize = rendered_pages.values().sum();
    let diff = Diff::between(&previous, &manifest);
    // Derived files (not in the manifest): shred lists, then print batches. Both go into the
    // new generation and so are published, or not, together with the documents.
    let _ = &diff; // shred lists (issue 6) and print batches (issue 7) hook in here.
    publisher.commit(&manifest)?;

    let secs = started.elapsed().as_secs_f64();
    let warnings = diags.iter().filter(|d| d.severity == Severity::Warning).count();
    println!(
        "Klart: {} dokument ({} nya eller ändrade, {} oförändrade), {} sidor ({} skapade) på {:.1} s, {:.0} sidor/s. {} dataproblem, {} varningar. Pack i {}",
        manifest.documents.len(),
        rendered_pages.len(),
        kept,
        total_pages,
        new_pages,
        secs,
        new_pages as f64 / secs.max(0.001),
        problems,
        warnings,
        args.out.display()
    );
    Ok(if problems > 0 { EXIT_PROBLEMS } else { EXIT_OK })
}

fn in_scope(job: &DocJob, args: &cli::GenerateArgs) -> bool {
    if let Some(p) = &args.person {
        return job.person.as_deref() == Some(p.as_str());
    }
    if let Some(u) = &args.unit {
        return &job.unit == u;
    }
    true
}

/// Whether a published document not planned in this run stays: dated documents of other
/// days always do; with `--person`/`--unit`, everything outside that scope does.
fn carried_over(e: &Entry, days: &[NaiveDate], args: &cli::GenerateArgs) -> bool {
    let dated_elsewhere = e.date.as_deref().is_some_and(|d| !days.iter().any(|day| day.format("%Y-%m-%d").to_string() == d));
    if dated_elsewhere {
        return true;
    }
    if let Some(p) = &args.person {
        // Everything but this person's documents stays; theirs not planned now are removed.
        return e.person.as_deref() != Some(reservpack::plan::person_key(p).as_str());
    }
    if let Some(u) = &args.unit {
        return &e.unit != u;
    }
    false
}

fn entry(job: &DocJob, pages: usize, printed: String) -> Entry {
    Entry {
        id: job.id.clone(),
        kind: job.kind.to_string(),
        unit: job.unit.clone(),
        audience: job.audience,
        path: job.path.clone(),
        pages,
        version: job.version.clone(),
        gallring: job.gallring.manifest_text(),
        date: job.date.map(|d| d.format("%Y-%m-%d").to_string()),
        label: job.label.clone(),
        subject: job.subject.clone(),
        storage: job.storage.clone(),
        person: job.person.as_deref().map(reservpack::plan::person_key),
        printed,
    }
}

fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || len == 0 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} Skapar dokument {pos}/{len} [{bar:40}] {per_sec} – cirka {eta} kvar")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(bar)
}

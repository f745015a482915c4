//! `reservpack gallra`: deletes the digital copies whose gallring date has come (issue 6).
//!
//! A document is due when its gallring date (the manifest's `gallring`, when it is a date)
//! is on or before `--today` (default: today in Europe/Stockholm) — the same rule as the
//! gallringslista's "Gallringsdatum har passerat". Due documents leave the manifest and the
//! disk in one new generation, published like a `generate` run (atomically, under the lock);
//! the history records them, so `verify` can tell what became of a sheet. Documents with a
//! rule instead of a date ("när ny version skrivs ut") are never deleted by date.
//! Says what it deleted: id, version, kind, unit, gallring date — never a person's name.

use std::collections::HashSet;

use chrono::NaiveDate;

use reservpack::plan::Audience;
use reservpack::publish::history::{self, Ended, Reason};
use reservpack::publish::{Entry, Manifest, Publisher, batch};

use super::{EXIT_FAILED, EXIT_OK};
use crate::cli;

pub fn run(args: cli::GallraArgs) -> anyhow::Result<u8> {
    let today = args.today.unwrap_or_else(today_in_sweden);
    let mut publisher = Publisher::open_as(&args.out, "reservpack gallra")?;
    let Some(previous) = publisher.take_previous()? else {
        eprintln!("fel: det finns inget publicerat pack i {}", args.out.display());
        return Ok(EXIT_FAILED);
    };
    let due = |gallring: &str| NaiveDate::parse_from_str(gallring, "%Y-%m-%d").is_ok_and(|g| g <= today);
    let (gone, kept): (Vec<_>, Vec<_>) = previous.documents.iter().cloned().partition(|e| due(&e.gallring));
    if gone.is_empty() {
        println!(
            "Inget att gallra {}: inget av packets {} dokument har passerat sitt gallringsdatum.",
            today.format("%Y-%m-%d"),
            previous.documents.len()
        );
        return Ok(EXIT_OK);
    }
    let mut drop: HashSet<String> = gone.iter().map(|e| e.path.clone()).collect();
    // A print batch holds copies of its documents' pages: the batches of every unit and
    // audience that lost a document go too (the next `generate` makes new ones).
    let dropped_batches = drop_batches(&publisher, &gone, &mut drop)?;
    publisher.keep_all_except(&drop)?;
    let ended: Vec<(String, Ended)> =
        gone.iter().map(|e| (history::unit_dir(&e.path).to_string(), Ended::of(e, today, Reason::Expired, None))).collect();
    history::record(&publisher, ended, today)?;
    let manifest = Manifest { generated_for: previous.generated_for.clone(), documents: kept };
    publisher.commit(&manifest)?;

    let pages: usize = gone.iter().map(|e| e.pages).sum();
    println!(
        "Gallrade {} dokument ({} sidor) vars gallringsdatum har passerat ({}); {} dokument finns kvar i {}:",
        gone.len(),
        pages,
        today.format("%Y-%m-%d"),
        manifest.documents.len(),
        args.out.display()
    );
    for e in &gone {
        println!(
            "  {} v{}  {}  {}  gallringsdatum {}  {}",
            e.id,
            &e.version[..e.version.len().min(8)],
            e.label,
            e.unit,
            e.gallring,
            e.path
        );
    }
    if dropped_batches > 0 {
        println!("{dropped_batches} utskriftsbuntar med gallrade dokument togs också bort; nästa generate skapar nya.");
    }
    println!("Strimla de utskrivna exemplaren också, om det inte redan är gjort (se gallringslistan).");
    Ok(EXIT_OK)
}

/// Adds the batches holding any of `gone` to `drop` and writes the print manifest without
/// them. Returns how many batches go.
fn drop_batches(publisher: &Publisher, gone: &[Entry], drop: &mut HashSet<String>) -> anyhow::Result<usize> {
    let Some(path) = publisher.current_path(batch::PRINT_MANIFEST).filter(|p| p.is_file()) else { return Ok(0) };
    let rows = batch::read_print_manifest(&path)?;
    let affected: HashSet<(&str, Audience)> = gone.iter().map(|e| (e.unit.as_str(), e.audience)).collect();
    let (out, keep): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| affected.contains(&(r.unit.as_str(), r.audience)));
    if out.is_empty() {
        return Ok(0);
    }
    drop.extend(out.iter().map(|r| r.batch.clone()));
    drop.insert(batch::PRINT_MANIFEST.to_string());
    publisher.write(batch::PRINT_MANIFEST, &batch::print_manifest_csv(&keep))?;
    Ok(out.len())
}

fn today_in_sweden() -> NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).date_naive()
}

//! `reservpack print`: sends print batches to a CUPS printer with `lp` (issue 7).
//!
//! Reads `out/print-manifest.csv`, picks the full batches (or, with `--delta`, the delta
//! batches) of every unit or of `--unit`, checks each file against its sha256 in the print
//! manifest, and sends each as one duplex job. A run builds delta batches only
//! ([`reservpack::publish::batch::Full`]): the full batches are built here first, where the
//! pack has none yet. The printer: `--printer`, else the environment
//! variable `RESERVPACK_PRINTER`, else lp's default destination. `--dry-run` prints the `lp`
//! commands, one per batch, and sends nothing. Holds the output directory's lock while it
//! sends (so a run cannot replace the pack halfway); job titles hold no person data.
//!
//! General batches only, by default. The enhetschef's restricted batches (`begransad/print/`)
//! go out only with `--begransad`, and then only they, and only to the printer named for
//! restricted material (`--printer`, the config's `skrivare_begransad`, or
//! `RESERVPACK_PRINTER_BEGRANSAD`) — never to a default printer in a print room.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use reservpack::plan::{Audience, hex};
use reservpack::publish::batch::{BatchKind, BatchRow, PRINT_MANIFEST, read_print_manifest};
use reservpack::publish::{PublishError, Publisher, published_dir, published_file};

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli;

/// The environment variable naming the default printer.
pub const PRINTER_ENV: &str = "RESERVPACK_PRINTER";
/// The environment variable naming the printer for restricted batches.
pub const RESTRICTED_PRINTER_ENV: &str = "RESERVPACK_PRINTER_BEGRANSAD";

pub fn run(args: cli::PrintArgs) -> anyhow::Result<u8> {
    let manifest_path = args.out.join(PRINT_MANIFEST);
    // Only the pack's own files are read and sent (issue 13): the pack is checked first, and
    // every file must lead into it; a planted link or file is an error naming it.
    published_dir(&args.out)?;
    if !manifest_path.exists() {
        eprintln!("fel: {} finns inte – kör reservpack generate först", manifest_path.display());
        return Ok(EXIT_FAILED);
    }
    // A run builds delta batches only; the full ones are made here when first asked for
    // (FORMATS.md), under the pack's lock, as a new generation.
    if !args.delta {
        let config = match &args.config {
            Some(path) => reservpack::config::Config::load(Some(path), Path::new("."))?,
            None => reservpack::config::Config::default(),
        };
        let audience = if args.begransad { Audience::Enhetschef } else { Audience::Personal };
        let wanted = |unit: &str, a: Audience| a == audience && args.unit.as_ref().is_none_or(|u| u == unit);
        let engine = reservpack::Engine::new();
        if let Some(summary) = engine.build_full_batches(&args.out, "reservpack print", &config, &wanted).map_err(|e| e.into_anyhow())?
            && summary.built > 0
        {
            eprintln!("Skapade {} hela utskriftsbuntar på {:.1} s.", summary.built, summary.seconds);
        }
    }
    // Hold the lock while sending, so the pack is not switched under lp (not for a dry run).
    let _lock = if args.dry_run { None } else { Some(Publisher::lock_as(&args.out, "reservpack print")?) };
    let manifest_path = published_file(&args.out, PRINT_MANIFEST)?;
    let rows = read_print_manifest(&manifest_path).map_err(|e| anyhow::anyhow!("{}: {e}", manifest_path.display()))?;
    let known_unit = |u: &str| {
        rows.iter().any(|r| r.unit == u)
            || published_file(&args.out, "manifest.json")
                .ok()
                .and_then(|p| reservpack::publish::read_manifest(&p).ok())
                .is_some_and(|m| m.documents.iter().any(|e| e.unit == u))
    };
    if let Some(u) = &args.unit
        && !known_unit(u)
    {
        eprintln!("fel: enheten {u} har inga utskriftsbuntar i {}", manifest_path.display());
        return Ok(EXIT_USAGE);
    }
    let wanted = if args.delta { BatchKind::Delta } else { BatchKind::Full };
    let audience = if args.begransad { Audience::Enhetschef } else { Audience::Personal };
    let selected: Vec<&BatchRow> = rows
        .iter()
        .filter(|r| args.unit.as_ref().is_none_or(|u| &r.unit == u))
        .filter(|r| r.audience == audience)
        .filter(|r| kind_of(&r.batch) == Some(wanted))
        .collect();
    let env = |name: &str| std::env::var(name).ok().filter(|p| !p.trim().is_empty());
    let printer = if args.begransad {
        let configured = match &args.config {
            Some(path) => reservpack::config::Config::load(Some(path), Path::new("."))?.skrivare_begransad,
            None => None,
        };
        let Some(p) = args.printer.clone().or(configured).or_else(|| env(RESTRICTED_PRINTER_ENV)) else {
            eprintln!(
                "fel: ange skrivaren för begränsat material med --printer, skrivare_begransad i konfigurationen (--config) eller {RESTRICTED_PRINTER_ENV}; begränsade buntar skickas aldrig till standardskrivaren"
            );
            return Ok(EXIT_USAGE);
        };
        Some(p)
    } else {
        args.printer.clone().or_else(|| env(PRINTER_ENV))
    };

    if selected.is_empty() {
        eprintln!(
            "Inga {} att skriva ut{}.",
            if args.delta { "ändringsbuntar (inget nytt eller ändrat sedan förra körningen)" } else { "utskriftsbuntar" },
            args.unit.as_ref().map(|u| format!(" för {u}")).unwrap_or_default()
        );
        return Ok(EXIT_OK);
    }

    let mut failed = 0usize;
    let mut sheets = 0usize;
    for row in &selected {
        let file = match published_file(&args.out, &row.batch) {
            Ok(f) => f,
            // Missing: reported with the others below (sent nothing, or a dry run's line).
            Err(PublishError::Io { .. }) => args.out.join(&row.batch),
            Err(e) => return Err(e.into()),
        };
        let command = lp_command(printer.as_deref(), row, &file);
        if args.dry_run {
            println!("{}", shell_line(&command));
            sheets += row.sheets;
            continue;
        }
        match std::fs::read(&file) {
            Ok(bytes) if hex(&Sha256::digest(&bytes)) == row.sha256 => {}
            Ok(_) => {
                eprintln!("fel: {} stämmer inte med sin kontrollsumma i {PRINT_MANIFEST}; skickas inte", row.batch);
                failed += 1;
                continue;
            }
            Err(e) => {
                eprintln!("fel: {}: {e}", file.display());
                failed += 1;
                continue;
            }
        }
        match Command::new(&command[0]).args(&command[1..]).output() {
            Ok(o) if o.status.success() => {
                sheets += row.sheets;
                let answer = String::from_utf8_lossy(&o.stdout).trim().to_string();
                println!("Skickade {} ({} sidor, {} ark): {answer}", row.batch, row.pages, row.sheets);
                if row.audience == Audience::Enhetschef {
                    println!("  Begränsad bunt: hämtas direkt vid skrivaren och lämnas till enhetschefen.");
                }
            }
            Ok(o) => {
                failed += 1;
                eprintln!("fel: lp kunde inte skriva ut {}: {}", row.batch, String::from_utf8_lossy(&o.stderr).trim());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("fel: kommandot lp finns inte; installera CUPS-klienten (t.ex. paketet cups-client)");
                return Ok(EXIT_FAILED);
            }
            Err(e) => {
                failed += 1;
                eprintln!("fel: lp kunde inte startas för {}: {e}", row.batch);
            }
        }
    }
    let target = printer.as_deref().map(|p| format!("skrivaren {p}")).unwrap_or_else(|| "standardskrivaren".into());
    if args.dry_run {
        eprintln!("Torrkörning: {} buntar, {sheets} ark till {target}. Inget skickades.", selected.len());
    } else if failed > 0 {
        eprintln!("{failed} av {} buntar kunde inte skickas till {target}.", selected.len());
        return Ok(EXIT_FAILED);
    } else {
        eprintln!("Klart: {} buntar, {sheets} ark skickade till {target}.", selected.len());
    }
    Ok(EXIT_OK)
}

/// Full or delta, from the batch's file name (`…/full-DATE.pdf`, `…/delta-DATE.pdf`).
fn kind_of(batch: &str) -> Option<BatchKind> {
    let name = Path::new(batch).file_name()?.to_str()?;
    [BatchKind::Full, BatchKind::Delta].into_iter().find(|k| name.starts_with(&format!("{}-", k.stem())))
}

/// `lp [-d PRINTER] -n 1 -o sides=two-sided-long-edge -o media=A4 -t TITLE FILE`.
fn lp_command(printer: Option<&str>, row: &BatchRow, file: &Path) -> Vec<String> {
    let mut c = vec!["lp".to_string()];
    if let Some(p) = printer {
        c.push("-d".into());
        c.push(p.into());
    }
    let name = Path::new(&row.batch).file_stem().and_then(|s| s.to_str()).unwrap_or("bunt");
    let title = match row.audience {
        Audience::Personal => format!("reservpack {} {name}", row.unit),
        Audience::Enhetschef => format!("reservpack BEGRÄNSAD {} {name}", row.unit),
    };
    for arg in ["-n", "1", "-o", "sides=two-sided-long-edge", "-o", "media=A4", "-t"] {
        c.push(arg.into());
    }
    c.push(title);
    c.push(PathBuf::from(file).to_string_lossy().into_owned());
    c
}

/// The command as one line a shell would run (single-quoted where needed).
fn shell_line(command: &[String]) -> String {
    command
        .iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

//! `reservpack export` and `reservpack verify --offline` (issue 17): one unit's pack as
//! plain files on an encrypted USB stick, and checking such a copy without the pack.

use std::path::Path;

use reservpack::export::{self, ExportError};

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli;

pub fn run(args: cli::ExportArgs) -> anyhow::Result<u8> {
    match export::export(&args.out, &args.unit, &args.to, args.begransad) {
        Ok(r) => {
            println!("Klart: {} dokument från {} ({}) kopierade till {}", r.documents, r.unit_name, args.unit, r.dir.display());
            println!(
                "  {} filer, {:.1} MB, {} ifyllbara blanketter{}. Kopian gäller per {}; inaktuell efter nästa utskrift.",
                r.files,
                r.bytes as f64 / 1e6,
                r.fillable,
                if r.fillable_skipped > 0 { format!(" ({} blanketter utan ifyllbar kopia)", r.fillable_skipped) } else { String::new() },
                r.valid_for
            );
            if r.restricted > 0 {
                println!(
                    "  {} begränsade dokument i mappen \"{}\": USB-minnet förvaras inlåst hos enhetschefen.",
                    r.restricted,
                    export::layout::RESTRICTED_DIR
                );
            }
            println!("  Kontrollera kopian: reservpack verify --offline \"{}\"", r.dir.display());
            Ok(EXIT_OK)
        }
        Err(e @ (ExportError::Target(_) | ExportError::UnknownUnit { .. })) => {
            eprintln!("fel: {e}");
            Ok(EXIT_USAGE)
        }
        Err(e) => Err(e.into()),
    }
}

/// `verify --offline TARGET`: exit 0 if every copy found is complete and unaltered, else 1.
pub fn verify_offline(target: &Path) -> anyhow::Result<u8> {
    let checks = match export::verify_offline(target) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("fel: {e}");
            return Ok(EXIT_FAILED);
        }
    };
    let mut bad = 0;
    for c in &checks {
        if c.ok() {
            println!("OK: {} är komplett och oförändrad ({} filer).", c.dir.display(), c.files);
        } else {
            bad += 1;
            println!("FEL: {} är inte en hel kopia – använd den inte; gör en ny export.", c.dir.display());
            for p in c.problems.iter().take(20) {
                println!("  {p}");
            }
            if c.problems.len() > 20 {
                println!("  … och {} fel till", c.problems.len() - 20);
            }
        }
    }
    Ok(if bad == 0 { EXIT_OK } else { EXIT_FAILED })
}

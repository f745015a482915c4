//! ingest: reads the export directory into a typed, validated [`Dataset`].
//!
//! One file per source (`welfare`: planned visits; `treserva`: person cards, relatives,
//! plans, assignments, health-care orders; `timecare`: shifts; `contacts`: units, staff,
//! unit contacts), the shared readers (`table` for CSV: encoding, delimiter, header
//! mapping; `json`), the value parsers (`values`) and the cross-file checks (`validate`).
//! Every message carries file, line and column. A file that cannot be read is fatal; a bad
//! row is left out and reported as a problem; nothing is dropped without a message.

mod contacts;
pub mod json;
mod rows;
pub mod table;
mod timecare;
mod treserva;
mod validate;
pub mod values;
mod welfare;

use std::path::Path;

use chrono::NaiveDate;

use crate::config::Config;
use crate::diag::{Diagnostic, Severity};
use crate::model::Dataset;

/// The result of reading: valid records and every message (warnings and problems).
pub struct Loaded {
    pub dataset: Dataset,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Files that cannot be read at all; nothing may be published.
    #[error("indata kan inte läsas ({} fel)", .0.len())]
    Fatal(Vec<Diagnostic>),
}

/// A file's bytes, or `None` when it is absent.
pub(crate) fn read_file(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, Diagnostic> {
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic::fatal(name, 0, 0, format!("filen kan inte läsas: {e}"))),
    }
}

/// Reads every canonical file in `dir`. `date` is the service day (personnummer centuries,
/// lokalt skydd limits).
pub fn load(dir: &Path, config: &Config, date: NaiveDate) -> Result<Loaded, IngestError> {
    if !dir.is_dir() {
        return Err(IngestError::Fatal(vec![Diagnostic::fatal(
            dir.display().to_string(),
            0,
            0,
            "indatakatalogen finns inte",
        )]));
    }
    let mut diags = Vec::new();
    let mut fatal = Vec::new();
    let mut data = Dataset::default();
    let mut ctx = rows::Ctx { dir, config, date, diags: &mut diags, fatal: &mut fatal };

    data.units = contacts::units(&mut ctx);
    data.employees = contacts::employees(&mut ctx);
    data.contacts = contacts::unit_contacts(&mut ctx);
    data.persons = treserva::persons(&mut ctx);
    treserva::relatives(&mut ctx, &mut data.persons);
    data.plans = treserva::plans(&mut ctx);
    data.assignments = treserva::assignments(&mut ctx);
    data.health_orders = treserva::health_orders(&mut ctx);
    data.visits = welfare::visits(&mut ctx);
    data.shifts = timecare::shifts(&mut ctx);
    data.routines = contacts::routines(&mut ctx);

    if !fatal.is_empty() {
        fatal.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(IngestError::Fatal(fatal));
    }
    validate::check(&mut data, config, date, &mut diags);
    diags.sort_by(|a, b| (&a.file, a.line, a.col, &a.message).cmp(&(&b.file, b.line, b.col, &b.message)));
    debug_assert!(diags.iter().all(|d| d.severity != Severity::Fatal));
    Ok(Loaded { dataset: data, diagnostics: diags })
}

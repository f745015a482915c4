//! ingest: reads the export directory into a typed, validated [`Dataset`].
//!
//! One file per source (`welfare`: planned visits; `treserva`: person cards, relatives,
//! plans, assignments, health-care orders; `timecare`: shifts; `contacts`: units, staff,
//! unit contacts), the shared readers (`table` for CSV: encoding, delimiter, header
//! mapping; `json`), the value parsers (`values`) and the cross-file checks (`validate`).
//! Every message carries file, line and column. A file that cannot be read is fatal; a bad
//! row is left out and reported as a problem; nothing is dropped without a message.

mod contacts;
#[cfg(test)]
mod fuzz;
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
use crate::confine::{self, Refusal};
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

/// A file's bytes, or `None` when it is absent. Only a regular file inside `dir` (after
/// resolving links) is read, and only up to its size limit (`[storleksgranser]`); anything
/// else is fatal, naming the file (issue 13).
pub(crate) fn read_file(dir: &Path, name: &str, config: &Config) -> Result<Option<Vec<u8>>, Diagnostic> {
    let (key, limit) = config.storleksgranser.for_file(name);
    match confine::read_inside(dir, &dir.join(name), INPUT_DIR, limit) {
        Ok(b) => Ok(Some(b)),
        Err(Refusal::Missing) => Ok(None),
        Err(e) => Err(Diagnostic::fatal(name, 0, 0, format!("{}; filen läses inte", refusal_text(&e, key)))),
    }
}

/// The folder an input file must lie in, as messages name it.
pub(crate) const INPUT_DIR: &str = "indatakatalogen";

/// A refusal as a message; one over the size limit says which config key raises it.
pub(crate) fn refusal_text(e: &Refusal, key: &str) -> String {
    match e {
        Refusal::TooLarge { .. } => format!("{e} (gränsen ändras med {key} under [storleksgranser] i reservpack.toml, i MiB)"),
        e => e.to_string(),
    }
}

/// Runs one reader, logging (debug) how long it took.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    tracing::debug!("inläsning {what}: {} ms", started.elapsed().as_millis());
    out
}

/// Which exports a run reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reading<'a> {
    /// Every file: a whole pack, a unit's, `check`.
    #[default]
    All,
    /// What one person's folder is made of (`generate --person`): not the planned visits
    /// (`besok.csv`) nor Time Care (`timecare.csv`), which no folder document shows, and of
    /// the Treserva JSON files only the records that mention this `person_id` (a city's
    /// 10,000 plans are not parsed for one). What is not read is not checked either.
    Person(&'a str),
    /// Only who the units, staff and persons are (`enheter.csv`, `personal.csv`,
    /// `personer.csv`): for finding a person by the pack's person key (the web page).
    People,
}

/// Reads every canonical file in `dir`. `date` is the service day (personnummer centuries,
/// lokalt skydd limits).
pub fn load(dir: &Path, config: &Config, date: NaiveDate) -> Result<Loaded, IngestError> {
    load_with(dir, config, date, Reading::All)
}

/// [`load`], reading only what `reading` needs.
pub fn load_with(dir: &Path, config: &Config, date: NaiveDate, reading: Reading<'_>) -> Result<Loaded, IngestError> {
    if !dir.is_dir() {
        return Err(IngestError::Fatal(vec![Diagnostic::fatal(dir.display().to_string(), 0, 0, "indatakatalogen finns inte")]));
    }
    let mut diags = Vec::new();
    let mut fatal = Vec::new();
    let mut data = Dataset::default();
    // The files are independent until `validate`: read in three groups at once (a city's
    // planned visits alone are a third of the work). Each group gathers its own messages;
    // they are sorted below, so the result does not depend on threads.
    let read = |f: &mut dyn FnMut(&mut rows::Ctx)| {
        let (mut d, mut x, mut r) = (Vec::new(), Vec::new(), std::collections::HashSet::new());
        let only_person = match reading {
            Reading::All | Reading::People => None,
            Reading::Person(id) => Some(id),
        };
        f(&mut rows::Ctx { dir, config, date, only_person, diags: &mut d, fatal: &mut x, restricted_ids: &mut r });
        (d, x, r)
    };
    let ((visits, shifts, d1, f1), (plans, assignments, orders, d2, f2)) = std::thread::scope(|s| {
        let welfare = s.spawn(|| {
            let (mut visits, mut shifts) = (Vec::new(), Vec::new());
            let (d, f, _) = read(&mut |ctx| {
                if reading == Reading::All {
                    visits = timed("welfare::visits", || welfare::visits(ctx));
                    shifts = timed("timecare::shifts", || timecare::shifts(ctx));
                }
            });
            (visits, shifts, d, f)
        });
        let treserva = s.spawn(|| {
            let (mut plans, mut assignments, mut orders) = (Vec::new(), Vec::new(), Vec::new());
            let (d, f, _) = read(&mut |ctx| {
                if reading != Reading::People {
                    plans = timed("treserva::plans", || treserva::plans(ctx));
                    assignments = timed("treserva::assignments", || treserva::assignments(ctx));
                    orders = timed("treserva::health_orders", || treserva::health_orders(ctx));
                }
            });
            (plans, assignments, orders, d, f)
        });
        let (d, f, r) = read(&mut |ctx| {
            data.units = timed("contacts::units", || contacts::units(ctx));
            data.employees = timed("contacts::employees", || contacts::employees(ctx));
            data.persons = timed("treserva::persons", || treserva::persons(ctx));
            if reading != Reading::People {
                data.contacts = timed("contacts::unit_contacts", || contacts::unit_contacts(ctx));
                timed("treserva::relatives", || treserva::relatives(ctx, &mut data.persons));
                data.routines = timed("contacts::routines", || contacts::routines(ctx));
            }
        });
        diags.extend(d);
        fatal.extend(f);
        data.restricted_ids = r;
        (welfare.join().expect("reading besok.csv and timecare.csv"), treserva.join().expect("reading the Treserva JSON files"))
    });
    (data.visits, data.shifts, data.plans, data.assignments, data.health_orders) = (visits, shifts, plans, assignments, orders);
    diags.extend(d1.into_iter().chain(d2));
    fatal.extend(f1.into_iter().chain(f2));

    if !fatal.is_empty() {
        fatal.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(IngestError::Fatal(fatal));
    }
    validate::check(&mut data, config, date, &mut diags);
    diags.sort_by(|a, b| (&a.file, a.line, a.col, &a.message).cmp(&(&b.file, b.line, b.col, &b.message)));
    debug_assert!(diags.iter().all(|d| d.severity != Severity::Fatal));
    Ok(Loaded { dataset: data, diagnostics: diags })
}

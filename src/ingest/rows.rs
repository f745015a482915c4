//! Shared helpers for the per-source readers: open a table, take fields with messages.

use std::path::Path;

use chrono::{NaiveDate, NaiveTime};

use super::json::JsonRecord;
use super::table::{ColumnSpec, RowRef, Table};
use super::{read_file, values};
use crate::config::Config;
use crate::diag::Diagnostic;

pub(super) struct Ctx<'a> {
    pub dir: &'a Path,
    pub config: &'a Config,
    pub date: NaiveDate,
    /// Read only the JSON records that mention this `person_id` (see [`super::Reading`]).
    pub only_person: Option<&'a str>,
    pub diags: &'a mut Vec<Diagnostic>,
    pub fatal: &'a mut Vec<Diagnostic>,
    /// `person_id`s of personer.csv rows marked protected (also rows left out as bad).
    pub restricted_ids: &'a mut std::collections::HashSet<String>,
}

impl Ctx<'_> {
    /// Reads and parses a CSV file. A missing required file is fatal; a missing optional one
    /// is a warning and gives no rows.
    pub fn table(&mut self, file: &'static str, columns: &[ColumnSpec], required: bool) -> Option<Table> {
        let bytes = match read_file(self.dir, file, self.config) {
            Ok(Some(b)) => b,
            Ok(None) => {
                if required {
                    self.fatal.push(Diagnostic::fatal(file, 0, 0, "obligatorisk fil saknas i indatakatalogen"));
                } else {
                    self.diags.push(Diagnostic::warning(file, 0, 0, "filen saknas; inga rader läses från den"));
                }
                return None;
            }
            Err(d) => {
                self.fatal.push(d);
                return None;
            }
        };
        match Table::parse(file, &bytes, columns, &self.config.aliases_for(file)) {
            Ok(t) => {
                self.diags.extend(t.diagnostics().iter().cloned());
                if required && t.is_empty() {
                    self.fatal.push(Diagnostic::fatal(file, 1, 0, "filen har ingen datarad; väntade minst en"));
                }
                Some(t)
            }
            Err(d) => {
                self.fatal.push(d);
                None
            }
        }
    }

    /// Reads a JSON array file (optional: missing gives a warning and no records).
    pub fn json(&mut self, file: &'static str) -> Vec<JsonRecord> {
        let bytes = match read_file(self.dir, file, self.config) {
            Ok(Some(b)) => b,
            Ok(None) => {
                self.diags.push(Diagnostic::warning(file, 0, 0, "filen saknas; inga poster läses från den"));
                return Vec::new();
            }
            Err(d) => {
                self.fatal.push(d);
                return Vec::new();
            }
        };
        match super::json::parse_array_mentioning(file, &bytes, &self.config.aliases_for(file), self.only_person) {
            Ok((records, diags)) => {
                self.diags.extend(diags);
                records
            }
            Err(d) => {
                self.fatal.push(d);
                Vec::new()
            }
        }
    }
}

/// Field access for one row that records problems. `bad` is set when any field failed;
/// the caller then leaves the row out. `quote` says whether the offending value may be kept
/// for stderr (never for identifying columns); messages never embed values themselves, and
/// `privacy` drops the value of every message about a protected person's row. `person` is
/// the row's `person_id`, `restricted` marks a row that is itself protected (personer.csv).
pub(super) struct Fields<'r, 'd> {
    pub file: &'static str,
    pub line: u64,
    pub bad: bool,
    pub quote: bool,
    pub person: Option<String>,
    pub restricted: bool,
    get: Box<dyn Fn(&str) -> (Option<String>, usize) + 'r>,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'r, 'd> Fields<'r, 'd> {
    pub fn csv(file: &'static str, row: RowRef<'r>, diags: &'d mut Vec<Diagnostic>) -> Self {
        Fields {
            file,
            line: row.line(),
            bad: false,
            quote: true,
            person: row.get("person_id").map(str::to_string),
            restricted: false,
            get: Box::new(move |c| {
                let (value, col) = row.get_col(c);
                (value.map(str::to_string), col)
            }),
            diags,
        }
    }

    pub fn json(file: &'static str, rec: &'r JsonRecord, order: &'static [&'static str], diags: &'d mut Vec<Diagnostic>) -> Self {
        Fields {
            file,
            line: rec.line,
            bad: false,
            quote: true,
            person: super::json::field_str(rec, "person_id"),
            restricted: false,
            get: Box::new(move |c| {
                let col = order.iter().position(|k| *k == c).map_or(0, |i| i + 1);
                (super::json::field_str(rec, c), col)
            }),
            diags,
        }
    }

    pub fn col(&self, column: &str) -> usize {
        (self.get)(column).1
    }

    /// Records a problem with the row. `message` names the column and what was expected;
    /// it never holds an input value (see [`Fields::problem_with`]).
    pub fn problem(&mut self, column: &str, message: String) {
        self.push(column, message, None);
    }

    /// [`Fields::problem`], keeping `value` for stderr (when quoting is allowed).
    pub fn problem_with(&mut self, column: &str, message: String, value: String) {
        self.push(column, message, Some(value));
    }

    fn push(&mut self, column: &str, message: String, value: Option<String>) {
        let col = self.col(column);
        let mut d = Diagnostic::problem(self.file, self.line, col, message);
        if let Some(p) = &self.person {
            d = d.about_person(p.clone());
        }
        if self.restricted {
            d.restrict();
        } else if self.quote {
            d.value = value;
        }
        self.diags.push(d);
        self.bad = true;
    }

    pub fn opt(&self, column: &str) -> Option<String> {
        (self.get)(column).0
    }

    /// A required text value.
    pub fn req(&mut self, column: &str) -> String {
        match self.opt(column) {
            Some(v) => v,
            None => {
                self.problem(column, format!("kolumnen {column} saknar värde; den är obligatorisk"));
                String::new()
            }
        }
    }

    fn parsed<T>(&mut self, column: &str, required: bool, f: impl Fn(&str) -> Result<T, String>) -> Option<T> {
        let Some(raw) = self.opt(column) else {
            if required {
                self.problem(column, format!("kolumnen {column} saknar värde; den är obligatorisk"));
            }
            return None;
        };
        match f(&raw) {
            Ok(v) => Some(v),
            Err(expected) => {
                self.problem_with(column, format!("kolumnen {column}: {expected}"), raw);
                None
            }
        }
    }

    pub fn date(&mut self, column: &str, required: bool) -> Option<NaiveDate> {
        self.parsed(column, required, values::parse_date)
    }

    pub fn time(&mut self, column: &str) -> Option<NaiveTime> {
        self.parsed(column, true, values::parse_time)
    }

    pub fn yes_no(&mut self, column: &str) -> Option<bool> {
        self.parsed(column, false, values::parse_yes_no)
    }

    /// One of a fixed set of words (compared after folding case and å/ä/ö).
    pub fn choice<T: Copy>(&mut self, column: &str, required: bool, options: &[(&str, T)]) -> Option<T> {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let expected = format!("väntade ett av {}", names.join(", "));
        self.parsed(column, required, |s| {
            let key = super::table::normalize_header(s);
            options.iter().find(|(n, _)| *n == key).map(|(_, v)| *v).ok_or_else(|| expected.clone())
        })
    }
}

pub(super) const fn col(name: &'static str, required: bool) -> ColumnSpec {
    ColumnSpec { name, required }
}

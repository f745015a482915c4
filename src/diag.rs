//! Messages about input: where (file, line, column) and what was expected.
//!
//! Every stage that reads input reports through [`Diagnostic`]. The printed form is the
//! contract of `FORMATS.md`: `FILE:LINE:COL: fel: …` or `FILE:LINE:COL: varning: …`, with
//! LINE counting physical lines from 1 (the header is line 1) and COL the 1-based field.
//! A message about a protected person names the line and `person_id`, never a value from
//! that person's row.

use std::fmt;

/// How bad a message is, and so what it does to the run (see `FORMATS.md`, exit codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Never changes the exit code.
    Warning,
    /// A bad row: left out and reported; the rest is published (exit 3).
    Problem,
    /// A file that cannot be read at all: nothing is published (exit 1).
    Fatal,
}

/// One message about the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// File name relative to the input directory, e.g. `besok.csv`.
    pub file: String,
    /// Physical line, 1-based; 0 when the message is about the whole file.
    pub line: u64,
    /// Field number, 1-based; 0 when the message is about the whole row or file.
    pub col: usize,
    /// Plain Swedish text naming the column and what was expected.
    pub message: String,
    /// The unit whose paper is affected, where known (for its egenkontroll).
    pub unit: Option<String>,
    /// The offending input value, quoted on stderr after the message (`, fick "…"`) unless
    /// the message is [`restricted`](Self::restricted). `message` itself never holds an
    /// input value, so it can stand in the general egenkontroll as it is.
    pub value: Option<String>,
    /// The `person_id` of the row the message is about, where the row has one.
    pub person: Option<String>,
    /// About a protected person (or text that held a protected identity): never quotes a
    /// value, and goes to stderr and the *restricted* egenkontroll only.
    pub restricted: bool,
}

impl Diagnostic {
    pub fn new(severity: Severity, file: impl Into<String>, line: u64, col: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            file: file.into(),
            line,
            col,
            message: message.into(),
            unit: None,
            value: None,
            person: None,
            restricted: false,
        }
    }

    pub fn fatal(file: impl Into<String>, line: u64, col: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Fatal, file, line, col, message)
    }

    pub fn problem(file: impl Into<String>, line: u64, col: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Problem, file, line, col, message)
    }

    pub fn warning(file: impl Into<String>, line: u64, col: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, line, col, message)
    }

    /// Attaches the affected unit.
    pub fn in_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Attaches the offending value (quoted on stderr only, and never when restricted).
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Names the person the row is about (see [`Diagnostic::person`]).
    pub fn about_person(mut self, person_id: impl Into<String>) -> Self {
        self.person = Some(person_id.into());
        self
    }

    /// Marks the message as restricted: no value, restricted egenkontroll only.
    pub fn restrict(&mut self) {
        self.restricted = true;
        self.value = None;
    }

    /// The message as the egenkontroll prints it, in plain Swedish and without any input
    /// value: `personer.csv rad 21, fält 3: kolumnen personnummer: fel kontrollsiffra …`.
    pub fn general_text(&self) -> String {
        let mut place = self.file.clone();
        if self.line > 0 {
            place.push_str(&format!(" rad {}", self.line));
        }
        if self.col > 0 {
            place.push_str(&format!(", fält {}", self.col));
        }
        format!("{place}: {}", self.message)
    }

    /// The place, `FILE:LINE:COL` (line and column are 1 when the message is about the file).
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line.max(1), self.col.max(1))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Warning => "varning",
            Severity::Problem | Severity::Fatal => "fel",
        };
        write!(f, "{}: {}: {}", self.location(), word, self.message)?;
        if self.restricted {
            return Ok(());
        }
        if let Some(v) = &self.value {
            write!(f, ", fick \"{}\"", short(v))?;
        }
        match &self.person {
            // The row's own id (an opaque id), for the planner to find the row.
            Some(p) if self.value.as_deref() != Some(p.as_str()) => write!(f, " (person_id {})", short(p)),
            _ => Ok(()),
        }
    }
}

/// A value as quoted in a message: at most 40 characters.
fn short(s: &str) -> String {
    let mut t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        t.push('…');
    }
    t
}

/// All messages of one run, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }
    pub fn has(&self, severity: Severity) -> bool {
        self.0.iter().any(|d| d.severity == severity)
    }
    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    /// Sorts by file, line and column so that output does not depend on reading order.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| (&a.file, a.line, a.col, &a.message).cmp(&(&b.file, b.line, b.col, &b.message)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_contract_form() {
        let d = Diagnostic::problem("besok.csv", 12, 3, "kolumnen slut: väntade en tid HH:MM, fick \"25:00\"");
        assert_eq!(d.to_string(), "besok.csv:12:3: fel: kolumnen slut: väntade en tid HH:MM, fick \"25:00\"");
        let w = Diagnostic::warning("personer.csv", 4, 13, "x");
        assert_eq!(w.to_string(), "personer.csv:4:13: varning: x");
        let mut v = Diagnostic::problem("besok.csv", 5, 8, "kolumnen dubbelbemanning: väntade ja eller nej").with_value("kanske");
        assert_eq!(v.to_string(), "besok.csv:5:8: fel: kolumnen dubbelbemanning: väntade ja eller nej, fick \"kanske\"");
        assert_eq!(v.general_text(), "besok.csv rad 5, fält 8: kolumnen dubbelbemanning: väntade ja eller nej");
        let p = v.clone().about_person("P000002");
        assert!(p.to_string().ends_with(", fick \"kanske\" (person_id P000002)"));
        assert!(!p.general_text().contains("P000002"));
        v.restrict();
        assert!(!v.to_string().contains("kanske"));
    }
}

//! Fuzz harnesses for the readers (issue 13): the CSV reader (`table`), the JSON reader
//! (`json`), the personnummer, date and time parsers (`values`), and the whole ingest on a
//! mutated export folder, driven with random and malformed input. Each asserts only that
//! nothing panics (a bad input is a message, never a crash).
//!
//! Every test is named `fuzz_…` and runs [`cases`] inputs: `RESERVPACK_FUZZ_CASES` (default
//! 256, so the ordinary test run stays short); `scripts/fuzz.sh` runs the long campaign.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::json::parse_array_mentioning;
use super::table::{ColumnSpec, Table};
use super::values::{Personnummer, parse_date, parse_decimal, parse_time, parse_yes_no};
use crate::config::Config;

/// Inputs per harness: `RESERVPACK_FUZZ_CASES`, else 256.
fn cases() -> u32 {
    std::env::var("RESERVPACK_FUZZ_CASES").ok().and_then(|v| v.trim().parse().ok()).filter(|&n| n > 0).unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() }
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// A valid export, cut short so that a case is quick: the first `lines` lines of a CSV file,
/// or the first `lines` elements of a JSON array (pretty-printed).
fn sample(name: &str, lines: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(demo().join(name)).expect("fixtures/demo is in the repository");
    if name.ends_with(".json") {
        let v: Vec<serde_json::Value> = serde_json::from_str(&text).expect("demo JSON");
        serde_json::to_vec_pretty(&v.into_iter().take(lines).collect::<Vec<_>>()).expect("JSON")
    } else {
        text.split_inclusive('\n').take(lines).collect::<String>().into_bytes()
    }
}

/// What a mutation does at a place in the input.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

/// Bytes that matter to the readers: delimiters, quotes, line ends, BOM, invalid UTF-8,
/// JSON structure, digits and separators.
fn special() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b";".to_vec()),
        Just(b",".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(vec![0xef, 0xbb, 0xbf]),
        Just(vec![0xff]),
        Just(vec![0xc3]),
        Just(vec![0xe5]),
        Just(vec![0]),
        Just(b"\\u00e5".to_vec()),
        Just(b"\\ud800".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b":".to_vec()),
        Just(b"null".to_vec()),
        Just(b"1e999".to_vec()),
        Just(b"-".to_vec()),
        Just(b"+".to_vec()),
        Just(b"19121212-1212".to_vec()),
        Just(b"24:00".to_vec()),
        Just(b"2026-02-30".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..8),
        "\\PC{1,4}".prop_map(String::into_bytes),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), special()).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

/// `base` with `edits` applied (positions taken modulo the length).
fn mutate(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = base.to_vec();
    for e in edits {
        let at = |i: usize, b: &Vec<u8>| if b.is_empty() { 0 } else { i % (b.len() + 1) };
        match e {
            Edit::Replace(i, x) if !b.is_empty() => {
                let i = i % b.len();
                b[i] = *x;
            }
            Edit::Replace(..) => {}
            Edit::Insert(i, x) => {
                let i = at(*i, &b);
                b.splice(i..i, x.iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(*i, &b);
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Edit::Truncate(i) => {
                let i = at(*i, &b);
                b.truncate(i);
            }
            Edit::Duplicate(i, n) => {
                let i = at(*i, &b);
                let end = (i + n).min(b.len());
                let copy = b[i..end].to_vec();
                b.splice(end..end, copy);
            }
        }
    }
    b
}

/// The columns of the sample `besok.csv`, from its header (the first five required, as the
/// reader asks for them: datum, start, slut, signatur, person_id).
fn visit_columns() -> &'static [ColumnSpec] {
    static COLUMNS: OnceLock<Vec<ColumnSpec>> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let header = String::from_utf8(sample("besok.csv", 1)).expect("UTF-8 header");
        header
            .trim_end()
            .split(';')
            .enumerate()
            .map(|(i, name)| ColumnSpec { name: Box::leak(name.to_string().into_boxed_str()), required: i < 5 })
            .collect()
    })
}

/// Parses `bytes` as besok.csv and reads every field of every row back.
fn drive_csv(bytes: &[u8]) {
    let mut aliases = BTreeMap::new();
    aliases.insert("Besöksdatum".to_string(), "datum".to_string());
    let columns = visit_columns();
    if let Ok(t) = Table::parse("besok.csv", bytes, columns, &aliases) {
        let _ = (t.headers().len(), t.diagnostics().len(), t.has_column("datum"));
        for row in t.rows() {
            for c in columns {
                let (value, col) = row.get_col(c.name);
                let _ = (row.line(), col, value.map(str::len));
            }
        }
    }
}

/// Parses `bytes` as a JSON array, whole and filtered by a person.
fn drive_json(bytes: &[u8], needle: &str) {
    let mut aliases = BTreeMap::new();
    aliases.insert("PersonId".to_string(), "person_id".to_string());
    for needle in [None, Some(needle)] {
        if let Ok((records, _)) = parse_array_mentioning("uppdrag.json", bytes, &aliases, needle) {
            for r in &records {
                let _ = super::json::field_str(r, "person_id");
                let _ = super::json::field_str(r, "insatser");
            }
        }
    }
}

/// A service day anywhere from year 1 to about 8000.
fn any_day() -> impl Strategy<Value = NaiveDate> {
    (1i32..2_900_000).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in chrono's range"))
}

fn drive_personnummer(s: &str, on: NaiveDate) {
    if let Ok(p) = Personnummer::parse(s, on) {
        let _ = (p.normalized().len(), p.birth_year(), p.birth_date(), p.is_samordningsnummer(), p.spellings());
    }
}

/// Text shaped like personnummer: digits in runs, separators anywhere, odd digits.
fn personnummer_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{10,12}",
        "[0-9]{6,8}[-+ ]?[0-9]{3,5}",
        "[0-9+\\- ]{0,16}",
        "(19|20|18|00|99)[0-9]{2}(0[0-9]|1[0-3]|[2-9][0-9])([0-9]{2})[-+]?[0-9]{4}",
        "[0-9]{6}[-+]?000[0-9]",
        "[0-9０-９٠-٩]{0,14}",
        any::<String>(),
    ]
}

/// Text shaped like dates and times.
fn date_or_time_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,5}[-:.]?[0-9]{1,3}[-:.]?[0-9]{0,3}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[0-9]{8}",
        "[0-9]{1,2}[:.][0-9]{2}([:.][0-9]{2})?",
        "[0-9:.,+ \\-]{0,16}",
        " ?(ja|nej|JA|Nej|j|n|1|0|true|false)? ?",
        "-?[0-9]{0,400}([.,][0-9]{0,40})?",
        any::<String>(),
    ]
}

/// A reduced copy of the demo exports to mutate one file of at a time (small, so a case of
/// the whole ingest stays quick).
fn small_export() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp folder");
        for (name, lines) in EXPORTS {
            std::fs::write(dir.path().join(name), sample(name, *lines)).expect("writing the sample");
        }
        dir
    })
}

/// The export files and how much of each the whole-ingest harness keeps.
const EXPORTS: &[(&str, usize)] = &[
    ("enheter.csv", 10),
    ("personal.csv", 20),
    ("personer.csv", 20),
    ("narstaende.csv", 20),
    ("besok.csv", 40),
    ("timecare.csv", 20),
    ("kontakter.csv", 10),
    ("genomforandeplaner.json", 3),
    ("uppdrag.json", 3),
    ("hsl.json", 3),
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_csv_reader_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        drive_csv(&bytes);
    }

    #[test]
    fn fuzz_csv_reader_mutated_export(edits in proptest::collection::vec(edit(), 1..12)) {
        static BASE: OnceLock<Vec<u8>> = OnceLock::new();
        let base = BASE.get_or_init(|| sample("besok.csv", 30));
        drive_csv(&mutate(base, &edits));
    }

    #[test]
    fn fuzz_json_reader_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000), needle in "[A-Z0-9]{0,8}") {
        drive_json(&bytes, &needle);
    }

    #[test]
    fn fuzz_json_reader_mutated_export(edits in proptest::collection::vec(edit(), 1..12), needle in "P0000[0-9]{2}|\\PC{0,3}") {
        static BASE: OnceLock<Vec<u8>> = OnceLock::new();
        let base = BASE.get_or_init(|| sample("uppdrag.json", 4));
        drive_json(&mutate(base, &edits), &needle);
    }

    #[test]
    fn fuzz_json_reader_deep_nesting(opens in proptest::collection::vec(prop_oneof![Just("["), Just("{\"a\":"), Just("[{\"person_id\":")], 1..3000), close in any::<bool>()) {
        // Closed: valid JSON as deep as the openings (the innermost value is 1).
        let mut text = opens.concat();
        if close {
            text.push('1');
            text.extend(opens.iter().rev().map(|o| match *o {
                "[" => "]",
                "{\"a\":" => "}",
                _ => "}]",
            }));
        }
        drive_json(text.as_bytes(), "P");
    }

    #[test]
    fn fuzz_personnummer_parser(s in personnummer_like(), on in any_day()) {
        drive_personnummer(&s, on);
    }

    #[test]
    fn fuzz_date_and_time_parsers(s in date_or_time_like()) {
        let _ = parse_date(&s);
        let _ = parse_time(&s);
        let _ = parse_yes_no(&s);
        let _ = parse_decimal(&s);
    }

    #[test]
    fn fuzz_whole_ingest_of_a_mutated_export(file in 0..EXPORTS.len(), edits in proptest::collection::vec(edit(), 1..8), day in any_day()) {
        let dir = small_export().path();
        let (name, lines) = EXPORTS[file];
        let base = sample(name, lines);
        std::fs::write(dir.join(name), mutate(&base, &edits)).expect("writing the case");
        let result = super::load(dir, &Config::default(), day);
        std::fs::write(dir.join(name), &base).expect("restoring the sample");
        let _ = result.map(|l| l.diagnostics.len());
    }
}

#[test]
fn mutations_keep_within_the_input() {
    let base = b"ab;cd\n".to_vec();
    assert_eq!(mutate(&base, &[Edit::Replace(7, b'x')]), b"ax;cd\n");
    assert_eq!(mutate(&base, &[Edit::Truncate(2)]), b"ab");
    assert_eq!(mutate(&base, &[Edit::Insert(100, b"\"".to_vec())]), b"ab\";cd\n");
    assert_eq!(mutate(&base, &[Edit::Delete(0, 3), Edit::Duplicate(0, 2)]), b"cdcd\n");
    assert_eq!(mutate(b"", &[Edit::Replace(3, 1), Edit::Delete(5, 5)]), b"");
}

#[test]
fn the_csv_harness_asks_for_the_visit_columns() {
    let names: Vec<&str> = visit_columns().iter().filter(|c| c.required).map(|c| c.name).collect();
    assert_eq!(names, ["datum", "start", "slut", "signatur", "person_id"]);
    assert!(Table::parse("besok.csv", &sample("besok.csv", 30), visit_columns(), &BTreeMap::new()).is_ok_and(|t| t.len() == 29));
}

//! Issue 5: real-world exports and bad input. Each problem is reported with file, line and
//! column; valid rows are published (exit 3); fatal input publishes nothing (exit 1) and
//! leaves the previous pack untouched.

mod common;

use std::path::Path;

use common::*;

/// Replaces field `col` (0-based) of physical line `line` (1-based) of a `;` file.
fn set_field(path: &Path, line: usize, col: usize, value: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let out: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                let mut f: Vec<&str> = l.split(';').collect();
                f[col] = value;
                f.join(";")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(path, out.join("\n") + "\n").unwrap();
}

fn append(path: &Path, row: &str) {
    let mut t = std::fs::read_to_string(path).unwrap();
    t.push_str(row);
    t.push('\n');
    std::fs::write(path, t).unwrap();
}

/// The first line (1-based) of besok.csv for DATE.
fn first_visit_line(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("besok.csv")).unwrap().lines().position(|l| l.starts_with(DATE)).unwrap() + 1
}

/// Snapshot of every published file's bytes.
fn snapshot(out: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files(out).into_iter().filter(|p| !p.ends_with(".lock")).map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

fn run_case(mutate: impl FnOnce(&Path), expect_code: i32, expect_msg: &[&str]) -> String {
    let dir = fixtures("demo", 1);
    mutate(dir.path());
    let out = tempfile::tempdir().unwrap();
    // A previous pack from good input, which a failed run must leave untouched.
    let good = fixtures("demo", 1);
    assert_eq!(generate(good.path(), out.path(), &[]).status.code(), Some(0));
    let before = snapshot(out.path());
    let o = generate(dir.path(), out.path(), &[]);
    let printed = text(&o);
    assert_eq!(o.status.code(), Some(expect_code), "exit code; output:\n{printed}");
    for m in expect_msg {
        assert!(printed.contains(m), "expected {m:?} in:\n{printed}");
    }
    if expect_code == 1 {
        assert!(before == snapshot(out.path()), "a failed run changed the published pack");
    }
    // `check` agrees with `generate` on the exit code.
    let c = run(&["check", "--input", dir.path().to_str().unwrap(), "--date", DATE]);
    assert_eq!(c.status.code(), Some(expect_code), "check exit code: {}", text(&c));
    printed
}

#[test]
fn visit_ending_before_it_starts() {
    let mut line = 0;
    run_case(
        |d| {
            line = first_visit_line(d);
            set_field(&d.join("besok.csv"), line, 1, "10:00");
            set_field(&d.join("besok.csv"), line, 2, "09:30");
        },
        3,
        &[":3: fel: kolumnen slut"],
    );
    assert!(line > 1);
}

#[test]
fn time_25_00() {
    run_case(|d| set_field(&d.join("besok.csv"), first_visit_line(d), 2, "25:00"), 3, &["besok.csv:", ":3: fel: kolumnen slut", "25:00"]);
}

#[test]
fn unknown_protection_level() {
    run_case(|d| set_field(&d.join("personer.csv"), 2, 11, "hemlig"), 3, &["personer.csv:2:12: fel: kolumnen skydd"]);
}

#[test]
fn wrong_check_digit() {
    let p = run_case(
        |d| {
            let path = d.join("personer.csv");
            let t = std::fs::read_to_string(&path).unwrap();
            let pnr = t.lines().nth(1).unwrap().split(';').nth(2).unwrap().to_string();
            let last = pnr.chars().last().unwrap().to_digit(10).unwrap();
            let wrong = format!("{}{}", &pnr[..pnr.len() - 1], (last + 1) % 10);
            set_field(&path, 2, 2, &wrong);
        },
        3,
        &["personer.csv:2:3: fel: kolumnen personnummer", "kontrollsiffra"],
    );
    assert!(p.contains("P000001"), "names the person_id");
}

#[test]
fn duplicate_person_id() {
    run_case(
        |d| {
            let path = d.join("personer.csv");
            let t = std::fs::read_to_string(&path).unwrap();
            let second = t.lines().nth(2).unwrap().to_string();
            let first_id = t.lines().nth(1).unwrap().split(';').next().unwrap().to_string();
            let dup = second.replacen(second.split(';').next().unwrap(), &first_id, 1);
            std::fs::write(&path, t.replacen(&second, &dup, 1)).unwrap();
        },
        3,
        &["personer.csv:3:1: fel: person_id förekommer redan på rad 2", "\"P000001\""],
    );
}

#[test]
fn unknown_person_and_employee_in_a_visit() {
    run_case(
        |d| {
            append(&d.join("besok.csv"), &format!("{DATE};08:00;08:30;OLBE;P999999;Tillsyn;;nej;"));
            append(&d.join("besok.csv"), &format!("{DATE};08:00;08:30;NOBODY;P000001;Tillsyn;;nej;"));
        },
        3,
        &["okänt person_id", "\"P999999\"", "okänd signatur", "\"NOBODY\""],
    );
}

#[test]
fn overlapping_visits_of_one_employee() {
    run_case(
        |d| {
            let t = std::fs::read_to_string(d.join("besok.csv")).unwrap();
            let l = t.lines().find(|l| l.starts_with(DATE)).unwrap().to_string();
            let f: Vec<&str> = l.split(';').collect();
            append(&d.join("besok.csv"), &format!("{};{};{};{};{};Tillsyn;;nej;", f[0], f[1], f[2], f[3], f[4]));
        },
        3,
        &["överlappar"],
    );
}

#[test]
fn visit_outside_shift_is_a_warning() {
    run_case(
        |d| append(&d.join("besok.csv"), &format!("{DATE};23:30;23:45;OLBE;P000001;Tillsyn;;nej;")),
        0,
        &["varning: besöket ligger utanför medarbetarens pass i Time Care", "OLBE 2026-11-24 23:30–23:45"],
    );
}

#[test]
fn missing_required_column_is_fatal_and_publishes_nothing() {
    run_case(
        |d| {
            let path = d.join("besok.csv");
            let t = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, t.replacen("signatur", "medarbetarnamn", 1)).unwrap();
        },
        1,
        &["besok.csv:1:1: fel:", "signatur", "medarbetarnamn"],
    );
}

#[test]
fn strict_publishes_nothing_on_a_problem() {
    let dir = fixtures("demo", 1);
    set_field(&dir.path().join("besok.csv"), first_visit_line(dir.path()), 2, "25:00");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(generate(&demo_input(), out.path(), &[]).status.code(), Some(0));
    let before = snapshot(out.path());
    let o = generate(dir.path(), out.path(), &["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(before == snapshot(out.path()), "--strict changed the published pack");
}

#[test]
fn windows_1252_with_swedish_headers() {
    let dir = fixtures("demo", 1);
    let path = dir.path().join("personal.csv");
    let name = read_csv(&path)
        .into_iter()
        .find(|e| e["efternamn"].contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö']) || e["fornamn"].contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö']))
        .expect("an employee with å, ä or ö");
    let full = format!("{} {}", name["fornamn"], name["efternamn"]);
    let t = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
    lines[0] = "Signatur;Förnamn;Efternamn;Enhet;Roll;Arbetstelefon;Privat telefon".into();
    let text = lines.join("\r\n") + "\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "the file is really Windows-1252, not UTF-8");
    std::fs::write(&path, &bytes).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = generate(dir.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    let all: String = documents(out.path()).iter().map(|d| raw_text(&out.path().join(d["path"].as_str().unwrap()))).collect();
    assert!(all.contains(&full), "{full} printed correctly from a Windows-1252 export");
}

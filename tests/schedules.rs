//! Issue 2: the paper schedule per employee, end to end on the demo fixtures.

mod common;

use std::collections::HashMap;

use common::*;

#[test]
fn demo_pack_has_a_correct_schedule_per_employee_and_day() {
    let out = tempfile::tempdir().unwrap();
    let o = generate(&demo_input(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "generate failed: {}", text(&o));

    let visits = read_csv(&demo_input().join("besok.csv"));
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    for v in visits.iter().filter(|v| v["datum"] == DATE) {
        expected.entry(v["signatur"].clone()).or_default().push(format!("{}–{}", v["start"], v["slut"]));
    }
    for times in expected.values_mut() {
        times.sort();
    }
    let docs = documents(out.path());
    let schedules: Vec<_> = docs.iter().filter(|d| d["kind"] == "schema").collect();
    assert_eq!(schedules.len(), expected.len(), "one schedule per employee with visits that day");

    let time_re = |s: &str| -> Vec<String> {
        // "HH:MM–HH:MM" ranges in reading order.
        let chars: Vec<char> = s.chars().collect();
        let mut found = Vec::new();
        for i in 0..chars.len().saturating_sub(10) {
            let w: String = chars[i..i + 11].iter().collect();
            let b = w.as_bytes();
            if w.chars().nth(5) == Some('–')
                && b[2] == b':'
                && w[..2].chars().all(|c| c.is_ascii_digit())
                && w[3..5].chars().all(|c| c.is_ascii_digit())
            {
                let tail: String = w.chars().skip(6).collect();
                if tail.len() == 5 && tail.as_bytes()[2] == b':' {
                    found.push(w);
                }
            }
        }
        found
    };
    for doc in schedules {
        let pdf = out.path().join(doc["path"].as_str().unwrap());
        let text = raw_text(&pdf);
        let signature =
            expected.keys().find(|sig| text.contains(&format!("Medarbetare {sig} –"))).expect("the schedule names its employee").as_str();
        assert!(text.contains("Tisdag 2026-11-24"), "weekday and date in Swedish");
        assert!(text.contains("Vecka 48"));
        let found = time_re(&text);
        assert_eq!(found, expected[signature], "visits of {signature} in time order, and only theirs");
    }
}

#[test]
fn every_page_carries_the_stamp() {
    let out = tempfile::tempdir().unwrap();
    let o = generate(&demo_input(), out.path(), &[]);
    assert!(o.status.code() == Some(0), "{}", text(&o));
    let docs = documents(out.path());
    assert!(!docs.is_empty());
    for doc in &docs {
        let pdf = out.path().join(doc["path"].as_str().unwrap());
        let pages = pages(&pdf);
        assert_eq!(pages.len() as u64, doc["pages"].as_u64().unwrap(), "manifest page count of {}", doc["path"]);
        let id = doc["id"].as_str().unwrap();
        let short = &doc["version"].as_str().unwrap()[..8];
        for (i, page) in pages.iter().enumerate() {
            let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains("SEKRETESS – strimlas eller läggs i sekretesstunna, aldrig i vanlig pappersåtervinning"),
                "page {} of {id}",
                i + 1
            );
            assert!(flat.contains(&format!("Gallras: {}", doc["gallring"].as_str().unwrap())), "gallring on page {} of {id}", i + 1);
            assert!(flat.contains("Förvaras:"), "storage place on page {} of {id}", i + 1);
            assert!(flat.contains(&format!("{id} v{short}")), "id and version on page {} of {id}", i + 1);
            assert!(flat.contains(&format!("Sida {} av {}", i + 1, pages.len())), "page number on page {} of {id}", i + 1);
        }
    }
}

#[test]
fn same_input_gives_identical_bytes() {
    // Ids derived from person ids are keyed with the pack's secret: two fresh packs agree
    // byte for byte when they share it (`id_nyckel_fil`).
    let input = demo_copy();
    std::fs::write(input.path().join("nyckel.bin"), [7u8; 32]).unwrap();
    std::fs::write(input.path().join("reservpack.toml"), "id_nyckel_fil = \"nyckel.bin\"\n").unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_eq!(generate(input.path(), a.path(), &[]).status.code(), Some(0));
    assert_eq!(generate(input.path(), b.path(), &[]).status.code(), Some(0));
    let docs = documents(a.path());
    assert!(!docs.is_empty());
    for doc in &docs {
        let p = doc["path"].as_str().unwrap();
        let x = std::fs::read(a.path().join(p)).unwrap();
        let y = std::fs::read(b.path().join(p)).unwrap();
        assert!(x == y, "{p} differs between two runs");
    }
    assert_eq!(std::fs::read(a.path().join("manifest.json")).unwrap(), std::fs::read(b.path().join("manifest.json")).unwrap());
}

#[test]
fn the_manifest_names_no_person() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(generate(&demo_input(), out.path(), &[]).status.code(), Some(0));
    let manifest = std::fs::read_to_string(out.path().join("manifest.json")).unwrap();
    for p in read_csv(&demo_input().join("personer.csv")) {
        for name in [format!("{} {}", p["fornamn"], p["efternamn"]), p["fiktivt_namn"].clone(), p["person_id"].clone()] {
            assert!(name.is_empty() || !manifest.contains(&name), "manifest.json names {name}");
        }
    }
    assert!(documents(out.path()).iter().any(|d| d["kind"] == "personkort"), "the manifest lists the folders");
}

#[test]
fn schedule_gallring_is_the_day_after() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(generate(&demo_input(), out.path(), &[]).status.code(), Some(0));
    for doc in documents(out.path()).iter().filter(|d| d["kind"] == "schema") {
        assert_eq!(doc["gallring"], "2026-11-25");
        assert_eq!(doc["audience"], "personal");
        assert_eq!(doc["date"], DATE);
    }
}

/// The rolling horizon over a real Swedish holiday week (issue 16): the demo's week of visits
/// moved to Easter 2027 (Monday 22 March …, with Monday and Tuesday repeated as 29 and 30
/// March). A run on Thursday 25 March covers the 25th through annandag påsk, the 29th: the
/// pack holds schedules and planerade besök for exactly those days, not the 30th (a working
/// day, its own run), which then adds its own and keeps the others.
#[test]
fn a_run_before_easter_covers_the_holidays_and_not_the_next_working_day() {
    use chrono::{Days, NaiveDate};
    let input = demo_copy();
    let first = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let to = NaiveDate::from_ymd_opt(2027, 3, 22).unwrap();
    let shift = (to - first).num_days() as u64;
    let moved =
        |d: &str, extra: u64| (NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap() + Days::new(shift + extra)).format("%Y-%m-%d").to_string();
    // besok.csv: every day moved; Monday and Tuesday also a week later.
    let besok = std::fs::read_to_string(input.path().join("besok.csv")).unwrap();
    let mut lines = besok.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let (date, rest) = line.split_once(';').unwrap();
        out.push_str(&format!("{};{rest}\n", moved(date, 0)));
        let day = (NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap() - first).num_days();
        if day < 2 {
            out.push_str(&format!("{};{rest}\n", moved(date, 7)));
        }
    }
    std::fs::write(input.path().join("besok.csv"), out).unwrap();
    // timecare.csv: every date moved (shifts and periods), Monday and Tuesday repeated.
    let tc = std::fs::read_to_string(input.path().join("timecare.csv")).unwrap();
    let mut lines = tc.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let f: Vec<&str> = line.split(';').collect();
        let day = (NaiveDate::parse_from_str(f[1], "%Y-%m-%d").unwrap() - first).num_days();
        for extra in if (0..2).contains(&day) { vec![0, 7] } else { vec![0] } {
            let (d, ps, pe) = (moved(f[1], extra), moved(f[6], 0), moved(f[7], 7));
            out.push_str(&format!("{};{d};{};{};{};{};{ps};{pe}\n", f[0], f[2], f[3], f[4], f[5]));
        }
    }
    std::fs::write(input.path().join("timecare.csv"), out).unwrap();

    let visit_days: std::collections::BTreeSet<String> =
        read_csv(&input.path().join("besok.csv")).into_iter().map(|v| v["datum"].clone()).collect();
    assert!(visit_days.contains("2027-03-30") && visit_days.contains("2027-03-24"), "visits on either side of the horizon");
    let expected: Vec<String> = (25..=29).map(|d| format!("2027-03-{d}")).collect();

    let out = tempfile::tempdir().unwrap();
    let run_on = |date: &str| generate_on(input.path(), out.path(), date, &["--data-as-of", "2027-03-24 18:00"]);
    let o = run_on("2027-03-25");
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3), "generate: {}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("för 5 dagar: tor 2027-03-25, fre 2027-03-26 (långfredagen), lör 2027-03-27, sön 2027-03-28 (påskdagen), mån 2027-03-29 (annandag påsk)."),
        "the summary names the days covered: {stdout}"
    );
    let dated = |kind: &str| -> std::collections::BTreeSet<String> {
        documents(out.path()).iter().filter(|d| d["kind"] == kind).map(|d| d["date"].as_str().unwrap().to_string()).collect()
    };
    for kind in ["schema", "planerade_besok"] {
        assert_eq!(dated(kind).into_iter().collect::<Vec<_>>(), expected, "{kind}: exactly 25–29 March");
    }
    // One schedule per employee with visits, for each of the five days.
    let visits = read_csv(&input.path().join("besok.csv"));
    let want: usize = expected
        .iter()
        .map(|day| {
            visits.iter().filter(|v| &v["datum"] == day).map(|v| v["signatur"].clone()).collect::<std::collections::HashSet<_>>().len()
        })
        .sum();
    assert_eq!(documents(out.path()).iter().filter(|d| d["kind"] == "schema").count(), want);

    // Tuesday the 30th, a working day: only that day; the holiday sheets stay.
    let o = run_on("2027-03-30");
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3), "generate: {}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("för 1 dag: tis 2027-03-30."));
    let mut all = expected.clone();
    all.push("2027-03-30".into());
    assert_eq!(dated("schema").into_iter().collect::<Vec<_>>(), all);
}

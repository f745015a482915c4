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
        let signature = expected
            .keys()
            .find(|sig| text.contains(&format!("Medarbetare {sig} –")))
            .expect("the schedule names its employee")
            .as_str();
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
            assert!(flat.contains("SEKRETESS – strimlas eller läggs i sekretesstunna, aldrig i vanlig pappersåtervinning"), "page {} of {id}", i + 1);
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

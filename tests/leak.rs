//! Issue 4: a protected person's real identity reaches no one it must not.
//!
//! Generates fixtures with protected persons at every level (plus hand-made ones with
//! distinctive values), runs `generate` and `check`, then scans everything an unauthorised
//! reader could see: the text and metadata of every PDF outside `begransad/`, every file
//! name, the manifest and other index files, and everything the runs printed. No real
//! first-plus-last name, personnummer (10/12 digits, with `-`, `+` or none), phone number,
//! door code or relative may appear; the real address may appear only on the fictive
//! personkort. Positive checks make sure the fictive names do appear, so the test cannot
//! pass by printing nothing.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;

struct Protected {
    id: String,
    level: String,
    real_name: String,
    pnrs: Vec<String>,
    phones: Vec<String>,
    door_code: Option<String>,
    street: Option<String>,
    relatives: Vec<String>,
    printed_as: String,
}

/// Every spelling of a 12-digit personnummer `YYYYMMDD-NNNN`.
fn spellings(pnr: &str) -> Vec<String> {
    let digits: String = pnr.chars().filter(char::is_ascii_digit).collect();
    let (d12, d10) = if digits.len() == 12 { (digits.clone(), digits[2..].to_string()) } else { (String::new(), digits.clone()) };
    let mut v = vec![format!("{}-{}", &d10[..6], &d10[6..]), format!("{}+{}", &d10[..6], &d10[6..]), d10.clone()];
    if !d12.is_empty() {
        v.push(format!("{}-{}", &d12[..8], &d12[8..]));
        v.push(d12);
    }
    v
}

/// Appends hand-made protected persons with distinctive values (fictional) to `dir`.
fn add_distinctive_persons(dir: &Path) {
    let mut rows = String::new();
    let mut rel = String::new();
    let mut visits = String::new();
    let levels = [("skyddad_folkbokforing", "Vendela Fiktivsson"), ("sekretessmarkering", "Tyra Låtsasdotter"), ("lokalt_skydd", "")];
    let pnr_of = |i: usize| {
        let nine = format!("3805{:02}{:03}", 10 + i, 400 + i * 2);
        format!("19{}{}", &nine[..6], format!("-{}{}", &nine[6..], luhn_digit(&nine)))
    };
    for (i, (level, fictive)) in levels.iter().enumerate() {
        let pnr = pnr_of(i);
        let until = if *level == "lokalt_skydd" { "2026-12-20" } else { "" };
        rows.push_str(&format!(
            "PX{i:04};ÄR-LEAK-{i};{pnr};Xyzander{i};Qvornström;Kryptogatan {n} lgh 99{i};422 99;Hisings Backa;070-555 0{i} 9{i};#Q{i}7Z;HT-NORR;{level};{fictive};{until};delvis;Samtycker till att uppgifter lämnas till sonen Blixt{i} Qvornström.;{warn};{place};\n",
            n = 40 + i,
            // Issue 16's free text: a person's own relative and another protected person's
            // identity in varningar and nyckelplats.
            warn = format!("Penicillinallergi, ring sonen Blixt{i} Qvornström 076-444 1{i} 2{i} vid reaktion"),
            place = format!("Hos grannen Xyzander{} Qvornström, {}", (i + 1) % 3, pnr_of((i + 1) % 3)),
        ));
        rel.push_str(&format!("PX{i:04};Blixt{i} Qvornström;son;076-444 1{i} 2{i};ja\n"));
        visits.push_str(&format!(
            "{DATE};23:0{i};23:0{};OLBE;PX{i:04};Tillsyn;N-77{i}{i};nej;Xyzander{i} vill ha kaffe, ring 070-555 0{i} 9{i}\n",
            i + 5
        ));
    }
    for (file, text) in [("personer.csv", rows), ("narstaende.csv", rel), ("besok.csv", visits)] {
        let mut f = std::fs::OpenOptions::new().append(true).open(dir.join(file)).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }
    // Each is an alarm client too (larmlista: "ringas av enhetschefen").
    let path = dir.join("uppdrag.json");
    let mut uppdrag: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for i in 0..levels.len() {
        uppdrag.push(serde_json::json!({ "person_id": format!("PX{i:04}"), "uppdragsnummer": format!("U-LEAK-{i}"), "typ": "larm", "insatser": "Trygghetslarm" }));
    }
    std::fs::write(&path, serde_json::to_string_pretty(&uppdrag).unwrap()).unwrap();
}

fn protected_persons(dir: &Path) -> Vec<Protected> {
    let persons = read_csv(&dir.join("personer.csv"));
    let relatives = read_csv(&dir.join("narstaende.csv"));
    let mut out = Vec::new();
    for p in persons.iter().filter(|p| p["skydd"] != "ingen") {
        let rels: Vec<&HashMap<String, String>> = relatives.iter().filter(|r| r["person_id"] == p["person_id"]).collect();
        let mut phones: Vec<String> = rels.iter().map(|r| r["telefon"].clone()).filter(|s| !s.is_empty()).collect();
        if !p["telefon"].is_empty() {
            phones.push(p["telefon"].clone());
        }
        out.push(Protected {
            id: p["person_id"].clone(),
            level: p["skydd"].clone(),
            real_name: format!("{} {}", p["fornamn"], p["efternamn"]),
            pnrs: spellings(&p["personnummer"]),
            phones,
            door_code: Some(p["portkod"].clone()).filter(|s| !s.is_empty()),
            street: Some(p["adress"].clone()).filter(|s| !s.is_empty()),
            relatives: rels.iter().map(|r| r["namn"].clone()).collect(),
            printed_as: if p["fiktivt_namn"].is_empty() { format!("Ärende {}", p["arendenummer"]) } else { p["fiktivt_namn"].clone() },
        });
    }
    out
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_restricted(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "begransad")
}

/// Whole-word occurrence (a door code of four digits must not match inside a longer number).
fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = hay[i + needle.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

struct Scan {
    /// (what, where) for every hit.
    leaks: Vec<String>,
}

impl Scan {
    fn check(&mut self, place: &str, text: &str, persons: &[Protected], allow_address: bool) {
        let text = flat(text);
        for p in persons {
            let mut secrets: Vec<(&str, String)> = vec![("namn", p.real_name.clone())];
            secrets.extend(p.pnrs.iter().map(|s| ("personnummer", s.clone())));
            secrets.extend(p.phones.iter().map(|s| ("telefon", s.clone())));
            secrets.extend(p.relatives.iter().map(|s| ("närstående", s.clone())));
            for (what, s) in secrets {
                if text.contains(&s) {
                    self.leaks.push(format!("{what} för {} ({}) i {place}", p.id, p.level));
                }
            }
            if let Some(code) = &p.door_code {
                if contains_word(&text, code) {
                    self.leaks.push(format!("portkod för {} i {place}", p.id));
                }
            }
            if let (false, Some(street)) = (allow_address, &p.street) {
                if text.contains(street.as_str()) {
                    self.leaks.push(format!("adress för {} i {place}", p.id));
                }
            }
        }
    }
}

fn run_and_scan(input: &Path) -> (Scan, HashMap<PathBuf, String>, Vec<Protected>, tempfile::TempDir) {
    let persons = protected_persons(input);
    assert!(persons.len() >= 3, "fixtures hold protected persons");
    for level in ["skyddad_folkbokforing", "sekretessmarkering", "lokalt_skydd"] {
        assert!(persons.iter().any(|p| p.level == level), "a protected person at level {level}");
    }
    // The test is only meaningful if no protected real name is also an unprotected person's
    // or an employee's name (then it could legitimately be printed).
    let everyone = read_csv(&input.join("personer.csv"));
    let staff = read_csv(&input.join("personal.csv"));
    for p in &persons {
        let others = everyone.iter().filter(|o| o["skydd"] == "ingen").map(|o| format!("{} {}", o["fornamn"], o["efternamn"]));
        let staff_names = staff.iter().map(|o| format!("{} {}", o["fornamn"], o["efternamn"]));
        assert!(others.chain(staff_names).all(|n| n != p.real_name), "fixture name collision for {}", p.id);
    }

    let out = tempfile::tempdir().unwrap();
    let o = generate(input, out.path(), &[]);
    let code = o.status.code();
    assert!(matches!(code, Some(0) | Some(3)), "generate published: {}", text(&o));
    let printed = text(&o);
    let c = run(&["check", "--input", input.to_str().unwrap(), "--date", DATE]);
    let printed_check = text(&c);

    let mut scan = Scan { leaks: Vec::new() };
    scan.check("utskrift från generate", &printed, &persons, false);
    scan.check("utskrift från check", &printed_check, &persons, false);

    let docs = documents(out.path());
    let kind_of: HashMap<PathBuf, String> =
        docs.iter().map(|d| (out.path().join(d["path"].as_str().unwrap()), d["kind"].as_str().unwrap().to_string())).collect();
    let mut general_text = HashMap::new();
    for file in files(out.path()) {
        let rel = file.strip_prefix(out.path()).unwrap().to_path_buf();
        scan.check(&format!("filnamnet {}", rel.display()), &rel.display().to_string(), &persons, false);
        if is_restricted(&rel) {
            continue;
        }
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or_default();
        match ext {
            "pdf" => {
                let t = raw_text(&file);
                // The real address may stand only on the fictive personkort (and on its pages in a batch).
                let allow_address =
                    kind_of.get(&file).is_some_and(|k| k == "personkort") || rel.components().any(|c| c.as_os_str() == "print");
                scan.check(&format!("texten i {}", rel.display()), &t, &persons, allow_address);
                scan.check(&format!("metadata i {}", rel.display()), &pdfinfo(&file), &persons, false);
                let raw = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
                scan.check(&format!("rådata i {}", rel.display()), &raw, &persons, allow_address);
                general_text.insert(rel, flat(&t));
            }
            _ => {
                let t = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
                scan.check(&format!("filen {}", rel.display()), &t, &persons, false);
            }
        }
    }
    (scan, general_text, persons, out)
}

fn assert_no_leaks_and_fictive_names_present(input: &Path) -> (Vec<Protected>, tempfile::TempDir) {
    let (scan, general_text, persons, out) = run_and_scan(input);
    assert!(scan.leaks.is_empty(), "läckor:\n{}", scan.leaks.join("\n"));
    assert!(!general_text.is_empty(), "general documents were produced");
    for p in &persons {
        let shown = general_text.values().filter(|t| t.contains(&p.printed_as)).count();
        assert!(shown > 0, "{} ({}) appears as {:?} on general paper", p.id, p.level, p.printed_as);
    }
    // The restricted ordinary file exists for each protected person, under begransad/, and
    // is the only place holding the real name.
    let docs = documents(out.path());
    for d in docs.iter().filter(|d| d["kind"] == "akt_skyddad") {
        assert_eq!(d["audience"], "enhetschef");
        assert!(d["path"].as_str().unwrap().contains("/begransad/"));
    }
    for d in &docs {
        if d["audience"] == "enhetschef" {
            assert!(d["path"].as_str().unwrap().contains("/begransad/"), "restricted {} outside begransad/", d["path"]);
        }
    }
    let restricted: Vec<String> = docs
        .iter()
        .filter(|d| d["kind"] == "akt_skyddad")
        .map(|d| flat(&raw_text(&out.path().join(d["path"].as_str().unwrap()))))
        .collect();
    assert_eq!(restricted.len(), persons.len(), "one ordinary file per protected person");
    for p in &persons {
        assert!(restricted.iter().any(|t| t.contains(&p.real_name) && t.contains("SKYDDADE PERSONUPPGIFTER")), "ordinary file of {}", p.id);
    }
    for (path, t) in &general_text {
        assert!(!t.contains("SKYDDADE PERSONUPPGIFTER"), "{} is general but says SKYDDADE PERSONUPPGIFTER", path.display());
    }
    (persons, out)
}

/// The text of the one document of `kind` in `unit` for `audience`.
fn sheet(out: &Path, unit: &str, kind: &str, audience: &str) -> String {
    let docs = documents(out);
    let d: Vec<_> = docs.iter().filter(|d| d["kind"] == kind && d["unit"] == unit && d["audience"] == audience).collect();
    assert_eq!(d.len(), 1, "one {audience} {kind} in {unit}");
    flat(&raw_text(&out.join(d[0]["path"].as_str().unwrap())))
}

#[test]
fn demo_fixtures_leak_nothing() {
    let dir = fixtures("demo", 1);
    add_distinctive_persons(dir.path());
    let (persons, out) = assert_no_leaks_and_fictive_names_present(dir.path());
    // Issue 16: the field sheets show the hand-made protected persons (alarm clients with a
    // key, a warning and a key place naming another protected person) by printed identity
    // only; the scan above found none of their identity on any general page.
    let larm = sheet(out.path(), "HT-NORR", "larmlista", "personal");
    let keys = sheet(out.path(), "HT-NORR", "nyckellista", "personal");
    let warnings = sheet(out.path(), "HT-NORR", "varningar", "personal");
    let restricted = sheet(out.path(), "HT-NORR", "larmlista", "enhetschef");
    for p in persons.iter().filter(|p| p.id.starts_with("PX")) {
        assert!(larm.contains(&format!("{} ringas av enhetschefen se fiktiv akt", p.printed_as)), "{} on the larmlista: {larm}", p.id);
        // (The later hand-made visits overlap the first one and are left out as problems.)
        if p.id == "PX0000" {
            assert!(keys.contains(&format!("N-7700 {} se fiktiv akt", p.printed_as)), "{} on the nyckellista: {keys}", p.id);
        }
        assert!(warnings.contains(&format!("{} Penicillinallergi", p.printed_as)), "{} on the varningar sheet: {warnings}", p.id);
        assert!(
            restricted.contains(&p.real_name) && restricted.contains(&p.phones[p.phones.len() - 1]),
            "{} in the restricted larmlista",
            p.id
        );
    }
    assert!(warnings.contains("[borttaget]") && keys.contains("[borttaget]"), "the named relative and neighbour were replaced");
    assert!(restricted.contains("SKYDDADE PERSONUPPGIFTER"));
}

#[test]
fn another_seed_leaks_nothing() {
    let dir = fixtures("demo", 42);
    let _ = assert_no_leaks_and_fictive_names_present(dir.path());
}

#[test]
fn a_bad_row_of_a_protected_person_is_reported_without_identity() {
    let dir = fixtures("demo", 1);
    add_distinctive_persons(dir.path());
    // Break the check digit of the first hand-made person: the message may name line and
    // person_id, never the name or the number.
    let path = dir.path().join("personer.csv");
    let contents = std::fs::read_to_string(&path).unwrap();
    let line = contents.lines().position(|l| l.starts_with("PX0000")).unwrap() + 1;
    let broken: String = contents
        .lines()
        .map(|l| {
            if l.starts_with("PX0000") {
                let mut f: Vec<String> = l.split(';').map(str::to_string).collect();
                let last = f[2].pop().unwrap();
                f[2].push(char::from_digit((last.to_digit(10).unwrap() + 1) % 10, 10).unwrap());
                f.join(";")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(&path, broken).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = generate(dir.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let printed = text(&o);
    assert!(printed.contains(&format!("personer.csv:{line}:3: fel:")), "names file, line and column: {printed}");
    // Issue 12: a message about a protected person's row gives file:line only — not even the
    // person_id, which is a value of that row.
    assert!(!printed.contains("PX0000"), "names no value of the row, not even the person_id: {printed}");
    assert!(!printed.contains("Xyzander0"), "never the name");
    assert!(!printed.contains("Qvornström"), "never the name");
    assert!(!printed.contains("380510"), "never the personnummer");
}

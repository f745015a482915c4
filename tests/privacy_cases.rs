//! Issue 12: a protected identity reaches general paper through other people's records, other
//! spellings, messages, a change of protection, bad encodings, fictive names and ids.
//!
//! One test per numbered case of the issue, each on a copy of `fixtures/demo` edited to
//! reproduce it. Every test runs the binary like a user and scans everything an unauthorised
//! reader could see (see `general_artifacts` in tests/common): the text and metadata of every
//! PDF outside `begransad/`, every file name, every other file of the published pack outside
//! `begransad/` (hidden files beside the manifest too), and what the runs printed. Texts are
//! compared folded (case, diacritics, NFC/NFD) and numbers without separators.
//!
//! The demo's protected person P000004 is Åke Wahlgren (skyddad folkbokföring), printed as
//! Ingvar Gunnarsson; an unprotected client P000011 is also named Åke.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

const AKE: &str = "P000004";
const NEIGHBOUR: &str = "P000002";

fn doc_paths(out: &Path, kind: &str, audience: &str) -> Vec<std::path::PathBuf> {
    documents(out)
        .iter()
        .filter(|d| d["kind"] == kind && d["audience"] == audience)
        .map(|d| out.join(d["path"].as_str().unwrap()))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs generate on `input` into a new out dir; asserts the pack was published (0 or 3).
fn publish(input: &Path) -> (tempfile::TempDir, Output) {
    let out = tempfile::tempdir().unwrap();
    let o = generate(input, out.path(), &[]);
    assert_ne!(o.status.code(), Some(101), "generate panicked: {}", text(&o));
    assert!(matches!(o.status.code(), Some(0) | Some(3)), "generate published: {:?} {}", o.status.code(), text(&o));
    (out, o)
}

/// Scans the pack and the runs for every protected identity of `input` (and every
/// personnummer in the messages); returns the artifacts for further checks.
fn assert_no_leaks(input: &Path, out: &Path, runs: &[&Output]) -> Vec<Artifact> {
    let ids = protected_identities(input);
    let arts = general_artifacts(out);
    let mut found = scan_all(&arts, runs, &ids);
    let pnrs = [all_personnummer(input)];
    for (i, o) in runs.iter().enumerate() {
        found.extend(leaks(&format!("utskrift från körning {}", i + 1), &text(o), &pnrs));
    }
    assert!(found.is_empty(), "läckor ({}):\n{}", found.len(), found.join("\n"));
    arts
}

/// The real identity stays on the restricted ordinary file.
fn assert_real_name_on_ordinary_file(out: &Path, real: &str) {
    let akts = doc_paths(out, "akt_skyddad", "enhetschef");
    assert!(akts.iter().all(|p| p.to_string_lossy().contains("/begransad/")));
    assert!(akts.iter().any(|p| contains_phrase(&raw_text(p), real)), "{real} on a restricted ordinary file");
}

fn general_egenkontroll_text(out: &Path) -> String {
    doc_paths(out, "egenkontroll", "personal").iter().map(|p| raw_text(p)).collect::<Vec<_>>().join("\n")
}

fn restricted_egenkontroll_text(out: &Path) -> String {
    doc_paths(out, "egenkontroll", "enhetschef").iter().map(|p| raw_text(p)).collect::<Vec<_>>().join("\n")
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A line of stderr of the form `FILE:LINE:COL: varning: … [borttaget] …`.
fn has_scrub_warning(err: &str, file_line: &str) -> bool {
    err.lines().any(|l| l.starts_with(file_line) && l.contains(": varning:") && l.contains("[borttaget]"))
}

/// Case 1: another person's records name him (a neighbour's visit note, another client's
/// plan, assignment, health-care order, consent text): the name reached general paper.
#[test]
fn case1_name_in_another_persons_records_is_removed_and_reported() {
    let dir = demo_copy();
    let d = dir.path();
    let mut visits = Table::read(&d.join("besok.csv"));
    let row = visits.rows.iter().position(|r| r[0] == DATE && r[4] == NEIGHBOUR && !r[8].is_empty()).unwrap();
    visits.set(row, "notering", "Åke Wahlgren i huset intill ringer ibland, tel 073-624 27 49");
    visits.write(&d.join("besok.csv"));
    let line = row + 2;
    let mut persons = Table::read(&d.join("personer.csv"));
    let p3 = persons.find("person_id", "P000003");
    persons.set(p3, "samtycke_text", "Samtycker till att uppgifter lämnas till grannen Åke Wahlgren.");
    persons.write(&d.join("personer.csv"));
    let mut plans = read_json(&d.join("genomforandeplaner.json"));
    for p in plans.iter_mut().filter(|p| p["person_id"] == "P000001") {
        p["mal"] = "Att fika med grannen Åke Wahlgren varje vecka.".into();
    }
    write_json(&d.join("genomforandeplaner.json"), &plans);
    let mut orders = read_json(&d.join("hsl.json"));
    let o1 = orders.iter_mut().find(|o| o["person_id"] == "P000001").unwrap();
    o1["atgard"] = "Grannen Åke Wahlgren har nyckel, fråga honom vid behov.".into();
    write_json(&d.join("hsl.json"), &orders);

    let (out, o) = publish(d);
    let arts = assert_no_leaks(d, out.path(), &[&o]);
    let err = stderr(&o);
    assert!(has_scrub_warning(&err, &format!("besok.csv:{line}:")), "a warning names besok.csv:{line} and says [borttaget]:\n{err}");
    assert!(err.lines().any(|l| l.starts_with("personer.csv:4:") && l.contains("[borttaget]")), "a warning names personer.csv:4:\n{err}");
    assert!(err.contains("genomforandeplaner.json:") && err.contains("hsl.json:"), "warnings name the JSON files:\n{err}");
    let general = general_texts(&arts);
    assert!(
        general.iter().any(|(_, t)| flat(t).contains("i huset intill ringer ibland") && t.contains("[borttaget]")),
        "the note prints with [borttaget]"
    );
    assert!(!general_egenkontroll_text(out.path()).contains("borttaget"), "the scrub warnings are not on the general egenkontroll");
    assert!(
        flat(&restricted_egenkontroll_text(out.path())).contains(&format!("besok.csv rad {line}")),
        "the restricted egenkontroll lists the warning"
    );
    assert_real_name_on_ordinary_file(out.path(), "Åke Wahlgren");
}

/// Case 2: the spellings people type (case, genitive, no diacritics, NFD, "Last, First",
/// personnummer and phone with any separator, +46/0046) got past the check, in his own
/// records and in others'.
#[test]
fn case2_every_spelling_is_removed() {
    let dir = demo_copy();
    let d = dir.path();
    let nfd = "A\u{30a}ke Wahlgren";
    let mut visits = Table::read(&d.join("besok.csv"));
    let own: Vec<usize> = (0..visits.rows.len()).filter(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] == AKE).collect();
    let others: Vec<usize> = (0..visits.rows.len())
        .filter(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] != AKE && visits.rows[i][4] != "P000011")
        .collect();
    let own_notes = [
        "ÅKE WAHLGRENS dotter kommer 14",
        "Ake Wahlgren, pnr 360101–3554",
        "Wahlgren, Åke: 19360101 3554",
        "Ring +46 73 624 27 49 vid behov",
        "Wahlgren's katt ska ha mat",
    ];
    for (i, note) in own_notes.iter().enumerate() {
        visits.set(own[i], "notering", note);
    }
    let other_notes = [
        format!("{nfd} hälsar"),
        "ake wahlgren har ringt".to_string(),
        "Pnr 193601013554 låg på bordet".to_string(),
        "Wahlgrens nummer 0046736242749".to_string(),
        "Ring 073\u{2011}624\u{a0}27\u{a0}49".to_string(),
        "Grannen: 360101.3554 / 360101_3554 / 360101/3554 / 360101—3554".to_string(),
        "Wahlgren Åke kommer på fika".to_string(),
    ];
    for (i, note) in other_notes.iter().enumerate() {
        visits.set(others[i], "notering", note);
    }
    visits.write(&d.join("besok.csv"));
    let (out, o) = publish(d);
    let arts = assert_no_leaks(d, out.path(), &[&o]);
    assert!(general_texts(&arts).iter().any(|(_, t)| t.contains("[borttaget]")), "replaced text prints as [borttaget]");
    assert!(stderr(&o).contains("[borttaget]"), "the replacements are reported");
    assert_real_name_on_ordinary_file(out.path(), "Åke Wahlgren");
}

/// Case 3: his relatives (names, phones) and his door code in other people's records
/// (notes, consent texts, another client's relatives, plans, orders) reached general paper.
#[test]
fn case3_relatives_and_door_code_in_other_records_are_removed() {
    let dir = demo_copy();
    let d = dir.path();
    let mut persons = Table::read(&d.join("personer.csv"));
    let me = persons.find("person_id", AKE);
    persons.set(me, "portkod", "7391");
    let p3 = persons.find("person_id", "P000003");
    persons.set(p3, "samtycke_text", "Samtycker till att uppgifter lämnas till Anna Granqvist.");
    persons.write(&d.join("personer.csv"));
    let mut visits = Table::read(&d.join("besok.csv"));
    let others: Vec<usize> = (0..visits.rows.len()).filter(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] != AKE).collect();
    visits.set(others[0], "notering", "Granqvist, Anna ringde: 072 848 87 46");
    visits.set(others[1], "notering", "Nyckeln hos grannen, portkod7391");
    visits.set(others[2], "notering", "Erik Almqvists nummer 070-152 27 48");
    visits.set(others[3], "notering", "Kod 7391 till porten bredvid");
    visits.write(&d.join("besok.csv"));
    let mut rel = Table::read(&d.join("narstaende.csv"));
    rel.rows.push(vec!["P000001".into(), "Ulrika Ekvall".into(), "granne".into(), "072-889 31 02".into(), "ja".into()]);
    rel.write(&d.join("narstaende.csv"));
    let mut orders = read_json(&d.join("hsl.json"));
    let o1 = orders.iter_mut().find(|o| o["person_id"] == "P000001").unwrap();
    o1["fran"] = "Dottern Ulrika Ekvall, 0728893102".into();
    write_json(&d.join("hsl.json"), &orders);

    let (out, o) = publish(d);
    assert_no_leaks(d, out.path(), &[&o]);
    let err = stderr(&o);
    assert!(has_scrub_warning(&err, &format!("besok.csv:{}:", others[1] + 2)), "the door code in a note is reported:\n{err}");
    assert!(has_scrub_warning(&err, "narstaende.csv:"), "the relative on another client's card is reported:\n{err}");
}

/// Case 4: messages quoted values from his row and listed his problems on the general
/// egenkontroll; the general egenkontroll quoted input values at all.
#[test]
fn case4_messages_never_quote_a_protected_row_and_the_general_egenkontroll_no_value() {
    let dir = demo_copy();
    let d = dir.path();
    let mut visits = Table::read(&d.join("besok.csv"));
    let his = (0..visits.rows.len()).find(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] == AKE).unwrap();
    let other = (0..visits.rows.len()).find(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] == "P000001").unwrap();
    visits.set(his, "dubbelbemanning", "kanske");
    visits.set(other, "dubbelbemanning", "kanske");
    visits.write(&d.join("besok.csv"));
    let (his_line, other_line) = (his + 2, other + 2);

    let (out, o) = publish(d);
    assert_eq!(o.status.code(), Some(3), "problems: exit 3: {}", text(&o));
    assert_no_leaks(d, out.path(), &[&o]);
    let err = stderr(&o);
    let his_msgs: Vec<&str> = err.lines().filter(|l| l.starts_with(&format!("besok.csv:{his_line}:"))).collect();
    assert!(!his_msgs.is_empty(), "his problem is on stderr:\n{err}");
    for l in &his_msgs {
        assert!(l.starts_with(&format!("besok.csv:{his_line}:8: fel:")), "file:line:col: fel: {l}");
        assert!(!l.contains("kanske"), "his value is not quoted: {l}");
        assert!(!l.contains(AKE), "his person_id is not named: {l}");
    }
    assert!(err.lines().any(|l| l.starts_with(&format!("besok.csv:{other_line}:8: fel:"))), "the other problem is on stderr:\n{err}");
    // No line of stderr about his row quotes a value from it (any of its fields).
    let his_values = ["OLBE", "N-1448"];
    for l in &his_msgs {
        for v in his_values {
            assert!(!l.contains(v), "a value of his row ({v}) in {l}");
        }
    }
    let general = flat(&general_egenkontroll_text(out.path()));
    assert!(!general.contains("kanske"), "the general egenkontroll quotes no input value: {general}");
    assert!(!general.contains(&format!("besok.csv rad {his_line},")), "his problem is not on the general egenkontroll");
    assert!(general.contains(&format!("besok.csv rad {other_line},")), "the other problem is on the general egenkontroll");
    let restricted = flat(&restricted_egenkontroll_text(out.path()));
    assert!(restricted.contains(&format!("besok.csv rad {his_line},")), "his problem is on the restricted egenkontroll");
    assert!(!restricted.contains("kanske"), "not quoted there either");
}

/// The general documents that show `phrase` (id, version).
fn docs_showing(out: &Path, phrase: &str) -> Vec<(String, String)> {
    documents(out)
        .iter()
        .filter(|d| d["audience"] == "personal")
        .filter(|d| contains_phrase(&raw_text(&out.join(d["path"].as_str().unwrap())), phrase))
        .map(|d| (d["id"].as_str().unwrap().to_string(), d["version"].as_str().unwrap().to_string()))
        .collect()
}

/// Case 5: a person who becomes protected: the general gallringslista named him and listed
/// his old sheets, `verify` on an old sheet named him, and his new ids could be linked to
/// the old ones.
#[test]
fn case5_a_person_who_becomes_protected_is_cut_off_from_the_old_sheets() {
    let dir = demo_copy();
    let d = dir.path();
    let (out, o1) = publish(d);
    // Her folder's general documents. (Unit documents that also showed her name, such as the
    // day's schedules and the egenkontroll, are superseded on the general list as the unit's
    // documents: staff must shred those copies too, and the list names no one.)
    let folder: std::collections::HashSet<String> = documents(out.path())
        .iter()
        .filter(|d| ["personkort", "genomforandeplan", "uppdrag", "hsl", "blankett"].contains(&d["kind"].as_str().unwrap()))
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    let old: Vec<(String, String)> = docs_showing(out.path(), "Asta Bengtsson").into_iter().filter(|(id, _)| folder.contains(id)).collect();
    assert!(old.len() >= 3, "her general documents in the first run: {old:?}");

    let mut persons = Table::read(&d.join("personer.csv"));
    let row = persons.find("person_id", NEIGHBOUR);
    persons.set(row, "skydd", "lokalt_skydd");
    persons.set(row, "skydd_till", "2027-01-15");
    persons.set(row, "fiktivt_namn", "Signe Kvarnlund");
    persons.write(&d.join("personer.csv"));
    let o2 = generate(d, out.path(), &[]);
    assert!(matches!(o2.status.code(), Some(0) | Some(3)), "second run published: {}", text(&o2));

    assert_no_leaks(d, out.path(), &[&o2]);
    let unit = out.path().join("HT-NORR");
    let asta = {
        let mut id = Identity::new("P000002 (ny skyddad)");
        id.full_name("Asta", "Bengtsson");
        id.personnummer("19480123-4768");
        id.phone("072-563 70 34");
        id.door_code("4774");
        vec![id]
    };
    for f in ["gallringslista.pdf", "gallringslista.csv"] {
        let p = unit.join(f);
        assert!(p.exists(), "{f} exists");
        let t = if f.ends_with(".pdf") { raw_text(&p) } else { String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned() };
        let l = leaks(f, &t, &asta);
        assert!(l.is_empty(), "general {f}: {l:?}");
        for (id, _) in &old {
            assert!(!t.contains(id.as_str()), "the general {f} lists her old sheet {id}");
        }
    }
    let restricted =
        String::from_utf8_lossy(&std::fs::read(unit.join("begransad/gallringslista.csv")).expect("restricted gallringslista.csv"))
            .into_owned();
    for (id, _) in &old {
        assert!(restricted.contains(id.as_str()), "the restricted gallringslista lists {id}:\n{restricted}");
    }
    let (id, version) = &old[0];
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), id, &version[..8]]);
    let said = text(&v);
    assert_ne!(v.status.code(), Some(101));
    for name in ["Asta", "Bengtsson", "Signe Kvarnlund", "Kvarnlund"] {
        assert!(!fold(&said).contains(&fold(name)), "verify names no one ({name}): {said}");
    }
    assert!(said.contains("enhetschef"), "verify sends the reader to the enhetschef: {said}");
    let new = docs_showing(out.path(), "Signe Kvarnlund");
    assert!(!new.is_empty(), "her general documents carry the fictive name");
    for (nid, _) in &new {
        assert!(!old.iter().any(|(oid, _)| oid == nid), "new id {nid} equals an old one");
    }
    let _ = o1;
}

/// Case 7: a stray Windows-1252 byte in an otherwise UTF-8 personer.csv: the file was decoded
/// as Windows-1252 throughout, his name garbled, and the check did not find it in a note.
#[test]
fn case7_mixed_encoding_never_garbles_into_a_leak() {
    let dir = demo_copy();
    let d = dir.path();
    let mut persons = Table::read(&d.join("personer.csv"));
    let p3 = persons.find("person_id", "P000003");
    persons.set(p3, "samtycke_text", "Samtycker till att uppgifter lämnas till barnbarnet Ren\u{1}.");
    persons.write(&d.join("personer.csv"));
    let bytes = std::fs::read(d.join("personer.csv")).unwrap();
    let bytes: Vec<u8> = bytes.into_iter().map(|b| if b == 1 { 0xe9 } else { b }).collect();
    std::fs::write(d.join("personer.csv"), bytes).unwrap();
    let line = p3 + 2;
    let mut visits = Table::read(&d.join("besok.csv"));
    let other = (0..visits.rows.len()).find(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] == "P000001").unwrap();
    visits.set(other, "notering", "Åke Wahlgren har nyckeln");
    visits.write(&d.join("besok.csv"));

    let out = tempfile::tempdir().unwrap();
    let o = generate(d, out.path(), &[]);
    let err = stderr(&o);
    match o.status.code() {
        Some(1) => {
            assert!(
                err.contains(&format!("personer.csv:{line}:16")) || err.contains(&format!("personer.csv:{line}:")),
                "names personer.csv:LINE:COL:\n{err}"
            );
            assert!(!out.path().join("manifest.json").exists(), "nothing published");
            let ids = protected_identities(&demo_input());
            let l = scan_all(&[], &[&o], &ids);
            assert!(l.is_empty(), "{l:?}");
        }
        Some(0) | Some(3) => {
            assert!(
                err.lines().any(|l| l.starts_with(&format!("personer.csv:{line}:")) && l.contains("varning")),
                "a warning names personer.csv:{line}:\n{err}"
            );
            assert_no_leaks(&demo_input(), out.path(), &[&o]);
            assert_real_name_on_ordinary_file(out.path(), "Åke Wahlgren");
            // His name was read right (not garbled), so the ordinary file shows it exactly.
            let akt = doc_paths(out.path(), "akt_skyddad", "enhetschef");
            assert!(akt.iter().any(|p| raw_text(p).contains("Åke")), "Åke, not mojibake, on the ordinary file");
        }
        other => panic!("exit {other:?}: {}", text(&o)),
    }
}

/// Case 6: the exceptions, both sides. A lone given name an unprotected client also bears
/// stays in other people's records, the full name goes; a given name that is an ordinary word
/// counts only capitalised ("per dag" stays, "Dag" goes).
#[test]
fn case6_shared_given_names_and_ordinary_words_stay_full_names_go() {
    let dir = demo_copy();
    let d = dir.path();
    // P000020 (lokalt skydd) is renamed Dag Ekvall; give him a fictive name.
    let mut persons = Table::read(&d.join("personer.csv"));
    let dag = persons.find("person_id", "P000020");
    persons.set(dag, "fornamn", "Dag");
    persons.set(dag, "fiktivt_namn", "Folke Strand");
    persons.write(&d.join("personer.csv"));
    let mut visits = Table::read(&d.join("besok.csv"));
    let dags = (0..visits.rows.len()).find(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] == "P000020").unwrap();
    visits.set(dags, "notering", "Dag vill ha te. Ge sex glas vätska per dag.");
    let others: Vec<usize> = (0..visits.rows.len())
        .filter(|&i| visits.rows[i][0] == DATE && !["P000004", "P000020", "P000011"].contains(&visits.rows[i][4].as_str()))
        .collect();
    visits.set(others[0], "notering", "Åke kommer på fika");
    visits.set(others[1], "notering", "Åke Wahlgren kommer på fika");
    visits.set(others[2], "notering", "Åke ringer 073-624 27 49");
    visits.write(&d.join("besok.csv"));

    let (out, o) = publish(d);
    let arts = assert_no_leaks(d, out.path(), &[&o]);
    let general = general_texts(&arts);
    let any = |phrase: &str| general.iter().any(|(_, t)| contains_phrase(t, phrase));
    let raw_any = |s: &str| general.iter().any(|(_, t)| flat(t).contains(s));
    assert!(raw_any("Åke kommer på fika"), "a lone shared given name in a neighbour's note stays");
    assert!(any("ge sex glas vatska per dag"), "'per dag' stays");
    assert!(!general.iter().any(|(_, t)| flat(t).contains("Dag vill ha te")), "capitalised 'Dag' goes");
    assert!(raw_any("vill ha te"), "the rest of the note stays");
    assert!(!raw_any("Åke ringer"), "the lone given name with his phone goes");
    assert!(any("folke strand"), "the fictive name prints");
    let err = stderr(&o);
    assert!(has_scrub_warning(&err, &format!("besok.csv:{}:", others[1] + 2)), "{err}");
    assert!(
        !err.lines().any(|l| l.starts_with(&format!("besok.csv:{}:", others[0] + 2))),
        "nothing replaced in the shared-name note, no warning:\n{err}"
    );
}

/// Nothing replaced: no `[borttaget]` warning at all.
#[test]
fn case6b_the_demo_as_is_replaces_nothing() {
    let dir = demo_copy();
    let (out, o) = publish(dir.path());
    assert!(!stderr(&o).contains("[borttaget]"), "{}", stderr(&o));
    let arts = assert_no_leaks(dir.path(), out.path(), &[&o]);
    assert!(!general_texts(&arts).iter().any(|(_, t)| t.contains("[borttaget]")));
    assert!(
        general_texts(&arts).iter().any(|(_, t)| contains_phrase(t, "Påminn om att dricka minst sex glas vätska per dag")),
        "his own order prints whole"
    );
}

/// Case 8: a fictive name equal to the real name, or containing the real surname, was printed.
#[test]
fn case8_fictive_name_equal_to_the_real_name_prints_the_case_number() {
    let dir = demo_copy();
    let d = dir.path();
    let mut persons = Table::read(&d.join("personer.csv"));
    let me = persons.find("person_id", AKE);
    persons.set(me, "fiktivt_namn", "Åke Wahlgren");
    let p12 = persons.find("person_id", "P000012");
    persons.set(p12, "fiktivt_namn", "Karin Dufva");
    persons.write(&d.join("personer.csv"));

    let out = tempfile::tempdir().unwrap();
    let o = generate(d, out.path(), &[]);
    assert_eq!(o.status.code(), Some(3), "a data problem: exit 3: {}", text(&o));
    let arts = assert_no_leaks(d, out.path(), &[&o]);
    let general = general_texts(&arts);
    for case in ["Ärende ÄR-2018-00115", "Ärende ÄR-2023-00156"] {
        assert!(general.iter().any(|(_, t)| flat(t).contains(case)), "{case} on general paper");
    }
    let err = stderr(&o);
    assert!(
        err.lines().any(|l| l.starts_with(&format!("personer.csv:{}:", me + 2)) && l.contains(": fel:")),
        "a problem names his line:\n{err}"
    );
    assert!(!err.contains("Karin") && !err.contains("Dufva") && !err.contains("Wahlgren"), "the message quotes no name:\n{err}");
    assert_real_name_on_ordinary_file(out.path(), "Åke Wahlgren");
}

fn unkeyed_person_key(person_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"person\0");
    h.update(person_id.as_bytes());
    h.finalize()[..6].iter().map(|b| format!("{b:02x}")).collect()
}

fn person_keys(out: &Path) -> std::collections::BTreeSet<String> {
    documents(out).iter().filter_map(|d| d.get("person").and_then(|p| p.as_str()).map(str::to_string)).collect()
}

/// Case 9: the manifest's person key was an unkeyed hash of the person_id: anyone with the
/// exports could tell whose documents are whose.
#[test]
fn case9_person_keys_are_keyed_with_the_packs_secret() {
    let dir = demo_copy();
    let d = dir.path();
    let unkeyed: std::collections::HashSet<String> =
        read_csv(&d.join("personer.csv")).iter().map(|p| unkeyed_person_key(&p["person_id"])).collect();
    let (a, oa) = publish(d);
    let (b, _) = publish(d);
    let (ka, kb) = (person_keys(a.path()), person_keys(b.path()));
    assert!(!ka.is_empty(), "the manifest names person keys");
    let bare: Vec<&String> = ka.iter().filter(|k| unkeyed.contains(*k)).collect();
    assert!(bare.is_empty(), "person keys are unkeyed sha256(person\\0 id): {bare:?}");
    assert_ne!(ka, kb, "two fresh packs have different person keys");
    assert_no_leaks(d, a.path(), &[&oa]);

    // With a key file from config, two fresh packs are identical.
    let key: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
    std::fs::write(d.join("nyckel.bin"), key).unwrap();
    std::fs::write(d.join("reservpack.toml"), "id_nyckel_fil = \"nyckel.bin\"\n").unwrap();
    let (c, _) = publish(d);
    let (e, _) = publish(d);
    assert_eq!(
        std::fs::read(c.path().join("manifest.json")).unwrap(),
        std::fs::read(e.path().join("manifest.json")).unwrap(),
        "same key file: identical manifests"
    );
    let kc = person_keys(c.path());
    assert!(kc.iter().all(|k| !unkeyed.contains(k)), "keyed with the config's key too");
}

/// Case 10: a note with characters whose lowercase has another length (Kelvin sign, dotted
/// capital I) made the check fall back to an exact search, and the name went through.
#[test]
fn case10_unusual_characters_neither_panic_nor_leak() {
    let dir = demo_copy();
    let d = dir.path();
    let mut visits = Table::read(&d.join("besok.csv"));
    let own: Vec<usize> = (0..visits.rows.len()).filter(|&i| visits.rows[i][0] == DATE && visits.rows[i][4] == AKE).collect();
    visits.set(own[0], "notering", "\u{212a} Wahlgren \u{130}\u{130}");
    visits.set(own[1], "notering", "\u{212a} WAHLGREN \u{130}\u{130} ÅKE");
    visits.write(&d.join("besok.csv"));
    let out = tempfile::tempdir().unwrap();
    let o = generate(d, out.path(), &[]);
    assert_ne!(o.status.code(), Some(101), "no panic: {}", text(&o));
    assert!(matches!(o.status.code(), Some(0) | Some(3)), "{}", text(&o));
    assert_no_leaks(d, out.path(), &[&o]);
}

fn stdout_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
}

/// Issue item 8: `print` sends general batches only; restricted batches only with
/// `--begransad` (to the given printer).
#[test]
fn print_sends_restricted_batches_only_when_asked() {
    let dir = demo_copy();
    let (out, _) = publish(dir.path());
    let o_str = out.path().to_str().unwrap();
    let o = bin().args(["print", "--out", o_str, "--dry-run"]).env_remove("RESERVPACK_PRINTER").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let general = stdout_lines(&o);
    assert!(!general.is_empty());
    assert!(general.iter().all(|l| !l.contains("begransad")), "no restricted batch without --begransad: {general:?}");
    let o = bin()
        .args(["print", "--out", o_str, "--dry-run", "--begransad", "--printer", "Chefsrum-1"])
        .env_remove("RESERVPACK_PRINTER")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let restricted = stdout_lines(&o);
    assert!(!restricted.is_empty(), "restricted batches with --begransad");
    assert!(restricted.iter().all(|l| l.contains("begransad") && l.contains("Chefsrum-1")), "only restricted batches: {restricted:?}");
}

/// Case 5, as the planner and the enhetschef meet it: the nightly run for the NEXT day, and
/// a `--person` run, after a person became protected. Yesterday's schedules and planerade
/// besök (kept until their gallring date) showed her real name: no general file may still
/// do so, and their printouts go on the restricted gallringslista.
#[test]
fn case5b_a_change_of_protection_reaches_yesterdays_sheets_and_person_runs() {
    for person_run in [false, true] {
        let dir = demo_copy();
        let d = dir.path();
        let (out, _) = publish(d);
        let before: Vec<(String, String)> = documents(out.path())
            .iter()
            .filter(|e| e["audience"] == "personal" && e["date"].is_string())
            .filter(|e| contains_phrase(&raw_text(&out.path().join(e["path"].as_str().unwrap())), "Asta Bengtsson"))
            .map(|e| (e["id"].as_str().unwrap().to_string(), e["kind"].as_str().unwrap().to_string()))
            .collect();
        assert!(!before.is_empty(), "some dated sheet showed her name");
        let mut persons = Table::read(&d.join("personer.csv"));
        let row = persons.find("person_id", NEIGHBOUR);
        persons.set(row, "skydd", "skyddad_folkbokforing");
        persons.set(row, "fiktivt_namn", "Signe Kvarnlund");
        persons.write(&d.join("personer.csv"));
        let (i, o) = (d.to_str().unwrap(), out.path().to_str().unwrap());
        let o2 = if person_run {
            run(&["generate", "--input", i, "--out", o, "--date", DATE, "--person", NEIGHBOUR])
        } else {
            run(&["generate", "--input", i, "--out", o, "--date", "2026-11-25"])
        };
        assert!(matches!(o2.status.code(), Some(0) | Some(3)), "published: {}", text(&o2));
        let asta = {
            let mut id = Identity::new("P000002 (ny skyddad)");
            id.full_name("Asta", "Bengtsson");
            id.personnummer("19480123-4768");
            id.phone("072-563 70 34");
            vec![id]
        };
        let found = scan_all(&general_artifacts(out.path()), &[&o2], &asta);
        assert!(found.is_empty(), "person run {person_run}: {found:?}");
        let restricted =
            String::from_utf8_lossy(&std::fs::read(out.path().join("HT-NORR/begransad/gallringslista.csv")).unwrap()).into_owned();
        // The next day's run carries yesterday's sheets: they move to the restricted side. A
        // run for the same day makes the unit's dated sheets again (the person run widens to
        // the unit): the old versions are superseded like any unit document, naming no one.
        for (id, kind) in before.iter().filter(|_| !person_run) {
            assert!(restricted.contains(id.as_str()), "the restricted list names the {kind} {id}");
            assert!(!documents(out.path()).iter().any(|e| e["id"] == id.as_str()), "{id} is no longer a general document");
        }
        let general = String::from_utf8_lossy(&std::fs::read(out.path().join("HT-NORR/gallringslista.csv")).unwrap()).into_owned();
        assert!(!general.contains("Bengtsson"), "person run {person_run}: {general}");
    }
}

/// Issue 16: the field sheets (larmlista, nyckellista, varningar, boendelista) print him only
/// as Ingvar Gunnarsson, with "ringas av enhetschefen" and "se fiktiv akt"; his relatives
/// and number typed into his own and a neighbour's `varningar`/`nyckelplats` are replaced;
/// only the enhetschef's larmlista holds his real name and phone.
#[test]
fn case11_the_field_sheets_show_him_by_fictive_name_only() {
    let dir = demo_copy();
    let d = dir.path();
    let mut persons = Table::read(&d.join("personer.csv"));
    let ake = persons.find("person_id", AKE);
    persons.set(ake, "varningar", "Syrgas i bostaden. Vid fall ring dottern Ulrika Ekvall 072-889 31 02");
    let n = persons.find("person_id", NEIGHBOUR);
    persons.set(n, "varningar", "Åke Wahlgrens hund springer lös i trapphuset");
    let k = persons.find("person_id", "P000003");
    persons.set(k, "nyckelplats", "Hos grannen Åke Wahlgren, tel 073-624 27 49");
    persons.write(&d.join("personer.csv"));
    let mut assignments = read_json(&d.join("uppdrag.json"));
    assignments.push(serde_json::json!({"person_id": AKE, "uppdragsnummer": "U-LARM-AKE", "typ": "larm", "insatser": "Trygghetslarm"}));
    write_json(&d.join("uppdrag.json"), &assignments);

    let (out, o) = publish(d);
    assert_no_leaks(d, out.path(), &[&o]);
    let sheet = |kind: &str, audience: &str| -> String {
        let paths = doc_paths(out.path(), kind, audience);
        assert!(!paths.is_empty(), "a {audience} {kind}");
        paths.iter().map(|p| flat(&raw_text(p))).collect::<Vec<_>>().join("\n")
    };
    let larm = sheet("larmlista", "personal");
    assert!(larm.contains("Ingvar Gunnarsson ringas av enhetschefen se fiktiv akt"), "{larm}");
    let restricted = sheet("larmlista", "enhetschef");
    assert!(
        restricted.contains("Åke Wahlgren") && restricted.contains("073-624 27 49") && restricted.contains("SKYDDADE PERSONUPPGIFTER"),
        "{restricted}"
    );
    assert!(doc_paths(out.path(), "larmlista", "enhetschef").iter().all(|p| p.to_string_lossy().contains("/begransad/")));
    let keys = sheet("nyckellista", "personal");
    assert!(keys.contains("Ingvar Gunnarsson se fiktiv akt"), "{keys}");
    assert!(
        keys.contains("Viola Strömberg Vallmovägen 39, 422 96 Hisings Backa Hos grannen [borttaget], tel [borttaget]"),
        "the neighbour's key place is kept, his name and number replaced: {keys}"
    );
    let warnings = sheet("varningar", "personal");
    assert!(warnings.contains("Ingvar Gunnarsson Syrgas i bostaden. Vid fall ring dottern [borttaget]"), "{warnings}");
    assert!(warnings.contains("[borttaget] hund springer lös i trapphuset"), "{warnings}");
    let err = stderr(&o);
    for line in [ake + 2, n + 2, k + 2] {
        assert!(has_scrub_warning(&err, &format!("personer.csv:{line}:")), "a warning names personer.csv:{line}:\n{err}");
    }
    assert!(!general_egenkontroll_text(out.path()).contains("borttaget"), "the scrub warnings are not on the general egenkontroll");
}

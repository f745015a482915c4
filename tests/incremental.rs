//! Issue 6: incremental regeneration, the gallringslista (shred list), `gallra`, `verify`,
//! and publishing that never loses a pack (atomic switch, the lock, SIGKILL at any point).
//! End to end: the binary runs like a user runs it.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A person of the demo's home-care unit without protection, and one with
/// skyddad folkbokföring (fictive name in general documents).
const PERSON: &str = "P000001";
const PROTECTED: &str = "P000004";
const UNIT: &str = "HT-NORR";

/// Gives `person`'s genomförandeplan a new version in the input (newer date, new goal).
fn new_plan_version(input: &Path, person: &str, goal: &str) {
    let path = input.join("genomforandeplaner.json");
    let mut plans: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut found = false;
    for p in plans.iter_mut().filter(|p| p["person_id"] == person) {
        p["version_datum"] = "2026-11-20".into();
        p["mal"] = goal.into();
        found = true;
    }
    assert!(found, "{person} has a plan in the demo");
    std::fs::write(&path, serde_json::to_vec_pretty(&plans).unwrap()).unwrap();
}

/// `generate` for another service day than the common `DATE`.
fn generate_for(input: &Path, out: &Path, date: &str) -> Output {
    run(&["generate", "--input", input.to_str().unwrap(), "--out", out.to_str().unwrap(), "--date", date])
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

/// id → entry of the published manifest, with its printed `subject` from the hidden
/// register beside it (the manifest itself never names a person).
fn by_id(out: &Path) -> BTreeMap<String, Value> {
    let register: HashMap<String, String> =
        std::fs::read(out.join(".packs/current/.register.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    documents(out)
        .into_iter()
        .map(|mut d| {
            let id = d["id"].as_str().unwrap().to_string();
            d["subject"] = register.get(&id).cloned().unwrap_or_default().into();
            (id, d)
        })
        .collect()
}

/// Ids whose version differs between two manifests (present in both).
fn changed_ids(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) -> BTreeSet<String> {
    changed(before, after)
}

/// Ids whose version differs between two manifests (present in both).
fn changed(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) -> BTreeSet<String> {
    after.iter().filter(|(id, d)| before.get(*id).is_some_and(|b| b["version"] != d["version"])).map(|(id, _)| id.clone()).collect()
}

/// Reads a CSV output as FORMATS.md requires it: UTF-8 with BOM, `;`, CRLF.
fn contract_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "{} starts with a BOM", path.display());
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"), "CRLF");
    assert!(!text.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["unit", "part", "reason", "kind", "label", "subject", "id", "version", "pages", "printed", "storage", "gallring", "new_version"]
    );
    r.records().map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()).collect()
}

/// Every file of the published pack (manifest, documents, lists, batches, history) with the
/// sha256 of its bytes; `.lock` is not part of the pack.
fn snapshot(out: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let Some(current) = std::fs::read_link(out.join(".packs/current")).ok().map(|t| out.join(".packs").join(t)) else {
        return m;
    };
    let mut stack = vec![(current.clone(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            let p = e.path();
            if p.is_dir() {
                stack.push((p, rel));
            } else {
                m.insert(rel, format!("{:x}", Sha256::digest(std::fs::read(&p).unwrap())));
            }
        }
    }
    m
}

/// Asserts the published pack is whole: the manifest parses and every document in it exists
/// through the visible names.
fn assert_whole(out: &Path) {
    let docs = documents(out);
    assert!(!docs.is_empty());
    for d in &docs {
        let p = out.join(d["path"].as_str().unwrap());
        assert!(p.is_file(), "{} is listed but missing", p.display());
    }
}

fn unit_list(out: &Path, unit: &str) -> PathBuf {
    out.join(unit).join("gallringslista.csv")
}

#[test]
fn a_new_plan_version_supersedes_exactly_that_plan_and_is_on_the_shred_list() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let before = by_id(out.path());
    let gp: Vec<&Value> = before.values().filter(|d| d["kind"] == "genomforandeplan" && d["unit"] == UNIT).collect();
    assert!(!gp.is_empty());

    new_plan_version(input.path(), PERSON, "Att gå till affären själv en gång i veckan.");
    let o = generate(input.path(), out.path(), &[]);
    ok(&o);
    let after = by_id(out.path());
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "no document comes or goes");
    let changed = changed(&before, &after);
    // The person's genomförandeplan and the contents sheet of their folder, which lists its
    // documents' versions — nothing else: the unit's egenkontroll names the folder, not the
    // versions in it, so it stays.
    let plan_id: Vec<&String> = changed.iter().filter(|id| after[*id]["kind"] == "genomforandeplan").collect();
    assert_eq!(plan_id.len(), 1, "exactly one genomförandeplan is new: {changed:?}");
    let plan_id = plan_id[0].clone();
    for id in &changed {
        let d = &after[id];
        assert!(
            d["kind"] == "genomforandeplan" || (d["kind"] == "innehall" && d["person"] == after[&plan_id]["person"]),
            "{id} ({}) changed",
            d["kind"]
        );
    }
    let person = after[&plan_id]["person"].clone();
    assert!(person.is_string());
    assert!(text(&o).contains("2 nya eller ändrade"), "{}", text(&o));

    // The gallringslista names the old version and nothing else of that person (but the
    // folder's contents sheet, which lists the plan's version).
    let rows = contract_csv(&unit_list(out.path(), UNIT));
    let theirs: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| before.get(&r["id"]).is_some_and(|d| d["person"] == person) && r["kind"] != "innehall").collect();
    assert_eq!(theirs.len(), 1, "{rows:?}");
    let row = theirs[0];
    assert_eq!(row["id"], plan_id);
    assert_eq!(row["reason"], "ny_version");
    assert_eq!(row["kind"], "genomforandeplan");
    assert_eq!(row["version"], before[&plan_id]["version"].as_str().unwrap()[..8]);
    assert_eq!(row["new_version"], after[&plan_id]["version"].as_str().unwrap()[..8]);
    assert_eq!(row["storage"], before[&plan_id]["storage"].as_str().unwrap());
    assert_eq!(row["subject"], before[&plan_id]["subject"].as_str().unwrap());
    assert_eq!(row["pages"], before[&plan_id]["pages"].to_string());
    for r in &rows {
        assert!(r["reason"] == "ny_version" && (r["id"] == plan_id || r["kind"] == "innehall"), "unexpected row {r:?}");
    }
    // The PDF says the same, with the stamp.
    let pdf = out.path().join(UNIT).join("gallringslista.pdf");
    let flat = raw_text(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&plan_id) && flat.contains(&row["version"]), "{flat}");
    assert!(flat.contains("SEKRETESS – strimlas eller läggs i sekretesstunna"));
    assert!(flat.contains("Sida 1 av"));

    // verify: the old sheet is superseded by the new version; the new one is current.
    let old_short = before[&plan_id]["version"].as_str().unwrap()[..8].to_string();
    let new_short = after[&plan_id]["version"].as_str().unwrap()[..8].to_string();
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), &plan_id, &format!("v{old_short}")]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(text(&v).contains("ERSATT") && text(&v).contains(&format!("ersattes av v{new_short}, utskriven {DATE}")), "{}", text(&v));
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), &plan_id, &new_short]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    assert!(text(&v).contains("AKTUELL"), "{}", text(&v));
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), "GP-0000000000", "v12345678"]);
    assert_eq!(v.status.code(), Some(1));
    assert!(text(&v).contains("OKÄND"), "{}", text(&v));
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), &plan_id, "v12"]);
    assert_eq!(v.status.code(), Some(2), "a version too short to be one is a usage error");
}

#[test]
fn rerunning_unchanged_input_renders_nothing_and_says_so() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let before = snapshot(out.path());
    let o = generate(input.path(), out.path(), &[]);
    ok(&o);
    let t = text(&o);
    assert!(t.contains("(0 nya eller ändrade"), "{t}");
    assert!(t.contains("Inget dokument har ändrats sedan förra körningen"), "{t}");
    let after = snapshot(out.path());
    let docs = documents(out.path());
    for d in &docs {
        let p = d["path"].as_str().unwrap();
        assert_eq!(before.get(p), after.get(p), "{p} is the same file");
    }
    // A third run: nothing at all changes, not even the derived files.
    ok(&generate(input.path(), out.path(), &[]));
    let third = snapshot(out.path());
    let o = generate(input.path(), out.path(), &[]);
    ok(&o);
    assert_eq!(third, snapshot(out.path()));
}

/// A run plans unchanged documents without their template data (they are carried over).
/// One that is missing from the published pack (a damaged pack) is still rendered again,
/// the same bytes as before, and the pack is whole.
#[test]
fn a_document_missing_from_the_pack_is_rendered_again_the_same() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let docs = documents(out.path());
    let plan = docs.iter().find(|d| d["kind"] == "genomforandeplan").expect("a plan in the demo");
    let path = out.path().join(plan["path"].as_str().unwrap());
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let o = generate(input.path(), out.path(), &[]);
    ok(&o);
    assert!(text(&o).contains("(1 nya eller ändrade"), "{}", text(&o));
    assert_eq!(std::fs::read(&path).expect("rendered again"), bytes);
    assert_whole(out.path());
}

#[test]
fn one_person_is_regenerated_alone_and_merged_into_the_pack() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let before = by_id(out.path());
    let snap = snapshot(out.path());

    // Unchanged input: a person's run renders nothing.
    let o = generate(input.path(), out.path(), &["--person", PERSON]);
    ok(&o);
    assert!(text(&o).contains("(0 nya eller ändrade"), "{}", text(&o));

    new_plan_version(input.path(), PERSON, "Att klara frukosten själv.");
    let o = generate(input.path(), out.path(), &["--person", PERSON]);
    ok(&o);
    assert!(text(&o).contains("2 nya eller ändrade"), "the plan and the folder's contents sheet: {}", text(&o));
    let after = by_id(out.path());
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    let changed = changed(&before, &after);
    assert_eq!(changed.len(), 2, "{changed:?}");
    let plan_id = changed.iter().find(|id| after[*id]["kind"] == "genomforandeplan").expect("the plan changed").clone();
    assert!(changed.iter().all(|id| *id == plan_id || after[id]["kind"] == "innehall"), "{changed:?}");
    // Everything else is the very same file; the other unit is untouched.
    let now = snapshot(out.path());
    for (id, d) in &after {
        if !changed.contains(id) {
            let p = d["path"].as_str().unwrap();
            assert_eq!(snap.get(p), now.get(p), "{p}");
        }
    }
    // (Print batches are issue 7's: a run's delta batch is per run, so not compared here.)
    let other: Vec<&String> = snap.keys().filter(|p| p.starts_with("VB-LINDEN/") && !p.contains("/print/")).collect();
    assert!(!other.is_empty());
    for p in other {
        assert_eq!(snap.get(p), now.get(p), "{p} of the other unit");
    }
    let rows = contract_csv(&unit_list(out.path(), UNIT));
    assert_eq!(rows.len(), 2, "the old plan and the old contents sheet, nothing else: {rows:?}");
    assert!(rows.iter().any(|r| r["id"] == plan_id));
    assert!(rows.iter().all(|r| r["reason"] == "ny_version" && (r["id"] == plan_id || r["kind"] == "innehall")));

    // A full run afterwards agrees with the person's run entirely: the unit's egenkontroll
    // names the person's folder, not the plan's version, so nothing is renewed.
    let o = generate(input.path(), out.path(), &[]);
    ok(&o);
    assert!(text(&o).contains("(0 nya eller ändrade"), "{}", text(&o));
    let full = by_id(out.path());
    let renewed = changed_ids(&after, &full);
    assert!(renewed.is_empty(), "{renewed:?}");
    // And a unit's run, too.
    let o = generate(input.path(), out.path(), &["--unit", UNIT]);
    ok(&o);
    assert!(text(&o).contains("(0 nya eller ändrade"), "{}", text(&o));
}

#[test]
fn restricted_entries_are_only_on_the_restricted_list() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let before = by_id(out.path());
    new_plan_version(input.path(), PROTECTED, "Nytt mål för den skyddade personen.");
    ok(&generate(input.path(), out.path(), &[]));
    let after = by_id(out.path());
    let changed = changed(&before, &after);
    let restricted: Vec<&String> = changed.iter().filter(|id| after[*id]["audience"] == "enhetschef").collect();
    assert!(restricted.iter().any(|id| after[*id]["kind"] == "akt_skyddad"), "the ordinary file holds the plan: {changed:?}");

    let general = contract_csv(&unit_list(out.path(), UNIT));
    let limited = contract_csv(&out.path().join(UNIT).join("begransad/gallringslista.csv"));
    for r in &general {
        assert_eq!(before[&r["id"]]["audience"], "personal", "general list names a restricted document: {r:?}");
    }
    for r in &limited {
        assert_eq!(before[&r["id"]]["audience"], "enhetschef", "{r:?}");
    }
    for id in &restricted {
        assert!(limited.iter().any(|r| &&r["id"] == id), "{id} on the restricted list");
    }
    assert!(general.iter().any(|r| r["kind"] == "genomforandeplan"), "the fictive file's plan is on the general list");
    // The general list (CSV and PDF) never mentions restricted documents or the real name.
    let persons = read_csv(&input.path().join("personer.csv"));
    let real = persons.iter().find(|p| p["person_id"] == PROTECTED).unwrap();
    let real_name = format!("{} {}", real["fornamn"], real["efternamn"]);
    let general_text = String::from_utf8(std::fs::read(unit_list(out.path(), UNIT)).unwrap()).unwrap()
        + &raw_text(&out.path().join(UNIT).join("gallringslista.pdf"));
    for id in before.iter().filter(|(_, d)| d["audience"] == "enhetschef").map(|(id, _)| id) {
        assert!(!general_text.contains(id.as_str()), "general list mentions {id}");
    }
    assert!(!general_text.contains(&real_name) && !general_text.contains(real["efternamn"].as_str()), "real name leaked");
    assert!(!general_text.contains("SKYDDADE PERSONUPPGIFTER"));
}

#[test]
fn a_person_who_left_has_every_document_on_the_list() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let before = by_id(out.path());
    // The person leaves: gone from every export.
    let drop_lines = |file: &str| {
        let p = input.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        let kept: Vec<&str> =
            text.lines().filter(|l| !l.contains(&format!("{PERSON};")) && !l.starts_with(&format!("{PERSON};"))).collect();
        std::fs::write(&p, kept.join("\n") + "\n").unwrap();
    };
    for f in ["personer.csv", "besok.csv", "narstaende.csv"] {
        drop_lines(f);
    }
    for f in ["genomforandeplaner.json", "uppdrag.json", "hsl.json"] {
        let p = input.path().join(f);
        let mut v: Vec<Value> = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        v.retain(|x| x["person_id"] != PERSON);
        std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    }
    ok(&generate(input.path(), out.path(), &[]));
    let after = by_id(out.path());
    let gone: Vec<&String> = before.keys().filter(|id| !after.contains_key(*id)).collect();
    let person = before
        .values()
        .find(|d| d["kind"] == "genomforandeplan" && d["unit"] == UNIT && d["subject"] == "Rolf Karlsson")
        .map(|d| d["person"].clone());
    let person = person.expect("the person's plan was published");
    let theirs: BTreeSet<&String> = before.iter().filter(|(_, d)| d["person"] == person).map(|(id, _)| id).collect();
    assert!(theirs.len() >= 4, "personkort, plan, forms …");
    for id in &theirs {
        assert!(gone.contains(id), "{id} left the pack");
    }
    let rows = contract_csv(&unit_list(out.path(), UNIT));
    for id in &theirs {
        let row = rows.iter().find(|r| &&r["id"] == id).unwrap_or_else(|| panic!("{id} is on the list"));
        assert_eq!(row["reason"], "lamnat_enheten");
    }
    let id = theirs.iter().next().unwrap();
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), id, &before[*id]["version"].as_str().unwrap()[..8]]);
    assert_eq!(v.status.code(), Some(1));
    assert!(text(&v).contains("UTGÅTT") && text(&v).contains("lämnat enheten"), "{}", text(&v));
}

#[test]
fn dated_documents_stay_until_gallra_which_deletes_them_and_keeps_the_manifest_true() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let first = by_id(out.path());
    let schedules: Vec<&Value> = first.values().filter(|d| d["kind"] == "schema").collect();
    assert!(!schedules.is_empty());
    // The next day's run adds to the pack; yesterday's schedules stay, and the list says
    // their gallring date has come.
    let o = generate_for(input.path(), out.path(), "2026-11-25");
    ok(&o);
    let second = by_id(out.path());
    for s in &schedules {
        assert!(second.contains_key(s["id"].as_str().unwrap()), "generate never deletes by the clock");
        assert!(out.path().join(s["path"].as_str().unwrap()).is_file());
    }
    let rows = contract_csv(&unit_list(out.path(), UNIT));
    for s in schedules.iter().filter(|s| s["unit"] == UNIT) {
        let row = rows.iter().find(|r| r["id"] == s["id"].as_str().unwrap()).expect("yesterday's schedule is on the list");
        assert_eq!(row["reason"], "gallringsdatum");
        assert_eq!(row["gallring"], "2026-11-25");
    }

    // gallra on the 25th deletes the schedules of the 24th, and only what is due.
    let before = snapshot(out.path());
    let g = run(&["gallra", "--out", out.path().to_str().unwrap(), "--today", "2026-11-25"]);
    assert_eq!(g.status.code(), Some(0), "{}", text(&g));
    let after = by_id(out.path());
    for s in &schedules {
        let id = s["id"].as_str().unwrap();
        assert!(!after.contains_key(id), "{id} is gone from the manifest");
        assert!(!out.path().join(s["path"].as_str().unwrap()).exists(), "{id} is gone from disk");
        assert!(text(&g).contains(id), "gallra says it deleted {id}");
    }
    for (id, d) in &second {
        let due = d["gallring"]
            .as_str()
            .unwrap()
            .parse::<chrono::NaiveDate>()
            .is_ok_and(|g| g <= chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        assert_eq!(!after.contains_key(id), due, "{id} ({}) kept unless due", d["gallring"]);
    }
    assert_whole(out.path());
    let now = snapshot(out.path());
    for d in after.values() {
        let p = d["path"].as_str().unwrap();
        assert_eq!(before.get(p), now.get(p), "{p} untouched");
    }
    // What it said, verify says too.
    let s = schedules[0];
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), s["id"].as_str().unwrap(), &s["version"].as_str().unwrap()[..8]]);
    assert!(text(&v).contains("GALLRAT"), "{}", text(&v));
    // Again: nothing left to do, nothing changes.
    let again = snapshot(out.path());
    let g = run(&["gallra", "--out", out.path().to_str().unwrap(), "--today", "2026-11-25"]);
    assert_eq!(g.status.code(), Some(0));
    assert!(text(&g).contains("Inget att gallra"), "{}", text(&g));
    assert_eq!(again, snapshot(out.path()));
}

#[test]
fn output_is_private_0700_folders_0600_files() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    let pack = out.path().join("pack");
    ok(&generate(input.path(), &pack, &[]));
    new_plan_version(input.path(), PERSON, "Något nytt.");
    ok(&generate(input.path(), &pack, &["--person", PERSON]));
    let mut stack = vec![pack.clone()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        let mode = std::fs::symlink_metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", d.display());
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else if meta.is_file() {
                assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{}", e.path().display());
                files += 1;
            }
        }
    }
    assert!(files > 100);
}

#[test]
fn a_run_that_fails_or_is_refused_changes_nothing() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let before = snapshot(out.path());
    let listing = |p: &Path| -> BTreeSet<String> {
        let mut s = BTreeSet::new();
        let mut stack = vec![p.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                s.insert(e.path().strip_prefix(p).unwrap().display().to_string());
                if std::fs::symlink_metadata(e.path()).unwrap().is_dir() {
                    stack.push(e.path());
                }
            }
        }
        s
    };
    let names = listing(out.path());

    // Exit 1: input that cannot be read.
    let empty = tempfile::tempdir().unwrap();
    let o = generate(empty.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Exit 2: a person who is not in the input.
    let o = generate(input.path(), out.path(), &["--person", "P999999"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(before, snapshot(out.path()));
    assert_eq!(names, listing(out.path()));

    // Exit 4: another run holds the lock; it is named, and nothing changes.
    use fs4::fs_std::FileExt;
    let lock = std::fs::OpenOptions::new().read(true).write(true).open(out.path().join(".lock")).unwrap();
    assert!(lock.try_lock_exclusive().unwrap(), "nothing else holds the lock");
    std::fs::write(out.path().join(".lock"), "4242\nreservpack generate, startad 2026-11-23 22:00:00\n").unwrap();
    let o = generate_for(input.path(), out.path(), "2026-11-25");
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("pid 4242") && text(&o).contains("reservpack generate"), "names the running one: {}", text(&o));
    let g = run(&["gallra", "--out", out.path().to_str().unwrap(), "--today", "2027-01-01"]);
    assert_eq!(g.status.code(), Some(4), "{}", text(&g));
    assert_eq!(before, snapshot(out.path()));
    assert_eq!(names, listing(out.path()));
    drop(lock);
    ok(&generate_for(input.path(), out.path(), "2026-11-25"));
}

/// SIGKILL `generate` at many points of a run: the previous pack stays whole and
/// byte-identical, and the next run succeeds. Runs alternate between a small change (one
/// plan: the run is mostly reading, planning and publishing) and a new service day (many
/// documents to render), killed after a random delay within the run's own duration.
#[test]
fn killing_generate_at_any_point_never_loses_the_pack() {
    use rand::{Rng, SeedableRng};
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));

    let mut goal = 0u32;
    let mut day = 0u32;
    // Make the input of iteration i change something, and return its generate arguments.
    let mut next_run = |i: usize| -> Vec<String> {
        let dates = ["2026-11-25", "2026-11-26", "2026-11-27"];
        let date = if i.is_multiple_of(2) {
            goal += 1;
            new_plan_version(input.path(), PERSON, &format!("Mål nummer {goal}."));
            dates[day as usize % 3]
        } else {
            day += 1;
            dates[day as usize % 3]
        };
        ["generate", "--input", input.path().to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--date", date]
            .map(String::from)
            .to_vec()
    };
    // How long each kind of run takes, uninterrupted.
    let mut took = [Duration::ZERO; 2];
    for (i, t) in took.iter_mut().enumerate() {
        let args = next_run(i);
        let start = Instant::now();
        ok(&bin().args(&args).output().unwrap());
        *t = start.elapsed();
    }

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    let mut completed = 0;
    for i in 0..20 {
        let before = snapshot(out.path());
        let manifest_before = std::fs::read(out.path().join("manifest.json")).unwrap();
        let args = next_run(i);
        let limit = took[i % 2].as_millis() as u64 * 11 / 10;
        let delay = Duration::from_millis(rng.gen_range(0..=limit.max(1)));
        let mut child = bin().args(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let now = snapshot(out.path());
        assert_whole(out.path());
        let manifest_now = std::fs::read(out.path().join("manifest.json")).unwrap();
        if status.success() || manifest_now != manifest_before {
            // It finished before the kill (or the kill came after the switch): a whole new pack.
            completed += 1;
            let m: Value = serde_json::from_slice(&manifest_now).expect("the new manifest parses");
            assert!(m["documents"].as_array().is_some_and(|d| !d.is_empty()));
        } else {
            assert_eq!(before, now, "iteration {i} (killed after {delay:?}): the previous pack is byte-identical");
        }
    }
    eprintln!("20 kills, {completed} runs had finished or switched first");
    assert!(completed < 20, "the kills must land inside runs");
    // The next run succeeds and leaves no debris of the killed ones.
    let args = next_run(20);
    ok(&bin().args(&args).output().unwrap());
    assert_whole(out.path());
    let packs: Vec<String> =
        std::fs::read_dir(out.path().join(".packs")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(packs.len(), 4, "current, its generation, the trees and the pack's id secret: {packs:?}");
    assert!(packs.iter().any(|p| p == "id_nyckel"), "{packs:?}");
    // Every file kept under `.packs/trees` is reachable from the published pack.
    let reachable: BTreeSet<PathBuf> =
        files(&out.path().join(".packs/current")).iter().map(|f| std::fs::canonicalize(f).unwrap()).collect();
    let mut stack = vec![std::fs::canonicalize(out.path().join(".packs/trees")).unwrap()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                assert!(reachable.contains(&e.path()), "debris left: {}", e.path().display());
            }
        }
    }
}

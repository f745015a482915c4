//! Issue 17: `reservpack export` (one unit's pack on an encrypted USB stick) and
//! `reservpack verify --offline`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const RESTRICTED_DIR: &str = "BEGRÄNSAD – endast enhetschef";

/// A demo pack, generated once per test.
fn pack() -> (tempfile::TempDir, tempfile::TempDir) {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    let o = generate(input.path(), out.path(), &[]);
    assert!(o.status.success(), "generate failed: {}", text(&o));
    (input, out)
}

fn export(out: &Path, unit: &str, to: &Path, begransad: bool) -> std::process::Output {
    let mut args = vec!["export", "--out", out.to_str().unwrap(), "--unit", unit, "--to", to.to_str().unwrap()];
    if begransad {
        args.push("--begransad");
    }
    run(&args)
}

/// Exports `unit` to a new stick; returns the stick, the copy folder and the command's output.
fn export_to_new_stick(out: &Path, unit: &str, begransad: bool) -> (tempfile::TempDir, PathBuf, std::process::Output) {
    let stick = tempfile::tempdir().unwrap();
    let o = export(out, unit, stick.path(), begransad);
    assert!(o.status.success(), "export failed: {}", text(&o));
    let copy = copy_dir(stick.path());
    (stick, copy, o)
}

/// The one copy folder under `stick`.
fn copy_dir(stick: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(stick).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(dirs.len(), 1, "one folder on the stick: {dirs:?}");
    dirs[0].clone()
}

/// Every entry under `dir`, relative, without following links; panics on a link.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let t = e.file_type().unwrap();
            assert!(!t.is_symlink(), "a link in the copy: {}", e.path().display());
            out.push(e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if t.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn fat_safe(component: &str) -> bool {
    !component.is_empty()
        && component.chars().count() <= 100
        && !component.chars().any(|c| c.is_control() || ":*?\"<>|\\".contains(c))
        && !component.ends_with(['.', ' '])
}

fn sha256(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap().to_string()
}

fn verify_offline(target: &Path) -> std::process::Output {
    run(&["verify", "--offline", target.to_str().unwrap()])
}

/// `%XX` decoding of an href.
fn unescape(href: &str) -> String {
    let b = href.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
}

#[test]
fn export_writes_a_safe_complete_tree_whose_index_links_resolve_offline() {
    let (_input, out) = pack();
    let (_stick, copy, _) = export_to_new_stick(out.path(), "HT-NORR", false);
    let name = copy.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name, "Reservpack Hemtjänst Norr 2026-11-24");
    let entries = tree(&copy);
    for e in &entries {
        for c in e.split('/') {
            assert!(fat_safe(c), "not FAT-safe: {e:?}");
        }
    }
    assert!(!entries.iter().any(|e| e.contains("BEGRÄNSAD")), "restricted folder without --begransad");
    for want in [
        "index.html",
        "SHA256SUMS",
        "KLAR.txt",
        "Scheman/2026-11-24",
        "Listor/Telefonlista arbetstelefoner.pdf",
        "Blanketter/Reservblankett totaltidsregistrering (ifyllbar).pdf",
    ] {
        assert!(entries.iter().any(|e| e == want), "{want} missing: {entries:?}");
    }
    // Schedules by day, named by signature and employee.
    assert!(entries.iter().any(|e| e == "Scheman/2026-11-24/NAHO Nadia Hosseini.pdf"), "{entries:?}");

    // Every general document of the unit is there, byte for byte (by version id in index and bytes).
    let files: BTreeSet<String> = entries.iter().filter(|e| copy.join(e).is_file()).cloned().collect();
    let docs: Vec<serde_json::Value> =
        documents(out.path()).into_iter().filter(|d| d["unit"] == "HT-NORR" && d["audience"] == "personal").collect();
    let copied: BTreeSet<String> = files.iter().filter(|f| f.ends_with(".pdf")).map(|f| sha256(&copy.join(f))).collect();
    for d in &docs {
        let src = out.path().join(d["path"].as_str().unwrap());
        assert!(copied.contains(&sha256(&src)), "{} not in the copy", d["id"]);
    }
    let index = std::fs::read_to_string(copy.join("index.html")).unwrap();
    for d in &docs {
        let v = &d["version"].as_str().unwrap()[..8];
        assert!(index.contains(d["id"].as_str().unwrap()) && index.contains(&format!("v{v}")), "{} not listed", d["id"]);
    }
    assert!(index.contains("Kopia – gäller per 2026-11-24; inaktuell efter nästa utskrift"));
    assert!(!index.contains("http://") && !index.contains("https://") && !index.contains("<script"), "external resources or script");

    // SHA256SUMS: every file but the sums and the marker, with the right sum.
    let sums = std::fs::read_to_string(copy.join("SHA256SUMS")).unwrap();
    let listed: BTreeSet<String> = sums.lines().map(|l| l.split_once("  ").unwrap().1.to_string()).collect();
    let expected: BTreeSet<String> = files.iter().filter(|f| *f != "SHA256SUMS" && *f != "KLAR.txt").cloned().collect();
    assert_eq!(listed, expected);
    let check = Command::new("sha256sum").args(["-c", "--quiet", "SHA256SUMS"]).current_dir(&copy).output().unwrap();
    assert!(check.status.success(), "sha256sum -c: {}", text(&check));

    // The contents page in a headless browser, with no network: every link resolves.
    let Some(browser) = chromium() else {
        println!("OBS: chromium kan inte köras; kontrollen av index.html i webbläsare hoppas över (scripts/test.sh installerar chromium).");
        return;
    };
    let url = format!("file://{}", copy.join("index.html").display());
    let dom = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-proxy-server", "--proxy-server=127.0.0.1:9", "--dump-dom"])
        .arg(&url)
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&dom.stdout).into_owned();
    if !dom.status.success() || !html.contains("</html>") {
        println!("OBS: chromium kunde inte öppna sidan; kontrollen hoppas över: {}", text(&dom));
        return;
    }
    assert!(html.contains("Kopia – gäller per 2026-11-24"), "the page as the browser read it");
    let hrefs: Vec<&str> = html.split("href=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    assert!(hrefs.len() > docs.len(), "{} links", hrefs.len());
    let mut pdf_links = 0;
    for h in hrefs {
        if let Some(id) = h.strip_prefix('#') {
            assert!(html.contains(&format!("id=\"{id}\"")), "anchor {h} missing");
            continue;
        }
        assert!(!h.contains(':'), "not a relative link: {h}");
        let target = copy.join(unescape(h));
        assert!(target.is_file(), "link {h} → {} does not exist", target.display());
        pdf_links += 1;
    }
    assert_eq!(pdf_links, files.iter().filter(|f| f.ends_with(".pdf")).count(), "every PDF is linked");
}

#[test]
fn verify_offline_passes_on_a_fresh_copy_and_fails_when_altered_or_unfinished() {
    let (_input, out) = pack();
    let (stick, copy, _) = export_to_new_stick(out.path(), "VB-LINDEN", false);
    let ok = verify_offline(&copy);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("komplett och oförändrad"));
    assert_eq!(verify_offline(stick.path()).status.code(), Some(0), "the stick itself");

    // One byte of one PDF changed.
    let pdf = tree(&copy).into_iter().find(|e| e.ends_with("Personkort.pdf")).unwrap();
    let mut bytes = std::fs::read(copy.join(&pdf)).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(copy.join(&pdf), &bytes).unwrap();
    let bad = verify_offline(&copy);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains(&format!("{pdf} är ändrad")), "{}", text(&bad));

    // A fresh copy replaces the damaged one; without its finished marker it fails.
    let o = export(out.path(), "VB-LINDEN", stick.path(), false);
    assert!(o.status.success(), "{}", text(&o));
    let copy = copy_dir(stick.path());
    assert_eq!(verify_offline(&copy).status.code(), Some(0));
    std::fs::remove_file(copy.join("KLAR.txt")).unwrap();
    let bad = verify_offline(&copy);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("KLAR.txt saknas"), "{}", text(&bad));

    // An extra file, and an interrupted export's temp folder on the stick, fail too.
    let o = export(out.path(), "VB-LINDEN", stick.path(), false);
    assert!(o.status.success());
    let copy = copy_dir(stick.path());
    std::fs::write(copy.join("Listor/extra.pdf"), b"x").unwrap();
    assert_eq!(verify_offline(&copy).status.code(), Some(1));
    std::fs::remove_file(copy.join("Listor/extra.pdf")).unwrap();
    std::fs::create_dir(stick.path().join(".reservpack-tmp-VB-LINDEN-1")).unwrap();
    let bad = verify_offline(stick.path());
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("ofullständig kopia"));
}

#[test]
fn nothing_restricted_without_begransad_and_restricted_only_in_its_folder_with_it() {
    let (input, out) = pack();
    let ids = protected_identities(input.path());
    assert!(!ids.is_empty());
    for unit in ["HT-NORR", "VB-LINDEN"] {
        // Without --begransad: names and text of everything written.
        let (_stick, copy, o) = export_to_new_stick(out.path(), unit, false);
        let mut found = leaks("utskriften", &text(&o), &ids);
        for e in tree(&copy) {
            found.extend(leaks(&format!("filnamnet {e}"), &e, &ids));
            assert!(
                !e.contains("BEGR") && !e.to_lowercase().contains("begransad") && !e.contains("Ordinarie akt") && !e.contains("privata"),
                "{e}"
            );
            let p = copy.join(&e);
            if p.is_file() {
                let t = if e.ends_with(".pdf") { raw_text(&p) } else { std::fs::read_to_string(&p).unwrap() };
                found.extend(leaks(&format!("texten i {e}"), &t, &ids));
                assert!(!t.contains("SKYDDADE PERSONUPPGIFTER"), "{e}");
            }
        }
        let index = std::fs::read_to_string(copy.join("index.html")).unwrap();
        assert!(
            !index.contains("BEGRÄNSA") && !index.contains("AKT-") && !index.contains("TELP-"),
            "the index mentions restricted material"
        );
        assert!(found.is_empty(), "{unit}: {found:#?}");

        // With --begransad: restricted documents only inside the BEGRÄNSAD folder.
        let (_stick, copy, _) = export_to_new_stick(out.path(), unit, true);
        let restricted: Vec<serde_json::Value> =
            documents(out.path()).into_iter().filter(|d| d["unit"] == unit && d["audience"] == "enhetschef").collect();
        assert!(!restricted.is_empty());
        let mut where_: Vec<String> = Vec::new();
        for e in tree(&copy).into_iter().filter(|e| e.ends_with(".pdf")) {
            let sum = sha256(&copy.join(&e));
            if restricted.iter().any(|d| sha256(&out.path().join(d["path"].as_str().unwrap())) == sum) {
                where_.push(e);
            }
        }
        assert_eq!(where_.len(), restricted.len(), "{where_:?}");
        assert!(where_.iter().all(|e| e.starts_with(&format!("{RESTRICTED_DIR}/"))), "{where_:?}");
        // Outside that folder, still nothing restricted.
        let mut found = Vec::new();
        for e in tree(&copy).into_iter().filter(|e| !e.starts_with(RESTRICTED_DIR)) {
            found.extend(leaks(&format!("filnamnet {e}"), &e, &ids));
            let p = copy.join(&e);
            if p.is_file() && e.ends_with(".pdf") {
                found.extend(leaks(&format!("texten i {e}"), &raw_text(&p), &ids));
            }
        }
        assert!(found.is_empty(), "{unit} with --begransad: {found:#?}");
        assert_eq!(verify_offline(&copy).status.code(), Some(0));
    }
}

#[test]
fn export_refuses_a_target_that_is_no_directory_and_leaves_foreign_folders_alone() {
    let (_input, out) = pack();
    let stick = tempfile::tempdir().unwrap();
    let file = stick.path().join("fil.txt");
    std::fs::write(&file, b"x").unwrap();
    assert_eq!(export(out.path(), "HT-NORR", &file, false).status.code(), Some(2));
    assert_eq!(export(out.path(), "HT-NORR", &stick.path().join("saknas"), false).status.code(), Some(2));
    let elsewhere = tempfile::tempdir().unwrap();
    let link = stick.path().join("länk");
    std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
    assert_eq!(export(out.path(), "HT-NORR", &link, false).status.code(), Some(2));
    assert!(std::fs::read_dir(elsewhere.path()).unwrap().next().is_none());
    assert_eq!(export(out.path(), "FINNS-EJ", stick.path(), false).status.code(), Some(2));

    // A folder of the copy's name that is not a copy is never replaced.
    let mine = stick.path().join("Reservpack Hemtjänst Norr 2026-11-24");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("egen.txt"), b"mitt").unwrap();
    let o = export(out.path(), "HT-NORR", stick.path(), false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(std::fs::read(mine.join("egen.txt")).unwrap(), b"mitt");
    let left: Vec<String> =
        std::fs::read_dir(stick.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|n| !n.starts_with(".reservpack-")), "{left:?}");
}

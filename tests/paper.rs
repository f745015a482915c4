//! Issue 14: paper that works at the door — schedules on one sheet, continuation headers,
//! the gallringslista's two parts, a stable egenkontroll, contents and driftstopp sheets,
//! the restricted file's mark, and the data-as-of line in every stamp.

mod common;

use std::path::Path;

use common::*;

const UNIT: &str = "HT-NORR";

/// Adds two employees to the demo input: SEXT with 16 visits on DATE (one sheet), LANG with
/// 34 (two sheets), both with a Time Care shift. Their visits go to unprotected persons of
/// the unit; SEXT's first visit is shared with LANG (double staffing).
fn busy_day(input: &Path) -> Vec<String> {
    let persons = read_csv(&input.join("personer.csv"));
    let people: Vec<&std::collections::HashMap<String, String>> =
        persons.iter().filter(|p| p["enhet"] == UNIT && p["skydd"] == "ingen").collect();
    let mut personal = std::fs::read_to_string(input.join("personal.csv")).unwrap();
    personal.push_str("SEXT;Sixten;Sextonsson;HT-NORR;Undersköterska;070-000 00 16;\n");
    personal.push_str("LANG;Lena;Långdag;HT-NORR;Vårdbiträde;070-000 00 34;\n");
    std::fs::write(input.join("personal.csv"), personal).unwrap();
    let mut tc = std::fs::read_to_string(input.join("timecare.csv")).unwrap();
    tc.push_str(&format!("SEXT;{DATE};06:00;15:00;Dag;HT-NORR;2026-11-16;2026-12-13\n"));
    tc.push_str(&format!("LANG;{DATE};06:00;23:00;Lång;HT-NORR;2026-11-16;2026-12-13\n"));
    std::fs::write(input.join("timecare.csv"), tc).unwrap();
    let mut besok = std::fs::read_to_string(input.join("besok.csv")).unwrap();
    let mut visited = Vec::new();
    let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
    for i in 0..16u32 {
        let p = people[i as usize % people.len()];
        visited.push(p["person_id"].clone());
        let (s, e) = (6 * 60 + i * 33, 6 * 60 + i * 33 + 28);
        let double = if i == 0 { "ja" } else { "nej" };
        besok.push_str(&format!(
            "{DATE};{};{};SEXT;{};Morgonhjälp,Av- och påklädning,Läkemedelsöverlämning;N-{:04};{double};Ring på två gånger\n",
            hhmm(s),
            hhmm(e),
            p["person_id"],
            1000 + i
        ));
    }
    for i in 0..34u32 {
        let p = people[(i as usize + 3) % people.len()];
        let (s, e) = (6 * 60 + i * 30, 6 * 60 + i * 30 + 25);
        let p = if i == 0 { people[0] } else { p };
        let double = if i == 0 { "ja" } else { "nej" };
        besok.push_str(&format!("{DATE};{};{};LANG;{};Tillsyn;;{double};\n", hhmm(s), hhmm(e), p["person_id"]));
    }
    std::fs::write(input.join("besok.csv"), besok).unwrap();
    visited
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn schedule_of<'a>(out: &Path, docs: &'a [serde_json::Value], sig: &str) -> (&'a serde_json::Value, Vec<String>) {
    for d in docs.iter().filter(|d| d["kind"] == "schema") {
        let p = pages(&out.join(d["path"].as_str().unwrap()));
        if flat(&p[0]).contains(&format!("Medarbetare {sig} –")) {
            return (d, p);
        }
    }
    panic!("no schedule for {sig}");
}

#[test]
fn schedules_fit_a_sheet_and_continuation_pages_say_forts() {
    let input = demo_copy();
    let visited = busy_day(input.path());
    let out = tempfile::tempdir().unwrap();
    let o = generate(input.path(), out.path(), &["--data-as-of", "2026-11-23 18:30"]);
    assert!(matches!(o.status.code(), Some(0)), "{}", text(&o));
    let docs = documents(out.path());

    // 16 visits: one sheet, with the shift, phones, the partner, and no door code.
    let (doc, p) = schedule_of(out.path(), &docs, "SEXT");
    assert_eq!(doc["pages"], 1, "a day of 16 visits fits one A4 sheet");
    let page = flat(&p[0]);
    assert!(page.contains("Arbetspass 06:00 – 15:00 (Dag)"), "{page}");
    assert!(page.contains("Dubbelbemanning med LANG"), "the partner's signature: {page}");
    let persons = read_csv(&input.path().join("personer.csv"));
    for id in &visited {
        let p = persons.iter().find(|p| &p["person_id"] == id).unwrap();
        if !p["telefon"].is_empty() {
            assert!(page.contains(&p["telefon"]), "phone of {id} on the schedule");
        }
        if !p["portkod"].is_empty() {
            assert!(!page.contains(&format!("Portkod {}", p["portkod"])), "no door code on a schedule");
        }
    }
    assert!(!page.contains("Portkod"), "no door code on a schedule");

    // 34 visits: the continuation page repeats title, person, date and "forts.".
    let (doc, p) = schedule_of(out.path(), &docs, "LANG");
    assert!(doc["pages"].as_u64().unwrap() >= 2);
    for page in &p[1..] {
        assert!(flat(page).contains("Pappersschema – LANG Lena Långdag – Tisdag 2026-11-24 (forts.)"), "{page}");
    }
    assert!(!flat(&p[0]).contains("(forts.)"));
    // The unit's planerade besök runs over several pages; each later one says so.
    let pb = docs.iter().find(|d| d["kind"] == "planerade_besok" && d["date"] == DATE).unwrap();
    let p = pages(&out.path().join(pb["path"].as_str().unwrap()));
    assert!(p.len() >= 2);
    for page in &p[1..] {
        assert!(flat(page).contains("Planerade besök – Hemtjänst Norr – Tisdag 2026-11-24 (forts.)"), "{page}");
    }

    // Every page of every document says when the data is from, and which printing it is.
    for d in &docs {
        for (i, page) in pages(&out.path().join(d["path"].as_str().unwrap())).iter().enumerate() {
            let page = flat(page);
            assert!(page.contains("Uppgifter per 2026-11-23 kl. 18:30"), "page {} of {}: {page}", i + 1, d["id"]);
            assert!(page.contains("utskrift 1"), "page {} of {}", i + 1, d["id"]);
        }
    }
}

/// A second export of the same data re-renders nothing; a changed plan is printing 2 and
/// carries the new export time, the others keep theirs.
#[test]
fn the_stamp_tells_printing_and_export_time_without_changing_versions() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &["--data-as-of", "2026-11-23 18:30"]));
    let o = generate(input.path(), out.path(), &["--data-as-of", "2026-11-23 21:00"]);
    ok(&o);
    assert!(text(&o).contains("0 nya eller ändrade"), "{}", text(&o));
    let plans = std::fs::read_to_string(input.path().join("genomforandeplaner.json")).unwrap();
    let mut v: Vec<serde_json::Value> = serde_json::from_str(&plans).unwrap();
    let first = v.iter_mut().find(|p| p["person_id"] == "P000001").unwrap();
    first["mal"] = serde_json::json!("Ett nytt mål för att pröva utskriftsnumret.");
    std::fs::write(input.path().join("genomforandeplaner.json"), serde_json::to_string(&v).unwrap()).unwrap();
    ok(&generate(input.path(), out.path(), &["--data-as-of", "2026-11-24 06:10"]));
    let mut seen_new = false;
    for d in documents(out.path()).iter().filter(|d| d["kind"] == "genomforandeplan") {
        let t = flat(&raw_text(&out.path().join(d["path"].as_str().unwrap())));
        if t.contains("Ett nytt mål") {
            seen_new = true;
            assert!(t.contains("utskrift 2") && t.contains("Uppgifter per 2026-11-24 kl. 06:10"), "{t}");
        } else {
            assert!(t.contains("utskrift 1") && t.contains("Uppgifter per 2026-11-23 kl. 18:30"), "{t}");
        }
    }
    assert!(seen_new);
}

fn ok(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

/// Every egenkontroll of the pack: version and bytes.
fn checklists(out: &Path) -> Vec<(String, Vec<u8>)> {
    documents(out)
        .iter()
        .filter(|d| d["kind"] == "egenkontroll")
        .map(|d| (d["version"].as_str().unwrap().to_string(), std::fs::read(out.join(d["path"].as_str().unwrap())).unwrap()))
        .collect()
}

/// Two nightly runs for consecutive days with no change to persistent data leave the
/// egenkontroll byte-identical; the day's schedules are on the batch cover.
#[test]
fn the_egenkontroll_does_not_change_from_night_to_night() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate_on(input.path(), out.path(), "2026-11-24", &[]));
    let first = checklists(out.path());
    ok(&generate_on(input.path(), out.path(), "2026-11-25", &[]));
    let second = checklists(out.path());
    assert!(!first.is_empty());
    assert!(first == second, "the egenkontroll changed between two nights");
    let eg = documents(out.path())
        .into_iter()
        .find(|d| d["kind"] == "egenkontroll" && d["unit"] == UNIT && d["audience"] == "personal")
        .unwrap();
    let t = flat(&raw_text(&out.path().join(eg["path"].as_str().unwrap())));
    assert!(t.contains("Pappersscheman, ett per medarbetare och dag"), "{t}");
    assert!(!t.contains("2026-11-25 ") || !t.contains("Pappersschema "), "no per-day schedule rows");
    // A person's folder is one row, checked against its contents sheet: no plan version.
    assert!(t.contains("enligt innehållsförteckningen") && t.contains("se akten"), "{t}");

    // The day's schedules are on the cover of the unit's full batch (built when the print
    // room asks for it: the nightly run builds the changes only).
    let o = run(&["print", "--out", out.path().to_str().unwrap(), "--printer", "Utskriftsrum-1", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rows = read_csv(&out.path().join("print-manifest.csv"));
    let full = rows.iter().find(|r| r["unit"] == UNIT && r["audience"] == "personal" && r["batch"].contains("full")).unwrap();
    let cover = flat(&pages(&out.path().join(&full["batch"]))[0]);
    assert!(cover.contains("Dagens pappersscheman"), "{cover}");
    assert!(cover.contains("Skriv ut dubbelsidigt, vänd längs långa kanten"), "{cover}");
}

/// The gallringslista's two parts: unused copies to shred now, and filled-in originals
/// (schedules with written times, forms) to enter or after-register first.
#[test]
fn the_gallringslista_has_two_parts() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate_on(input.path(), out.path(), "2026-11-24", &[]));
    ok(&generate_on(input.path(), out.path(), "2026-11-25", &[]));
    let csv = read_csv(&out.path().join(UNIT).join("gallringslista.csv"));
    let schedules: Vec<_> = csv.iter().filter(|r| r["kind"] == "schema").collect();
    assert!(!schedules.is_empty(), "yesterday's schedules are due: {csv:?}");
    assert!(schedules.iter().any(|r| r["part"] == "oanvand"));
    assert!(schedules.iter().any(|r| r["part"] == "ifylld"));
    assert!(csv.iter().all(|r| r["part"] == "oanvand" || r["part"] == "ifylld"));
    let t = flat(&raw_text(&out.path().join(UNIT).join("gallringslista.pdf")));
    assert!(t.contains("Del 1. Oanvända kopior: strimla nu"), "{t}");
    assert!(
        t.contains(
            "Del 2. Ifyllda blad är originalhandlingar: för in uppgifterna / efterregistrera tiden först, strimla sedan enligt rutinen"
        ),
        "{t}"
    );
    assert!(t.contains("efterregistrering av utförd tid"), "{t}");
    assert!(t.contains("Strimlat av") && t.contains("Signatur"), "the receipt stays");
    assert!(t.contains("Uppgifter per "), "the list says when the data is from: {t}");
}

/// Every person folder starts with its contents sheet; every unit pack with "Så gör du vid
/// driftstopp"; every page of the restricted ordinary file says SKYDDADE PERSONUPPGIFTER and
/// shows the protection level and the name used on general paper.
#[test]
fn contents_driftstopp_and_the_marked_ordinary_file() {
    let out = tempfile::tempdir().unwrap();
    let o = generate(&demo_input(), out.path(), &["--data-as-of", "2026-11-23 18:30"]);
    ok(&o);
    let docs = documents(out.path());
    for unit in ["HT-NORR", "VB-LINDEN"] {
        let ds: Vec<_> = docs.iter().filter(|d| d["kind"] == "driftstopp" && d["unit"] == unit).collect();
        assert_eq!(ds.len(), 1, "{unit}");
        assert_eq!(ds[0]["pages"], 1, "one page");
        let t = flat(&raw_text(&out.path().join(ds[0]["path"].as_str().unwrap())));
        assert!(t.contains("Så gör du vid driftstopp") && t.contains("När systemen fungerar igen"), "{t}");
    }
    let contents: Vec<_> = docs.iter().filter(|d| d["kind"] == "innehall").collect();
    let persons: std::collections::BTreeSet<&str> =
        docs.iter().filter(|d| d["audience"] == "personal").filter_map(|d| d["person"].as_str()).collect();
    assert_eq!(contents.len(), persons.len(), "one contents sheet per person folder");
    for c in &contents {
        let t = flat(&raw_text(&out.path().join(c["path"].as_str().unwrap())));
        assert!(t.contains("Innehåll i akten"), "{t}");
        // (The signeringslista is kept in the signing binder, not in the person's file.)
        let in_folder = |d: &&serde_json::Value| d["kind"] != "innehall" && d["kind"] != "signeringslista";
        for d in docs.iter().filter(|d| d["person"] == c["person"] && d["audience"] == "personal").filter(in_folder) {
            let v = &d["version"].as_str().unwrap()[..8];
            assert!(t.contains(d["id"].as_str().unwrap()) && t.contains(v), "{} listed with its version: {t}", d["id"]);
        }
    }
    // The unit's full batch starts with the driftstopp sheet (after the cover), each person
    // with the contents sheet.
    let rows = read_csv(&out.path().join("print-manifest.csv"));
    let full = rows.iter().find(|r| r["unit"] == UNIT && r["audience"] == "personal" && r["batch"].contains("full")).unwrap();
    let batch = pages(&out.path().join(&full["batch"]));
    let first_doc = batch.iter().skip(1).find(|p| !p.contains("Avsiktligt tom sida")).unwrap();
    assert!(flat(first_doc).contains("Så gör du vid driftstopp"), "{first_doc}");

    let akt: Vec<_> = docs.iter().filter(|d| d["kind"] == "akt_skyddad").collect();
    assert!(!akt.is_empty());
    for a in akt {
        let p = pages(&out.path().join(a["path"].as_str().unwrap()));
        for (i, page) in p.iter().enumerate() {
            assert!(page.contains("SKYDDADE PERSONUPPGIFTER"), "page {} of {}", i + 1, a["id"]);
        }
        let first = flat(&p[0]);
        assert!(first.contains("Skyddsnivå"), "{first}");
        assert!(first.contains("Fiktivt namn:") || first.contains("överenskommet"), "{first}");
        assert!(first.contains("Skyddet gäller till"), "{first}");
    }
}

/// The QR codes on every page of `pdf`, decoded from a 200 dpi rendering (as a scan of the
/// printed sheet would be): per page, the texts of the codes found.
fn qr_codes(pdf: &Path) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png"])
        .arg(pdf)
        .arg(dir.path().join("p"))
        .output()
        .expect("pdftoppm runs");
    assert!(o.status.success(), "pdftoppm failed on {}", pdf.display());
    let mut files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let mut img = rqrr::PreparedImage::prepare(image::open(f).unwrap().to_luma8());
            img.detect_grids().into_iter().map(|g| g.decode().expect("a QR code found decodes").1).collect()
        })
        .collect()
}

fn verify(out: &Path, args: &[&str]) -> std::process::Output {
    let mut a = vec!["verify", "--out", out.to_str().unwrap()];
    a.extend_from_slice(args);
    run(&a)
}

/// Issue 16: every page of a general and a restricted document carries one QR code, which
/// decodes from a 200 dpi image to `reservpack:<id>:<v8>` as the footer prints them; `verify`
/// takes that text and says "aktuell", and "ersatt" once a new plan version is printed. With
/// `publik_adress`, the code is the web page's address.
#[test]
fn every_page_has_a_qr_code_that_matches_its_footer_and_verify_reads_it() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let docs = documents(out.path());
    let find = |kind: &str, audience: &str| {
        docs.iter().find(|d| d["kind"] == kind && d["audience"] == audience && d["unit"] == UNIT).unwrap_or_else(|| panic!("{kind}"))
    };
    let checklist = find("egenkontroll", "personal");
    let restricted = find("akt_skyddad", "enhetschef");
    let plan = docs.iter().find(|d| d["kind"] == "genomforandeplan" && d["audience"] == "personal").unwrap();
    for d in [checklist, restricted, plan] {
        let pdf = out.path().join(d["path"].as_str().unwrap());
        let (id, short) = (d["id"].as_str().unwrap(), &d["version"].as_str().unwrap()[..8]);
        let codes = qr_codes(&pdf);
        let texts = pages(&pdf);
        assert_eq!(codes.len(), texts.len());
        assert_eq!(codes.len(), d["pages"].as_u64().unwrap() as usize);
        for (i, (c, t)) in codes.iter().zip(&texts).enumerate() {
            assert_eq!(c, &vec![format!("reservpack:{id}:{short}")], "{} page {}: one QR code, of its id and version", d["kind"], i + 1);
            assert!(flat(t).contains(&format!("{id} v{short}")), "the footer prints the same id and version");
        }
    }
    assert!(checklist["pages"].as_u64().unwrap() > 1 && restricted["pages"].as_u64().unwrap() > 1, "several pages each");

    let code = qr_codes(&out.path().join(plan["path"].as_str().unwrap()))[0][0].clone();
    let o = verify(out.path(), &[&code]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("AKTUELL"), "{}", text(&o));
    // The web form of the same sheet, any host, answers the same.
    let (id, short) = (plan["id"].as_str().unwrap(), &plan["version"].as_str().unwrap()[..8]);
    let o = verify(out.path(), &[&format!("https://reservpack.annan-kommun.se/v/{id}/{short}")]);
    assert!(o.status.success() && text(&o).contains("AKTUELL"), "{}", text(&o));

    // A new version of that person's plan: the old sheet's code now says "ersatt".
    let path = input.path().join("genomforandeplaner.json");
    let mut plans: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Every plan changes, so whoever the chosen sheet is about gets a new version.
    for p in plans.iter_mut() {
        p["mal"] = "Ett nytt mål för att pröva QR-koden.".into();
    }
    std::fs::write(&path, serde_json::to_vec(&plans).unwrap()).unwrap();
    ok(&generate(input.path(), out.path(), &[]));
    let o = verify(out.path(), &[&code]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ERSATT"), "{}", text(&o));
    let now = documents(out.path()).into_iter().find(|d| d["id"] == plan["id"]).unwrap();
    let new_code = qr_codes(&out.path().join(now["path"].as_str().unwrap()))[0][0].clone();
    assert_ne!(new_code, code);
    assert!(verify(out.path(), &[&new_code]).status.success());

    // Bad forms: a usage error in Swedish.
    for bad in ["reservpack:GP-1", "https://x.se/w/GP-1/0123abcd", "GP-1"] {
        let o = verify(out.path(), &[bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
        assert!(text(&o).contains("QR-kod"), "{}", text(&o));
    }

    // With publik_adress, the code is the web page's verify address.
    let config = input.path().join("qr.toml");
    std::fs::write(&config, "publik_adress = \"https://reservpack.exempelkommun.se/\"\n").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let person = plans[0]["person_id"].as_str().unwrap().to_string();
    let o = generate(input.path(), fresh.path(), &["--person", &person, "--config", config.to_str().unwrap()]);
    ok(&o);
    let d = documents(fresh.path()).into_iter().find(|d| d["kind"] == "genomforandeplan").unwrap();
    let (id, short) = (d["id"].as_str().unwrap(), &d["version"].as_str().unwrap()[..8]);
    let codes = qr_codes(&fresh.path().join(d["path"].as_str().unwrap()));
    assert_eq!(codes[0], vec![format!("https://reservpack.exempelkommun.se/v/{id}/{short}")]);
    assert!(verify(fresh.path(), &[&codes[0][0]]).status.success());
}

//! Issue 7: print-room batches, end to end on the demo fixtures.
//!
//! Runs `generate` like a user, then checks every batch with qpdf and poppler: `qpdf --check`
//! passes; the page count is the documents' pages plus the blank backs plus the cover sheet;
//! every document starts on an odd page (found through the bookmarks, and checked against the
//! stamp of the page they point to); one bookmark per document; no restricted document in a
//! general batch; `print-manifest.csv` is exact; the delta batch holds only what changed;
//! two runs give the same bytes; `print --dry-run` prints one `lp` command per batch. A real
//! print goes to a CUPS PDF printer when one is set up (scripts/test.sh tries), else skips.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use sha2::{Digest, Sha256};

const HEADER: &str = "batch;unit;audience;documents;pages;sheets;sha256";
const BLANK: &str = "Avsiktligt tom sida";

#[derive(Debug, Clone)]
struct Row {
    batch: String,
    unit: String,
    audience: String,
    documents: usize,
    pages: usize,
    sheets: usize,
    sha256: String,
}

/// Reads `print-manifest.csv`, checking its encoding and form (BOM, `;`, CRLF, header).
fn print_manifest(out: &Path) -> Vec<Row> {
    let bytes = std::fs::read(out.join("print-manifest.csv")).expect("print-manifest.csv exists");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 with BOM");
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    assert!(!text.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next(), Some(HEADER), "exact header");
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            assert_eq!(f.len(), 7, "seven fields: {l}");
            Row {
                batch: f[0].into(),
                unit: f[1].into(),
                audience: f[2].into(),
                documents: f[3].parse().unwrap(),
                pages: f[4].parse().unwrap(),
                sheets: f[5].parse().unwrap(),
                sha256: f[6].into(),
            }
        })
        .collect()
}

fn qpdf(args: &[&str], pdf: &Path) -> std::process::Output {
    Command::new("qpdf").args(args).arg(pdf).output().expect("qpdf is installed (scripts/test.sh installs it)")
}

fn npages(pdf: &Path) -> usize {
    let o = qpdf(&["--show-npages"], pdf);
    assert!(o.status.success(), "qpdf --show-npages {}", pdf.display());
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
}

/// A bookmark: title, the 1-based page it points to, depth (0 = top level), leaf or not.
#[derive(Debug, Clone)]
struct Mark {
    title: String,
    page: usize,
    depth: usize,
    leaf: bool,
}

fn bookmarks(pdf: &Path) -> Vec<Mark> {
    let o = qpdf(&["--json=2", "--json-key=outlines"], pdf);
    assert!(o.status.success(), "qpdf --json {}", pdf.display());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    fn walk(items: &[serde_json::Value], depth: usize, out: &mut Vec<Mark>) {
        for x in items {
            let kids = x["kids"].as_array().cloned().unwrap_or_default();
            out.push(Mark {
                title: x["title"].as_str().unwrap_or_default().to_string(),
                page: x["destpageposfrom1"].as_u64().expect("a bookmark points to a page") as usize,
                depth,
                leaf: kids.is_empty(),
            });
            walk(&kids, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(j["outlines"].as_array().expect("outlines"), 0, &mut out);
    out
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sha256_file(p: &Path) -> String {
    Sha256::digest(std::fs::read(p).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest's documents of a unit and audience that a batch for `DATE` holds.
fn batch_documents<'a>(docs: &'a [serde_json::Value], unit: &str, audience: &str) -> Vec<&'a serde_json::Value> {
    docs.iter()
        .filter(|d| d["unit"] == unit && d["audience"] == audience)
        .filter(|d| d["date"].as_str().is_none_or(|day| day >= DATE))
        .collect()
}

fn generate_demo(out: &Path) {
    let o = generate(&demo_input(), out, &[]);
    assert_eq!(o.status.code(), Some(0), "generate failed: {}", text(&o));
}

#[test]
fn every_batch_is_whole_checked_and_in_filing_order() {
    let out = tempfile::tempdir().unwrap();
    generate_demo(out.path());
    let docs = documents(out.path());
    let rows = print_manifest(out.path());
    let units: Vec<String> = {
        let mut u: Vec<String> = docs.iter().map(|d| d["unit"].as_str().unwrap().to_string()).collect();
        u.sort();
        u.dedup();
        u
    };
    // A first run: every document is new, so every unit and audience has a full and a delta batch.
    for unit in &units {
        for audience in ["personal", "enhetschef"] {
            let dir = if audience == "personal" { format!("{unit}/print") } else { format!("{unit}/begransad/print") };
            for kind in ["full", "delta"] {
                let name = format!("{dir}/{kind}-{DATE}.pdf");
                assert!(rows.iter().any(|r| r.batch == name && &r.unit == unit && r.audience == audience), "{name} in print-manifest.csv");
            }
        }
    }
    assert_eq!(rows.len(), units.len() * 4);

    for row in &rows {
        let pdf = out.path().join(&row.batch);
        let check = qpdf(&["--check"], &pdf);
        assert!(check.status.success(), "qpdf --check {}: {}", row.batch, String::from_utf8_lossy(&check.stdout));
        let expected = batch_documents(&docs, &row.unit, &row.audience);
        let by_id: HashMap<&str, &serde_json::Value> = expected.iter().map(|d| (d["id"].as_str().unwrap(), *d)).collect();
        assert_eq!(row.documents, expected.len(), "{}: documents", row.batch);
        let doc_pages: usize = expected.iter().map(|d| d["pages"].as_u64().unwrap() as usize).sum();
        let blanks = expected.iter().filter(|d| d["pages"].as_u64().unwrap() % 2 == 1).count();
        let n = npages(&pdf);
        assert_eq!(n, 2 + doc_pages + blanks, "{}: cover sheet + documents' pages + blank pages", row.batch);
        assert_eq!(row.pages, n, "{}: pages column", row.batch);
        assert_eq!(row.sheets, n / 2, "{}: sheets, duplex", row.batch);
        assert_eq!(n % 2, 0, "{}: whole sheets", row.batch);
        assert_eq!(row.sha256, sha256_file(&pdf), "{}: sha256 of the whole file", row.batch);

        let pages = pages(&pdf);
        assert_eq!(pages.len(), n);
        // The cover: unit, service date, counts, checksum of the documents part, shred count.
        let cover = flat(&pages[0]);
        assert!(cover.contains("Utskriftsbunt"), "{}: cover", row.batch);
        assert!(cover.contains(&format!("({})", row.unit)), "cover names the unit");
        assert!(cover.contains(&format!("Besöksdag Tisdag {DATE}")), "cover shows the service date: {cover}");
        assert!(cover.contains(&format!("Antal dokument {}", row.documents)), "{cover}");
        assert!(cover.contains(&format!("Antal sidor {n} ")), "{cover}");
        assert!(cover.contains(&format!("Antal ark {} ", row.sheets)), "{cover}");
        // No file names or checksums on paper (issue 14): print-manifest.csv carries them.
        assert!(!cover.contains("sha256") && !cover.contains(".pdf"), "{cover}");
        assert!(cover.contains("Att strimla 0 sidor enligt gallringslistan"), "nothing to shred on a first run: {cover}");
        assert!(cover.contains("SEKRETESS – strimlas"), "the cover carries the secrecy line");
        assert!(flat(&pages[1]).contains(BLANK), "the cover's back is blank");

        // One bookmark per document; each points to an odd page where that document starts.
        let marks = bookmarks(&pdf);
        let leaves: Vec<&Mark> = marks.iter().filter(|m| m.leaf).collect();
        assert_eq!(leaves.len(), row.documents, "{}: one bookmark per document", row.batch);
        let mut seen = Vec::new();
        for (i, m) in leaves.iter().enumerate() {
            assert_eq!(m.page % 2, 1, "{}: '{}' starts on page {}, a back side", row.batch, m.title, m.page);
            let page = flat(&pages[m.page - 1]);
            let (id, doc) = by_id
                .iter()
                .find(|(id, _)| page.contains(&format!("{id} v")))
                .unwrap_or_else(|| panic!("{}: page {} starts no document of this batch", row.batch, m.page));
            let count = doc["pages"].as_u64().unwrap() as usize;
            assert!(page.contains(&format!("Sida 1 av {count}")), "{}: the bookmark points to the first page of {id}", row.batch);
            let label = doc["label"].as_str().unwrap();
            assert!(m.title.starts_with(label), "bookmark title '{}' names the kind '{label}'", m.title);
            // The document's last page, then a blank back if it ended on a front side.
            let last = flat(&pages[m.page - 1 + count - 1]);
            assert!(last.contains(&format!("{id} v")) && last.contains(&format!("Sida {count} av {count}")));
            let next_start = leaves.get(i + 1).map(|m| m.page).unwrap_or(n + 1);
            if count % 2 == 1 {
                assert!(flat(&pages[m.page - 1 + count]).contains(BLANK), "{}: blank back after {id}", row.batch);
                assert_eq!(next_start, m.page + count + 1);
            } else {
                assert_eq!(next_start, m.page + count);
            }
            seen.push(id.to_string());
        }
        seen.sort();
        let mut want: Vec<String> = by_id.keys().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(seen, want, "{}: every document exactly once", row.batch);

        // Filing order: unit documents, schedules by signature, then person folders by name.
        let kinds: Vec<&str> = leaves
            .iter()
            .map(|m| {
                let page = flat(&pages[m.page - 1]);
                let id = by_id.keys().find(|id| page.contains(&format!("{id} v"))).unwrap();
                by_id[id]["kind"].as_str().unwrap()
            })
            .collect();
        let section = |k: &str, person: bool| {
            if k == "schema" {
                1
            } else if person {
                2
            } else {
                0
            }
        };
        let sections: Vec<u8> = leaves.iter().zip(&kinds).map(|(m, k)| section(k, m.depth > 0)).collect();
        assert!(sections.windows(2).all(|w| w[0] <= w[1]), "{}: unit documents, then schedules, then folders", row.batch);
        let unit_kinds: Vec<&str> = kinds.iter().zip(&sections).filter(|(_, s)| **s == 0).map(|(k, _)| *k).collect();
        let rank = |k: &str| {
            [
                "driftstopp",
                "kontakter",
                "telefonlista",
                "telefonlista_privat",
                "signaturlista",
                "larmlista",
                "nyckellista",
                "varningar",
                "boendelista",
                "timecare",
                "planerade_besok",
                "rutiner",
                "blankett",
                "egenkontroll",
            ]
            .iter()
            .position(|x| *x == k)
            .unwrap_or(99)
        };
        assert!(unit_kinds.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{}: unit documents in filing order: {unit_kinds:?}", row.batch);
        let signatures: Vec<String> = leaves
            .iter()
            .zip(&sections)
            .filter(|(_, s)| **s == 1)
            .map(|(m, _)| m.title.trim_start_matches("Pappersschema – ").to_string())
            .collect();
        let mut sorted = signatures.clone();
        sorted.sort();
        assert_eq!(signatures, sorted, "schedules by signature");
        let persons: Vec<&Mark> = marks.iter().filter(|m| m.depth == 0 && !m.leaf).collect();
        let folder_pages: Vec<usize> = persons.iter().map(|m| m.page).collect();
        assert!(folder_pages.windows(2).all(|w| w[0] < w[1]));
        let key = |s: &str| -> String {
            s.to_lowercase()
                .chars()
                .map(|c| match c {
                    'å' => '{',
                    'ä' => '|',
                    'ö' => '}',
                    c => c,
                })
                .collect()
        };
        let names: Vec<String> = persons.iter().map(|m| key(&m.title)).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "{}: person folders in alphabetical order of the printed name", row.batch);
        for p in &persons {
            let under: Vec<&Mark> = marks.iter().filter(|m| m.depth == 1 && m.page >= p.page).take(1).collect();
            assert_eq!(under[0].page, p.page, "a person's bookmark points to the first page of their folder");
        }
    }
}

#[test]
fn no_restricted_document_in_a_general_batch() {
    let out = tempfile::tempdir().unwrap();
    generate_demo(out.path());
    let docs = documents(out.path());
    let restricted: Vec<&str> = docs.iter().filter(|d| d["audience"] == "enhetschef").map(|d| d["id"].as_str().unwrap()).collect();
    assert!(docs.iter().any(|d| d["kind"] == "akt_skyddad"), "the demo has protected persons");
    let protected_streets: Vec<String> = read_csv(&demo_input().join("personer.csv"))
        .into_iter()
        .filter(|p| p["skydd"] != "ingen" && !p["adress"].is_empty())
        .map(|p| p["adress"].clone())
        .collect();
    assert!(!protected_streets.is_empty());
    let rows = print_manifest(out.path());
    for row in &rows {
        let pdf = out.path().join(&row.batch);
        let raw = raw_text(&pdf);
        if row.audience == "personal" {
            assert!(!row.batch.contains("begransad"), "{}", row.batch);
            assert!(row.batch.starts_with(&format!("{}/print/", row.unit)));
            assert!(!raw.contains("SKYDDADE PERSONUPPGIFTER"), "{}: the words appear only on restricted pages", row.batch);
            for id in &restricted {
                assert!(!raw.contains(id), "{}: holds the restricted document {id}", row.batch);
            }
            let marks = bookmarks(&pdf);
            assert!(!marks.iter().any(|m| m.title.contains("Ordinarie akt") || m.title.contains("privata")), "{}", row.batch);
            // The fictive personkort of a protected person is in the general batch.
            let fictive = docs
                .iter()
                .filter(|d| {
                    d["unit"] == row.unit.as_str() && d["kind"] == "personkort" && d["storage"].as_str().unwrap_or("").starts_with("Fiktiv")
                })
                .count();
            if row.batch.contains("/full-") && fictive > 0 {
                assert!(raw.contains("Fiktiv akt"), "{}: the fictive personkort is printed with the folders", row.batch);
            }
            // A protected person's real address stands only on their (fictive) personkort's pages.
            let personkort: Vec<&str> = docs.iter().filter(|d| d["kind"] == "personkort").map(|d| d["id"].as_str().unwrap()).collect();
            for (i, page) in pages(&pdf).iter().enumerate() {
                let page = flat(page);
                for street in &protected_streets {
                    if page.contains(street.as_str()) {
                        assert!(
                            personkort.iter().any(|id| page.contains(&format!("{id} v"))),
                            "{}: page {} shows a protected address outside a personkort",
                            row.batch,
                            i + 1
                        );
                    }
                }
            }
        } else {
            assert!(row.batch.starts_with(&format!("{}/begransad/print/", row.unit)), "{}", row.batch);
            for d in docs.iter().filter(|d| d["unit"] == row.unit.as_str() && d["audience"] == "personal") {
                assert!(
                    !raw.contains(&format!("{} v", d["id"].as_str().unwrap())),
                    "{}: a general document in the restricted batch",
                    row.batch
                );
            }
            assert!(flat(&pages(&pdf)[0]).contains("Begränsad bunt – endast enhetschef"));
        }
    }
}

#[test]
fn the_delta_batch_holds_only_new_and_changed_documents() {
    let (input, out) = first_run_on_a_copy_of_the_demo();
    let before = documents(out.path());
    let rows_before = print_manifest(out.path());

    // Same input again: nothing new, so no delta batches, and every full batch is the same file.
    let o = generate(input.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rows_same = print_manifest(out.path());
    let full_before: Vec<&Row> = rows_before.iter().filter(|r| r.batch.contains("/full-")).collect();
    assert_eq!(rows_same.len(), full_before.len(), "no delta batches when nothing changed");
    for (a, b) in rows_same.iter().zip(&full_before) {
        assert_eq!((&a.batch, &a.sha256), (&b.batch, &b.sha256), "an unchanged full batch keeps its bytes");
    }

    // Change the goal of the first person's genomförandeplan.
    let path = input.path().join("genomforandeplaner.json");
    let mut plans: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let person = plans[0]["person_id"].as_str().unwrap().to_string();
    plans[0]["mal"] = serde_json::json!("Ett nytt mål för testet av ändringsbunten.");
    std::fs::write(&path, serde_json::to_vec_pretty(&plans).unwrap()).unwrap();
    let o = generate(input.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let after = documents(out.path());
    let rows = print_manifest(out.path());

    let old: HashMap<&str, &serde_json::Value> = before.iter().map(|d| (d["id"].as_str().unwrap(), d)).collect();
    let mut changed: BTreeMap<(String, String), Vec<&serde_json::Value>> = BTreeMap::new();
    for d in &after {
        let id = d["id"].as_str().unwrap();
        if old.get(id).is_none_or(|o| o["version"] != d["version"]) {
            changed.entry((d["unit"].as_str().unwrap().into(), d["audience"].as_str().unwrap().into())).or_default().push(d);
        }
    }
    assert!(changed.values().flatten().any(|d| d["kind"] == "genomforandeplan"), "the plan of {person} changed");
    let deltas: Vec<&Row> = rows.iter().filter(|r| r.batch.contains("/delta-")).collect();
    assert_eq!(deltas.len(), changed.len(), "one delta batch per unit and audience with changes: {deltas:?}");
    for ((unit, audience), docs) in &changed {
        let row = deltas.iter().find(|r| &r.unit == unit && &r.audience == audience).expect("a delta batch");
        assert_eq!(row.documents, docs.len());
        let pdf = out.path().join(&row.batch);
        assert!(qpdf(&["--check"], &pdf).status.success());
        let pages_sum: usize = docs.iter().map(|d| d["pages"].as_u64().unwrap() as usize).sum();
        let blanks = docs.iter().filter(|d| d["pages"].as_u64().unwrap() % 2 == 1).count();
        assert_eq!(npages(&pdf), 2 + pages_sum + blanks);
        // Whitespace-normalised: pdftotext -raw breaks a turned (landscape) page word by word.
        let raw = flat(&raw_text(&pdf));
        for d in docs {
            assert!(
                raw.contains(&format!("{} v{}", d["id"].as_str().unwrap(), &d["version"].as_str().unwrap()[..8])),
                "the new version is in the delta"
            );
        }
        assert_eq!(bookmarks(&pdf).iter().filter(|m| m.leaf).count(), docs.len());
        // The cover counts the superseded pages: the old versions of the changed documents.
        let shred: usize =
            docs.iter().filter_map(|d| old.get(d["id"].as_str().unwrap())).map(|o| o["pages"].as_u64().unwrap() as usize).sum();
        let cover = flat(&pages(&pdf)[0]);
        let word = if shred == 1 { "sida" } else { "sidor" };
        assert!(cover.contains(&format!("Att strimla {shred} {word} enligt gallringslistan")), "{cover}");
        // The run costs what changed: a changed unit's full batch is not built until asked for.
        assert!(
            !rows.iter().any(|r| &r.unit == unit && &r.audience == audience && r.batch.contains("/full-")),
            "no full batch for {unit} {audience} until the print room asks"
        );
    }
    // A unit with no change keeps its full batch byte for byte.
    for r in rows.iter().filter(|r| r.batch.contains("/full-")) {
        assert!(!changed.contains_key(&(r.unit.clone(), r.audience.clone())));
        let b = full_before.iter().find(|b| b.batch == r.batch).unwrap();
        assert_eq!(r.sha256, b.sha256, "{} unchanged", r.batch);
    }
    // `print` builds the missing full batches first (the staff's; the restricted ones with
    // --begransad), with every current document and the same shred count on the cover.
    let o_str = out.path().to_str().unwrap();
    let o = bin().args(["print", "--out", o_str, "--printer", "Utskriftsrum-1", "--dry-run"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Skapade"), "{}", text(&o));
    let built = print_manifest(out.path());
    for ((unit, audience), docs) in changed.iter().filter(|((_, a), _)| a == "personal") {
        let full = built.iter().find(|r| &r.unit == unit && &r.audience == audience && r.batch.contains("/full-")).expect("built");
        let pdf = out.path().join(&full.batch);
        assert!(qpdf(&["--check"], &pdf).status.success());
        let current = after.iter().filter(|d| d["unit"] == unit.as_str() && d["audience"] == audience.as_str()).count();
        assert_eq!(full.documents, current, "every current document of {unit}");
        assert_eq!(sha256_file(&pdf), full.sha256);
        let shred: usize =
            docs.iter().filter_map(|d| old.get(d["id"].as_str().unwrap())).map(|o| o["pages"].as_u64().unwrap() as usize).sum();
        let word = if shred == 1 { "sida" } else { "sidor" };
        let cover = flat(&pages(&pdf)[0]);
        assert!(cover.contains(&format!("Att strimla {shred} {word}")), "{cover}");
        assert!(text(&o).contains(&full.batch), "print sends the batch it built: {}", text(&o));
    }
    // The rest of the print manifest is as the run left it.
    for r in &rows {
        assert!(built.iter().any(|b| b.batch == r.batch && b.sha256 == r.sha256), "{} kept", r.batch);
    }
    // Asked again, nothing is built: the pack is not republished.
    let o = bin().args(["print", "--out", o_str, "--printer", "Utskriftsrum-1", "--dry-run"]).output().unwrap();
    assert!(!text(&o).contains("Skapade"), "{}", text(&o));
}

#[test]
fn a_person_run_keeps_the_delta_batches_of_other_units() {
    let (input, out) = first_run_on_a_copy_of_the_demo();
    let rows_before = print_manifest(out.path());
    let before = documents(out.path());

    // One person's plan changes; only that person is regenerated.
    let path = input.path().join("genomforandeplaner.json");
    let mut plans: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let person = plans[0]["person_id"].as_str().unwrap().to_string();
    plans[0]["mal"] = serde_json::json!("Ett nytt mål, bara för den här personen.");
    std::fs::write(&path, serde_json::to_vec_pretty(&plans).unwrap()).unwrap();
    let o = generate(input.path(), out.path(), &["--person", &person]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rows = print_manifest(out.path());
    let after = documents(out.path());
    let old: HashMap<&str, &serde_json::Value> = before.iter().map(|d| (d["id"].as_str().unwrap(), d)).collect();
    let changed: Vec<&serde_json::Value> =
        after.iter().filter(|d| old.get(d["id"].as_str().unwrap()).is_none_or(|o| o["version"] != d["version"])).collect();
    // The plan and the contents sheet of the person's folder (it lists the plan's version).
    assert_eq!(changed.len(), 2, "only the plan and the folder's contents changed: {changed:?}");
    assert!(changed.iter().any(|d| d["kind"] == "genomforandeplan") && changed.iter().any(|d| d["kind"] == "innehall"), "{changed:?}");
    let unit = changed[0]["unit"].as_str().unwrap();

    // The person's unit: a delta batch with just the new plan and contents sheet.
    let delta = rows.iter().find(|r| r.unit == unit && r.audience == "personal" && r.batch.contains("/delta-")).expect("a delta batch");
    assert_eq!(delta.documents, 2);
    for d in &changed {
        assert!(raw_text(&out.path().join(&delta.batch)).contains(d["id"].as_str().unwrap()));
    }
    // Every other unit keeps the delta batch of the first run (not yet printed, maybe), byte
    // for byte; and the print manifest still lists it.
    let others: Vec<&Row> = rows_before.iter().filter(|r| r.batch.contains("/delta-") && r.unit != unit).collect();
    assert!(!others.is_empty());
    for b in others {
        let r = rows.iter().find(|r| r.batch == b.batch).unwrap_or_else(|| panic!("{} is still listed", b.batch));
        assert_eq!((&r.sha256, r.documents), (&b.sha256, b.documents), "{}", b.batch);
        assert_eq!(sha256_file(&out.path().join(&r.batch)), r.sha256, "{}", r.batch);
    }
    // Other units' rows are the same rows; the person's unit has no delta but the new one.
    let other = |rs: &[Row]| -> Vec<(String, String)> {
        rs.iter().filter(|r| r.unit != unit).map(|r| (r.batch.clone(), r.sha256.clone())).collect()
    };
    assert_eq!(other(&rows), other(&rows_before));
    assert_eq!(rows.iter().filter(|r| r.unit == unit && r.batch.contains("/delta-")).count(), 1);
}

#[test]
fn two_runs_give_identical_batches() {
    // Two fresh packs share their id secret (`id_nyckel_fil`): then every byte agrees.
    let input = demo_copy();
    std::fs::write(input.path().join("nyckel.bin"), [3u8; 32]).unwrap();
    std::fs::write(input.path().join("reservpack.toml"), "id_nyckel_fil = \"nyckel.bin\"\n").unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for out in [a.path(), b.path()] {
        let o = generate(input.path(), out, &[]);
        assert_eq!(o.status.code(), Some(0), "generate failed: {}", text(&o));
    }
    let ra = print_manifest(a.path());
    let rb = print_manifest(b.path());
    assert_eq!(std::fs::read(a.path().join("print-manifest.csv")).unwrap(), std::fs::read(b.path().join("print-manifest.csv")).unwrap());
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(std::fs::read(a.path().join(&x.batch)).unwrap(), std::fs::read(b.path().join(&y.batch)).unwrap(), "{}", x.batch);
    }
    // On a first run every document is new: the delta batch is the full batch (one file, not
    // a second copy of the unit's pack), and its cover says so.
    for full in ra.iter().filter(|r| r.batch.contains("/full-")) {
        let delta = ra.iter().find(|r| r.batch == full.batch.replace("/full-", "/delta-")).unwrap();
        assert_eq!((&full.sha256, full.pages, full.documents), (&delta.sha256, delta.pages, delta.documents), "{}", full.batch);
        let (f, d) = (a.path().join(&full.batch), a.path().join(&delta.batch));
        assert_eq!(std::fs::read(&f).unwrap(), std::fs::read(&d).unwrap());
        let cover = flat(&pages(&d)[0]);
        assert!(cover.contains("också deltabunten"), "{cover}");
    }
}

#[test]
fn print_dry_run_prints_one_lp_command_per_batch() {
    let out = tempfile::tempdir().unwrap();
    generate_demo(out.path());
    let rows = print_manifest(out.path());
    let o_str = out.path().to_str().unwrap();

    let lines = |o: &std::process::Output| -> Vec<String> {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
        String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
    };
    let o = bin()
        .args(["print", "--out", o_str, "--printer", "Utskriftsrum-1", "--dry-run"])
        .env_remove("RESERVPACK_PRINTER")
        .output()
        .unwrap();
    let cmds = lines(&o);
    // General batches only by default (issue 12): restricted ones need --begransad.
    let full: Vec<&Row> = rows.iter().filter(|r| r.batch.contains("/full-") && r.audience == "personal").collect();
    assert_eq!(cmds.len(), full.len(), "one lp command per general full batch: {cmds:?}");
    for (cmd, row) in cmds.iter().zip(&full) {
        assert!(cmd.starts_with("lp -d Utskriftsrum-1 "), "{cmd}");
        assert!(cmd.contains("-o sides=two-sided-long-edge"), "duplex: {cmd}");
        assert!(cmd.ends_with(&out.path().join(&row.batch).display().to_string()), "{cmd}");
        assert!(!cmd.contains("begransad"), "{cmd}");
    }
    let o = bin()
        .args(["print", "--out", o_str, "--printer", "Chef-1", "--begransad", "--dry-run"])
        .env_remove("RESERVPACK_PRINTER")
        .output()
        .unwrap();
    let cmds = lines(&o);
    let restricted: Vec<&Row> = rows.iter().filter(|r| r.batch.contains("/full-") && r.audience == "enhetschef").collect();
    assert_eq!(cmds.len(), restricted.len(), "one lp command per restricted full batch: {cmds:?}");
    for (cmd, row) in cmds.iter().zip(&restricted) {
        assert!(cmd.starts_with("lp -d Chef-1 ") && cmd.contains("BEGRÄNSAD"), "a restricted batch is titled so: {cmd}");
        assert!(cmd.ends_with(&out.path().join(&row.batch).display().to_string()), "{cmd}");
    }
    // --begransad never goes to a default printer.
    let o = bin()
        .args(["print", "--out", o_str, "--begransad", "--dry-run"])
        .env_remove("RESERVPACK_PRINTER")
        .env_remove("RESERVPACK_PRINTER_BEGRANSAD")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // --delta: the delta batches; --unit: one unit; the printer from RESERVPACK_PRINTER.
    let o = bin()
        .args(["print", "--out", o_str, "--delta", "--unit", "VB-LINDEN", "--dry-run"])
        .env("RESERVPACK_PRINTER", "Rum-2")
        .output()
        .unwrap();
    let cmds = lines(&o);
    let want: Vec<&Row> =
        rows.iter().filter(|r| r.batch.contains("/delta-") && r.unit == "VB-LINDEN" && r.audience == "personal").collect();
    assert_eq!(cmds.len(), want.len());
    assert!(cmds.iter().all(|c| c.starts_with("lp -d Rum-2 ") && c.contains("VB-LINDEN/") && c.contains("/delta-")), "{cmds:?}");

    // No printer named: lp's default destination (no -d).
    let o = bin().args(["print", "--out", o_str, "--dry-run"]).env_remove("RESERVPACK_PRINTER").output().unwrap();
    assert!(lines(&o).iter().all(|c| c.starts_with("lp -n 1 ")));

    // An unknown unit is a usage error.
    let o = bin().args(["print", "--out", o_str, "--unit", "FINNS-INTE", "--dry-run"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// A printer whose device is cups-pdf, if CUPS runs here with one.
fn cups_pdf_printer() -> Option<String> {
    let o = Command::new("lpstat").arg("-v").output().ok()?;
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.contains("cups-pdf:/"))
        .and_then(|l| l.strip_prefix("device for ")?.split(':').next().map(str::to_string))
}

/// Where cups-pdf writes (its `Out` setting; `${HOME}` of the user printing).
fn cups_pdf_dir() -> PathBuf {
    let conf = std::fs::read_to_string("/etc/cups/cups-pdf.conf").unwrap_or_default();
    let out = conf
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Out ").map(str::trim).map(str::to_string))
        .unwrap_or_else(|| "${HOME}/PDF".into());
    PathBuf::from(out.replace("${HOME}", &std::env::var("HOME").unwrap_or_else(|_| "/root".into())))
}

#[test]
fn prints_to_a_cups_pdf_printer() {
    if Command::new("lpstat").arg("-r").output().is_err() {
        eprintln!(
            "HOPPAR ÖVER: lpstat finns inte (CUPS är inte installerat; scripts/test.sh försöker installera cups och printer-driver-cups-pdf)"
        );
        return;
    }
    let Some(printer) = cups_pdf_printer() else {
        eprintln!(
            "HOPPAR ÖVER: ingen CUPS-PDF-skrivare (lpstat -v visar ingen cups-pdf:/); scripts/test.sh lägger upp en när CUPS går att starta"
        );
        return;
    };
    let out = tempfile::tempdir().unwrap();
    generate_demo(out.path());
    let rows: Vec<Row> = print_manifest(out.path())
        .into_iter()
        .filter(|r| r.unit == "VB-LINDEN" && r.audience == "personal" && r.batch.contains("/full-"))
        .collect();
    let dir = cups_pdf_dir();
    let before: Vec<PathBuf> = std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    let o = bin().args(["print", "--out", out.path().to_str().unwrap(), "--unit", "VB-LINDEN", "--printer", &printer]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).matches("Skickade ").count(), rows.len(), "{}", text(&o));

    // Wait for cups-pdf to write one file per job.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let mut new: Vec<PathBuf>;
    loop {
        new = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).filter(|p| !before.contains(p) && p.to_string_lossy().contains("VB-LINDEN")).collect())
            .unwrap_or_default();
        let pending = Command::new("lpstat").args(["-o", &printer]).output().map(|o| !o.stdout.is_empty()).unwrap_or(false);
        if (new.len() >= rows.len() && !pending) || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert_eq!(new.len(), rows.len(), "cups-pdf wrote one PDF per batch into {}", dir.display());
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut printed: Vec<usize> = new.iter().map(|p| npages(p)).collect();
    let mut expected: Vec<usize> = rows.iter().map(|r| r.pages).collect();
    printed.sort();
    expected.sort();
    assert_eq!(printed, expected, "the printer received every page of every batch");
    for p in new {
        let _ = std::fs::remove_file(p);
    }
}

//! Issue 5: user text can never change a document's layout. Names, notes and tasks full of
//! Typst syntax, right-to-left script, emoji and combining accents print literally.

mod common;

use common::*;

const TRICKY: &[&str] =
    &["#set page(fill: red)", "]", "$x$", "\\", "@ref", "<lbl>", "*bold*", "// inte en kommentar", "#{ panic() }", "\"citat\""];

fn replace_field(path: &std::path::Path, row_starts: &str, col: usize, value: &str) {
    let mut r = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).from_path(path).unwrap();
    let rows: Vec<Vec<String>> = r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_path(path).unwrap();
    let mut hit = false;
    for mut row in rows {
        if row[0] == row_starts || (row.len() > 4 && row[4] == row_starts && col == 8) {
            row[col] = value.to_string();
            hit = true;
        }
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    assert!(hit, "row {row_starts} found");
}

#[test]
fn tricky_text_prints_literally() {
    let dir = fixtures("demo", 1);
    let persons = read_csv(&dir.path().join("personer.csv"));
    let visits = read_csv(&dir.path().join("besok.csv"));
    // An unprotected home-care person with a visit on DATE.
    let target = persons
        .iter()
        .find(|p| p["skydd"] == "ingen" && visits.iter().any(|v| v["person_id"] == p["person_id"] && v["datum"] == DATE))
        .expect("a visited unprotected person");
    let id = target["person_id"].clone();
    // Arabic (right-to-left), an emoji, and a combining accent (e + U+0301).
    let first = format!("{} عائشة 👵 Jose\u{301}", TRICKY.join(" "));
    let last = "Ångström";
    let long_note: String = format!("{} {}", TRICKY.join(" "), "lång anteckning ".repeat(130));
    assert!(long_note.chars().count() > 2000);
    replace_field(&dir.path().join("personer.csv"), &id, 3, &first);
    replace_field(&dir.path().join("personer.csv"), &id, 4, last);
    replace_field(&dir.path().join("besok.csv"), &id, 8, &long_note);

    let out = tempfile::tempdir().unwrap();
    let o = generate(dir.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let docs = documents(out.path());
    let card = docs
        .iter()
        .filter(|d| d["kind"] == "personkort")
        .map(|d| raw_text(&out.path().join(d["path"].as_str().unwrap())))
        .find(|t| t.contains("Ångström"))
        .expect("the person's personkort");
    let flat_card: String = card.split_whitespace().collect::<Vec<_>>().join(" ");
    for t in TRICKY {
        assert!(flat_card.contains(t), "{t:?} printed literally on the personkort: {flat_card}");
    }
    assert!(flat_card.contains("عائشة") || flat_card.contains("ةشئاع"), "Arabic name printed");
    assert!(flat_card.contains("José") || flat_card.contains("Jose\u{301}"), "combining accent printed");
    // The schedules: the note is printed whole, and the person's name literally.
    let schedules: Vec<String> = docs
        .iter()
        .filter(|d| d["kind"] == "schema")
        .map(|d| raw_text(&out.path().join(d["path"].as_str().unwrap())))
        .filter(|t| t.contains("Ångström"))
        .collect();
    assert!(!schedules.is_empty(), "the visit is on a schedule");
    let s: String = schedules.concat().split_whitespace().collect::<Vec<_>>().join(" ");
    for t in TRICKY {
        assert!(s.contains(t), "{t:?} printed literally on the schedule");
    }
    assert!(s.matches("lång anteckning").count() >= 130, "the 2,000-character note is printed whole");
    // No page is red and the layout held: every page still carries the stamp.
    for d in &docs {
        for page in pages(&out.path().join(d["path"].as_str().unwrap())) {
            assert!(page.contains("SEKRETESS"), "stamp on every page of {}", d["path"]);
        }
    }
}

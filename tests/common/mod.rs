//! Helpers for the end-to-end tests: run the binary like a user, read PDFs back.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const DATE: &str = "2026-11-24";

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reservpack"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_input() -> PathBuf {
    repo().join("fixtures/demo")
}

/// A copy of the demo input (writable, and safe from anyone regenerating `fixtures/demo`).
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(demo_input()).unwrap().flatten() {
        let p = entry.path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(entry.file_name())).unwrap();
        } else if p.is_dir() {
            let sub = dir.path().join(entry.file_name());
            std::fs::create_dir_all(&sub).unwrap();
            for f in std::fs::read_dir(&p).unwrap().flatten() {
                std::fs::copy(f.path(), sub.join(f.file_name())).unwrap();
            }
        }
    }
    dir
}

/// Runs `reservpack` with `args`; returns the output (never panics on a non-zero exit).
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

pub fn generate(input: &Path, out: &Path, extra: &[&str]) -> Output {
    generate_on(input, out, DATE, extra)
}

/// `generate` for the service day `date`, with `extra` arguments.
pub fn generate_on(input: &Path, out: &Path, date: &str, extra: &[&str]) -> Output {
    let mut args = vec!["generate", "--input", input.to_str().unwrap(), "--out", out.to_str().unwrap(), "--date", date];
    args.extend_from_slice(extra);
    run(&args)
}

/// A copy of the demo input (to change) and a first run's pack from it.
pub fn first_run_on_a_copy_of_the_demo() -> (tempfile::TempDir, tempfile::TempDir) {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    let o = generate(input.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    (input, out)
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Writes fixtures of `scale` to a new temp dir.
pub fn fixtures(scale: &str, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["fixtures", "--scale", scale, "--seed", &seed.to_string(), "--out", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "fixtures failed: {}", text(&o));
    dir
}

pub fn manifest(out: &Path) -> serde_json::Value {
    let bytes = std::fs::read(out.join("manifest.json")).expect("manifest.json exists");
    serde_json::from_slice(&bytes).expect("manifest is JSON")
}

pub fn documents(out: &Path) -> Vec<serde_json::Value> {
    manifest(out)["documents"].as_array().unwrap().clone()
}

/// The text of each page of a PDF (pdftotext separates pages with form feeds).
pub fn pages(pdf: &Path) -> Vec<String> {
    let o = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (scripts/test.sh installs poppler-utils)");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut p: Vec<String> = s.split('\u{c}').map(str::to_string).collect();
    if p.last().is_some_and(|l| l.trim().is_empty()) {
        p.pop();
    }
    p
}

/// Raw text without layout (keeps reading order; good for exact-substring checks).
pub fn raw_text(pdf: &Path) -> String {
    let o = Command::new("pdftotext").args(["-raw", "-enc", "UTF-8"]).arg(pdf).arg("-").output().expect("pdftotext runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The PDF's metadata as pdfinfo prints it (stderr ignored: poppler warns on Typst PDFs),
/// without pdfinfo's "File size" line: the size of the file on disk is not something the PDF
/// holds, and a leak scan would take a size that happens to equal a door code for a leak.
pub fn pdfinfo(pdf: &Path) -> String {
    let o = Command::new("pdfinfo").arg("-meta").arg(pdf).output().expect("pdfinfo runs");
    let o2 = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo runs");
    let info: String =
        String::from_utf8_lossy(&o2.stdout).lines().filter(|l| !l.starts_with("File size:")).map(|l| format!("{l}\n")).collect();
    format!("{info}{}", String::from_utf8_lossy(&o.stdout))
}

/// Reads a `;`-separated UTF-8 CSV with a header into maps.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Every file under `dir`, following the pack's symlinks.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                if e.file_name() != ".packs" {
                    stack.push(p);
                }
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// Privacy scanning (issue 12): what an unauthorised reader could see, and whether a
// protected identity is in it, in any spelling.
// ---------------------------------------------------------------------------------------

/// Lowercase, diacritics stripped (NFC and NFD alike: precomposed letters map to their base,
/// combining marks are dropped), compatibility letters such as the Kelvin sign folded.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'š' | 'ś' => 's',
            'ž' | 'ź' | 'ż' => 'z',
            'ł' => 'l',
            'đ' | 'ď' => 'd',
            'ř' => 'r',
            'ť' => 't',
            other => other,
        };
        out.push(base);
    }
    out
}

/// The words of folded text: maximal runs of letters (digits split them off, so
/// `portkod7391` is `portkod` and a number).
pub fn words(folded: &str) -> Vec<&str> {
    folded.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect()
}

/// One protected identity, as the scanner looks for it.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    pub label: String,
    /// Word sequences (folded) that must not appear, e.g. ["ake", "wahlgren"], ["wahlgren", "ake"], ["wahlgren"].
    pub names: Vec<Vec<String>>,
    /// Digit strings that must not appear inside a number (separators ignored): the 10
    /// digits of a personnummer, a phone number without its leading 0 (so `+46`/`0046` match).
    pub numbers: Vec<String>,
    /// Door codes: a digit run standing alone or glued to a word ending in `kod`.
    pub codes: Vec<String>,
}

fn name_words(name: &str) -> Vec<String> {
    words(&fold(name)).into_iter().map(str::to_string).collect()
}

impl Identity {
    pub fn new(label: impl Into<String>) -> Identity {
        Identity { label: label.into(), ..Default::default() }
    }
    /// A full name: "First Last" and "Last, First" (each given name with the surname, and all of them).
    pub fn full_name(&mut self, given: &str, surname: &str) {
        let g = name_words(given);
        let s = name_words(surname);
        let mut firsts: Vec<Vec<String>> = g.iter().map(|w| vec![w.clone()]).collect();
        if g.len() > 1 {
            firsts.push(g.clone());
        }
        for f in firsts {
            self.names.push([f.clone(), s.clone()].concat());
            self.names.push([s.clone(), f].concat());
        }
    }
    /// A name part that counts on its own.
    pub fn lone(&mut self, name: &str) {
        let w = name_words(name);
        if !w.is_empty() {
            self.names.push(w);
        }
    }
    pub fn personnummer(&mut self, pnr: &str) {
        let d: String = pnr.chars().filter(char::is_ascii_digit).collect();
        if d.len() >= 10 {
            self.numbers.push(d[d.len() - 10..].to_string());
        }
    }
    pub fn phone(&mut self, phone: &str) {
        let d: String = phone.chars().filter(char::is_ascii_digit).collect();
        let d = d
            .strip_prefix("0046")
            .or_else(|| d.strip_prefix("46").filter(|_| phone.trim_start().starts_with('+')))
            .map(str::to_string)
            .unwrap_or(d);
        let d = d.trim_start_matches('0').to_string();
        if d.len() >= 6 {
            self.numbers.push(d);
        }
    }
    pub fn door_code(&mut self, code: &str) {
        let d: String = code.chars().filter(char::is_ascii_digit).collect();
        if d.len() >= 4 {
            self.codes.push(d);
        }
    }
}

/// A character that may stand inside a number as typed: spaces of any kind, hyphens and
/// dashes (incl. U+2011), `+`, `_`, `.`, `/`, parentheses.
fn number_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '+'
                | '_'
                | '.'
                | '/'
                | '('
                | ')'
                | '\u{2010}'
                | '\u{2011}'
                | '\u{2012}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{2212}'
                | '\u{a0}'
                | '\u{202f}'
        )
}

/// The digit strings of every number in `text` (runs of digits and separators).
fn numbers_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if number_separator(c) {
            continue;
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Word sequence `needle` in `hay` (a word may carry a genitive `s`).
fn has_words(hay: &[&str], needle: &[String]) -> bool {
    if needle.is_empty() || hay.len() < needle.len() {
        return false;
    }
    hay.windows(needle.len())
        .any(|w| w.iter().zip(needle).all(|(h, n)| *h == n || (h.len() == n.len() + 1 && h.starts_with(n.as_str()) && h.ends_with('s'))))
}

/// A door code standing alone (not inside a longer number or a hex id), or glued to `…kod`.
fn has_code(folded: &str, code: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    let code: Vec<char> = code.chars().collect();
    let n = code.len();
    let mut i = 0;
    while i + n <= chars.len() {
        if chars[i..i + n] == code[..] {
            let left_ok = i == 0 || !chars[i - 1].is_alphanumeric() || {
                let mut j = i;
                while j > 0 && chars[j - 1].is_alphabetic() {
                    j -= 1;
                }
                chars[j..i].iter().collect::<String>().ends_with("kod")
            };
            let left_digit = i > 0 && chars[i - 1].is_ascii_digit();
            let right_ok = i + n == chars.len() || !chars[i + n].is_alphanumeric();
            if left_ok && !left_digit && right_ok {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Every hit of `ids` in `text`, described (fictional test values, so they may be named).
pub fn leaks(place: &str, text: &str, ids: &[Identity]) -> Vec<String> {
    let mut out = Vec::new();
    let folded = fold(text);
    let dehyphenated = folded.replace("-\n", "").replace("\u{ad}", "");
    let w1 = words(&folded);
    let w2 = words(&dehyphenated);
    let nums = numbers_in(&folded);
    for id in ids {
        for n in &id.names {
            if has_words(&w1, n) || has_words(&w2, n) {
                out.push(format!("{}: namnet {:?} i {place}", id.label, n.join(" ")));
            }
        }
        for d in &id.numbers {
            if nums.iter().any(|x| x.contains(d.as_str())) {
                out.push(format!("{}: numret {d} i {place}", id.label));
            }
        }
        for c in &id.codes {
            if has_code(&folded, c) {
                out.push(format!("{}: portkoden {c} i {place}", id.label));
            }
        }
    }
    out
}

/// Text an unauthorised reader could see, with where it is.
pub struct Artifact {
    pub place: String,
    pub path: Option<PathBuf>,
    pub text: String,
}

pub fn under_begransad(rel: &Path) -> bool {
    rel.components().any(|c| c.as_os_str() == "begransad")
}

/// Files of the published pack: everything reachable from `out` through its links (not
/// `.packs`), plus the files directly in `.packs/current` (hidden register, roots, …) and
/// its real subfolders. Returned relative to `out`.
pub fn pack_files(out: &Path) -> Vec<PathBuf> {
    let mut all = files(out);
    let current = out.join(".packs/current");
    if current.exists() {
        let mut stack = vec![current.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                let link = std::fs::symlink_metadata(&p).map(|m| m.file_type().is_symlink()).unwrap_or(false);
                if p.is_dir() {
                    // A unit folder of the current generation is the one `out/<unit>` links to.
                    if !link {
                        stack.push(p);
                    }
                } else {
                    all.push(p);
                }
            }
        }
    }
    let mut rel: Vec<PathBuf> = all.into_iter().map(|p| p.strip_prefix(out).unwrap().to_path_buf()).collect();
    rel.sort();
    rel.dedup();
    rel
}

fn pdf_text_and_info(pdf: &Path) -> (String, String) {
    (raw_text(pdf), pdfinfo(pdf))
}

/// Every general artifact of the pack in `out`: file names (all, restricted too), the text
/// and metadata of every PDF outside `begransad/`, every other file outside `begransad/`.
pub fn general_artifacts(out: &Path) -> Vec<Artifact> {
    let rels = pack_files(out);
    let mut arts: Vec<Artifact> =
        rels.iter().map(|r| Artifact { place: format!("filnamnet {}", r.display()), path: None, text: r.display().to_string() }).collect();
    let general: Vec<&PathBuf> = rels.iter().filter(|r| !under_begransad(r)).collect();
    let (pdfs, others): (Vec<&PathBuf>, Vec<&PathBuf>) = general.into_iter().partition(|r| r.extension().is_some_and(|e| e == "pdf"));
    for r in others {
        let bytes = std::fs::read(out.join(r)).unwrap_or_default();
        arts.push(Artifact {
            place: format!("filen {}", r.display()),
            path: Some(r.to_path_buf()),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    let workers = 3usize;
    let chunks: Vec<Vec<&PathBuf>> =
        (0..workers).map(|k| pdfs.iter().enumerate().filter(|(i, _)| i % workers == k).map(|(_, p)| *p).collect()).collect();
    let results: Vec<Vec<Artifact>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut v = Vec::new();
                    for r in chunk {
                        let (t, info) = pdf_text_and_info(&out.join(r));
                        v.push(Artifact { place: format!("texten i {}", r.display()), path: Some(r.to_path_buf()), text: t });
                        v.push(Artifact { place: format!("metadata i {}", r.display()), path: Some(r.to_path_buf()), text: info });
                    }
                    v
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    arts.extend(results.into_iter().flatten());
    arts
}

/// The general PDFs' text, by path relative to `out` (from [`general_artifacts`]).
pub fn general_texts(arts: &[Artifact]) -> Vec<(&Path, &str)> {
    arts.iter().filter(|a| a.place.starts_with("texten i ")).map(|a| (a.path.as_deref().unwrap(), a.text.as_str())).collect()
}

/// All leaks of `ids` in the artifacts and in a run's output.
pub fn scan_all(arts: &[Artifact], runs: &[&Output], ids: &[Identity]) -> Vec<String> {
    let mut out = Vec::new();
    for a in arts {
        out.extend(leaks(&a.place, &a.text, ids));
    }
    for (i, o) in runs.iter().enumerate() {
        out.extend(leaks(&format!("stdout från körning {}", i + 1), &String::from_utf8_lossy(&o.stdout), ids));
        out.extend(leaks(&format!("stderr från körning {}", i + 1), &String::from_utf8_lossy(&o.stderr), ids));
    }
    out
}

/// Folded words appearing in `text` as a sequence (for positive checks: a fictive name, a sentence).
pub fn contains_phrase(text: &str, phrase: &str) -> bool {
    let f = fold(text);
    let d = f.replace("-\n", "");
    let n = name_words(phrase);
    let exact = |h: &str| words(h).windows(n.len()).any(|w| w.iter().zip(&n).all(|(a, b)| *a == b));
    exact(&f) || exact(&d)
}

/// Ordinary words that are also given names: they count only capitalised (the scanner does
/// not look for them alone).
pub const NAME_WORDS: &[&str] = &["dag", "bo", "maj", "sten", "stig", "ros", "sol", "vide", "linnea", "ek", "björn", "ulv", "rut", "per"];

/// The protected persons of an input directory as identities. A lone given name or surname
/// counts only when no one else in the dataset (other clients, relatives of unprotected
/// clients, employees, contacts, unit managers) bears it and it is not an ordinary word.
pub fn protected_identities(dir: &Path) -> Vec<Identity> {
    let persons = read_csv(&dir.join("personer.csv"));
    let relatives = read_csv(&dir.join("narstaende.csv"));
    let staff = read_csv(&dir.join("personal.csv"));
    let contacts = read_csv(&dir.join("kontakter.csv"));
    let units = read_csv(&dir.join("enheter.csv"));
    let protected_ids: std::collections::HashSet<&str> =
        persons.iter().filter(|p| p["skydd"] != "ingen").map(|p| p["person_id"].as_str()).collect();
    let mut out = Vec::new();
    for p in persons.iter().filter(|p| p["skydd"] != "ingen") {
        let pid = p["person_id"].as_str();
        let mut bearers: std::collections::HashSet<String> = std::collections::HashSet::new();
        for o in persons.iter().filter(|o| o["person_id"] != pid) {
            bearers.extend(name_words(&o["fornamn"]));
            bearers.extend(name_words(&o["efternamn"]));
        }
        for r in relatives.iter().filter(|r| !protected_ids.contains(r["person_id"].as_str())) {
            bearers.extend(name_words(&r["namn"]));
        }
        for r in relatives.iter().filter(|r| r["person_id"] != pid && protected_ids.contains(r["person_id"].as_str())) {
            bearers.extend(name_words(&r["namn"]));
        }
        for s in &staff {
            bearers.extend(name_words(&s["fornamn"]));
            bearers.extend(name_words(&s["efternamn"]));
        }
        for c in &contacts {
            bearers.extend(name_words(&c["namn"]));
        }
        for u in &units {
            bearers.extend(name_words(u.get("enhetschef").map(String::as_str).unwrap_or("")));
        }
        let mut id = Identity::new(format!("{} ({})", pid, p["skydd"]));
        id.full_name(&p["fornamn"], &p["efternamn"]);
        for part in name_words(&p["fornamn"]).into_iter().chain(name_words(&p["efternamn"])) {
            if part.chars().count() >= 3 && !bearers.contains(&part) && !NAME_WORDS.contains(&part.as_str()) {
                id.names.push(vec![part]);
            }
        }
        id.personnummer(&p["personnummer"]);
        if !p["telefon"].is_empty() {
            id.phone(&p["telefon"]);
        }
        if !p["portkod"].is_empty() {
            id.door_code(&p["portkod"]);
        }
        for r in relatives.iter().filter(|r| r["person_id"] == pid) {
            let w = name_words(&r["namn"]);
            if w.len() >= 2 {
                id.names.push(w.clone());
                let mut rev = vec![w[w.len() - 1].clone()];
                rev.extend_from_slice(&w[..w.len() - 1]);
                id.names.push(rev);
            }
            if !r["telefon"].is_empty() {
                id.phone(&r["telefon"]);
            }
        }
        out.push(id);
    }
    out
}

/// Every personnummer of the dataset (no message may quote one).
pub fn all_personnummer(dir: &Path) -> Identity {
    let mut id = Identity::new("personnummer");
    for p in read_csv(&dir.join("personer.csv")) {
        id.personnummer(&p["personnummer"]);
    }
    id
}

/// A `;`-separated table to edit in place (row `i` is on physical line `i + 2`).
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let mut r = csv::ReaderBuilder::new().delimiter(b';').from_path(path).unwrap();
        let headers = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect();
        Table { headers, rows }
    }
    pub fn write(&self, path: &Path) {
        let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::Any(b'\n')).from_path(path).unwrap();
        w.write_record(&self.headers).unwrap();
        for r in &self.rows {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
    }
    pub fn col(&self, name: &str) -> usize {
        self.headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("column {name}"))
    }
    /// Index of the first row where `column` is `value`.
    pub fn find(&self, column: &str, value: &str) -> usize {
        let c = self.col(column);
        self.rows.iter().position(|r| r[c] == value).unwrap_or_else(|| panic!("{column} = {value}"))
    }
    pub fn set(&mut self, row: usize, column: &str, value: &str) {
        let c = self.col(column);
        self.rows[row][c] = value.to_string();
    }
    pub fn get(&self, row: usize, column: &str) -> &str {
        &self.rows[row][self.col(column)]
    }
}

pub fn read_json(path: &Path) -> Vec<serde_json::Value> {
    serde_json::from_slice::<Vec<serde_json::Value>>(&std::fs::read(path).unwrap()).unwrap()
}

pub fn write_json(path: &Path, v: &[serde_json::Value]) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}
pub mod web;

/// The Luhn check digit of a personnummer's first nine digits (YYMMDDNNN).
pub fn luhn_digit(nine: &str) -> u32 {
    let sum: u32 = nine
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap() * if i % 2 == 0 { 2 } else { 1 };
            if d > 9 { d - 9 } else { d }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The published print manifest's rows: (batch, unit, audience).
pub fn print_rows(out: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(out.join("print-manifest.csv")).unwrap_or_default();
    text.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            (f.len() >= 3).then(|| (f[0].to_string(), f[1].to_string(), f[2].to_string()))
        })
        .collect()
}

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
    let mut args = vec!["generate", "--input", input.to_str().unwrap(), "--out", out.to_str().unwrap(), "--date", DATE];
    args.extend_from_slice(extra);
    run(&args)
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
    let o = Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(pdf).arg("-").output().expect("pdftotext is installed (scripts/test.sh installs poppler-utils)");
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

/// The PDF's metadata as pdfinfo prints it (stderr ignored: poppler warns on Typst PDFs).
pub fn pdfinfo(pdf: &Path) -> String {
    let o = Command::new("pdfinfo").arg("-meta").arg(pdf).output().expect("pdfinfo runs");
    let o2 = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo runs");
    format!("{}{}", String::from_utf8_lossy(&o2.stdout), String::from_utf8_lossy(&o.stdout))
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

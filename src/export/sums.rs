//! `SHA256SUMS` (the `sha256sum` format: `<hex>  <relative path>`) and the finished marker,
//! and checking a copy against them offline (`reservpack verify --offline`).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::plan::hex;

pub const SUMS: &str = "SHA256SUMS";
/// Written last, after everything else is on the stick: names the sha256 of `SHA256SUMS`.
pub const MARKER: &str = "KLAR.txt";
/// The marker's line that binds it to the sums file.
const MARKER_KEY: &str = "SHA256SUMS sha256:";

/// The text of `SHA256SUMS` for `(path, sha256 hex)` pairs, in path order.
pub fn sums_text(files: &BTreeMap<String, String>) -> String {
    files.iter().map(|(p, h)| format!("{h}  {p}\n")).collect()
}

/// The marker's text (CRLF: it is read in Notepad).
pub fn marker_text(sums: &[u8], valid_for: &str) -> String {
    format!(
        "Kopian av reservpacket skrevs klart och är komplett (gäller per {valid_for}).\r\n\
         Kontrollera den med: reservpack verify --offline <mappen>\r\n\
         {MARKER_KEY}{}\r\n",
        hex(&Sha256::digest(sums))
    )
}

/// What is wrong with a copy, in Swedish (one line each).
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("{0} finns inte eller är ingen mapp")]
    NotADirectory(PathBuf),
    #[error("{0}: ingen kopia av ett reservpack hittades (varken {SUMS} eller mappar \"Reservpack …\")")]
    NoCopy(PathBuf),
    #[error("{0}: kan inte läsas: {1}")]
    Io(PathBuf, std::io::Error),
}

/// The result of checking one copy: empty `problems` means complete and unaltered.
#[derive(Debug)]
pub struct CopyCheck {
    pub dir: PathBuf,
    pub files: usize,
    pub problems: Vec<String>,
}

impl CopyCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Every entry under `dir` (relative, `/`-separated): files, and links or other odd
/// entries separately (never followed).
fn walk(dir: &Path) -> std::io::Result<(Vec<String>, Vec<String>)> {
    let (mut files, mut odd) = (Vec::new(), Vec::new());
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push((e.path(), r));
            } else if t.is_file() {
                files.push(r);
            } else {
                odd.push(r);
            }
        }
    }
    files.sort();
    odd.sort();
    Ok((files, odd))
}

/// Checks one copy folder: the marker is there and names this `SHA256SUMS`; every listed
/// file is there with its sum; nothing else is there; no links.
pub fn check_copy(dir: &Path) -> Result<CopyCheck, OfflineError> {
    let io = |e| OfflineError::Io(dir.to_path_buf(), e);
    let mut problems = Vec::new();
    let sums = match fs::read(dir.join(SUMS)) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            problems.push(format!("{SUMS} saknas: kopian är inte färdigskriven"));
            None
        }
        Err(e) => return Err(io(e)),
    };
    match (fs::read_to_string(dir.join(MARKER)), &sums) {
        (Ok(m), Some(s)) => {
            let want = hex(&Sha256::digest(s));
            let named = m.lines().find_map(|l| l.trim().strip_prefix(MARKER_KEY)).map(str::trim);
            if named != Some(want.as_str()) {
                problems.push(format!("{MARKER} hör inte till denna {SUMS} (kopian är ändrad eller ofullständig)"));
            }
        }
        (Ok(_), None) => {}
        (Err(_), _) => problems.push(format!("{MARKER} saknas: kopian skrevs inte klart (t.ex. drogs USB-minnet ut under kopieringen)")),
    }
    let (files, odd) = walk(dir).map_err(io)?;
    for o in &odd {
        problems.push(format!("{o}: en länk eller annan specialfil hör inte till kopian"));
    }
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    if let Some(s) = &sums {
        let text = String::from_utf8_lossy(s);
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed = line.split_once("  ").or_else(|| line.split_once(" *"));
            match parsed {
                Some((h, p)) if h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()) && !p.is_empty() => {
                    listed.insert(p.to_string(), h.to_ascii_lowercase());
                }
                _ => problems.push(format!("{SUMS} rad {}: felaktig rad", i + 1)),
            }
        }
    }
    let present: std::collections::BTreeSet<&str> = files.iter().map(String::as_str).collect();
    for (p, want) in &listed {
        let safe = !p.starts_with('/') && !p.split('/').any(|c| c == ".." || c == "." || c.is_empty());
        if !safe || !present.contains(p.as_str()) {
            problems.push(format!("{p} saknas"));
            continue;
        }
        match sha256_file(&dir.join(p)) {
            Ok(h) if &h == want => {}
            Ok(_) => problems.push(format!("{p} är ändrad (kontrollsumman stämmer inte)")),
            Err(e) => problems.push(format!("{p} kan inte läsas: {e}")),
        }
    }
    for f in &files {
        if f != SUMS && f != MARKER && !listed.contains_key(f) {
            problems.push(format!("{f} hör inte till kopian (finns inte i {SUMS})"));
        }
    }
    Ok(CopyCheck { dir: dir.to_path_buf(), files: listed.len(), problems })
}

/// Checks `target`: a copy folder itself, or a folder (a stick) holding copies. An
/// unfinished copy left by an interrupted export counts as a failed copy.
pub fn verify_offline(target: &Path) -> Result<Vec<CopyCheck>, OfflineError> {
    let meta = fs::symlink_metadata(target).map_err(|_| OfflineError::NotADirectory(target.to_path_buf()))?;
    if !meta.is_dir() {
        return Err(OfflineError::NotADirectory(target.to_path_buf()));
    }
    if target.join(SUMS).exists() || target.join(MARKER).exists() {
        return Ok(vec![check_copy(target)?]);
    }
    let mut checks = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(target).map_err(|e| OfflineError::Io(target.to_path_buf(), e))?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if !is_dir {
            continue;
        }
        if name.starts_with(super::TEMP_PREFIX) {
            checks.push(CopyCheck {
                dir: e.path(),
                files: 0,
                problems: vec!["ofullständig kopia från en avbruten export (kan tas bort)".into()],
            });
        } else if name.starts_with(super::COPY_PREFIX) {
            checks.push(check_copy(&e.path())?);
        }
    }
    if checks.is_empty() {
        return Err(OfflineError::NoCopy(target.to_path_buf()));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("Listor")).unwrap();
        fs::write(d.path().join("Listor/a.pdf"), b"%PDF a").unwrap();
        fs::write(d.path().join("index.html"), b"<html>").unwrap();
        let mut files = BTreeMap::new();
        files.insert("Listor/a.pdf".to_string(), hex(&Sha256::digest(b"%PDF a")));
        files.insert("index.html".to_string(), hex(&Sha256::digest(b"<html>")));
        let sums = sums_text(&files);
        fs::write(d.path().join(SUMS), &sums).unwrap();
        fs::write(d.path().join(MARKER), marker_text(sums.as_bytes(), "2026-11-24")).unwrap();
        d
    }

    #[test]
    fn a_whole_copy_passes_and_each_kind_of_damage_is_named() {
        let d = copy();
        let c = check_copy(d.path()).unwrap();
        assert!(c.ok(), "{:?}", c.problems);
        assert_eq!(c.files, 2);

        fs::write(d.path().join("Listor/a.pdf"), b"%PDF b").unwrap();
        fs::write(d.path().join("extra.txt"), b"x").unwrap();
        let c = check_copy(d.path()).unwrap();
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
        assert!(c.problems[0].contains("Listor/a.pdf är ändrad"));
        assert!(c.problems[1].contains("extra.txt hör inte till kopian"));

        let d = copy();
        fs::remove_file(d.path().join(MARKER)).unwrap();
        fs::remove_file(d.path().join("index.html")).unwrap();
        let c = check_copy(d.path()).unwrap();
        assert!(c.problems.iter().any(|p| p.contains("KLAR.txt saknas")));
        assert!(c.problems.iter().any(|p| p == "index.html saknas"));
    }

    #[test]
    fn a_stick_with_an_unfinished_copy_fails() {
        let stick = tempfile::tempdir().unwrap();
        fs::create_dir(stick.path().join(format!("{}x", super::super::TEMP_PREFIX))).unwrap();
        let checks = verify_offline(stick.path()).unwrap();
        assert!(!checks[0].ok());
        assert!(matches!(verify_offline(&stick.path().join("nej")), Err(OfflineError::NotADirectory(_))));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(verify_offline(empty.path()), Err(OfflineError::NoCopy(_))));
    }
}

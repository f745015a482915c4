//! history: the printed versions that are no longer current, so `verify` can say of any sheet
//! found in a cabinet which version superseded it and when, or that it was removed.
//!
//! One file per unit folder, `.history/<unit>.json` in each generation (read through
//! `out/.packs/current/.history/`), carried from run to run: a run appends what it ended and
//! links the other units' files unchanged. Like the manifest it is an index — opaque ids,
//! versions, dates, never a person's name or id. Records are pruned after two years (those
//! of copies deleted by `gallra` after 90 days: their sheets carry their own gallring date).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Entry, Publisher};
use crate::plan::Audience;

/// The folder of history files in a generation.
pub const DIR: &str = ".history";

/// Why a printed version is no longer current (also the shred list's `reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Reason {
    /// A new version of the document was printed.
    #[serde(rename = "ny_version")]
    NewVersion,
    /// The person the document is about has left the unit.
    #[serde(rename = "lamnat_enheten")]
    PersonLeft,
    /// The document is no longer part of the pack (e.g. an ended assignment).
    #[serde(rename = "utgar")]
    Dropped,
    /// Its gallring date has come.
    #[serde(rename = "gallringsdatum")]
    Expired,
    /// The person became protected or changed protection level: every earlier printout of
    /// their documents is to be removed. Listed on the *restricted* gallringslista only;
    /// `verify` names no one and refers to the enhetschef.
    #[serde(rename = "skydd_andrat")]
    ProtectionChanged,
}

impl Reason {
    /// The code in CSV files and history.
    pub fn code(self) -> &'static str {
        match self {
            Reason::NewVersion => "ny_version",
            Reason::PersonLeft => "lamnat_enheten",
            Reason::Dropped => "utgar",
            Reason::Expired => "gallringsdatum",
            Reason::ProtectionChanged => "skydd_andrat",
        }
    }
}

/// One printed version that is no longer current.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    pub id: String,
    pub kind: crate::plan::DocKind,
    pub audience: Audience,
    /// The full version (sha256 hex).
    pub version: String,
    pub pages: usize,
    /// The service date of the run that printed it.
    pub printed: String,
    pub gallring: String,
    /// The service date of the run that ended it.
    pub ended: String,
    pub reason: Reason,
    /// The version that superseded it, and when that was printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_printed: Option<String>,
}

impl Ended {
    pub fn of(e: &Entry, ended: NaiveDate, reason: Reason, by: Option<&Entry>) -> Ended {
        // A sheet of an earlier identity is never linked to the new series.
        let by = by.filter(|_| reason != Reason::ProtectionChanged);
        Ended {
            id: e.id.clone(),
            kind: e.kind,
            audience: e.audience,
            version: e.version.clone(),
            pages: e.pages,
            printed: e.printed.clone(),
            gallring: e.gallring.clone(),
            ended: ended.format("%Y-%m-%d").to_string(),
            reason,
            superseded_by: by.map(|b| b.version.clone()),
            superseded_printed: by.map(|b| b.printed.clone()),
        }
    }
}

/// The history file of one unit folder.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UnitHistory {
    pub ended: Vec<Ended>,
}

/// The unit folder of a manifest path (`HT-NORR/genomforandeplan/GP-….pdf` → `HT-NORR`).
pub fn unit_dir(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

fn rel(unit_dir: &str) -> String {
    format!("{DIR}/{unit_dir}.json")
}

/// Reads one unit's history from a generation folder (empty if there is none).
pub fn read_unit(generation: &Path, unit_dir: &str) -> UnitHistory {
    read_bounded(&generation.join(rel(unit_dir))).and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// A history file's bytes: only a regular file (a FIFO or device planted in the pack would
/// block the reader), and at most 256 MiB.
fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(256 << 20).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Reads every unit's history from a generation folder.
pub fn read_all(generation: &Path) -> Vec<Ended> {
    read_matching(generation, |_| true)
}

/// The records of the documents whose id `wanted` accepts, one unit's file at a time (so a
/// long history is never held whole).
pub fn read_matching(generation: &Path, wanted: impl Fn(&str) -> bool) -> Vec<Ended> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(generation.join(DIR)).into_iter().flatten().flatten() {
        if let Some(h) = read_bounded(&entry.path()).and_then(|b| serde_json::from_slice::<UnitHistory>(&b).ok()) {
            out.extend(h.ended.into_iter().filter(|e| wanted(&e.id)));
        }
    }
    out
}

/// Carries the history into the new generation: appends `ended` (per unit folder), prunes
/// what is too old on `today`, and keeps every other unit's file as it is.
pub fn record(publisher: &Publisher, ended: Vec<(String, Ended)>, today: NaiveDate) -> std::io::Result<()> {
    let mut by_unit: BTreeMap<String, Vec<Ended>> = BTreeMap::new();
    for (unit_dir, e) in ended {
        by_unit.entry(unit_dir).or_default().push(e);
    }
    let current = publisher.current_path(DIR);
    if let Some(dir) = &current {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(unit) = name.strip_suffix(".json") else {
                continue;
            };
            if !by_unit.contains_key(unit) {
                publisher.keep(&rel(unit))?;
            }
        }
    }
    for (unit, mut added) in by_unit {
        let mut h = match publisher.current_path("") {
            Some(generation) => read_unit(&generation, &unit),
            None => UnitHistory::default(),
        };
        h.ended.append(&mut added);
        h.ended.retain(|e| keep_until(e).is_none_or(|until| until >= today));
        h.ended.sort_by(|a, b| (&a.id, &a.ended, &a.version).cmp(&(&b.id, &b.ended, &b.version)));
        h.ended.dedup_by(|a, b| a.id == b.id && a.version == b.version && a.ended == b.ended);
        let mut bytes = serde_json::to_vec_pretty(&h).expect("history serialises");
        bytes.push(b'\n');
        publisher.write(&rel(&unit), &bytes)?;
    }
    Ok(())
}

/// The last day a record is kept.
fn keep_until(e: &Ended) -> Option<NaiveDate> {
    let ended = NaiveDate::parse_from_str(&e.ended, "%Y-%m-%d").ok()?;
    let months = if e.reason == Reason::Expired { 3 } else { 24 };
    ended.checked_add_months(chrono::Months::new(months))
}

/// What `verify` says about a printed sheet.
#[derive(Debug, PartialEq)]
pub enum Status<'a> {
    /// The published version.
    Current(&'a Entry),
    /// No longer current: the latest record of that version.
    Ended(&'a Ended, Option<&'a Entry>),
    /// The document exists, but that version was never published here (or is forgotten).
    OtherVersion(&'a Entry),
    Unknown,
}

/// Looks up `id` and a version (full, or a prefix of at least 8 hex digits, as printed).
pub fn status<'a>(manifest: &'a super::Manifest, history: &'a [Ended], id: &str, version: &str) -> Status<'a> {
    let current = manifest.get(id);
    if let Some(c) = current.filter(|c| c.version.starts_with(version)) {
        return Status::Current(c);
    }
    let ended = history.iter().filter(|e| e.id == id && e.version.starts_with(version)).max_by(|a, b| a.ended.cmp(&b.ended));
    match (ended, current) {
        (Some(e), c) => Status::Ended(e, c),
        (None, Some(c)) => Status::OtherVersion(c),
        (None, None) => Status::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::Manifest;

    fn entry(id: &str, version: &str, printed: &str) -> Entry {
        Entry {
            id: id.into(),
            kind: crate::plan::DocKind::Genomforandeplan,
            unit: "U".into(),
            audience: Audience::Personal,
            path: format!("U/genomforandeplan/{id}.pdf"),
            pages: 1,
            version: version.repeat(64),
            gallring: "när ny version skrivs ut".into(),
            date: None,
            label: "Genomförandeplan".into(),
            subject: String::new(),
            storage: "Personakt".into(),
            person: None,
            printed: printed.into(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_sheet_is_current_superseded_or_unknown() {
        let old = entry("GP-1", "a", "2026-11-01");
        let new = entry("GP-1", "b", "2026-11-24");
        let manifest = Manifest { generated_for: "2026-11-24".into(), documents: vec![new.clone()] };
        let history = vec![Ended::of(&old, d("2026-11-24"), Reason::NewVersion, Some(&new))];
        assert_eq!(status(&manifest, &history, "GP-1", "bbbbbbbb"), Status::Current(&manifest.documents[0]));
        match status(&manifest, &history, "GP-1", "aaaaaaaa") {
            Status::Ended(h, Some(c)) => {
                assert_eq!(h.superseded_by.as_deref(), Some(new.version.as_str()));
                assert_eq!(h.superseded_printed.as_deref(), Some("2026-11-24"));
                assert_eq!(c.version, new.version);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(status(&manifest, &history, "GP-1", "cccccccc"), Status::OtherVersion(&manifest.documents[0]));
        assert_eq!(status(&manifest, &history, "GP-2", "aaaaaaaa"), Status::Unknown);
    }

    #[test]
    fn a_fifo_in_the_history_is_passed_over_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(DIR)).unwrap();
        let fifo = dir.path().join(DIR).join("U.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(read_all(dir.path()).is_empty());
        assert!(read_unit(dir.path(), "U").ended.is_empty());
    }

    #[test]
    fn read_matching_keeps_only_the_wanted_documents_of_every_unit() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(DIR)).unwrap();
        for (unit, ids) in [("U", ["GP-1", "GP-2"]), ("V", ["GP-3", "GP-4"])] {
            let ended = ids.iter().map(|id| Ended::of(&entry(id, "a", "2026-11-01"), d("2026-11-24"), Reason::NewVersion, None)).collect();
            let bytes = serde_json::to_vec(&UnitHistory { ended }).unwrap();
            std::fs::write(dir.path().join(DIR).join(format!("{unit}.json")), bytes).unwrap();
        }
        let mut ids: Vec<String> = read_matching(dir.path(), |id| id == "GP-2" || id == "GP-3").into_iter().map(|e| e.id).collect();
        ids.sort();
        assert_eq!(ids, ["GP-2", "GP-3"]);
        assert_eq!(read_all(dir.path()).len(), 4);
    }

    #[test]
    fn records_are_kept_two_years_and_deleted_copies_three_months() {
        let e = entry("GP-1", "a", "2024-01-01");
        let superseded = Ended::of(&e, d("2024-01-10"), Reason::NewVersion, None);
        let gallrad = Ended::of(&e, d("2024-01-10"), Reason::Expired, None);
        assert_eq!(keep_until(&superseded), Some(d("2026-01-10")));
        assert_eq!(keep_until(&gallrad), Some(d("2024-04-10")));
    }
}

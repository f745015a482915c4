//! `out/manifest.json`: what is published now (the contract is in FORMATS.md).

use serde::{Deserialize, Serialize};

use crate::plan::Audience;

/// The hidden file beside `manifest.json` holding each document's printed subject.
pub const REGISTER: &str = ".register.json";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub generated_for: String,
    pub documents: Vec<Entry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub id: String,
    pub kind: crate::plan::DocKind,
    pub unit: String,
    pub audience: Audience,
    pub path: String,
    pub pages: usize,
    pub version: String,
    pub gallring: String,
    /// The service day of a dated document (schedules, planerade besök).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// How the document is listed to people (egenkontroll, shred list): kind and subject
    /// as printed (a printed identity, never a protected person's real name).
    #[serde(default)]
    pub label: String,
    /// Kept out of `manifest.json` (an index: it may name ids and paths, never a person):
    /// stored beside it in the generation's hidden `.register.json`.
    #[serde(skip)]
    pub subject: String,
    #[serde(default)]
    pub storage: String,
    /// An opaque hash of the person the document is about (for `--person` and for finding
    /// the documents of a person who left); never the person_id itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// The service date of the run that printed this version.
    #[serde(default)]
    pub printed: String,
}

impl Manifest {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.documents.iter().find(|e| e.id == id)
    }

    /// The printed subjects by document id, for the hidden register beside the manifest.
    pub fn register_json(&self) -> Vec<u8> {
        let map: std::collections::BTreeMap<&str, &str> =
            self.documents.iter().filter(|e| !e.subject.is_empty()).map(|e| (e.id.as_str(), e.subject.as_str())).collect();
        serde_json::to_vec(&map).expect("register serialises")
    }

    /// Restores subjects from a register written by [`Manifest::register_json`].
    pub fn fill_subjects(&mut self, register: &[u8]) {
        let map: std::collections::HashMap<String, String> = serde_json::from_slice(register).unwrap_or_default();
        for e in &mut self.documents {
            if let Some(s) = map.get(&e.id) {
                e.subject = s.clone();
            }
        }
    }

    /// The manifest as JSON, one document per line (a city's 60,000 entries: compact to
    /// write and read on every run, still easy to `grep` and to diff).
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(64 + self.documents.len() * 400);
        v.extend_from_slice(b"{\"generated_for\":");
        serde_json::to_writer(&mut v, &self.generated_for).expect("manifest serialises");
        v.extend_from_slice(b",\"documents\":[");
        for (i, e) in self.documents.iter().enumerate() {
            v.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            serde_json::to_writer(&mut v, e).expect("manifest serialises");
        }
        v.extend_from_slice(b"\n]}\n");
        v
    }
}

/// A plain entry for tests: unit `U`, audience personal, one page.
#[cfg(test)]
pub(crate) fn test_entry(id: &str, path: &str, version: &str) -> Entry {
    Entry {
        id: id.into(),
        kind: crate::plan::DocKind::Rutiner,
        unit: "U".into(),
        audience: crate::plan::Audience::Personal,
        path: path.into(),
        pages: 1,
        version: version.into(),
        gallring: "r".into(),
        date: None,
        label: String::new(),
        subject: String::new(),
        storage: String::new(),
        person: None,
        printed: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_is_one_document_per_line_and_reads_back() {
        let m = Manifest {
            generated_for: "2026-11-24".into(),
            documents: vec![test_entry("A", "U/k/a.pdf", "1"), test_entry("B", "U/k/b.pdf", "2")],
        };
        let json = m.to_json();
        let text = std::str::from_utf8(&json).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with("{\"id\":\"A\""));
        let back: Manifest = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.documents, m.documents);
        assert_eq!(back.generated_for, "2026-11-24");
        let empty = Manifest { generated_for: "x".into(), documents: vec![] };
        assert_eq!(serde_json::from_slice::<Manifest>(&empty.to_json()).unwrap().documents.len(), 0);
    }
}

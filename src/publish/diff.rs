//! The difference between the published manifest and the one a run is about to publish.

use std::collections::HashMap;

use super::{Entry, Manifest};

/// What a run changes, per document id.
#[derive(Debug, Default)]
pub struct Diff<'a> {
    /// In the new manifest only.
    pub new: Vec<&'a Entry>,
    /// In both, with another version: (old, new).
    pub changed: Vec<(&'a Entry, &'a Entry)>,
    /// In both, same version.
    pub unchanged: Vec<&'a Entry>,
    /// In the old manifest only.
    pub removed: Vec<&'a Entry>,
}

impl<'a> Diff<'a> {
    pub fn between(old: &'a Manifest, new: &'a Manifest) -> Diff<'a> {
        let before: HashMap<&str, &Entry> = old.documents.iter().map(|e| (e.id.as_str(), e)).collect();
        let after: HashMap<&str, &Entry> = new.documents.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut d = Diff::default();
        for e in &new.documents {
            match before.get(e.id.as_str()) {
                None => d.new.push(e),
                Some(o) if o.version != e.version => d.changed.push((o, e)),
                Some(_) => d.unchanged.push(e),
            }
        }
        d.removed = old.documents.iter().filter(|e| !after.contains_key(e.id.as_str())).collect();
        d
    }

    /// New and changed documents (what needs printing), in manifest order.
    pub fn to_print(&self) -> Vec<&'a Entry> {
        let mut v: Vec<&Entry> = self.new.iter().copied().chain(self.changed.iter().map(|(_, n)| *n)).collect();
        v.sort_by(|a, b| (&a.unit, a.audience, &a.kind, &a.path).cmp(&(&b.unit, b.audience, &b.kind, &b.path)));
        v
    }
}

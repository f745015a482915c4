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

    /// The diff of a run that carried every unplanned document over as it was: `replaced`
    /// holds the published entries the run did not carry, `new` the run's manifest, and
    /// `planned` the ids the run planned. Carried documents are unchanged; no lookup of a
    /// city's 60,000 entries is needed to say so.
    pub fn of_run(replaced: &'a Manifest, new: &'a Manifest, planned: &std::collections::HashSet<Box<str>>) -> Diff<'a> {
        let before: HashMap<&str, &Entry> = replaced.documents.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut d = Diff::default();
        for e in &new.documents {
            if !planned.contains(e.id.as_str()) {
                d.unchanged.push(e);
                continue;
            }
            match before.get(e.id.as_str()) {
                None => d.new.push(e),
                Some(o) if o.version != e.version => d.changed.push((o, e)),
                Some(_) => d.unchanged.push(e),
            }
        }
        d.removed = replaced.documents.iter().filter(|e| !planned.contains(e.id.as_str())).collect();
        d
    }

    /// New and changed documents (what needs printing), in manifest order.
    pub fn to_print(&self) -> Vec<&'a Entry> {
        let mut v: Vec<&Entry> = self.new.iter().copied().chain(self.changed.iter().map(|(_, n)| *n)).collect();
        v.sort_by(|a, b| (&a.unit, a.audience, &a.kind, &a.path).cmp(&(&b.unit, b.audience, &b.kind, &b.path)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, version: &str) -> Entry {
        crate::publish::manifest::test_entry(id, &format!("U/k/{id}.pdf"), version)
    }

    #[test]
    fn a_runs_diff_agrees_with_the_full_comparison() {
        let old =
            Manifest { generated_for: String::new(), documents: vec![entry("A", "1"), entry("B", "1"), entry("C", "1"), entry("D", "1")] };
        // The run planned B (changed), C (same) and E (new); carried A; D is gone.
        let new =
            Manifest { generated_for: String::new(), documents: vec![entry("A", "1"), entry("B", "2"), entry("C", "1"), entry("E", "1")] };
        let planned: std::collections::HashSet<Box<str>> = ["B", "C", "E"].into_iter().map(Into::into).collect();
        let replaced = Manifest { generated_for: String::new(), documents: vec![entry("B", "1"), entry("C", "1"), entry("D", "1")] };
        let ids = |v: &[&Entry]| v.iter().map(|e| e.id.clone()).collect::<std::collections::BTreeSet<_>>();
        let full = Diff::between(&old, &new);
        let run = Diff::of_run(&replaced, &new, &planned);
        assert_eq!(ids(&full.new), ids(&run.new));
        assert_eq!(ids(&full.unchanged), ids(&run.unchanged));
        assert_eq!(ids(&full.removed), ids(&run.removed));
        let changed = |d: &Diff| d.changed.iter().map(|(o, n)| (o.version.clone(), n.id.clone())).collect::<Vec<_>>();
        assert_eq!(changed(&full), changed(&run));
    }
}

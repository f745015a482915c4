//! A new generation's folders: shared with the published one where a run keeps a folder
//! whole, otherwise made anew (written files, hard links to kept ones, shared subfolders).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::Links;
use super::gc::read_links;
use super::{PACKS, PublishError, Publisher, TREES, create_dir_private, foreign, io, link_or_copy, split_first};

/// What [`Publisher::assemble`] made: the generation's links, and the files and folders
/// that must reach the disk before the switch.
pub(super) struct Assembled {
    pub(super) links: Links,
    pub(super) files: Vec<PathBuf>,
    pub(super) dirs: Vec<PathBuf>,
}

impl Publisher {
    /// Builds the folders of the new generation: shared with the published one where kept
    /// whole, otherwise made anew. Returns the tree folders it links to (relative to `trees/`).
    pub(super) fn assemble(&self) -> Result<Assembled, PublishError> {
        let staged = std::mem::take(&mut *self.staged.lock().unwrap_or_else(|e| e.into_inner()));
        if let Some(path) = &staged.foreign {
            return Err(foreign(path, "är en länk eller fil i packet som reservpack inte har gjort; den följs inte"));
        }
        create_dir_private(&self.stage).map_err(io(&self.stage))?;
        let trees_root = fs::canonicalize(self.out.join(PACKS).join(TREES)).ok();
        let mut made = Assembled {
            links: Links::new(),
            files: staged.written.iter().map(|rel| self.staged_path(rel)).collect(),
            dirs: vec![self.stage.clone(), self.trees.clone(), self.out.join(PACKS).join(TREES)],
        };
        let mut written: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for rel in staged.written.iter() {
            if let (Some(first), rest) = split_first(rel) {
                written.entry(first).or_default().push(rest);
            }
        }
        let firsts: BTreeSet<&str> = written.keys().copied().chain(staged.kept.keys().map(String::as_str)).collect();
        for first in firsts {
            let empty = HashSet::new();
            let folder = Folder::new(
                staged.listing.get(first).unwrap_or(&empty),
                staged.kept.get(first).unwrap_or(&empty),
                written.get(first).map(Vec::as_slice).unwrap_or(&[]),
            );
            let build = Build { publisher: self, first, folder: &folder, trees_root: trees_root.as_deref() };
            build.dir("", &mut made)?;
        }
        let links = &mut made.links;
        // A shared folder may itself link to older trees: those links are reached too.
        if let Some(old) = self.current.as_ref().and_then(|c| read_links(c)) {
            // The old links by every folder above where they are.
            let mut inside: HashMap<&str, Vec<&(String, String)>> = HashMap::new();
            for l in &old {
                for (i, _) in l.0.match_indices('/') {
                    inside.entry(&l.0[..i]).or_default().push(l);
                }
            }
            let mut todo: Vec<String> = links.iter().map(|(_, t)| t.clone()).collect();
            let mut seen: HashSet<String> = HashSet::new();
            while let Some(t) = todo.pop() {
                if !seen.insert(t.clone()) {
                    continue;
                }
                for l in inside.get(t.as_str()).into_iter().flatten() {
                    if links.insert((*l).clone()) {
                        todo.push(l.1.clone());
                    }
                }
            }
        }
        Ok(made)
    }
}

/// One first-level folder's files, as published, kept and written, counted per subfolder
/// (`""` is the folder itself).
struct Folder<'a> {
    published: HashMap<&'a str, usize>,
    kept: HashMap<&'a str, usize>,
    dirty: HashSet<&'a str>,
    subdirs: BTreeMap<&'a str, BTreeSet<&'a str>>,
    kept_files: BTreeMap<&'a str, Vec<&'a str>>,
}

/// `a/b/c.pdf` → (`a/b`, `c.pdf`), and every folder above it: `""`, `a`, `a/b`.
fn parent(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    std::iter::once("").chain(rel.match_indices('/').map(move |(i, _)| &rel[..i]))
}

impl<'a> Folder<'a> {
    fn new(published: &'a HashSet<String>, kept: &'a HashSet<String>, written: &[&'a str]) -> Folder<'a> {
        let mut f = Folder {
            published: HashMap::new(),
            kept: HashMap::new(),
            dirty: HashSet::new(),
            subdirs: BTreeMap::new(),
            kept_files: BTreeMap::new(),
        };
        for rel in published {
            for d in ancestors(rel) {
                *f.published.entry(d).or_default() += 1;
            }
        }
        let add_dirs = |f: &mut Folder<'a>, rel: &'a str| {
            let mut prev = "";
            for d in ancestors(rel).skip(1) {
                f.subdirs.entry(prev).or_default().insert(d);
                prev = d;
            }
        };
        for rel in kept {
            for d in ancestors(rel) {
                *f.kept.entry(d).or_default() += 1;
            }
            let (dir, name) = parent(rel);
            f.kept_files.entry(dir).or_default().push(name);
            add_dirs(&mut f, rel);
        }
        for rel in written {
            f.dirty.extend(ancestors(rel));
            add_dirs(&mut f, rel);
        }
        f
    }

    /// Kept whole: nothing written in it, every published file in it kept.
    fn whole(&self, dir: &str) -> bool {
        let published = self.published.get(dir).copied().unwrap_or(0);
        !self.dirty.contains(dir) && published > 0 && self.kept.get(dir).copied().unwrap_or(0) == published
    }
}

struct Build<'a> {
    publisher: &'a Publisher,
    first: &'a str,
    folder: &'a Folder<'a>,
    trees_root: Option<&'a Path>,
}

impl Build<'_> {
    /// `first/dir` in the new generation: a link to the published folder, or made anew.
    fn dir(&self, dir: &str, made_here: &mut Assembled) -> Result<(), PublishError> {
        let p = self.publisher;
        let rel = if dir.is_empty() { self.first.to_string() } else { format!("{}/{dir}", self.first) };
        if self.folder.whole(dir)
            && let Some(shared) = self.published_tree(&rel)
        {
            // A first-level link sits in the generation's folder (`../trees/…`); a deeper one
            // in `trees/<gen>/<rel's parent>`, as many folders below `trees/` as `rel` has parts.
            let (link, target, at) = if dir.is_empty() {
                (p.stage.join(self.first), format!("../{TREES}/{shared}"), String::new())
            } else {
                let up = "../".repeat(rel.split('/').count());
                (p.trees.join(&rel), format!("{up}{shared}"), format!("{}/{rel}", p.name))
            };
            std::os::unix::fs::symlink(&target, &link).map_err(io(&link))?;
            made_here.links.insert((at, shared));
            return Ok(());
        }
        let made = p.trees.join(&rel);
        create_dir_private(&made).map_err(io(&made))?;
        made_here.dirs.push(made.clone());
        if let (Some(files), Some(current)) = (self.folder.kept_files.get(dir), &p.current) {
            for name in files {
                let to = made.join(name);
                if fs::symlink_metadata(&to).is_ok() {
                    continue; // written anew in this run
                }
                let from = current.join(&rel).join(name);
                link_or_copy(&from, &to).map_err(io(&to))?;
            }
        }
        if let Some(subdirs) = self.folder.subdirs.get(dir) {
            for sub in subdirs {
                self.dir(sub, made_here)?;
            }
        }
        if dir.is_empty() {
            let link = p.stage.join(self.first);
            let target = Path::new("..").join(TREES).join(&p.name).join(self.first);
            std::os::unix::fs::symlink(&target, &link).map_err(io(&link))?;
            made_here.links.insert((String::new(), format!("{}/{}", p.name, self.first)));
        }
        Ok(())
    }

    /// The published folder `rel`, as a path below `trees/`, if it is one there.
    fn published_tree(&self, rel: &str) -> Option<String> {
        let real = fs::canonicalize(self.publisher.current.as_ref()?.join(rel)).ok()?;
        let below = real.strip_prefix(self.trees_root?).ok()?;
        (below.components().count() >= 2).then(|| below.to_string_lossy().into_owned())
    }
}

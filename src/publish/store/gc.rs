//! Garbage collection: the tree folders no generation uses any more are removed, and only
//! inside `out/.packs/trees` (never through a link).

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::{Links, ROOTS, TREES, check_rel};

/// A generation's links into `trees/`, from its index.
pub(super) fn read_links(generation: &Path) -> Option<Links> {
    let text = fs::read_to_string(generation.join(ROOTS)).ok()?;
    // A line of another form: not an index this code wrote (the caller then walks the trees).
    // A path that leaves `trees/` (or is not one this code wrote) is no index either.
    let valid = |a: &str, t: &str| (a.is_empty() || check_rel(a).is_ok()) && check_rel(t).is_ok();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split_once('\t').filter(|(a, t)| valid(a, t)).map(|(a, t)| (a.to_string(), t.to_string())))
        .collect()
}

/// Removes the tree folders (under `packs/trees`) that the generation `current` does not
/// use. With both generations' indexes (`(old, new)` roots), only what the old one used and
/// the new one does not is looked at; without, every tree is walked.
pub(super) fn collect_trees(packs: &Path, current: Option<&Path>, indexes: Option<(BTreeSet<String>, BTreeSet<String>)>) {
    let trees = packs.join(TREES);
    let (live, candidates): (HashSet<String>, Vec<String>) = match indexes {
        Some((old, new)) => {
            let live: HashSet<String> = new.into_iter().collect();
            // A folder inside a live one is live too (a shared unit's subfolders).
            let gone: Vec<String> = old.into_iter().filter(|r| !under_any(r, &live)).collect();
            (live, gone)
        }
        None => {
            let live = match current {
                Some(cur) => walk_roots(&trees, cur).into_iter().collect(),
                None => HashSet::new(),
            };
            let all = fs::read_dir(&trees).into_iter().flatten().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            (live, all)
        }
    };
    // Folders that hold live ones.
    let holders: HashSet<&str> = live.iter().flat_map(|l| l.match_indices('/').map(move |(i, _)| &l[..i])).collect();
    let keep = |rel: &str| under_any(rel, &live);
    let holds = |rel: &str| holders.contains(rel);
    let Ok(trees_real) = fs::canonicalize(&trees) else { return };
    for c in candidates {
        sweep(&trees_real, &c, &keep, &holds);
    }
    // Generation folders left empty.
    for g in fs::read_dir(&trees).into_iter().flatten().flatten() {
        let _ = fs::remove_dir(g.path());
    }
}

/// Whether `rel` or a folder above it is in `set`.
fn under_any(rel: &str, set: &HashSet<String>) -> bool {
    set.contains(rel) || rel.match_indices('/').any(|(i, _)| set.contains(&rel[..i]))
}

/// Removes `rel` (below `trees`, given with links resolved) unless it is live; a folder that
/// holds live ones is swept. Only if the path to it holds no link: nothing outside is removed.
fn sweep(trees: &Path, rel: &str, keep: &dyn Fn(&str) -> bool, holds: &dyn Fn(&str) -> bool) {
    if keep(rel) || check_rel(rel).is_err() {
        return;
    }
    let p = trees.join(rel);
    if p.parent().and_then(|d| fs::canonicalize(d).ok()).as_deref() != p.parent() {
        return;
    }
    let is_dir = fs::symlink_metadata(&p).map(|m| m.is_dir()).unwrap_or(false);
    if is_dir && holds(rel) {
        for e in fs::read_dir(&p).into_iter().flatten().flatten() {
            sweep(trees, &format!("{rel}/{}", e.file_name().to_string_lossy()), keep, holds);
        }
    } else if is_dir {
        let _ = fs::remove_dir_all(&p);
    } else {
        let _ = fs::remove_file(&p);
    }
}

/// Every tree folder the generation `generation` links to, at any depth (below `trees`).
fn walk_roots(trees: &Path, generation: &Path) -> BTreeSet<String> {
    let mut roots = BTreeSet::new();
    let Ok(trees_root) = fs::canonicalize(trees) else { return roots };
    let mut stack: Vec<PathBuf> = vec![generation.to_path_buf()];
    let mut seen: HashSet<PathBuf> = HashSet::new();
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_symlink() {
                if let Ok(real) = fs::canonicalize(e.path())
                    && let Ok(below) = real.strip_prefix(&trees_root)
                {
                    roots.insert(below.to_string_lossy().into_owned());
                    if real.is_dir() && seen.insert(real.clone()) {
                        stack.push(real);
                    }
                }
            } else if t.is_dir() {
                stack.push(e.path());
            }
        }
    }
    roots
}

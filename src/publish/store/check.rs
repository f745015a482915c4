//! Confinement (issue 13): what the store finds under `out/` is checked before it is trusted;
//! anything the tool did not put there is [`PublishError::Foreign`].

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::{CURRENT, GENERATION, ID_KEY, NEW_CURRENT, PACKS, PublishError, TREES, check_rel, io};

pub(super) fn foreign(path: &Path, what: impl Into<String>) -> PublishError {
    PublishError::Foreign { path: path.to_path_buf(), what: what.into() }
}

/// What a file the tool did not expect is, for [`PublishError::Foreign`].
pub(super) fn unexpected(t: fs::FileType) -> String {
    if t.is_symlink() {
        "är en symbolisk länk som reservpack inte har gjort".into()
    } else if t.is_dir() {
        "är en katalog som reservpack inte har gjort".into()
    } else if t.is_file() {
        "är en fil som reservpack inte har gjort".into()
    } else {
        format!("är {}, som reservpack inte har gjort", crate::confine::kind_of(t))
    }
}

pub(super) fn is_generation_name(name: &str) -> bool {
    name.len() > GENERATION.len() && name.starts_with(GENERATION) && !name.contains('/')
}

/// `out/.packs` as checked: it holds only what the tool puts there.
pub(super) struct Store {
    pub(super) packs: PathBuf,
    /// The published generation's folder (a real folder in `.packs`, named by `current`).
    pub(super) current: Option<PathBuf>,
    /// `trees/`, links resolved, if it exists.
    pub(super) trees_real: Option<PathBuf>,
    /// Generations and a `current.new` link that killed runs left.
    pub(super) debris: Vec<PathBuf>,
}

impl Store {
    /// Checks `out/.packs`, the published generation's first level and the visible names in
    /// `out/`; fails with [`PublishError::Foreign`] on anything the tool did not put there.
    pub(super) fn check(out: &Path) -> Result<Store, PublishError> {
        let packs = out.join(PACKS);
        let mut store = Store { packs: packs.clone(), current: None, trees_real: None, debris: Vec::new() };
        match fs::symlink_metadata(&packs) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(store),
            Err(e) => return Err(io(&packs)(e)),
            Ok(m) if !m.file_type().is_dir() => return Err(foreign(&packs, unexpected(m.file_type()))),
            Ok(_) => {}
        }
        let mut generations = Vec::new();
        for entry in fs::read_dir(&packs).map_err(io(&packs))? {
            let entry = entry.map_err(io(&packs))?;
            let path = entry.path();
            let t = entry.file_type().map_err(io(&path))?;
            match entry.file_name().to_str().unwrap_or_default() {
                CURRENT if t.is_symlink() => {
                    let target = fs::read_link(&path).map_err(io(&path))?;
                    let generation = target.to_str().filter(|n| is_generation_name(n)).map(|n| packs.join(n));
                    match generation.filter(|g| fs::symlink_metadata(g).is_ok_and(|m| m.file_type().is_dir())) {
                        Some(g) => store.current = Some(g),
                        None => return Err(foreign(&path, "pekar inte på en av reservpacks egna generationer i .packs")),
                    }
                }
                NEW_CURRENT if t.is_symlink() => store.debris.push(path),
                TREES if t.is_dir() => {
                    for g in fs::read_dir(&path).map_err(io(&path))? {
                        let g = g.map_err(io(&path))?;
                        let gt = g.file_type().map_err(io(&g.path()))?;
                        if !(gt.is_dir() && g.file_name().to_str().is_some_and(is_generation_name)) {
                            return Err(foreign(&g.path(), unexpected(gt)));
                        }
                    }
                    store.trees_real = Some(fs::canonicalize(&path).map_err(io(&path))?);
                }
                ID_KEY if t.is_file() => {}
                name if is_generation_name(name) && t.is_dir() => generations.push(path),
                _ => return Err(foreign(&path, unexpected(t))),
            }
        }
        store.debris.extend(generations.into_iter().filter(|g| Some(g) != store.current.as_ref()));
        if let Some(generation) = &store.current {
            for entry in fs::read_dir(generation).map_err(io(generation))? {
                let entry = entry.map_err(io(generation))?;
                let path = entry.path();
                let t = entry.file_type().map_err(io(&path))?;
                if t.is_symlink() {
                    if store.own_tree(&path).is_none() {
                        return Err(foreign(&path, "är en länk som inte leder till packets egna mappar i .packs/trees"));
                    }
                } else if !t.is_file() {
                    return Err(foreign(&path, unexpected(t)));
                }
                own_visible(out, &entry.file_name())?;
            }
        }
        Ok(store)
    }

    /// Where the link `link` leads, if that is a folder in `trees/`.
    fn own_tree(&self, link: &Path) -> Option<PathBuf> {
        let real = fs::canonicalize(link).ok()?;
        (real.starts_with(self.trees_real.as_ref()?) && real.is_dir()).then_some(real)
    }
}

/// Whether `out/<name>` exists as the tool's own link through `current` (a hidden name is
/// not made visible); a planted link or file there is [`PublishError::Foreign`].
pub(super) fn own_visible(out: &Path, name: &std::ffi::OsStr) -> Result<bool, PublishError> {
    if name.to_string_lossy().starts_with('.') {
        return Ok(false);
    }
    let visible = out.join(name);
    match fs::symlink_metadata(&visible) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(&visible)(e)),
        Ok(m) if m.file_type().is_symlink() && fs::read_link(&visible).is_ok_and(|t| t == visible_target(name)) => Ok(true),
        Ok(_) => Err(foreign(&visible, format!("är inte reservpacks egen länk till {}", visible_target(name).display()))),
    }
}

/// The target of the visible link `out/<name>`.
pub(super) fn visible_target(name: &std::ffi::OsStr) -> PathBuf {
    Path::new(PACKS).join(CURRENT).join(name)
}

/// Every regular file under `dir` (following a symlinked `dir` itself), as paths relative to
/// it, and what else was found there: a link is followed only if it leads to a folder in
/// `trees` (the tool's own links, given with links resolved); other links and special files
/// are not followed nor listed, but returned.
pub(super) fn list_files(dir: &Path, trees: Option<&Path>) -> (HashSet<String>, Vec<PathBuf>) {
    let (mut out, mut planted) = (HashSet::new(), Vec::new());
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push((entry.path(), rel)),
                Ok(t) if t.is_file() => {
                    out.insert(rel);
                }
                Ok(t) if t.is_symlink() => {
                    let real = fs::canonicalize(entry.path()).ok();
                    match (real, trees) {
                        (Some(real), Some(trees)) if real.starts_with(trees) && real.is_dir() => stack.push((entry.path(), rel)),
                        _ => planted.push(entry.path()),
                    }
                }
                Ok(_) => planted.push(entry.path()),
                Err(_) => continue,
            }
        }
    }
    (out, planted)
}

/// The published generation's folder (`out/.packs/<gen>`), if a pack is published; checked
/// like a run checks it (a planted link or file is [`PublishError::Foreign`]).
///
/// For readers without the lock (`verify`, `print --dry-run`): a run may switch and remove
/// a generation while it is checked, so a refusal is only believed when it is seen again.
pub fn published_dir(out: &Path) -> Result<Option<PathBuf>, PublishError> {
    let mut attempt = 0;
    loop {
        match Store::check(out) {
            Err(_) if attempt < 2 => attempt += 1,
            checked => return checked.map(|s| s.current),
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
/// `out/<rel>` (a path as the manifests give it), checked to be a regular file of the pack:
/// after resolving links, inside `out/.packs`. For reading the pack's files by their visible
/// names (`print`); anything else is [`PublishError::Foreign`].
pub fn published_file(out: &Path, rel: &str) -> Result<PathBuf, PublishError> {
    let path = out.join(rel);
    if check_rel(rel).is_err() {
        return Err(foreign(&path, "är ingen sökväg i packet"));
    }
    let packs = fs::canonicalize(out.join(PACKS)).map_err(io(&out.join(PACKS)))?;
    let real = fs::canonicalize(&path).map_err(io(&path))?;
    if !real.starts_with(&packs) || !fs::symlink_metadata(&real).is_ok_and(|m| m.file_type().is_file()) {
        return Err(foreign(&path, "leder inte till en av packets egna filer i .packs"));
    }
    Ok(path)
}

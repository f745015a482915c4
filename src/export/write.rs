//! Writing the copy safely on a stick: everything goes into a new temp folder of our own
//! naming under the target, each file and folder is flushed (fsync), and only then is it
//! renamed to its final name. An earlier copy of the same name is renamed aside first and
//! deleted only after the new one is in place. Nothing outside the folders we make is
//! written or deleted, and no link in the target is ever followed.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::sums::{MARKER, SUMS};
use super::{ASIDE_PREFIX, TEMP_PREFIX};

/// Why the copy could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "{0} finns redan och är ingen kopia av ett reservpack (ingen {SUMS} eller {MARKER}); byt namn på den eller välj en annan plats"
    )]
    NotOurs(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io { path: path.to_path_buf(), source }
}

/// A temp folder on the target that the copy is written into.
pub struct Staging {
    root: PathBuf,
    dirs: Vec<PathBuf>,
}

fn unique_suffix() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{t:x}", std::process::id())
}

/// Flushes a folder's entries; file systems that cannot sync a folder are let be.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match fs::File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        r => r,
    }
}

impl Staging {
    /// Makes `target/.reservpack-tmp-<key>-<unique>` (never an existing folder).
    pub fn create(target: &Path, key: &str) -> Result<Staging, WriteError> {
        let root = target.join(format!("{TEMP_PREFIX}{key}-{}", unique_suffix()));
        fs::create_dir(&root).map_err(io(&root))?;
        Ok(Staging { dirs: vec![root.clone()], root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `rel` (`/`-separated) with `bytes`, making its folders; flushed to disk.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let mut dir = self.root.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            dir.push(part);
            match fs::create_dir(&dir) {
                Ok(()) => self.dirs.push(dir.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let m = fs::symlink_metadata(&dir).map_err(io(&dir))?;
                    if !m.is_dir() {
                        return Err(WriteError::Io { path: dir, source: std::io::Error::other("ingen mapp (länk?)") });
                    }
                }
                Err(e) => return Err(WriteError::Io { path: dir, source: e }),
            }
        }
        let path = dir.join(parts[parts.len() - 1]);
        let mut f = OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW).open(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))
    }

    /// Flushes every folder made (deepest first); returns the temp folder.
    pub fn finish(mut self) -> Result<PathBuf, WriteError> {
        self.dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in &self.dirs {
            sync_dir(d).map_err(io(d))?;
        }
        Ok(self.root)
    }

    /// Removes the temp folder after a failure (best effort).
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Does `dir` look like a copy this tool wrote (so it may be replaced)?
fn is_our_copy(dir: &Path) -> bool {
    [SUMS, MARKER].iter().any(|f| fs::symlink_metadata(dir.join(f)).is_ok_and(|m| m.is_file()))
}

/// Puts the finished `staged` folder in place as `target/name`, replacing an earlier copy
/// of that name only once the new one is complete. Then removes our own leftovers for
/// `key` (temp and set-aside folders of earlier, interrupted exports).
pub fn switch(target: &Path, staged: &Path, name: &str, key: &str) -> Result<PathBuf, WriteError> {
    let final_dir = target.join(name);
    let mut aside = None;
    match fs::symlink_metadata(&final_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(WriteError::Io { path: final_dir, source: e }),
        Ok(m) if m.is_dir() && is_our_copy(&final_dir) => {
            let a = target.join(format!("{ASIDE_PREFIX}{key}-{}", unique_suffix()));
            fs::rename(&final_dir, &a).map_err(io(&final_dir))?;
            aside = Some(a);
        }
        Ok(_) => return Err(WriteError::NotOurs(final_dir)),
    }
    if let Err(e) = fs::rename(staged, &final_dir) {
        // Put the earlier copy back; the new one stays as an unfinished temp folder.
        if let Some(a) = &aside {
            let _ = fs::rename(a, &final_dir);
        }
        return Err(WriteError::Io { path: final_dir, source: e });
    }
    sync_dir(target).map_err(io(target))?;
    if let Some(a) = aside {
        fs::remove_dir_all(&a).map_err(io(&a))?;
    }
    for e in fs::read_dir(target).map_err(io(target))?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let ours = [TEMP_PREFIX, ASIDE_PREFIX].iter().any(|p| n.strip_prefix(p).is_some_and(|r| r.starts_with(&format!("{key}-"))));
        if ours && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
    sync_dir(target).map_err(io(target))?;
    Ok(final_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_copy_replaces_the_old_only_when_complete() {
        let t = tempfile::tempdir().unwrap();
        let mut s = Staging::create(t.path(), "U").unwrap();
        s.write("a/b.txt", b"1").unwrap();
        s.write(SUMS, b"").unwrap();
        let staged = s.finish().unwrap();
        let d = switch(t.path(), &staged, "Kopia", "U").unwrap();
        assert_eq!(fs::read(d.join("a/b.txt")).unwrap(), b"1");

        // An interrupted export's leftovers for the same unit are removed after the next one.
        fs::create_dir(t.path().join(format!("{TEMP_PREFIX}U-dead"))).unwrap();
        fs::create_dir(t.path().join(format!("{TEMP_PREFIX}UX-other"))).unwrap();
        let mut s = Staging::create(t.path(), "U").unwrap();
        s.write("c.txt", b"2").unwrap();
        s.write(SUMS, b"").unwrap();
        let staged = s.finish().unwrap();
        switch(t.path(), &staged, "Kopia", "U").unwrap();
        let mut names: Vec<String> =
            fs::read_dir(t.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, [format!("{TEMP_PREFIX}UX-other"), "Kopia".to_string()]);
        assert!(!d.join("a").exists() && d.join("c.txt").exists());
    }

    #[test]
    fn a_folder_that_is_not_a_copy_is_never_replaced_and_links_are_not_followed() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir(t.path().join("Kopia")).unwrap();
        fs::write(t.path().join("Kopia/mitt.txt"), b"x").unwrap();
        let mut s = Staging::create(t.path(), "U").unwrap();
        s.write("c.txt", b"2").unwrap();
        let staged = s.finish().unwrap();
        assert!(matches!(switch(t.path(), &staged, "Kopia", "U"), Err(WriteError::NotOurs(_))));
        assert!(t.path().join("Kopia/mitt.txt").exists());

        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), t.path().join("Länk")).unwrap();
        assert!(matches!(switch(t.path(), &staged, "Länk", "U"), Err(WriteError::NotOurs(_))));
        let mut s = Staging::create(t.path(), "U").unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), s.root().join("x")).unwrap();
        assert!(s.write("x/y.txt", b"1").is_err());
        assert!(fs::read_dir(elsewhere.path()).unwrap().next().is_none());
    }
}

//! publish: writes the pack under `out/` so that a failed or killed run never damages what
//! was published before.
//!
//! Layout on disk. Each run builds a complete new *generation* in `out/.packs/<name>/`
//! (manifest, unit folders), with unchanged documents hard-linked from the current one.
//! `out/.packs/current` is a symlink to the published generation, and the visible names —
//! `out/manifest.json`, `out/print-manifest.csv`, `out/<unit>` — are fixed symlinks through
//! `current`. Publishing is one atomic `rename` of a new `current` link over the old one;
//! the manifest is written last inside the generation, before that rename. A run killed at
//! any point leaves the old `current` in place; its half-built generation is removed by the
//! next run. An advisory lock (flock on `out/.lock`) refuses a second concurrent run and is
//! released by the kernel if a run dies. Folders are 0700 and files 0600 (personal data).

mod diff;
mod manifest;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

pub use diff::Diff;
pub use manifest::{Entry, Manifest};

const PACKS: &str = ".packs";
const CURRENT: &str = "current";

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("en annan körning (pid {pid}) skriver redan till {out}; vänta tills den är klar")]
    Locked { out: PathBuf, pid: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: manifestet kan inte läsas: {message}")]
    Manifest { path: PathBuf, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io { path: path.to_path_buf(), source }
}

/// Creates a directory (and parents) with mode 0700.
pub fn create_dir_private(path: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Writes a file with mode 0600, creating parent folders 0700.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        create_dir_private(parent)?;
    }
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

/// Flushes the whole file system holding `dir` to disk (one `syncfs`, instead of an fsync
/// per document), so the generation is durable before it is switched in.
fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which stays open for the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// A run's hold on an output directory: the lock, the current generation, the new one.
pub struct Publisher {
    out: PathBuf,
    _lock: File,
    stage: PathBuf,
    current: Option<PathBuf>,
    previous: Option<Manifest>,
}

impl Publisher {
    /// Takes the lock on `out` (creating it), reads the published manifest, and prepares an
    /// empty staging generation. Fails with [`PublishError::Locked`] if another run holds it.
    pub fn open(out: &Path) -> Result<Publisher, PublishError> {
        let lock = Self::lock(out)?;
        let packs = out.join(PACKS);
        let current = fs::read_link(packs.join(CURRENT)).ok().map(|t| packs.join(t));
        // Remove generations left by killed runs (anything but the current one).
        for entry in fs::read_dir(&packs).into_iter().flatten().flatten() {
            let p = entry.path();
            if entry.file_name() != CURRENT && Some(&p) != current.as_ref() {
                let _ = fs::remove_dir_all(&p).or_else(|_| fs::remove_file(&p));
            }
        }
        let previous = match &current {
            Some(dir) => Some(read_manifest(&dir.join("manifest.json"))?),
            None => None,
        };
        // Created by the first write, so a run that fails before it leaves no trace.
        let stage = packs.join(format!("gen-{}-{}", std::process::id(), unique_suffix()));
        Ok(Publisher { out: out.to_path_buf(), _lock: lock, stage, current, previous })
    }

    /// Takes the lock only (for commands that read the pack).
    pub fn lock(out: &Path) -> Result<File, PublishError> {
        create_dir_private(out).map_err(io(out))?;
        let path = out.join(".lock");
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(&path).map_err(io(&path))?;
        match file.try_lock_exclusive() {
            Ok(true) => {}
            Ok(false) => {
                let pid = fs::read_to_string(&path).unwrap_or_default().trim().to_string();
                return Err(PublishError::Locked { out: out.to_path_buf(), pid: if pid.is_empty() { "okänd".into() } else { pid } });
            }
            Err(e) => return Err(PublishError::Io { path, source: e }),
        }
        file.set_len(0).map_err(io(&path))?;
        let _ = write!(file, "{}", std::process::id());
        Ok(file)
    }

    /// The manifest published now, if any.
    pub fn previous(&self) -> Option<&Manifest> {
        self.previous.as_ref()
    }

    /// Where a file of the current (published) generation lives, for reading.
    pub fn current_path(&self, rel: &str) -> Option<PathBuf> {
        self.current.as_ref().map(|c| c.join(rel))
    }

    /// Writes a file into the new generation.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        write_private(&self.stage.join(rel), bytes)
    }

    /// The directory of the generation being built (for tools that write many files).
    pub fn stage_dir(&self) -> &Path {
        &self.stage
    }

    /// Carries an unchanged file over from the published generation (a hard link).
    pub fn keep(&self, rel: &str) -> std::io::Result<()> {
        let from = self.current.as_ref().map(|c| c.join(rel)).ok_or_else(|| std::io::Error::other("ingen publicerad version"))?;
        let to = self.stage.join(rel);
        if let Some(parent) = to.parent() {
            create_dir_private(parent)?;
        }
        match fs::hard_link(&from, &to) {
            Ok(()) => Ok(()),
            Err(_) => fs::copy(&from, &to).map(|_| ()),
        }
    }

    /// Writes the manifest last and switches the published generation atomically.
    pub fn commit(self, manifest: &Manifest) -> Result<(), PublishError> {
        create_dir_private(&self.stage).map_err(io(&self.stage))?;
        sync_filesystem(&self.stage).map_err(io(&self.stage))?;
        let mpath = self.stage.join("manifest.json");
        write_private(&mpath, &manifest.to_json()).map_err(io(&mpath))?;
        File::open(&mpath).and_then(|f| f.sync_all()).map_err(io(&mpath))?;
        let packs = self.out.join(PACKS);
        let name = self.stage.file_name().expect("stage has a name").to_owned();
        // The visible names: fixed links through `current` for every top-level entry.
        for entry in fs::read_dir(&self.stage).map_err(io(&self.stage))?.flatten() {
            let visible = self.out.join(entry.file_name());
            if fs::symlink_metadata(&visible).is_err() {
                let target = Path::new(PACKS).join(CURRENT).join(entry.file_name());
                std::os::unix::fs::symlink(&target, &visible).map_err(io(&visible))?;
            }
        }
        let tmp_link = packs.join(format!("{CURRENT}.new"));
        let _ = fs::remove_file(&tmp_link);
        std::os::unix::fs::symlink(&name, &tmp_link).map_err(io(&tmp_link))?;
        File::open(&packs).and_then(|d| d.sync_all()).map_err(io(&packs))?;
        fs::rename(&tmp_link, packs.join(CURRENT)).map_err(io(&packs))?;
        File::open(&packs).and_then(|d| d.sync_all()).map_err(io(&packs))?;
        // Old generation and links to entries that no longer exist.
        if let Some(old) = &self.current {
            let _ = fs::remove_dir_all(old);
        }
        if let Ok(entries) = fs::read_dir(&self.out) {
            for entry in entries.flatten() {
                let p = entry.path();
                let is_link = fs::symlink_metadata(&p).map(|m| m.file_type().is_symlink()).unwrap_or(false);
                if is_link && fs::metadata(&p).is_err() {
                    let _ = fs::remove_file(&p);
                }
            }
        }
        let _ = fs::set_permissions(&self.out, fs::Permissions::from_mode(0o700));
        Ok(())
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // A run that did not commit leaves nothing behind (a killed one is cleaned next time).
        if self.stage.exists() {
            let current = self.current.clone();
            let linked = fs::read_link(self.out.join(PACKS).join(CURRENT)).ok().map(|t| self.out.join(PACKS).join(t));
            if linked.as_ref() != Some(&self.stage) && current.as_ref() != Some(&self.stage) {
                let _ = fs::remove_dir_all(&self.stage);
            }
        }
    }
}

/// Reads a manifest from disk.
pub fn read_manifest(path: &Path) -> Result<Manifest, PublishError> {
    let bytes = fs::read(path).map_err(io(path))?;
    serde_json::from_slice(&bytes).map_err(|e| PublishError::Manifest { path: path.to_path_buf(), message: e.to_string() })
}

/// The published manifest of `out`, if there is one.
pub fn published(out: &Path) -> Result<Option<Manifest>, PublishError> {
    let path = out.join(PACKS).join(CURRENT).join("manifest.json");
    if !path.exists() {
        return Ok(None);
    }
    read_manifest(&path).map(Some)
}

fn unique_suffix() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{t:x}")
}

//! The pack's store: writes the pack under `out/` so that a failed or killed run never
//! damages what was published before. It knows files and manifests, not what is in them
//! (nothing here renders or plans).
//!
//! Layout on disk. Each run builds a new *generation* `out/.packs/<gen>/`: the manifest and
//! other top-level files as real files, and one symlink per first-level folder (a unit's
//! folder `<unit>/…`, or `.history/`) to a *tree* in `out/.packs/trees/<gen>/<name>/`.
//! `out/.packs/current` is a symlink to the published generation, and the visible names —
//! `out/manifest.json`, `out/print-manifest.csv`, `out/<unit>` — are fixed symlinks through
//! `current`. Publishing is one atomic `rename` of a new `current` link over the old one;
//! before it, everything new is flushed to disk (fsync of each new file and folder, or one
//! `syncfs` for a big run) and the manifest is written last. A run killed at any point
//! leaves the old `current` in place; what it half-built is removed by the next run.
//!
//! Trees are never changed once published, so generations share them, folder by folder at
//! any depth: a folder in which a run writes nothing and keeps every file is a symlink to
//! the published folder as it is (a `--person` run on a city pack makes one unit's changed
//! folders anew, not 70,000 links). A folder the run writes into, or keeps only part of, is
//! made anew: written files, hard links to kept ones, and again shared subfolders. Each
//! generation lists the folders it links to (`.roots`); after the switch, those the new one
//! no longer uses are removed.
//!
//! An advisory lock (flock on `out/.lock`, which holds the running pid and command) refuses
//! a second concurrent run and is released by the kernel if a run dies. Folders are 0700
//! and files 0600 (personal data).
//!
//! Confinement (issue 13). `out/` may be a shared place, so nothing there is trusted before
//! it is checked, and nothing outside it is ever written, renamed or deleted. The lock is
//! opened without following a link (`O_NOFOLLOW`) and must be a regular file with one name.
//! `.packs` must be a real folder holding only what the tool puts there: `current` (a link
//! to a generation folder in `.packs`, by its bare name), `current.new` (a killed run's),
//! `trees` (a real folder of real generation folders), generation folders `gen-…`, and the
//! pack's secret `id_nyckel` (a regular file). The published generation holds regular files
//! and links that lead into `trees/`; the visible names in `out/` are absent or the tool's
//! own links through `current`. Deeper in the trees only links into `trees/` are followed,
//! and a folder is deleted only when the path to it holds no link. Anything else is a
//! [`PublishError::Foreign`] naming its path (exit 1), raised before anything is changed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fs4::fs_std::FileExt;

use super::manifest::{self, Manifest};
use super::secret;
use check::{Store, foreign, list_files, own_visible, unexpected, visible_target};
pub use check::{published_dir, published_file};
use gc::{collect_trees, read_links};

mod assemble;
mod check;
mod gc;

const PACKS: &str = ".packs";
const CURRENT: &str = "current";
const TREES: &str = "trees";
/// In each generation: its links into `trees/`, one per line: where the link is (below
/// `trees/`; empty for the generation's own first-level links), a tab, and the folder it
/// links to (below `trees/`) — every link the generation reaches, shared ones too.
const ROOTS: &str = ".roots";
/// A killed run's new `current` link, not yet renamed over the old one.
const NEW_CURRENT: &str = "current.new";
/// The pack's secret for keyed ids (a regular file, 0600), tolerated in `.packs`.
const ID_KEY: &str = secret::FILE;
/// Every generation folder's name starts with this.
const GENERATION: &str = "gen-";

/// (where a link is, the tree folder it links to), both below `trees/`.
pub(super) type Links = BTreeSet<(String, String)>;

/// Up to this many new files and folders are flushed one by one (fsync); a bigger run
/// flushes the file system once (syncfs), which also writes out other programs' data.
const FSYNC_ONE_BY_ONE: usize = 400;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("en annan körning ({holder}) skriver redan till {out}; vänta tills den är klar")]
    Locked { out: PathBuf, holder: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: manifestet kan inte läsas: {message}")]
    Manifest { path: PathBuf, message: String },
    /// A link or file under `out/` that the tool did not put there (issue 13).
    #[error(
        "{path}: {what}. Utkatalogen får bara innehålla reservpacks egna filer och länkar; inget har ändrats. Ta bort det som inte hör dit (eller välj en annan --out) och kör igen"
    )]
    Foreign { path: PathBuf, what: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io { path: path.to_path_buf(), source }
}

/// Creates a directory (and parents) with mode 0700.
pub fn create_dir_private(path: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Writes a file with mode 0600, creating parent folders 0700. An existing file is unlinked
/// first, never truncated: it may be a hard link shared with a published generation.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_private_parts(path, &[bytes])
}

/// [`write_private`] of `parts` one after the other (no joined copy in memory).
fn write_private_parts(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        create_dir_private(parent)?;
    }
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    parts.iter().try_for_each(|p| f.write_all(p))
}

/// Flushes the whole file system holding `dir` to disk (one `syncfs`, instead of an fsync
/// per document), so the generation is durable before it is switched in.
fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which stays open for the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// What a run has done to its new generation so far (shared by the render threads).
#[derive(Default)]
struct Staged {
    /// Files written (paths relative to `out/`).
    written: HashSet<String>,
    /// Files to carry over from the published generation, per first-level folder.
    kept: BTreeMap<String, HashSet<String>>,
    /// The files of each published first-level folder (read when first needed).
    listing: HashMap<String, HashSet<String>>,
    /// A link or special file found in a published folder, which the tool did not make.
    foreign: Option<PathBuf>,
}

/// A run's hold on an output directory: the lock, the current generation, the new one.
pub struct Publisher {
    out: PathBuf,
    _lock: File,
    name: String,
    stage: PathBuf,
    trees: PathBuf,
    /// `out/.packs`, checked.
    packs: PathBuf,
    /// `trees/` with links resolved (links in the pack are followed only into it).
    trees_real: Option<PathBuf>,
    current: Option<PathBuf>,
    /// The published manifest, read on another thread while the run reads its input.
    previous: Option<std::thread::JoinHandle<Result<Manifest, PublishError>>>,
    staged: Mutex<Staged>,
}

/// Splits `unit/kind/x.pdf` into (`unit`, `kind/x.pdf`); a top-level file has no folder.
fn split_first(rel: &str) -> (Option<&str>, &str) {
    match rel.split_once('/') {
        Some((first, rest)) => (Some(first), rest),
        None => (None, rel),
    }
}

fn check_rel(rel: &str) -> std::io::Result<()> {
    let bad = rel.is_empty() || rel.starts_with('/') || rel.split('/').any(|c| c.is_empty() || c == "." || c == "..");
    if bad { Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("ogiltig sökväg i packet: {rel}"))) } else { Ok(()) }
}

impl Publisher {
    /// Takes the lock on `out` (creating it), reads the published manifest, and prepares an
    /// empty staging generation. Fails with [`PublishError::Locked`] if another run holds it.
    pub fn open(out: &Path) -> Result<Publisher, PublishError> {
        Self::open_as(out, "reservpack")
    }

    /// [`Publisher::open`], naming the run in the lock file as `what` (e.g. `reservpack
    /// generate`, or the web page and its user), so a refused run can say who holds it.
    pub fn open_as(out: &Path, what: &str) -> Result<Publisher, PublishError> {
        let lock = Self::lock_as(out, what)?;
        let Store { packs, current, trees_real, debris } = Store::check(out)?;
        // Remove what killed runs left: other generations (a run makes its generation's folder
        // before it writes anything), and then the trees the current one does not use.
        // (`remove_dir_all` removes a link, never what it leads to.)
        for p in &debris {
            let _ = fs::remove_dir_all(p).or_else(|_| fs::remove_file(p));
        }
        if !debris.is_empty() {
            collect_trees(&packs, current.as_deref(), None);
        }
        let previous = current.as_ref().map(|dir| {
            let path = dir.join("manifest.json");
            std::thread::spawn(move || read_manifest(&path))
        });
        // Created by the first write, so a run that fails before it leaves no trace.
        let name = format!("gen-{}-{}", std::process::id(), unique_suffix());
        Ok(Publisher {
            out: out.to_path_buf(),
            _lock: lock,
            stage: packs.join(&name),
            trees: packs.join(TREES).join(&name),
            packs,
            trees_real,
            name,
            current,
            previous,
            staged: Mutex::new(Staged::default()),
        })
    }

    /// Takes the lock only (for commands that change the pack without a new generation).
    /// The lock file then holds the pid and what runs, so a refused run can name it.
    /// The lock file is opened without following a link and must be a regular file with no
    /// other name (a hard link to someone's file would be emptied): else [`PublishError::Foreign`].
    pub fn lock(out: &Path) -> Result<File, PublishError> {
        Self::lock_as(out, "reservpack")
    }

    /// [`Publisher::lock`], naming the run as `what` (never the process's own arguments:
    /// they may hold anything).
    pub fn lock_as(out: &Path, what: &str) -> Result<File, PublishError> {
        create_dir_private(out).map_err(io(out))?;
        let path = out.join(".lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) => foreign(&path, "är en symbolisk länk; låset öppnas aldrig genom en länk"),
                _ => PublishError::Io { path: path.clone(), source: e },
            })?;
        let meta = file.metadata().map_err(io(&path))?;
        if !meta.file_type().is_file() {
            return Err(foreign(&path, unexpected(meta.file_type())));
        }
        if std::os::unix::fs::MetadataExt::nlink(&meta) != 1 {
            return Err(foreign(&path, "har fler namn än ett (en hård länk till en annan fil)"));
        }
        match file.try_lock_exclusive() {
            Ok(true) => {}
            Ok(false) => {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut std::io::Read::take(&file, 4096), &mut text);
                let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
                let holder = match (lines.next(), lines.next()) {
                    (Some(pid), Some(what)) => format!("pid {pid}: {what}"),
                    (Some(pid), None) => format!("pid {pid}"),
                    _ => "pid okänd".to_string(),
                };
                return Err(PublishError::Locked { out: out.to_path_buf(), holder });
            }
            Err(e) => return Err(PublishError::Io { path, source: e }),
        }
        file.set_len(0).map_err(io(&path))?;
        let since = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M:%S");
        let _ = write!(file, "{}\n{what}, startad {since}\n", std::process::id());
        Ok(file)
    }

    /// The manifest published now, if any. Takes it out (once; a city's is 60,000 entries, read while the input is read).
    pub fn take_previous(&mut self) -> Result<Option<Manifest>, PublishError> {
        match self.previous.take() {
            None => Ok(None),
            Some(reading) => match reading.join() {
                Ok(m) => m.map(Some),
                Err(_) => {
                    Err(PublishError::Manifest { path: self.out.join("manifest.json"), message: "internt fel vid läsningen".into() })
                }
            },
        }
    }

    /// `out/.packs`, checked when the run began (for the pack's own files, such as its secret).
    pub fn packs_dir(&self) -> &Path {
        &self.packs
    }

    /// Where a file (or folder) of the current (published) generation lives, for reading:
    /// `None` if it is missing or anything else (a FIFO, a device, a link to a file: never
    /// the tool's own), so that reading it cannot block or leave the pack.
    pub fn current_path(&self, rel: &str) -> Option<PathBuf> {
        let path = self.current.as_ref()?.join(rel);
        fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() || m.is_dir()).then_some(path)
    }

    /// Where `rel` of the new generation is written.
    fn staged_path(&self, rel: &str) -> PathBuf {
        match split_first(rel) {
            (Some(_), _) => self.trees.join(rel),
            (None, _) => self.stage.join(rel),
        }
    }

    /// Where the new generation's file `rel` can be read now (written in this run, or kept
    /// from the published generation), if it has one. Files are only linked into place at
    /// commit, so read them through this, not through the staging folder.
    pub fn staged_file(&self, rel: &str) -> Option<PathBuf> {
        check_rel(rel).ok()?;
        let written = self.staged_path(rel);
        if written.is_file() {
            return Some(written);
        }
        let kept = match split_first(rel) {
            (Some(first), rest) => {
                let staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
                staged.kept.get(first).is_some_and(|k| k.contains(rest))
            }
            (None, _) => false,
        };
        // A kept file was listed as a regular file reached through the pack's own links.
        if kept { self.current.as_ref().map(|c| c.join(rel)) } else { None }
    }

    /// Writes a file into the new generation (any thread).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write_parts(rel, &[bytes])
    }

    /// [`Publisher::write`] of a file made of `parts`, one after the other.
    pub fn write_parts(&self, rel: &str, parts: &[&[u8]]) -> std::io::Result<()> {
        check_rel(rel)?;
        {
            let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
            if staged.written.is_empty() {
                // The generation's folder first: it marks a killed run's trees as debris.
                create_dir_private(&self.stage)?;
            }
            staged.written.insert(rel.to_string());
        }
        write_private_parts(&self.staged_path(rel), parts)
    }

    /// Writes `rel` as the same file as `of`, written before in this run (a hard link, or a
    /// copy where links are not possible).
    pub fn write_same_as(&self, rel: &str, of: &str) -> std::io::Result<()> {
        check_rel(rel)?;
        let from = self
            .staged_file(of)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{of} är inte skriven i denna körning")))?;
        self.staged.lock().unwrap_or_else(|e| e.into_inner()).written.insert(rel.to_string());
        let to = self.staged_path(rel);
        let _ = fs::remove_file(&to);
        link_or_copy(&from, &to)
    }

    /// Whether the published generation has the file `rel`.
    pub fn published_has(&self, rel: &str) -> bool {
        match split_first(rel) {
            (Some(first), rest) => {
                let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
                self.listing(&mut staged, first).contains(rest)
            }
            (None, _) => self.current.as_ref().is_some_and(|c| c.join(rel).is_file()),
        }
    }

    fn listing<'s>(&self, staged: &'s mut Staged, first: &str) -> &'s HashSet<String> {
        let Staged { listing, foreign, .. } = staged;
        listing.entry(first.to_string()).or_insert_with(|| match &self.current {
            Some(c) => {
                let (files, planted) = list_files(&c.join(first), self.trees_real.as_deref());
                if foreign.is_none() {
                    *foreign = planted.into_iter().next();
                }
                files
            }
            None => HashSet::new(),
        })
    }

    /// Carries an unchanged file over from the published generation. Fails if it is not
    /// there. (Cheap: files are linked at commit, and a folder kept whole is shared.)
    pub fn keep(&self, rel: &str) -> std::io::Result<()> {
        check_rel(rel)?;
        let not_found = || std::io::Error::new(std::io::ErrorKind::NotFound, format!("{rel} finns inte i det publicerade packet"));
        match split_first(rel) {
            (Some(first), rest) => {
                let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
                if !self.listing(&mut staged, first).contains(rest) {
                    return Err(not_found());
                }
                staged.kept.entry(first.to_string()).or_default().insert(rest.to_string());
                Ok(())
            }
            (None, _) => {
                let from = self.current_path(rel).filter(|p| p.is_file()).ok_or_else(not_found)?;
                link_or_copy(&from, &self.stage.join(rel))
            }
        }
    }

    /// Keeps every file of the published generation except `drop` (paths relative to
    /// `out/`) and the manifest, which `commit` writes. For commands that only remove.
    pub fn keep_all_except(&self, drop: &HashSet<String>) -> std::io::Result<()> {
        let Some(current) = self.current.clone() else { return Ok(()) };
        for entry in fs::read_dir(&current)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "manifest.json" || name == ROOTS || name == manifest::REGISTER {
                continue;
            }
            if entry.path().is_dir() {
                let files: Vec<String> = {
                    let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
                    self.listing(&mut staged, &name).iter().map(|rest| format!("{name}/{rest}")).collect()
                };
                for rel in files.iter().filter(|r| !drop.contains(*r)) {
                    self.keep(rel)?;
                }
            } else if !drop.contains(&name) {
                self.keep(&name)?;
            }
        }
        Ok(())
    }

    /// Writes the manifest last and switches the published generation atomically.
    pub fn commit(self, manifest: &Manifest) -> Result<(), PublishError> {
        let started = std::time::Instant::now();
        let lap = |what: &str| tracing::info!("publicering, {what}: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
        let made = self.assemble()?;
        lap("mappar");
        let links = made.links;
        let index: String = links.iter().map(|(at, to)| format!("{at}\t{to}\n")).collect();
        let ipath = self.stage.join(ROOTS);
        write_private(&ipath, index.as_bytes()).map_err(io(&ipath))?;
        if made.files.len() + made.dirs.len() <= FSYNC_ONE_BY_ONE {
            for f in made.files.iter().chain([&ipath]) {
                File::open(f).and_then(|f| f.sync_all()).map_err(io(f))?;
            }
            for d in made.dirs.iter().filter(|d| d.is_dir()) {
                File::open(d).and_then(|d| d.sync_all()).map_err(io(d))?;
            }
        } else {
            sync_filesystem(&self.stage).map_err(io(&self.stage))?;
        }
        lap("till disk");
        let rpath = self.stage.join(manifest::REGISTER);
        write_private(&rpath, &manifest.register_json()).map_err(io(&rpath))?;
        File::open(&rpath).and_then(|f| f.sync_all()).map_err(io(&rpath))?;
        let mpath = self.stage.join("manifest.json");
        write_private(&mpath, &manifest.to_json()).map_err(io(&mpath))?;
        File::open(&mpath).and_then(|f| f.sync_all()).map_err(io(&mpath))?;
        lap("manifest");
        let packs = self.packs.clone();
        // The visible names: fixed links through `current` for every top-level entry
        // (hidden ones, such as `.history`, are read through `.packs/current`). Made before
        // the switch, so a pack is never published without them; a new one dangles until then.
        let mut made: Vec<PathBuf> = Vec::new();
        let switched = (|| {
            for entry in fs::read_dir(&self.stage).map_err(io(&self.stage))?.flatten() {
                let name = entry.file_name();
                if name.to_string_lossy().starts_with('.') || own_visible(&self.out, &name)? {
                    continue;
                }
                let visible = self.out.join(&name);
                std::os::unix::fs::symlink(visible_target(&name), &visible).map_err(io(&visible))?;
                made.push(visible);
            }
            let tmp_link = packs.join(NEW_CURRENT);
            let _ = fs::remove_file(&tmp_link);
            std::os::unix::fs::symlink(&self.name, &tmp_link).map_err(io(&tmp_link))?;
            File::open(&packs).and_then(|d| d.sync_all()).map_err(io(&packs))?;
            fs::rename(&tmp_link, packs.join(CURRENT)).map_err(io(&packs))
        })();
        if let Err(e) = switched {
            // Not published: take back the links made for it (Drop removes the generation).
            for link in made {
                let _ = fs::remove_file(link);
            }
            return Err(e);
        }
        // Published. What follows only tidies up.
        let _ = File::open(&packs).and_then(|d| d.sync_all());
        lap("bytet");
        // Trees no longer used, the old generation, links to entries that no longer exist.
        let old_links = self.current.as_ref().and_then(|c| read_links(c));
        let targets = |l: &Links| -> BTreeSet<String> { l.iter().map(|(_, t)| t.clone()).collect() };
        collect_trees(&packs, Some(&self.stage), old_links.map(|old| (targets(&old), targets(&links))));
        if let Some(old) = &self.current {
            let _ = fs::remove_dir_all(old);
        }
        if let Ok(entries) = fs::read_dir(&self.out) {
            for entry in entries.flatten() {
                let p = entry.path();
                let own = fs::read_link(&p).is_ok_and(|t| t == visible_target(&entry.file_name()));
                if own && fs::metadata(&p).is_err() {
                    let _ = fs::remove_file(&p);
                }
            }
        }
        let _ = fs::set_permissions(&self.out, fs::Permissions::from_mode(0o700));
        lap("städning");
        Ok(())
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // A run that did not commit leaves nothing behind (a killed one is cleaned next time).
        let linked = fs::read_link(self.out.join(PACKS).join(CURRENT)).ok();
        if linked.as_deref() != Some(Path::new(&self.name)) {
            let _ = fs::remove_dir_all(&self.stage);
            let _ = fs::remove_dir_all(&self.trees);
        }
    }
}

fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        create_dir_private(parent)?;
    }
    match fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(_) => {
            let bytes = fs::read(from)?;
            write_private(to, &bytes)
        }
    }
}

/// Reads a manifest from disk.
pub fn read_manifest(path: &Path) -> Result<Manifest, PublishError> {
    let bytes = fs::read(path).map_err(io(path))?;
    let mut m: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| PublishError::Manifest { path: path.to_path_buf(), message: e.to_string() })?;
    if let Ok(register) = fs::read(path.with_file_name(manifest::REGISTER)) {
        m.fill_subjects(&register);
    }
    Ok(m)
}

/// The published manifest of `out`, if there is one.
pub fn published(out: &Path) -> Result<Option<Manifest>, PublishError> {
    let Some(dir) = published_dir(out)? else { return Ok(None) };
    let path = dir.join("manifest.json");
    if !path.exists() {
        return Ok(None);
    }
    read_manifest(&path).map(Some)
}

fn unique_suffix() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{t:x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::Entry;

    /// Every file under `dir` in `out/.packs` (following the pack's own links).
    fn list_files(dir: &Path) -> HashSet<String> {
        let packs = dir.ancestors().find(|a| a.ends_with(PACKS)).expect("a folder in .packs");
        let (files, planted) = super::list_files(dir, fs::canonicalize(packs.join(TREES)).ok().as_deref());
        assert!(planted.iter().all(|p| p.ends_with(CURRENT)), "{planted:?}");
        files
    }

    fn manifest(paths: &[&str]) -> Manifest {
        Manifest { generated_for: "2026-11-24".into(), documents: paths.iter().map(|p| entry(p)).collect() }
    }

    fn entry(path: &str) -> Entry {
        manifest::test_entry(path, path, &"0".repeat(64))
    }

    #[test]
    fn a_folder_kept_whole_is_shared_and_a_changed_one_is_new() {
        let out = tempfile::tempdir().unwrap();
        let p = Publisher::open(out.path()).unwrap();
        p.write("A/k/1.pdf", b"a1").unwrap();
        p.write("A/k/2.pdf", b"a2").unwrap();
        p.write("B/k/1.pdf", b"b1").unwrap();
        p.commit(&manifest(&["A/k/1.pdf", "A/k/2.pdf", "B/k/1.pdf"])).unwrap();
        let a_before = fs::read_link(out.path().join(".packs/current/A")).unwrap();
        let b_before = fs::read_link(out.path().join(".packs/current/B")).unwrap();

        let p = Publisher::open(out.path()).unwrap();
        p.keep("A/k/1.pdf").unwrap();
        p.keep("A/k/2.pdf").unwrap();
        assert!(p.keep("A/k/3.pdf").is_err(), "a file that is not published cannot be kept");
        p.write("B/k/1.pdf", b"b1-new").unwrap();
        p.commit(&manifest(&["A/k/1.pdf", "A/k/2.pdf", "B/k/1.pdf"])).unwrap();
        assert_eq!(fs::read_link(out.path().join(".packs/current/A")).unwrap(), a_before, "A is shared");
        assert_ne!(fs::read_link(out.path().join(".packs/current/B")).unwrap(), b_before, "B is new");
        assert_eq!(fs::read(out.path().join("A/k/2.pdf")).unwrap(), b"a2");
        assert_eq!(fs::read(out.path().join("B/k/1.pdf")).unwrap(), b"b1-new");

        // Keep part of A: a new tree without the dropped file; the old trees are gone.
        let p = Publisher::open(out.path()).unwrap();
        p.keep("A/k/1.pdf").unwrap();
        p.keep("B/k/1.pdf").unwrap();
        p.commit(&manifest(&["A/k/1.pdf", "B/k/1.pdf"])).unwrap();
        assert!(out.path().join("A/k/1.pdf").exists());
        assert!(!out.path().join("A/k/2.pdf").exists());
        let trees: Vec<_> = fs::read_dir(out.path().join(".packs/trees")).unwrap().flatten().collect();
        let count: usize = trees.iter().map(|g| fs::read_dir(g.path()).unwrap().count()).sum();
        assert_eq!(count, 2, "only the trees in use are left");
        let mode = fs::metadata(out.path().join("A/k/1.pdf")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let mode = fs::metadata(out.path().join(".packs/trees")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    /// Every file reachable from `out/` (through the links), with its bytes.
    fn visible(out: &Path) -> BTreeMap<String, Vec<u8>> {
        let cur = out.join(".packs/current");
        let mut m = BTreeMap::new();
        for rel in list_files(&cur) {
            if rel != "manifest.json" && rel != ROOTS && rel != manifest::REGISTER {
                m.insert(rel.clone(), fs::read(cur.join(&rel)).unwrap());
            }
        }
        m
    }

    /// Random runs that write, keep and drop files in nested folders: after each commit the
    /// pack is exactly the model, and no file under `trees/` is unreachable.
    #[test]
    fn random_runs_keep_the_pack_exact_and_leave_no_garbage() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let out = tempfile::tempdir().unwrap();
        let names: Vec<String> = ["A/x/1", "A/x/2", "A/y/1", "A/y/z/1", "A/top", "B/x/1", "B/x/2", "B/y/1", ".h/A", ".h/B"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut model: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for round in 0..40 {
            let p = Publisher::open(out.path()).unwrap();
            let mut next = BTreeMap::new();
            for n in &names {
                let roll = rng.gen_range(0..10);
                if model.contains_key(n) && roll < 7 {
                    p.keep(n).unwrap();
                    next.insert(n.clone(), model[n].clone());
                } else if roll < 9 - (round % 3) {
                    let bytes = format!("{n} in round {round}").into_bytes();
                    p.write(n, &bytes).unwrap();
                    next.insert(n.clone(), bytes);
                }
            }
            if rng.gen_range(0..6) == 0 {
                drop(p); // a failed run
                assert_eq!(visible(out.path()), model, "round {round}: a failed run changes nothing");
                continue;
            }
            p.commit(&manifest(&[])).unwrap();
            model = next;
            assert_eq!(visible(out.path()), model, "round {round}");
            // Every file in `trees/` is reachable from the pack.
            let cur = fs::canonicalize(out.path().join(".packs/current")).unwrap();
            let mut reachable: HashSet<PathBuf> = HashSet::new();
            for rel in list_files(&cur) {
                reachable.insert(fs::canonicalize(cur.join(rel)).unwrap());
            }
            let trees = fs::canonicalize(out.path().join(".packs/trees")).unwrap();
            let mut stack = vec![trees];
            while let Some(d) = stack.pop() {
                for e in fs::read_dir(&d).unwrap().flatten() {
                    let t = e.file_type().unwrap();
                    if t.is_dir() {
                        stack.push(e.path());
                    } else if t.is_file() {
                        assert!(reachable.contains(&e.path()), "round {round}: garbage {}", e.path().display());
                    }
                }
            }
        }
    }

    #[test]
    fn an_uncommitted_run_leaves_nothing() {
        let out = tempfile::tempdir().unwrap();
        let p = Publisher::open(out.path()).unwrap();
        p.write("A/k/1.pdf", b"a1").unwrap();
        p.commit(&manifest(&["A/k/1.pdf"])).unwrap();
        let before = list_files(&out.path().join(PACKS));
        let p = Publisher::open(out.path()).unwrap();
        p.write("A/k/1.pdf", b"changed").unwrap();
        p.write("top.csv", b"x").unwrap();
        drop(p);
        assert_eq!(list_files(&out.path().join(PACKS)), before);
        assert_eq!(fs::read(out.path().join("A/k/1.pdf")).unwrap(), b"a1");
    }

    /// The error's path, if it is [`PublishError::Foreign`].
    fn foreign_path<T>(r: Result<T, PublishError>) -> PathBuf {
        match r {
            Err(PublishError::Foreign { path, .. }) => path,
            Err(e) => panic!("expected a foreign file, got {e}"),
            Ok(_) => panic!("expected a foreign file, got success"),
        }
    }

    #[test]
    fn only_the_stores_own_entries_are_accepted() {
        let out = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let p = Publisher::open(out.path()).unwrap();
        p.write("A/k/1.pdf", b"a1").unwrap();
        p.commit(&manifest(&["A/k/1.pdf"])).unwrap();
        let packs = out.path().join(PACKS);
        fs::write(packs.join(ID_KEY), b"secret").unwrap();
        let p = Publisher::open(out.path()).unwrap();
        assert_eq!(p.packs_dir(), packs);
        drop(p);
        assert_eq!(fs::read(packs.join(ID_KEY)).unwrap(), b"secret", "the secret is kept");
        // Each planted thing is refused by name, and removing it makes the store good again.
        let plant: Vec<(PathBuf, Box<dyn Fn(&Path)>)> = vec![
            (packs.join("gen-x"), Box::new(|p: &Path| std::os::unix::fs::symlink("/tmp", p).unwrap())),
            (packs.join("annat"), Box::new(|p: &Path| fs::write(p, b"x").unwrap())),
            (packs.join(TREES).join("gen-y"), Box::new(|p: &Path| fs::write(p, b"x").unwrap())),
            (packs.join(NEW_CURRENT), Box::new(|p: &Path| fs::create_dir(p).unwrap())),
            (out.path().join("B"), Box::new(|p: &Path| std::os::unix::fs::symlink("/tmp", p).unwrap())),
        ];
        for (path, make) in &plant {
            make(path);
            let refused = if path.ends_with("B") {
                // Not yet a name of the pack: refused when a run would make it.
                let p = Publisher::open(out.path()).unwrap();
                p.write("B/k/1.pdf", b"b").unwrap();
                foreign_path(p.commit(&manifest(&["B/k/1.pdf"])))
            } else {
                foreign_path(Publisher::open(out.path()))
            };
            assert_eq!(&refused, path);
            let _ = fs::remove_file(path).or_else(|_| fs::remove_dir(path));
            Publisher::open(out.path()).unwrap();
        }
        // `current` to anything but a generation of its own.
        let current = packs.join(CURRENT);
        let generation = fs::read_link(&current).unwrap();
        for target in [other.path().to_path_buf(), PathBuf::from("../.packs").join(&generation), PathBuf::from("gen-missing")] {
            fs::remove_file(&current).unwrap();
            std::os::unix::fs::symlink(&target, &current).unwrap();
            assert_eq!(foreign_path(Publisher::open(out.path())), current, "{}", target.display());
            assert_eq!(foreign_path(published_dir(out.path())), current);
        }
        fs::remove_file(&current).unwrap();
        std::os::unix::fs::symlink(&generation, &current).unwrap();
        assert!(published(out.path()).unwrap().is_some());
    }

    #[test]
    fn a_link_or_fifo_planted_deep_in_the_pack_is_not_followed_and_is_refused() {
        let out = tempfile::tempdir().unwrap();
        let victim = tempfile::tempdir().unwrap();
        fs::create_dir(victim.path().join("k")).unwrap();
        fs::write(victim.path().join("k/1.pdf"), b"victim").unwrap();
        let p = Publisher::open(out.path()).unwrap();
        p.write("A/k/1.pdf", b"a1").unwrap();
        p.write("A/m/1.pdf", b"m1").unwrap();
        p.commit(&manifest(&["A/k/1.pdf", "A/m/1.pdf"])).unwrap();
        let tree = fs::canonicalize(out.path().join(".packs/current/A")).unwrap();
        std::os::unix::fs::symlink(victim.path().join("k"), tree.join("v")).unwrap();
        let fifo = std::ffi::CString::new(tree.join("m/f.pdf").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let p = Publisher::open(out.path()).unwrap();
        p.keep("A/k/1.pdf").unwrap();
        assert!(p.keep("A/v/1.pdf").is_err(), "a planted link is not followed");
        assert!(p.keep("A/m/f.pdf").is_err(), "a FIFO is not a file of the pack");
        assert!(p.current_path("A/m/f.pdf").is_none(), "nor read");
        let refused = foreign_path(p.commit(&manifest(&["A/k/1.pdf"])));
        assert!(refused.ends_with("A/v") || refused.ends_with("A/m/f.pdf"), "{}", refused.display());
        assert_eq!(fs::read(victim.path().join("k/1.pdf")).unwrap(), b"victim");
        assert_eq!(fs::read(out.path().join("A/k/1.pdf")).unwrap(), b"a1", "the pack is as it was");
    }

    #[test]
    fn the_lock_is_never_opened_through_a_link_nor_as_another_files_name() {
        let out = tempfile::tempdir().unwrap();
        let victim = tempfile::tempdir().unwrap();
        let file = victim.path().join("f");
        fs::write(&file, b"victim").unwrap();
        std::os::unix::fs::symlink(&file, out.path().join(".lock")).unwrap();
        assert_eq!(foreign_path(Publisher::lock(out.path())), out.path().join(".lock"));
        fs::remove_file(out.path().join(".lock")).unwrap();
        if fs::hard_link(&file, out.path().join(".lock")).is_ok() {
            assert_eq!(foreign_path(Publisher::lock(out.path())), out.path().join(".lock"));
        }
        assert_eq!(fs::read(&file).unwrap(), b"victim");
    }

    #[test]
    fn a_second_run_is_refused_naming_the_first() {
        let out = tempfile::tempdir().unwrap();
        let _first = Publisher::open(out.path()).unwrap();
        match Publisher::open(out.path()) {
            Err(PublishError::Locked { holder, .. }) => assert!(holder.contains(&std::process::id().to_string()), "{holder}"),
            _ => panic!("the second run must be refused"),
        }
    }
}

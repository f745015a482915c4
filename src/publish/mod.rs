//! publish: writes the pack under `out/` so that a failed or killed run never damages what
//! was published before.
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

pub mod batch;
mod diff;
pub mod history;
mod manifest;
pub mod secret;
pub mod shred;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fs4::fs_std::FileExt;

pub use diff::Diff;
pub use manifest::{Entry, Manifest};

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
type Links = BTreeSet<(String, String)>;

/// What [`Publisher::assemble`] made: the generation's links, and the files and folders
/// that must reach the disk before the switch.
struct Assembled {
    links: Links,
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

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

fn foreign(path: &Path, what: impl Into<String>) -> PublishError {
    PublishError::Foreign { path: path.to_path_buf(), what: what.into() }
}

/// What a file the tool did not expect is, for [`PublishError::Foreign`].
fn unexpected(t: fs::FileType) -> String {
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

fn is_generation_name(name: &str) -> bool {
    name.len() > GENERATION.len() && name.starts_with(GENERATION) && !name.contains('/')
}

/// `out/.packs` as checked: it holds only what the tool puts there.
struct Store {
    packs: PathBuf,
    /// The published generation's folder (a real folder in `.packs`, named by `current`).
    current: Option<PathBuf>,
    /// `trees/`, links resolved, if it exists.
    trees_real: Option<PathBuf>,
    /// Generations and a `current.new` link that killed runs left.
    debris: Vec<PathBuf>,
}

impl Store {
    /// Checks `out/.packs`, the published generation's first level and the visible names in
    /// `out/`; fails with [`PublishError::Foreign`] on anything the tool did not put there.
    fn check(out: &Path) -> Result<Store, PublishError> {
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
fn own_visible(out: &Path, name: &std::ffi::OsStr) -> Result<bool, PublishError> {
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
fn visible_target(name: &std::ffi::OsStr) -> PathBuf {
    Path::new(PACKS).join(CURRENT).join(name)
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
                Err(_) => Err(PublishError::Manifest { path: self.out.join("manifest.json"), message: "internt fel vid läsningen".into() }),
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
        let from = self.staged_file(of).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{of} är inte skriven i denna körning")))?;
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

    /// Builds the folders of the new generation: shared with the published one where kept
    /// whole, otherwise made anew. Returns the tree folders it links to (relative to `trees/`).
    fn assemble(&self) -> Result<Assembled, PublishError> {
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

/// A generation's links into `trees/`, from its index.
fn read_links(generation: &Path) -> Option<Links> {
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
fn collect_trees(packs: &Path, current: Option<&Path>, indexes: Option<(BTreeSet<String>, BTreeSet<String>)>) {
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

/// Every regular file under `dir` (following a symlinked `dir` itself), as paths relative to
/// it, and what else was found there: a link is followed only if it leads to a folder in
/// `trees` (the tool's own links, given with links resolved); other links and special files
/// are not followed nor listed, but returned.
fn list_files(dir: &Path, trees: Option<&Path>) -> (HashSet<String>, Vec<PathBuf>) {
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

/// The published manifest of `out`, if there is one.
pub fn published(out: &Path) -> Result<Option<Manifest>, PublishError> {
    let Some(dir) = published_dir(out)? else { return Ok(None) };
    let path = dir.join("manifest.json");
    if !path.exists() {
        return Ok(None);
    }
    read_manifest(&path).map(Some)
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

fn unique_suffix() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{t:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

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

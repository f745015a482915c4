//! export: one unit's current pack as plain files on a target folder, typically the mount
//! point of an encrypted USB stick (seed 003 §1.2, §2.1 II: the templates are kept on paper
//! and on a new encrypted USB stick; the stick does the encryption).
//!
//! `TARGET/Reservpack <enhet> <datum>/` holds the general documents grouped as staff look
//! for them (`Scheman/<dag>/`, `Personer/<namn>/`, `Listor/`, `Blanketter/`), fillable
//! copies of the blank forms, an offline `index.html`, `SHA256SUMS` and the finished marker
//! `KLAR.txt`. Restricted material only with `begransad`, and then only in its own folder
//! [`layout::RESTRICTED_DIR`]. The pack is read only through `out` (the published
//! generation); on the target, only our own new folders are written (see [`write`]).

pub mod index;
pub mod layout;
pub mod names;
pub mod pdf;
pub mod sums;
pub mod write;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::plan::hex;
use crate::publish::{Entry, Manifest, published_dir, read_manifest};

use layout::{Placed, RESTRICTED_DIR};
pub use sums::{CopyCheck, OfflineError, verify_offline};

/// The final folder's name starts with this.
pub const COPY_PREFIX: &str = "Reservpack ";
/// A copy being written (renamed to its final name when complete).
pub const TEMP_PREFIX: &str = ".reservpack-tmp-";
/// An earlier copy set aside while the new one is renamed in.
pub const ASIDE_PREFIX: &str = ".reservpack-gammal-";
pub const INDEX: &str = "index.html";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} finns inte eller är ingen mapp (ange USB-minnets monteringspunkt, en befintlig mapp)")]
    Target(PathBuf),
    #[error("det finns inget publicerat pack i {0}; kör reservpack generate först")]
    NoPack(PathBuf),
    #[error("enheten {unit} finns inte i packet (enheter: {known})")]
    UnknownUnit { unit: String, known: String },
    #[error("manifestet nämner en sökväg utanför packet: {0}")]
    UnsafePath(String),
    #[error("{path}: kan inte läsas: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("manifestet kan inte läsas: {0}")]
    Manifest(#[from] crate::publish::PublishError),
    #[error("packet byttes ut medan det lästes; försök igen")]
    PackChanged,
    #[error(transparent)]
    Write(#[from] write::WriteError),
}

/// What [`export`] wrote.
#[derive(Debug, Clone)]
pub struct ExportReport {
    /// The copy's folder (`TARGET/Reservpack <enhet> <datum>`).
    pub dir: PathBuf,
    pub unit_name: String,
    pub valid_for: String,
    /// Documents copied (general + restricted).
    pub documents: usize,
    pub restricted: usize,
    /// Fillable copies of blank forms written.
    pub fillable: usize,
    /// Blank forms for which no fillable copy could be made (no ruled boxes found).
    pub fillable_skipped: usize,
    /// Files listed in SHA256SUMS.
    pub files: usize,
    pub bytes: u64,
}

/// Writes `unit`'s current pack from `out` to a new folder under `target`.
pub fn export(out: &Path, unit: &str, target: &Path, begransad: bool) -> Result<ExportReport, ExportError> {
    if !fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
        return Err(ExportError::Target(target.to_path_buf()));
    }
    let (manifest, docs) = read_pack(out, unit)?;
    let entries: Vec<Entry> = docs.iter().map(|d| d.0.clone()).collect();
    let bytes_of: BTreeMap<&str, &[u8]> = docs.iter().map(|(e, b)| (e.id.as_str(), b.as_slice())).collect();
    let unit_name = layout::unit_name(&entries, unit);
    // A schedule's subject names the employee ("NAHO Nadia Hosseini 2026-11-24").
    let mut placed = layout::place(&entries, &unit_name, begransad, &|_| None);

    let folder = names::safe_name(&format!("{COPY_PREFIX}{unit_name} {}", manifest.generated_for), "");
    let key: String = unit.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let mut staging = write::Staging::create(target, &key)?;
    let result = write_copy(&mut staging, &mut placed, &bytes_of, &unit_name, unit, &manifest.generated_for, &folder);
    let written = match result {
        Ok(r) => r,
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    let staged = staging.finish()?;
    let dir = match write::switch(target, &staged, &folder, &key) {
        Ok(d) => d,
        Err(e) => {
            // Our own finished-but-unplaced copy goes; the earlier one stays as it was.
            let _ = fs::remove_dir_all(&staged);
            return Err(e.into());
        }
    };
    Ok(ExportReport {
        dir,
        unit_name,
        valid_for: manifest.generated_for.clone(),
        documents: placed.len(),
        restricted: placed.iter().filter(|p| p.restricted).count(),
        fillable: written.fillable,
        fillable_skipped: written.fillable_skipped,
        files: written.sums.len(),
        bytes: written.bytes,
    })
}

/// A published document and its bytes.
type Doc = (Entry, Vec<u8>);

/// What [`write_copy`] wrote.
struct Written {
    /// sha256 by path in the copy (what `SHA256SUMS` lists).
    sums: BTreeMap<String, String>,
    fillable: usize,
    fillable_skipped: usize,
    bytes: u64,
}

/// Writes every file of the copy into the staging folder, then `SHA256SUMS` and, last,
/// the marker.
fn write_copy(
    staging: &mut write::Staging,
    placed: &mut [Placed],
    bytes_of: &BTreeMap<&str, &[u8]>,
    unit_name: &str,
    unit: &str,
    valid_for: &str,
    folder: &str,
) -> Result<Written, ExportError> {
    let mut sums = BTreeMap::new();
    let (mut fillable, mut skipped, mut total) = (0, 0, 0u64);
    let mut put = |staging: &mut write::Staging, rel: &str, bytes: &[u8]| -> Result<(), ExportError> {
        staging.write(rel, bytes)?;
        sums.insert(rel.to_string(), hex(&Sha256::digest(bytes)));
        total += bytes.len() as u64;
        Ok(())
    };
    for p in placed.iter_mut() {
        let bytes = bytes_of[p.entry.id.as_str()];
        put(staging, &p.rel, bytes)?;
        if let Some(rel) = p.fillable.clone() {
            match pdf::fillable(bytes) {
                Ok((copy, _fields)) => {
                    put(staging, &rel, &copy)?;
                    fillable += 1;
                }
                Err(e) => {
                    tracing::warn!("{}: ingen ifyllbar kopia: {e}", p.entry.id);
                    p.fillable = None;
                    skipped += 1;
                }
            }
        }
    }
    let general: Vec<&Placed> = placed.iter().filter(|p| !p.restricted).collect();
    let restricted: Vec<&Placed> = placed.iter().filter(|p| p.restricted).collect();
    let restricted_index = format!("{RESTRICTED_DIR}/{INDEX}");
    let page = index::Page {
        unit_name,
        unit_id: unit,
        valid_for,
        restricted: false,
        restricted_link: (!restricted.is_empty()).then_some(restricted_index.as_str()),
        folder,
    };
    put(staging, INDEX, index::render(&page, &general, "").as_bytes())?;
    if !restricted.is_empty() {
        let page = index::Page { restricted: true, restricted_link: None, ..page };
        put(staging, &restricted_index, index::render(&page, &restricted, &format!("{RESTRICTED_DIR}/")).as_bytes())?;
    }
    let text = sums::sums_text(&sums);
    staging.write(sums::SUMS, text.as_bytes())?;
    staging.write(sums::MARKER, sums::marker_text(text.as_bytes(), valid_for).as_bytes())?;
    Ok(Written { sums, fillable, fillable_skipped: skipped, bytes: total })
}

/// The published manifest and `unit`'s documents with their bytes, all from one generation
/// (read again if a run switches the pack meanwhile).
fn read_pack(out: &Path, unit: &str) -> Result<(Manifest, Vec<Doc>), ExportError> {
    let packs = fs::canonicalize(out.join(".packs")).map_err(|_| ExportError::NoPack(out.to_path_buf()))?;
    for _ in 0..3 {
        let Some(dir) = published_dir(out)? else { return Err(ExportError::NoPack(out.to_path_buf())) };
        let manifest = match read_manifest(&dir.join("manifest.json")) {
            Ok(m) => m,
            Err(_) if !dir.exists() => continue,
            Err(e) => return Err(e.into()),
        };
        let entries: Vec<&Entry> = manifest.documents.iter().filter(|e| e.unit == unit).collect();
        if entries.is_empty() {
            let mut known: Vec<&str> = manifest.documents.iter().map(|e| e.unit.as_str()).collect();
            known.sort();
            known.dedup();
            return Err(ExportError::UnknownUnit { unit: unit.to_string(), known: known.join(", ") });
        }
        let mut docs = Vec::with_capacity(entries.len());
        let mut vanished = false;
        for e in entries {
            let rel = Path::new(&e.path);
            let inside = rel.components().all(|c| matches!(c, Component::Normal(_))) && rel.starts_with(&e.unit);
            if !inside {
                return Err(ExportError::UnsafePath(e.path.clone()));
            }
            let path = dir.join(rel);
            let real = match fs::canonicalize(&path) {
                Ok(r) => r,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    vanished = true;
                    break;
                }
                Err(source) => return Err(ExportError::Read { path, source }),
            };
            // Only the pack's own links are followed: the file must be a regular file in
            // the pack's own store.
            if !real.starts_with(&packs) || !fs::symlink_metadata(&real).is_ok_and(|m| m.is_file()) {
                return Err(ExportError::UnsafePath(e.path.clone()));
            }
            match fs::read(&real) {
                Ok(b) => docs.push((e.clone(), b)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    vanished = true;
                    break;
                }
                Err(source) => return Err(ExportError::Read { path, source }),
            }
        }
        if !vanished {
            return Ok((manifest, docs));
        }
    }
    Err(ExportError::PackChanged)
}

//! The pack's id secret (`.packs/id_nyckel`): made on a pack's first run when the config
//! names no `id_nyckel_fil`, kept 0600 beside the generations, and read by every later run,
//! so the keyed ids (`plan::IdKey`) stay stable for the life of the pack.

use std::io::Read;
use std::path::Path;

/// The file name under `.packs/`.
pub const FILE: &str = "id_nyckel";
const LEN: usize = 32;

/// The pack's secret, or `None` when the pack has none yet. A file that is not a regular
/// file of the right size is an error (never followed if it is a link).
pub fn read(packs: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let path = packs.join(FILE);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() || meta.len() != LEN as u64 {
        return Err(std::io::Error::other(format!("{} är inte packets id-nyckel (väntade en vanlig fil på {LEN} byte)", path.display())));
    }
    let mut bytes = Vec::with_capacity(LEN);
    std::fs::File::open(&path)?.take(LEN as u64).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// A new random secret.
pub fn fresh() -> Vec<u8> {
    use rand::RngCore;
    let mut bytes = vec![0u8; LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Writes a new secret (0600), without replacing an existing file.
pub fn write(packs: &Path, secret: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(packs)?;
    let path = packs.join(FILE);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(&path)?;
    f.write_all(secret)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_written_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let s = fresh();
        assert_ne!(s, fresh());
        write(dir.path(), &s).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(s.clone()));
        assert!(write(dir.path(), &fresh()).is_err(), "never replaced");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.path().join(FILE)).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

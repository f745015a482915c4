//! confine: reads only what the tool may read, and never without bound (issue 13).
//!
//! The input folder and the config's folder are shared places: export jobs, other accounts
//! and scripts write there. An input file is read only if, after resolving links, it is a
//! regular file inside its root folder (the input directory; for templates, the template
//! directory inside the config file's folder), and only up to a size limit. A FIFO, a device
//! or a folder is refused before it is opened; the open itself does not follow a link (the
//! path is resolved first) and does not block (`O_NONBLOCK`), and the opened file is checked
//! again (`fstat`), so nothing swapped in between is read. The read stops one byte past the
//! limit (`Read::take`): a file's size on disk is not trusted (`/dev/zero` has size 0).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// One mebibyte: size limits are given in MiB.
pub const MIB: u64 = 1024 * 1024;

/// Why a file was not read. The text names no path: the caller puts the path first.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Nothing at that path (a dangling link is [`Refusal::Io`]).
    #[error("filen finns inte")]
    Missing,
    #[error("leder utanför {root} (efter att länkar följts)")]
    Outside { root: &'static str },
    #[error("är {kind}, ingen vanlig fil")]
    NotRegular { kind: &'static str },
    #[error("är större än storleksgränsen {}", size_text(*.limit))]
    TooLarge { limit: u64 },
    #[error("kan inte läsas: {0}")]
    Io(std::io::Error),
}

/// `500 MiB`, or bytes when the limit is not whole mebibytes.
pub fn size_text(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) { format!("{} MiB", bytes / MIB) } else { format!("{bytes} byte") }
}

/// What kind of thing a non-regular file is, in Swedish ("en katalog", "en FIFO" …).
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "en katalog"
    } else if t.is_symlink() {
        "en symbolisk länk"
    } else if t.is_fifo() {
        "en namngiven pipe (FIFO)"
    } else if t.is_char_device() {
        "en teckenenhet"
    } else if t.is_block_device() {
        "en blockenhet"
    } else if t.is_socket() {
        "en socket"
    } else {
        "okänd filtyp"
    }
}

/// Opens `path` for reading if, after resolving links, it is a regular file inside `root`
/// (`root_name` says which folder that is, for the message). Never blocks on a FIFO.
pub fn open_inside(root: &Path, path: &Path, root_name: &'static str) -> Result<File, Refusal> {
    let own = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refusal::Missing),
        Err(e) => return Err(Refusal::Io(e)),
    };
    let real = std::fs::canonicalize(path).map_err(|e| {
        if own.file_type().is_symlink() && e.kind() == std::io::ErrorKind::NotFound {
            Refusal::Io(std::io::Error::new(e.kind(), "länken pekar på något som inte finns"))
        } else {
            Refusal::Io(e)
        }
    })?;
    let root_real = std::fs::canonicalize(root).map_err(Refusal::Io)?;
    if !real.starts_with(&root_real) {
        return Err(Refusal::Outside { root: root_name });
    }
    let t = std::fs::symlink_metadata(&real).map_err(Refusal::Io)?.file_type();
    if !t.is_file() {
        return Err(Refusal::NotRegular { kind: kind_of(t) });
    }
    let file =
        OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY).open(&real).map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) { Refusal::NotRegular { kind: "en symbolisk länk" } } else { Refusal::Io(e) }
        })?;
    let t = file.metadata().map_err(Refusal::Io)?.file_type();
    if !t.is_file() {
        return Err(Refusal::NotRegular { kind: kind_of(t) });
    }
    Ok(file)
}

/// Reads at most `limit` bytes; more is [`Refusal::TooLarge`] (one byte past it is read to know).
pub fn read_bounded(file: File, limit: u64) -> Result<Vec<u8>, Refusal> {
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0).min(limit).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(Refusal::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::TooLarge { limit });
    }
    Ok(bytes)
}

/// [`open_inside`], then [`read_bounded`].
pub fn read_inside(root: &Path, path: &Path, root_name: &'static str, limit: u64) -> Result<Vec<u8>, Refusal> {
    read_bounded(open_inside(root, path, root_name)?, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const ROOT: &str = "indatakatalogen";

    #[test]
    fn reads_a_regular_file_and_a_link_that_stays_inside() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.csv"), "x").unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        symlink("../a.csv", d.path().join("sub/b.csv")).unwrap();
        assert_eq!(read_inside(d.path(), &d.path().join("a.csv"), ROOT, 10).unwrap(), b"x");
        assert_eq!(read_inside(d.path(), &d.path().join("sub/b.csv"), ROOT, 10).unwrap(), b"x");
        assert!(matches!(read_inside(d.path(), &d.path().join("c.csv"), ROOT, 10), Err(Refusal::Missing)));
    }

    #[test]
    fn refuses_links_outside_devices_fifos_and_folders() {
        let d = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("secret"), "s").unwrap();
        symlink(other.path().join("secret"), d.path().join("out.csv")).unwrap();
        symlink("/dev/zero", d.path().join("zero.csv")).unwrap();
        symlink("nowhere", d.path().join("dangling.csv")).unwrap();
        std::fs::create_dir(d.path().join("dir.pdf")).unwrap();
        let fifo = d.path().join("fifo.csv");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let r = |n: &str| read_inside(d.path(), &d.path().join(n), ROOT, 1 << 20);
        assert!(matches!(r("out.csv"), Err(Refusal::Outside { .. })));
        assert!(matches!(r("zero.csv"), Err(Refusal::Outside { .. })));
        assert!(matches!(r("dangling.csv"), Err(Refusal::Io(_))));
        assert!(matches!(r("dir.pdf"), Err(Refusal::NotRegular { kind: "en katalog" })));
        assert!(matches!(r("fifo.csv"), Err(Refusal::NotRegular { kind: "en namngiven pipe (FIFO)" })));
        // /dev/zero as its own root: a device, refused before a byte is read.
        assert!(matches!(read_inside(Path::new("/dev"), Path::new("/dev/zero"), ROOT, 10), Err(Refusal::NotRegular { .. })));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_naming_it() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.csv"), vec![b'x'; 11]).unwrap();
        assert_eq!(read_inside(d.path(), &d.path().join("a.csv"), ROOT, 11).unwrap().len(), 11);
        let e = read_inside(d.path(), &d.path().join("a.csv"), ROOT, 10).unwrap_err();
        assert!(matches!(e, Refusal::TooLarge { limit: 10 }));
        assert_eq!(Refusal::TooLarge { limit: 500 * MIB }.to_string(), "är större än storleksgränsen 500 MiB");
    }

    #[test]
    fn the_bounded_reader_does_not_trust_the_size_on_disk() {
        // /dev/zero says it is empty and never ends.
        let f = File::open("/dev/zero").unwrap();
        assert!(matches!(read_bounded(f, 1000), Err(Refusal::TooLarge { limit: 1000 })));
    }
}

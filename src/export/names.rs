//! File and folder names that every file system on a USB stick takes (FAT32, exFAT, NTFS):
//! no `: * ? " < > | \ /` or control characters, no trailing dot or space, no reserved
//! Windows device name, at most [`MAX_CHARS`] characters per component; å, ä, ö stay.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// The longest name component written (FAT allows 255 UTF-16 units; Windows paths stay short).
pub const MAX_CHARS: usize = 100;

const FORBIDDEN: &[char] = &[':', '*', '?', '"', '<', '>', '|', '\\', '/'];
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4",
    "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Is `name` one component that FAT/exFAT and Windows accept as it is?
pub fn is_safe(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.chars().count() <= MAX_CHARS
        && !name.chars().any(|c| c.is_control() || FORBIDDEN.contains(&c))
        && !name.ends_with(['.', ' '])
        && !name.starts_with(' ')
        && !is_reserved(name)
}

fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    RESERVED.contains(&stem.as_str())
}

/// `text` as a safe name component (NFC; forbidden characters become `-`, runs of white
/// space one space), cut to leave room for `ext` (e.g. `".pdf"`, or `""` for a folder).
pub fn safe_name(text: &str, ext: &str) -> String {
    let mut s = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfc() {
        let c = if FORBIDDEN.contains(&c) { '-' } else { c };
        if c.is_whitespace() || c.is_control() {
            space = !s.is_empty();
            continue;
        }
        if space {
            s.push(' ');
            space = false;
        }
        s.push(c);
    }
    let room = MAX_CHARS - ext.chars().count();
    let mut s: String = s.chars().take(room).collect();
    while s.ends_with(['.', ' ']) {
        s.pop();
    }
    let s = s.trim_start_matches('.').to_string();
    let mut s = if s.is_empty() { "namnlös".to_string() } else { s };
    if is_reserved(&s) {
        s.push('_');
    }
    format!("{s}{ext}")
}

/// Hands out names unique within one folder, as a case-insensitive file system sees them:
/// the second `Namn.pdf` becomes `Namn (2).pdf`.
#[derive(Default)]
pub struct Unique {
    taken: HashSet<String>,
}

impl Unique {
    pub fn take(&mut self, text: &str, ext: &str) -> String {
        let first = safe_name(text, ext);
        if self.taken.insert(first.to_lowercase()) {
            return first;
        }
        (2..)
            .map(|n| safe_name(text, &format!(" ({n}){ext}")))
            .find(|name| self.taken.insert(name.to_lowercase()))
            .expect("some number is free")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_trailing_dots_and_reserved_names_are_mended() {
        assert_eq!(safe_name("a:b*c?d\"e<f>g|h\\i/j", ".pdf"), "a-b-c-d-e-f-g-h-i-j.pdf");
        assert_eq!(safe_name("Slut. ", ""), "Slut");
        assert_eq!(safe_name("  två   ord\t", ""), "två ord");
        assert_eq!(safe_name("CON", ".pdf"), "CON_.pdf");
        assert_eq!(safe_name("", ""), "namnlös");
        assert_eq!(safe_name("..", ""), "namnlös");
        assert_eq!(safe_name("Åsa Öberg", ".pdf"), "Åsa Öberg.pdf");
        // NFD input is written as NFC.
        assert_eq!(safe_name("A\u{30a}sa", ""), "Åsa");
        for n in ["a:b*c?", "x. ", "CON", "Åsa Öberg", &"ä".repeat(300)] {
            assert!(is_safe(&safe_name(n, ".pdf")), "{n}");
            assert!(is_safe(&safe_name(n, "")), "{n}");
        }
    }

    #[test]
    fn long_names_are_cut_before_the_extension() {
        let n = safe_name(&"ö".repeat(300), ".pdf");
        assert_eq!(n.chars().count(), MAX_CHARS);
        assert!(n.ends_with("ö.pdf"));
    }

    #[test]
    fn unique_names_ignore_case() {
        let mut u = Unique::default();
        assert_eq!(u.take("Personkort", ".pdf"), "Personkort.pdf");
        assert_eq!(u.take("personkort", ".pdf"), "personkort (2).pdf");
        assert_eq!(u.take("Personkort", ".pdf"), "Personkort (3).pdf");
        assert!(!is_safe("a?b") && !is_safe("a.") && !is_safe("nul.txt") && is_safe("BEGRÄNSAD – endast enhetschef"));
    }
}

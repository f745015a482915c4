//! Stable, opaque document ids and safe path components.

use sha2::{Digest, Sha256};

/// A document id: a short kind prefix and 10 hex digits of a hash over (kind, unit, key).
/// Stable across versions of the same document, and opaque: no person's name or number
/// can be read from it (keys may hold a person_id; the hash hides it).
pub fn doc_id(kind: &str, unit: &str, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [kind, unit, key] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let prefix = match kind {
        "schema" => "SCH",
        "planerade_besok" => "PB",
        "personkort" => "PK",
        "genomforandeplan" => "GP",
        "uppdrag" => "UB",
        "hsl" => "HSL",
        "timecare" => "TC",
        "telefonlista" => "TEL",
        "telefonlista_privat" => "TELP",
        "kontakter" => "KON",
        "rutiner" => "RUT",
        "blankett" => "BL",
        "egenkontroll" => "EK",
        "akt_skyddad" => "AKT",
        _ => "DOK",
    };
    format!("{prefix}-{}", super::hex(&digest[..5]).to_uppercase())
}

/// An opaque, stable key for a person (manifest `person`): a hash of the person_id.
pub fn person_key(person_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"person\0");
    h.update(person_id.as_bytes());
    super::hex(&h.finalize()[..6])
}

/// A unit id as a directory name: kept when it is plain (letters, digits, `-`, `_`, at most
/// 40 characters), otherwise replaced by a hash so no export value can shape a path.
pub fn path_component(s: &str) -> String {
    let plain = !s.is_empty()
        && s.len() <= 40
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !s.starts_with('-');
    if plain {
        s.to_string()
    } else {
        format!("enhet-{}", super::hex(&Sha256::digest(s.as_bytes())[..5]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_opaque() {
        let a = doc_id("genomforandeplan", "HT-NORR", "P000123");
        assert_eq!(a, doc_id("genomforandeplan", "HT-NORR", "P000123"));
        assert_ne!(a, doc_id("genomforandeplan", "HT-NORR", "P000124"));
        assert!(a.starts_with("GP-") && !a.contains("P000123"));
        assert_eq!(path_component("HT-NORR"), "HT-NORR");
        assert!(path_component("../x").starts_with("enhet-"));
        assert!(path_component("Enhet Öst").starts_with("enhet-"));
    }
}

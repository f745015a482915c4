//! Stable, opaque document ids and safe path components.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::DocKind;
use crate::model::Protection;

/// A document id: a short kind prefix and 10 hex digits of a hash over (kind, unit, key).
/// Stable across versions of the same document, and opaque: no person's name or number
/// can be read from it (keys may hold a person_id; the hash hides it).
pub fn doc_id(kind: DocKind, unit: &str, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [kind.as_str(), unit, key] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    format!("{}-{}", kind.id_prefix(), super::hex(&digest[..5]).to_uppercase())
}

/// The pack's secret for everything derived from a guessable id (person ids are
/// `P000001`…): the manifest's person key and the ids of a person's documents are
/// HMAC-SHA256 under it, so nobody can recompute them from a person_id. From the config's
/// `id_nyckel_fil`, or made on the pack's first run (`.packs/id_nyckel`, 0600).
#[derive(Clone)]
pub struct IdKey(Vec<u8>);

impl std::fmt::Debug for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdKey(«dolt»)")
    }
}

/// The protection level as keyed into ids: a change of level starts a new id series that
/// cannot be linked to the old one.
fn level(p: Protection) -> &'static str {
    match p {
        Protection::None => "ingen",
        Protection::Sekretessmarkering => "sekretessmarkering",
        Protection::SkyddadFolkbokforing => "skyddad_folkbokforing",
        Protection::LokaltSkydd { .. } => "lokalt_skydd",
    }
}

const LEVELS: [Protection; 4] =
    [Protection::None, Protection::Sekretessmarkering, Protection::SkyddadFolkbokforing, Protection::LokaltSkydd { until: None }];

impl IdKey {
    pub fn new(secret: &[u8]) -> IdKey {
        IdKey(secret.to_vec())
    }

    fn mac(&self, parts: &[&str]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        for part in parts {
            m.update(part.as_bytes());
            m.update(&[0u8]);
        }
        m.finalize().into_bytes().into()
    }

    /// The manifest's opaque key for a person at a protection level.
    pub fn person_key(&self, person_id: &str, protection: Protection) -> String {
        super::hex(&self.mac(&["person", person_id, level(protection)])[..8])
    }

    /// The person's keys at every level (to find their documents across a change of level).
    pub fn person_keys(&self, person_id: &str) -> Vec<String> {
        LEVELS.iter().map(|l| self.person_key(person_id, *l)).collect()
    }

    /// The id of a document about a person: like [`doc_id`], keyed, and with the level.
    pub fn person_doc_id(&self, kind: DocKind, unit: &str, key: &str, protection: Protection) -> String {
        let digest = self.mac(&["dokument", kind.as_str(), unit, key, level(protection)]);
        format!("{}-{}", kind.id_prefix(), super::hex(&digest[..5]).to_uppercase())
    }
}

/// A unit id as a directory name: kept when it is plain (letters, digits, `-`, `_`, at most
/// 40 characters), otherwise replaced by a hash so no export value can shape a path.
pub fn path_component(s: &str) -> String {
    let plain =
        !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') && !s.starts_with('-');
    if plain { s.to_string() } else { format!("enhet-{}", super::hex(&Sha256::digest(s.as_bytes())[..5])) }
}

/// The folder of a unit's documents for `audience`, relative to `out/`: `<unit>` (general)
/// or `<unit>/begransad` (the enhetschef's restricted material). The one place this rule is.
pub fn audience_dir(unit: &str, audience: super::Audience) -> String {
    match audience {
        super::Audience::Personal => path_component(unit),
        super::Audience::Enhetschef => format!("{}/begransad", path_component(unit)),
    }
}

/// A document's file, relative to `out/`: `<audience_dir>/<kind>/<id>.pdf`.
pub fn doc_path(unit: &str, audience: super::Audience, kind: DocKind, id: &str) -> String {
    format!("{}/{}/{id}.pdf", audience_dir(unit, audience), kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_opaque() {
        let a = doc_id(DocKind::Genomforandeplan, "HT-NORR", "P000123");
        assert_eq!(a, doc_id(DocKind::Genomforandeplan, "HT-NORR", "P000123"));
        assert_ne!(a, doc_id(DocKind::Genomforandeplan, "HT-NORR", "P000124"));
        assert!(a.starts_with("GP-") && !a.contains("P000123"));
        assert_eq!(path_component("HT-NORR"), "HT-NORR");
        assert!(path_component("../x").starts_with("enhet-"));
        assert!(path_component("Enhet Öst").starts_with("enhet-"));
    }

    #[test]
    fn person_ids_are_keyed_and_change_with_the_level() {
        let k = IdKey::new(b"secret one");
        let other = IdKey::new(b"secret two");
        let a = k.person_doc_id(DocKind::Genomforandeplan, "U", "P1", Protection::None);
        assert_eq!(a, k.person_doc_id(DocKind::Genomforandeplan, "U", "P1", Protection::None));
        assert_ne!(a, other.person_doc_id(DocKind::Genomforandeplan, "U", "P1", Protection::None));
        assert_ne!(a, doc_id(DocKind::Genomforandeplan, "U", "P1"));
        assert_ne!(a, k.person_doc_id(DocKind::Genomforandeplan, "U", "P1", Protection::SkyddadFolkbokforing));
        assert!(a.starts_with("GP-"));
        let keys = k.person_keys("P1");
        assert_eq!(keys.len(), 4);
        assert!(keys.contains(&k.person_key("P1", Protection::LokaltSkydd { until: None })));
        assert_ne!(k.person_key("P1", Protection::None), other.person_key("P1", Protection::None));
    }
}

//! config: the optional `reservpack.toml` a municipality uses to adapt the tool without code.
//!
//! ```toml
//! # Column aliases per file: the export's header -> the canonical column.
//! [kolumnalias."besok.csv"]
//! "Besöksdatum" = "datum"
//! "Utförare" = "signatur"
//!
//! # Retention overrides per document kind: "N dagar|veckor|månader|år", "ny version", or a rule text.
//! [gallring]
//! planerade_besok = "8 veckor"
//!
//! # Insatser carried out by subcontractors (never for protected persons, seed 002 §8.8).
//! underleverantorsinsatser = ["Matdistribution", "Matleverans"]
//! skrivare = "Utskriftsrum-1"
//! # Restricted batches (`print --begransad`) go only to this printer (or `--printer`).
//! skrivare_begransad = "Enhetschef-1"
//! mallkatalog = "mallar"
//! # The secret for ids derived from person ids (HMAC); else one is made under `.packs/`.
//! id_nyckel_fil = "nyckel.bin"
//! # Units that also get the authority forms (units of type `myndighet` always do).
//! myndighetsblanketter = ["HT-NORR"]
//! # Spare unnamed daganteckningar and avvikelse sheets per unit (default: staff × 3).
//! reservblanketter = 30
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ingest::table::normalize_header;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("kan inte läsa konfigurationsfilen {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// File name -> (header as exported -> canonical column).
    #[serde(default)]
    pub kolumnalias: BTreeMap<String, BTreeMap<String, String>>,
    /// Document kind (manifest `kind`) -> retention rule text.
    #[serde(default)]
    pub gallring: BTreeMap<String, String>,
    #[serde(default = "default_subcontracted")]
    pub underleverantorsinsatser: Vec<String>,
    #[serde(default)]
    pub skrivare: Option<String>,
    /// A directory whose files replace the built-in templates of the same name.
    #[serde(default)]
    pub mallkatalog: Option<PathBuf>,
    /// The printer for restricted batches (`print --begransad`).
    #[serde(default)]
    pub skrivare_begransad: Option<String>,
    /// A file holding the pack's id secret (at least 16 bytes): ids stay the same across
    /// fresh packs made with it. Without it, a secret is made on the pack's first run.
    #[serde(default)]
    pub id_nyckel_fil: Option<PathBuf>,
    /// Units (enhet_id) that get the authority forms of seed 003 (beslutslista, förteckning
    /// över upprättade handlingar, ICA-utbetalningar, kassaförvaltare) whatever their type;
    /// units of type `myndighet` always get them.
    #[serde(default)]
    pub myndighetsblanketter: Vec<String>,
    /// Spare unnamed daganteckningar and avvikelse sheets per unit (default: staff × 3).
    #[serde(default)]
    pub reservblanketter: Option<u32>,
}

fn default_subcontracted() -> Vec<String> {
    vec!["Matdistribution".into(), "Matleverans".into()]
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kolumnalias: BTreeMap::new(),
            gallring: BTreeMap::new(),
            underleverantorsinsatser: default_subcontracted(),
            skrivare: None,
            mallkatalog: None,
            skrivare_begransad: None,
            id_nyckel_fil: None,
            myndighetsblanketter: Vec::new(),
            reservblanketter: None,
        }
    }
}

impl Config {
    /// Reads `path`, or — when `path` is `None` — `reservpack.toml` in the input directory if
    /// there is one, else the defaults. Relative paths inside resolve against the file's folder.
    pub fn load(path: Option<&Path>, input_dir: &Path) -> Result<Config, ConfigError> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None => {
                let p = input_dir.join("reservpack.toml");
                if !p.is_file() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        let mut config: Config =
            toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for p in [&mut config.mallkatalog, &mut config.id_nyckel_fil].into_iter().flatten() {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// The id secret from `id_nyckel_fil`, if configured: at least 16 and at most 4,096 bytes.
    pub fn id_secret(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        use std::io::Read;
        let Some(path) = &self.id_nyckel_fil else { return Ok(None) };
        let err = |message: &str| ConfigError::Parse { path: path.clone(), message: message.to_string() };
        let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        if !meta.is_file() {
            return Err(err("id_nyckel_fil ska vara en vanlig fil"));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(4097).read_to_end(&mut bytes))
            .map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        if bytes.len() < 16 || bytes.len() > 4096 {
            return Err(err("id_nyckel_fil ska innehålla minst 16 och högst 4 096 byte (t.ex. 32 slumpmässiga byte)"));
        }
        Ok(Some(bytes))
    }

    /// The aliases for one file, normalised the way headers are.
    pub fn aliases_for(&self, file: &str) -> BTreeMap<String, String> {
        self.kolumnalias
            .get(file)
            .map(|m| m.iter().map(|(k, v)| (normalize_header(k), normalize_header(v))).collect())
            .unwrap_or_default()
    }

    pub fn is_subcontracted(&self, task: &str) -> bool {
        self.underleverantorsinsatser.iter().any(|s| s.trim().eq_ignore_ascii_case(task.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aliases_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("reservpack.toml"),
            "[kolumnalias.\"besok.csv\"]\n\"Besöksdatum\" = \"datum\"\n[gallring]\nplanerade_besok = \"8 veckor\"\n",
        )
        .unwrap();
        let c = Config::load(None, dir.path()).unwrap();
        assert_eq!(c.aliases_for("besok.csv").get("besoksdatum").map(String::as_str), Some("datum"));
        assert_eq!(c.gallring["planerade_besok"], "8 veckor");
        assert!(c.is_subcontracted("matdistribution"));
    }

    #[test]
    fn unknown_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("reservpack.toml"), "skrivar = \"x\"\n").unwrap();
        assert!(Config::load(None, dir.path()).is_err());
    }
}

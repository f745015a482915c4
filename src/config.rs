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
//! mallkatalog = "mallar"
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
        if let Some(dir) = &config.mallkatalog {
            if dir.is_relative() {
                let base = path.parent().unwrap_or(Path::new("."));
                config.mallkatalog = Some(base.join(dir));
            }
        }
        Ok(config)
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

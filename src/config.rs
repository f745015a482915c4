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
//!
//! # The most each input file may hold, in MiB (issue 13). A bigger file is refused (fatal for
//! # an export, a problem for a routine PDF). The defaults, against the city fixtures
//! # (10,000 persons, 120 units, a week of visits) in brackets:
//! [storleksgranser]
//! besok = 500               # besok.csv               (20 MiB)
//! genomforandeplaner = 500  # genomforandeplaner.json (13 MiB)
//! uppdrag = 200             # uppdrag.json            (5 MiB)
//! hsl = 200                 # hsl.json                (1.2 MiB)
//! timecare = 200            # timecare.csv            (1.6 MiB)
//! personer = 100            # personer.csv            (1.9 MiB)
//! narstaende = 100          # narstaende.csv          (0.7 MiB)
//! personal = 50             # personal.csv            (0.3 MiB)
//! enheter = 10              # enheter.csv             (13 KiB)
//! kontakter = 10            # kontakter.csv           (42 KiB)
//! rutin_pdf = 50            # each PDF in rutiner/
//! # Units that also get the authority forms (units of type `myndighet` always do).
//! myndighetsblanketter = ["HT-NORR"]
//! # Spare unnamed daganteckningar and avvikelse sheets per unit (default: staff × 3).
//! reservblanketter = 30
//! # Days a run covers from --date (default 1; --days overrides). A horizon that ends before
//! # a weekend or a holiday extends over it (see `crate::horizon`).
//! horisont_dagar = 3
//! # The web page's address: QR codes then point at its verify view (`/v/<id>/<version>`).
//! publik_adress = "https://reservpack.kommun.se"
//! # Insatser that are delegated health-care tasks: each gets a signeringslista per person.
//! delegerade_insatser = ["Läkemedelsöverlämning", "Insulingivning"]
//! # Where a unit's keys are kept, for the nyckellista when personer.csv has no nyckelplats.
//! [nyckelplats]
//! HT-NORR = "Nyckelskåpet på kontoret"
//! ```
//! The template directory (`mallkatalog`) must lie inside the config file's folder, and each
//! template in it be a regular file inside it after resolving links (at most
//! [`TEMPLATE_LIMIT`] each); the config file itself is read up to [`CONFIG_LIMIT`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::confine::{self, MIB, Refusal};
use crate::ingest::table::normalize_header;

/// The most a template override may hold.
pub const TEMPLATE_LIMIT: u64 = 4 * MIB;
/// The most the config file may hold.
pub const CONFIG_LIMIT: u64 = MIB;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("kan inte läsa konfigurationsfilen {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("konfigurationsfilen {path} {reason}")]
    Refused { path: PathBuf, reason: Refusal },
    #[error("{config}: mallkatalog {dir} {message}")]
    TemplateDir { config: PathBuf, dir: PathBuf, message: String },
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
    /// Insatser that are delegated HSL tasks (signed for on a signeringslista), matched
    /// case-insensitively.
    #[serde(default = "default_delegated")]
    pub delegerade_insatser: Vec<String>,
    /// enhet_id -> where the unit's keys are kept (the nyckellista's default when a person
    /// has no `nyckelplats`).
    #[serde(default)]
    pub nyckelplats: BTreeMap<String, String>,
    /// Days a run covers from `--date` (1–31; `--days` overrides it).
    #[serde(default = "default_horizon")]
    pub horisont_dagar: u32,
    /// The web page's public address (`https://…`, no trailing `/`): the QR code on every
    /// page points at its verify view. Without it, the QR code holds `reservpack:<id>:<v8>`.
    #[serde(default)]
    pub publik_adress: Option<String>,
    /// The config file's folder (what `id_nyckel_fil` must lie in), when read from a file.
    #[serde(skip)]
    pub folder: Option<PathBuf>,
    /// The most each input file may hold (`[storleksgranser]`, in MiB).
    #[serde(default)]
    pub storleksgranser: Storleksgranser,
}

/// `[storleksgranser]`: size limits per input file, in MiB (see the module docs).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Storleksgranser {
    pub enheter: u64,
    pub personal: u64,
    pub personer: u64,
    pub narstaende: u64,
    pub besok: u64,
    pub timecare: u64,
    pub kontakter: u64,
    pub genomforandeplaner: u64,
    pub uppdrag: u64,
    pub hsl: u64,
    pub rutin_pdf: u64,
}

impl Default for Storleksgranser {
    fn default() -> Self {
        Storleksgranser {
            enheter: 10,
            personal: 50,
            personer: 100,
            narstaende: 100,
            besok: 500,
            timecare: 200,
            kontakter: 10,
            genomforandeplaner: 500,
            uppdrag: 200,
            hsl: 200,
            rutin_pdf: 50,
        }
    }
}

impl Storleksgranser {
    /// The key and limit (bytes) of an input file (`besok.csv` → `besok`), or of a routine
    /// PDF for any name under `rutiner/`. A name not listed gets the largest limit.
    pub fn for_file(&self, name: &str) -> (&'static str, u64) {
        let (key, mib) = match name.rsplit_once('.').map_or(name, |(stem, _)| stem) {
            _ if name.starts_with("rutiner/") => ("rutin_pdf", self.rutin_pdf),
            "enheter" => ("enheter", self.enheter),
            "personal" => ("personal", self.personal),
            "personer" => ("personer", self.personer),
            "narstaende" => ("narstaende", self.narstaende),
            "besok" => ("besok", self.besok),
            "timecare" => ("timecare", self.timecare),
            "kontakter" => ("kontakter", self.kontakter),
            "genomforandeplaner" => ("genomforandeplaner", self.genomforandeplaner),
            "uppdrag" => ("uppdrag", self.uppdrag),
            "hsl" => ("hsl", self.hsl),
            _ => ("besok", self.besok.max(self.genomforandeplaner)),
        };
        (key, mib.saturating_mul(MIB))
    }
}

fn default_horizon() -> u32 {
    1
}

fn default_subcontracted() -> Vec<String> {
    vec!["Matdistribution".into(), "Matleverans".into()]
}

/// Delegated HSL tasks as the fixtures (and common Welfare exports) name them.
fn default_delegated() -> Vec<String> {
    ["Läkemedelsöverlämning", "Läkemedelsgivning", "Insulingivning", "Ögondroppar", "Såromläggning", "Stödstrumpor"]
        .map(String::from)
        .to_vec()
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
            folder: None,
            storleksgranser: Storleksgranser::default(),
            myndighetsblanketter: Vec::new(),
            reservblanketter: None,
            delegerade_insatser: default_delegated(),
            nyckelplats: BTreeMap::new(),
            horisont_dagar: default_horizon(),
            publik_adress: None,
        }
    }
}

impl Config {
    /// Reads `path`, or — when `path` is `None` — `reservpack.toml` in the input directory if
    /// there is one, else the defaults. Relative paths inside resolve against the file's folder.
    /// The config in the input directory must be a regular file inside it after resolving
    /// links; one named by `--config` a regular file. `mallkatalog` must be a folder inside
    /// the config file's folder (it is kept resolved, for [`crate::render::Templates::load`]).
    pub fn load(path: Option<&Path>, input_dir: &Path) -> Result<Config, ConfigError> {
        let (path, root, root_name) = match path {
            Some(p) => (p.to_path_buf(), folder_of(p).to_path_buf(), "konfigurationsfilens katalog"),
            None => {
                let p = input_dir.join("reservpack.toml");
                if std::fs::symlink_metadata(&p).is_err() {
                    return Ok(Config::default());
                }
                (p, input_dir.to_path_buf(), "indatakatalogen")
            }
        };
        let bytes = confine::read_inside(&root, &path, root_name, CONFIG_LIMIT).map_err(|reason| match reason {
            Refusal::Io(source) => ConfigError::Read { path: path.clone(), source },
            reason => ConfigError::Refused { path: path.clone(), reason },
        })?;
        let text =
            String::from_utf8(bytes).map_err(|e| ConfigError::Parse { path: path.clone(), message: format!("ogiltig UTF-8: {e}") })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?;
        let base = folder_of(&path).to_path_buf();
        if let Some(p) = &config.id_nyckel_fil
            && p.is_relative()
        {
            config.id_nyckel_fil = Some(base.join(p));
        }
        config.folder = Some(base);
        let invalid = |message: String| ConfigError::Parse { path: path.clone(), message };
        if !(1..=31).contains(&config.horisont_dagar) {
            return Err(invalid(format!("horisont_dagar ska vara mellan 1 och 31 dagar, inte {}", config.horisont_dagar)));
        }
        if let Some(a) = &mut config.publik_adress {
            let trimmed = a.trim().trim_end_matches('/');
            if !(trimmed.starts_with("https://") || trimmed.starts_with("http://"))
                || trimmed.chars().any(char::is_whitespace)
                || trimmed.len() > 200
            {
                return Err(invalid(
                    "publik_adress ska vara en webbadress som börjar med https:// (t.ex. \"https://reservpack.kommun.se\")".into(),
                ));
            }
            *a = trimmed.to_string();
        }
        if let Some(dir) = &config.mallkatalog {
            config.mallkatalog = Some(template_dir(&path, dir)?);
        }
        Ok(config)
    }

    /// The id secret from `id_nyckel_fil`, if configured: a regular file inside the config
    /// file's folder, at least 16 and at most 4,096 bytes.
    pub fn id_secret(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(path) = &self.id_nyckel_fil else { return Ok(None) };
        let root = self.folder.clone().unwrap_or_else(|| folder_of(path).to_path_buf());
        let bytes = confine::read_inside(&root, path, "konfigurationsfilens katalog", 4096).map_err(|reason| match reason {
            Refusal::Io(source) => ConfigError::Read { path: path.clone(), source },
            reason => ConfigError::Refused { path: path.clone(), reason },
        })?;
        if bytes.len() < 16 {
            return Err(ConfigError::Parse {
                path: path.clone(),
                message: "id_nyckel_fil ska innehålla minst 16 och högst 4 096 byte (t.ex. 32 slumpmässiga byte)".into(),
            });
        }
        Ok(Some(bytes))
    }

    /// The aliases for one file, normalised the way headers are.
    pub fn aliases_for(&self, file: &str) -> BTreeMap<String, String> {
        self.kolumnalias.get(file).map(|m| m.iter().map(|(k, v)| (normalize_header(k), normalize_header(v))).collect()).unwrap_or_default()
    }

    pub fn is_subcontracted(&self, task: &str) -> bool {
        self.underleverantorsinsatser.iter().any(|s| s.trim().eq_ignore_ascii_case(task.trim()))
    }
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(file: &Path) -> &Path {
    file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// `mallkatalog` resolved (relative paths against the config file's folder) and checked: a
/// folder inside that folder after resolving links.
fn template_dir(config: &Path, dir: &Path) -> Result<PathBuf, ConfigError> {
    let err = |message: String| ConfigError::TemplateDir { config: config.to_path_buf(), dir: dir.to_path_buf(), message };
    let base = std::fs::canonicalize(folder_of(config)).map_err(|e| err(format!("kan inte kontrolleras: {e}")))?;
    let real = std::fs::canonicalize(base.join(dir)).map_err(|e| err(format!("finns inte eller kan inte läsas: {e}")))?;
    if !real.starts_with(&base) {
        return Err(err(format!(
            "ligger utanför konfigurationsfilens katalog {} (efter att länkar följts); mallar läses bara därifrån",
            base.display()
        )));
    }
    if !real.is_dir() {
        return Err(err("är ingen katalog".into()));
    }
    Ok(real)
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

    #[test]
    fn size_limits_default_and_override_per_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Config::load(None, dir.path()).unwrap().storleksgranser.for_file("besok.csv"), ("besok", 500 * MIB));
        std::fs::write(dir.path().join("reservpack.toml"), "[storleksgranser]\nbesok = 900\nrutin_pdf = 5\n").unwrap();
        let c = Config::load(None, dir.path()).unwrap();
        assert_eq!(c.storleksgranser.for_file("besok.csv"), ("besok", 900 * MIB));
        assert_eq!(c.storleksgranser.for_file("rutiner/VB/x.pdf"), ("rutin_pdf", 5 * MIB));
        assert_eq!(c.storleksgranser.for_file("hsl.json"), ("hsl", 200 * MIB));
        std::fs::write(dir.path().join("reservpack.toml"), "[storleksgranser]\nbesk = 900\n").unwrap();
        assert!(Config::load(None, dir.path()).is_err(), "a misspelt key is an error");
    }

    #[test]
    fn template_dir_must_lie_inside_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mallar")).unwrap();
        let write = |m: &str| std::fs::write(dir.path().join("reservpack.toml"), format!("mallkatalog = {m:?}\n")).unwrap();
        write("mallar");
        let c = Config::load(None, dir.path()).unwrap();
        assert_eq!(c.mallkatalog.unwrap(), std::fs::canonicalize(dir.path().join("mallar")).unwrap());
        for outside in ["..", "/tmp", "mallar/../.."] {
            write(outside);
            let e = Config::load(None, dir.path()).unwrap_err().to_string();
            assert!(e.contains("mallkatalog") && e.contains("utanför"), "{outside}: {e}");
        }
        std::os::unix::fs::symlink("/tmp", dir.path().join("lank")).unwrap();
        write("lank");
        assert!(Config::load(None, dir.path()).is_err(), "a link out of the folder");
    }

    #[test]
    fn a_config_that_is_a_fifo_or_a_link_outside_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("x.toml"), "").unwrap();
        std::os::unix::fs::symlink(other.path().join("x.toml"), dir.path().join("reservpack.toml")).unwrap();
        assert!(matches!(Config::load(None, dir.path()), Err(ConfigError::Refused { .. })));
        std::fs::remove_file(dir.path().join("reservpack.toml")).unwrap();
        let c = std::ffi::CString::new(dir.path().join("reservpack.toml").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(Config::load(None, dir.path()), Err(ConfigError::Refused { .. })));
    }
}

//! The web page's users: `out/.users.json` (0600, written atomically), managed by
//! `reservpack user add|remove|passwd`. Passwords are stored as argon2id hashes only; a
//! password lives in a [`Password`], which never prints.

use std::path::{Path, PathBuf};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use serde::{Deserialize, Serialize};

/// The users file, under `--out`.
pub const FILE: &str = ".users.json";

/// What a user may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything of their unit, restricted material (`begransad/`) included.
    Enhetschef,
    /// Their unit's general documents, read-only (and verifying sheets).
    Personal,
    /// Every unit.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "enhetschef" => Some(Role::Enhetschef),
            "personal" => Some(Role::Personal),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Enhetschef => "enhetschef",
            Role::Personal => "personal",
            Role::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The unit (`enhet_id`) of an enhetschef or a member of staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// argon2id, PHC string.
    pub hash: String,
}

/// A password: never printed, never logged.
pub struct Password(String);

impl Password {
    pub fn new(s: String) -> Password {
        Password(s)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: användarfilen kan inte läsas: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("användaren {0} finns redan")]
    Exists(String),
    #[error("användaren {0} finns inte")]
    Unknown(String),
    #[error("{0}")]
    Invalid(String),
}

/// Reads the users (none if the file is missing).
pub fn load(out: &Path) -> Result<Vec<User>, UserError> {
    let path = out.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| UserError::Parse { path, message: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(UserError::Io { path, source }),
    }
}

/// Writes the users atomically (a 0600 file beside it, then renamed over it).
pub fn save(out: &Path, users: &[User]) -> Result<(), UserError> {
    let path = out.join(FILE);
    let bytes = serde_json::to_vec_pretty(users).expect("users serialise");
    crate::web::atomic_write(&path, &bytes).map_err(|source| UserError::Io { path, source })
}

/// Hashes a password with argon2id and a fresh salt (slow on purpose: call off async threads).
pub fn hash(password: &Password) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.0.as_bytes(), &salt).expect("argon2 hashes").to_string()
}

/// Checks a password against a hash. For an unknown user, checks against a fixed dummy hash,
/// so the time taken tells nothing.
pub fn verify(password: &Password, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| self::hash(&Password::new("ingen användare".into())));
    let known = hash.is_some();
    let phc = hash.unwrap_or(DUMMY.as_str());
    let ok = PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.0.as_bytes(), &h).is_ok());
    ok && known
}

/// Checks what `reservpack user add` was given.
pub fn check_new(name: &str, role: Role, unit: Option<&str>, password: &Password) -> Result<(), UserError> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        return Err(UserError::Invalid("användarnamnet får bara innehålla bokstäver, siffror och . _ - @ (högst 64 tecken)".into()));
    }
    match (role, unit) {
        (Role::Admin, Some(_)) => return Err(UserError::Invalid("en admin hör inte till en enhet; ange inte --unit".into())),
        (Role::Enhetschef | Role::Personal, None) => return Err(UserError::Invalid(format!("rollen {} behöver --unit", role.name()))),
        _ => {}
    }
    if password.0.chars().count() < 10 {
        return Err(UserError::Invalid("lösenordet måste ha minst 10 tecken".into()));
    }
    Ok(())
}

/// Adds a user; `reservpack user add`.
pub fn add(out: &Path, name: &str, role: Role, unit: Option<&str>, password: &Password) -> Result<(), UserError> {
    check_new(name, role, unit, password)?;
    let mut users = load(out)?;
    if users.iter().any(|u| u.name == name) {
        return Err(UserError::Exists(name.into()));
    }
    users.push(User { name: name.into(), role, unit: unit.map(str::to_string), hash: hash(password) });
    save(out, &users)
}

/// Removes a user; `reservpack user remove`.
pub fn remove(out: &Path, name: &str) -> Result<(), UserError> {
    let mut users = load(out)?;
    let before = users.len();
    users.retain(|u| u.name != name);
    if users.len() == before {
        return Err(UserError::Unknown(name.into()));
    }
    save(out, &users)
}

/// Sets a new password; `reservpack user passwd`.
pub fn passwd(out: &Path, name: &str, password: &Password) -> Result<(), UserError> {
    let mut users = load(out)?;
    let user = users.iter_mut().find(|u| u.name == name).ok_or_else(|| UserError::Unknown(name.into()))?;
    if password.0.chars().count() < 10 {
        return Err(UserError::Invalid("lösenordet måste ha minst 10 tecken".into()));
    }
    user.hash = hash(password);
    save(out, &users)
}

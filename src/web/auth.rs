//! Who is asking: sessions (an HttpOnly, SameSite=Strict cookie; Secure behind TLS), the
//! CSRF token every form posts back, the role checks, login throttling, and the public
//! verify page's rate limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::Shared;
use super::users::{self, Password, Role};
use crate::plan::Audience;

pub const SESSION_COOKIE: &str = "rp_session";
pub const LOGIN_COOKIE: &str = "rp_login";
/// A session ends after this long without use.
const IDLE: Duration = Duration::from_secs(8 * 3600);

#[derive(Clone, Debug)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub unit: Option<String>,
    pub csrf: String,
    last: Instant,
}

pub struct Auth {
    out: PathBuf,
    sessions: Mutex<HashMap<String, Session>>,
    /// Failed logins per user name and per address: count and time of the last.
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    /// The public verify page's tokens per address.
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// A random token (session id, CSRF token): 32 bytes from the OS, hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    crate::plan::hex(&b)
}

impl Auth {
    pub fn new(out: &Path) -> Auth {
        Auth { out: out.to_path_buf(), sessions: Mutex::default(), failures: Mutex::default(), buckets: Mutex::default() }
    }

    pub fn no_users(&self) -> bool {
        users::load(&self.out).map(|u| u.is_empty()).unwrap_or(true)
    }

    /// How long to wait before answering a login for `name` from `ip`: nothing for the first
    /// three failures, then doubling from one second, at most 16 s.
    pub fn delay(&self, name: &str, ip: IpAddr) -> Duration {
        let f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let n = [name.to_string(), ip.to_string()].iter().filter_map(|k| f.get(k)).map(|(n, _)| *n).max().unwrap_or(0);
        if n < 3 { Duration::ZERO } else { Duration::from_secs(1 << (n - 3).min(4)) }
    }

    /// Checks a password (slow: argon2id; call on a blocking thread) and opens a session.
    /// The same work is done for an unknown user as for a wrong password.
    pub fn login(&self, name: &str, password: &Password, ip: IpAddr) -> Option<String> {
        let all = users::load(&self.out).unwrap_or_default();
        let user = all.iter().find(|u| u.name == name);
        let ok = users::verify(password, user.map(|u| u.hash.as_str()));
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if !ok {
            for key in [name.to_string(), ip.to_string()] {
                let e = failures.entry(key).or_insert((0, Instant::now()));
                *e = (e.0 + 1, Instant::now());
            }
            return None;
        }
        failures.remove(name);
        failures.remove(&ip.to_string());
        let user = user?;
        let id = token();
        let session = Session { user: user.name.clone(), role: user.role, unit: user.unit.clone(), csrf: token(), last: Instant::now() };
        self.sessions.lock().unwrap_or_else(|e| e.into_inner()).insert(id.clone(), session);
        Some(id)
    }

    pub fn logout(&self, id: &str) {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }

    /// The session of a cookie value, if it is live (and the user still exists as it was).
    fn session(&self, id: &str) -> Option<Session> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let s = sessions.get_mut(id)?;
        if s.last.elapsed() > IDLE {
            sessions.remove(id);
            return None;
        }
        s.last = Instant::now();
        Some(s.clone())
    }

    /// Takes one token from `ip`'s bucket (10 at most, one back every 6 s).
    pub fn allow_public(&self, ip: IpAddr) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (tokens, last) = buckets.entry(ip).or_insert((10.0, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() / 6.0).min(10.0);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure when the request came
/// over TLS (a reverse proxy's `X-Forwarded-Proto: https`). `max_age` 0 deletes it.
pub fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Option<u64>) -> String {
    let secure = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The logged-in user of a request. A route that takes a `Viewer` answers 303 to the login
/// page without one.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub name: String,
    pub role: Role,
    pub unit: Option<String>,
    pub csrf: String,
    pub session: String,
}

impl Viewer {
    /// Whether the user may see the unit at all.
    pub fn sees_unit(&self, unit: &str) -> bool {
        self.role == Role::Admin || self.unit.as_deref() == Some(unit)
    }

    /// Whether the user may see material of `audience` in `unit`: restricted material only
    /// that unit's enhetschef (and an admin).
    pub fn sees(&self, unit: &str, audience: Audience) -> bool {
        self.sees_unit(unit) && (audience == Audience::Personal || self.role != Role::Personal)
    }

    /// Whether the user may change things in the unit (regenerate, mark sheets shredded).
    pub fn manages(&self, unit: &str) -> bool {
        self.sees_unit(unit) && self.role != Role::Personal
    }

    /// Refuses a form whose CSRF token is not the session's (the 403 to answer with).
    pub fn check_csrf(&self, sent: &str) -> Result<(), Box<Response>> {
        if !sent.is_empty() && constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(Box::new(
                (StatusCode::FORBIDDEN, "Formuläret har gått ut eller kom inte från den här sidan. Ladda om sidan och försök igen.")
                    .into_response(),
            ))
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<Shared> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Viewer, Response> {
        let id = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| Redirect::to("/logga-in").into_response())?;
        let s = app.auth.session(id).ok_or_else(|| Redirect::to("/logga-in").into_response())?;
        Ok(Viewer { name: s.user, role: s.role, unit: s.unit, csrf: s.csrf, session: id.to_string() })
    }
}

/// 403 with a Swedish text.
pub fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "Du har inte behörighet till den här sidan.").into_response()
}

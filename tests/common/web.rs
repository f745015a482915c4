//! Helpers for the web tests: a demo pack with users, `reservpack serve` on a free port,
//! and a minimal HTTP/1.1 client (one request per connection).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use super::{bin, demo_copy, generate, text};

pub const CHIEF: (&str, &str) = ("anna", "anna-losenord-1");
pub const STAFF: (&str, &str) = ("per", "per-losenord-12");
pub const ADMIN: (&str, &str) = ("admin", "admin-losenord-1");
pub const UNIT: &str = "HT-NORR";
pub const OTHER_UNIT: &str = "VB-LINDEN";

/// A demo pack (input copy, published out dir) with an enhetschef and a member of staff of
/// `UNIT`, and an admin.
pub struct Pack {
    pub input: tempfile::TempDir,
    pub out: tempfile::TempDir,
}

pub fn add_user(out: &Path, name: &str, password: &str, role: &str, unit: Option<&str>) {
    let mut cmd = bin();
    cmd.args(["user", "add", name, "--role", role, "--out", out.to_str().unwrap()]);
    if let Some(u) = unit {
        cmd.args(["--unit", u]);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "user add: {}", text(&o));
}

pub fn pack() -> Pack {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    let o = generate(input.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    add_user(out.path(), CHIEF.0, CHIEF.1, "enhetschef", Some(UNIT));
    add_user(out.path(), STAFF.0, STAFF.1, "personal", Some(UNIT));
    add_user(out.path(), ADMIN.0, ADMIN.1, "admin", None);
    Pack { input, out }
}

/// A running `reservpack serve`; killed on drop. Its stderr (the access log) goes to a file.
pub struct Server {
    child: Child,
    pub addr: String,
    pub log: PathBuf,
    _logdir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(input: &Path, out: &Path) -> Server {
        let logdir = tempfile::tempdir().unwrap();
        let log = logdir.path().join("serve.log");
        let mut child = bin()
            .args(["serve", "--out", out.to_str().unwrap(), "--input", input.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("serve prints its address").unwrap();
            if let Some(rest) = line.strip_prefix("Lyssnar på http://") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        // Keep reading stdout so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr, log, _logdir: logdir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends one request; returns the response.
    pub fn request(&self, method: &str, path: &str, cookie: Option<&str>, headers: &[(&str, &str)], body: Option<&str>) -> Response {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(c) = cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", b.len()));
        }
        req.push_str("\r\n");
        if let Some(b) = body {
            req.push_str(b);
        }
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        Response::parse(&raw)
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        self.request("GET", path, cookie, &[], None)
    }

    pub fn post(&self, path: &str, cookie: Option<&str>, body: &str) -> Response {
        self.request("POST", path, cookie, &[], Some(body))
    }

    /// Logs in; returns the session cookie (`rp_session=…`).
    pub fn login(&self, (name, password): (&str, &str)) -> String {
        let page = self.get("/logga-in", None);
        let login_cookie = page.cookie("rp_login").expect("the login page sets its CSRF cookie");
        let csrf = page.field("csrf").expect("the login form has a CSRF token");
        let r = self.post("/logga-in", Some(&login_cookie), &format!("csrf={csrf}&name={name}&password={password}"));
        assert_eq!(r.status, 303, "login as {name}: {}", r.body_text());
        r.cookie("rp_session").expect("a session cookie")
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> =
            lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))).collect();
        let mut body = raw[split + 4..].to_vec();
        if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
            body = dechunk(&body);
        }
        Response { status, headers, body }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `name=value` of a Set-Cookie header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookie(name).map(|c| c.split(';').next().unwrap().to_string())
    }

    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers.iter().filter(|(k, _)| k == "set-cookie").map(|(_, v)| v.as_str()).find(|v| v.starts_with(&format!("{name}=")))
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of a hidden form field.
    pub fn field(&self, name: &str) -> Option<String> {
        let body = self.body_text();
        let marker = format!("name=\"{name}\" value=\"");
        let start = body.find(&marker)? + marker.len();
        Some(body[start..].split('"').next()?.to_string())
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&b[..end]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + size]);
        b = &b[end + 2 + size + 2..];
    }
    out
}

/// Unescapes the few entities minijinja writes in attributes (`&#x2f;` etc.).
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&amp;", "&").replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

/// The hrefs in a page that start with `prefix`.
pub fn links(body: &str, prefix: &str) -> Vec<String> {
    body.split("href=\"").skip(1).filter_map(|s| s.split('"').next()).map(unescape).filter(|h| h.starts_with(prefix)).collect()
}

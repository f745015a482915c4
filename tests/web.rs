//! `reservpack serve` over HTTP, as a browser would use it: login, roles, restricted
//! material, path traversal, CSRF, the public verify page, and the access log.

mod common;

use common::web::{ADMIN, CHIEF, OTHER_UNIT, STAFF, Server, UNIT, links, pack};

/// The published manifest's documents and the hidden register's printed subjects.
fn published(out: &std::path::Path) -> (Vec<serde_json::Value>, Vec<String>) {
    let docs = common::documents(out);
    let register: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(out.join(".packs/current/.register.json")).unwrap()).unwrap();
    (docs, register.into_values().filter(|s| s.len() > 3).collect())
}

#[test]
fn starts_without_users_and_the_login_page_says_how_to_add_the_first() {
    let input = common::demo_copy();
    let out = tempfile::tempdir().unwrap();
    let server = Server::start(input.path(), out.path());
    let r = server.get("/", None);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/logga-in"));
    let page = server.get("/logga-in", None);
    assert_eq!(page.status, 200);
    let body = page.body_text();
    assert!(body.contains("Det finns ingen användare ännu"), "{body}");
    assert!(body.contains("reservpack user add"), "{body}");
    assert!(body.contains("lang=\"sv\""));
}

#[test]
fn roles_see_their_unit_and_staff_never_restricted_material() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    let (docs, _) = published(p.out.path());
    let general = docs.iter().find(|d| d["unit"] == UNIT && d["audience"] == "personal").unwrap()["path"].as_str().unwrap().to_string();
    let restricted =
        docs.iter().find(|d| d["unit"] == UNIT && d["audience"] == "enhetschef").unwrap()["path"].as_str().unwrap().to_string();
    let other = docs.iter().find(|d| d["unit"] == OTHER_UNIT && d["audience"] == "personal").unwrap()["path"].as_str().unwrap().to_string();

    let staff = server.login(STAFF);
    assert_eq!(server.get(&format!("/enhet/{UNIT}"), Some(&staff)).status, 200);
    let pdf = server.get(&format!("/fil/{general}"), Some(&staff));
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with(b"%PDF"));
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert_eq!(server.get(&format!("/fil/{restricted}"), Some(&staff)).status, 403, "staff never get a restricted document");
    assert_eq!(server.get(&format!("/fil/{other}"), Some(&staff)).status, 403, "nor another unit's");
    for page in ["", "/personer", "/gallring", "/egenkontroll"] {
        assert_eq!(server.get(&format!("/enhet/{OTHER_UNIT}{page}"), Some(&staff)).status, 403, "{page}");
    }
    // Staff pages never link to restricted material, and staff cannot regenerate.
    let unit_page = server.get(&format!("/enhet/{UNIT}"), Some(&staff)).body_text();
    assert!(!unit_page.contains("begransad"), "{unit_page}");
    let persons = server.get(&format!("/enhet/{UNIT}/personer"), Some(&staff)).body_text();
    let person = links(&persons, &format!("/enhet/{UNIT}/person/"))[0].clone();
    let person_page = server.get(&person, Some(&staff));
    assert!(!person_page.body_text().contains("Skapa om pärmen"));
    let csrf = person_page.field("csrf").unwrap();
    assert_eq!(server.post(&format!("{person}/skapa-om"), Some(&staff), &format!("csrf={csrf}")).status, 403);

    let chief = server.login(CHIEF);
    assert_eq!(server.get(&format!("/fil/{restricted}"), Some(&chief)).status, 200, "the enhetschef gets the restricted document");
    assert_eq!(server.get(&format!("/fil/{other}"), Some(&chief)).status, 403);
    assert_eq!(server.get(&format!("/enhet/{OTHER_UNIT}"), Some(&chief)).status, 403);
    let chief_unit = server.get(&format!("/enhet/{UNIT}"), Some(&chief)).body_text();
    assert!(chief_unit.contains("begränsad"), "{chief_unit}");

    // The USB copy (issue 17) as a zip: the enhetschef's only; restricted material only when
    // asked for, in its own folder.
    assert!(!unit_page.contains("usb.zip"), "staff get no USB copy link");
    assert_eq!(server.get(&format!("/enhet/{UNIT}/usb.zip"), Some(&staff)).status, 403);
    assert_eq!(server.get(&format!("/enhet/{OTHER_UNIT}/usb.zip"), Some(&chief)).status, 403);
    assert!(chief_unit.contains("usb.zip"), "{chief_unit}");
    let zip = server.get(&format!("/enhet/{UNIT}/usb.zip"), Some(&chief));
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(zip.body.starts_with(b"PK"));
    let names = zip_names(&zip.body);
    assert!(names.iter().any(|n| n.ends_with("/index.html")) && names.iter().any(|n| n.ends_with("/SHA256SUMS")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("BEGRÄNSAD")), "{names:?}");
    let with = zip_names(&server.get(&format!("/enhet/{UNIT}/usb.zip?begransad=1"), Some(&chief)).body);
    assert!(with.iter().any(|n| n.contains("BEGRÄNSAD")), "{with:?}");

    let admin = server.login(ADMIN);
    assert_eq!(server.get(&format!("/fil/{other}"), Some(&admin)).status, 200);
    assert_eq!(server.get(&format!("/fil/{restricted}"), Some(&admin)).status, 200);
    let home = server.get("/", Some(&admin)).body_text();
    assert!(home.contains(OTHER_UNIT) && home.contains(UNIT), "{home}");

    // Without a session: to the login page.
    let anon = server.get(&format!("/fil/{general}"), None);
    assert_eq!(anon.status, 303);
}

#[test]
fn download_paths_outside_the_packs_indexes_are_refused() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    let admin = server.login(ADMIN);
    for path in [
        "/fil/.users.json",
        "/fil/../.users.json",
        "/fil/%2e%2e/.users.json",
        "/fil/HT-NORR/../.users.json",
        "/fil/HT-NORR/%2e%2e/%2e%2e/etc/passwd",
        "/fil//etc/passwd",
        "/fil/%2fetc%2fpasswd",
        "/fil/manifest.json",
        "/fil/.packs/id_nyckel",
        "/fil/HT-NORR/gallringslista.csv",
    ] {
        let r = server.get(path, Some(&admin));
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.body_text().contains("argon2"), "{path}");
    }
}

#[test]
fn every_post_needs_the_sessions_csrf_token_and_cookies_are_strict() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    // The login form too (double-submit cookie).
    let r = server.post("/logga-in", None, &format!("name={}&password={}", CHIEF.0, CHIEF.1));
    assert_eq!(r.status, 403);
    let page = server.get("/logga-in", Some("x=y"));
    assert!(page.set_cookie("rp_login").unwrap().contains("HttpOnly"));
    let chief = server.login(CHIEF);
    let persons = server.get(&format!("/enhet/{UNIT}/personer"), Some(&chief)).body_text();
    let person = links(&persons, &format!("/enhet/{UNIT}/person/"))[0].clone();
    for (path, body) in [
        (format!("{person}/skapa-om"), String::new()),
        (format!("{person}/skapa-om"), "csrf=fel".to_string()),
        (format!("/enhet/{UNIT}/gallring"), "blad=personal:X:12345678".to_string()),
        ("/logga-ut".to_string(), String::new()),
    ] {
        assert_eq!(server.post(&path, Some(&chief), &body).status, 403, "{path} {body}");
    }
    // Still logged in: the refused logout did nothing.
    assert_eq!(server.get(&format!("/enhet/{UNIT}"), Some(&chief)).status, 200);

    // The session cookie: HttpOnly, SameSite=Strict; Secure behind a TLS proxy.
    let page = server.request("GET", "/logga-in", None, &[("X-Forwarded-Proto", "https")], None);
    let login_cookie = page.cookie("rp_login").unwrap();
    let csrf = page.field("csrf").unwrap();
    let r = server.request(
        "POST",
        "/logga-in",
        Some(&login_cookie),
        &[("X-Forwarded-Proto", "https")],
        Some(&format!("csrf={csrf}&name={}&password={}", CHIEF.0, CHIEF.1)),
    );
    let set = r.set_cookie("rp_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(set.contains(flag), "{set}");
    }
}

#[test]
fn wrong_passwords_are_refused_and_slowed_down() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    let attempt = |password: &str| {
        let page = server.get("/logga-in", None);
        let cookie = page.cookie("rp_login").unwrap();
        let csrf = page.field("csrf").unwrap();
        let t = std::time::Instant::now();
        let r = server.post("/logga-in", Some(&cookie), &format!("csrf={csrf}&name={}&password={password}", CHIEF.0));
        (r.status, t.elapsed())
    };
    for _ in 0..3 {
        assert_eq!(attempt("fel-losenord").0, 401);
    }
    let (status, took) = attempt("fel-losenord");
    assert_eq!(status, 401);
    assert!(took >= std::time::Duration::from_millis(900), "the fourth wrong password waits: {took:?}");
    // An unknown user is answered like a wrong password.
    let page = server.get("/logga-in", None);
    let r = server.post(
        "/logga-in",
        Some(&page.cookie("rp_login").unwrap()),
        &format!("csrf={}&name=ingen&password=x", page.field("csrf").unwrap()),
    );
    assert_eq!(r.status, 401);
    assert!(r.body_text().contains("Fel användarnamn eller lösenord"));
}

#[test]
fn public_verify_names_no_one_and_is_rate_limited() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    let (docs, subjects) = published(p.out.path());
    let d = docs.iter().find(|d| d["kind"] == "genomforandeplan").unwrap();
    let (id, version) = (d["id"].as_str().unwrap(), &d["version"].as_str().unwrap()[..8]);
    let r = server.get(&format!("/v/{id}/{version}"), None);
    assert_eq!(r.status, 200);
    let body = r.body_text();
    assert!(body.contains("Aktuell"), "{body}");
    assert!(body.contains(id));
    // The kind in words, not the manifest's code.
    assert!(body.contains("typ Genomförandeplan") && !body.contains("genomforandeplan"), "{body}");
    for s in &subjects {
        assert!(!body.contains(s.as_str()), "the public page names no one");
    }
    assert!(server.get("/v/GP-0000000000/00000000", None).body_text().contains("Okänt blad"));
    // The logged-in form takes the QR code's text pasted into the id field (issue 16).
    let staff = server.login(STAFF);
    for pasted in [format!("reservpack:{id}:{version}"), format!("https://annan.exempel.se/v/{id}/{version}")] {
        let q: String = pasted
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        let body = server.get(&format!("/verifiera?id={q}&version="), Some(&staff)).body_text();
        assert!(body.contains("Aktuell") && body.contains(id), "{pasted}: {body}");
    }
    let mut limited = false;
    for _ in 0..20 {
        if server.get(&format!("/v/{id}/{version}"), None).status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the public verify page is rate-limited");
}

#[test]
fn the_access_log_names_no_person_and_no_document_title() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    let (docs, subjects) = published(p.out.path());
    let chief = server.login(CHIEF);
    let persons = server.get(&format!("/enhet/{UNIT}/personer"), Some(&chief)).body_text();
    let first = subjects.iter().find(|s| persons.contains(s.as_str())).expect("the list shows printed subjects").clone();
    // A search for a name, every person's page, every document.
    let q: String = first.split(' ').next().unwrap().to_string();
    let found = server.get(&format!("/enhet/{UNIT}/personer?q={}", q.replace(' ', "+")), Some(&chief));
    assert!(found.body_text().contains(&first));
    for person in links(&persons, &format!("/enhet/{UNIT}/person/")) {
        let page = server.get(&person, Some(&chief)).body_text();
        for pdf in links(&page, "/fil/").into_iter().take(1) {
            assert_eq!(server.get(&pdf, Some(&chief)).status, 200);
        }
    }
    for page in ["/gallring", "/egenkontroll", ""] {
        assert_eq!(server.get(&format!("/enhet/{UNIT}{page}"), Some(&chief)).status, 200);
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.log();
    assert!(log.contains("GET /enhet/{unit}/person/{key} 200"), "{log}");
    for s in &subjects {
        for word in s.split(' ').filter(|w| w.len() > 3) {
            assert!(!log.contains(word), "the access log names {word}: {log}");
        }
    }
    for d in &docs {
        let label = d["label"].as_str().unwrap_or("");
        assert!(label.is_empty() || !log.contains(label), "the access log names a document title: {label}");
    }
}

#[test]
fn a_regeneration_while_another_run_holds_the_lock_says_so_and_changes_nothing() {
    let p = pack();
    let server = Server::start(p.input.path(), p.out.path());
    let chief = server.login(CHIEF);
    let persons = server.get(&format!("/enhet/{UNIT}/personer"), Some(&chief)).body_text();
    let person = links(&persons, &format!("/enhet/{UNIT}/person/"))[0].clone();
    let csrf = server.get(&person, Some(&chief)).field("csrf").unwrap();
    let manifest = std::fs::read(p.out.path().join("manifest.json")).unwrap();
    // The nightly run holds the output directory.
    let lock = reservpack::publish::Publisher::lock_as(p.out.path(), "reservpack generate").unwrap();
    let r = server.post(&format!("{person}/skapa-om"), Some(&chief), &format!("csrf={csrf}"));
    assert_eq!(r.status, 303);
    let run = r.header("location").unwrap().to_string();
    let started = std::time::Instant::now();
    let page = loop {
        let status = server.get(&format!("{run}/status"), Some(&chief)).body_text();
        if status.contains("\"finished\":true") {
            break server.get(&run, Some(&chief)).body_text();
        }
        assert!(started.elapsed().as_secs() < 60, "the run ends");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(page.contains("En körning pågår – försök igen om en stund"), "{page}");
    assert_eq!(std::fs::read(p.out.path().join("manifest.json")).unwrap(), manifest);
    drop(lock);
    // Another user cannot read this run's page.
    let staff = server.login(STAFF);
    assert_eq!(server.get(&run, Some(&staff)).status, 404);
}

/// The entry names of a zip archive, read from its central directory by `unzip -Z1`.
fn zip_names(bytes: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kopia.zip");
    std::fs::write(&path, bytes).unwrap();
    let o = std::process::Command::new("python3")
        .args(["-c", "import sys,zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))"])
        .arg(&path)
        .output()
        .expect("python3 reads the zip");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
}

#[test]
fn the_enhetschef_builds_the_whole_batch_the_nightly_run_left_out() {
    let p = pack();
    // The next night: a run builds the changes only (issue 18).
    let next = ["--date", "2026-11-25"];
    let o =
        common::run(&["generate", "--input", p.input.path().to_str().unwrap(), "--out", p.out.path().to_str().unwrap(), next[0], next[1]]);
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    let full = |unit: &str| common::print_rows(p.out.path()).into_iter().filter(|r| r.0.contains("/full-") && r.1 == unit).count();
    assert_eq!(full(UNIT), 0, "the nightly run builds no full batch");
    let server = Server::start(p.input.path(), p.out.path());

    // Staff read that it is built when asked for, and cannot build it.
    let staff = server.login(STAFF);
    let page = server.get(&format!("/enhet/{UNIT}"), Some(&staff));
    assert!(page.body_text().contains("skapas när den behövs") && !page.body_text().contains("Skapa hela pärmen"), "{}", page.body_text());
    let csrf = page.field("csrf").unwrap_or_default();
    assert_eq!(server.post(&format!("/enhet/{UNIT}/hela-bunten"), Some(&staff), &format!("csrf={csrf}")).status, 403);

    // The enhetschef builds it: not without the form's token, then with it.
    let chief = server.login(CHIEF);
    let page = server.get(&format!("/enhet/{UNIT}"), Some(&chief));
    assert!(page.body_text().contains("Skapa hela pärmen för utskrift"), "{}", page.body_text());
    let csrf = page.field("csrf").unwrap();
    assert_ne!(server.post(&format!("/enhet/{UNIT}/hela-bunten"), Some(&chief), "csrf=fel").status, 303);
    assert_eq!(full(UNIT), 0);
    let r = server.post(&format!("/enhet/{UNIT}/hela-bunten"), Some(&chief), &format!("csrf={csrf}"));
    assert_eq!(r.status, 303, "{}", r.body_text());
    assert_eq!(full(UNIT), 2, "the staff's and the enhetschef's full batch of {UNIT}");
    assert_eq!(full(OTHER_UNIT), 0, "only her unit's");
    let page = server.get(&format!("/enhet/{UNIT}"), Some(&chief)).body_text();
    assert!(page.contains("Hela pärmen, 2026-11-25") && !page.contains("Skapa hela pärmen"), "{page}");
    let link = links(&page, "/fil/").into_iter().find(|l| l.contains("/full-2026-11-25.pdf") && !l.contains("begransad")).unwrap();
    let pdf = server.get(&link, Some(&chief));
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with(b"%PDF"));
}

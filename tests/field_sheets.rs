//! Issue 16, the field sheets: nyckellista, larmlista (general and the enhetschef's),
//! signaturlista, signeringslista, varningar, boendelista — read back from the demo pack's
//! PDFs; a signeringslista that stays the same from one night to the next and through a
//! person's run; a changed warning that renews only its sheets and lands on the shred list.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

const NEXT_DAY: &str = "2026-11-25";
const NEW_KINDS: [&str; 6] = ["nyckellista", "larmlista", "signaturlista", "signeringslista", "varningar", "boendelista"];

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn docs_of<'a>(docs: &'a [serde_json::Value], kind: &str, unit: &str, audience: &str) -> Vec<&'a serde_json::Value> {
    docs.iter().filter(|d| d["kind"] == kind && d["unit"] == unit && d["audience"] == audience).collect()
}

fn text_of(out: &Path, d: &serde_json::Value) -> String {
    flat(&raw_text(&out.join(d["path"].as_str().unwrap())))
}

/// The one sheet of `kind` in `unit` for `audience`, as text.
fn sheet(out: &Path, kind: &str, unit: &str, audience: &str) -> String {
    let docs = documents(out);
    let d = docs_of(&docs, kind, unit, audience);
    assert_eq!(d.len(), 1, "one {audience} {kind} in {unit}");
    text_of(out, d[0])
}

/// The demo's protected alarm client without a fictive name (lokalt skydd): printed as
/// `Ärende …`; with real phone and name from personer.csv.
struct Client {
    printed: String,
    real_name: String,
    phone: String,
}

fn protected_alarm_client(input: &Path) -> Client {
    let alarm: Vec<String> = read_json(&input.join("uppdrag.json"))
        .iter()
        .filter(|a| a["typ"] == "larm")
        .map(|a| a["person_id"].as_str().unwrap().to_string())
        .collect();
    let persons = read_csv(&input.join("personer.csv"));
    let p = persons
        .iter()
        .find(|p| p["skydd"] != "ingen" && alarm.contains(&p["person_id"]) && !p["telefon"].is_empty())
        .expect("the demo has a protected alarm client with a phone");
    let printed = if p["fiktivt_namn"].is_empty() { format!("Ärende {}", p["arendenummer"]) } else { p["fiktivt_namn"].clone() };
    Client { printed, real_name: format!("{} {}", p["fornamn"], p["efternamn"]), phone: p["telefon"].clone() }
}

#[test]
fn the_demo_pack_holds_every_field_sheet_with_its_content() {
    let input = demo_input();
    let out = tempfile::tempdir().unwrap();
    let o = generate(&input, out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let docs = documents(out.path());
    for kind in NEW_KINDS {
        assert!(docs.iter().any(|d| d["kind"] == kind), "the demo pack holds a {kind}");
    }
    // Unit sheets where they belong: the care home has a boendelista, home care none.
    assert_eq!(docs_of(&docs, "boendelista", "VB-LINDEN", "personal").len(), 1);
    assert!(docs_of(&docs, "boendelista", "HT-NORR", "personal").is_empty());

    // Larmlista: the protected client is called by the enhetschef; only the restricted list,
    // under begransad/, has the real name and number.
    let c = protected_alarm_client(&input);
    let larm = sheet(out.path(), "larmlista", "HT-NORR", "personal");
    assert!(larm.contains("Larmlista – ring alla larmkunder") && larm.contains("Ringt kl.") && larm.contains("Svar"), "{larm}");
    assert!(larm.contains(&format!("{} ringas av enhetschefen se fiktiv akt", c.printed)), "{larm}");
    assert!(!larm.contains(&c.phone) && !larm.contains(&c.real_name), "the general larmlista has no real number or name");
    let restricted = docs_of(&docs, "larmlista", "HT-NORR", "enhetschef");
    assert_eq!(restricted.len(), 1);
    assert!(restricted[0]["path"].as_str().unwrap().starts_with("HT-NORR/begransad/larmlista/"));
    let real = text_of(out.path(), restricted[0]);
    assert!(real.contains(&c.real_name) && real.contains(&c.phone) && real.contains(&c.printed), "{real}");
    assert!(real.contains("SKYDDADE PERSONUPPGIFTER"));
    // An unprotected alarm client's own phone stands on the general list.
    let persons = read_csv(&input.join("personer.csv"));
    let alarm: Vec<String> = read_json(&input.join("uppdrag.json"))
        .iter()
        .filter(|a| a["typ"] == "larm")
        .map(|a| a["person_id"].as_str().unwrap().to_string())
        .collect();
    let plain = persons.iter().find(|p| p["skydd"] == "ingen" && alarm.contains(&p["person_id"]) && !p["telefon"].is_empty()).unwrap();
    assert!(larm.contains(&format!("{} {} {}", plain["fornamn"], plain["efternamn"], plain["telefon"])), "{larm}");

    // Nyckellista: every key number of the visits, with whose home and where it is kept.
    let keys = sheet(out.path(), "nyckellista", "HT-NORR", "personal");
    let visits = read_csv(&input.join("besok.csv"));
    let by_id: HashMap<&str, &HashMap<String, String>> = persons.iter().map(|p| (p["person_id"].as_str(), p)).collect();
    for v in visits.iter().filter(|v| !v["nyckelnummer"].is_empty()) {
        let p = by_id[v["person_id"].as_str()];
        let who = if p["skydd"] == "ingen" {
            format!("{} {}", p["fornamn"], p["efternamn"])
        } else if p["fiktivt_namn"].is_empty() {
            format!("Ärende {}", p["arendenummer"])
        } else {
            p["fiktivt_namn"].clone()
        };
        assert!(keys.contains(&format!("{} {who}", v["nyckelnummer"])), "key {} of {who} listed", v["nyckelnummer"]);
        if p["skydd"] != "ingen" {
            assert!(keys.contains(&format!("{} {who} se fiktiv akt {}", v["nyckelnummer"], p["nyckelplats"])), "{keys}");
        }
    }

    // Signaturlista: every signature of the unit's staff with name and role.
    let sigs = sheet(out.path(), "signaturlista", "HT-NORR", "personal");
    for e in read_csv(&input.join("personal.csv")).iter().filter(|e| e["enhet"] == "HT-NORR") {
        assert!(sigs.contains(&format!("{} {} {} {}", e["signatur"], e["fornamn"], e["efternamn"], e["roll"])), "{}", e["signatur"]);
    }

    // Varningar: everyone with a warning, protected persons by printed identity; the
    // personkort carries the person's own warnings.
    let warnings = sheet(out.path(), "varningar", "HT-NORR", "personal");
    for p in persons.iter().filter(|p| p["enhet"] == "HT-NORR" && !p["varningar"].is_empty()) {
        let who = if p["skydd"] == "ingen" { format!("{} {}", p["fornamn"], p["efternamn"]) } else { p["fiktivt_namn"].clone() };
        let first = p["varningar"].split(" – ").next().unwrap();
        assert!(warnings.contains(&format!("{who} {first}")), "{who}: {warnings}");
    }
    assert!(persons.iter().any(|p| p["skydd"] != "ingen" && !p["varningar"].is_empty()), "a protected person has a warning");
    let cards = docs.iter().filter(|d| d["kind"] == "personkort").map(|d| text_of(out.path(), d)).collect::<Vec<_>>().join("\n");
    assert!(cards.matches("Varningar, allergier, smitta:").count() >= persons.iter().filter(|p| !p["varningar"].is_empty()).count());

    // Boendelista: residents by room, relatives to call, the protected resident without
    // room or relatives.
    let homes = sheet(out.path(), "boendelista", "VB-LINDEN", "personal");
    let residents: Vec<_> = persons.iter().filter(|p| p["enhet"] == "VB-LINDEN").collect();
    let mut rooms: Vec<(u32, String)> = residents
        .iter()
        .filter(|p| p["skydd"] == "ingen")
        .map(|p| (p["rum"].parse().unwrap(), format!("{} {} {}", p["rum"], p["fornamn"], p["efternamn"])))
        .collect();
    rooms.sort();
    let at: Vec<usize> = rooms.iter().map(|(_, r)| homes.find(r.as_str()).unwrap_or_else(|| panic!("{r} in {homes}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "residents in room order");
    let hidden = residents.iter().find(|p| p["skydd"] != "ingen").unwrap();
    assert!(homes.contains(&format!("se fiktiv akt {} Kontakta enhetschefen.", hidden["fiktivt_namn"])), "{homes}");
    assert!(!homes.contains(&hidden["rum"].to_string()) || rooms.iter().any(|(_, r)| r.starts_with(&hidden["rum"])));

    // Signeringslista: rows of time and delegated task, 14 blank date columns, "ej given".
    let signing: Vec<_> = docs.iter().filter(|d| d["kind"] == "signeringslista").collect();
    let delegated: std::collections::BTreeSet<&str> =
        visits.iter().filter(|v| v["insatser"].contains("Läkemedelsöverlämning")).map(|v| v["person_id"].as_str()).collect();
    assert_eq!(signing.len(), delegated.len(), "one signeringslista per person with a delegated task");
    for d in &signing {
        assert!(d.get("date").is_none_or(|x| x.is_null()), "not dated");
        let page = &pages(&out.path().join(d["path"].as_str().unwrap()))[0];
        // Each date column's head says "datum" (the instructions above say it once more).
        assert_eq!(page.matches("datum").count() - page.matches("Skriv datum").count(), 14, "14 date columns: {page}");
        let t = flat(page);
        assert!(t.contains("Ej given – orsak") && t.contains("Signeringslista – delegerade insatser"), "{t}");
        assert!(t.contains("Läkemedelsöverlämning"), "{t}");
    }
    let name_of = |id: &str| {
        let p = by_id[id];
        if p["skydd"] == "ingen" {
            format!("{} {}", p["fornamn"], p["efternamn"])
        } else if p["fiktivt_namn"].is_empty() {
            format!("Ärende {}", p["arendenummer"])
        } else {
            p["fiktivt_namn"].clone()
        }
    };
    let someone = delegated.iter().next().unwrap();
    // (The manifest names no one: find their sheet by its text.)
    let t =
        signing.iter().map(|d| text_of(out.path(), d)).find(|t| t.contains(&format!("Namn {}", name_of(someone)))).expect("their sheet");
    let mut times: Vec<&str> = visits
        .iter()
        .filter(|v| v["person_id"] == *someone && v["insatser"].contains("Läkemedelsöverlämning"))
        .map(|v| v["start"].as_str())
        .collect();
    times.sort_unstable();
    times.dedup();
    for time in times {
        assert!(t.contains(&format!("{time} Läkemedelsöverlämning")), "{time} in {t}");
    }

    // Egenkontroll lists each new sheet; the print batch files them.
    let check = sheet(out.path(), "egenkontroll", "HT-NORR", "personal");
    for label in ["Nyckellista", "Larmlista", "Signaturlista", "Signeringslista delegerade insatser", "Varningar och allergier"] {
        assert!(check.contains(label), "{label} on the egenkontroll");
    }
    assert!(!check.contains("skyddade personuppgifter"), "the general egenkontroll never mentions the restricted larmlista");
    let restricted_check = sheet(out.path(), "egenkontroll", "HT-NORR", "enhetschef");
    assert!(restricted_check.contains("Larmlista skyddade personuppgifter"), "{restricted_check}");
}

/// The sheets' versions by id.
fn versions(out: &Path) -> HashMap<String, (String, String, String)> {
    documents(out)
        .iter()
        .filter(|d| NEW_KINDS.contains(&d["kind"].as_str().unwrap()))
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_string();
            (s("id"), (s("kind"), s("version"), s("printed")))
        })
        .collect()
}

#[test]
fn field_sheets_stay_the_same_next_night_and_through_a_persons_run() {
    let (input, out) = first_run_on_a_copy_of_the_demo();
    let first = versions(out.path());
    assert!(first.values().filter(|(k, _, _)| k == "signeringslista").count() >= 5);

    // The next night, same export: not one field sheet is rendered again (the print date
    // stays the first night's).
    let next = run(&["generate", "--input", input.path().to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--date", NEXT_DAY]);
    assert_eq!(next.status.code(), Some(0), "{}", text(&next));
    assert_eq!(versions(out.path()), first, "no field sheet changed or was reprinted on the second night");

    // A person's run (it reads no visits) keeps their signeringslista as published.
    let persons = read_csv(&input.path().join("personer.csv"));
    let visits = read_csv(&input.path().join("besok.csv"));
    let someone = visits.iter().find(|v| v["insatser"].contains("Läkemedelsöverlämning")).unwrap()["person_id"].clone();
    assert!(persons.iter().any(|p| p["person_id"] == someone));
    let o = generate_on(input.path(), out.path(), NEXT_DAY, &["--person", &someone]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(versions(out.path()), first, "a person's run neither drops nor changes a signeringslista");

    // A new time for a delegated task changes that person's signeringslista only.
    let mut table = Table::read(&input.path().join("besok.csv"));
    let row = table.rows.iter().position(|r| r[4] == someone && r[5].contains("Läkemedelsöverlämning")).unwrap();
    table.rows[row][1] = "06:05".into();
    table.write(&input.path().join("besok.csv"));
    let o = run(&["generate", "--input", input.path().to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--date", NEXT_DAY]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let after = versions(out.path());
    let changed: Vec<&String> = after.keys().filter(|id| after[*id].1 != first[*id].1).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(after[changed[0]].0, "signeringslista");
}

#[test]
fn a_changed_warning_renews_its_sheets_and_verify_says_ersatt() {
    let (input, out) = first_run_on_a_copy_of_the_demo();
    let before = versions(out.path());
    let unit = "HT-NORR".to_string();
    let docs = documents(out.path());
    let sheet_id = docs_of(&docs, "varningar", &unit, "personal")[0]["id"].as_str().unwrap().to_string();
    let old = before[&sheet_id].1.clone();
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), &sheet_id, &old[..8]]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    assert!(text(&v).contains("AKTUELL"), "{}", text(&v));

    let mut persons = Table::read(&input.path().join("personer.csv"));
    let row = persons.rows.iter().position(|r| r[persons.col("enhet")] == unit && r[persons.col("skydd")] == "ingen").unwrap();
    persons.set(row, "varningar", "Getingallergi – adrenalinpenna i hallen");
    persons.write(&input.path().join("personer.csv"));
    let o = generate(input.path(), out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let after = versions(out.path());
    let changed: Vec<&str> = after.keys().filter(|id| after[*id].1 != before[*id].1).map(|id| after[id].0.as_str()).collect();
    assert_eq!(changed, ["varningar"], "only the unit's varningar sheet among the field sheets");
    assert!(sheet(out.path(), "varningar", &unit, "personal").contains("Getingallergi – adrenalinpenna i hallen"));
    let shred = std::fs::read_to_string(out.path().join(&unit).join("gallringslista.csv")).unwrap();
    assert!(shred.lines().any(|l| l.contains(";varningar;") && l.contains(&sheet_id) && l.contains(&old[..8])), "{shred}");
    let v = run(&["verify", "--out", out.path().to_str().unwrap(), &sheet_id, &old[..8]]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(text(&v).contains("ERSATT"), "{}", text(&v));
}

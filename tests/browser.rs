//! End to end in a real browser: headless Chromium driven from Rust (fantoccini +
//! chromedriver). An enhetschef logs in, a person's plan changes in the input, she
//! regenerates that person's folder from the page, sees the new version and the sheet to
//! shred, marks it shredded, and the downloaded PDF holds the new plan.
//!
//! Needs `chromium` and `chromium-driver` (scripts/test.sh installs them). If chromedriver
//! cannot start, the test prints a note and passes. `RESERVPACK_SCREENSHOTS=DIR` saves a
//! screenshot of every page visited.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::web::{CHIEF, Server, UNIT, links, pack};
use fantoccini::{Client, ClientBuilder, Locator};

const PERSON: &str = "P000001";
const GOAL: &str = "Promenad till brevlådan varje förmiddag, med rollator.";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free port, or `None` (with a note) if it cannot start.
fn chromedriver() -> Option<(Driver, String)> {
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = match Command::new("chromedriver").arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "OBS: chromedriver kunde inte starta ({e}); webbläsartestet hoppas över. Installera chromium och chromium-driver (scripts/test.sh gör det)."
            );
            return None;
        }
    };
    let driver = Driver(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(15) {
            eprintln!("OBS: chromedriver svarade inte; webbläsartestet hoppas över.");
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((driver, format!("http://127.0.0.1:{port}")))
}

async fn browser(driver: &str) -> Option<Client> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"] }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    match ClientBuilder::new(connector).capabilities(caps).connect(driver).await {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("OBS: Chromium kunde inte startas via chromedriver ({e}); webbläsartestet hoppas över.");
            None
        }
    }
}

async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("RESERVPACK_SCREENSHOTS")
        && let Ok(png) = c.screenshot().await
    {
        let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png);
    }
}

/// The printed name of a person in the demo input (first and last name).
fn name_of(input: &std::path::Path, person: &str) -> String {
    let text = std::fs::read_to_string(input.join("personer.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let row: Vec<&str> = lines.map(|l| l.split(';').collect::<Vec<_>>()).find(|r| r[col("person_id")] == person).unwrap();
    format!("{} {}", row[col("fornamn")], row[col("efternamn")])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enhetschef_regenerates_a_persons_folder_in_the_browser() {
    let Some((_driver, driver_url)) = chromedriver() else { return };
    let p = tokio::task::spawn_blocking(pack).await.unwrap();
    let server = Server::start(p.input.path(), p.out.path());
    let base = format!("http://{}", server.addr);
    let Some(c) = browser(&driver_url).await else { return };

    // Log in.
    c.goto(&format!("{base}/")).await.unwrap();
    shot(&c, "1-logga-in").await;
    c.find(Locator::Css("input[name=name]")).await.unwrap().send_keys(CHIEF.0).await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(CHIEF.1).await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("header .who")).await.unwrap();
    let start = c.source().await.unwrap();
    assert!(start.contains(&format!("Reservpärmen för enhet {UNIT}")), "{start}");
    shot(&c, "2-enhet").await;

    // The person's plan changes in the care system's export.
    let plans_path = p.input.path().join("genomforandeplaner.json");
    let mut plans: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&plans_path).unwrap()).unwrap();
    for plan in plans.iter_mut().filter(|x| x["person_id"] == PERSON) {
        plan["version_datum"] = "2026-11-20".into();
        plan["mal"] = GOAL.into();
    }
    std::fs::write(&plans_path, serde_json::to_vec_pretty(&plans).unwrap()).unwrap();

    // Find the person and regenerate their folder.
    let name = name_of(p.input.path(), PERSON);
    c.goto(&format!("{base}/enhet/{UNIT}/personer")).await.unwrap();
    c.find(Locator::Css("input[name=q]")).await.unwrap().send_keys(&name).await.unwrap();
    c.find(Locator::Css("main form button")).await.unwrap().click().await.unwrap();
    // The search is a new page: wait for it before looking for the link.
    let asked = Instant::now();
    while !c.current_url().await.unwrap().as_str().contains("q=") {
        assert!(asked.elapsed() < Duration::from_secs(30), "the search page loads");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait().for_element(Locator::LinkText(&name)).await.unwrap();
    shot(&c, "3-personer").await;
    c.find(Locator::LinkText(&name)).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("skapa-om")).await.unwrap();
    let before = c.source().await.unwrap();
    shot(&c, "4-person").await;
    c.find(Locator::Id("skapa-om")).await.unwrap().click().await.unwrap();
    let result = c.wait().at_most(Duration::from_secs(120)).for_element(Locator::Id("resultat")).await.unwrap();
    let outcome = result.text().await.unwrap();
    assert!(outcome.contains("förnyad"), "{outcome}");
    let run_page = c.source().await.unwrap();
    shot(&c, "5-korning").await;
    assert!(run_page.contains("Förnyade dokument") && run_page.contains("Att strimla"), "{run_page}");
    // The plan, and the folder's contents sheet that lists its version (issue 14).
    let renewed = links(&run_page, "/fil/");
    assert_eq!(renewed.len(), 2, "only the plan and the contents sheet are renewed: {renewed:?}");
    assert!(renewed.iter().any(|l| l.contains("/innehall/")), "{renewed:?}");
    let new_docs: Vec<String> = renewed.into_iter().filter(|l| l.contains("/genomforandeplan/")).collect();
    assert_eq!(new_docs.len(), 1, "the plan is renewed: {new_docs:?}");
    assert!(!before.contains(&new_docs[0]) || before.contains("genomforandeplan"), "{new_docs:?}");

    // The shred list has the old version; mark it shredded.
    c.goto(&format!("{base}/enhet/{UNIT}/gallring")).await.unwrap();
    let list = c.source().await.unwrap();
    assert!(list.contains("Ersatt av ny version"), "{list}");
    shot(&c, "6-gallring").await;
    c.find(Locator::Id("strimlat")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Id("inget-att-strimla")).await.unwrap();
    shot(&c, "7-strimlat").await;
    let receipts = std::fs::read_to_string(p.out.path().join(format!(".strimlat/{UNIT}.csv"))).unwrap();
    assert!(receipts.lines().nth(1).is_some_and(|l| l.contains(&format!(";{};{UNIT};personal;", CHIEF.0))), "{receipts}");

    // The new PDF, downloaded with the browser's session, holds the new plan.
    let cookie = c.get_named_cookie("rp_session").await.unwrap();
    let session = format!("rp_session={}", cookie.value());
    let pdf = server.get(&new_docs[0], Some(&session));
    assert_eq!(pdf.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.pdf");
    std::fs::write(&file, &pdf.body).unwrap();
    let text = common::pages(&file).join("\n");
    assert!(text.split_whitespace().collect::<Vec<_>>().join(" ").contains("Promenad till brevlådan varje förmiddag"), "{text}");

    // Verify the new sheet from the page.
    let (id, version) = {
        let docs = common::documents(p.out.path());
        let d = docs.iter().find(|d| d["path"] == new_docs[0].trim_start_matches("/fil/")).unwrap().clone();
        (d["id"].as_str().unwrap().to_string(), d["version"].as_str().unwrap()[..8].to_string())
    };
    c.goto(&format!("{base}/verifiera?id={id}&version={version}")).await.unwrap();
    let v = c.find(Locator::Id("verifiering")).await.unwrap().text().await.unwrap();
    assert_eq!(v, "Aktuell");
    shot(&c, "8-verifiera").await;
    c.goto(&format!("{base}/enhet/{UNIT}/egenkontroll")).await.unwrap();
    shot(&c, "9-egenkontroll").await;
    c.close().await.unwrap();
}

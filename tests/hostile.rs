//! Issue 13: hostile files and folders. The output folder and the export folder are shared
//! places; a planted link or special file must never make reservpack write, rename or delete
//! outside `--out`, read outside the input, hang, or read without bound. Each case plants
//! something, runs the binary, and checks the exit code, that the message names the path, and
//! that a *victim* folder outside `--out` is byte for byte as before.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// One entry of a snapshot: a file's bytes, a link's target, or a folder.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    File(Vec<u8>),
    Link(PathBuf),
    Dir,
    Other,
}

/// Every entry under `dir` (links not followed), by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Node> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            let t = e.file_type().unwrap();
            let node = if t.is_symlink() {
                Node::Link(std::fs::read_link(&p).unwrap())
            } else if t.is_dir() {
                stack.push(p.clone());
                Node::Dir
            } else if t.is_file() {
                Node::File(std::fs::read(&p).unwrap())
            } else {
                Node::Other
            };
            out.insert(rel, node);
        }
    }
    out
}

/// A folder outside every `--out` and input, with a few files someone else cares about.
fn victim() -> tempfile::TempDir {
    let v = tempfile::tempdir().unwrap();
    std::fs::write(v.path().join("viktigt.txt"), "Någon annans fil.\n").unwrap();
    std::fs::create_dir(v.path().join("mapp")).unwrap();
    std::fs::write(v.path().join("mapp/data.csv"), "a;b\n1;2\n").unwrap();
    std::fs::write(v.path().join("manifest.json"), r#"{"generated_for":"2026-11-24","documents":[]}"#).unwrap();
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the binary with `args`, killing it after `limit` (a hang fails the test, not the suite).
fn run_within(args: &[&str], limit: Duration) -> Output {
    let mut child = bin().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the binary runs");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!("reservpack {} did not finish within {limit:?}; output so far:\n{}", args.join(" "), text(&o));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn generate_within(input: &Path, out: &Path) -> Output {
    run_within(&["generate", "--input", s(input), "--out", s(out), "--date", DATE], Duration::from_secs(120))
}

fn check_within(input: &Path) -> Output {
    run_within(&["check", "--input", s(input), "--date", DATE], Duration::from_secs(60))
}

/// Asserts the exit code and that the output names `path` (its last components suffice).
fn assert_refused(o: &Output, code: i32, names: &str) {
    let printed = text(o);
    assert_eq!(o.status.code(), Some(code), "exit code; output:\n{printed}");
    assert!(printed.contains(names), "expected the message to name {names:?}; output:\n{printed}");
}

/// A real first pack in a fresh `--out`.
fn published() -> (tempfile::TempDir, tempfile::TempDir) {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    let o = generate_within(input.path(), out.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    (input, out)
}

/// An input, a `--out` (fresh, or with a published pack) and a victim folder outside both.
struct Scene {
    input: tempfile::TempDir,
    out: tempfile::TempDir,
    victim: tempfile::TempDir,
}

impl Scene {
    fn fresh() -> Scene {
        Scene { input: demo_copy(), out: tempfile::tempdir().unwrap(), victim: victim() }
    }

    fn published() -> Scene {
        let (input, out) = published();
        Scene { input, out, victim: victim() }
    }

    fn out(&self) -> &Path {
        self.out.path()
    }

    fn victim(&self) -> &Path {
        self.victim.path()
    }

    /// Plants `out/<rel>` as a link to the victim folder (making the folders above it).
    fn link_to_victim(&self, rel: &str) {
        let at = self.out().join(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        if std::fs::symlink_metadata(&at).is_ok() {
            std::fs::remove_file(&at).unwrap();
        }
        symlink(self.victim(), at).unwrap();
    }

    /// Runs each command — `generate` on the scene's input, or another command with
    /// `--out` — and checks that it exits 1 naming `names`, and that the victim folder is
    /// byte for byte as before.
    fn refuses(&self, names: &str, commands: &[&[&str]]) {
        let before = snapshot(self.victim());
        for command in commands {
            let o = match command {
                ["generate"] => generate_within(self.input.path(), self.out()),
                [name, rest @ ..] => {
                    let args: Vec<&str> = [*name, "--out", s(self.out())].into_iter().chain(rest.iter().copied()).collect();
                    run_within(&args, Duration::from_secs(60))
                }
                [] => unreachable!("a command"),
            };
            assert_refused(&o, 1, names);
        }
        assert_eq!(snapshot(self.victim()), before, "the victim folder changed");
    }
}

const GENERATE: &[&str] = &["generate"];
const GALLRA: &[&str] = &["gallra", "--today", "2030-01-01"];

// --- 1. Confine every write and delete to --out -------------------------------------------

/// Case 1: `out/.packs` is a link to another folder.
#[test]
fn planted_packs_link_is_refused() {
    let scene = Scene::fresh();
    scene.link_to_victim(".packs");
    scene.refuses(".packs", &[GENERATE, GALLRA]);
}

/// Case 2: `out/.packs/current` is a link to a folder holding a manifest.json.
#[test]
fn planted_current_link_is_refused() {
    let scene = Scene::fresh();
    scene.link_to_victim(".packs/current");
    scene.refuses("current", &[GENERATE]);
}

/// Case 2, on a published pack: `current` replaced by a link to the victim.
#[test]
fn current_replaced_on_a_published_pack_is_refused_by_every_command() {
    let scene = Scene::published();
    scene.link_to_victim(".packs/current");
    scene.refuses("current", &[GENERATE, GALLRA, &["verify", "X", "0123abcd"], &["print", "--dry-run"]]);
}

/// Case 3: `out/.packs/trees` is a link to another folder.
#[test]
fn planted_trees_link_is_refused() {
    let scene = Scene::fresh();
    scene.link_to_victim(".packs/trees");
    scene.refuses("trees", &[GENERATE]);
}

/// Case 3, on a published pack: a unit's link in the generation turned to the victim. The
/// pack must neither delete it nor read through it.
#[test]
fn a_units_link_turned_outside_is_refused() {
    let scene = Scene::published();
    let generation = std::fs::canonicalize(scene.out().join(".packs/current")).unwrap();
    let unit = std::fs::read_dir(&generation)
        .unwrap()
        .flatten()
        .find(|e| e.file_type().unwrap().is_symlink() && !e.file_name().to_string_lossy().starts_with('.'))
        .expect("a unit link")
        .path();
    std::fs::remove_file(&unit).unwrap();
    symlink(scene.victim(), &unit).unwrap();
    scene.refuses(unit.file_name().unwrap().to_str().unwrap(), &[GENERATE, GALLRA]);
}

/// A planted visible name (`out/<unit>` a link to elsewhere) is not the tool's own link.
#[test]
fn a_planted_visible_unit_link_is_refused() {
    let scene = Scene::published();
    let unit = documents(scene.out())[0]["unit"].as_str().unwrap().to_string();
    scene.link_to_victim(&unit);
    scene.refuses(&unit, &[GENERATE, &["print"]]);
}

/// Case 4: `out/.lock` is a link to a file.
#[test]
fn planted_lock_link_is_refused() {
    let scene = Scene::fresh();
    symlink(scene.victim().join("viktigt.txt"), scene.out().join(".lock")).unwrap();
    scene.refuses(".lock", &[GENERATE, GALLRA]);
}

/// Case 4, as a hard link: the lock file is someone else's file under another name.
#[test]
fn planted_lock_hard_link_is_refused() {
    let scene = Scene::fresh();
    if std::fs::hard_link(scene.victim().join("viktigt.txt"), scene.out().join(".lock")).is_err() {
        return; // not on one file system here
    }
    scene.refuses(".lock", &[GENERATE]);
}

/// A foreign file in `.packs` (neither a generation nor the tool's own) is fatal.
#[test]
fn a_foreign_file_in_packs_is_refused() {
    let scene = Scene::published();
    scene.link_to_victim(".packs/gen-planted");
    scene.refuses("gen-planted", &[GENERATE]);
    // The pack's own secret file is tolerated.
    std::fs::remove_file(scene.out().join(".packs/gen-planted")).unwrap();
    std::fs::write(scene.out().join(".packs/id_nyckel"), [7u8; 32]).unwrap();
    let o = generate_within(scene.input.path(), scene.out());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(scene.out().join(".packs/id_nyckel")).unwrap(), [7u8; 32]);
}

// --- 2. Read only the input ---------------------------------------------------------------

fn with_templates(input: &Path, mallkatalog: &str) {
    std::fs::write(input.join("reservpack.toml"), format!("mallkatalog = {mallkatalog:?}\n")).unwrap();
}

/// Case 5: a template override that is a link to a file outside the config's folder.
#[test]
fn template_link_outside_is_refused() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    let v = victim();
    std::fs::write(v.path().join("hemlig.typ"), "HEMLIG TEXT UTANFÖR INDATA\n").unwrap();
    let before = snapshot(v.path());
    with_templates(input.path(), "mallar");
    std::fs::create_dir(input.path().join("mallar")).unwrap();
    symlink(v.path().join("hemlig.typ"), input.path().join("mallar/telefonlista.typ")).unwrap();
    let o = generate_within(input.path(), out.path());
    assert_refused(&o, 1, "telefonlista.typ");
    assert!(!out.path().join("manifest.json").exists(), "nothing is published");
    assert_eq!(snapshot(v.path()), before, "the victim folder changed");
}

/// Case 5: `mallkatalog` as an absolute path or with `..` outside the config's folder.
#[test]
fn template_dir_outside_the_config_dir_is_refused() {
    let v = victim();
    std::fs::write(v.path().join("telefonlista.typ"), "HEMLIG TEXT UTANFÖR INDATA\n").unwrap();
    for dir in [s(v.path()).to_string(), format!("../{}", v.path().file_name().unwrap().to_str().unwrap())] {
        let input = tempfile::tempdir_in(v.path().parent().unwrap()).unwrap();
        for e in std::fs::read_dir(demo_input()).unwrap().flatten() {
            std::fs::copy(e.path(), input.path().join(e.file_name())).unwrap();
        }
        with_templates(input.path(), &dir);
        let out = tempfile::tempdir().unwrap();
        let o = generate_within(input.path(), out.path());
        assert_refused(&o, 1, "mallkatalog");
        assert!(!out.path().join("manifest.json").exists(), "nothing is published ({dir})");
    }
}

/// A template override that is a FIFO: refused without hanging.
#[test]
fn template_fifo_is_refused_without_hanging() {
    let input = demo_copy();
    let out = tempfile::tempdir().unwrap();
    with_templates(input.path(), "mallar");
    std::fs::create_dir(input.path().join("mallar")).unwrap();
    mkfifo(&input.path().join("mallar/telefonlista.typ"));
    let o = generate_within(input.path(), out.path());
    assert_refused(&o, 1, "telefonlista.typ");
}

/// The first restricted PDF (`akt_skyddad`) of a published pack.
fn restricted_pdf(out: &Path) -> PathBuf {
    let docs = documents(out);
    let d = docs.iter().find(|d| d["kind"] == "akt_skyddad").expect("the demo pack has an akt_skyddad");
    std::fs::canonicalize(out.join(d["path"].as_str().unwrap())).unwrap()
}

/// Case 6: `rutiner/x.pdf` is a link to a restricted PDF outside the input.
#[test]
fn routine_link_outside_the_input_is_a_problem() {
    let (_first_input, earlier) = published();
    let secret = restricted_pdf(earlier.path());
    let before = snapshot(earlier.path());
    let input = demo_copy();
    std::fs::create_dir(input.path().join("rutiner")).unwrap();
    symlink(&secret, input.path().join("rutiner/x.pdf")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = generate_within(input.path(), out.path());
    assert_refused(&o, 3, "rutiner/x.pdf");
    for d in documents(out.path()).iter().filter(|d| d["kind"] == "rutiner") {
        let t = raw_text(&out.path().join(d["path"].as_str().unwrap()));
        assert!(!t.contains("SKYDDADE PERSONUPPGIFTER"), "the restricted PDF was printed in {}", d["path"]);
    }
    assert_refused(&check_within(input.path()), 3, "rutiner/x.pdf");
    assert_eq!(snapshot(earlier.path()), before, "the earlier pack changed");
}

/// A link inside the input to a file inside the input is fine.
#[test]
fn routine_link_inside_the_input_is_read() {
    let (_first_input, earlier) = published();
    let input = demo_copy();
    std::fs::create_dir_all(input.path().join("arkiv")).unwrap();
    std::fs::copy(restricted_pdf(earlier.path()), input.path().join("arkiv/rutin.pdf")).unwrap();
    std::fs::create_dir(input.path().join("rutiner")).unwrap();
    symlink("../arkiv/rutin.pdf", input.path().join("rutiner/rutin.pdf")).unwrap();
    let o = check_within(input.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// Case 7: `rutiner/x.pdf` is a link to /dev/zero: an error within seconds, not the OOM killer.
#[test]
fn routine_link_to_dev_zero_is_a_problem_within_seconds() {
    let input = demo_copy();
    std::fs::create_dir(input.path().join("rutiner")).unwrap();
    symlink("/dev/zero", input.path().join("rutiner/x.pdf")).unwrap();
    let started = Instant::now();
    let o = check_within(input.path());
    assert_refused(&o, 3, "rutiner/x.pdf");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

/// Case 7: a FIFO in `rutiner/` makes `check` finish, not hang.
#[test]
fn routine_fifo_does_not_hang_check() {
    let input = demo_copy();
    std::fs::create_dir(input.path().join("rutiner")).unwrap();
    mkfifo(&input.path().join("rutiner/x.pdf"));
    let o = check_within(input.path());
    assert_refused(&o, 3, "rutiner/x.pdf");
}

/// A folder named like a routine PDF is a problem, not a unit folder to read from.
#[test]
fn routine_folder_named_like_a_file_is_a_problem() {
    let input = demo_copy();
    std::fs::create_dir_all(input.path().join("rutiner/y.pdf")).unwrap();
    let o = check_within(input.path());
    assert_refused(&o, 3, "rutiner/y.pdf");
}

/// An export that is a link to /dev/zero, or a FIFO: fatal within seconds, naming the file.
#[test]
fn export_link_to_dev_zero_or_fifo_is_fatal_within_seconds() {
    let input = demo_copy();
    std::fs::remove_file(input.path().join("besok.csv")).unwrap();
    symlink("/dev/zero", input.path().join("besok.csv")).unwrap();
    let started = Instant::now();
    assert_refused(&check_within(input.path()), 1, "besok.csv");
    std::fs::remove_file(input.path().join("besok.csv")).unwrap();
    mkfifo(&input.path().join("besok.csv"));
    assert_refused(&check_within(input.path()), 1, "besok.csv");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

/// An export that is a link to a file outside the input is fatal, naming the file.
#[test]
fn export_link_outside_the_input_is_fatal() {
    let input = demo_copy();
    let v = victim();
    std::fs::rename(input.path().join("enheter.csv"), v.path().join("enheter.csv")).unwrap();
    symlink(v.path().join("enheter.csv"), input.path().join("enheter.csv")).unwrap();
    assert_refused(&check_within(input.path()), 1, "enheter.csv");
}

// --- 3. Bound every read ------------------------------------------------------------------

/// An export over its size limit (`[storleksgranser]`) is fatal, naming the file and limit.
#[test]
fn export_over_its_size_limit_is_fatal() {
    let input = demo_copy();
    std::fs::write(input.path().join("reservpack.toml"), "[storleksgranser]\nkontakter = 1\n").unwrap();
    let path = input.path().join("kontakter.csv");
    let mut body = std::fs::read_to_string(&path).unwrap();
    let row = body.lines().nth(1).unwrap().to_string() + "\n";
    while body.len() <= 1024 * 1024 {
        body.push_str(&row);
    }
    std::fs::write(&path, body).unwrap();
    let o = check_within(input.path());
    assert_refused(&o, 1, "kontakter.csv");
    assert!(text(&o).contains("1 MiB"), "{}", text(&o));
    // Within a raised limit it is read.
    std::fs::write(input.path().join("reservpack.toml"), "[storleksgranser]\nkontakter = 2\n").unwrap();
    assert_ne!(check_within(input.path()).status.code(), Some(1));
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo runs").success();
    assert!(ok, "mkfifo {}", path.display());
}

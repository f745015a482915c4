//! Tests of the planned documents (folders, unit documents, egenkontroll, the restricted
//! file) on the demo fixtures: generated, read and cleared as `generate` does.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;

use super::storage::STORAGE_FICTIVE_FILE;
use super::{Audience, DocJob, DocKind, Scope};
use crate::config::Config;
use crate::fixtures::{Scale, generate};
use crate::model::UnitKind;
use crate::privacy::Cleared;
use crate::render::{BUILTIN_TEMPLATES, Renderer, Templates};
use crate::retention::Rules;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The demo fixtures, cleared, and the export directory (kept alive by the caller).
fn demo() -> (Cleared, tempfile::TempDir) {
    fixtures(Scale::Demo)
}

fn fixtures(scale: Scale) -> (Cleared, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    generate(scale, 1, dir.path()).unwrap();
    let loaded = match crate::ingest::load(dir.path(), &Config::default(), day()) {
        Ok(l) => l,
        Err(crate::ingest::IngestError::Fatal(d)) => panic!("demo fixtures unreadable: {d:?}"),
    };
    let (cleared, _) = crate::privacy::clear(loaded.dataset, day());
    (cleared, dir)
}

use crate::render::on_a_large_stack;

fn plan_for(cleared: &Cleared) -> Vec<DocJob> {
    let templates = Templates::load(None).unwrap();
    super::plan(
        cleared,
        &Scope { days: vec![day()], ..Default::default() },
        &Rules::default(),
        &templates,
        &super::IdKey::new(b"test key"),
        &[],
    )
}

fn rows_of(job: &DocJob) -> Vec<String> {
    job.context()["doc"]["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn care_homes_get_no_visit_lists_and_home_care_one_per_day() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    for unit in &cleared.units {
        let lists = jobs.iter().filter(|j| j.unit == unit.id && j.kind == DocKind::PlaneradeBesok).count();
        match unit.kind {
            UnitKind::Boende | UnitKind::Myndighet => assert_eq!(lists, 0, "{}", unit.id),
            UnitKind::Hemtjanst => assert_eq!(lists, 1, "{}", unit.id),
        }
        // Both kinds get folders, Time Care, lists, forms, routines and an egenkontroll.
        for kind in ["personkort", "timecare", "telefonlista", "telefonlista_privat", "kontakter", "rutiner", "blankett", "egenkontroll"] {
            assert!(jobs.iter().any(|j| j.unit == unit.id && j.kind.as_str() == kind), "{} has no {kind}", unit.id);
        }
    }
    let pb = jobs.iter().find(|j| j.kind == DocKind::PlaneradeBesok).unwrap();
    let ctx = pb.context();
    let visits = ctx["doc"]["visits"].as_array().unwrap();
    let order: Vec<(String, String)> =
        visits.iter().map(|v| (v["start"].as_str().unwrap().into(), v["signature"].as_str().unwrap().into())).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "sorted by time, then signature");
    assert_eq!(pb.date, Some(day()));
    assert_eq!(pb.gallring.manifest_text(), "2027-01-05");
}

#[test]
fn every_person_gets_a_folder() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    for p in &cleared.persons {
        let mine = |kind: &str| jobs.iter().filter(|j| j.person.as_deref() == Some(p.id.as_str()) && j.kind.as_str() == kind).count();
        assert_eq!(mine("personkort"), 1);
        assert_eq!(mine("genomforandeplan"), usize::from(p.plan.is_some()));
        assert_eq!(mine("uppdrag"), p.assignments.len());
        assert_eq!(mine("hsl"), p.orders.len());
        assert_eq!(mine("blankett"), 2, "daganteckningar and avvikelse");
        assert_eq!(mine("akt_skyddad"), usize::from(p.is_protected()));
        for j in jobs.iter().filter(|j| j.person.as_deref() == Some(p.id.as_str())) {
            let ctx = j.context();
            let title = ctx["title"].as_str().unwrap();
            assert!(!title.contains(&p.identity.name), "titles are opaque: {title}");
        }
    }
    let hsl = jobs.iter().find(|j| j.kind == DocKind::Hsl).unwrap();
    assert!(hsl.gallring.date().is_some(), "two years after receipt");
}

#[test]
fn larm_assignments_are_never_printed() {
    let (cleared, dir) = demo();
    let raw = std::fs::read_to_string(dir.path().join("uppdrag.json")).unwrap();
    assert!(raw.contains("\"larm\""), "the fixtures hold larm assignments");
    let jobs = plan_for(&cleared);
    for j in jobs.iter().filter(|j| j.kind == DocKind::Uppdrag) {
        assert!(!j.context()["doc"]["assignment"]["kind"].as_str().unwrap().eq_ignore_ascii_case("larm"));
    }
    for j in jobs.iter().filter(|j| j.kind == DocKind::AktSkyddad) {
        for a in j.context()["doc"]["assignments"].as_array().unwrap() {
            assert!(!a["kind"].as_str().unwrap().eq_ignore_ascii_case("larm"));
        }
    }
}

#[test]
fn egenkontroll_lists_exactly_the_units_documents_per_audience() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    for unit in &cleared.units {
        for audience in [Audience::Personal, Audience::Enhetschef] {
            let checklist: Vec<&DocJob> =
                jobs.iter().filter(|j| j.unit == unit.id && j.kind == DocKind::Egenkontroll && j.audience == audience).collect();
            assert_eq!(checklist.len(), 1, "{} {audience:?}", unit.id);
            let rows = rows_of(checklist[0]);
            let listed: BTreeSet<String> = rows.iter().cloned().collect();
            let ids: Vec<&String> = rows.iter().filter(|r| *r != "–").collect();
            assert_eq!(ids.len(), ids.iter().collect::<BTreeSet<_>>().len(), "each document or folder once");
            // Undated documents by id, a person's folder by its contents sheet's id; dated ones
            // (schedules, planerade besök) as one row per kind without an id, so the checklist
            // does not change from day to day, nor when one person's plan does.
            let mine: Vec<&DocJob> =
                jobs.iter().filter(|j| j.unit == unit.id && j.audience == audience && j.kind != DocKind::Egenkontroll).collect();
            let contents_of = |j: &DocJob| {
                mine.iter().find(|c| c.kind == DocKind::Innehall && c.person.is_some() && c.person == j.person && c.storage == j.storage)
            };
            let expected: BTreeSet<String> = mine
                .iter()
                .map(|j| match (j.date, contents_of(j)) {
                    (Some(_), _) => "–".to_string(),
                    (None, Some(c)) => c.id.clone(),
                    (None, None) => j.id.clone(),
                })
                .collect();
            assert_eq!(listed, expected);
            // A folder's row counts its documents and shows no version.
            let ctx = checklist[0].context();
            for r in ctx["doc"]["rows"].as_array().unwrap() {
                if let Some(c) = mine.iter().find(|c| c.kind == DocKind::Innehall && r["id"] == c.id.as_str()) {
                    let n = mine.iter().filter(|j| j.date.is_none() && j.person == c.person && j.storage == c.storage).count();
                    assert!(n >= 2, "a folder holds its contents sheet and more");
                    assert_eq!(r["label"], format!("Akten, {n} dokument enligt innehållsförteckningen"));
                    assert_eq!(r["version"], "se akten");
                }
            }
        }
        let general =
            jobs.iter().find(|j| j.unit == unit.id && j.kind == DocKind::Egenkontroll && j.audience == Audience::Personal).unwrap();
        let text = general.context().to_string();
        assert!(!text.contains("begransad") && !text.contains("Ordinarie akt") && !text.contains("privat"));
        let ctx = general.context();
        let interval = ctx["doc"]["interval"].as_str().unwrap();
        match unit.kind {
            UnitKind::Boende => assert!(interval.contains("kvartal")),
            UnitKind::Hemtjanst | UnitKind::Myndighet => assert!(interval.contains("halvår")),
        }
    }
}

#[test]
fn egenkontroll_lists_problems_of_its_unit_only() {
    use crate::diag::Diagnostic;
    let (cleared, _dir) = demo();
    let templates = Templates::load(None).unwrap();
    let diags = vec![
        Diagnostic::problem("besok.csv", 7, 2, "kolumnen start: väntade en tid").in_unit("HT-NORR"),
        Diagnostic::problem("personal.csv", 3, 1, "dubblett").with_value("ABC"),
        Diagnostic::warning("personer.csv", 4, 0, "person_id P1: varning").in_unit("HT-NORR"),
        {
            let mut d = Diagnostic::problem("besok.csv", 9, 8, "kolumnen dubbelbemanning: väntade ja eller nej")
                .with_value("kanske")
                .in_unit("HT-NORR");
            d.restrict();
            d
        },
    ];
    let jobs = super::plan(
        &cleared,
        &Scope { days: vec![day()], ..Default::default() },
        &Rules::default(),
        &templates,
        &super::IdKey::new(b"test key"),
        &diags,
    );
    let problems = |unit: &str, audience: Audience| -> Vec<String> {
        let j = jobs.iter().find(|j| j.unit == unit && j.kind == DocKind::Egenkontroll && j.audience == audience).unwrap();
        j.context()["doc"]["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(problems("HT-NORR", Audience::Personal).len(), 2);
    assert_eq!(problems("VB-LINDEN", Audience::Personal), vec!["personal.csv rad 3, fält 1: dubblett".to_string()]);
    let general = jobs.iter().find(|j| j.unit == "HT-NORR" && j.kind == DocKind::Egenkontroll && j.audience == Audience::Personal).unwrap();
    assert!(!general.context().to_string().contains("varning"), "warnings go to the enhetschef only");
    assert!(!general.context().to_string().contains("ABC"), "the general egenkontroll quotes no value");
    assert!(!general.context().to_string().contains("besok.csv rad 9"), "a protected person's problem is restricted");
    assert!(problems("HT-NORR", Audience::Enhetschef).iter().any(|p| p.starts_with("besok.csv rad 9")));
    let restricted =
        jobs.iter().find(|j| j.unit == "HT-NORR" && j.kind == DocKind::Egenkontroll && j.audience == Audience::Enhetschef).unwrap();
    assert!(restricted.context().to_string().contains("person_id P1: varning"));
}

#[test]
fn restricted_file_only_for_protected_persons_and_only_for_the_enhetschef() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    let protected: BTreeSet<&str> = cleared.persons.iter().filter(|p| p.is_protected()).map(|p| p.id.as_str()).collect();
    assert!(!protected.is_empty());
    let akt: Vec<&DocJob> = jobs.iter().filter(|j| j.kind == DocKind::AktSkyddad).collect();
    let persons: BTreeSet<&str> = akt.iter().map(|j| j.person.as_deref().unwrap()).collect();
    assert_eq!(persons, protected);
    for j in &akt {
        assert_eq!(j.audience, Audience::Enhetschef);
        assert!(j.path.contains("/begransad/akt_skyddad/"), "{}", j.path);
        assert_eq!(j.gallring.manifest_text(), "när ny version skrivs ut");
        assert!(!j.subject.is_empty() && j.subject.starts_with("Ärende "));
    }
    for j in jobs.iter().filter(|j| j.kind == DocKind::TelefonlistaPrivat) {
        assert_eq!(j.audience, Audience::Enhetschef);
        assert!(j.path.contains("/begransad/"));
    }
    // The protected person's own notes form: two months, kept in the fictive file.
    for p in cleared.persons.iter().filter(|p| p.is_protected()) {
        let forms: Vec<&DocJob> =
            jobs.iter().filter(|j| j.person.as_deref() == Some(p.id.as_str()) && j.kind == DocKind::Blankett).collect();
        assert!(forms.iter().all(|j| j.gallring.manifest_text() == crate::retention::FORM_RULE_PROTECTED));
        // The note on the form says what its stamp says: two months.
        assert!(forms.iter().all(|j| j.context_json.contains("högst två månader")));
        assert!(forms.iter().all(|j| j.storage == STORAGE_FICTIVE_FILE));
    }
}

#[test]
fn every_form_note_agrees_with_its_stamp() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    for j in jobs.iter().filter(|j| j.template == "daganteckningar.typ" || j.template == "avvikelse.typ") {
        let rule = j.gallring.manifest_text();
        assert!(rule == crate::retention::FORM_RULE || rule == crate::retention::FORM_RULE_PROTECTED, "{rule}");
        let c = &j.context_json;
        assert!(c.contains("Oanvänd blankett strimlas när en ny version skrivs ut"), "{c}");
        assert!(c.contains("originalhandling"), "{c}");
        assert_eq!(c.contains("högst två månader"), rule == crate::retention::FORM_RULE_PROTECTED, "{c}");
    }
    // Every person folder starts with a contents sheet listing each of its documents.
    for p in &cleared.persons {
        let mine: Vec<&DocJob> =
            jobs.iter().filter(|j| j.person.as_deref() == Some(p.id.as_str()) && j.audience == Audience::Personal).collect();
        let contents = mine.iter().find(|j| j.kind == DocKind::Innehall).expect("a contents sheet");
        for j in mine.iter().filter(|j| j.kind != DocKind::Innehall) {
            assert!(contents.context_json.contains(&j.id) && contents.context_json.contains(j.short_version()), "{} listed", j.id);
        }
    }
}

#[test]
fn no_general_document_carries_a_protected_persons_real_identity() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    let mut secrets: Vec<String> = Vec::new();
    for p in cleared.persons.iter().filter(|p| p.is_protected()) {
        let real = &p.restricted.as_ref().unwrap().card;
        secrets.push(real.identity.name.clone());
        secrets.extend(real.identity.id_line.clone());
        secrets.extend(real.phone.clone());
        secrets.extend(real.door_code.clone().filter(|c| c.len() >= 4));
        secrets.extend(real.relatives.iter().map(|r| r.name.clone()));
    }
    assert!(!secrets.is_empty());
    for j in jobs.iter().filter(|j| j.audience == Audience::Personal) {
        let text = format!("{} {} {}", j.context(), j.subject, j.path);
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{} ({}) carries a protected value", j.id, j.kind);
        }
        assert!(!text.to_uppercase().contains("SKYDDADE PERSONUPPGIFTER"), "{} mentions protection", j.id);
    }
    for (name, source) in BUILTIN_TEMPLATES {
        if !["akt_skyddad.typ", "larmlista_begransad.typ"].contains(name) {
            assert!(!source.contains("SKYDDADE PERSONUPPGIFTER"), "{name}");
        }
    }
}

#[test]
fn ids_are_unique_and_stable_across_versions() {
    let (mut cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    let mut seen = HashSet::new();
    for j in &jobs {
        assert!(seen.insert(j.id.clone()), "duplicate id {} ({})", j.id, j.kind);
    }
    // A new plan version keeps the document id and changes the version.
    let person = cleared.persons.iter_mut().find(|p| p.plan.is_some()).unwrap();
    let pid = person.id.clone();
    person.plan.as_mut().unwrap().version_date = "2030-01-01".into();
    let again = plan_for(&cleared);
    let find = |jobs: &[DocJob]| {
        jobs.iter().find(|j| j.kind == DocKind::Genomforandeplan && j.person.as_deref() == Some(pid.as_str())).cloned().unwrap()
    };
    let (before, after) = (find(&jobs), find(&again));
    assert_eq!(before.id, after.id);
    assert_ne!(before.version, after.version);
    // Everything else is the same document, byte for byte.
    let same = jobs.iter().zip(&again).filter(|(a, b)| a.version == b.version).count();
    assert_eq!(same, jobs.len() - 2, "only the plan and its folder's contents sheet change, not the egenkontroll");
}

#[test]
fn timecare_one_per_unit_and_period() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    for unit in &cleared.units {
        let tc: Vec<&DocJob> = jobs.iter().filter(|j| j.unit == unit.id && j.kind == DocKind::Timecare).collect();
        assert_eq!(tc.len(), 1, "the demo has one period");
        let ctx = tc[0].context();
        let doc = &ctx["doc"];
        assert_eq!(doc["period_start"], "2026-11-16");
        assert_eq!(doc["period_end"], "2026-12-13");
        assert_eq!(doc["weeks"].as_array().unwrap().len(), 4);
        let staff = doc["staff"].as_array().unwrap().len();
        for w in doc["weeks"].as_array().unwrap() {
            assert_eq!(w["cells"].as_array().unwrap().len(), staff);
        }
    }
}

/// Renders one document of every template (and a routines document with an attached PDF)
/// and checks the page counts of the one-page forms. On a thread with a large stack, as
/// `render` does.
#[test]
fn every_template_renders() {
    on_a_large_stack(render_every_template);
}

fn render_every_template() {
    let (mut cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    let renderer = Renderer::new(Templates::load(None).unwrap(), day()).unwrap();
    let mut done = HashSet::new();
    let mut attachment = None;
    for j in &jobs {
        let protected_form = j.gallring.manifest_text().contains("två månader");
        if !done.insert((j.template, j.label.clone(), protected_form)) {
            continue;
        }
        let pdf = renderer.render_one(j).unwrap_or_else(|e| panic!("{}: {e}", j.template));
        if matches!(j.template, "blankett_enhet.typ" | "daganteckningar.typ" | "avvikelse.typ" | "personkort.typ") {
            // Spare unnamed forms are one page per copy.
            let copies = j.context()["doc"].get("copies").and_then(|c| c.as_u64()).unwrap_or(1) as usize;
            assert_eq!(pdf.pages, copies, "{} {} fills exactly one page per copy", j.template, j.label);
        }
        if j.kind == DocKind::AktSkyddad {
            assert!(pdf.pages >= 3, "cover, personkort, plan");
        }
        if j.kind == DocKind::PlaneradeBesok {
            attachment = Some(pdf);
        }
    }
    let pdf = attachment.unwrap();
    cleared.routines.push(crate::model::Routine {
        name: "rutin.pdf".into(),
        unit: None,
        bytes: std::sync::Arc::new(pdf.bytes.clone()),
        pages: pdf.pages,
    });
    let jobs = plan_for(&cleared);
    let rutiner = jobs.iter().find(|j| j.kind == DocKind::Rutiner).unwrap();
    assert_eq!(rutiner.attachments.len(), 1);
    let out = renderer.render_one(rutiner).unwrap();
    assert_eq!(out.pages, 1 + pdf.pages, "index page plus every routine page");
}

/// How long planning the city takes (ingest is not timed). `cargo test --lib -- --ignored plan_city`.
#[test]
#[ignore]
fn plan_city_timing() {
    let dir = tempfile::tempdir().unwrap();
    generate(Scale::City, 1, dir.path()).unwrap();
    let loaded = crate::ingest::load(dir.path(), &Config::default(), day()).ok().unwrap();
    let (cleared, _) = crate::privacy::clear(loaded.dataset, day());
    let templates = Templates::load(None).unwrap();
    let rules = Rules::default();
    let ids = super::IdKey::new(b"test key");
    let planner = super::Planner::new(&rules, &templates, &ids);
    let scope = Scope { days: vec![day()], ..Default::default() };
    let mut jobs = Vec::new();
    let mut t = std::time::Instant::now();
    let mut lap = |what: &str, jobs: &Vec<DocJob>| {
        eprintln!("{what}: {} documents, {:.2} s", jobs.len(), t.elapsed().as_secs_f64());
        t = std::time::Instant::now();
    };
    super::schedules::plan(&cleared, &scope, &planner, &mut jobs);
    lap("schedules", &jobs);
    super::folders::plan(&cleared, &scope, &planner, &mut jobs);
    lap("folders", &jobs);
    super::unit_docs::plan(&cleared, &scope, &planner, &mut jobs);
    super::timecare::plan(&cleared, &scope, &planner, &mut jobs);
    super::routines::plan(&cleared, &planner, &mut jobs);
    super::forms::plan(&cleared, &scope, &planner, &mut jobs);
    lap("unit documents", &jobs);
    super::field_sheets::plan(&cleared, &scope, &planner, &mut jobs);
    lap("field sheets", &jobs);
    super::egenkontroll::plan(&cleared, &planner, &[], &mut jobs);
    lap("egenkontroll", &jobs);
}

#[test]
fn authority_forms_are_for_myndighet_units_and_the_configured_ones() {
    let (mut cleared, _dir) = demo();
    let templates = Templates::load(None).unwrap();
    let run =
        |cleared: &Cleared, scope: &Scope| super::plan(cleared, scope, &Rules::default(), &templates, &super::IdKey::new(b"test key"), &[]);
    let forms_of = |jobs: &[DocJob], unit: &str| -> Vec<String> {
        jobs.iter()
            .filter(|j| j.unit == unit && j.template == "blankett_enhet.typ")
            .map(|j| j.context()["doc"]["heading"].as_str().unwrap().to_string())
            .collect()
    };
    let has_authority = |headings: &[String]| headings.iter().any(|h| h.starts_with("Beslutslista") || h.starts_with("Kassaförvaltare"));
    let first = cleared.units[0].id.clone();
    let scope = Scope { days: vec![day()], ..Default::default() };
    let jobs = run(&cleared, &scope);
    assert!(!has_authority(&forms_of(&jobs, &first)), "not for a home-care unit by default");
    // Listed in config: the unit gets them.
    let listed = Scope { days: vec![day()], authority_form_units: vec![first.clone()], ..Default::default() };
    assert!(has_authority(&forms_of(&run(&cleared, &listed), &first)));
    // A unit of type myndighet always does.
    cleared.units[0].kind = UnitKind::Myndighet;
    assert!(has_authority(&forms_of(&run(&cleared, &scope), &first)));
    // Spare unnamed sheets: staff × 3 by default, or the configured number.
    let staff = cleared.employees.iter().filter(|e| e.unit == first).count() as u64;
    let spare = |jobs: &[DocJob]| -> Vec<u64> {
        jobs.iter()
            .filter(|j| j.unit == first && j.label.ends_with("utan namn"))
            .map(|j| j.context()["doc"]["copies"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(spare(&run(&cleared, &scope)), vec![staff * 3, staff * 3]);
    let five = Scope { days: vec![day()], spare_forms: Some(5), ..Default::default() };
    assert_eq!(spare(&run(&cleared, &five)), vec![5, 5]);
}

/// Batch + split (render) gives each document the bytes it gets compiled alone: every demo
/// document, in batches of 7 that mix kinds, page counts and audiences.
#[test]
fn batch_and_split_gives_the_bytes_of_one_by_one() {
    on_a_large_stack(|| {
        let (cleared, _dir) = demo();
        let jobs = plan_for(&cleared);
        let renderer = Renderer::new(Templates::load(None).unwrap(), day()).unwrap();
        let jobs: Vec<&dyn crate::render::Job> =
            jobs.iter().filter(|j| j.attachments.is_empty()).map(|j| j as &dyn crate::render::Job).collect();
        assert!(jobs.len() > 50);
        let (mut multi_page, mut one_pass) = (0, 0);
        for batch in jobs.chunks(7) {
            let split = renderer.render_batch(batch).unwrap();
            assert_eq!(split.len(), batch.len());
            for (job, pdf) in batch.iter().zip(&split) {
                let alone = renderer.render_one(*job).unwrap();
                assert_eq!(pdf.pages, alone.pages, "{}", job.id());
                assert!(pdf.bytes == alone.bytes, "{}: batch + split differs from compiling it alone", job.id());
                multi_page += usize::from(alone.pages > 1);
                one_pass += usize::from(job.pages_hint() == 1 && alone.pages == 1);
            }
        }
        assert!(multi_page > 5, "documents of several pages were split too");
        // Documents expected to fit a page are laid out once ("Sida 1 av 1" without the
        // page counter): the same bytes as counted.
        assert!(one_pass > 50, "{one_pass} one-page documents took the one-pass path");
    });
}

#[test]
fn a_deflated_context_is_the_same_context_and_smaller() {
    let (cleared, _dir) = demo();
    let jobs = plan_for(&cleared);
    let mut job = jobs.iter().find(|j| j.kind == DocKind::PlaneradeBesok).expect("a visit list").clone();
    let plain = job.context();
    let size = job.context_json.len();
    job.deflate_context();
    assert!(job.context_json.is_empty());
    let deflated = job.context_deflated.as_ref().expect("deflated").len();
    assert!(deflated * 3 < size, "{deflated} of {size} bytes");
    assert_eq!(job.context(), plain);
    // The print number and export time join the context as it is read, deflated or not;
    // the data the version hashes stays as it was.
    job.set_print_info(2, &std::sync::Arc::from("2026-11-24 kl. 06:00"));
    assert!(job.context_deflated.is_some());
    assert_eq!(job.context()["stamp"]["printing"], 2);
    assert_eq!(job.context()["stamp"]["as_of"], "2026-11-24 kl. 06:00");
    assert_eq!(job.context()["doc"], plain["doc"]);
    assert_eq!(plain["stamp"].get("printing"), None);
}

/// Planned against a published pack, exactly the documents published with the same version
/// and path come without template data; ids, versions and order are those of a plain plan.
/// Planning twice (on all cores) gives the same documents in the same order.
#[test]
fn planning_against_the_published_pack_leaves_out_only_unchanged_template_data() {
    let (cleared, _dir) = demo();
    let full = plan_for(&cleared);
    assert_eq!(
        full.iter().map(|j| (&j.id, &j.version)).collect::<Vec<_>>(),
        plan_for(&cleared).iter().map(|j| (&j.id, &j.version)).collect::<Vec<_>>()
    );
    // Published: every other document as planned, one with another version, one elsewhere.
    let (other_version, wrong_path) = ("0".repeat(64), "elsewhere.pdf".to_string());
    let mut published: super::Published = full.iter().step_by(2).map(|j| (j.id.as_str(), (j.version.as_str(), j.path.as_str()))).collect();
    let (changed, moved) = (&full[2], &full[4]);
    published.insert(changed.id.as_str(), (other_version.as_str(), changed.path.as_str()));
    published.insert(moved.id.as_str(), (moved.version.as_str(), wrong_path.as_str()));
    let templates = Templates::load(None).unwrap();
    let against = super::plan_against(
        &cleared,
        &Scope { days: vec![day()], ..Default::default() },
        &Rules::default(),
        &templates,
        &super::IdKey::new(b"test key"),
        &[],
        Some(&published),
    );
    assert_eq!(against.len(), full.len());
    let mut left_out = 0;
    for (i, (a, f)) in against.iter().zip(&full).enumerate() {
        assert_eq!((&a.id, &a.version, &a.path), (&f.id, &f.version, &f.path));
        let unchanged = i % 2 == 0 && a.id != changed.id && a.id != moved.id;
        assert_eq!(a.has_context(), !unchanged, "{}", a.id);
        if unchanged {
            left_out += 1;
        } else {
            assert_eq!(a.context_json, f.context_json, "{}", a.id);
        }
    }
    assert!(left_out > 10, "{left_out}");
}

/// The visit tables' rows come with their heights (`render::rows`), so Typst lays each row
/// out once: every schedule and planerade besök of a unit's fixtures is the same PDF, byte
/// for byte, as when Typst measures the rows itself (`h` left out), and nearly every row has
/// its height.
#[test]
fn visit_rows_sized_in_advance_give_the_bytes_of_measured_rows() {
    on_a_large_stack(|| {
        let (cleared, _dir) = fixtures(Scale::Unit);
        let jobs = plan_for(&cleared);
        let renderer = Renderer::new(Templates::load(None).unwrap(), day()).unwrap();
        let (mut sized, mut rows, mut documents) = (0, 0, 0);
        for job in jobs.iter().filter(|j| matches!(j.kind, DocKind::Schema | DocKind::PlaneradeBesok)) {
            let mut context = job.context();
            for v in context["doc"]["visits"].as_array_mut().unwrap() {
                rows += 1;
                sized += usize::from(v["h"].is_number());
                v["h"] = serde_json::Value::Null;
            }
            let mut measured = job.clone();
            measured.context_json = serde_json::to_string(&context).unwrap().into();
            let (a, b) = (renderer.render_one(job).unwrap(), renderer.render_one(&measured).unwrap());
            assert_eq!(a.pages, b.pages, "{}", job.path);
            assert!(a.bytes == b.bytes, "{}: rows sized in advance differ from measured rows", job.path);
            documents += 1;
        }
        assert!(documents > 20 && rows > 300, "{documents} documents, {rows} rows");
        assert!(sized * 100 >= rows * 95, "only {sized} of {rows} rows were sized in advance");
    });
}

/// Rows sized in advance are never too small, whatever the text: visits written to trip the
/// line counting (punctuation after spaces, quotes and brackets, long and hyphenated words,
/// other scripts, double spaces, wide and narrow letters) are set with their heights and
/// measured by Typst; every row is at least as high as Typst makes it, and a row whose text
/// the counting does not cover is measured by Typst (no height).
#[test]
fn rows_sized_in_advance_are_never_too_small() {
    on_a_large_stack(|| {
        let (cleared, _dir) = demo();
        let jobs = plan_for(&cleared);
        let renderer = Renderer::new(Templates::load(None).unwrap(), day()).unwrap();
        let job = jobs.iter().find(|j| j.kind == DocKind::Schema).unwrap();
        let tricky: [(&str, &str, &str, &str); 10] = [
            (
                "Åsa-Britt Ödman-Lindqvist",
                "Långa gatan 1 , 414 51 Göteborg",
                "Av- och påklädning, Morgonhjälp",
                "Ring på ( \"portkod\" ) , sedan ! vänta ; / gå in",
            ),
            ("Wilhelm Wwwwwwww", "WWWW MMMM WWWW MMMM WWWW MMMM", "Tillsyn", "«Nyckel» i „lådan“ – vid dörren — ovanför"),
            ("Li Li", "iiii llll iiii llll iiii llll iiii llll iiii llll iiii", "Måltid", "a  b   c    d     e"),
            ("Karl Karlsson", "Storgatansförlängningensvägsändenshus 12", "Dusch", "Storgatansförlängningensvägsändenshusochgård"),
            ("Fatima Al-Sayed", "Bäckvägen 15, 421 97 Västra Frölunda", "Tolk", "Tolk: العربية"),
            (
                "Bo Ek",
                "Ek 1",
                "Morgonhjälp, Läkemedelsöverlämning, Dusch, Tvätt, Städning, Inköp, Promenad, Kvällshjälp",
                "031-12 34 56, 070-123 45 67 (dagtid), 08-765 43 21 (kväll)",
            ),
            ("Anna Öst", "Östra Hamngatan 5 lgh 1201, 411 10 Göteborg", "Tillsyn", "Hunden är snäll . Katten är inte det ."),
            ("Per (Pelle) Persson", "Vägen 2 [uppgång B], 412 34 Göteborg", "Toalettbesök", "Ej \"ring\" , knacka ! ( hårt )"),
            (
                "Eva Ståhl",
                "Tallstigen 60A lgh 1104, 414 22 Göteborg",
                "Städning",
                "fi fl ffi ffl office affluent Åland Tyrol AV VA To Ty Yo",
            ),
            (
                "Ulf Ung",
                "Hagagatan 17, 414 54 Göteborg",
                "Kvällshjälp",
                "Nyckel i nyckelgömma vid dörren, koden står i pärmen under fliken Nycklar och larm",
            ),
        ];
        let mut context = job.context();
        let first = context["doc"]["visits"][0].clone();
        let visits: Vec<serde_json::Value> = tricky
            .iter()
            .enumerate()
            .map(|(i, (who, address, tasks, note))| {
                let mut v = first.clone();
                v["who"] = (*who).into();
                v["address"] = (*address).into();
                v["tasks"] = (*tasks).into();
                v["note"] = (*note).into();
                v["partners"] = if i % 3 == 0 { serde_json::json!(["ABCD1", "EFGH2"]) } else { serde_json::json!([]) };
                v["h"] = serde_json::json!(crate::render::rows::schedule(&v));
                v
            })
            .collect();
        let sized = visits.iter().filter(|v| v["h"].is_number()).count();
        assert!((6..tricky.len()).contains(&sized), "{sized} of the tricky rows sized in advance");
        context["doc"]["visits"] = visits.into();
        let mut hinted = job.clone();
        hinted.context_json = serde_json::to_string(&context).unwrap().into();
        for v in context["doc"]["visits"].as_array_mut().unwrap() {
            v["h"] = serde_json::Value::Null;
        }
        let mut measured = job.clone();
        measured.context_json = serde_json::to_string(&context).unwrap().into();
        let (a, b) = (renderer.render_one(&hinted).unwrap(), renderer.render_one(&measured).unwrap());
        assert_eq!((a.pages, b.pages), (1, 1));
        let (a, b) = (crate::export::pdf::horizontal_rules(&a.bytes), crate::export::pdf::horizontal_rules(&b.bytes));
        // The stamp's rule, the header row's two, one under each visit.
        assert_eq!(a.len(), b.len(), "{a:?} {b:?}");
        assert!(a.len() >= tricky.len() + 2, "{a:?}");
        let (mut higher, mut equal) = (0, 0);
        for i in 1..a.len() {
            let (ha, hb) = (a[i] - a[i - 1], b[i] - b[i - 1]);
            if i < a.len() - 1 {
                assert!(ha >= hb - 0.01, "row {i}: {ha} pt sized in advance, {hb} pt measured");
                higher += usize::from(ha > hb + 0.01);
                equal += usize::from((ha - hb).abs() <= 0.01);
            }
        }
        assert!(equal >= 6, "{equal} rows as high as measured, {higher} higher");
    });
}

/// Spare copies of a blank form (the unnamed forms) are laid out once and put under each
/// page's stamp: the same PDF, byte for byte, as Typst laying out every copy.
#[test]
fn spare_copies_laid_out_once_are_the_bytes_of_every_copy_laid_out() {
    on_a_large_stack(|| {
        let (cleared, _dir) = demo();
        let jobs = plan_for(&cleared);
        let renderer = Renderer::new(Templates::load(None).unwrap(), day()).unwrap();
        let spare: Vec<(&DocJob, usize)> =
            jobs.iter().filter_map(|j| j.context()["doc"]["copies"].as_u64().map(|n| (j, n as usize))).filter(|(_, n)| *n > 1).collect();
        assert!(spare.len() >= 2, "{} spare forms", spare.len());
        for (job, copies) in spare {
            let (composed, compiled) = (renderer.render_one(job).unwrap(), renderer.render_compiled(job).unwrap());
            assert_eq!((composed.pages, compiled.pages), (copies, copies), "{}", job.path);
            assert!(composed.bytes == compiled.bytes, "{}: the copies laid out once differ from every copy laid out", job.path);
        }
        // A `lib.typ` of one's own that does not know `pages_only` (it would print the
        // form on every stamp page): the copies are compiled as they are.
        let dir = tempfile::tempdir().unwrap();
        let builtin = Templates::load(None).unwrap().source("lib.typ").unwrap().to_string();
        let older = builtin.replace("if only == none { body } else { range(only - 1).map(_ => pagebreak()).join() }", "body");
        assert_ne!(older, builtin);
        std::fs::write(dir.path().join("lib.typ"), older.replace("pages_only", "sidor_enbart")).unwrap();
        let renderer = Renderer::new(Templates::load(Some(dir.path())).unwrap(), day()).unwrap();
        let (job, copies) =
            jobs.iter().find_map(|j| j.context()["doc"]["copies"].as_u64().filter(|n| *n > 1).map(|n| (j, n as usize))).unwrap();
        let (own, compiled) = (renderer.render_one(job).unwrap(), renderer.render_compiled(job).unwrap());
        assert_eq!(own.pages, copies);
        assert!(own.bytes == compiled.bytes, "{}: an own lib.typ", job.path);
    });
}

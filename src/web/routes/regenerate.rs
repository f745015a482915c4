//! "Skapa om pärmen": runs the library's [`crate::Engine::run`] for one person, in-process
//! on a blocking thread, and shows its progress (`/korning/{id}`, polled by a few lines of
//! plain JS) and then what was renewed and what to shred. The run takes the output
//! directory's lock like the nightly one; when that is held, the page says so.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::DocRow;
use super::login::CsrfForm;
use crate::run::{Outcome, Progress, Request, Scope};
use crate::web::auth::{self, Viewer, forbidden};
use crate::web::{Shared, pack};

/// The web page's runs: each one's state by id, and the last one's outcome.
#[derive(Default)]
pub struct Runs {
    jobs: Mutex<HashMap<String, Arc<Mutex<Job>>>>,
    last: Mutex<Option<String>>,
}

impl Runs {
    /// The last run's outcome as the start page shows it.
    pub fn last_outcome(&self) -> Option<String> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[derive(Default)]
struct Job {
    user: String,
    unit: String,
    key: String,
    stage: String,
    done: usize,
    total: usize,
    finished: bool,
    outcome: String,
    css: &'static str,
    renewed: Vec<DocRow>,
    shred: Vec<ShredView>,
}

#[derive(Serialize)]
struct ShredView {
    kind: String,
    label: String,
    version: String,
    pages: usize,
    reason: &'static str,
}

pub async fn start(State(app): State<Shared>, Path((unit, key)): Path<(String, String)>, v: Viewer, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = v.check_csrf(&f.csrf) {
        return *r;
    }
    if !v.manages(&unit) {
        return forbidden();
    }
    let Some(p) = app.pack() else {
        return forbidden();
    };
    let before: HashSet<(String, String)> = p
        .documents(&unit, |_| true)
        .filter(|e| e.person.as_deref() == Some(key.as_str()))
        .map(|e| (e.id.clone(), e.version.clone()))
        .collect();
    if before.is_empty() {
        return app.views.message(
            StatusCode::NOT_FOUND,
            "Personen finns inte",
            "Personen har inga dokument i enheten.",
            &format!("/enhet/{unit}/personer"),
        );
    }
    let id = auth::token()[..24].to_string();
    let job = Arc::new(Mutex::new(Job {
        user: v.name.clone(),
        unit: unit.clone(),
        key: key.clone(),
        stage: "Startar …".into(),
        ..Job::default()
    }));
    {
        let mut jobs = app.runs.jobs.lock().unwrap_or_else(|e| e.into_inner());
        // Forget finished runs once there are many (their pages are read right after).
        if jobs.len() > 100 {
            jobs.retain(|_, j| !j.lock().unwrap_or_else(|e| e.into_inner()).finished);
        }
        jobs.insert(id.clone(), job.clone());
    }
    let date = chrono::NaiveDate::parse_from_str(&p.manifest.generated_for, "%Y-%m-%d").unwrap_or_else(|_| crate::run::tomorrow());
    let app2 = app.clone();
    tokio::task::spawn_blocking(move || run(&app2, &job, &v, date, before));
    Redirect::to(&format!("/korning/{id}")).into_response()
}

/// The run itself, on a blocking thread.
fn run(app: &Shared, job: &Arc<Mutex<Job>>, v: &Viewer, date: chrono::NaiveDate, before: HashSet<(String, String)>) {
    let (unit, key) = {
        let j = job.lock().unwrap_or_else(|e| e.into_inner());
        (j.unit.clone(), j.key.clone())
    };
    let mut request = Request::new(&app.options.input, &app.options.out, date, format!("webbsidan ({})", v.name));
    request.config = app.options.config.clone();
    let j = job.clone();
    request.progress = Some(Arc::new(move |p| {
        let mut j = j.lock().unwrap_or_else(|e| e.into_inner());
        match p {
            Progress::Stage(s) => j.stage = format!("Klart: {s}"),
            Progress::Rendering { total } => {
                j.total = total;
                j.stage = format!("Skapar dokument 0 av {total}");
            }
            Progress::Rendered => {
                j.done += 1;
                j.stage = format!("Skapar dokument {} av {}", j.done, j.total);
            }
        }
    }));
    let set_stage = |s: &str| job.lock().unwrap_or_else(|e| e.into_inner()).stage = s.into();
    set_stage("Läser exporterna …");
    let result = app.engine.person_for_key(&request, &key).and_then(|person| match person {
        None => Ok(None),
        Some(p) => {
            request.scope = Scope::Person(p);
            app.engine.run(&request).map(Some)
        }
    });
    let (outcome, css) = match &result {
        Ok(None) => ("Personen finns inte längre i exporterna (personer.csv); inget skapades om.".to_string(), "warn"),
        Ok(Some(r)) => match &r.outcome {
            Outcome::Published => ("Klart: pärmen är förnyad.".into(), "ok"),
            Outcome::PublishedWithProblems => ("Klart: pärmen är förnyad, men exporterna har problem (se översikten).".into(), "warn"),
            Outcome::Unchanged => ("Klart: inget hade ändrats, så inget behövde skapas om.".into(), "ok"),
            Outcome::Locked(_) => ("En körning pågår – försök igen om en stund.".into(), "warn"),
            Outcome::Failed(f) => (format!("Det gick inte: {f}"), "bad"),
        },
        Err(e) => {
            tracing::error!("körning från webbsidan: {e}");
            ("Det gick inte att skapa om pärmen (internt fel). Tidigare pack är orört.".into(), "bad")
        }
    };
    let renewed: Vec<DocRow> = app
        .pack()
        .iter()
        .flat_map(|p| {
            p.documents(&unit, |a| v.sees(&unit, a))
                .filter(|e| e.person.as_deref() == Some(key.as_str()))
                .filter(|e| !before.contains(&(e.id.clone(), e.version.clone())))
                .map(DocRow::of)
                .collect::<Vec<_>>()
        })
        .collect();
    let shred: Vec<ShredView> = match &result {
        Ok(Some(r)) => r
            .shred
            .iter()
            .filter(|l| v.sees(&l.unit, l.audience))
            .flat_map(|l| &l.items)
            .map(|i| ShredView {
                kind: i.kind.name_sv().into(),
                label: i.label.clone(),
                version: i.version.chars().take(8).collect(),
                pages: i.pages,
                reason: pack::reason_text(i.reason.code()),
            })
            .collect(),
        _ => Vec::new(),
    };
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m-%d %H:%M");
    *app.runs.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{now}, {}", outcome.trim_end_matches('.').to_lowercase()));
    let mut j = job.lock().unwrap_or_else(|e| e.into_inner());
    j.outcome = outcome;
    j.css = css;
    j.renewed = renewed;
    j.shred = shred;
    j.finished = true;
}

fn find(app: &Shared, id: &str, v: &Viewer) -> Option<Arc<Mutex<Job>>> {
    let job = app.runs.jobs.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()?;
    let owner = job.lock().unwrap_or_else(|e| e.into_inner()).user.clone();
    (owner == v.name).then_some(job)
}

pub async fn page(State(app): State<Shared>, Path(id): Path<String>, v: Viewer) -> Response {
    let Some(job) = find(&app, &id, &v) else {
        return (StatusCode::NOT_FOUND, "Körningen finns inte.").into_response();
    };
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    let back = format!("/enhet/{}/person/{}", j.unit, j.key);
    app.views.page(
        "run.html",
        minijinja::context! {
            id, finished => j.finished, stage => j.stage, outcome => j.outcome, css => j.css,
            renewed => j.renewed, shred => j.shred, back, ..super::frame(&v, Some(&j.unit))
        },
    )
}

pub async fn status(State(app): State<Shared>, Path(id): Path<String>, v: Viewer) -> Response {
    let Some(job) = find(&app, &id, &v) else {
        return (StatusCode::NOT_FOUND, "{}").into_response();
    };
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    let body = serde_json::json!({ "finished": j.finished, "stage": j.stage }).to_string();
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

//! `/enhet/{unit}`: whether the unit's pack is current, its problems and warnings, counts,
//! and its print batches; "Skapa hela pärmen för utskrift" builds the unit's full batches,
//! which the nightly run leaves to be asked for.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::diag::Severity;
use crate::plan::Audience;
use crate::web::Shared;
use crate::web::auth::{Viewer, forbidden};

#[derive(Serialize)]
struct Batch {
    path: String,
    name: String,
    restricted: bool,
    documents: usize,
    pages: usize,
    sheets: usize,
}

#[derive(Serialize)]
struct Message {
    file: String,
    line: u64,
    col: usize,
    message: String,
    restricted: bool,
}

pub async fn page(State(app): State<Shared>, Path(unit): Path<String>, v: Viewer) -> Response {
    if !v.sees_unit(&unit) {
        return forbidden();
    }
    let Some(pack) = app.pack() else {
        return app.views.message(
            StatusCode::OK,
            "Inget pack ännu",
            "Inget pack är publicerat ännu. Nattens körning (reservpack generate) skapar det.",
            "",
        );
    };
    let sees = |a: Audience| v.sees(&unit, a);
    let (mut documents, mut pages, mut restricted_documents) = (0, 0, 0);
    for e in pack.documents(&unit, sees) {
        documents += 1;
        pages += e.pages;
        restricted_documents += usize::from(e.audience == Audience::Enhetschef);
    }
    let batches: Vec<Batch> = pack
        .batches
        .iter()
        .filter(|b| b.unit == unit && v.sees(&unit, b.audience))
        .map(|b| Batch {
            name: batch_name(&b.batch),
            path: b.batch.clone(),
            restricted: b.audience == Audience::Enhetschef,
            documents: b.documents,
            pages: b.pages,
            sheets: b.sheets,
        })
        .collect();
    // The nightly run builds the changes only; the whole pack's batch is built when asked for.
    let full_missing = [Audience::Personal, Audience::Enhetschef].into_iter().any(|a| {
        v.sees(&unit, a)
            && pack.documents(&unit, |x| x == a).next().is_some()
            && !pack.batches.iter().any(|b| b.unit == unit && b.audience == a && batch_name(&b.batch).starts_with("Hela"))
    });
    // Messages about this unit (file-level ones too); restricted ones only to whom may see them.
    let diags = app.diagnostics();
    let checked = diags.is_some();
    let visible: Vec<_> = diags
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.unit.as_deref().is_none_or(|u| u == unit) && (!d.restricted || v.sees(&unit, Audience::Enhetschef)))
        .collect();
    let message = |d: &crate::diag::Diagnostic| Message {
        file: d.file.clone(),
        line: d.line,
        col: d.col,
        message: d.message.clone(),
        restricted: d.restricted,
    };
    let problems: Vec<Message> = visible.iter().filter(|d| d.severity != Severity::Warning).map(message).collect();
    let warnings: Vec<Message> = visible.iter().filter(|d| d.severity == Severity::Warning).map(message).collect();
    let tomorrow = crate::run::tomorrow().format("%Y-%m-%d").to_string();
    let generated_for = pack.manifest.generated_for.clone();
    let last_run = app.runs.last_outcome();
    app.views.page(
        "unit.html",
        minijinja::context! {
            current => generated_for >= tomorrow, generated_for, tomorrow, published_at => pack.published_at,
            last_run, documents, pages, restricted_documents, batches, full_missing, checked, problems, warnings,
            manages => v.manages(&unit),
            ..super::frame(&v, Some(&unit))
        },
    )
}

/// A batch as the page names it: the whole pack or the changes, and its service day.
fn batch_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".pdf");
    match file.split_once('-') {
        Some(("full", day)) => format!("Hela pärmen, {day}"),
        Some(("delta", day)) => format!("Nya och ändrade dokument, {day}"),
        _ => file.to_string(),
    }
}

/// Builds the unit's missing full batches (the staff's, and the enhetschef's for whom may
/// see them), under the pack's lock like any run, then shows the unit page again.
pub async fn build_full(
    State(app): State<Shared>,
    Path(unit): Path<String>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if !v.manages(&unit) {
        return forbidden();
    }
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if let Err(r) = v.check_csrf(csrf) {
        return *r;
    }
    let back = format!("/enhet/{unit}");
    let restricted = v.sees(&unit, Audience::Enhetschef);
    let worker = app.clone();
    let who = format!("webbsidan ({})", v.name);
    let u = unit.clone();
    let built = tokio::task::spawn_blocking(move || {
        let config = crate::config::Config::load(worker.options.config.as_deref(), &worker.options.input)?;
        let wanted = |x: &str, a: Audience| x == u && (a == Audience::Personal || restricted);
        worker.engine.build_full_batches(&worker.options.out, &who, &config, &wanted).map_err(|e| e.into_anyhow())
    })
    .await;
    match built {
        Ok(Ok(_)) => Redirect::to(&back).into_response(),
        Ok(Err(e))
            if e.downcast_ref::<crate::publish::PublishError>()
                .is_some_and(|p| matches!(p, crate::publish::PublishError::Locked { .. })) =>
        {
            app.views.message(StatusCode::CONFLICT, "En körning pågår", "En körning pågår – försök igen om en stund.", &back)
        }
        _ => app.views.message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Kunde inte skapa bunten",
            "Hela pärmen kunde inte skapas. Försök igen, eller be den som kör reservpack att köra reservpack print.",
            &back,
        ),
    }
}

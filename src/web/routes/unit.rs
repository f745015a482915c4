//! `/enhet/{unit}`: whether the unit's pack is current, its problems and warnings, counts,
//! and its print batches.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
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
            last_run, documents, pages, restricted_documents, batches, checked, problems, warnings,
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

//! `/enhet/{unit}/egenkontroll`: the unit's checklist: current documents, documents the
//! pack lists but lacks on disk, and sheets past their gallring date.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{DocRow, FileLink};
use crate::web::Shared;
use crate::web::auth::{Viewer, forbidden};

pub async fn page(State(app): State<Shared>, Path(unit): Path<String>, v: Viewer) -> Response {
    if !v.sees_unit(&unit) {
        return forbidden();
    }
    let Some(pack) = app.pack() else {
        return Redirect::to(&format!("/enhet/{unit}")).into_response();
    };
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm).date_naive().format("%Y-%m-%d").to_string();
    let (mut documents, mut missing, mut overdue, mut pdfs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for e in pack.documents(&unit, |a| v.sees(&unit, a)) {
        if e.kind == crate::plan::DocKind::Egenkontroll {
            let name = if e.audience == crate::plan::Audience::Enhetschef { "Begränsad egenkontroll (PDF)" } else { "Egenkontroll (PDF)" };
            pdfs.push(FileLink { path: e.path.clone(), name: name.into() });
        }
        if !pack.dir.join(&e.path).is_file() {
            missing.push(DocRow::of(e));
        }
        // A date as gallring (not a rule text) that has passed.
        if e.gallring.len() == 10 && e.gallring.as_bytes()[4] == b'-' && e.gallring < today {
            overdue.push(DocRow::of(e));
        }
        documents.push(DocRow::of(e));
    }
    app.views.page("egenkontroll.html", minijinja::context! { documents, missing, overdue, pdfs, ..super::frame(&v, Some(&unit)) })
}

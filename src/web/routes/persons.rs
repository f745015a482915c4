//! `/enhet/{unit}/personer` (searchable list) and `/enhet/{unit}/person/{key}` (a person's
//! current documents, and "Skapa om pärmen"). Persons are known by their opaque key and
//! their printed identity (a protected person's fictive name or case number).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::DocRow;
use crate::web::Shared;
use crate::web::auth::{Viewer, forbidden};

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

pub async fn list(State(app): State<Shared>, Path(unit): Path<String>, Query(s): Query<Search>, v: Viewer) -> Response {
    if !v.sees_unit(&unit) {
        return forbidden();
    }
    let all = app.pack().map(|p| p.persons(&unit, |a| v.sees(&unit, a))).unwrap_or_default();
    let total = all.len();
    let q = s.q.trim().to_lowercase();
    let persons: Vec<_> = all.into_iter().filter(|p| q.is_empty() || p.subject.to_lowercase().contains(&q)).collect();
    app.views.page("persons.html", minijinja::context! { persons, total, q => s.q, ..super::frame(&v, Some(&unit)) })
}

pub async fn person(State(app): State<Shared>, Path((unit, key)): Path<(String, String)>, v: Viewer) -> Response {
    if !v.sees_unit(&unit) {
        return forbidden();
    }
    let pack = app.pack();
    let docs: Vec<DocRow> = pack
        .iter()
        .flat_map(|p| p.documents(&unit, |a| v.sees(&unit, a)))
        .filter(|e| e.person.as_deref() == Some(key.as_str()))
        .map(DocRow::of)
        .collect();
    if docs.is_empty() {
        return app.views.message(
            StatusCode::NOT_FOUND,
            "Personen finns inte",
            "Personen har inga dokument i enheten som du kan se.",
            &format!("/enhet/{unit}/personer"),
        );
    }
    let subject =
        pack.iter().flat_map(|p| p.persons(&unit, |a| v.sees(&unit, a))).find(|p| p.key == key).map(|p| p.subject).unwrap_or_default();
    app.views.page(
        "person.html",
        minijinja::context! { subject, key, documents => docs, manages => v.manages(&unit), ..super::frame(&v, Some(&unit)) },
    )
}

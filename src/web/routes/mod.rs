//! The pages, one module per page. A handler parses the request, checks the role, reads the
//! pack or calls the library, and renders a view.

mod egenkontroll;
mod files;
mod login;
mod persons;
pub mod regenerate;
mod shred;
mod unit;
mod usb;
mod verify;

use axum::Router;
use axum::routing::{get, post};
use minijinja::Value;
use serde::Serialize;

use super::Shared;
use super::auth::Viewer;
use crate::plan::Audience;
use crate::publish::Entry;

pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(login::home))
        .route("/logga-in", get(login::form).post(login::submit))
        .route("/logga-ut", post(login::logout))
        .route("/enhet/{unit}", get(unit::page))
        .route("/enhet/{unit}/hela-bunten", post(unit::build_full))
        .route("/enhet/{unit}/personer", get(persons::list))
        .route("/enhet/{unit}/person/{key}", get(persons::person))
        .route("/enhet/{unit}/person/{key}/skapa-om", post(regenerate::start))
        .route("/korning/{id}", get(regenerate::page))
        .route("/korning/{id}/status", get(regenerate::status))
        .route("/enhet/{unit}/gallring", get(shred::page).post(shred::mark))
        .route("/enhet/{unit}/egenkontroll", get(egenkontroll::page))
        .route("/enhet/{unit}/usb.zip", get(usb::download))
        .route("/verifiera", get(verify::form))
        .route("/v/{id}/{version}", get(verify::public))
        .route("/fil/{*path}", get(files::download))
        .with_state(app)
}

/// What every page's frame shows: the user, their role, the CSRF token, the unit.
fn frame(v: &Viewer, unit: Option<&str>) -> Value {
    minijinja::context! { user => v.name, role => v.role.name(), csrf => v.csrf, unit => unit }
}

/// A document as a page lists it.
#[derive(Serialize)]
struct DocRow {
    id: String,
    path: String,
    kind: String,
    label: String,
    version: String,
    printed: String,
    pages: usize,
    storage: String,
    gallring: String,
    restricted: bool,
}

impl DocRow {
    fn of(e: &Entry) -> DocRow {
        DocRow {
            id: e.id.clone(),
            path: e.path.clone(),
            kind: e.kind.name_sv().into(),
            label: e.label.clone(),
            version: e.version.chars().take(8).collect(),
            printed: e.printed.clone(),
            pages: e.pages,
            storage: e.storage.clone(),
            gallring: e.gallring.clone(),
            restricted: e.audience == Audience::Enhetschef,
        }
    }
}

/// A link to a published file: its path and the name shown.
#[derive(Serialize)]
struct FileLink {
    path: String,
    name: String,
}

//! `/enhet/{unit}/gallring`: the unit's sheets to shred (the restricted list only for the
//! enhetschef), and "Markera som strimlat", which records the destruction receipt.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::FileLink;
use crate::plan::Audience;
use crate::web::auth::{Viewer, forbidden};
use crate::web::{Shared, pack};

pub async fn page(State(app): State<Shared>, Path(unit): Path<String>, v: Viewer) -> Response {
    if !v.sees_unit(&unit) {
        return forbidden();
    }
    let restricted = v.sees(&unit, Audience::Enhetschef);
    let Some(p) = app.pack() else { return Redirect::to(&format!("/enhet/{unit}")).into_response() };
    let rows = pack::shred_rows(&p, &app.options.out, &unit, restricted);
    let mut pdfs = vec![FileLink { path: pack::shred_list(&unit, Audience::Personal, "pdf"), name: "Gallringslista (PDF)".into() }];
    if restricted {
        pdfs.push(FileLink { path: pack::shred_list(&unit, Audience::Enhetschef, "pdf"), name: "Begränsad gallringslista (PDF)".into() });
    }
    pdfs.retain(|l| p.dir.join(&l.path).is_file());
    app.views.page("shred.html", minijinja::context! { rows, pdfs, manages => v.manages(&unit), ..super::frame(&v, Some(&unit)) })
}

/// Marks the checked sheets (`blad` = `audience:id:version`, repeated) as shredded.
pub async fn mark(State(app): State<Shared>, Path(unit): Path<String>, v: Viewer, Form(fields): Form<Vec<(String, String)>>) -> Response {
    if !v.manages(&unit) {
        return forbidden();
    }
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if let Err(r) = v.check_csrf(csrf) {
        return *r;
    }
    let Some(p) = app.pack() else { return Redirect::to(&format!("/enhet/{unit}")).into_response() };
    // Only sheets on the unit's lists as this user sees them can be marked.
    let listed = pack::shred_rows(&p, &app.options.out, &unit, v.sees(&unit, Audience::Enhetschef));
    let sheets: Vec<(String, String, String)> = fields
        .iter()
        .filter(|(k, _)| k == "blad")
        .filter_map(|(_, val)| {
            let mut it = val.splitn(3, ':');
            let (a, id, ver) = (it.next()?, it.next()?, it.next()?);
            listed
                .iter()
                .any(|r| r.audience == a && r.id == id && r.version == ver)
                .then(|| (a.to_string(), id.to_string(), ver.to_string()))
        })
        .collect();
    if !sheets.is_empty() {
        let _guard = app.receipts.lock().unwrap_or_else(|e| e.into_inner());
        if pack::record_shredded(&app.options.out, &unit, &v.name, &sheets).is_err() {
            return app.views.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Kunde inte spara",
                "Kvittot kunde inte sparas. Försök igen.",
                &format!("/enhet/{unit}/gallring"),
            );
        }
    }
    Redirect::to(&format!("/enhet/{unit}/gallring")).into_response()
}

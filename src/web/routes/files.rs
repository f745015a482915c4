//! `/fil/{path}`: a published PDF. Only paths the pack's own indexes list (manifest,
//! print manifest, gallringslistor) are served, and only for units and audiences the user
//! may see: a path from the request is never opened as it is.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::Shared;
use crate::web::auth::{Viewer, forbidden};

pub async fn download(State(app): State<Shared>, Path(path): Path<String>, v: Viewer) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "Filen finns inte i packet.").into_response();
    let Some(pack) = app.pack() else { return not_found() };
    let Some((unit, audience)) = pack.file(&path) else { return not_found() };
    if !v.sees(&unit, audience) {
        return forbidden();
    }
    if path.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return not_found();
    }
    let file = pack.dir.join(&path);
    let bytes = match tokio::fs::read(&file).await {
        Ok(b) => b,
        Err(_) => return not_found(),
    };
    let name = path.rsplit('/').next().unwrap_or("dokument.pdf").to_string();
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

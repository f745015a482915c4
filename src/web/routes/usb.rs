//! `/enhet/{unit}/usb.zip`: the unit's offline copy for an encrypted USB stick (issue 17), the
//! same tree `reservpack export` writes, as one zip. Only for the unit's enhetschef (and an
//! admin); restricted material only with `?begransad=1`, in its own BEGRÄNSAD folder.

use std::io::Write;
use std::path::Path as FsPath;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::web::Shared;
use crate::web::auth::{Viewer, forbidden};

#[derive(Deserialize)]
pub struct Options {
    #[serde(default)]
    begransad: Option<String>,
}

pub async fn download(State(app): State<Shared>, Path(unit): Path<String>, Query(q): Query<Options>, v: Viewer) -> Response {
    if !v.manages(&unit) {
        return forbidden();
    }
    let begransad = q.begransad.as_deref() == Some("1");
    let out = app.options.out.clone();
    let made = tokio::task::spawn_blocking(move || -> Result<(String, Vec<u8>), String> {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let report = crate::export::export(&out, &unit, tmp.path(), begransad).map_err(|e| e.to_string())?;
        let name = report.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "Reservpack".into());
        let bytes = zip_folder(&report.dir, &name).map_err(|e| e.to_string())?;
        Ok((name, bytes))
    })
    .await;
    match made {
        Ok(Ok((name, bytes))) => {
            let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            (
                [
                    (header::CONTENT_TYPE, "application/zip".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}.zip\"")),
                    (header::CACHE_CONTROL, "private, no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Err(message)) => (StatusCode::CONFLICT, format!("Kopian kunde inte skapas: {message}")).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Kopian kunde inte skapas.").into_response(),
    }
}

/// The folder as a zip whose entries all sit under `top/` (plain files only, in name order).
fn zip_folder(dir: &FsPath, top: &str) -> std::io::Result<Vec<u8>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)?.flatten() {
            let t = e.file_type()?;
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                files.push(e.path());
            }
        }
    }
    files.sort();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for f in files {
        let rel = f.strip_prefix(dir).map_err(std::io::Error::other)?.to_string_lossy().replace('\\', "/");
        zip.start_file(format!("{top}/{rel}"), options).map_err(std::io::Error::other)?;
        zip.write_all(&std::fs::read(&f)?)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

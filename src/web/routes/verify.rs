//! Verifying a printed sheet: `/verifiera` (a form, logged in) and `/v/{id}/{version}` (the
//! QR code's address: no login, rate-limited per address, and showing no personal data —
//! only id, kind, status and date).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::publish::history::{Reason, Status, status};
use crate::web::Shared;
use crate::web::auth::Viewer;

#[derive(Deserialize)]
pub struct Sheet {
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: String,
}

pub async fn form(State(app): State<Shared>, Query(mut s): Query<Sheet>, v: Viewer) -> Response {
    // The QR code's text pasted (or scanned) into the id field, with no version.
    if s.version.trim().is_empty()
        && let Some((id, version)) = crate::render::qr::parse(&s.id)
    {
        s = Sheet { id, version };
    }
    let answer = if s.id.is_empty() { None } else { Some(lookup(&app, &s.id, &s.version)) };
    let both = minijinja::value::merge_maps([answer_context(&s, answer), super::frame(&v, v.unit.as_deref())]);
    app.views.page("verify.html", minijinja::context! { form => true, ..both })
}

pub async fn public(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    if !app.auth.allow_public(peer.ip()) {
        return (StatusCode::TOO_MANY_REQUESTS, "För många frågor. Vänta en minut och försök igen.").into_response();
    }
    let s = Sheet { id, version };
    let answer = lookup(&app, &s.id, &s.version);
    app.views.page("verify.html", answer_context(&s, Some(answer)))
}

/// What a sheet's status says: (status, css class, kind in words, date, advice). Names no one.
struct Answer {
    status: String,
    css: &'static str,
    kind: String,
    date: String,
    advice: &'static str,
}

fn lookup(app: &Shared, id: &str, version: &str) -> Answer {
    let version = version.trim().trim_start_matches('v');
    let unknown = || Answer {
        status: "Okänt blad".into(),
        css: "bad",
        kind: String::new(),
        date: String::new(),
        advice: "Bladet finns inte i packet. Kontrollera id och version, eller fråga enhetschefen.",
    };
    if version.len() < 8 || !version.chars().all(|c| c.is_ascii_hexdigit()) {
        return unknown();
    }
    let Some(pack) = app.pack() else {
        return unknown();
    };
    let history = pack.history();
    match status(&pack.manifest, &history, &id.trim().to_ascii_uppercase(), &version.to_ascii_lowercase()) {
        Status::Current(e) => Answer {
            status: "Aktuell".into(),
            css: "ok",
            kind: e.kind.name_sv().into(),
            date: format!("utskriven {}", e.printed),
            advice: "Bladet är den gällande versionen.",
        },
        Status::Ended(h, _) if h.reason == Reason::ProtectionChanged => Answer {
            status: "Gallrad".into(),
            css: "bad",
            kind: String::new(),
            date: format!("sedan {}", h.ended),
            advice: "Bladet ska inte längre användas. Lämna det till enhetschefen.",
        },
        Status::Ended(h, _) => match (&h.superseded_by, &h.superseded_printed) {
            (Some(_), Some(printed)) => Answer {
                status: format!("Ersatt av utskrift {printed}"),
                css: "warn",
                kind: h.kind.name_sv().into(),
                date: format!("ersatt {}", h.ended),
                advice: "Använd den nya utskriften och strimla det här bladet.",
            },
            _ => Answer {
                status: "Gallrad".into(),
                css: "bad",
                kind: h.kind.name_sv().into(),
                date: format!("sedan {}", h.ended),
                advice: "Bladet ingår inte längre i pärmen. Strimla det.",
            },
        },
        Status::OtherVersion(e) => Answer {
            status: "Ersatt (okänd version)".into(),
            css: "warn",
            kind: e.kind.name_sv().into(),
            date: format!("gällande utskriven {}", e.printed),
            advice: "Versionen på bladet är inte den gällande. Använd den senaste utskriften.",
        },
        Status::Unknown => unknown(),
    }
}

fn answer_context(s: &Sheet, a: Option<Answer>) -> minijinja::Value {
    match a {
        None => minijinja::context! { id => s.id, version => s.version },
        Some(a) => {
            minijinja::context! { id => s.id, version => s.version, status => a.status, css => a.css, kind => a.kind, date => a.date, advice => a.advice }
        }
    }
}

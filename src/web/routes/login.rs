//! `/`, `/logga-in`, `/logga-ut`.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::web::Shared;
use crate::web::auth::{self, LOGIN_COOKIE, SESSION_COOKIE, Viewer};
use crate::web::users::{Password, Role};

/// `/`: the user's unit, all units for an admin, or the login page.
pub async fn home(State(app): State<Shared>, viewer: Result<Viewer, Response>) -> Response {
    let Ok(v) = viewer else { return Redirect::to("/logga-in").into_response() };
    match (&v.role, &v.unit) {
        (Role::Admin, _) | (_, None) => {
            let out = app.options.out.clone();
            let units = app.pack().map(|p| p.units()).unwrap_or_default();
            app.views.page("units.html", minijinja::context! { units, out => out.display().to_string(), ..super::frame(&v, None) })
        }
        (_, Some(u)) => Redirect::to(&format!("/enhet/{u}")).into_response(),
    }
}

pub async fn form(State(app): State<Shared>, headers: HeaderMap) -> Response {
    login_page(&app, &headers, None)
}

fn login_page(app: &Shared, headers: &HeaderMap, error: Option<&str>) -> Response {
    // Login CSRF: the form's token is also in a cookie (double submit).
    let token = auth::token();
    let mut r = app.views.page(
        "login.html",
        minijinja::context! { no_users => app.auth.no_users(), out => app.options.out.display().to_string(), error, login_csrf => token },
    );
    if let Ok(v) = auth::set_cookie(headers, LOGIN_COOKIE, &token, Some(3600)).parse() {
        r.headers_mut().append(SET_COOKIE, v);
    }
    if error.is_some() {
        *r.status_mut() = StatusCode::UNAUTHORIZED;
    }
    r
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    name: String,
    password: String,
}

pub async fn submit(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if f.csrf.is_empty() || !auth::constant_time_eq(f.csrf.as_bytes(), expected.as_bytes()) {
        return (StatusCode::FORBIDDEN, "Formuläret har gått ut. Ladda om inloggningssidan och försök igen.").into_response();
    }
    let delay = app.auth.delay(&f.name, peer.ip());
    tokio::time::sleep(delay).await;
    let (name, password) = (f.name, Password::new(f.password));
    let a = app.clone();
    let session = tokio::task::spawn_blocking(move || a.auth.login(&name, &password, peer.ip())).await.ok().flatten();
    let Some(id) = session else {
        return login_page(&app, &headers, Some("Fel användarnamn eller lösenord."));
    };
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = auth::set_cookie(&headers, SESSION_COOKIE, &id, None).parse() {
        r.headers_mut().append(SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(State(app): State<Shared>, headers: HeaderMap, v: Viewer, Form(f): Form<CsrfForm>) -> Response {
    if let Err(r) = v.check_csrf(&f.csrf) {
        return *r;
    }
    app.auth.logout(&v.session);
    let mut r = Redirect::to("/logga-in").into_response();
    if let Ok(c) = auth::set_cookie(&headers, SESSION_COOKIE, "", Some(0)).parse() {
        r.headers_mut().append(SET_COOKIE, c);
    }
    r
}

//! The page templates (`templates/web/*.html`, embedded), rendered with minijinja; every
//! value is HTML-escaped.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

const PAGES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/web/base.html")),
    ("login.html", include_str!("../../templates/web/login.html")),
    ("units.html", include_str!("../../templates/web/units.html")),
    ("unit.html", include_str!("../../templates/web/unit.html")),
    ("persons.html", include_str!("../../templates/web/persons.html")),
    ("person.html", include_str!("../../templates/web/person.html")),
    ("run.html", include_str!("../../templates/web/run.html")),
    ("shred.html", include_str!("../../templates/web/shred.html")),
    ("verify.html", include_str!("../../templates/web/verify.html")),
    ("egenkontroll.html", include_str!("../../templates/web/egenkontroll.html")),
    ("message.html", include_str!("../../templates/web/message.html")),
];

pub struct Views(Environment<'static>);

impl Views {
    pub fn new() -> Views {
        let mut env = Environment::new();
        for (name, source) in PAGES {
            env.add_template(name, source).expect("the page templates parse");
        }
        Views(env)
    }

    /// Renders a page; a template error is a 500 with a Swedish text (and no data).
    pub fn page(&self, name: &str, context: impl Serialize) -> Response {
        match self.0.get_template(name).and_then(|t| t.render(context)) {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!("sidmall {name}: {e}");
                (StatusCode::INTERNAL_SERVER_ERROR, "Sidan kunde inte visas (internt fel).").into_response()
            }
        }
    }

    /// A page with a heading and a message (and a link back).
    pub fn message(&self, status: StatusCode, title: &str, text: &str, back: &str) -> Response {
        let mut r = self.page("message.html", minijinja::context! { title, text, back });
        *r.status_mut() = status;
        r
    }
}

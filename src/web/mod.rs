//! `reservpack serve`: the enhetschef's and staff's web page over the published pack.
//!
//! A thin adapter over the library: [`serve`] builds the [`Engine`] once and hands one
//! [`App`] to every route; a route parses the request, checks the user's role
//! ([`auth::Viewer`]), reads the pack ([`pack`]) or calls [`Engine::run`], and renders a
//! minijinja view from `templates/web/`. The page is Swedish; it listens on 127.0.0.1:8080
//! unless told otherwise. Regenerating from the page and the nightly run share the output
//! directory's lock. The access log names only routes and opaque ids, never a person.

pub mod auth;
pub mod pack;
mod routes;
pub mod users;
mod views;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::Engine;

/// What `reservpack serve` was given.
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub input: PathBuf,
    pub listen: SocketAddr,
    pub config: Option<PathBuf>,
}

/// What every route shares: built once at startup.
pub struct App {
    pub engine: Arc<Engine>,
    pub options: Options,
    pub auth: auth::Auth,
    pub views: views::Views,
    pub runs: routes::regenerate::Runs,
    /// Serialises writes to the shredding receipts.
    pub receipts: Mutex<()>,
    /// The published pack, read once per generation.
    packs: pack::Cache,
    /// The messages about the input, checked for the published generation named (again
    /// whenever a run publishes a new one); `None` until the first check is done.
    diagnostics: Mutex<(Option<PathBuf>, Option<Vec<crate::diag::Diagnostic>>)>,
}

impl App {
    /// The published pack, if any.
    pub fn pack(&self) -> Option<Arc<pack::Pack>> {
        self.packs.get(&self.options.out)
    }

    /// The messages about the input (the same check as a run's, no rendering), if checked.
    /// When the pack has changed since the last check, starts a new one in the background.
    pub fn diagnostics(self: &Arc<Self>) -> Option<Vec<crate::diag::Diagnostic>> {
        let generation = crate::publish::published_dir(&self.options.out).ok().flatten();
        let mut d = self.diagnostics.lock().unwrap_or_else(|e| e.into_inner());
        if d.0 != generation || d.0.is_none() && d.1.is_none() {
            d.0 = generation.clone();
            let app = self.clone();
            std::thread::spawn(move || {
                let date = app
                    .pack()
                    .and_then(|p| chrono::NaiveDate::parse_from_str(&p.manifest.generated_for, "%Y-%m-%d").ok())
                    .unwrap_or_else(crate::run::tomorrow);
                let mut request = crate::Request::new(&app.options.input, &app.options.out, date, "webbsidan");
                request.config = app.options.config.clone();
                let diags = app.engine.check(&request).unwrap_or_default();
                let mut d = app.diagnostics.lock().unwrap_or_else(|e| e.into_inner());
                if d.0 == generation {
                    d.1 = Some(diags);
                }
            });
        }
        d.1.clone()
    }
}

pub type Shared = Arc<App>;

/// Builds the app (the Engine once) and its routes.
pub fn app(options: Options) -> Shared {
    Arc::new(App {
        engine: Arc::new(Engine::new()),
        auth: auth::Auth::new(&options.out),
        options,
        views: views::Views::new(),
        runs: routes::regenerate::Runs::default(),
        receipts: Mutex::new(()),
        packs: pack::Cache::default(),
        diagnostics: Mutex::new((None, None)),
    })
}

pub fn router(app: Shared) -> Router {
    routes::router(app.clone()).layer(axum::middleware::from_fn(access_log)).layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024))
}

/// Runs the server until interrupted. Prints the address it listens on.
pub async fn serve(options: Options) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(options.listen).await.map_err(|e| anyhow::anyhow!("kan inte lyssna på {}: {e}", options.listen))?;
    let addr = listener.local_addr()?;
    let app = tokio::task::spawn_blocking(move || app(options)).await?;
    // The start pages' problems and warnings: checked now, in the background.
    let _ = app.diagnostics();
    if app.auth.no_users() {
        println!("Ingen användare finns ännu. Lägg till den första med:");
        println!("  reservpack user add NAMN --role admin --out {}", app.options.out.display());
    }
    println!("Lyssnar på http://{addr}/");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// One line per request on stderr: method, route (its pattern, with opaque ids only: no
/// query string, no search text, no person), status, time.
async fn access_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "(okänd väg)".into());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let response = next.run(req).await;
    eprintln!("åtkomst: {peer} {method} {route} {} {} ms", response.status().as_u16(), started.elapsed().as_millis());
    response
}

/// Writes `bytes` to `path` atomically: a 0600 file beside it, flushed, then renamed over it.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::publish::create_dir_private(dir)?;
    let tmp = dir.join(format!(".{}.tmp-{}", path.file_name().and_then(|n| n.to_str()).unwrap_or("fil"), std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

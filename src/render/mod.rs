//! render: Typst as a library. Takes the planned documents, returns PDF bytes.
//!
//! [`Fonts`] (fonts, Typst library) are loaded once per process; one [`Renderer`] per run
//! adds the run's templates (and their `lib.typ`) and the date each document's world sees. [`Renderer::render_all`] is the only parallel code in reservpack:
//! plain threads with large stacks pull documents in plan order (Typst overflows rayon's
//! default stacks, and typst-pdf's writer yields into rayon, so documents are not driven
//! from a rayon pool — see DESIGN.md). Each document compiles alone, a panic fails only that
//! document, and Typst's memo cache is evicted as we go so memory stays flat.
//! Output bytes depend only on the input: the date Typst sees is `--date`, the PDF carries no
//! timestamp, and its creator is fixed.

pub mod qr;
mod templates;
mod world;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use typst::foundations::Smart;
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

pub use templates::{BUILTIN as BUILTIN_TEMPLATES, TemplateError, Templates, string_literal};
pub use world::{Fonts, MAX_ATTACHMENTS};

/// What render needs of one document; `plan::DocJob` provides it.
pub trait Job: Sync {
    /// Stable opaque document id (for messages and the PDF's identifier).
    fn id(&self) -> &str;
    fn template(&self) -> &str;
    /// The template's context: `doc` (the data view), `stamp`, `title`. Borrowed where the
    /// job holds it as a value; owned where it keeps it compactly as JSON text (plan's jobs,
    /// so a city-sized plan stays small in memory).
    fn context(&self) -> std::borrow::Cow<'_, serde_json::Value>;
    fn attachments(&self) -> &[Arc<Vec<u8>>];
    /// Whether the document is one `verify` knows (a manifest document): its stamp then
    /// carries a QR code with its id and version. Lists and covers made after the run do not.
    fn verifiable(&self) -> bool {
        false
    }
}

impl<J: Job + ?Sized> Job for &J {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn template(&self) -> &str {
        (**self).template()
    }
    fn context(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        (**self).context()
    }
    fn attachments(&self) -> &[Arc<Vec<u8>>] {
        (**self).attachments()
    }
    fn verifiable(&self) -> bool {
        (**self).verifiable()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("dokument {id}: {source}")]
    Template { id: String, source: TemplateError },
    #[error("dokument {id}: Typst: {message}")]
    Typst { id: String, message: String },
    #[error("dokument {id}: internt fel vid sättningen (panik); dokumentet hoppades över")]
    Panic { id: String },
    #[error("dokument {id}: kunde inte skrivas: {source}")]
    Write { id: String, source: std::io::Error },
}

/// A rendered document: its PDF and page count.
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

pub struct Renderer {
    base: world::Base,
    templates: Templates,
    /// The date every document's world sees as today (`--date`).
    today: NaiveDate,
    /// `publik_adress` from config: what the stamp's QR code points at.
    public_address: Option<String>,
}

impl Renderer {
    /// A renderer with its own fonts (loaded now): for one-off use and tests.
    pub fn new(templates: Templates, today: NaiveDate) -> Result<Renderer, TemplateError> {
        Renderer::with_fonts(Arc::new(Fonts::load()), templates, today)
    }

    /// A renderer for one run on fonts loaded once per process.
    pub fn with_fonts(fonts: Arc<Fonts>, templates: Templates, today: NaiveDate) -> Result<Renderer, TemplateError> {
        let lib = templates.source("lib.typ")?.to_string();
        Ok(Renderer { base: world::Base::new(fonts, &lib), templates, today, public_address: None })
    }

    /// The QR codes point at the web page at `address` (`publik_adress`), not `reservpack:…`.
    pub fn with_public_address(mut self, address: Option<String>) -> Renderer {
        self.public_address = address;
        self
    }

    /// The job's template context, with the stamp's QR code (`stamp.qr`: `svg` and width
    /// `mm`) for a verifiable document. Made here, not in plan: never hashed into the
    /// version, and a city's plan does not hold 60,000 SVGs.
    fn context<'j>(&self, job: &'j dyn Job) -> std::borrow::Cow<'j, serde_json::Value> {
        let mut context = job.context();
        if job.verifiable() {
            let stamp = &context["stamp"];
            let (id, short) = (stamp["id"].as_str().unwrap_or_default(), stamp["short"].as_str().unwrap_or_default());
            if !id.is_empty() && !short.is_empty()
                && let Some(code) = qr::svg(&qr::text(self.public_address.as_deref(), id, short))
            {
                context.to_mut()["stamp"]["qr"] = serde_json::json!({ "svg": code.svg, "mm": code.width_mm });
            }
        }
        context
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Fills the template and compiles one document to PDF.
    pub fn render_one(&self, job: &dyn Job) -> Result<Pdf, RenderError> {
        let id = job.id().to_string();
        let source = self
            .templates
            .render(job.template(), &self.context(job))
            .map_err(|source| RenderError::Template { id: id.clone(), source })?;
        let world = self.base.world(source, job.attachments(), self.today);
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|diags| RenderError::Typst { id: id.clone(), message: describe(&diags) })?;
        let options = PdfOptions {
            ident: Smart::Custom(id.clone()),
            creator: Smart::Custom(Some("reservpack".into())),
            timestamp: None,
            tagged: false,
            ..PdfOptions::default()
        };
        let bytes = typst_pdf::pdf(&document, &options)
            .map_err(|diags| RenderError::Typst { id: id.clone(), message: describe(&diags) })?;
        Ok(Pdf { bytes, pages: document.pages().len() })
    }

    /// Renders every job on `threads` plain threads; `sink(index, pdf)` stores each result
    /// as soon as it is ready (it runs on the worker thread). Returns, in job order, each
    /// document's page count or its error. `done` is called once per finished document.
    pub fn render_all<J, S>(&self, jobs: &[J], threads: usize, done: &(dyn Fn() + Sync), sink: S) -> Vec<Result<usize, RenderError>>
    where
        J: Job,
        S: Fn(usize, &Pdf) -> std::io::Result<()> + Sync,
    {
        let next = AtomicUsize::new(0);
        let finished = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<usize, RenderError>>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                std::thread::Builder::new()
                    .stack_size(64 << 20)
                    .spawn_scoped(scope, || {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(job) = jobs.get(i) else { break };
                            let outcome = catch_unwind(AssertUnwindSafe(|| self.render_one(job)))
                                .unwrap_or_else(|_| Err(RenderError::Panic { id: job.id().to_string() }))
                                .and_then(|pdf| {
                                    sink(i, &pdf).map_err(|source| RenderError::Write { id: job.id().to_string(), source })?;
                                    Ok(pdf.pages)
                                });
                            results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                            done();
                            // Each document's layout is never reused: keep Typst's memo cache
                            // small (what every document shares, like lib.typ, stays in use).
                            if finished.fetch_add(1, Ordering::Relaxed) % 8 == 7 {
                                typst::comemo::evict(2);
                            }
                        }
                    })
                    .expect("spawning a render thread");
            }
        });
        typst::comemo::evict(0);
        results
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|r| r.expect("every job was taken by a worker"))
            .collect()
    }
}

impl Renderer {
    /// The engine's own limit, for the benchmark: the given documents' bodies compiled as ONE
    /// Typst document (one page set-up, a page break between documents) and exported to PDF.
    /// Returns the page count. Relies on templates of the form
    /// `#import …` / `#let …` / `#show: page-setup.with(…)` / body.
    #[doc(hidden)]
    pub fn compile_as_one(&self, jobs: &[&dyn Job]) -> Result<usize, RenderError> {
        let mut main = String::from("#import \"/lib.typ\": *\n");
        for (i, job) in jobs.iter().enumerate() {
            let src = self
                .templates
                .render(job.template(), &self.context(*job))
                .map_err(|source| RenderError::Template { id: job.id().to_string(), source })?;
            let mut body = String::new();
            for line in src.lines() {
                if line.starts_with("#import") {
                    continue;
                }
                if line.starts_with("#show: page-setup") {
                    if i == 0 {
                        main.push_str(line);
                        main.push('\n');
                    }
                    continue;
                }
                body.push_str(line);
                body.push('\n');
            }
            if i > 0 {
                main.push_str("#pagebreak()\n");
            }
            main.push_str("#[\n");
            main.push_str(&body);
            main.push_str("]\n");
        }
        let world = self.base.world(main, &[], self.today);
        let id = "referens".to_string();
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|diags| RenderError::Typst { id: id.clone(), message: describe(&diags) })?;
        let options = PdfOptions { tagged: false, timestamp: None, ..PdfOptions::default() };
        typst_pdf::pdf(&document, &options).map_err(|diags| RenderError::Typst { id, message: describe(&diags) })?;
        let pages = document.pages().len();
        typst::comemo::evict(0);
        Ok(pages)
    }
}

/// Typst diagnostics as one line: the messages only (no source excerpt, which could hold data).
fn describe(diags: &[typst::diag::SourceDiagnostic]) -> String {
    let mut out: Vec<String> = diags.iter().map(|d| d.message.to_string()).collect();
    out.dedup();
    out.join("; ")
}

/// Configures rayon's global pool, which Typst uses inside one compile: two threads with
/// large stacks (the default 2 MiB overflows in Typst under load). Call once, early.
pub fn init_thread_pool(threads: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).stack_size(32 << 20).build_global();
}

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
pub mod rows;
mod templates;
mod world;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use typst::foundations::Smart;
use typst::model::Document as _;
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
    /// About how many pages the document will have (the last version's count, or a typical
    /// one for its kind). Batches are cut by pages as well as by documents: Typst holds a few
    /// MB per page of a compile, so 25 twelve-page checklists in one compile would cost a
    /// gigabyte.
    fn pages_hint(&self) -> usize {
        1
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
    fn pages_hint(&self) -> usize {
        (**self).pages_hint()
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
    /// version, and a city's plan does not hold 60,000 SVGs. `one_page`: the stamp says
    /// "Sida 1 av 1" outright (`stamp.one_page`), so Typst lays the document out once
    /// instead of twice; only for a document expected to fit one page, and only kept if it
    /// did (see [`Renderer::render_batch`]).
    fn context<'j>(&self, job: &'j dyn Job, one_page: bool) -> std::borrow::Cow<'j, serde_json::Value> {
        let mut context = job.context();
        if one_page && context["stamp"].is_object() {
            context.to_mut()["stamp"]["one_page"] = serde_json::Value::Bool(true);
        }
        if job.verifiable() {
            let stamp = &context["stamp"];
            let (id, short) = (stamp["id"].as_str().unwrap_or_default(), stamp["short"].as_str().unwrap_or_default());
            if !id.is_empty()
                && !short.is_empty()
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

    /// Fills the template and compiles one document to PDF. Spare copies of a form
    /// ([`Renderer::render_copies`]) are laid out once and repeated under each page's stamp.
    pub fn render_one(&self, job: &dyn Job) -> Result<Pdf, RenderError> {
        let context = self.context(job, false);
        if let Some(copies) = spare_copies(&context)
            && let Some(pdf) = self.render_copies(job, &context, copies)?
        {
            return Ok(pdf);
        }
        self.compile_context(job, &context)
    }

    /// The document compiled as its template says, every page laid out by Typst.
    #[cfg(test)]
    pub(crate) fn render_compiled(&self, job: &dyn Job) -> Result<Pdf, RenderError> {
        self.compile_context(job, &self.context(job, false))
    }

    fn compile_context(&self, job: &dyn Job, context: &serde_json::Value) -> Result<Pdf, RenderError> {
        let id = job.id();
        let document = self.compile(job, context)?;
        export(id, &document)
    }

    fn compile(&self, job: &dyn Job, context: &serde_json::Value) -> Result<PagedDocument, RenderError> {
        let id = job.id();
        let source =
            self.templates.render(job.template(), context).map_err(|source| RenderError::Template { id: id.to_string(), source })?;
        let world = self.base.world(source, job.attachments(), self.today);
        typst::compile::<PagedDocument>(&world).output.map_err(|diags| RenderError::Typst { id: id.to_string(), message: describe(&diags) })
    }

    /// Spare copies of a blank form (`doc.copies` > 1: the unnamed forms, a hundred pages
    /// to a unit): pages alike but for the stamp's "Sida X av Y". Typst lays every copy out
    /// anew, at the cost of a page of its own; here the form is laid out once (one copy, no
    /// stamp: `lib.typ`'s page set-up leaves the footer out without a stamp) and the stamps
    /// once per page on empty pages (`stamp.pages_only`), and each page is the form's frame
    /// with that page's stamp on it. The PDF is the same bytes as compiling the copies (a
    /// test compares them). `None` (then the copies are compiled as they are) if the page
    /// set-up in use does not know `pages_only` (a `lib.typ` of one's own), either compile
    /// fails, the form did not come out as one page, or the stamps not as one page each.
    fn render_copies(&self, job: &dyn Job, context: &serde_json::Value, copies: usize) -> Result<Option<Pdf>, RenderError> {
        use typst::layout::{Frame, FrameItem, GroupItem};
        if !self.templates.source("lib.typ").is_ok_and(|lib| lib.contains("pages_only")) {
            return Ok(None);
        }
        let mut form = context.clone();
        form["doc"]["copies"] = 1.into();
        form["stamp"] = serde_json::Value::Null;
        let mut stamps = context.clone();
        stamps["stamp"]["pages_only"] = copies.into();
        let (Ok(form), Ok(stamps)) = (self.compile(job, &form), self.compile(job, &stamps)) else {
            return Ok(None);
        };
        if form.pages().len() != 1 || stamps.pages().len() != copies {
            return Ok(None);
        }
        // The form's frame without its introspection tags: the same elements on every page
        // would be the same locations many times over (the stamps' pages carry their own).
        fn untagged(frame: &Frame) -> Frame {
            let mut out = Frame::new(frame.size(), frame.kind());
            out.push_multiple(frame.items().filter(|(_, item)| !matches!(item, FrameItem::Tag(_))).map(|(pos, item)| match item {
                FrameItem::Group(group) => (*pos, FrameItem::Group(GroupItem { frame: untagged(&group.frame), ..group.clone() })),
                other => (*pos, other.clone()),
            }));
            out
        }
        let body = untagged(&form.pages()[0].frame);
        let pages = stamps
            .pages()
            .iter()
            .map(|page| {
                let mut frame = Frame::new(page.frame.size(), page.frame.kind());
                frame.push_multiple(body.items().cloned());
                frame.push_multiple(page.frame.items().cloned());
                typst_layout::Page { frame, ..page.clone() }
            })
            .collect();
        let document = PagedDocument::new(pages, stamps.info().clone());
        export(job.id(), &document).map(Some)
    }

    /// Batch + split (DESIGN.md): compiles the jobs as ONE Typst document, each in its own
    /// scope, then cuts each job's pages into its own document and exports that. Each PDF is
    /// byte-identical to [`Renderer::render_one`]'s: `lib.typ`'s page set-up marks where a
    /// document starts and restarts the page counter, so "Sida X av Y" counts per document.
    /// Jobs with attachments are not batched (their files belong to one document's world).
    /// An error names the batch's first document; the caller then renders them one by one.
    ///
    /// A document expected to fit one page ([`Job::pages_hint`] 1) is compiled with
    /// `stamp.one_page`: its stamp prints "Sida 1 av 1" without the page counter, and its
    /// header no continuation line, so a batch of them needs one layout pass, not two. The
    /// PDF is the same bytes as the counted one's (a test compares them). If such a document
    /// came out longer, it is compiled again alone, counted.
    pub fn render_batch(&self, jobs: &[&dyn Job]) -> Result<Vec<Pdf>, RenderError> {
        let first = jobs.first().map(|j| j.id().to_string()).unwrap_or_default();
        let mut main = String::new();
        let one_page: Vec<bool> = jobs.iter().map(|j| j.pages_hint() == 1).collect();
        // Spare copies of a form are rendered alone (`render_one`), the rest as one compile.
        let mut alone = vec![false; jobs.len()];
        for (i, (job, &one)) in jobs.iter().zip(&one_page).enumerate() {
            if !job.attachments().is_empty() {
                return Err(RenderError::Typst { id: job.id().to_string(), message: "bilagor sätts var för sig".into() });
            }
            let context = self.context(*job, one);
            if spare_copies(&context).is_some() {
                alone[i] = true;
                continue;
            }
            let source = self
                .templates
                .render(job.template(), &context)
                .map_err(|source| RenderError::Template { id: job.id().to_string(), source })?;
            main.push_str("#pagebreak(weak: true)\n#[\n");
            main.push_str(&source);
            main.push_str("\n]\n");
        }
        let batched = alone.iter().filter(|a| !**a).count();
        let document = if batched == 0 {
            None
        } else {
            let world = self.base.world(main, &[], self.today);
            Some(
                typst::compile::<PagedDocument>(&world)
                    .output
                    .map_err(|diags| RenderError::Typst { id: first.clone(), message: describe(&diags) })?,
            )
        };
        let starts = document.as_ref().map(document_starts).unwrap_or_default();
        if starts.len() != batched || (batched > 0 && starts.first() != Some(&0)) || starts.windows(2).any(|w| w[0] >= w[1]) {
            return Err(RenderError::Typst { id: first, message: "dokumentens början hittades inte i omgången".into() });
        }
        let mut next = 0;
        jobs.iter()
            .enumerate()
            .map(|(i, job)| {
                let Some(document) = document.as_ref().filter(|_| !alone[i]) else {
                    return self.render_one(*job);
                };
                let pages = document.pages();
                let (start, end) = (starts[next], starts.get(next + 1).copied().unwrap_or(pages.len()));
                next += 1;
                if one_page[i] && end - start != 1 {
                    return self.render_one(*job);
                }
                let mut info = document.info().clone();
                // Every document sets its own title; the batch's info keeps the last one.
                info.title = job.context().get("title").and_then(|t| t.as_str()).map(Into::into);
                let one = PagedDocument::new(pages[start..end].iter().cloned().collect(), info);
                export(job.id(), &one)
            })
            .collect()
    }

    /// Renders every job on `threads` plain threads; `sink(index, pdf)` stores each result
    /// as soon as it is ready (it runs on the worker thread). Returns, in job order, each
    /// document's page count or its error. `done` is called once per finished document.
    /// Jobs go to the threads in batches of consecutive jobs ([`batch_size`]), compiled as
    /// one Typst document and split; a batch that fails is rendered again one by one, so a
    /// bad document fails alone.
    pub fn render_all<J, S>(&self, jobs: &[J], threads: usize, done: &(dyn Fn() + Sync), sink: S) -> Vec<Result<usize, RenderError>>
    where
        J: Job,
        S: Fn(usize, &Pdf) -> std::io::Result<()> + Sync,
    {
        let batches = batches(jobs, batch_size());
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<usize, RenderError>>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
        let store = |i: usize, outcome: Result<Pdf, RenderError>| {
            let outcome = outcome.and_then(|pdf| {
                sink(i, &pdf).map_err(|source| RenderError::Write { id: jobs[i].id().to_string(), source })?;
                Ok(pdf.pages)
            });
            results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            done();
        };
        let one = |i: usize| {
            let job: &dyn Job = &jobs[i];
            catch_unwind(AssertUnwindSafe(|| self.render_one(job))).unwrap_or_else(|_| Err(RenderError::Panic { id: job.id().to_string() }))
        };
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                std::thread::Builder::new()
                    .stack_size(64 << 20)
                    .spawn_scoped(scope, || {
                        loop {
                            let b = next.fetch_add(1, Ordering::Relaxed);
                            let Some(range) = batches.get(b) else { break };
                            if range.len() == 1 {
                                store(range.start, one(range.start));
                            } else {
                                let batch: Vec<&dyn Job> = jobs[range.clone()].iter().map(|j| j as &dyn Job).collect();
                                match catch_unwind(AssertUnwindSafe(|| self.render_batch(&batch))) {
                                    Ok(Ok(pdfs)) => {
                                        for (i, pdf) in range.clone().zip(pdfs) {
                                            store(i, Ok(pdf));
                                        }
                                    }
                                    _ => {
                                        tracing::debug!("omgången från {} sattes om dokument för dokument", jobs[range.start].id());
                                        for i in range.clone() {
                                            store(i, one(i));
                                        }
                                    }
                                }
                            }
                            // A batch's layout is never reused: keep Typst's memo cache small
                            // (what every document shares, like lib.typ, stays in use).
                            typst::comemo::evict(2);
                        }
                    })
                    .expect("spawning a render thread");
            }
        });
        typst::comemo::evict(0);
        results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(|r| r.expect("every job was taken by a worker")).collect()
    }
}

/// Documents (and about pages) per Typst compile (batch + split). 12 by measurement: a city
/// nightly peaked at 464, 472, 500, 526 and 639 MB with 12, 16, 20, 25 and 40, at about the
/// same speed (within the machine's noise), and a cold city pack at 530 MB with 16;
/// `RESERVPACK_RENDER_BATCH=1` renders each document alone.
pub fn batch_size() -> usize {
    std::env::var("RESERVPACK_RENDER_BATCH").ok().and_then(|v| v.trim().parse().ok()).filter(|&k| k >= 1).unwrap_or(12)
}

/// Consecutive runs of at most `k` jobs and about `k` pages ([`Job::pages_hint`]); a job
/// with attachments is a run of its own.
fn batches<J: Job>(jobs: &[J], k: usize) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut pages = 0;
    for (i, job) in jobs.iter().enumerate() {
        let hint = job.pages_hint().max(1);
        match out.last_mut() {
            Some(r) if r.len() < k && pages + hint <= k && job.attachments().is_empty() && jobs[r.start].attachments().is_empty() => {
                r.end = i + 1;
                pages += hint;
            }
            _ => {
                out.push(i..i + 1);
                pages = hint;
            }
        }
    }
    out
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
                .render(job.template(), &self.context(*job, false))
                .map_err(|source| RenderError::Template { id: job.id().to_string(), source })?;
            let mut body = String::new();
            for line in src.lines() {
                if line.starts_with("#import") {
                    continue;
                }
                if line.starts_with("#show: page-setup") {
                    if i == 0 {
                        // The page setup may use the document's own definitions (`#let d = …`,
                        // above it): those go to the top level with it.
                        main.push_str(&body);
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

/// How many spare copies of a blank form the document is (`doc.copies`), if more than one.
fn spare_copies(context: &serde_json::Value) -> Option<usize> {
    context.get("doc")?.get("copies")?.as_u64().map(|n| n as usize).filter(|&n| n > 1)
}

/// The PDF of one compiled document: no timestamp, a fixed creator, the id as identifier.
fn export(id: &str, document: &PagedDocument) -> Result<Pdf, RenderError> {
    let options = PdfOptions {
        ident: Smart::Custom(id.to_string()),
        creator: Smart::Custom(Some("reservpack".into())),
        timestamp: None,
        tagged: false,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(document, &options).map_err(|diags| RenderError::Typst { id: id.to_string(), message: describe(&diags) })?;
    Ok(Pdf { bytes, pages: document.pages().len() })
}

/// The index of the page each document of a batch starts on, in order (`lib.typ`'s
/// `<reservpack-start>` markers).
fn document_starts(document: &PagedDocument) -> Vec<usize> {
    use typst::introspection::Introspector;
    static START: std::sync::LazyLock<typst::foundations::Label> =
        std::sync::LazyLock::new(|| typst::foundations::Label::new(typst::utils::PicoStr::intern("reservpack-start")).expect("a name"));
    let introspector = document.introspector();
    introspector
        .query(&typst::foundations::Selector::Label(*START))
        .iter()
        .filter_map(|m| m.location())
        .filter_map(|loc| introspector.position(loc))
        .map(|pos| pos.page.get() - 1)
        .collect()
}

/// Typst diagnostics as one line: the messages only (no source excerpt, which could hold data).
fn describe(diags: &[typst::diag::SourceDiagnostic]) -> String {
    let mut out: Vec<String> = diags.iter().map(|d| d.message.to_string()).collect();
    out.dedup();
    out.join("; ")
}

/// Runs `f` on a thread with a large stack, as the render threads have (Typst overflows a
/// test thread's default one), and returns what it returns. For tests that render.
#[cfg(test)]
pub(crate) fn on_a_large_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(64 << 20).spawn(f).unwrap().join().unwrap()
}

/// Configures rayon's global pool, which Typst uses inside one compile: two threads with
/// large stacks (the default 2 MiB overflows in Typst under load). Call once, early.
pub fn init_thread_pool(threads: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).stack_size(32 << 20).build_global();
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hinted(usize, bool);

    impl Job for Hinted {
        fn id(&self) -> &str {
            "x"
        }
        fn template(&self) -> &str {
            "schema.typ"
        }
        fn context(&self) -> std::borrow::Cow<'_, serde_json::Value> {
            std::borrow::Cow::Owned(serde_json::Value::Null)
        }
        fn attachments(&self) -> &[Arc<Vec<u8>>] {
            if self.1 { &ATTACHED[..] } else { &[] }
        }
        fn pages_hint(&self) -> usize {
            self.0
        }
    }

    static ATTACHED: std::sync::LazyLock<[Arc<Vec<u8>>; 1]> = std::sync::LazyLock::new(|| [Arc::new(vec![1])]);

    #[test]
    fn batches_are_cut_by_documents_and_by_pages() {
        let jobs = |hints: &[usize]| hints.iter().map(|&h| Hinted(h, false)).collect::<Vec<_>>();
        // Thirty one-page documents: 25, then 5.
        assert_eq!(batches(&jobs(&[1; 30]), 25), vec![0..25, 25..30]);
        // Twelve-page checklists: two to a compile (24 pages), never 25 of them (300 pages).
        assert_eq!(batches(&jobs(&[12, 12, 12, 12, 12]), 25), vec![0..2, 2..4, 4..5]);
        // A document longer than the budget goes alone; small ones fill up around it.
        assert_eq!(batches(&jobs(&[1, 1, 30, 1, 24, 1]), 25), vec![0..2, 2..3, 3..5, 5..6]);
        // One document per compile when asked.
        assert_eq!(batches(&jobs(&[1, 1, 1]), 1), vec![0..1, 1..2, 2..3]);
        // A document with attachments is always alone.
        let mixed = vec![Hinted(1, false), Hinted(1, true), Hinted(1, false), Hinted(1, false)];
        assert_eq!(batches(&mixed, 25), vec![0..1, 1..2, 2..4]);
    }
}

//! One run of the pipeline, the library's front door: an [`Engine`] built once per process
//! (fonts and the Typst library; it knows no date) and [`Engine::run`], which takes a
//! [`Request`] (input, out, service day, scope, who asked) and returns a [`Report`] (outcome,
//! diagnostics, counts, shred lists as data). `reservpack generate`, `reservpack serve` and the
//! benchmark all call it; none of them re-wires the stages.
//!
//! A run: lock → ingest → privacy → plan → keep-or-render → publish the documents → derive
//! (diff → shred lists → history → print batches) → commit. It prints nothing: what the CLI
//! prints is made from the Report. Nothing is published unless the run ends in
//! [`Outcome::Published`], [`Outcome::PublishedWithProblems`] or [`Outcome::Unchanged`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::config::Config;
use crate::diag::{Diagnostic, Severity};
use crate::model::Dataset;
use crate::plan::{Audience, DocJob};
use crate::publish::history::Reason;
use crate::publish::shred::ShredLists;
use crate::publish::{Diff, Entry, Manifest, PublishError, Publisher, history};
use crate::render::{Fonts, Renderer, Templates};
use crate::retention::Rules;
use crate::{ingest, plan, privacy, render};

/// What a run regenerates, merged into the published pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// One unit's documents (`enhet_id`).
    Unit(String),
    /// One person's documents (`person_id`).
    Person(String),
}

/// Something the run has got to, for a progress display.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// A stage is done (its Swedish name).
    Stage(&'static str),
    /// `total` documents are to be rendered.
    Rendering { total: usize },
    /// One more document is rendered.
    Rendered,
}

/// One run's order.
#[derive(Clone)]
pub struct Request {
    pub input: PathBuf,
    pub out: PathBuf,
    /// The service day (`--date`): the first day the schedules are for, and the date every
    /// document sees as today.
    pub date: NaiveDate,
    /// Days from `date` (`--days`, at least 1); `None`: the config's `horisont_dagar`. A
    /// horizon that ends before non-working days extends over them ([`crate::horizon`]).
    pub days: Option<u32>,
    pub scope: Scope,
    /// Publish nothing if the input has a data problem.
    pub strict: bool,
    /// The config file (default: `reservpack.toml` in the input directory).
    pub config: Option<PathBuf>,
    /// Who asked, as the lock file names the run to a refused one (e.g. `reservpack generate`
    /// or `webbsidan (anna)`). Never a person's name or personnummer.
    pub asked_by: String,
    /// Called as the run goes on (on the run's and the render threads).
    pub progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
    /// When the data was exported (`--data-as-of`), printed in the stamp; default: the
    /// newest modification time of the input files.
    pub data_as_of: Option<chrono::NaiveDateTime>,
}

impl Request {
    /// A whole-pack run for one day, asked by `asked_by`.
    pub fn new(input: impl Into<PathBuf>, out: impl Into<PathBuf>, date: NaiveDate, asked_by: impl Into<String>) -> Request {
        Request {
            input: input.into(),
            out: out.into(),
            date,
            days: None,
            scope: Scope::All,
            strict: false,
            config: None,
            data_as_of: None,
            asked_by: asked_by.into(),
            progress: None,
        }
    }

    fn progress(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Published; some documents were new or changed.
    Published,
    /// Published, with data problems (rows left out; exit 3).
    PublishedWithProblems,
    /// Published, and no document had changed since the last run (nothing rendered).
    Unchanged,
    /// Another run holds the output directory's lock; nothing was done. The text names it.
    Locked(String),
    /// Nothing was published; the previous pack is untouched.
    Failed(Failure),
}

/// Why nothing was published.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("Inget publicerades: {errors} fel gör att indata inte kan läsas. Tidigare pack är orört.")]
    Unreadable { errors: usize },
    #[error("enheten {0} finns inte i enheter.csv")]
    UnknownUnit(String),
    #[error("person_id {0} finns inte i personer.csv")]
    UnknownPerson(String),
    #[error("Inget publicerades (--strict): {problems} dataproblem. Tidigare pack är orört.")]
    Strict { problems: usize },
    #[error("Inget publicerades: {documents} dokument kunde inte skapas. Tidigare pack är orört.")]
    Render { documents: usize },
}

/// What a run made, in numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Documents in the published manifest.
    pub documents: usize,
    /// New or changed (rendered) documents.
    pub rendered: usize,
    /// Unchanged documents carried over without rendering.
    pub kept: usize,
    pub removed: usize,
    /// Pages in the published manifest, and of them rendered by this run.
    pub pages: usize,
    pub rendered_pages: usize,
    pub problems: usize,
    pub warnings: usize,
}

/// One printed sheet to shred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShredItem {
    pub id: String,
    pub kind: plan::DocKind,
    pub label: String,
    /// The person the sheet is about as printed (fictive name or case number if protected).
    pub subject: String,
    /// The printed version (full).
    pub version: String,
    pub pages: usize,
    pub reason: Reason,
    /// The version that supersedes it, for [`Reason::NewVersion`].
    pub new_version: Option<String>,
}

/// The sheets of one unit and audience to shred after the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShredList {
    pub unit: String,
    pub audience: Audience,
    pub items: Vec<ShredItem>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Report {
    pub outcome: Outcome,
    /// Every message about the input (the restricted ones too: a front end shows each only
    /// to whom it may).
    pub diagnostics: Vec<Diagnostic>,
    /// Set when a person's run was widened to their unit or the pack (their protection
    /// changed): why, in Swedish.
    pub widened: Option<String>,
    /// Documents that could not be rendered (one message each) when the run failed on them.
    pub errors: Vec<String>,
    pub counts: Counts,
    /// Per unit and audience the run changed (possibly empty lists).
    pub shred: Vec<ShredList>,
    /// The gallringslistor (PDF) written, relative to `out/`.
    pub shred_pdfs: Vec<String>,
    /// The service day the published pack is for (`manifest.json`'s `generated_for`).
    pub generated_for: String,
    /// The days the run covered (its horizon, extended over weekends and holidays).
    pub days: Vec<NaiveDate>,
    pub elapsed: Duration,
}

impl Report {
    fn ended(outcome: Outcome, diagnostics: Vec<Diagnostic>, started: Instant) -> Report {
        Report {
            outcome,
            diagnostics,
            widened: None,
            errors: Vec::new(),
            counts: Counts::default(),
            shred: Vec::new(),
            shred_pdfs: Vec::new(),
            generated_for: String::new(),
            days: Vec::new(),
            elapsed: started.elapsed(),
        }
    }

    /// Whether the run published (the pack may be unchanged).
    pub fn published(&self) -> bool {
        matches!(self.outcome, Outcome::Published | Outcome::PublishedWithProblems | Outcome::Unchanged)
    }

    /// Sheets and pages to shred, over all lists.
    pub fn shred_totals(&self) -> (usize, usize) {
        self.shred.iter().flat_map(|l| &l.items).fold((0, 0), |(n, p), i| (n + 1, p + i.pages))
    }
}

/// A run that could not go on (config, I/O): nothing was published.
pub struct RunError(anyhow::Error);

impl RunError {
    /// The error and its causes, outermost first.
    pub fn into_anyhow(self) -> anyhow::Error {
        self.0
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        for cause in self.0.chain().skip(1) {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl<E: Into<anyhow::Error>> From<E> for RunError {
    fn from(e: E) -> RunError {
        RunError(e.into())
    }
}

/// What every run of a process shares: fonts and the Typst library (loaded once), and the
/// render threads. Knows no date: each run brings its own.
pub struct Engine {
    fonts: Arc<Fonts>,
    threads: usize,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new()
    }
}

impl Engine {
    pub fn new() -> Engine {
        render::init_thread_pool(2);
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
        Engine { fonts: Arc::new(Fonts::load()), threads }
    }

    /// A renderer for `templates` on this engine's fonts, whose documents see `date` as today
    /// and whose QR codes point at `config`'s `publik_adress`.
    pub fn renderer(&self, templates: Templates, date: NaiveDate, config: &Config) -> Result<Renderer, RunError> {
        Ok(Renderer::with_fonts(self.fonts.clone(), templates, date)?.with_public_address(config.publik_adress.clone()))
    }

    /// Builds the full print batches that `wanted` picks and the pack lacks, for the print
    /// room (`reservpack print`, the web page): a run leaves them to be asked for
    /// ([`batch::Full::OnDemand`]). Under the pack's lock, as a new generation that keeps
    /// everything else; nothing is published when every picked batch is there already.
    /// Returns `None` when no pack is published. `config` gives the templates and the QR
    /// address, as for the run that made the pack.
    pub fn build_full_batches(
        &self,
        out: &std::path::Path,
        asked_by: &str,
        config: &Config,
        wanted: &dyn Fn(&str, Audience) -> bool,
    ) -> Result<Option<crate::publish::batch::Summary>, RunError> {
        use crate::publish::batch::{self, BatchKind};
        let mut publisher = Publisher::open_as(out, asked_by)?;
        let Some(manifest) = publisher.take_previous()? else { return Ok(None) };
        let rows = match publisher.current_path(batch::PRINT_MANIFEST) {
            Some(path) => batch::read_print_manifest(&path)?,
            None => Vec::new(),
        };
        let date = manifest.generated_for.as_str();
        let built: HashSet<&str> = rows.iter().map(|r| r.batch.as_str()).collect();
        let missing = |unit: &str, audience: Audience| {
            wanted(unit, audience) && !built.contains(batch::batch_path(unit, audience, BatchKind::Full, date).as_str())
        };
        let groups: HashSet<(&str, Audience)> = manifest.documents.iter().map(|e| (e.unit.as_str(), e.audience)).collect();
        if !groups.iter().any(|&(unit, audience)| missing(unit, audience)) {
            return Ok(Some(batch::Summary {
                rows: rows.into_iter().filter(|r| wanted(&r.unit, r.audience)).collect(),
                ..Default::default()
            }));
        }
        publisher.keep_all_except(&HashSet::from([batch::PRINT_MANIFEST.to_string()]))?;
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| anyhow::anyhow!("manifestets datum {date} går inte att läsa"))?;
        let renderer = self.renderer(Templates::load(config.mallkatalog.as_deref())?, day, config)?;
        let summary = batch::build_full(&publisher, &renderer, &manifest, &missing)?;
        publisher.commit(&manifest)?;
        Ok(Some(summary))
    }

    /// The documents a whole-pack run of `request` would produce (ingest → privacy → plan),
    /// unrendered and unpublished, with a renderer for them (the benchmark's reference).
    /// Ids of protected persons are keyed with the config's key, or a throwaway one.
    pub fn plan(&self, request: &Request) -> Result<(Vec<DocJob>, Renderer), RunError> {
        let config = Config::load(request.config.as_deref(), &request.input)?;
        let templates = Templates::load(config.mallkatalog.as_deref())?;
        let days = service_days(request, &config);
        let loaded = ingest::load(&request.input, &config, request.date)
            .map_err(|ingest::IngestError::Fatal(d)| anyhow::anyhow!("{} fel gör att indata inte kan läsas", d.len()))?;
        let (cleared, diags) = privacy::clear_run(loaded.dataset, request.date, loaded.diagnostics, |d| d);
        let secret = config.id_secret()?.unwrap_or_else(crate::publish::secret::fresh);
        let ids = plan::IdKey::new(&secret);
        let scope = plan::Scope {
            days,
            authority_form_units: config.myndighetsblanketter.clone(),
            spare_forms: config.reservblanketter,
            delegated_tasks: config.delegerade_insatser.clone(),
            key_places: config.nyckelplats.clone(),
        };
        let jobs = plan::plan(&cleared, &scope, &Rules::from_config(&config), &templates, &ids, &diags);
        Ok((jobs, self.renderer(templates, request.date, &config)?))
    }

    /// The messages about the input that a run of `request` would give (ingest and privacy,
    /// nothing rendered or published); the fatal ones if the input cannot be read.
    pub fn check(&self, request: &Request) -> Result<Vec<Diagnostic>, RunError> {
        let config = Config::load(request.config.as_deref(), &request.input)?;
        match ingest::load(&request.input, &config, request.date) {
            Ok(loaded) => Ok(privacy::clear_run(loaded.dataset, request.date, loaded.diagnostics, |d| d).1),
            Err(ingest::IngestError::Fatal(diags)) => Ok(diags),
        }
    }

    /// The `person_id` whose documents carry the opaque person key `key` in the pack at
    /// `request.out` (keys are keyed with the config's or the pack's secret).
    pub fn person_for_key(&self, request: &Request, key: &str) -> Result<Option<String>, RunError> {
        let config = Config::load(request.config.as_deref(), &request.input)?;
        let secret = match config.id_secret()? {
            Some(s) => s,
            None => match crate::publish::secret::read(&request.out.join(".packs"))? {
                Some(s) => s,
                None => return Ok(None),
            },
        };
        let ids = plan::IdKey::new(&secret);
        // Only personer.csv (and what it is checked against): not a city's planned visits.
        let loaded = ingest::load_with(&request.input, &config, request.date, ingest::Reading::People)
            .map_err(|ingest::IngestError::Fatal(d)| anyhow::anyhow!("{} fel gör att indata inte kan läsas", d.len()))?;
        Ok(loaded.dataset.persons.iter().find(|p| ids.person_keys(&p.id).iter().any(|k| k == key)).map(|p| p.id.clone()))
    }

    /// Runs the pipeline for `request` and publishes into its output directory.
    pub fn run(&self, request: &Request) -> Result<Report, RunError> {
        run(self, request)
    }
}

/// Tomorrow in Europe/Stockholm: the default service day.
pub fn tomorrow() -> NaiveDate {
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm);
    now.date_naive().succ_opt().unwrap_or(now.date_naive())
}

/// The run's service days: `--days` (or the config's `horisont_dagar`) from `--date`, extended
/// over the non-working days that follow.
fn service_days(request: &Request, config: &Config) -> Vec<NaiveDate> {
    crate::horizon::service_days(request.date, request.days.unwrap_or(config.horisont_dagar))
}

fn run(engine: &Engine, request: &Request) -> Result<Report, RunError> {
    let started = Instant::now();
    let date = request.date;
    let config = Config::load(request.config.as_deref(), &request.input)?;
    let days: Vec<NaiveDate> = service_days(request, &config);
    let templates = Templates::load(config.mallkatalog.as_deref())?;

    // Lock first: a second run is refused before it reads anything.
    let phase = Phase::new(request);
    let mut publisher = match Publisher::open_as(&request.out, &request.asked_by) {
        Ok(p) => p,
        Err(e @ PublishError::Locked { .. }) => {
            return Ok(Report::ended(Outcome::Locked(e.to_string()), Vec::new(), started));
        }
        Err(e) => return Err(e.into()),
    };
    phase.done("lås och publicerat manifest");

    // A person's run reads what their folder is made of (no visits, no Time Care, no other
    // person's plans).
    let reading = match &request.scope {
        Scope::Person(p) => ingest::Reading::Person(p),
        _ => ingest::Reading::All,
    };
    let loaded = match ingest::load_with(&request.input, &config, date, reading) {
        Ok(l) => l,
        Err(ingest::IngestError::Fatal(diags)) => {
            return Ok(Report::ended(Outcome::Failed(Failure::Unreadable { errors: diags.len() }), diags, started));
        }
    };
    phase.done("inläsning");
    if let Scope::Unit(u) = &request.scope
        && !loaded.dataset.units.iter().any(|unit| &unit.id == u)
    {
        return Ok(Report::ended(Outcome::Failed(Failure::UnknownUnit(u.clone())), loaded.diagnostics, started));
    }
    if let Scope::Person(p) = &request.scope
        && !loaded.dataset.persons.iter().any(|person| &person.id == p)
    {
        return Ok(Report::ended(Outcome::Failed(Failure::UnknownPerson(p.clone())), loaded.diagnostics, started));
    }
    let mut previous = publisher.take_previous()?.unwrap_or_default();
    // The key for ids derived from person ids: the config's, the pack's, or a new one (written
    // just before the pack is published, so a failed first run leaves nothing behind).
    let packs = publisher.packs_dir().to_path_buf();
    let (secret, new_secret) = match config.id_secret()? {
        Some(s) => (s, false),
        None => match crate::publish::secret::read(&packs)? {
            Some(s) => (s, false),
            None => (crate::publish::secret::fresh(), true),
        },
    };
    let ids = plan::IdKey::new(&secret);
    let run_scope = RunScope::new(&request.scope, &loaded.dataset, &previous, &days, &ids);
    // Every unit's name, for the lists and batches of units outside a narrowed scope.
    let all_units = loaded.dataset.units.clone();
    let (cleared, diags) = privacy::clear_run(loaded.dataset, date, loaded.diagnostics, |d| run_scope.narrow(d));
    phase.done("integritet");
    let problems = diags.iter().filter(|d| d.severity == Severity::Problem).count();
    let warnings = diags.iter().filter(|d| d.severity == Severity::Warning).count();
    if problems > 0 && request.strict {
        let mut report = Report::ended(Outcome::Failed(Failure::Strict { problems }), diags, started);
        report.widened = run_scope.widened;
        return Ok(report);
    }

    let rules = Rules::from_config(&config);
    let scope = plan::Scope {
        days: days.clone(),
        authority_form_units: config.myndighetsblanketter.clone(),
        spare_forms: config.reservblanketter,
        delegated_tasks: config.delegerade_insatser.clone(),
        key_places: config.nyckelplats.clone(),
    };
    // Planned against the published pack: an unchanged document's template data is not
    // written out (it is carried over, not rendered).
    let published: plan::Published = previous.documents.iter().map(|e| (e.id.as_str(), (e.version.as_str(), e.path.as_str()))).collect();
    let mut jobs = plan::plan_against(&cleared, &scope, &rules, &templates, &ids, &diags, Some(&published));
    drop(published);
    // Earlier identities: a protected person's keys at their other levels (their old sheets
    // go to the restricted gallringslista only).
    let reidentified: HashSet<String> = cleared
        .persons
        .iter()
        .filter(|p| p.is_protected())
        .flat_map(|p| {
            let now = ids.person_key(&p.id, p.protection);
            ids.person_keys(&p.id).into_iter().filter(move |k| *k != now)
        })
        .collect();
    jobs.retain(|j| run_scope.plans(j));
    tracing::debug!("planerat: {} dokument, {} MB mallkontext", jobs.len(), jobs.iter().map(|j| j.context_json.len()).sum::<usize>() >> 20);
    phase.done("planering");

    // Incremental: what is unchanged since the published pack is carried over, not rendered.
    // What is rendered gets the stamp's print number and export time (not hashed).
    let as_of = request.data_as_of.unwrap_or_else(|| newest_input_time(&request.input, date)).format("%Y-%m-%d kl. %H:%M").to_string();
    let as_of_text: std::sync::Arc<str> = std::sync::Arc::from(as_of.as_str());
    let previous_by_id: HashMap<&str, &Entry> = previous.documents.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut kept = 0usize;
    let mut carried = vec![false; jobs.len()];
    for (i, job) in jobs.iter_mut().enumerate() {
        let same = previous_by_id.get(job.id.as_str()).is_some_and(|e| e.version == job.version && e.path == job.path);
        if same && publisher.keep(&job.path).is_ok() {
            kept += 1;
            carried[i] = true;
            // Never rendered: its template data can go.
            job.context_json = Box::from("");
            job.context_deflated = None;
            job.attachments = Vec::new();
        } else if let Some(e) = previous_by_id.get(job.id.as_str()) {
            // The last printed version's page count sizes the render batch.
            job.pages_hint = e.pages.max(1);
        }
    }
    // Unchanged by version but missing from the published pack (a damaged pack): planned
    // again in full for their template data, and rendered.
    let missing: HashSet<String> = jobs.iter().zip(&carried).filter(|(j, c)| !**c && !j.has_context()).map(|(j, _)| j.id.clone()).collect();
    if !missing.is_empty() {
        tracing::debug!("{} oförändrade dokument saknas i det publicerade packet och sätts om", missing.len());
        let mut again: HashMap<String, DocJob> = plan::plan(&cleared, &scope, &rules, &templates, &ids, &diags)
            .into_iter()
            .filter(|j| missing.contains(&j.id))
            .map(|j| (j.id.clone(), j))
            .collect();
        for job in jobs.iter_mut().filter(|j| missing.contains(&j.id)) {
            if let Some(full) = again.remove(&job.id) {
                job.context_json = full.context_json;
            }
        }
    }
    // The views are not needed once planned: free them before rendering (city: ~0.3 GB).
    drop(cleared);
    {
        // The print number: how many other versions of the document were printed before.
        let wanted: HashSet<&str> = jobs.iter().zip(&carried).filter(|(_, c)| !**c).map(|(j, _)| j.id.as_str()).collect();
        let printed_versions = printed_versions(&request.out, &previous, &wanted);
        for job in jobs.iter_mut().zip(&carried).filter(|(_, c)| !**c).map(|(j, _)| j) {
            let earlier = printed_versions.get(job.id.as_str());
            let n = earlier.map_or(0, |v| v.len() - usize::from(v.contains(job.version.as_str()))) + 1;
            job.set_print_info(n, &as_of_text);
        }
    }
    // Many documents to render (a first run, a new template): their template data is kept
    // deflated until each is rendered, so it does not crowd the render's memory.
    let waiting: usize = jobs.iter().map(|j| j.context_json.len()).sum();
    if waiting > DEFLATE_CONTEXTS_ABOVE {
        jobs.iter_mut().filter(|j| !j.context_json.is_empty()).for_each(DocJob::deflate_context);
        tracing::debug!("mallkontext packad: {} MB", waiting >> 20);
    }
    let to_render: Vec<&DocJob> = jobs.iter().zip(&carried).filter(|(_, c)| !**c).map(|(j, _)| j).collect();
    phase.done("inför sättning");

    let renderer = engine.renderer(templates, date, &config)?;
    let threads = engine.threads;
    request.progress(Progress::Rendering { total: to_render.len() });
    let tick = || request.progress(Progress::Rendered);
    let results = renderer.render_all(&to_render, threads, &tick, |i, pdf| publisher.write(&to_render[i].path, &pdf.bytes));

    let mut errors = Vec::new();
    let mut rendered_pages = std::collections::HashMap::new();
    for (job, r) in to_render.iter().zip(results) {
        match r {
            Ok(pages) => {
                rendered_pages.insert(job.id.clone(), pages);
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        let mut report = Report::ended(Outcome::Failed(Failure::Render { documents: errors.len() }), diags, started);
        report.widened = run_scope.widened;
        report.errors = errors;
        return Ok(report);
    }

    phase.done("sättning");
    let printed = date.format("%Y-%m-%d").to_string();
    // Documents outside this run's scope stay published as they are: moved into the new
    // manifest (a city's 60,000 entries are not copied); the rest of the old one is what
    // this run replaces or removes.
    let planned: HashSet<Box<str>> = jobs.iter().map(|j| j.id.as_str().into()).collect();
    let outside = previous.documents.iter().filter(|e| !planned.contains(e.id.as_str())).count();
    let mut documents: Vec<Entry> = Vec::with_capacity(jobs.len() + outside);
    for job in &jobs {
        let (pages, printed_on) = match rendered_pages.get(&job.id) {
            Some(p) => (*p, printed.clone()),
            None => {
                let e = previous_by_id.get(job.id.as_str()).expect("kept documents are in the previous manifest");
                (e.pages, e.printed.clone())
            }
        };
        documents.push(entry(job, pages, printed_on));
    }
    drop(previous_by_id);
    // The planned jobs are manifest entries now: their memory goes before the shred lists
    // and batches are made.
    drop(to_render);
    drop(jobs);
    let published_units: BTreeSet<String> = previous
        .documents
        .iter()
        .chain(&documents)
        .map(|e| e.unit.as_str())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut replaced = Manifest { generated_for: previous.generated_for.clone(), documents: Vec::new() };
    let carrying = Instant::now();
    // Units where a person became protected (or changed level) in this run: their dated
    // sheets of other days still show the earlier identity. They move to the enhetschef's
    // folder (the digital copy is kept, restricted), and their printouts go on the
    // restricted gallringslista with every other sheet of the earlier identity.
    let affected: HashSet<String> =
        previous.documents.iter().filter(|e| e.person.as_ref().is_some_and(|k| reidentified.contains(k))).map(|e| e.unit.clone()).collect();
    let mut earlier_sheets: HashSet<String> = HashSet::new();
    for e in std::mem::take(&mut previous.documents) {
        if !planned.contains(e.id.as_str()) && run_scope.carries(&e) {
            if e.date.is_some() && e.audience == plan::Audience::Personal && affected.contains(&e.unit) {
                let moved = restricted_copy(&e);
                let bytes = publisher.current_path(&e.path).map(std::fs::read).transpose()?;
                if let Some(bytes) = bytes {
                    publisher.write(&moved.path, &bytes)?;
                    documents.push(moved);
                }
                earlier_sheets.insert(e.id.clone());
                replaced.documents.push(e);
                continue;
            }
            if publisher.keep(&e.path).is_ok() {
                documents.push(e);
                continue;
            }
        }
        replaced.documents.push(e);
    }
    tracing::debug!("oförändrade dokument förda över: {} ms", carrying.elapsed().as_millis());
    documents.sort_by(|a, b| (&a.unit, a.audience, &a.kind, &a.path).cmp(&(&b.unit, b.audience, &b.kind, &b.path)));
    // A run for one person or unit adds to the published pack: it stays the pack of its day.
    let generated_for = match (&run_scope.kind, previous.generated_for.is_empty()) {
        (ScopeKind::All, _) | (_, true) => printed.clone(),
        _ => previous.generated_for.clone(),
    };
    let manifest = Manifest { generated_for, documents };
    let total_pages: usize = manifest.documents.iter().map(|d| d.pages).sum();
    let new_pages: usize = rendered_pages.values().sum();
    // What changed against the published manifest: carried documents (all the new
    // manifest's unplanned ones) are unchanged.
    let diff = Diff::of_run(&replaced, &manifest, &planned);
    // Derived files (not in the manifest): shred lists, then print batches. Both go into the
    // new generation and so are published, or not, together with the documents.
    // - Gallringslistor and history (issue 6): what this run made obsolete.
    phase.done("manifest");
    let earlier = crate::publish::shred::Earlier { person_keys: reidentified, sheets: earlier_sheets };
    let mut shred = ShredLists::compute(&diff, &manifest, date, &earlier);
    shred.as_of = Some(as_of.clone());
    let unit_names: HashMap<String, String> = all_units.iter().map(|u| (u.id.clone(), u.name.clone())).collect();
    let shred_pdfs = shred.write(&publisher, &renderer, &unit_names, &published_units, threads)?;
    history::record(&publisher, shred.ended(), date)?;
    phase.done("gallringslistor");
    // - Print batches (issue 7).
    // The nightly costs what changed: full batches are built when the print room asks.
    crate::publish::batch::write(
        &publisher,
        &renderer,
        &manifest,
        &diff,
        &all_units,
        run_scope.units().as_ref(),
        crate::publish::batch::Full::OnDemand,
    )?;
    phase.done("utskriftsbuntar");
    if new_secret {
        crate::publish::secret::write(&packs, &secret)?;
    }
    let shred_data = shred_lists(&shred);
    let counts = Counts {
        documents: manifest.documents.len(),
        rendered: rendered_pages.len(),
        kept,
        removed: diff.removed.len(),
        pages: total_pages,
        rendered_pages: new_pages,
        problems,
        warnings,
    };
    drop((shred, diff, planned));
    let generated_for = manifest.generated_for.clone();
    publisher.commit(&manifest)?;
    phase.done("publicering");
    // A city's pack is 60,000 entries: dropped on another thread, so the caller has its
    // report at once.
    std::thread::spawn(move || drop((manifest, replaced)));

    let outcome = if problems > 0 {
        Outcome::PublishedWithProblems
    } else if counts.rendered == 0 {
        Outcome::Unchanged
    } else {
        Outcome::Published
    };
    Ok(Report {
        outcome,
        diagnostics: diags,
        widened: run_scope.widened,
        errors: Vec::new(),
        counts,
        shred: shred_data,
        shred_pdfs,
        generated_for,
        days,
        elapsed: started.elapsed(),
    })
}

/// The run's shred lists as data.
fn shred_lists(shred: &ShredLists) -> Vec<ShredList> {
    shred
        .lists
        .iter()
        .map(|((unit, audience), items)| ShredList {
            unit: unit.clone(),
            audience: *audience,
            items: items
                .iter()
                .map(|i| ShredItem {
                    id: i.old.id.clone(),
                    kind: i.old.kind,
                    label: i.old.label.clone(),
                    subject: i.old.subject.clone(),
                    version: i.old.version.clone(),
                    pages: i.old.pages,
                    reason: i.reason,
                    new_version: i.new.map(|n| n.version.clone()),
                })
                .collect(),
        })
        .collect()
}

/// What a run regenerates: everything, one unit (`--unit`), or one person's documents
/// (`--person`), merged into the published pack.
enum ScopeKind {
    All,
    Unit(String),
    /// The person's opaque keys (at every protection level), and the units their documents
    /// are (or were) in.
    Person {
        id: String,
        keys: HashSet<String>,
        units: HashSet<String>,
    },
}

struct RunScope {
    kind: ScopeKind,
    /// The run's service days, as printed.
    days: HashSet<String>,
    /// Why a person's run was widened (their protection changed), as the CLI prints it.
    widened: Option<String>,
}

impl RunScope {
    fn new(scope: &Scope, data: &Dataset, previous: &Manifest, days: &[NaiveDate], ids: &crate::plan::IdKey) -> RunScope {
        let days: HashSet<String> = days.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
        let mut widened = None;
        let kind = if let Scope::Person(p) = scope {
            let keys: HashSet<String> = ids.person_keys(p).into_iter().collect();
            let person = data.persons.iter().find(|x| &x.id == p);
            let mut units: HashSet<String> = person.map(|x| x.unit.clone()).into_iter().collect();
            let mut earlier = false;
            for e in previous.documents.iter().filter(|e| e.person.as_ref().is_some_and(|k| keys.contains(k))) {
                units.insert(e.unit.clone());
                earlier |=
                    person.is_some_and(|x| x.protection.is_protected() && e.person.as_ref() != Some(&ids.person_key(p, x.protection)));
            }
            if earlier {
                // The person became protected or changed level: the unit's schedules and lists
                // show them too, so the whole unit (or pack) is made again.
                widened = Some(format!(
                    "Personens skydd har ändrats: {} skapas om.",
                    if units.len() == 1 { "hela enheten" } else { "hela packet" }
                ));
                match units.iter().next() {
                    Some(u) if units.len() == 1 => ScopeKind::Unit(u.clone()),
                    _ => ScopeKind::All,
                }
            } else {
                ScopeKind::Person { id: p.clone(), keys, units }
            }
        } else if let Scope::Unit(u) = scope {
            ScopeKind::Unit(u.clone())
        } else {
            ScopeKind::All
        };
        RunScope { kind, days, widened }
    }

    /// The data that clearing and planning the run's scope need (a city's other 9,999
    /// people are not cleared and planned just to be thrown away): for a person, that
    /// person and their unit(s); for a unit, the unit, its people, and the visits its
    /// schedules and lists show, with the people visited. Employees stay (phone lists).
    /// The scope's documents, and the messages about it, come out as in a full run. What is
    /// left out is dropped on another thread.
    fn narrow(&self, mut data: Dataset) -> Dataset {
        let (units, person): (HashSet<&str>, Option<&str>) = match &self.kind {
            ScopeKind::All => return data,
            ScopeKind::Unit(u) => ([u.as_str()].into(), None),
            ScopeKind::Person { id, units, .. } => (units.iter().map(String::as_str).collect(), Some(id.as_str())),
        };
        let mut people: HashSet<String> =
            data.persons.iter().filter(|p| person.map_or(units.contains(p.unit.as_str()), |id| p.id == id)).map(|p| p.id.clone()).collect();
        let visits = std::mem::take(&mut data.visits);
        let (kept, gone): (Vec<_>, Vec<_>) = if person.is_some() {
            (Vec::new(), visits)
        } else {
            let staff: HashSet<&str> =
                data.employees.iter().filter(|e| units.contains(e.unit.as_str())).map(|e| e.signature.as_str()).collect();
            visits.into_iter().partition(|v| people.contains(&v.person_id) || staff.contains(v.signature.as_str()))
        };
        people.extend(kept.iter().map(|v| v.person_id.clone()));
        data.visits = kept;
        fn split<T>(v: &mut Vec<T>, keep: impl Fn(&T) -> bool) -> Vec<T> {
            let (k, g): (Vec<T>, Vec<T>) = std::mem::take(v).into_iter().partition(|x| keep(x));
            *v = k;
            g
        }
        let persons = split(&mut data.persons, |p| people.contains(&p.id));
        let plans = split(&mut data.plans, |x| people.contains(&x.person_id));
        let assignments = split(&mut data.assignments, |x| people.contains(&x.person_id));
        let orders = split(&mut data.health_orders, |x| people.contains(&x.person_id));
        data.units.retain(|u| units.contains(u.id.as_str()));
        std::thread::spawn(move || drop((gone, persons, plans, assignments, orders)));
        data
    }

    /// The units this run regenerates (`None`: all of them).
    fn units(&self) -> Option<HashSet<String>> {
        match &self.kind {
            ScopeKind::All => None,
            ScopeKind::Unit(u) => Some([u.clone()].into()),
            ScopeKind::Person { units, .. } => Some(units.clone()),
        }
    }

    /// Whether a planned document is (re)generated in this run.
    fn plans(&self, job: &DocJob) -> bool {
        match &self.kind {
            ScopeKind::All => true,
            ScopeKind::Unit(u) => &job.unit == u,
            // Only the person's own documents. The unit's egenkontroll names a person's
            // folder, not its versions, so a person's update leaves it as it is (a new person
            // or a removed one is the next unit or pack run's to list).
            // The signeringslista is made from the planned visits, which a person's run does
            // not read: it is carried over as published (the next unit or pack run renews it).
            ScopeKind::Person { id, .. } => job.person.as_deref() == Some(id.as_str()) && !from_visits(job.kind),
        }
    }

    /// Whether a published document that this run does not plan stays: dated documents of
    /// other days always do (until `gallra`); everything outside the run's scope does.
    fn carries(&self, e: &Entry) -> bool {
        if e.date.as_ref().is_some_and(|d| !self.days.contains(d)) {
            return true;
        }
        match &self.kind {
            ScopeKind::All => false,
            ScopeKind::Unit(u) => &e.unit != u,
            // Everything but this person's documents stays; theirs not planned now are removed.
            ScopeKind::Person { keys, .. } => !e.person.as_ref().is_some_and(|k| keys.contains(k)) || from_visits(e.kind),
        }
    }
}

/// A person's document made from the planned visits (`besok.csv`), which a person's run
/// does not read.
fn from_visits(kind: plan::DocKind) -> bool {
    kind == plan::DocKind::Signeringslista
}

/// A dated general sheet that showed an earlier identity, as kept in the enhetschef's folder:
/// a new opaque id (the old one is ended in the history), a restricted path and place.
fn restricted_copy(e: &Entry) -> Entry {
    let id = plan::doc_id(e.kind, &e.unit, &format!("{}\u{0}begransad", e.id));
    Entry {
        path: plan::doc_path(&e.unit, plan::Audience::Enhetschef, e.kind, &id),
        id,
        audience: plan::Audience::Enhetschef,
        storage: plan::storage::STORAGE_MANAGER_CABINET.into(),
        person: None,
        ..e.clone()
    }
}

/// The newest modification time of the input files (local time in Sweden): when the data
/// was exported, as far as the files tell. Falls back to the service day's midnight.
fn newest_input_time(input: &std::path::Path, date: NaiveDate) -> chrono::NaiveDateTime {
    let mut newest: Option<std::time::SystemTime> = None;
    let mut dirs = vec![input.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.is_dir() && dir == input {
                dirs.push(e.path());
            } else if meta.is_file()
                && let Ok(m) = meta.modified()
            {
                newest = Some(newest.map_or(m, |n| n.max(m)));
            }
        }
    }
    match newest {
        Some(t) => chrono::DateTime::<chrono::Utc>::from(t).with_timezone(&chrono_tz::Europe::Stockholm).naive_local(),
        None => date.and_hms_opt(0, 0, 0).expect("midnight exists"),
    }
}

/// Template data of the documents to render, in bytes, above which it is kept deflated.
const DEFLATE_CONTEXTS_ABOVE: usize = 64 << 20;

/// Per document id in `wanted`, the versions printed so far: those the pack's history ended
/// and those published now (for `utskrift N` in the stamp).
fn printed_versions(out: &std::path::Path, previous: &Manifest, wanted: &HashSet<&str>) -> HashMap<String, HashSet<String>> {
    let mut m: HashMap<String, HashSet<String>> = HashMap::new();
    if let Ok(Some(generation)) = crate::publish::published_dir(out) {
        // Only the documents this run prints: the history of a pack in use holds every
        // version ended in the last two years.
        for e in history::read_matching(&generation, |id| wanted.contains(id)) {
            m.entry(e.id).or_default().insert(e.version);
        }
    }
    for e in previous.documents.iter().filter(|e| wanted.contains(e.id.as_str())) {
        m.entry(e.id.clone()).or_default().insert(e.version.clone());
    }
    m
}

fn entry(job: &DocJob, pages: usize, printed: String) -> Entry {
    Entry {
        id: job.id.clone(),
        kind: job.kind,
        unit: job.unit.clone(),
        audience: job.audience,
        path: job.path.clone(),
        pages,
        version: job.version.clone(),
        gallring: job.gallring.manifest_text(),
        date: job.date.map(|d| d.format("%Y-%m-%d").to_string()),
        label: job.label.clone(),
        subject: job.subject.clone(),
        storage: job.storage.clone(),
        person: job.person_key.clone(),
        printed,
    }
}

/// Logs how long each stage took (`RESERVPACK_LOG=info`), for profiling, and tells the
/// request's progress.
struct Phase<'a>(std::cell::Cell<Instant>, &'a Request);

impl<'a> Phase<'a> {
    fn new(request: &'a Request) -> Phase<'a> {
        Phase(std::cell::Cell::new(Instant::now()), request)
    }

    fn done(&self, what: &'static str) {
        let now = Instant::now();
        tracing::info!("{what}: {:.0} ms", (now - self.0.get()).as_secs_f64() * 1000.0);
        self.0.set(now);
        self.1.progress(Progress::Stage(what));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark's yardstick: the demo's schedules, planned as a run plans them, compile
    /// as ONE Typst document with (at least) a page each.
    #[test]
    fn the_benchmark_reference_compiles_schedules_as_one_document() {
        let input = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let scratch = tempfile::tempdir().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let engine = Engine::new();
        let (jobs, renderer) = engine.plan(&Request::new(&input, scratch.path().join("out"), date, "test")).unwrap();
        let schedules: Vec<&dyn render::Job> =
            jobs.iter().filter(|j| j.kind == plan::DocKind::Schema).take(3).map(|j| j as &dyn render::Job).collect();
        assert_eq!(schedules.len(), 3, "the demo has schedules");
        let pages = renderer.compile_as_one(&schedules).expect("the reference compiles");
        assert!(pages >= 3, "{pages} pages for 3 schedules");
        assert!(!scratch.path().join("out").exists(), "planning publishes nothing");
    }
}

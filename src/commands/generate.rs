//! `reservpack generate`: the whole chain ingest → privacy → plan → render → publish.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::IsTerminal;
use std::time::Instant;

use chrono::NaiveDate;

use reservpack::config::Config;
use reservpack::diag::Severity;
use reservpack::plan::{DocJob, Scope};
use reservpack::model::Dataset;
use reservpack::publish::shred::ShredLists;
use reservpack::publish::{Diff, Entry, Manifest, Publisher, history};
use reservpack::render::{Renderer, Templates};
use reservpack::retention::Rules;
use reservpack::{ingest, plan, privacy, render};

use super::{EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_diagnostics, tomorrow};
use crate::cli;

pub fn generate(args: cli::GenerateArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let date = args.date.unwrap_or_else(tomorrow);
    let days: Vec<NaiveDate> = (0..args.days).filter_map(|i| date.checked_add_days(chrono::Days::new(i.into()))).collect();
    let config = Config::load(args.config.as_deref(), &args.input)?;
    let templates = Templates::load(config.mallkatalog.as_deref())?;

    // Lock first: a second run is refused before it reads anything.
    let phase = Phase::new();
    let mut publisher = Publisher::open(&args.out)?;
    phase.done("lås och publicerat manifest");

    // A person's run reads what their folder is made of (no visits, no Time Care, no other
    // person's plans).
    let reading = args.person.as_deref().map_or(ingest::Reading::All, ingest::Reading::Person);
    let loaded = match ingest::load_with(&args.input, &config, date, reading) {
        Ok(l) => l,
        Err(ingest::IngestError::Fatal(diags)) => {
            print_diagnostics(&diags);
            eprintln!("Inget publicerades: {} fel gör att indata inte kan läsas. Tidigare pack är orört.", diags.len());
            return Ok(EXIT_FAILED);
        }
    };
    phase.done("inläsning");
    if args.person.is_some() && args.unit.is_some() {
        eprintln!("fel: ange antingen --person eller --unit, inte båda");
        return Ok(EXIT_USAGE);
    }
    if let Some(u) = &args.unit
        && !loaded.dataset.units.iter().any(|unit| &unit.id == u)
    {
        print_diagnostics(&loaded.diagnostics);
        eprintln!("fel: enheten {u} finns inte i enheter.csv");
        return Ok(EXIT_USAGE);
    }
    if let Some(p) = &args.person
        && !loaded.dataset.persons.iter().any(|person| &person.id == p)
    {
        print_diagnostics(&loaded.diagnostics);
        eprintln!("fel: person_id {p} finns inte i personer.csv");
        return Ok(EXIT_USAGE);
    }
    let mut previous = publisher.take_previous()?.unwrap_or_default();
    // The key for ids derived from person ids: the config's, the pack's, or a new one (written
    // just before the pack is published, so a failed first run leaves nothing behind).
    let packs = publisher.packs_dir().to_path_buf();
    let (secret, new_secret) = match config.id_secret()? {
        Some(s) => (s, false),
        None => match reservpack::publish::secret::read(&packs)? {
            Some(s) => (s, false),
            None => (reservpack::publish::secret::fresh(), true),
        },
    };
    let ids = plan::IdKey::new(&secret);
    let run_scope = RunScope::new(&args, &loaded.dataset, &previous, &days, &ids);
    // Every unit's name, for the lists and batches of units outside a narrowed scope.
    let all_units = loaded.dataset.units.clone();
    let (cleared, diags) = privacy::clear_run(loaded.dataset, date, loaded.diagnostics, |d| run_scope.narrow(d));
    phase.done("integritet");
    print_diagnostics(&diags);
    let problems = diags.iter().filter(|d| d.severity == Severity::Problem).count();
    if problems > 0 && args.strict {
        eprintln!("Inget publicerades (--strict): {problems} dataproblem. Tidigare pack är orört.");
        return Ok(EXIT_FAILED);
    }

    let rules = Rules::from_config(&config);
    let scope = Scope {
        days: days.clone(),
        authority_form_units: config.myndighetsblanketter.clone(),
        spare_forms: config.reservblanketter,
    };
    let mut jobs = plan::plan(&cleared, &scope, &rules, &templates, &ids, &diags);
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
    // The views are not needed once planned: free them before rendering (city: ~0.3 GB).
    drop(cleared);
    jobs.retain(|j| run_scope.plans(j));
    phase.done("planering");

    // Incremental: what is unchanged since the published pack is carried over, not rendered.
    // What is rendered gets the stamp's print number and export time (not hashed).
    let as_of = args.data_as_of.unwrap_or_else(|| newest_input_time(&args.input, date)).format("%Y-%m-%d kl. %H:%M").to_string();
    let printed_versions = printed_versions(&args.out, &previous);
    let previous_by_id: HashMap<&str, &Entry> = previous.documents.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut kept = 0usize;
    let mut carried = vec![false; jobs.len()];
    for (i, job) in jobs.iter_mut().enumerate() {
        let same = previous_by_id.get(job.id.as_str()).is_some_and(|e| e.version == job.version && e.path == job.path);
        if same && publisher.keep(&job.path).is_ok() {
            kept += 1;
            carried[i] = true;
        } else {
            let earlier = printed_versions.get(job.id.as_str());
            let n = earlier.map_or(0, |v| v.len() - usize::from(v.contains(job.version.as_str()))) + 1;
            job.set_print_info(n, &as_of);
        }
    }
    let to_render: Vec<&DocJob> = jobs.iter().zip(&carried).filter(|(_, c)| !**c).map(|(j, _)| j).collect();

    render::init_thread_pool(2);
    let renderer = Renderer::new(templates, date)?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
    let bar = progress_bar(to_render.len() as u64);
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let results = renderer.render_all(&to_render, threads, &tick, |i, pdf| publisher.write(&to_render[i].path, &pdf.bytes));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let mut failed = 0usize;
    let mut rendered_pages = std::collections::HashMap::new();
    for (job, r) in to_render.iter().zip(results) {
        match r {
            Ok(pages) => {
                rendered_pages.insert(job.id.clone(), pages);
            }
            Err(e) => {
                failed += 1;
                eprintln!("fel: {e}");
            }
        }
    }
    if failed > 0 {
        eprintln!("Inget publicerades: {failed} dokument kunde inte skapas. Tidigare pack är orört.");
        return Ok(EXIT_FAILED);
    }

    phase.done("sättning");
    let printed = date.format("%Y-%m-%d").to_string();
    let mut documents: Vec<Entry> = Vec::with_capacity(previous.documents.len() + jobs.len());
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
    let published_units: BTreeSet<String> =
        previous.documents.iter().chain(&documents).map(|e| e.unit.as_str()).collect::<BTreeSet<&str>>().into_iter().map(str::to_string).collect();
    // Documents outside this run's scope stay published as they are: moved into the new
    // manifest (a city's 60,000 entries are not copied); the rest of the old one is what
    // this run replaces or removes.
    let planned: HashSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    let mut replaced = Manifest { generated_for: previous.generated_for.clone(), documents: Vec::new() };
    let carrying = Instant::now();
    // Units where a person became protected (or changed level) in this run: their dated
    // sheets of other days still show the earlier identity. They move to the enhetschef's
    // folder (the digital copy is kept, restricted), and their printouts go on the
    // restricted gallringslista with every other sheet of the earlier identity.
    let affected: HashSet<String> = previous
        .documents
        .iter()
        .filter(|e| e.person.as_ref().is_some_and(|k| reidentified.contains(k)))
        .map(|e| e.unit.clone())
        .collect();
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
    let earlier = reservpack::publish::shred::Earlier { person_keys: reidentified, sheets: earlier_sheets };
    let mut shred = ShredLists::compute(&diff, &manifest, date, &earlier);
    shred.as_of = Some(as_of.clone());
    let unit_names: HashMap<String, String> = all_units.iter().map(|u| (u.id.clone(), u.name.clone())).collect();
    let shred_lists = shred.write(&publisher, &renderer, &unit_names, &published_units, threads)?;
    history::record(&publisher, shred.ended(), date)?;
    phase.done("gallringslistor");
    // - Print batches (issue 7).
    reservpack::publish::batch::write(&publisher, &renderer, &manifest, &diff, &all_units, run_scope.units().as_ref())?;
    phase.done("utskriftsbuntar");
    if new_secret {
        reservpack::publish::secret::write(&packs, &secret)?;
    }
    publisher.commit(&manifest)?;
    phase.done("publicering");

    let secs = started.elapsed().as_secs_f64();
    let warnings = diags.iter().filter(|d| d.severity == Severity::Warning).count();
    println!(
        "Klart: {} dokument ({} nya eller ändrade, {} oförändrade, {} borttagna), {} sidor ({} skapade) på {:.1} s, {:.0} sidor/s. {} dataproblem, {} varningar. Pack i {}",
        manifest.documents.len(),
        rendered_pages.len(),
        kept,
        diff.removed.len(),
        total_pages,
        new_pages,
        secs,
        new_pages as f64 / secs.max(0.001),
        problems,
        warnings,
        args.out.display()
    );
    if rendered_pages.is_empty() {
        println!("Inget dokument har ändrats sedan förra körningen; inget skapades om.");
    }
    let (sheets, pages) = shred.totals();
    if sheets > 0 {
        let units: BTreeSet<&str> = shred.lists.keys().map(|(u, _)| u.as_str()).collect();
        if shred_lists.len() <= 4 {
            let lists: Vec<String> = shred_lists.iter().map(|p| args.out.join(p).display().to_string()).collect();
            println!("Att strimla: {sheets} dokument ({pages} sidor) – se gallringslistan: {}", lists.join(", "));
        } else {
            println!(
                "Att strimla: {sheets} dokument ({pages} sidor) i {} enheter – se gallringslista.pdf i varje enhets mapp (och i begransad/)",
                units.len()
            );
        }
    } else if !shred_lists.is_empty() {
        println!("Inget utskrivet blad behöver strimlas efter denna körning.");
    }
    // The run ends here: the process hands its memory back at once, while dropping a city's
    // pack entry by entry would only cost time.
    drop((shred, diff, to_render, planned));
    std::mem::forget((manifest, replaced, jobs));
    Ok(if problems > 0 { EXIT_PROBLEMS } else { EXIT_OK })
}

/// What a run regenerates: everything, one unit (`--unit`), or one person's documents
/// (`--person`), merged into the published pack.
enum ScopeKind {
    All,
    Unit(String),
    /// The person's opaque keys (at every protection level), and the units their documents
    /// are (or were) in.
    Person { id: String, keys: HashSet<String>, units: HashSet<String> },
}

struct RunScope {
    kind: ScopeKind,
    /// The run's service days, as printed.
    days: HashSet<String>,
}

impl RunScope {
    fn new(args: &cli::GenerateArgs, data: &Dataset, previous: &Manifest, days: &[NaiveDate], ids: &plan::IdKey) -> RunScope {
        let days: HashSet<String> = days.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
        let kind = if let Some(p) = &args.person {
            let keys: HashSet<String> = ids.person_keys(p).into_iter().collect();
            let person = data.persons.iter().find(|x| &x.id == p);
            let mut units: HashSet<String> = person.map(|x| x.unit.clone()).into_iter().collect();
            let mut earlier = false;
            for e in previous.documents.iter().filter(|e| e.person.as_ref().is_some_and(|k| keys.contains(k))) {
                units.insert(e.unit.clone());
                earlier |= person.is_some_and(|x| x.protection.is_protected() && e.person.as_ref() != Some(&ids.person_key(p, x.protection)));
            }
            if earlier {
                // The person became protected or changed level: the unit's schedules and lists
                // show them too, so the whole unit (or pack) is made again.
                eprintln!("Personens skydd har ändrats: {} skapas om.", if units.len() == 1 { "hela enheten" } else { "hela packet" });
                match units.iter().next() {
                    Some(u) if units.len() == 1 => ScopeKind::Unit(u.clone()),
                    _ => ScopeKind::All,
                }
            } else {
                ScopeKind::Person { id: p.clone(), keys, units }
            }
        } else if let Some(u) = &args.unit {
            ScopeKind::Unit(u.clone())
        } else {
            ScopeKind::All
        };
        RunScope { kind, days }
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
        let mut people: HashSet<String> = data
            .persons
            .iter()
            .filter(|p| person.map_or(units.contains(p.unit.as_str()), |id| p.id == id))
            .map(|p| p.id.clone())
            .collect();
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
            // Only the person's own documents. The unit's egenkontroll (a checklist of every
            // document's version, for the quarterly check, tens of pages) is renewed by the
            // next run for the unit or the pack, not printed again for each person's update.
            ScopeKind::Person { id, .. } => job.person.as_deref() == Some(id.as_str()),
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
            ScopeKind::Person { keys, .. } => !e.person.as_ref().is_some_and(|k| keys.contains(k)),
        }
    }
}

/// A dated general sheet that showed an earlier identity, as kept in the enhetschef's folder:
/// a new opaque id (the old one is ended in the history), a restricted path and place.
fn restricted_copy(e: &Entry) -> Entry {
    let id = plan::doc_id(&e.kind, &e.unit, &format!("{}\u{0}begransad", e.id));
    Entry {
        path: format!("{}/begransad/{}/{id}.pdf", plan::path_component(&e.unit), e.kind),
        id,
        audience: plan::Audience::Enhetschef,
        storage: "Enhetschefens dokumentskåp (endast enhetschef)".into(),
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
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else { continue };
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

/// Per document id, the versions printed so far: those the pack's history ended and those
/// published now (for `utskrift N` in the stamp).
fn printed_versions(out: &std::path::Path, previous: &Manifest) -> HashMap<String, HashSet<String>> {
    let mut m: HashMap<String, HashSet<String>> = HashMap::new();
    if let Ok(Some(generation)) = reservpack::publish::published_dir(out) {
        for e in history::read_all(&generation) {
            m.entry(e.id).or_default().insert(e.version);
        }
    }
    for e in &previous.documents {
        m.entry(e.id.clone()).or_default().insert(e.version.clone());
    }
    m
}

fn entry(job: &DocJob, pages: usize, printed: String) -> Entry {
    Entry {
        id: job.id.clone(),
        kind: job.kind.to_string(),
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

/// Logs how long each stage took (`RESERVPACK_LOG=info`), for profiling.
struct Phase(std::cell::Cell<Instant>);

impl Phase {
    fn new() -> Phase {
        Phase(std::cell::Cell::new(Instant::now()))
    }

    fn done(&self, what: &str) {
        let now = Instant::now();
        tracing::info!("{what}: {:.0} ms", (now - self.0.get()).as_secs_f64() * 1000.0);
        self.0.set(now);
    }
}

fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || len == 0 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} Skapar dokument {pos}/{len} [{bar:40}] {per_sec} – cirka {eta} kvar")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(bar)
}

//! Contact lists and configuration: units (`enheter.csv`), staff (`personal.csv`), unit
//! contacts (`kontakter.csv`), and supporting routines (`rutiner/*.pdf`).

use std::path::Path;
use std::sync::Arc;

use super::rows::{Ctx, Fields, col};
use super::{INPUT_DIR, refusal_text};
use crate::confine;
use crate::diag::Diagnostic;
use crate::model::{Contact, Employee, Routine, Source, Unit, UnitKind};

pub(super) fn units(ctx: &mut Ctx) -> Vec<Unit> {
    const FILE: &str = "enheter.csv";
    let columns = [
        col("enhet_id", true),
        col("namn", true),
        col("typ", true),
        col("adress", false),
        col("postnr", false),
        col("ort", false),
        col("telefon", false),
        col("enhetschef", false),
    ];
    let Some(table) = ctx.table(FILE, &columns, true) else { return Vec::new() };
    let mut out = Vec::new();
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        let id = f.req("enhet_id");
        let name = f.req("namn");
        let kind =
            f.choice("typ", true, &[("hemtjanst", UnitKind::Hemtjanst), ("boende", UnitKind::Boende), ("myndighet", UnitKind::Myndighet)]);
        if f.bad {
            continue;
        }
        out.push(Unit {
            id,
            name,
            kind: kind.expect("checked"),
            address: f.opt("adress"),
            postnr: f.opt("postnr"),
            ort: f.opt("ort"),
            phone: f.opt("telefon"),
            manager: f.opt("enhetschef"),
            source: Source { file: FILE, line: f.line },
        });
    }
    out
}

pub(super) fn employees(ctx: &mut Ctx) -> Vec<Employee> {
    const FILE: &str = "personal.csv";
    let columns = [
        col("signatur", true),
        col("fornamn", true),
        col("efternamn", true),
        col("enhet", true),
        col("roll", false),
        col("arbetstelefon", false),
        col("privat_telefon", false),
    ];
    let Some(table) = ctx.table(FILE, &columns, true) else { return Vec::new() };
    let mut out = Vec::new();
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        let signature = f.req("signatur");
        let first_name = f.req("fornamn");
        let last_name = f.req("efternamn");
        let unit = f.req("enhet");
        if f.bad {
            continue;
        }
        out.push(Employee {
            signature,
            first_name,
            last_name,
            unit,
            role: f.opt("roll"),
            work_phone: f.opt("arbetstelefon"),
            private_phone: f.opt("privat_telefon"),
            source: Source { file: FILE, line: f.line },
        });
    }
    out
}

pub(super) fn unit_contacts(ctx: &mut Ctx) -> Vec<Contact> {
    const FILE: &str = "kontakter.csv";
    let columns = [col("enhet", true), col("roll", true), col("namn", true), col("telefon", true), col("nar", false)];
    let Some(table) = ctx.table(FILE, &columns, false) else { return Vec::new() };
    let mut out = Vec::new();
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        let unit = f.req("enhet");
        let role = f.req("roll");
        let name = f.req("namn");
        let phone = f.req("telefon");
        if f.bad {
            continue;
        }
        out.push(Contact { unit, role, name, phone, when: f.opt("nar"), source: Source { file: FILE, line: f.line } });
    }
    out
}

/// `rutiner/*.pdf` (for every unit) and `rutiner/<enhet_id>/*.pdf` (for one unit), sorted by name.
/// Each must be a regular file inside the input directory after resolving links and within
/// `rutin_pdf` of `[storleksgranser]`; anything else (a link leading outside, a FIFO, a
/// device, a folder named like a PDF, a file too big) is a problem naming its path.
pub(super) fn routines(ctx: &mut Ctx) -> Vec<Routine> {
    let root = ctx.dir.join("rutiner");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&root) else { return out };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() && !is_pdf(&path) {
            let unit = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let Ok(inner) = std::fs::read_dir(&path) else { continue };
            let mut files: Vec<_> = inner.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for file in files {
                push_routine(ctx, &file, Some(unit.clone()), &mut out);
            }
        } else {
            push_routine(ctx, &path, None, &mut out);
        }
    }
    out
}

fn is_pdf(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

fn push_routine(ctx: &mut Ctx, path: &Path, unit: Option<String>, out: &mut Vec<Routine>) {
    if !is_pdf(path) {
        return;
    }
    let rel = match &unit {
        Some(u) => format!("rutiner/{u}/{}", path.file_name().unwrap_or_default().to_string_lossy()),
        None => format!("rutiner/{}", path.file_name().unwrap_or_default().to_string_lossy()),
    };
    let (key, limit) = ctx.config.storleksgranser.for_file(&rel);
    let bytes = match confine::read_inside(ctx.dir, path, INPUT_DIR, limit) {
        Ok(b) => b,
        Err(e) => {
            let text = refusal_text(&e, key);
            ctx.diags.push(Diagnostic::problem(rel, 0, 0, format!("{text}; filen tas inte med i stödjande dokument")));
            return;
        }
    };
    match lopdf::Document::load_mem(&bytes) {
        Ok(doc) if !doc.get_pages().is_empty() => out.push(Routine {
            name: path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            unit,
            pages: doc.get_pages().len(),
            bytes: Arc::new(bytes),
        }),
        _ => ctx.diags.push(Diagnostic::problem(rel, 0, 0, "är ingen läsbar PDF; den tas inte med i stödjande dokument")),
    }
}

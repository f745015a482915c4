//! Treserva: person cards (`personer.csv`), relatives (`narstaende.csv`), genomförandeplaner
//! (`genomforandeplaner.json`), assignments (`uppdrag.json`) and health-care orders
//! (`hsl.json`, from the function mailbox).

use super::json::JsonRecord;
use super::rows::{Ctx, Fields, col};
use super::values::Personnummer;
use crate::model::{Address, Assignment, Consent, HealthOrder, Person, Plan, PlanTask, Protection, Relative, Sensitive, Source};

pub(super) fn persons(ctx: &mut Ctx) -> Vec<Person> {
    const FILE: &str = "personer.csv";
    let columns = [
        col("person_id", true),
        col("arendenummer", true),
        col("personnummer", true),
        col("fornamn", true),
        col("efternamn", true),
        col("adress", false),
        col("postnr", false),
        col("ort", false),
        col("telefon", false),
        col("portkod", false),
        col("enhet", true),
        col("skydd", true),
        col("fiktivt_namn", false),
        col("skydd_till", false),
        col("samtycke", false),
        col("samtycke_text", false),
        col("varningar", false),
        col("nyckelplats", false),
        col("rum", false),
    ];
    let date = ctx.date;
    let Some(table) = ctx.table(FILE, &columns, true) else { return Vec::new() };
    let mut out = Vec::new();
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        // Messages about a protected (or possibly protected) row quote nothing and go to the
        // restricted side only.
        let skydd_raw = f.opt("skydd").map(|s| super::table::normalize_header(&s));
        f.restricted = skydd_raw.as_deref() != Some("ingen");
        if f.restricted
            && let Some(id) = &f.person
        {
            ctx.restricted_ids.insert(id.clone());
        }
        let id = f.req("person_id");
        let case_number = f.req("arendenummer");
        let first_name = f.req("fornamn");
        let last_name = f.req("efternamn");
        let unit = f.req("enhet");
        let level =
            f.choice("skydd", true, &[("ingen", 0u8), ("sekretessmarkering", 1), ("skyddad_folkbokforing", 2), ("lokalt_skydd", 3)]);
        let until = f.date("skydd_till", false);
        let consent = f.choice("samtycke", false, &[("ja", Consent::Yes), ("nej", Consent::No), ("delvis", Consent::Partly)]);
        // A personnummer is identifying for everyone: never quoted.
        let pnr = match f.opt("personnummer") {
            None => {
                f.problem("personnummer", "kolumnen personnummer saknar värde; den är obligatorisk".into());
                None
            }
            Some(raw) => match Personnummer::parse(&raw, date) {
                Ok(p) => Some(p),
                Err(e) => {
                    f.problem("personnummer", format!("kolumnen personnummer: {e}"));
                    None
                }
            },
        };
        if f.bad {
            continue;
        }
        let protection = match level.expect("checked") {
            0 => Protection::None,
            1 => Protection::Sekretessmarkering,
            2 => Protection::SkyddadFolkbokforing,
            _ => Protection::LokaltSkydd { until },
        };
        out.push(Person {
            id,
            case_number,
            personnummer: Sensitive::new(pnr.expect("checked")),
            first_name: Sensitive::new(first_name),
            last_name: Sensitive::new(last_name),
            address: Sensitive::new(Address { street: f.opt("adress"), postnr: f.opt("postnr"), ort: f.opt("ort") }),
            phone: Sensitive::new(f.opt("telefon")),
            door_code: Sensitive::new(f.opt("portkod")),
            unit,
            protection,
            fictive_name: f.opt("fiktivt_namn"),
            consent,
            consent_text: Sensitive::new(f.opt("samtycke_text")),
            warnings: Sensitive::new(f.opt("varningar")),
            key_place: Sensitive::new(f.opt("nyckelplats")),
            room: Sensitive::new(f.opt("rum")),
            relatives: Vec::new(),
            source: Source { file: FILE, line: f.line },
        });
    }
    out
}

pub(super) fn relatives(ctx: &mut Ctx, persons: &mut [Person]) {
    const FILE: &str = "narstaende.csv";
    let columns = [col("person_id", true), col("namn", true), col("relation", false), col("telefon", false), col("far_kontaktas", false)];
    let Some(table) = ctx.table(FILE, &columns, false) else { return };
    let index: std::collections::HashMap<String, usize> = persons.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        let person_id = f.req("person_id");
        let name = f.req("namn");
        let may_contact = f.yes_no("far_kontaktas");
        if f.bad {
            continue;
        }
        let Some(&i) = index.get(&person_id) else {
            f.problem_with("person_id", "närstående till okänt person_id; väntade ett person_id från personer.csv".into(), person_id);
            continue;
        };
        persons[i].relatives.push(Relative {
            name: Sensitive::new(name),
            relation: Sensitive::new(f.opt("relation")),
            phone: Sensitive::new(f.opt("telefon")),
            may_contact,
            source: Source { file: FILE, line: f.line },
        });
    }
}

const PLAN_FIELDS: &[&str] = &["person_id", "version_datum", "mal", "insatser"];

pub(super) fn plans(ctx: &mut Ctx) -> Vec<Plan> {
    const FILE: &str = "genomforandeplaner.json";
    let records = ctx.json(FILE);
    let mut out = Vec::new();
    for rec in &records {
        let mut f = Fields::json(FILE, rec, PLAN_FIELDS, ctx.diags);
        let person_id = f.req("person_id");
        let version_date = f.date("version_datum", true);
        let tasks = plan_tasks(rec, &mut f);
        if f.bad {
            continue;
        }
        out.push(Plan {
            person_id,
            version_date: version_date.expect("checked"),
            goal: Sensitive::new(f.opt("mal")),
            tasks,
            source: Source { file: FILE, line: rec.line },
        });
    }
    out
}

fn plan_tasks(rec: &JsonRecord, f: &mut Fields) -> Vec<PlanTask> {
    let Some(serde_json::Value::Array(items)) = rec.fields.get("insatser") else {
        f.problem("insatser", "fältet insatser saknas; väntade en lista av {rubrik, nar, hur}".into());
        return Vec::new();
    };
    let mut tasks = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let text = |k: &str| item.get(k).and_then(value_text);
        match text("rubrik") {
            Some(title) => tasks.push(PlanTask { title, when: text("nar"), how: Sensitive::new(text("hur")) }),
            None => f.problem("insatser", format!("insats nr {} saknar rubrik; väntade {{rubrik, nar, hur}}", i + 1)),
        }
    }
    tasks
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

const ASSIGNMENT_FIELDS: &[&str] = &["person_id", "uppdragsnummer", "typ", "beslut", "insatser", "beviljad_tid", "startdatum"];

pub(super) fn assignments(ctx: &mut Ctx) -> Vec<Assignment> {
    const FILE: &str = "uppdrag.json";
    let records = ctx.json(FILE);
    let mut out = Vec::new();
    for rec in &records {
        let mut f = Fields::json(FILE, rec, ASSIGNMENT_FIELDS, ctx.diags);
        let person_id = f.req("person_id");
        let number = f.req("uppdragsnummer");
        let kind = f.req("typ");
        let start_date = f.date("startdatum", false);
        let tasks = match rec.fields.get("insatser") {
            Some(serde_json::Value::Array(items)) => items.iter().filter_map(value_text).collect(),
            // A single string lists the insatser separated by commas, as in besok.csv.
            Some(v) => value_text(v)
                .map(|s| s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        if f.bad {
            continue;
        }
        out.push(Assignment {
            person_id,
            number,
            kind: kind.to_lowercase(),
            decision: Sensitive::new(f.opt("beslut")),
            tasks,
            granted_time: f.opt("beviljad_tid"),
            start_date,
            source: Source { file: FILE, line: rec.line },
        });
    }
    out
}

const ORDER_FIELDS: &[&str] = &["person_id", "mottagen", "fran", "atgard"];

pub(super) fn health_orders(ctx: &mut Ctx) -> Vec<HealthOrder> {
    const FILE: &str = "hsl.json";
    let records = ctx.json(FILE);
    let mut out = Vec::new();
    for rec in &records {
        let mut f = Fields::json(FILE, rec, ORDER_FIELDS, ctx.diags);
        let person_id = f.req("person_id");
        let received = f.date("mottagen", true);
        let action = f.req("atgard");
        if f.bad {
            continue;
        }
        out.push(HealthOrder {
            person_id,
            received: received.expect("checked"),
            from: f.opt("fran"),
            action: Sensitive::new(action),
            source: Source { file: FILE, line: rec.line },
        });
    }
    out
}

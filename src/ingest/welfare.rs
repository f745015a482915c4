//! Welfare: Planerade besök (`besok.csv`), the planned visits per day.

use super::rows::{Ctx, Fields, col};
use crate::model::{Sensitive, Source, Visit};

pub(super) fn visits(ctx: &mut Ctx) -> Vec<Visit> {
    const FILE: &str = "besok.csv";
    let columns = [
        col("datum", true),
        col("start", true),
        col("slut", true),
        col("signatur", true),
        col("person_id", true),
        col("insatser", false),
        col("nyckelnummer", false),
        col("dubbelbemanning", false),
        col("notering", false),
    ];
    let Some(table) = ctx.table(FILE, &columns, false) else { return Vec::new() };
    let mut out = Vec::with_capacity(table.len());
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        let date = f.date("datum", true);
        let start = f.time("start");
        let end = f.time("slut");
        let signature = f.req("signatur");
        let person_id = f.req("person_id");
        let double = f.yes_no("dubbelbemanning");
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                let (s, e) = (s.format("%H:%M"), e.format("%H:%M"));
                f.problem_with(
                    "slut",
                    "kolumnen slut: besöket slutar före eller när det börjar; ett besök går aldrig över midnatt".into(),
                    format!("{s}–{e}"),
                );
            }
        }
        if f.bad {
            continue;
        }
        let tasks = f
            .opt("insatser")
            .map(|s| s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        out.push(Visit {
            date: date.expect("checked"),
            start: start.expect("checked"),
            end: end.expect("checked"),
            signature,
            person_id,
            tasks,
            key_number: f.opt("nyckelnummer"),
            double_staffing: double.unwrap_or(false),
            note: Sensitive::new(f.opt("notering")),
            source: Source { file: FILE, line: f.line },
        });
    }
    out
}

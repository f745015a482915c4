//! Time Care: staff shifts (`timecare.csv`), per schedule period.

use super::rows::{Ctx, Fields, col};
use crate::model::{Shift, Source};

pub(super) fn shifts(ctx: &mut Ctx) -> Vec<Shift> {
    const FILE: &str = "timecare.csv";
    let columns = [
        col("signatur", true),
        col("datum", true),
        col("start", true),
        col("slut", true),
        col("pass", false),
        col("enhet", true),
        col("period_start", false),
        col("period_slut", false),
    ];
    let Some(table) = ctx.table(FILE, &columns, false) else { return Vec::new() };
    let mut out = Vec::with_capacity(table.len());
    for row in table.rows() {
        let mut f = Fields::csv(FILE, row, ctx.diags);
        let signature = f.req("signatur");
        let date = f.date("datum", true);
        let start = f.time("start");
        let end = f.time("slut");
        let unit = f.req("enhet");
        let period_start = f.date("period_start", false);
        let period_end = f.date("period_slut", false);
        if let (Some(a), Some(b)) = (period_start, period_end) {
            if b < a {
                f.problem_with("period_slut", "kolumnen period_slut ligger före period_start".into(), format!("{a} – {b}"));
            }
        }
        if f.bad {
            continue;
        }
        out.push(Shift {
            signature,
            date: date.expect("checked"),
            start: start.expect("checked"),
            end: end.expect("checked"),
            label: f.opt("pass"),
            unit,
            period_start,
            period_end,
            source: Source { file: FILE, line: f.line },
        });
    }
    out
}

//! Time Care-schema: per unit and schedule period (`period_start`..`period_slut` of the
//! shifts; a shift without a period counts to its ISO week), a grid of employees × days,
//! one table per week (seed 001: "Vid varje fastslagen schemaperiod").

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate};
use serde_json::{Value, json};

use super::storage::STORAGE_CABINET;
use super::{Audience, DocJob, DocKind, Planner, Scope, UnitDoc};
use crate::model::{Shift, Unit};
use crate::privacy::Cleared;

/// The schedule period a shift belongs to.
fn period_of(s: &Shift) -> (NaiveDate, NaiveDate) {
    match (s.period_start, s.period_end) {
        (Some(a), Some(b)) if a <= b => (a, b),
        _ => {
            let monday = s.date.week(chrono::Weekday::Mon).first_day();
            (monday, monday + Days::new(6))
        }
    }
}

pub fn plan(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    // Periods that ended before the first service day are superseded: not printed.
    let first_day = scope.days.iter().min().copied();
    for unit in &cleared.units {
        let mut periods: BTreeMap<(NaiveDate, NaiveDate), Vec<&Shift>> = BTreeMap::new();
        for s in cleared.shifts.iter().filter(|s| s.unit == unit.id) {
            periods.entry(period_of(s)).or_default().push(s);
        }
        for ((start, end), shifts) in periods {
            if first_day.is_some_and(|f| end < f) {
                continue;
            }
            jobs.push(period_doc(cleared, unit, start, end, &shifts).finish(planner));
        }
    }
}

fn day_label(d: NaiveDate) -> String {
    let wd = ["mån", "tis", "ons", "tor", "fre", "lör", "sön"][d.weekday().num_days_from_monday() as usize];
    format!("{wd} {}/{}", d.day(), d.month())
}

fn period_doc<'a>(cleared: &Cleared, unit: &'a Unit, start: NaiveDate, end: NaiveDate, shifts: &[&Shift]) -> UnitDoc<'a> {
    // Rows: every employee with a shift in the period, by name then signature.
    let signatures: BTreeSet<&str> = shifts.iter().map(|s| s.signature.as_str()).collect();
    let mut staff: Vec<(String, String, &str)> = signatures
        .iter()
        .map(|sig| match cleared.employees.iter().find(|e| e.signature == *sig) {
            Some(e) => (e.last_name.clone(), e.first_name.clone(), *sig),
            None => (String::new(), String::new(), *sig),
        })
        .collect();
    staff.sort();
    let mut cells: BTreeMap<(&str, NaiveDate), Vec<&Shift>> = BTreeMap::new();
    for s in shifts {
        cells.entry((s.signature.as_str(), s.date)).or_default().push(s);
    }
    // The grid covers whole weeks, from the period's (or the first shift's) Monday.
    let first = shifts.iter().map(|s| s.date).min().map_or(start, |d| d.min(start));
    let last = shifts.iter().map(|s| s.date).max().map_or(end, |d| d.max(end));
    let mut monday = first.week(chrono::Weekday::Mon).first_day();
    let mut weeks = Vec::new();
    while monday <= last {
        let days: Vec<NaiveDate> = (0..7).map(|i| monday + Days::new(i)).collect();
        let rows: Vec<Vec<Vec<Value>>> = staff
            .iter()
            .map(|(_, _, sig)| {
                days.iter()
                    .map(|d| {
                        let mut list = cells.get(&(*sig, *d)).cloned().unwrap_or_default();
                        list.sort_by_key(|s| (s.start, s.end));
                        list.iter()
                            .map(|s| json!({ "time": format!("{}–{}", s.start.format("%H:%M"), s.end.format("%H:%M")), "pass": s.label }))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        weeks.push(json!({
            "week": monday.iso_week().week().to_string(),
            "days": days.iter().map(|d| json!({ "label": day_label(*d), "in_period": *d >= start && *d <= end })).collect::<Vec<_>>(),
            "cells": rows,
        }));
        monday = monday + Days::new(7);
    }
    let staff_rows: Vec<Value> =
        staff.iter().map(|(last, first, sig)| json!({ "signature": sig, "name": format!("{first} {last}").trim().to_string() })).collect();
    let (from, to) = (start.format("%Y-%m-%d").to_string(), end.format("%Y-%m-%d").to_string());
    UnitDoc {
        unit,
        kind: DocKind::Timecare,
        template: "timecare.typ",
        label: "Time Care-schema",
        key: format!("{from}..{to}"),
        audience: Audience::Personal,
        storage: STORAGE_CABINET,
        subject: Some(format!("{from} – {to}")),
        attachments: Vec::new(),
        doc: json!({
            "unit_id": unit.id,
            "unit_name": unit.name,
            "period_start": from,
            "period_end": to,
            "staff": staff_rows,
            "weeks": weeks,
        }),
    }
}

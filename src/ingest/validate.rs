//! Cross-file checks: unique keys, references between files, overlapping visits, visits
//! outside shifts, subcontracted tasks for protected persons. Rows that fail are removed
//! from the dataset and reported; nothing disappears without a message.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Dataset, Source};

fn problem(src: &Source, col: usize, msg: String) -> Diagnostic {
    Diagnostic::problem(src.file, src.line, col, msg)
}

/// Keeps the first record of each key; reports later ones.
fn dedup<T>(
    items: &mut Vec<T>,
    key: impl Fn(&T) -> String,
    src: impl Fn(&T) -> (&Source, Option<String>),
    col: usize,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<String, u64> = HashMap::new();
    items.retain(|item| {
        let k = key(item);
        let (s, unit) = src(item);
        match seen.get(&k) {
            Some(first) => {
                let mut d = problem(s, col, format!("{what} förekommer redan på rad {first}; värdet måste vara unikt")).with_value(k);
                d.unit = unit;
                diags.push(d);
                false
            }
            None => {
                seen.insert(k, s.line);
                true
            }
        }
    });
}

pub(super) fn check(data: &mut Dataset, config: &Config, _date: NaiveDate, diags: &mut Vec<Diagnostic>) {
    dedup(&mut data.units, |u| u.id.clone(), |u| (&u.source, None), 1, "enhet_id", diags);
    dedup(&mut data.employees, |e| e.signature.clone(), |e| (&e.source, Some(e.unit.clone())), 1, "signatur", diags);
    dedup(&mut data.persons, |p| p.id.clone(), |p| (&p.source, Some(p.unit.clone())), 1, "person_id", diags);
    dedup(&mut data.persons, |p| p.case_number.clone(), |p| (&p.source, Some(p.unit.clone())), 2, "arendenummer", diags);

    let units: HashSet<String> = data.units.iter().map(|u| u.id.clone()).collect();
    let unit_ref = |unit: &str, src: &Source, col: usize, diags: &mut Vec<Diagnostic>| -> bool {
        let ok = units.contains(unit);
        if !ok {
            diags.push(problem(src, col, "okänd enhet; väntade ett enhet_id från enheter.csv".into()).with_value(unit));
        }
        ok
    };
    data.employees.retain(|e| unit_ref(&e.unit, &e.source, 4, diags));
    data.persons.retain(|p| unit_ref(&p.unit, &p.source, 11, diags));
    data.contacts.retain(|c| unit_ref(&c.unit, &c.source, 1, diags));

    let person_unit: HashMap<String, (String, bool)> =
        data.persons.iter().map(|p| (p.id.clone(), (p.unit.clone(), p.protection.is_protected()))).collect();
    let employee_unit: HashMap<String, String> = data.employees.iter().map(|e| (e.signature.clone(), e.unit.clone())).collect();

    let person_ref = |pid: &str, src: &Source, diags: &mut Vec<Diagnostic>| -> bool {
        let ok = person_unit.contains_key(pid);
        if !ok {
            diags
                .push(problem(src, 1, "okänt person_id; väntade ett person_id från personer.csv".into()).with_value(pid).about_person(pid));
        }
        ok
    };
    data.plans.retain(|p| person_ref(&p.person_id, &p.source, diags));
    data.health_orders.retain(|o| person_ref(&o.person_id, &o.source, diags));
    data.assignments.retain(|a| person_ref(&a.person_id, &a.source, diags));
    dedup(
        &mut data.assignments,
        |a| a.number.clone(),
        |a| (&a.source, person_unit.get(&a.person_id).map(|u| u.0.clone())),
        2,
        "uppdragsnummer",
        diags,
    );

    data.shifts.retain(|s| {
        let ok = employee_unit.contains_key(&s.signature);
        if !ok {
            diags.push(
                problem(&s.source, 1, "okänd signatur; väntade en signatur från personal.csv".into()).with_value(s.signature.clone()),
            );
        }
        ok
    });

    data.visits.retain(|v| {
        let person = person_unit.get(&v.person_id);
        let employee = employee_unit.get(&v.signature);
        if person.is_none() {
            diags.push(
                problem(&v.source, 5, "okänt person_id; väntade ett person_id från personer.csv".into())
                    .with_value(v.person_id.clone())
                    .about_person(v.person_id.clone()),
            );
        }
        if employee.is_none() {
            diags.push(
                problem(&v.source, 4, "okänd signatur; väntade en signatur från personal.csv".into())
                    .with_value(v.signature.clone())
                    .about_person(v.person_id.clone()),
            );
        }
        person.is_some() && employee.is_some()
    });

    // Subcontracted tasks for protected persons (seed 002 §8.8). The visit stays on the
    // schedule, so nobody is missed, but it is a problem the planner must resolve.
    for v in &data.visits {
        let (unit, protected) = &person_unit[&v.person_id];
        if *protected {
            for t in v.tasks.iter().filter(|t| config.is_subcontracted(t)) {
                diags.push(
                    problem(
                        &v.source,
                        6,
                        "kolumnen insatser: en insats utförs av underleverantör men personen har skyddade personuppgifter; alla insatser ska utföras av egen personal".into(),
                    )
                    .with_value(t.clone())
                    .about_person(v.person_id.clone())
                    .in_unit(unit.clone()),
                );
            }
        }
    }

    overlaps(data, &employee_unit, diags);
    outside_shifts(data, &employee_unit, diags);
}

/// Overlapping visits of one employee on one day: the later row is left out.
fn overlaps(data: &mut Dataset, employee_unit: &HashMap<String, String>, diags: &mut Vec<Diagnostic>) {
    let mut by_day: BTreeMap<(&str, NaiveDate), Vec<usize>> = BTreeMap::new();
    for (i, v) in data.visits.iter().enumerate() {
        by_day.entry((v.signature.as_str(), v.date)).or_default().push(i);
    }
    let mut drop = HashSet::new();
    for idx in by_day.values_mut() {
        idx.sort_by_key(|&i| (data.visits[i].start, data.visits[i].source.line));
        let mut last: Option<usize> = None;
        for &i in idx.iter() {
            let v = &data.visits[i];
            if let Some(l) = last {
                let prev = &data.visits[l];
                if v.start < prev.end {
                    let d = problem(
                        &v.source,
                        2,
                        format!(
                            "besöket överlappar samma medarbetares besök på rad {}; en medarbetare kan inte vara på två besök samtidigt",
                            prev.source.line
                        ),
                    )
                    .with_value(format!(
                        "{} {}–{} och {}–{}",
                        v.signature,
                        v.start.format("%H:%M"),
                        v.end.format("%H:%M"),
                        prev.start.format("%H:%M"),
                        prev.end.format("%H:%M")
                    ))
                    .about_person(v.person_id.clone());
                    diags.push(match employee_unit.get(&v.signature) {
                        Some(u) => d.in_unit(u.clone()),
                        None => d,
                    });
                    drop.insert(i);
                    continue;
                }
            }
            last = Some(i);
        }
    }
    if !drop.is_empty() {
        let mut i = 0;
        data.visits.retain(|_| {
            let keep = !drop.contains(&i);
            i += 1;
            keep
        });
    }
}

/// A visit outside every Time Care shift of its employee: a warning (the visit stays).
fn outside_shifts(data: &Dataset, employee_unit: &HashMap<String, String>, diags: &mut Vec<Diagnostic>) {
    if data.shifts.is_empty() {
        return;
    }
    let mut shifts: HashMap<&str, Vec<(NaiveDateTime, NaiveDateTime)>> = HashMap::new();
    for s in &data.shifts {
        let start = s.date.and_time(s.start);
        let mut end = s.date.and_time(s.end);
        if end <= start {
            end += Duration::days(1);
        }
        shifts.entry(s.signature.as_str()).or_default().push((start, end));
    }
    for v in &data.visits {
        let (start, end) = (v.date.and_time(v.start), v.date.and_time(v.end));
        let covered = shifts.get(v.signature.as_str()).is_some_and(|list| list.iter().any(|(a, b)| *a <= start && end <= *b));
        if !covered {
            let d = Diagnostic::warning(v.source.file, v.source.line, 2, "besöket ligger utanför medarbetarens pass i Time Care")
                .with_value(format!("{} {} {}–{}", v.signature, v.date, v.start.format("%H:%M"), v.end.format("%H:%M")))
                .about_person(v.person_id.clone());
            diags.push(match employee_unit.get(&v.signature) {
                Some(u) => d.in_unit(u.clone()),
                None => d,
            });
        }
    }
}

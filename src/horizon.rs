//! The days a run covers (its rolling horizon): `horisont_dagar` days from `--date` (config,
//! default 1; `--days N` overrides it), extended over every non-working day that follows the
//! last of them, so that paper exists for a weekend or a holiday when nobody is in the office
//! to print. The next working day gets its own run.
//!
//! Non-working days are Saturdays, Sundays and the days the `holidays_se` crate lists as
//! Swedish holidays: the public holidays (allmänna helgdagar) and the three eves that are
//! non-working days in practice — midsommarafton, julafton and nyårsafton (they count as
//! Sundays in Swedish working-time agreements). So a run on Thursday 2027-03-25 covers the
//! 25th through Easter Monday the 29th, and a run on 2026-12-23 covers the 23rd through
//! annandag jul, the 27th (a Sunday).

use chrono::{Datelike, NaiveDate, Weekday};

/// The Swedish holiday on `day` (`Långfredagen`, `Julafton` …), if any.
pub fn holiday(day: NaiveDate) -> Option<holidays_se::Holiday> {
    holidays_se::holidays_in_year(day.year()).find(|(_, d)| d.naive_local() == day).map(|(h, _)| h)
}

/// Whether `day` is a working day: a weekday that is no Swedish holiday or non-working eve.
pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && holiday(day).is_none()
}

/// The service days of a run from `date` with a horizon of `days` (at least 1): those days,
/// then every non-working day that directly follows the last of them.
pub fn service_days(date: NaiveDate, days: u32) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = date.iter_days().take(days.max(1) as usize).collect();
    while let Some(next) = out.last().and_then(|d| d.succ_opt())
        && !is_working_day(next)
    {
        out.push(next);
    }
    out
}

/// The days as the run's summary prints them, in Swedish: each with its weekday, and the
/// holiday's name where there is one (`tor 2027-03-25, fre 2027-03-26 (långfredagen), …`).
pub fn describe(days: &[NaiveDate]) -> String {
    days.iter()
        .map(|d| {
            let name = holiday(*d).map(|h| format!(" ({})", h.to_string().to_lowercase())).unwrap_or_default();
            format!("{} {}{name}", weekday_short(*d), d.format("%Y-%m-%d"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn weekday_short(d: NaiveDate) -> &'static str {
    ["mån", "tis", "ons", "tor", "fre", "lör", "sön"][d.weekday().num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn span(from: &str, to: &str) -> Vec<NaiveDate> {
        d(from).iter_days().take_while(|x| *x <= d(to)).collect()
    }

    #[test]
    fn an_ordinary_weekday_covers_its_horizon_only() {
        // Tuesday 2026-11-24.
        assert_eq!(service_days(d("2026-11-24"), 1), vec![d("2026-11-24")]);
        assert_eq!(service_days(d("2026-11-24"), 3), span("2026-11-24", "2026-11-26"));
        // A horizon of 0 is one day.
        assert_eq!(service_days(d("2026-11-24"), 0), vec![d("2026-11-24")]);
    }

    #[test]
    fn a_friday_covers_the_weekend() {
        assert_eq!(service_days(d("2026-11-27"), 1), span("2026-11-27", "2026-11-29"));
        // A horizon ending on a Thursday before an ordinary Friday does not extend.
        assert_eq!(service_days(d("2026-11-24"), 3), span("2026-11-24", "2026-11-26"));
        // A horizon of 4 from Tuesday ends on Friday: extends over the weekend.
        assert_eq!(service_days(d("2026-11-24"), 4), span("2026-11-24", "2026-11-29"));
        // A Saturday covers the Sunday too; a Sunday only itself.
        assert_eq!(service_days(d("2026-11-28"), 1), span("2026-11-28", "2026-11-29"));
        assert_eq!(service_days(d("2026-11-29"), 1), vec![d("2026-11-29")]);
    }

    #[test]
    fn easter_2027() {
        // Långfredagen 26 March, påskdagen 28, annandag påsk 29: a run on Thursday the 25th
        // covers the 25th through the 29th, not the 30th.
        assert_eq!(service_days(d("2027-03-25"), 1), span("2027-03-25", "2027-03-29"));
        assert_eq!(service_days(d("2027-03-24"), 1), vec![d("2027-03-24")]);
        // A two-day horizon from the Wednesday ends on the Thursday: extends the same way.
        assert_eq!(service_days(d("2027-03-24"), 2), span("2027-03-24", "2027-03-29"));
        // Horizon 7 from the Tuesday before ends on Easter Monday (non-working), then Tuesday
        // the 30th is a working day: no extension.
        assert_eq!(service_days(d("2027-03-23"), 7), span("2027-03-23", "2027-03-29"));
        assert_eq!(service_days(d("2027-03-23"), 8), span("2027-03-23", "2027-03-30"));
        assert_eq!(
            describe(&service_days(d("2027-03-25"), 1)),
            "tor 2027-03-25, fre 2027-03-26 (långfredagen), lör 2027-03-27, sön 2027-03-28 (påskdagen), mån 2027-03-29 (annandag påsk)"
        );
        // Easter 2026 (5 April): Thursday 2 April covers through Monday 6 April.
        assert_eq!(service_days(d("2026-04-02"), 1), span("2026-04-02", "2026-04-06"));
        // Kristi himmelsfärdsdag 2027 is Thursday 6 May: the Wednesday covers it; the Friday
        // after is a working day.
        assert_eq!(service_days(d("2027-05-05"), 1), span("2027-05-05", "2027-05-06"));
    }

    #[test]
    fn christmas_and_new_year_eves_count_as_non_working() {
        // 2026: julafton Thursday, juldagen Friday, annandag jul Saturday, then Sunday.
        assert_eq!(service_days(d("2026-12-23"), 1), span("2026-12-23", "2026-12-27"));
        // Nyårsafton Thursday 2026-12-31, nyårsdagen Friday, weekend: the 30th covers through
        // Sunday 3 January 2027 (across the year).
        assert_eq!(service_days(d("2026-12-30"), 1), span("2026-12-30", "2027-01-03"));
        // Trettondedag jul 2027 is a Wednesday: Tuesday the 5th covers the 6th.
        assert_eq!(service_days(d("2027-01-05"), 1), span("2027-01-05", "2027-01-06"));
        // A 14-day horizon from Monday 2026-12-14 ends on Sunday the 27th (after the
        // Christmas days): Monday the 28th is a working day.
        assert_eq!(service_days(d("2026-12-14"), 14), span("2026-12-14", "2026-12-27"));
        assert!(!is_working_day(d("2026-12-24")) && !is_working_day(d("2026-12-31")));
    }

    #[test]
    fn midsummer() {
        // 2027: midsommarafton Friday 25 June, midsommardagen Saturday 26.
        assert_eq!(service_days(d("2027-06-24"), 1), span("2027-06-24", "2027-06-27"));
        assert!(!is_working_day(d("2027-06-25")));
        assert!(is_working_day(d("2027-06-24")) && is_working_day(d("2027-06-28")));
        // 2026: midsommarafton Friday 19 June; nationaldagen Saturday 6 June.
        assert_eq!(service_days(d("2026-06-18"), 1), span("2026-06-18", "2026-06-21"));
        assert_eq!(service_days(d("2026-06-05"), 1), span("2026-06-05", "2026-06-07"));
        // Första maj 2026 is a Friday: Thursday 30 April covers through Sunday 3 May.
        assert_eq!(service_days(d("2026-04-30"), 1), span("2026-04-30", "2026-05-03"));
    }
}

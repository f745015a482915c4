//! retention: the gallring (retention and disposal) rules, and the stamp on every page.
//!
//! Gallring is the Swedish archival term for destroying records once they are no longer
//! needed. Each document kind has a rule from the seeds (the defaults below, one table),
//! which `reservpack.toml` may override per kind (`[gallring]`). A rule gives either a date
//! (counted from the document's anchor date: the service day, the order's receipt date…)
//! or a condition ("när ny version skrivs ut"). Both print as `Gallras: …` on every page.

use chrono::{Days, Months, NaiveDate};

use crate::config::Config;

/// When a printed document is to be destroyed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A fixed time after the document's anchor date.
    After(Span),
    /// When a new version is printed (versioned documents).
    NewVersion,
    /// Any other condition, printed as it stands.
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    Days(u32),
    Months(u32),
    Years(u32),
}

/// The resolved gallring of one document: a date, or a rule text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gallring {
    Date(NaiveDate),
    Rule(String),
}

impl Gallring {
    /// The manifest's `gallring` field: `2026-11-24` or the rule text.
    pub fn manifest_text(&self) -> String {
        match self {
            Gallring::Date(d) => d.format("%Y-%m-%d").to_string(),
            Gallring::Rule(r) => r.clone(),
        }
    }

    /// The stamp's text: `Gallras: 2026-11-24` or `Gallras: när ny version skrivs ut`.
    pub fn stamp_text(&self) -> String {
        format!("Gallras: {}", self.manifest_text())
    }

    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Gallring::Date(d) => Some(*d),
            Gallring::Rule(_) => None,
        }
    }
}

pub const NEW_VERSION_TEXT: &str = "när ny version skrivs ut";

/// A blank form: the unused copy goes when a new version is printed; a filled-in one is an
/// original until its content is entered (seeds 000, 001, 003).
pub const FORM_RULE: &str = "oanvänd: när ny version skrivs ut; ifylld: när uppgifterna är införda i verksamhetssystemet";
/// A protected person's form (002 §8.6: notes kept at most two months).
pub const FORM_RULE_PROTECTED: &str = "oanvänd: när ny version skrivs ut; ifylld: införs i verksamhetssystemet, sparas högst två månader";
/// A larmlista: written on during a call round ("ringt kl.", "svar").
pub const CALL_LIST_RULE: &str = "oanvänd: när ny version skrivs ut; ifylld: när samtalen är dokumenterade i verksamhetssystemet";
/// A signeringslista for delegated HSL tasks: a signed sheet is health-care documentation.
pub const SIGNING_RULE: &str = "oanvänd: när ny version skrivs ut; ifylld: lämnas till ansvarig sjuksköterska för journalföring";

/// What the routine says about a filled-in sheet of a kind that is written on by hand
/// (`None`: not a form). `gallring` is the document's rule text (the protected variant
/// names its two months). Used by the gallringslista's second part.
pub fn filled_in_routine(kind: &str, gallring: &str) -> Option<&'static str> {
    match kind {
        "schema" => Some(
            "Schema med nedskrivna tider är underlag för efterregistrering av utförd tid: lämna det till den som efterregistrerar. Strimla när tiden är registrerad.",
        ),
        "larmlista" => Some(
            "Ifylld larmlista är underlag för dokumentationen av samtalsrundan: för in vem som ringts och svarat i verksamhetssystemet. Strimla sedan.",
        ),
        "signeringslista" => Some(
            "Ifylld signeringslista är hälso- och sjukvårdsdokumentation: lämna den till ansvarig sjuksköterska för journalföring. Strimlas inte av enheten.",
        ),
        "blankett" if gallring == FORM_RULE_PROTECTED => Some(
            "Ifylld blankett om en person med skyddade personuppgifter: för in uppgifterna i verksamhetssystemet. Förvaras i den fiktiva akten i högst två månader, strimlas sedan.",
        ),
        "blankett" => Some(
            "Ifylld blankett är en originalhandling: för in uppgifterna i verksamhetssystemet (daganteckningar, avvikelser, beslut, tid) och signera att de är införda. Strimla sedan.",
        ),
        _ => None,
    }
}

/// The default rule for each document kind (manifest `kind` names), from seeds 000, 001, 002, 003.
pub fn default_rule(kind: &str) -> Rule {
    match kind {
        // 001: unused paper schedules are destroyed at once after the day.
        "schema" => Rule::After(Span::Days(1)),
        // 001: Planerade besök are kept six weeks back.
        "planerade_besok" => Rule::After(Span::Days(42)),
        // 001: health-care orders are destroyed two years after receipt.
        "hsl" => Rule::After(Span::Years(2)),
        "timecare" => Rule::Text("när schemaperioden ersätts av en ny".into()),
        "rutiner" => Rule::Text("när ny version fastställs i Styrande dokument".into()),
        "blankett" => Rule::Text(FORM_RULE.into()),
        // 002 §8.6: notes about a protected person are kept at most two months.
        "blankett_skyddad" => Rule::Text(FORM_RULE_PROTECTED.into()),
        "larmlista" => Rule::Text(CALL_LIST_RULE.into()),
        "signeringslista" => Rule::Text(SIGNING_RULE.into()),
        _ => Rule::NewVersion,
    }
}

/// Parses a rule as written in config: `"42 dagar"`, `"6 veckor"`, `"3 månader"`, `"2 år"`,
/// `"ny version"`, or any other text (printed as it stands).
pub fn parse_rule(text: &str) -> Rule {
    let t = text.trim();
    let lower = t.to_lowercase();
    if lower == "ny version" || lower == NEW_VERSION_TEXT {
        return Rule::NewVersion;
    }
    let mut parts = lower.split_whitespace();
    if let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) {
        if let Ok(n) = n.parse::<u32>() {
            let span = match unit {
                "dag" | "dagar" => Some(Span::Days(n)),
                "vecka" | "veckor" => Some(Span::Days(n * 7)),
                "månad" | "månader" => Some(Span::Months(n)),
                "år" => Some(Span::Years(n)),
                _ => None,
            };
            if let Some(span) = span {
                return Rule::After(span);
            }
        }
    }
    Rule::Text(t.to_string())
}

/// The rule table in force: defaults, overridden from config.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    overrides: std::collections::BTreeMap<String, Rule>,
}

impl Rules {
    pub fn from_config(config: &Config) -> Rules {
        Rules { overrides: config.gallring.iter().map(|(k, v)| (k.clone(), parse_rule(v))).collect() }
    }

    pub fn rule(&self, kind: &str) -> Rule {
        self.overrides.get(kind).cloned().unwrap_or_else(|| default_rule(kind))
    }

    /// The gallring of a document of `kind` whose anchor date is `anchor` (the service day,
    /// the receipt date…; `None` for undated documents).
    pub fn resolve(&self, kind: &str, anchor: Option<NaiveDate>) -> Gallring {
        match (self.rule(kind), anchor) {
            (Rule::After(span), Some(a)) => Gallring::Date(add(a, span)),
            (Rule::After(_), None) | (Rule::NewVersion, _) => Gallring::Rule(NEW_VERSION_TEXT.into()),
            (Rule::Text(t), _) => Gallring::Rule(t),
        }
    }
}

fn add(date: NaiveDate, span: Span) -> NaiveDate {
    let out = match span {
        Span::Days(n) => date.checked_add_days(Days::new(n.into())),
        Span::Months(n) => date.checked_add_months(Months::new(n)),
        Span::Years(n) => date.checked_add_months(Months::new(n * 12)),
    };
    out.unwrap_or(NaiveDate::MAX)
}

/// The sekretess line every page carries.
pub const SECRECY_TEXT: &str = "SEKRETESS – strimlas eller läggs i sekretesstunna, aldrig i vanlig pappersåtervinning";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn defaults_follow_the_seeds() {
        let r = Rules::default();
        assert_eq!(r.resolve("planerade_besok", Some(d("2026-11-24"))), Gallring::Date(d("2027-01-05")));
        assert_eq!(r.resolve("hsl", Some(d("2024-02-29"))), Gallring::Date(d("2026-02-28")));
        assert_eq!(r.resolve("schema", Some(d("2026-11-24"))), Gallring::Date(d("2026-11-25")));
        assert_eq!(r.resolve("genomforandeplan", None).stamp_text(), "Gallras: när ny version skrivs ut");
    }

    #[test]
    fn config_overrides_a_kind() {
        let mut c = Config::default();
        c.gallring.insert("planerade_besok".into(), "8 veckor".into());
        c.gallring.insert("timecare".into(), "sparas för frånvarokontroll".into());
        let r = Rules::from_config(&c);
        assert_eq!(r.resolve("planerade_besok", Some(d("2026-11-24"))), Gallring::Date(d("2027-01-19")));
        assert_eq!(r.resolve("timecare", None).manifest_text(), "sparas för frånvarokontroll");
        assert_eq!(parse_rule("2 år"), Rule::After(Span::Years(2)));
        assert_eq!(parse_rule("Ny version"), Rule::NewVersion);
    }
}

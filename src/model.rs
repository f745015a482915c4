//! model: the domain types, as read from the exports. No I/O, no serialisation.
//!
//! Whatever identifies a care recipient is wrapped in [`Sensitive`], which only `privacy`
//! can open; `Person` and its parts implement neither `Serialize` nor `Display`, so no
//! template, file name or log line can be built from them directly.

use chrono::{NaiveDate, NaiveTime};

pub use crate::ingest::values::Personnummer;
pub use crate::privacy::Sensitive;

/// A key that sorts names in Swedish alphabetical order (å, ä, ö after z; é as e, ü as y).
pub fn swedish_key(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' => '{',
            'ä' | 'æ' => '|',
            'ö' | 'ø' => '}',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'á' | 'à' | 'â' => 'a',
            'ü' => 'y',
            c => c,
        })
        .collect()
}

/// Where a record came from: file and physical line (for messages and problem lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub file: &'static str,
    pub line: u64,
}

/// Everything read from one export directory, valid rows only.
#[derive(Debug, Default)]
pub struct Dataset {
    pub units: Vec<Unit>,
    pub employees: Vec<Employee>,
    pub persons: Vec<Person>,
    pub visits: Vec<Visit>,
    pub shifts: Vec<Shift>,
    pub contacts: Vec<Contact>,
    pub plans: Vec<Plan>,
    pub assignments: Vec<Assignment>,
    pub health_orders: Vec<HealthOrder>,
    pub routines: Vec<Routine>,
    /// `person_id`s whose personer.csv row is marked protected, including rows left out as
    /// bad: messages about their rows are restricted (see `privacy::redact`).
    pub restricted_ids: std::collections::HashSet<String>,
}

/// The kinds of unit the routines distinguish: home care (hemtjänst) visits people at home
/// from a schedule; a care home (vård- och omsorgsboende, `boende`) has residents; an
/// authority unit (`myndighet`) decides on assistance and keeps the seed-003 forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    Hemtjanst,
    Boende,
    /// Myndighetsutövning (biståndshandläggning): decisions, payments, cash (seed 003).
    Myndighet,
}

#[derive(Clone, Debug)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub address: Option<String>,
    pub postnr: Option<String>,
    pub ort: Option<String>,
    pub phone: Option<String>,
    /// Name of the enhetschef (unit manager), who holds the restricted cabinet.
    pub manager: Option<String>,
    pub source: Source,
}

/// A member of staff. Staff names are printed (schedules are theirs); the private phone
/// goes only into the enhetschef's restricted list.
#[derive(Clone, Debug)]
pub struct Employee {
    pub signature: String,
    pub first_name: String,
    pub last_name: String,
    pub unit: String,
    pub role: Option<String>,
    pub work_phone: Option<String>,
    pub private_phone: Option<String>,
    pub source: Source,
}

impl Employee {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Skyddade personuppgifter: the levels of protected personal data (seed 002).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protection {
    None,
    /// Sekretessmarkering: only the birth year of the personnummer may be shown to others.
    Sekretessmarkering,
    /// Skyddad folkbokföring: the strongest level.
    SkyddadFolkbokforing,
    /// Lokalt skydd: decided by an enhetschef for at most three months.
    LokaltSkydd {
        until: Option<NaiveDate>,
    },
}

impl Protection {
    pub fn is_protected(self) -> bool {
        !matches!(self, Protection::None)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    Yes,
    No,
    Partly,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Address {
    pub street: Option<String>,
    pub postnr: Option<String>,
    pub ort: Option<String>,
}

/// A care recipient (omsorgstagare) with their personkort data from Treserva.
#[derive(Clone, Debug)]
pub struct Person {
    /// Opaque id from the export; safe to print and to use in file names.
    pub id: String,
    /// Ärendenummer: printed instead of a name for a protected person without a fictive name.
    pub case_number: String,
    pub personnummer: Sensitive<Personnummer>,
    pub first_name: Sensitive<String>,
    pub last_name: Sensitive<String>,
    pub address: Sensitive<Address>,
    pub phone: Sensitive<Option<String>>,
    pub door_code: Sensitive<Option<String>>,
    pub unit: String,
    pub protection: Protection,
    /// The fictive name agreed with a protected person (never their real name).
    pub fictive_name: Option<String>,
    pub consent: Option<Consent>,
    pub consent_text: Sensitive<Option<String>>,
    /// Allergies, warnings, infection notes (`varningar`, free text).
    pub warnings: Sensitive<Option<String>>,
    /// Where the key to the home is kept (`nyckelplats`, free text).
    pub key_place: Sensitive<Option<String>>,
    /// The room in a care home (`rum`); part of the address.
    pub room: Sensitive<Option<String>>,
    pub relatives: Vec<Relative>,
    pub source: Source,
}

/// A närstående (relative) from the personkort.
#[derive(Clone, Debug)]
pub struct Relative {
    pub name: Sensitive<String>,
    pub relation: Sensitive<Option<String>>,
    pub phone: Sensitive<Option<String>>,
    pub may_contact: Option<bool>,
    pub source: Source,
}

/// A planned visit (Welfare, Planerade besök).
#[derive(Clone, Debug)]
pub struct Visit {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub signature: String,
    pub person_id: String,
    /// Insatser: the tasks to carry out.
    pub tasks: Vec<String>,
    pub key_number: Option<String>,
    pub double_staffing: bool,
    /// Free text; may mention the person, so only `privacy` reads it.
    pub note: Sensitive<Option<String>>,
    pub source: Source,
}

/// A Time Care shift. May cross midnight (end before start means the next day).
#[derive(Clone, Debug)]
pub struct Shift {
    pub signature: String,
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub label: Option<String>,
    pub unit: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub source: Source,
}

/// Whom a unit calls during an outage (seed 004).
#[derive(Clone, Debug)]
pub struct Contact {
    pub unit: String,
    pub role: String,
    pub name: String,
    pub phone: String,
    pub when: Option<String>,
    pub source: Source,
}

/// One version of a genomförandeplan (implementation plan: which tasks, how, when).
#[derive(Clone, Debug)]
pub struct Plan {
    pub person_id: String,
    pub version_date: NaiveDate,
    pub goal: Sensitive<Option<String>>,
    pub tasks: Vec<PlanTask>,
    pub source: Source,
}

#[derive(Clone, Debug)]
pub struct PlanTask {
    pub title: String,
    pub when: Option<String>,
    pub how: Sensitive<Option<String>>,
}

/// An uppdragsbeskrivning (assignment) from the authority. `larm` ones are never printed.
#[derive(Clone, Debug)]
pub struct Assignment {
    pub person_id: String,
    pub number: String,
    pub kind: String,
    pub decision: Sensitive<Option<String>>,
    pub tasks: Vec<String>,
    pub granted_time: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub source: Source,
}

impl Assignment {
    pub fn is_alarm(&self) -> bool {
        self.kind.trim().eq_ignore_ascii_case("larm")
    }
}

/// A hälso- och sjukvårdsbeställning (health-care order) from the function mailbox.
#[derive(Clone, Debug)]
pub struct HealthOrder {
    pub person_id: String,
    pub received: NaiveDate,
    pub from: Option<String>,
    pub action: Sensitive<String>,
    pub source: Source,
}

/// A supporting routine (stödjande dokument) given as a PDF in `rutiner/`.
#[derive(Clone, Debug)]
pub struct Routine {
    /// File name within `rutiner/` (or `rutiner/<enhet_id>/`).
    pub name: String,
    /// `None`: for every unit; `Some(id)`: from `rutiner/<id>/`.
    pub unit: Option<String>,
    pub bytes: std::sync::Arc<Vec<u8>>,
    pub pages: usize,
}

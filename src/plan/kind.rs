//! The kinds of document a pack holds: the manifest's `kind` (FORMATS.md), the folder a
//! document is stored in (`<unit>/<kind>/<id>.pdf`) and the word people read for it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One kind of document. Serialised as the manifest's `kind` (`schema`, `genomforandeplan`,
/// …); ordered by that name, so the pack's order is the same as when kinds were strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// An employee's paper schedule for one day.
    Schema,
    PlaneradeBesok,
    Personkort,
    /// Genomförandeplan: how the person's care is carried out, agreed with the person.
    Genomforandeplan,
    Uppdrag,
    Hsl,
    Timecare,
    Telefonlista,
    TelefonlistaPrivat,
    Kontakter,
    Rutiner,
    Blankett,
    /// Egenkontroll: the unit's checklist of what its reserve pack holds.
    Egenkontroll,
    AktSkyddad,
    Innehall,
    Driftstopp,
    Nyckellista,
    Larmlista,
    Signaturlista,
    Signeringslista,
    Varningar,
    Boendelista,
}

impl DocKind {
    pub const ALL: [DocKind; 22] = [
        DocKind::Schema,
        DocKind::PlaneradeBesok,
        DocKind::Personkort,
        DocKind::Genomforandeplan,
        DocKind::Uppdrag,
        DocKind::Hsl,
        DocKind::Timecare,
        DocKind::Telefonlista,
        DocKind::TelefonlistaPrivat,
        DocKind::Kontakter,
        DocKind::Rutiner,
        DocKind::Blankett,
        DocKind::Egenkontroll,
        DocKind::AktSkyddad,
        DocKind::Innehall,
        DocKind::Driftstopp,
        DocKind::Nyckellista,
        DocKind::Larmlista,
        DocKind::Signaturlista,
        DocKind::Signeringslista,
        DocKind::Varningar,
        DocKind::Boendelista,
    ];

    /// The manifest name, also the folder name under the unit.
    pub const fn as_str(self) -> &'static str {
        match self {
            DocKind::Schema => "schema",
            DocKind::PlaneradeBesok => "planerade_besok",
            DocKind::Personkort => "personkort",
            DocKind::Genomforandeplan => "genomforandeplan",
            DocKind::Uppdrag => "uppdrag",
            DocKind::Hsl => "hsl",
            DocKind::Timecare => "timecare",
            DocKind::Telefonlista => "telefonlista",
            DocKind::TelefonlistaPrivat => "telefonlista_privat",
            DocKind::Kontakter => "kontakter",
            DocKind::Rutiner => "rutiner",
            DocKind::Blankett => "blankett",
            DocKind::Egenkontroll => "egenkontroll",
            DocKind::AktSkyddad => "akt_skyddad",
            DocKind::Innehall => "innehall",
            DocKind::Driftstopp => "driftstopp",
            DocKind::Nyckellista => "nyckellista",
            DocKind::Larmlista => "larmlista",
            DocKind::Signaturlista => "signaturlista",
            DocKind::Signeringslista => "signeringslista",
            DocKind::Varningar => "varningar",
            DocKind::Boendelista => "boendelista",
        }
    }

    /// What the kind is called on paper and on the web page (Swedish).
    pub const fn name_sv(self) -> &'static str {
        match self {
            DocKind::Schema => "Pappersschema",
            DocKind::PlaneradeBesok => "Planerade besök",
            DocKind::Personkort => "Personkort",
            DocKind::Genomforandeplan => "Genomförandeplan",
            DocKind::Uppdrag => "Uppdragsbeskrivning",
            DocKind::Hsl => "Hälso- och sjukvårdsbeställning",
            DocKind::Timecare => "Time Care-schema",
            DocKind::Telefonlista => "Telefonlista arbetstelefoner",
            DocKind::TelefonlistaPrivat => "Telefonlista privata telefonnummer",
            DocKind::Kontakter => "Kontakter vid driftstopp",
            DocKind::Rutiner => "Stödjande dokument (rutiner)",
            DocKind::Blankett => "Reservblankett",
            DocKind::Egenkontroll => "Egenkontroll",
            DocKind::AktSkyddad => "Ordinarie akt (begränsad)",
            DocKind::Innehall => "Innehåll i akten",
            DocKind::Driftstopp => "Så gör du vid driftstopp",
            DocKind::Nyckellista => "Nyckellista",
            DocKind::Larmlista => "Larmlista",
            DocKind::Signaturlista => "Signaturlista",
            DocKind::Signeringslista => "Signeringslista delegerade insatser",
            DocKind::Varningar => "Varningar och allergier",
            DocKind::Boendelista => "Boendelista",
        }
    }

    /// The short prefix of the kind's document ids (`SCH-…`, `GP-…`).
    pub const fn id_prefix(self) -> &'static str {
        match self {
            DocKind::Schema => "SCH",
            DocKind::PlaneradeBesok => "PB",
            DocKind::Personkort => "PK",
            DocKind::Genomforandeplan => "GP",
            DocKind::Uppdrag => "UB",
            DocKind::Hsl => "HSL",
            DocKind::Timecare => "TC",
            DocKind::Telefonlista => "TEL",
            DocKind::TelefonlistaPrivat => "TELP",
            DocKind::Kontakter => "KON",
            DocKind::Rutiner => "RUT",
            DocKind::Blankett => "BL",
            DocKind::Egenkontroll => "EK",
            DocKind::AktSkyddad => "AKT",
            DocKind::Innehall => "INN",
            DocKind::Driftstopp => "DS",
            DocKind::Nyckellista => "NYC",
            DocKind::Larmlista => "LARM",
            DocKind::Signaturlista => "SIG",
            DocKind::Signeringslista => "SGN",
            DocKind::Varningar => "VAR",
            DocKind::Boendelista => "BOE",
        }
    }

    /// The filing order of a person folder's documents: the contents sheet first (print
    /// batches and the contents sheet itself use it).
    pub const fn folder_rank(self) -> u8 {
        match self {
            DocKind::Innehall => 0,
            DocKind::Personkort => 1,
            DocKind::Genomforandeplan => 2,
            DocKind::Uppdrag => 3,
            DocKind::Hsl => 4,
            DocKind::Blankett => 5,
            DocKind::AktSkyddad => 6,
            _ => 7,
        }
    }

    /// About how many pages a document of the kind has (city fixtures: pages ÷ documents),
    /// until a printed version tells (render batches are sized by it).
    pub const fn typical_pages(self) -> usize {
        match self {
            DocKind::PlaneradeBesok => 25,
            DocKind::Egenkontroll => 6,
            DocKind::Timecare => 6,
            DocKind::AktSkyddad => 5,
            DocKind::Blankett | DocKind::TelefonlistaPrivat | DocKind::Telefonlista | DocKind::Nyckellista => 2,
            _ => 1,
        }
    }

    /// The kind a manifest name stands for.
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for DocKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DocKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_manifest_name() {
        for k in DocKind::ALL {
            assert_eq!(DocKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<DocKind>(&format!("\"{}\"", k.as_str())).unwrap(), k);
        }
        assert_eq!(DocKind::parse("okänd"), None);
    }

    #[test]
    fn kinds_order_by_name() {
        assert!(DocKind::Blankett < DocKind::Schema);
        assert!(DocKind::Telefonlista < DocKind::TelefonlistaPrivat);
    }
}

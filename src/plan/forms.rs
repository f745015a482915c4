//! The unit's blank reserve forms (`blankett`, one document per form per unit), kept in the
//! continuity binder: seed 003's bilagor 1–5 and its "Reservblankett totaltidsregistrering"
//! (3.5, home care only). Headers as in the originals; ruled rows fill the page.

use serde_json::json;

use super::storage::STORAGE_BINDER;
use super::{Audience, DocJob, DocKind, Planner, Scope, UnitDoc};
use crate::model::{Unit, UnitKind};
use crate::privacy::Cleared;

/// One blank form.
struct Form {
    /// The document key (stable per unit).
    key: &'static str,
    label: &'static str,
    heading: &'static str,
    intro: &'static str,
    /// (header, relative width).
    columns: &'static [(&'static str, f64)],
    /// Row height in mm; as many rows as fit fill the page.
    row_height: u32,
    flipped: bool,
    /// The original has a "Handläggare: ____" line.
    handlaggare: bool,
    /// Lines to fill in above the table.
    fill_lines: &'static [&'static str],
    home_care_only: bool,
    /// Seed 003's forms for decisions, payments and cash: only for units of type
    /// `myndighet` and the units config names (`myndighetsblanketter`).
    authority_only: bool,
}

const FORMS: &[Form] = &[
    Form {
        key: "beslutslista",
        label: "Beslutslista",
        heading: "Beslutslista – manuell förteckning av fattade beslut",
        intro: "Varje beslut som fattas under avbrottet skrivs i beslutsdokument och antecknas här. Besluten registreras i verksamhetssystemet i efterhand och stäms av mot listan. Arbetsledaren ansvarar för listan och att den förvaras i aktskåp.",
        columns: &[
            ("Klientens namn", 3.0),
            ("Personnummer", 2.0),
            ("Ändamål/insats", 3.0),
            ("Beslutsfattare", 2.2),
            ("Beslutsdatum", 1.6),
            ("Inregistrerad, datum och sign.", 2.4),
        ],
        row_height: 9,
        flipped: true,
        handlaggare: true,
        fill_lines: &[],
        authority_only: true,
        home_care_only: false,
    },
    Form {
        key: "upprattade_handlingar",
        label: "Övriga upprättade handlingar, manuell förteckning",
        heading: "Övriga upprättade handlingar, manuell förteckning",
        intro: "Alla handlingar som upprättas under avbrottet förvaras inlåsta i aktskåp tillsammans med denna förteckning, och förs in i verksamhetssystemet när det fungerar igen.",
        columns: &[
            ("Datum", 1.4),
            ("Vad har upprättats (journalanteckning, beställning, utredning, osv.)", 5.0),
            ("Klientnamn", 3.0),
            ("Personnummer", 2.0),
            ("Signering", 1.6),
        ],
        row_height: 9,
        flipped: true,
        handlaggare: true,
        fill_lines: &[],
        authority_only: true,
        home_care_only: false,
    },
    Form {
        key: "usb_kvittens",
        label: "Kvittenslista för USB-minnen",
        heading: "Kvittenslista för USB-minnen",
        intro: "Endast nya krypterade USB-minnen används. USB-minnen med sekretesshandlingar får inte tas med från arbetsplatsen utan låses in i aktskåp.",
        columns: &[
            ("Datum utlämning", 1.6),
            ("Namn och signatur", 3.0),
            ("Arbetsplats", 2.2),
            ("Här vidimeras att all data på USB är infört och rensat från USB innan återlämning, genom datum/signatur", 4.2),
            ("USB-minnets nummer", 1.8),
        ],
        row_height: 9,
        flipped: true,
        handlaggare: true,
        fill_lines: &[],
        authority_only: false,
        home_care_only: false,
    },
    Form {
        key: "ica_utbetalningar",
        label: "Utförda utbetalningar via ICA-kort",
        heading: "Utförda utbetalningar via ICA-kort",
        intro: "Alla utbetalningar via ICA-kort registreras här, liksom den totala summan som betalats ut från ICA-kontot. När den totala summan närmar sig 75 000 kr görs en avstämning med ekonomichef eller redovisningsansvarig.",
        columns: &[
            ("Datum", 1.4),
            ("Personnummer/ Namn", 3.0),
            ("Verifikationsnummer", 2.0),
            ("Ändamål", 2.6),
            ("Belopp till klient", 1.6),
            ("Beslutsfattare", 2.0),
            ("Totalt utbetalt från ICA-kontot", 2.0),
        ],
        row_height: 9,
        flipped: true,
        handlaggare: false,
        fill_lines: &[],
        authority_only: true,
        home_care_only: false,
    },
    Form {
        key: "kassaforvaltare",
        label: "Kassaförvaltare",
        heading: "Kassaförvaltare",
        intro: "Förteckning över kassaförvaltare under avbrottet.",
        columns: &[("Namn", 3.0), ("Enhet", 2.0), ("Telefonnummer", 2.0), ("E-post", 3.0)],
        row_height: 9,
        flipped: false,
        handlaggare: true,
        fill_lines: &[],
        authority_only: true,
        home_care_only: false,
    },
    Form {
        key: "totaltidsregistrering",
        label: "Reservblankett totaltidsregistrering",
        heading: "Reservblankett totaltidsregistrering",
        intro: "Hemtjänstpersonalen rapporterar här den tid som utförts hos omsorgstagarna under driftstoppet. Arbetsledaren registrerar tiden i verksamhetssystemet när det är i bruk igen.",
        columns: &[("Datum", 1.5), ("Omsorgstagare", 3.2), ("Tid från", 1.2), ("Tid till", 1.2), ("Insats", 3.0), ("Signatur", 1.4)],
        row_height: 9,
        flipped: false,
        handlaggare: false,
        fill_lines: &["Medarbetare", "Vecka"],
        authority_only: false,
        home_care_only: true,
    },
];

pub fn plan(cleared: &Cleared, scope: &Scope, planner: &Planner, jobs: &mut Vec<DocJob>) {
    for unit in &cleared.units {
        let authority = unit.kind == UnitKind::Myndighet || scope.authority_form_units.contains(&unit.id);
        let forms =
            FORMS.iter().filter(|f| !f.home_care_only || unit.kind == UnitKind::Hemtjanst).filter(|f| !f.authority_only || authority);
        for form in forms {
            jobs.push(form_doc(unit, form).finish(planner));
        }
        let staff = cleared.employees.iter().filter(|e| e.unit == unit.id).count() as u32;
        let copies = scope.spare_forms.unwrap_or(staff * 3).max(1);
        for (key, label, template) in [
            ("reserv_daganteckningar", "Reservblankett för daganteckningar, utan namn", "daganteckningar.typ"),
            ("reserv_avvikelse", "Reservrapport för avvikelser, utan namn", "avvikelse.typ"),
        ] {
            jobs.push(spare(unit, key, label, template, copies).finish(planner));
        }
    }
}

/// Spare unnamed copies of a person form, for someone whose folder has none (new, visiting,
/// or used up): `copies` pages, the name written by hand.
fn spare<'a>(unit: &'a Unit, key: &str, label: &'static str, template: &'static str, copies: u32) -> UnitDoc<'a> {
    UnitDoc {
        unit,
        kind: DocKind::Blankett,
        template,
        label,
        key: key.into(),
        audience: Audience::Personal,
        storage: STORAGE_BINDER,
        subject: Some(format!("{} ({copies} blad)", unit.name)),
        doc: json!({
            "unit_id": unit.id,
            "unit_name": unit.name,
            "identity": null,
            "copies": copies,
            "keep": super::folders::FORM_NOTE,
        }),
        attachments: Vec::new(),
    }
}

fn form_doc<'a>(unit: &'a Unit, f: &Form) -> UnitDoc<'a> {
    UnitDoc {
        unit,
        kind: DocKind::Blankett,
        template: "blankett_enhet.typ",
        label: f.label,
        key: f.key.into(),
        audience: Audience::Personal,
        storage: STORAGE_BINDER,
        subject: None,
        doc: json!({
            "unit_id": unit.id,
            "unit_name": unit.name,
            "heading": f.heading,
            "intro": f.intro,
            "header": f.columns.iter().map(|(h, _)| h).collect::<Vec<_>>(),
            "columns": f.columns.iter().map(|(_, w)| w).collect::<Vec<_>>(),
            "row_height": f.row_height,
            "flipped": f.flipped,
            "handlaggare": f.handlaggare,
            "fill_lines": f.fill_lines,
        }),
        attachments: Vec::new(),
    }
}

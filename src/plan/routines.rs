//! Stödjande dokument (`rutiner`): per unit, an index of the routines that must be at hand
//! during an outage (the "Stödjande dokument" lists of seeds 000 and 001), then every routine
//! PDF given in `rutiner/` (for all units) or `rutiner/<enhet_id>/`, embedded page by page.
//! In Typst attachment `i` is the file `/bilaga-{i}.pdf`.

use std::sync::Arc;

use serde_json::json;

use super::storage::STORAGE_ROUTINES;
use super::{Audience, DocJob, DocKind, Planner, UnitDoc};
use crate::model::{Routine, Unit, UnitKind};
use crate::privacy::Cleared;
use crate::render::MAX_ATTACHMENTS;

/// Seed 001 (hemtjänst), "Stödjande dokument": (group, titles).
const HOME_CARE: &[(&str, &[&str])] = &[
    (
        "Rutiner gällande driftstopp",
        &[
            "Göteborgs Stads rutin för att säkerställa planering och utförande av hemtjänst vid driftstopp (denna rutin samt bilagor)",
            "Treserva - Rutin vid driftstörningar/driftstopp (gäller för Myndighet)",
        ],
    ),
    ("Reservblanketter", &["Reservrapport för rapportering av avvikelser"]),
    (
        "Rutiner för hemtjänsten som finns i tjänstemobil",
        &[
            "Göteborgs stads rutin för om den enskilde inte öppnar, inte svarar i telefon vid avtalat besök",
            "Viktiga telefonnummer",
            "När den enskilde blivit sjuk eller fallit",
            "Rutin vid oväntat dödsfall i ordinärt boende, hemtjänst",
            "Stöd vid inköp eller uttag av kontanter",
            "Basal hygienrutin – synlig i tjänstemobil avdelning hemtjänst",
            "Löpande daganteckningar, information om när de ska skrivas",
            "Hot och våld mot medarbetare",
            "När du ska prata med hemsjukvård eller primärvård (SBAR)",
            "Om den enskilde vill lämna synpunkter",
            "Samtycke",
            "Kontakt med legitimerad personal",
        ],
    ),
];

/// Seed 000 (vård- och omsorgsboende), "Stödjande dokument" and "Koppling till andra
/// styrande dokument".
const CARE_HOME: &[(&str, &[&str])] = &[
    (
        "Rutiner gällande driftstopp",
        &["Rutin vid driftstopp i Treserva (vård- och omsorgsboende)", "Treserva - Rutin vid driftstörningar/driftstopp"],
    ),
    (
        "Reservblanketter (bilagor till rutinen i Styrande dokument)",
        &["Reservblankett för löpande daganteckningar", "Reservrapport för rapportering av avvikelser"],
    ),
];

/// Why a routine cannot be embedded (Typst 0.15 embeds PDF pages only up to the export's
/// PDF version, 1.7), or `None`.
fn cannot_embed(r: &Routine) -> Option<&'static str> {
    let head = r.bytes.get(..8)?;
    let version = std::str::from_utf8(head.strip_prefix(b"%PDF-")?).ok()?;
    let mut parts = version.split('.');
    let major: u32 = parts.next()?.trim().parse().ok()?;
    let minor: u32 = parts.next()?.trim().parse().ok()?;
    ((major, minor) > (1, 7)).then_some("PDF-versionen är nyare än 1.7")
}

pub fn plan(cleared: &Cleared, planner: &Planner, jobs: &mut Vec<DocJob>) {
    for unit in &cleared.units {
        jobs.push(unit_doc(cleared, unit).finish(planner));
    }
}

fn unit_doc<'a>(cleared: &Cleared, unit: &'a Unit) -> UnitDoc<'a> {
    let groups = match unit.kind {
        UnitKind::Hemtjanst | UnitKind::Myndighet => HOME_CARE,
        UnitKind::Boende => CARE_HOME,
    };
    let mut attachments: Vec<Arc<Vec<u8>>> = Vec::new();
    let mut attached = Vec::new();
    let mut omitted = Vec::new();
    let routines = cleared.routines.iter().filter(|r| r.unit.as_deref().is_none_or(|u| u == unit.id));
    for r in routines {
        if let Some(reason) = cannot_embed(r) {
            omitted.push(json!({ "name": r.name, "reason": reason }));
        } else if r.pages == 0 {
            omitted.push(json!({ "name": r.name, "reason": "inga sidor" }));
        } else if attachments.len() >= MAX_ATTACHMENTS {
            omitted.push(json!({ "name": r.name, "reason": format!("fler än {MAX_ATTACHMENTS} rutiner per enhet") }));
        } else {
            attached.push(json!({ "index": attachments.len(), "name": r.name, "pages": r.pages }));
            attachments.push(Arc::clone(&r.bytes));
        }
    }
    UnitDoc {
        unit,
        kind: DocKind::Rutiner,
        template: "rutiner.typ",
        label: "Stödjande dokument (rutiner)",
        key: "rutiner".into(),
        audience: Audience::Personal,
        storage: STORAGE_ROUTINES,
        subject: None,
        doc: json!({
            "unit_id": unit.id,
            "unit_name": unit.name,
            "groups": groups.iter().map(|(title, items)| json!({ "title": title, "items": items })).collect::<Vec<_>>(),
            "attached": attached,
            "omitted": omitted,
        }),
        attachments,
    }
}

//! `reservpack verify`: is a printed sheet current, superseded, or unknown (issue 6).
//!
//! Every page carries `<document id> v<first 8 hex of version>`; an egenkontroll can check
//! any sheet found in a cabinet. Reads the published manifest (current versions) and the
//! history (versions superseded or removed, when, by which version), without the lock.
//! The sheet is named by `DOC_ID VERSION` or by its QR code's text alone
//! (`reservpack:<id>:<v8>` or `<address>/v/<id>/<v8>`, any host).
//! Exit 0: the sheet is current; 1: it is not (superseded, removed, gallrad or unknown) or
//! no pack is published; 2: the version is not one (hex digits, at least 8), or a lone
//! argument is not a QR code's text.

use reservpack::publish::history::{self, Reason, Status};
use reservpack::publish::{published_dir, read_manifest};

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli;

pub fn run(args: cli::VerifyArgs) -> anyhow::Result<u8> {
    if let Some(target) = &args.offline {
        return super::export::verify_offline(target);
    }
    let (Some(out), Some(doc_id)) = (&args.out, &args.doc_id) else {
        eprintln!("fel: ange --out KATALOG DOKUMENT_ID VERSION, eller --offline MÅL");
        return Ok(EXIT_USAGE);
    };
    let (doc_id, version) = match &args.version {
        Some(v) => (doc_id.clone(), v.clone()),
        None => match reservpack::render::qr::parse(doc_id) {
            Some(sheet) => sheet,
            None => {
                eprintln!(
                    "fel: ange dokument-id och version (t.ex. GP-1A2B3C4D5E 1a2b3c4d), eller texten i bladets QR-kod: \
                     reservpack:<id>:<version> eller <adress>/v/<id>/<version>"
                );
                return Ok(EXIT_USAGE);
            }
        },
    };
    let id = doc_id.trim().to_uppercase();
    let version = version.trim().trim_start_matches(['v', 'V']).to_lowercase();
    if version.len() < 8 || version.len() > 64 || !version.chars().all(|c| c.is_ascii_hexdigit()) {
        eprintln!("fel: versionen ska vara minst 8 hexadecimala tecken, som på bladet (t.ex. v1a2b3c4d)");
        return Ok(EXIT_USAGE);
    }
    // Read one generation; if a run switches it meanwhile (and removes it), read again.
    let mut read = None;
    for _ in 0..3 {
        // A planted link or file in the pack is refused, naming it (issue 13).
        let Some(dir) = published_dir(out)? else { break };
        if let Ok(m) = read_manifest(&dir.join("manifest.json")) {
            read = Some((m, history::read_all(&dir)));
            break;
        }
    }
    let Some((manifest, ended)) = read else {
        eprintln!("fel: det finns inget publicerat pack i {}", out.display());
        return Ok(EXIT_FAILED);
    };
    let short = |v: &str| v[..v.len().min(8)].to_string();
    match history::status(&manifest, &ended, &id, &version) {
        Status::Current(e) => {
            println!("AKTUELL: {} v{} är den gällande versionen.", e.id, short(&e.version));
            println!("  {} · {} · utskriven {} · förvaras: {} · gallras: {}", e.label, e.unit, e.printed, e.storage, e.gallring);
            Ok(EXIT_OK)
        }
        Status::Ended(h, current) => {
            let sheet = format!("{} v{} (utskriven {})", h.id, short(&h.version), h.printed);
            let what = match h.reason {
                Reason::NewVersion => {
                    let by = h.superseded_by.as_deref().map(short).unwrap_or_else(|| "?".into());
                    let when = h.superseded_printed.as_deref().unwrap_or("?");
                    format!("ERSATT: {sheet} ersattes av v{by}, utskriven {when}.")
                }
                Reason::PersonLeft => format!("UTGÅTT: {sheet} togs bort {}: personen har lämnat enheten.", h.ended),
                Reason::Dropped => format!("UTGÅTT: {sheet} togs bort {}: dokumentet ingår inte längre i reservpärmen.", h.ended),
                Reason::Expired => {
                    format!("GALLRAT: {sheet} har gallringsdatum {}; den digitala kopian togs bort {}.", h.gallring, h.ended)
                }
                Reason::ProtectionChanged => {
                    // Names no one, and does not link the sheet to the new id series.
                    println!("ERSATT: {sheet} gäller inte längre ({}). Fråga enhetschefen.", h.ended);
                    println!("  Bladet ska strimlas eller läggas i sekretesstunna.");
                    return Ok(EXIT_FAILED);
                }
            };
            println!("{what}");
            if let Some(c) = current.filter(|c| c.version != h.version) {
                println!("  Gällande version: v{}, utskriven {} ({} · förvaras: {}).", short(&c.version), c.printed, c.label, c.storage);
            }
            println!("  Bladet ska strimlas eller läggas i sekretesstunna.");
            Ok(EXIT_FAILED)
        }
        Status::OtherVersion(c) => {
            println!("OKÄND VERSION: {id} v{} finns inte i packets historik.", short(&version));
            println!(
                "  Gällande version: v{}, utskriven {} ({} · förvaras: {}). Bladet är inte aktuellt.",
                short(&c.version),
                c.printed,
                c.label,
                c.storage
            );
            Ok(EXIT_FAILED)
        }
        Status::Unknown => {
            println!("OKÄND: {id} v{} finns varken i packet eller i dess historik.", short(&version));
            println!("  Kontrollera id och version i sidfoten. Har gallringsdatumet på bladet passerat ska det strimlas.");
            Ok(EXIT_FAILED)
        }
    }
}

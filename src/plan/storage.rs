//! Where each document is kept between outages: the stamp's `Förvaras` line (seeds 001–003).
//! One place, so that the same cabinet is always called the same.

/// Seed 001: schedules and unit lists are kept in the unit's document cabinet.
pub const STORAGE_CABINET: &str = "Dokumentskåp (aktskåp)";
/// Seed 001: the private-phone list is kept "hos enhetschef".
pub const STORAGE_MANAGER_CABINET: &str = "Enhetschefens dokumentskåp (endast enhetschef)";
/// Seed 003, 1.1: "Varje enhetschef ansvarar för att aktuella mallar finns uppdaterade i
/// avbrott- och kontinuitetspärmen". The blank forms and the general egenkontroll live there.
pub const STORAGE_BINDER: &str = "Avbrotts- och kontinuitetspärmen hos enhetschefen";
/// Seed 001: "Lättåtkomligt för medarbetare, förslagsvis där övriga uppgifter som krävs vid
/// driftstopp förvaras".
pub const STORAGE_ROUTINES: &str = "Lättåtkomligt, med övriga underlag för driftstopp";
/// Seed 001: "Personakt i aktskåp/dokumentskåp".
pub const STORAGE_PERSON_FILE: &str = "Personakt i aktskåp/dokumentskåp";
/// Seed 002 §8.2: the fictive file "förvaras tillsammans med övriga akter".
pub const STORAGE_FICTIVE_FILE: &str = "Fiktiv akt (förvaras med övriga akter)";
/// Seed 002 §8.2: the ordinary file of a protected person.
pub const STORAGE_RESTRICTED_FILE: &str = "Ordinarie akt – förvaras inlåst, åtskild från övriga akter, endast behöriga";
/// Where the signing sheets are kept until an outage.
pub const STORAGE_SIGNING: &str = "Signeringspärm i dokumentskåp";
/// Where the nyckellista is kept: with the keys' cabinet, locked.
pub const STORAGE_KEYS: &str = "Låst dokumentskåp, vid nyckelskåpet";

//! `reservpack gallra`: deletes digital copies past their gallring date (issue 6).

use crate::cli;

pub fn run(_args: cli::GallraArgs) -> anyhow::Result<u8> {
    anyhow::bail!("kommandot är inte klart ännu")
}

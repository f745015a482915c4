//! `reservpack verify`: is a printed sheet current, superseded, or unknown (issue 6).

use crate::cli;

pub fn run(_args: cli::VerifyArgs) -> anyhow::Result<u8> {
    anyhow::bail!("kommandot är inte klart ännu")
}

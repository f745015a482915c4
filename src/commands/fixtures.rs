//! `reservpack fixtures`: writes fictional exports (demo, unit, city).

use anyhow::Context;
use reservpack::fixtures;

use super::EXIT_OK;
use crate::cli;

pub fn make_fixtures(args: cli::FixturesArgs) -> anyhow::Result<u8> {
    let scale = match args.scale {
        cli::ScaleArg::Demo => fixtures::Scale::Demo,
        cli::ScaleArg::Unit => fixtures::Scale::Unit,
        cli::ScaleArg::City => fixtures::Scale::City,
    };
    let s =
        fixtures::generate(scale, args.seed, &args.out).with_context(|| format!("kan inte skriva testdata till {}", args.out.display()))?;
    eprintln!(
        "Fiktiva testdata skrivna till {}: {} enheter, {} personer ({} med skyddade personuppgifter), {} medarbetare, {} besök.",
        args.out.display(),
        s.units,
        s.persons,
        s.protected,
        s.employees,
        s.visits
    );
    Ok(EXIT_OK)
}

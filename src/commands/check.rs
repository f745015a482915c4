//! `reservpack check`: the same validation as `generate`, without rendering or publishing.

use reservpack::config::Config;
use reservpack::diag::Severity;
use reservpack::{ingest, privacy};

use super::{EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, print_diagnostics, tomorrow};
use crate::cli;

pub fn check(args: cli::CheckArgs) -> anyhow::Result<u8> {
    let date = args.date.unwrap_or_else(tomorrow);
    let config = Config::load(args.config.as_deref(), &args.input)?;
    let loaded = match ingest::load(&args.input, &config, date) {
        Ok(l) => l,
        Err(ingest::IngestError::Fatal(diags)) => {
            print_diagnostics(&diags);
            eprintln!("Kontrollen misslyckades: {} fel gör att indata inte kan läsas.", diags.len());
            return Ok(EXIT_FAILED);
        }
    };
    let (_cleared, diags) = privacy::clear_run(loaded.dataset, date, loaded.diagnostics, |d| d);
    print_diagnostics(&diags);
    let problems = diags.iter().filter(|d| d.severity == Severity::Problem).count();
    let warnings = diags.iter().filter(|d| d.severity == Severity::Warning).count();
    eprintln!("Kontroll klar: {problems} dataproblem, {warnings} varningar.");
    Ok(if problems > 0 { EXIT_PROBLEMS } else { EXIT_OK })
}

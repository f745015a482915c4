//! The `reservpack` command: parses flags and hands over to a subcommand in `commands/`.
//! Messages and exit codes follow FORMATS.md: 0 published, 1 failed (nothing published),
//! 2 usage, 3 published with data problems, 4 another run holds the output directory.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use reservpack::publish::PublishError;

use cli::{Cli, Command};
use commands::{EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("RESERVPACK_LOG").unwrap_or_else(|_| "warn".into()))
        .without_time()
        .init();
    let result = match cli.command {
        Command::Generate(args) => commands::generate::generate(args),
        Command::Check(args) => commands::check::check(args),
        Command::Fixtures(args) => commands::fixtures::make_fixtures(args),
        Command::Gallra(args) => commands::gallra::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Print(args) => commands::print::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("fel: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  orsak: {cause}");
            }
            let locked = matches!(e.downcast_ref::<PublishError>(), Some(PublishError::Locked { .. }));
            ExitCode::from(if locked { EXIT_LOCKED } else { EXIT_FAILED })
        }
    }
}

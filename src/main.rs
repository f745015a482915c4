//! The `reservpack` command: parses flags and hands over to a subcommand in `commands/`.
//! Messages and exit codes follow FORMATS.md: 0 published, 1 failed (nothing published),
//! 2 usage, 3 published with data problems, 4 another run holds the output directory.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::error::{ContextKind, ErrorKind};
use clap::{CommandFactory, FromArgMatches};

use reservpack::publish::PublishError;

use cli::{Cli, Command};

/// mimalloc instead of the system allocator: Typst allocates and frees small objects by the
/// million, and glibc's malloc took about 17 % of a city nightly's CPU (perf); it also gives
/// memory back to the system instead of holding the peak.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use commands::{EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE};

fn main() -> ExitCode {
    let cli = match swedish_command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_OK);
        }
        Err(e) => {
            eprintln!("fel: {}", usage_error(&e));
            eprintln!("Se `reservpack --help` eller `reservpack <kommando> --help`.");
            return ExitCode::from(EXIT_USAGE);
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
        Command::Export(args) => commands::export::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::User(args) => commands::user::run(args),
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

/// The clap command with Swedish headings, usage lines and help texts.
fn swedish_command() -> clap::Command {
    const TEMPLATE: &str = "{about-with-newline}\nAnvändning: {usage}\n\n{all-args}{after-help}";
    let usages = [
        (
            "generate",
            "reservpack generate --input KATALOG --out KATALOG [--date ÅÅÅÅ-MM-DD] [--days N] [--person ID] [--unit ID] [--strict] [--config FIL]",
        ),
        ("check", "reservpack check --input KATALOG [--config FIL]"),
        ("fixtures", "reservpack fixtures --scale demo|unit|city [--seed N] --out KATALOG"),
        ("gallra", "reservpack gallra --out KATALOG [--today ÅÅÅÅ-MM-DD]"),
        (
            "verify",
            "reservpack verify --out KATALOG DOKUMENT_ID VERSION\n       reservpack verify --out KATALOG QR-TEXT\n       reservpack verify --offline MÅL",
        ),
        ("print", "reservpack print --out KATALOG [--unit ID] [--printer NAMN] [--delta] [--begransad] [--dry-run]"),
        ("export", "reservpack export --out KATALOG --unit ID --to MÅL [--begransad]"),
        ("serve", "reservpack serve --out KATALOG --input KATALOG [--listen 127.0.0.1:8080] [--config FIL]"),
        ("user", "reservpack user add|remove|passwd NAMN [--role enhetschef|personal|admin] [--unit ID] --out KATALOG"),
    ];
    let swedish_args = |c: clap::Command| {
        c.mut_args(|a| {
            let a = if a.is_positional() { a.help_heading("Argument") } else { a.help_heading("Flaggor") };
            match a.get_id().as_str() {
                "help" => a.help("Visa den här hjälpen").long_help("Visa den här hjälpen"),
                "version" => a.help("Visa versionen").long_help("Visa versionen"),
                _ => a,
            }
        })
    };
    let mut cmd = Cli::command()
        .help_template(TEMPLATE)
        .subcommand_help_heading("Kommandon")
        .override_usage("reservpack <KOMMANDO> [FLAGGOR]")
        .disable_help_subcommand(true);
    cmd.build();
    swedish_args(cmd).mut_subcommands(|sub| {
        let usage = usages.iter().find(|(n, _)| *n == sub.get_name()).map(|(_, u)| *u).unwrap_or("");
        swedish_args(sub.help_template(TEMPLATE).override_usage(usage))
    })
}

/// A usage error in Swedish (clap's own texts are English).
fn usage_error(e: &clap::Error) -> String {
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    match e.kind() {
        ErrorKind::UnknownArgument => format!("okänd flagga eller argument '{}'", ctx(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => format!("okänt kommando '{}'", ctx(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingRequiredArgument => format!("obligatoriskt argument saknas: {}", ctx(ContextKind::InvalidArg)),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "ange ett kommando: generate, check, fixtures, gallra, verify, print, export, serve eller user".into()
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let arg = ctx(ContextKind::InvalidArg);
            let value = ctx(ContextKind::InvalidValue);
            let valid = ctx(ContextKind::ValidValue);
            let mut m = format!("ogiltigt värde '{value}' för {arg}");
            if !valid.is_empty() {
                m.push_str(&format!("; giltiga värden: {valid}"));
            }
            if let Some(source) = std::error::Error::source(e) {
                m.push_str(&format!(" ({source})"));
            }
            m
        }
        ErrorKind::ArgumentConflict => {
            format!("{} kan inte användas tillsammans med {}", ctx(ContextKind::InvalidArg), ctx(ContextKind::PriorArg))
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("fel antal värden för {}", ctx(ContextKind::InvalidArg))
        }
        _ => "felaktigt kommando".into(),
    }
}

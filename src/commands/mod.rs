//! The subcommands. Each takes its parsed flags and returns the exit code (FORMATS.md).

pub mod check;
pub mod export;
pub mod fixtures;
pub mod gallra;
pub mod generate;
pub mod print;
pub mod serve;
pub mod user;
pub mod verify;

use reservpack::diag::Diagnostic;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_PROBLEMS: u8 = 3;
pub const EXIT_LOCKED: u8 = 4;

pub use reservpack::run::tomorrow;

/// Messages about input go to stderr, one per line, in the contract's form.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
}

//! `reservpack user add|remove|passwd NAME`: the web page's users in `out/.users.json`.
//! The password is read from standard input (a prompt without echo on a terminal), never
//! from a flag.

use std::io::{BufRead, IsTerminal, Write};

use reservpack::web::users::{self, Password, Role};

use super::{EXIT_OK, EXIT_USAGE};
use crate::cli::{self, UserAction};

pub fn run(args: cli::UserArgs) -> anyhow::Result<u8> {
    let role = match args.role.as_deref().map(|r| (r, Role::parse(r))) {
        Some((_, Some(r))) => Some(r),
        Some((r, None)) => {
            eprintln!("fel: okänd roll '{r}'; giltiga roller: enhetschef, personal, admin");
            return Ok(EXIT_USAGE);
        }
        None => None,
    };
    match args.action {
        UserAction::Add => {
            let Some(role) = role else {
                eprintln!("fel: ange --role enhetschef, personal eller admin");
                return Ok(EXIT_USAGE);
            };
            let password = read_password()?;
            users::add(&args.out, &args.name, role, args.unit.as_deref(), &password)?;
            println!("Användaren {} ({}) är tillagd.", args.name, role.name());
        }
        UserAction::Remove => {
            users::remove(&args.out, &args.name)?;
            println!("Användaren {} är borttagen.", args.name);
        }
        UserAction::Passwd => {
            let password = read_password()?;
            users::passwd(&args.out, &args.name, &password)?;
            println!("Lösenordet för {} är bytt.", args.name);
        }
    }
    Ok(EXIT_OK)
}

/// The password: asked for twice without echo on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<Password> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(Password::new(line.trim_end_matches(['\r', '\n']).to_string()));
    }
    let first = prompt("Lösenord (minst 10 tecken): ")?;
    let second = prompt("Upprepa lösenordet: ")?;
    if first != second {
        anyhow::bail!("lösenorden är inte lika");
    }
    Ok(Password::new(first))
}

/// Reads a line from the terminal with echo off.
fn prompt(text: &str) -> anyhow::Result<String> {
    eprint!("{text}");
    std::io::stderr().flush()?;
    // SAFETY: tcgetattr/tcsetattr on stdin's descriptor with a termios we own.
    let mut term: libc::termios = unsafe { std::mem::zeroed() };
    let saved = unsafe { libc::tcgetattr(0, &mut term) } == 0;
    let old = term;
    if saved {
        term.c_lflag &= !libc::ECHO;
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &term) };
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if saved {
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &old) };
    }
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

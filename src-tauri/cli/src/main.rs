//! `smartpush-auth`: the SmartPush Authenticator command line.
//!
//! Links no GTK/WebKit so it starts instantly and runs on headless machines; with no subcommand
//! it hands over to the desktop binary installed beside it.

mod args;
mod cmd;
mod ctx;
mod error;
mod input;
mod output;
mod password;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::args::{Cli, Command};
use crate::ctx::Ctx;
use crate::error::CliError;

fn main() -> ExitCode {
    // A crash must not leave vault keys in a core file (inherited by the desktop app it starts).
    // Lowering a limit does not fail in practice, and nothing else depends on it.
    #[cfg(unix)]
    let _ = rlimit::setrlimit(rlimit::Resource::CORE, 0, 0);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        Err(e) => {
            // One line, like every other error: clap's first line, without its "error: ".
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            report(&format!("{} (see --help)", first.trim_start_matches("error: ")));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            report(&err.to_string());
            ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(1))
        }
    }
}

/// Writes an error line on stderr, [`output::printable`] (errors may name accounts or echo a
/// query); a closed or full stderr is not worth a panic.
fn report(message: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "smartpush-auth: error: {}",
        output::printable(message)
    );
}

fn run(cli: Cli) -> error::Result<()> {
    let Some(command) = cli.command else {
        return cmd::launch::desktop_app();
    };
    // `serve` and `scan` need no vault, not even a data directory to find one in.
    let ctx = || Ctx::new(&cli.global);
    match command {
        Command::Serve(args) => cmd::serve::run(cli.global.json, args),
        Command::Scan(args) => cmd::scan::scan(cli.global.json, args),
        Command::Init(kdf) => cmd::vault::init(&mut ctx()?, kdf),
        Command::Passwd(args) => cmd::vault::passwd(&mut ctx()?, args.kdf),
        Command::Add(args) => cmd::accounts::add(&mut ctx()?, args),
        Command::List => cmd::accounts::list(&mut ctx()?),
        Command::Remove { id } => cmd::accounts::remove(&mut ctx()?, &id),
        Command::Code(args) => cmd::code::code(&mut ctx()?, args),
        Command::Recovery(sub) => cmd::recovery::run(&mut ctx()?, sub),
        Command::Import(args) => cmd::transfer::import(&mut ctx()?, args),
        Command::Export(args) => cmd::transfer::export(&mut ctx()?, args),
        Command::Backup(sub) => cmd::transfer::backup(&mut ctx()?, sub),
        Command::Keychain(sub) => cmd::keychain::run(&mut ctx()?, sub),
    }
}

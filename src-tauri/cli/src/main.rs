//! `smartpush-auth`: the SmartPush Authenticator command line.
//!
//! Links no GTK/WebKit so it starts instantly and runs on headless machines; with no subcommand
//! it hands over to the desktop binary installed beside it.

mod args;
mod cmd;
mod ctx;
mod error;
mod output;
mod password;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::ctx::Ctx;
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("smartpush-auth: error: {err}");
            ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(1))
        }
    }
}

fn run(cli: Cli) -> error::Result<()> {
    let Some(command) = cli.command else {
        return cmd::launch::desktop_app();
    };
    // The mock server needs no vault: it starts before the vault context is resolved.
    if let Command::Serve(args) = command {
        return cmd::serve::run(args);
    }
    let mut ctx = Ctx::new(&cli.global)?;
    match command {
        Command::Init(kdf) => cmd::vault::init(&mut ctx, kdf),
        Command::Passwd(args) => cmd::vault::passwd(&mut ctx, args.kdf),
        Command::Add(args) => cmd::accounts::add(&mut ctx, args),
        Command::List => cmd::accounts::list(&mut ctx),
        Command::Remove { id } => cmd::accounts::remove(&mut ctx, &id),
        Command::Code(args) => cmd::code::code(&mut ctx, args),
        Command::Recovery(sub) => cmd::recovery::run(&mut ctx, sub),
        Command::Serve(args) => cmd::serve::run(args),
    }
}

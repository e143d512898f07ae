//! The `smartpush-authenticator` desktop binary: everything lives in the library so the command
//! layer can be tested and the CLI can open the same app.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    match smartpush_authenticator_lib::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("SmartPush Authenticator could not start: {err}");
            ExitCode::FAILURE
        }
    }
}

//! With no subcommand: start the desktop app installed beside this binary.

use std::path::PathBuf;
use std::process::Command;

use crate::error::{CliError, Result};

/// File name of the desktop binary.
const DESKTOP_BINARY: &str = "smartpush-authenticator";

/// Replaces this process with the desktop app (on Unix), or runs it and waits.
pub fn desktop_app() -> Result<()> {
    let path = desktop_path();
    if !path.is_file() {
        return Err(CliError::Invalid(format!(
            "the desktop app is not installed beside this command (looked for {}); \
             see `smartpush-auth --help` for the command line",
            path.display()
        )));
    }
    let mut command = Command::new(&path);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let source = command.exec();
        Err(CliError::Launch { path, source })
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(|source| CliError::Launch {
            path: path.clone(),
            source,
        })?;
        if status.success() {
            Ok(())
        } else {
            Err(CliError::Invalid(format!("the desktop app exited with {status}")))
        }
    }
}

fn desktop_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from(DESKTOP_BINARY));
    exe.with_file_name(format!("{DESKTOP_BINARY}{}", std::env::consts::EXE_SUFFIX))
}

//! Set-up shared by the CLI's integration tests: the binary in a clean environment of its own.

#![allow(dead_code)] // Each test file uses its part.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `smartpush-auth` with nothing of the caller's environment but `PATH`: `home` as its home and
/// data folder, no keychain, no standard input.
pub fn isolated(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("SMARTPUSH_AUTH_NO_KEYCHAIN", "1")
        .stdin(Stdio::null());
    c
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "failed ({:?})\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

//! Where the master password comes from, in the contract's order: `--password-stdin` (first
//! line of standard input), `$SMARTPUSH_AUTH_PASSWORD`, then a prompt on the terminal with no
//! echo. Never a flag value, which would show in `ps`.

use std::io::{BufRead, IsTerminal};

use smartpush_core::SecretString;

use crate::error::{CliError, Result};

/// Environment variable holding the master password.
pub const PASSWORD_ENV: &str = "SMARTPUSH_AUTH_PASSWORD";
/// Environment variable holding the password of a file being imported or exported.
pub const FILE_PASSWORD_ENV: &str = "SMARTPUSH_AUTH_FILE_PASSWORD";
/// Environment variable holding the new master password for `passwd`.
pub const NEW_PASSWORD_ENV: &str = "SMARTPUSH_AUTH_NEW_PASSWORD";

/// Reads passwords, remembering what it was given so nobody is asked twice.
pub struct Passwords {
    stdin_lines: Option<Vec<SecretString>>,
    current: Option<SecretString>,
}

impl Passwords {
    /// `from_stdin`: the `--password-stdin` flag.
    pub fn new(from_stdin: bool) -> Passwords {
        Passwords {
            stdin_lines: from_stdin.then(Vec::new),
            current: None,
        }
    }

    /// True when passwords come from standard input (`--password-stdin`).
    pub fn reads_stdin(&self) -> bool {
        self.stdin_lines.is_some()
    }

    /// The master password of an existing vault (asked for once per run).
    pub fn current(&mut self) -> Result<SecretString> {
        if let Some(pw) = &self.current {
            return Ok(pw.clone());
        }
        let pw = if self.stdin_lines.is_some() {
            self.stdin_line(0, "the master password")?
        } else if let Some(pw) = env_password(PASSWORD_ENV)? {
            pw
        } else {
            prompt("Vault password: ")?
        };
        self.current = Some(pw.clone());
        Ok(pw)
    }

    /// A password being chosen (for `init`): asked twice when typed at a prompt.
    pub fn new_vault_password(&mut self) -> Result<SecretString> {
        if self.stdin_lines.is_some() {
            return self.stdin_line(0, "the new master password").and_then(non_empty);
        }
        if let Some(pw) = env_password(PASSWORD_ENV)? {
            return non_empty(pw);
        }
        prompt_twice("New vault password: ")
    }

    /// The new password for `passwd`: the second line of standard input, `$SMARTPUSH_AUTH_NEW_PASSWORD`,
    /// or a prompt (twice).
    pub fn replacement(&mut self) -> Result<SecretString> {
        if self.stdin_lines.is_some() {
            return self
                .stdin_line(1, "the new master password (second line)")
                .and_then(non_empty);
        }
        if let Some(pw) = env_password(NEW_PASSWORD_ENV)? {
            return non_empty(pw);
        }
        prompt_twice("New vault password: ")
    }

    fn stdin_line(&mut self, index: usize, what: &str) -> Result<SecretString> {
        let lines = self.stdin_lines.get_or_insert_with(Vec::new);
        let stdin = std::io::stdin();
        let mut handle = stdin.lock();
        while lines.len() <= index {
            let mut line = SecretString::new(String::new());
            let read = read_line(&mut handle, &mut line)?;
            if read == 0 {
                return Err(CliError::Password(format!(
                    "--password-stdin: standard input ended before {what}"
                )));
            }
            lines.push(line);
        }
        Ok(lines[index].clone())
    }
}

/// The password of a file being imported or exported: `$SMARTPUSH_AUTH_FILE_PASSWORD`, else a
/// prompt on the terminal (twice when `confirm`, for a new file). `None` when neither exists.
pub fn file_password(prompt_text: &str, confirm: bool) -> Result<Option<SecretString>> {
    if let Some(pw) = env_password(FILE_PASSWORD_ENV)? {
        return Ok(Some(pw));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let first = prompt(prompt_text)?;
    if confirm {
        let second = prompt("Repeat it: ")?;
        if first != second {
            return Err(CliError::Password(
                "the two passwords differ; nothing was written".into(),
            ));
        }
    }
    Ok(Some(first))
}

/// A secret other than a password typed at the terminal with no echo (a recovery code), with the
/// password prompt's reader; `None` when standard input is not a terminal.
pub fn prompt_hidden(message: &str, what: &str) -> Result<Option<SecretString>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    rpassword::prompt_password(message)
        .map(|typed| Some(SecretString::new(typed)))
        .map_err(|e| CliError::Invalid(format!("cannot read {what} from the terminal: {e}")))
}

fn read_line(handle: &mut impl BufRead, into: &mut SecretString) -> Result<usize> {
    let mut buf = String::new();
    let read = handle
        .read_line(&mut buf)
        .map_err(|e| CliError::Password(format!("cannot read the password from standard input: {e}")))?;
    let trimmed = buf.strip_suffix('\n').unwrap_or(&buf);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    *into = SecretString::new(trimmed.to_string());
    zeroize_string(buf);
    Ok(read)
}

fn zeroize_string(s: String) {
    drop(SecretString::new(s));
}

fn env_password(var: &str) -> Result<Option<SecretString>> {
    match std::env::var(var) {
        Ok(value) => Ok(Some(SecretString::new(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::Password(format!("${var} is not valid UTF-8"))),
    }
}

fn non_empty(pw: SecretString) -> Result<SecretString> {
    if pw.expose().is_empty() {
        Err(CliError::Password("the master password must not be empty".into()))
    } else {
        Ok(pw)
    }
}

fn prompt(message: &str) -> Result<SecretString> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Password(format!(
            "no master password: use --password-stdin or ${PASSWORD_ENV} when not at a terminal"
        )));
    }
    rpassword::prompt_password(message)
        .map(SecretString::new)
        .map_err(|e| CliError::Password(format!("cannot read the password from the terminal: {e}")))
}

fn prompt_twice(message: &str) -> Result<SecretString> {
    let first = non_empty(prompt(message)?)?;
    let second = prompt("Repeat it: ")?;
    if first != second {
        return Err(CliError::Password(
            "the two passwords differ; nothing was changed".into(),
        ));
    }
    Ok(first)
}

//! Secrets read from a file or standard input instead of the command line: an argument is
//! readable by every local user in `/proc/PID/cmdline` (and `ps`) for as long as the process
//! runs, key derivation included. `PATH` `-` is standard input; with `--password-stdin` it is
//! what follows the password line. Reads are capped, held in zeroizing buffers, and an error
//! names the file, never its content.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{CliError, Result};
use crate::password::Passwords;

/// Largest `--secret-file` and `--code-file`: a secret or a code is a line, not a file.
pub const MAX_SECRET_BYTES: usize = 64 * 1024;
/// Largest URI list (`add -`, `--uri-file`): thousands of accounts.
pub const MAX_URI_BYTES: usize = 8 * 1024 * 1024;
/// Largest recovery-codes file: a download is a few hundred bytes.
pub const MAX_CODES_BYTES: usize = 1024 * 1024;

/// True when `path` means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How errors name `path`.
pub fn name(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// The UTF-8 text of `path` (`-`: standard input, after the password line when the password
/// comes from there), at most `max` bytes; `what` names the content in errors ("a secret").
pub fn read_text(passwords: &mut Passwords, path: &Path, what: &str, max: usize) -> Result<Zeroizing<String>> {
    let read_error = |source| CliError::ReadFile {
        path: path.to_path_buf(),
        source,
    };
    let bytes = if is_stdin(path) {
        if passwords.reads_stdin() {
            // The first line is the master password: read it now, so what follows is ours.
            passwords.current()?;
        }
        read_capped(std::io::stdin().lock(), max)
            .map_err(|e| CliError::Invalid(format!("cannot read {what} from standard input: {e}")))?
    } else {
        let file = std::fs::File::open(path).map_err(read_error)?;
        read_capped(file, max).map_err(read_error)?
    };
    let Some(mut bytes) = bytes else {
        return Err(CliError::Invalid(format!(
            "{} is larger than {}; that is not {what}",
            name(path),
            size(max)
        )));
    };
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(CliError::Invalid(format!("{} is not UTF-8 text", name(path))))
        }
    }
}

/// The non-blank lines of `text`, trimmed.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Everything `reader` gives, or `None` past `max` bytes. The buffer grows by copying into a
/// larger zeroizing one, so no freed allocation keeps a piece of the secret.
fn read_capped(mut reader: impl Read, max: usize) -> std::io::Result<Option<Zeroizing<Vec<u8>>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(max.min(4096)));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    loop {
        let n = match reader.read(&mut chunk[..]) {
            Ok(0) => return Ok(Some(buf)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.len() + n > max {
            return Ok(None);
        }
        if buf.len() + n > buf.capacity() {
            let wanted = (buf.capacity() * 2).max(buf.len() + n).min(max);
            let mut bigger = Zeroizing::new(Vec::with_capacity(wanted));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_cap_and_refuses_past_it() {
        let data = vec![b'a'; 10_000];
        assert_eq!(read_capped(&data[..], 10_000).unwrap().unwrap().as_slice(), &data[..]);
        assert!(read_capped(&data[..], 9_999).unwrap().is_none());
        assert!(read_capped(&b""[..], 10).unwrap().unwrap().is_empty());
    }

    #[test]
    fn blank_lines_and_spaces_are_ignored() {
        let got: Vec<&str> = lines("\n  otpauth://a \r\n\n\totpauth://b\n  \n").collect();
        assert_eq!(got, ["otpauth://a", "otpauth://b"]);
    }
}

//! The command-line grammar (`../shared/spec/cli.md` is the contract: names and flags here are
//! relied on by outside scripts; add, never rename).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// SmartPush Authenticator: two-factor codes and recovery codes in an encrypted vault.
///
/// With no subcommand it opens the desktop app. Every subcommand runs headless.
#[derive(Debug, Parser)]
#[command(name = "smartpush-auth", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "The master password comes from --password-stdin, then $SMARTPUSH_AUTH_PASSWORD, \
then a prompt on the terminal. It is never taken from a flag value."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags accepted before or after any subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The vault file [default: $SMARTPUSH_AUTH_VAULT, else <data dir>/smartpush-auth/vault.spv]
    #[arg(long, global = true, value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the master password from the first line of standard input
    /// (`passwd` reads the new password from the second line; a file given as "-" is what
    /// follows the password line).
    #[arg(long, global = true)]
    pub password_stdin: bool,

    /// Print machine-readable JSON on standard output.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty vault (never overwrites an existing one).
    Init(KdfArgs),
    /// Add accounts from otpauth:// or otpauth-migration:// URIs, or one account by hand.
    Add(AddArgs),
    /// List the accounts (no secrets).
    List,
    /// Show the current code of the one account matching QUERY.
    Code(CodeArgs),
    /// Delete an account and its recovery codes.
    Remove {
        /// The account's id, as shown by `list`.
        id: String,
    },
    /// Keep a service's recovery codes in the vault.
    #[command(subcommand)]
    Recovery(RecoveryCommand),
    /// Change the master password (and, optionally, the key-derivation strength).
    Passwd(PasswdArgs),
    /// Decode the QR codes in images, on the screen or in the clipboard (needs no vault).
    Scan(ScanArgs),
    /// Run the mock SmartPush server (sign-in, 2FA, recovery codes, step-up) for testing.
    Serve(ServeArgs),
    /// Import accounts from another authenticator's export (format detected when not given).
    Import(ImportArgs),
    /// Export the accounts to a file other authenticators read.
    Export(ExportArgs),
    /// The automatic backups (a copy of the vault after every change, the last ten kept in
    /// $SMARTPUSH_AUTH_BACKUP_DIR, else <data dir>/smartpush-auth/backups).
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Unlock the vault with a key kept in the system keychain (the Secret Service) instead of
    /// typing the password; the password keeps working.
    #[command(subcommand)]
    Keychain(KeychainCommand),
}

/// `keychain …`.
#[derive(Debug, Subcommand)]
#[command(
    after_help = "With keychain unlock on, every command opens the vault with the key from the keychain and falls back to the master password (with one line on standard error) when the keychain is unavailable or its entry is gone. $SMARTPUSH_AUTH_NO_KEYCHAIN=1 turns keychain use off. `passwd` always asks for the current password."
)]
pub enum KeychainCommand {
    /// Store a new random key in the system keychain and let it unlock the vault (asks for the
    /// master password; also repairs a removed or mismatched entry).
    Enable,
    /// Stop unlocking with the keychain: remove the vault's keychain slot and its entry.
    Disable,
    /// Whether keychain unlock is on and the keychain entry present (no password needed).
    Status,
}

/// `backup …`.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// List the backups, newest first.
    List,
    /// Replace the vault's accounts with those of a backup (it must open with the master
    /// password; the current version stays as the vault's .bak and in the backups).
    Restore {
        /// The backup file (a path, or its number in `backup list`, 1 = newest).
        backup: String,
    },
}

/// `import`.
#[derive(Debug, Args)]
#[command(
    after_help = "Formats: uris, google (also as QR-code images), aegis, 2fas, bitwarden-json, bitwarden-csv, ente, freeotp-plus, proton, andotp. \
The password of an encrypted file comes from $SMARTPUSH_AUTH_FILE_PASSWORD, else a prompt on the terminal."
)]
pub struct ImportArgs {
    /// The export file. Several files may be given when they are QR-code images (PNG, JPEG,
    /// WebP, GIF, BMP) or URI lists: the parts of a Google Authenticator export are combined.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Its format (detected from the content when absent).
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
}

/// `export`.
#[derive(Debug, Args)]
#[command(
    after_help = "aegis is encrypted with a password from $SMARTPUSH_AUTH_FILE_PASSWORD, else a prompt on the \
terminal (asked twice); without either nothing is written. --plaintext writes aegis without encryption; uris \
and google are always plain text and need --plaintext. backup is the vault file, under the master password."
)]
pub struct ExportArgs {
    /// The file to write (never overwritten without --force; created with mode 0600).
    pub file: PathBuf,
    /// What to write.
    #[arg(long, value_enum, value_name = "F")]
    pub format: ExportFormatArg,
    /// Write the secrets in clear text (plain Aegis JSON, or otpauth URIs).
    #[arg(long)]
    pub plaintext: bool,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Export formats on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormatArg {
    /// Aegis Authenticator vault JSON (encrypted unless --plaintext)
    Aegis,
    /// otpauth:// URIs, one per line (needs --plaintext)
    Uris,
    /// Google Authenticator export QR codes: FILE is a new folder of PNG images (needs --plaintext)
    Google,
    /// A copy of the vault file itself, encrypted under the master password (restore: use it as --vault)
    Backup,
}

/// `scan`: where to look for QR codes (any combination).
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).multiple(true).args(["images", "screen", "clipboard"]))]
pub struct ScanArgs {
    /// Image files (PNG, JPEG, WebP, GIF, BMP).
    #[arg(value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// Capture every monitor and decode what is on it.
    #[arg(long)]
    pub screen: bool,
    /// Decode the image in the clipboard.
    #[arg(long)]
    pub clipboard: bool,
}

/// Argon2id strength of the key derivation.
#[derive(Debug, Args, Clone, Copy)]
pub struct KdfArgs {
    /// Memory in MiB [default: 64; at least 19]
    #[arg(long, value_name = "MIB")]
    pub kdf_memory_mib: Option<u32>,
    /// Passes over memory [default: 3; at least 2]
    #[arg(long, value_name = "T")]
    pub kdf_iterations: Option<u32>,
    /// Lanes [default: 4; at least 1]
    #[arg(long, value_name = "P")]
    pub kdf_parallelism: Option<u32>,
}

impl KdfArgs {
    /// True when any flag was given.
    pub fn any(&self) -> bool {
        self.kdf_memory_mib.is_some() || self.kdf_iterations.is_some() || self.kdf_parallelism.is_some()
    }
}

/// `add`: URIs, or one account by hand.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("by_hand").multiple(true).args(["issuer", "account", "secret", "secret_file"]))]
#[command(group = clap::ArgGroup::new("secret_source").args(["secret", "secret_file"]))]
#[command(
    after_help = "Secrets given as arguments (--secret, a URI's secret=) can be read by every local user in the \
process list while the command runs. --secret-file and --uri-file read them from a file, or from standard input \
with \"-\" (after the password line when --password-stdin is used)."
)]
pub struct AddArgs {
    /// otpauth:// or otpauth-migration:// URIs ("-" reads them from standard input, one per line).
    /// An argument is visible to other local users: prefer --uri-file.
    #[arg(value_name = "URI", conflicts_with = "by_hand")]
    pub uris: Vec<String>,

    /// Read otpauth:// or otpauth-migration:// URIs from a file, one per line (blank lines and
    /// surrounding spaces ignored; "-": standard input).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["uris", "by_hand"])]
    pub uri_file: Option<PathBuf>,

    /// Add every account found in the QR codes of an image file (repeatable).
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["uris", "uri_file", "by_hand"])]
    pub scan: Vec<PathBuf>,

    /// Service name, e.g. SmartPush.
    #[arg(long)]
    pub issuer: Option<String>,
    /// Account name, e.g. an e-mail address.
    #[arg(long)]
    pub account: Option<String>,
    /// The base32 secret (spaces, dashes and lower case are fine). Without it, the account
    /// keeps recovery codes only. Other local users can read it in the process list while the
    /// command runs: prefer --secret-file.
    #[arg(long)]
    pub secret: Option<String>,
    /// Read the base32 secret from a file ("-": standard input, after the password line with
    /// --password-stdin); surrounding whitespace is ignored.
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// HMAC algorithm.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Sha1, requires = "secret_source")]
    pub algorithm: AlgorithmArg,
    /// Code length (6–8; Steam codes are always 5).
    #[arg(long, requires = "secret_source")]
    pub digits: Option<u8>,
    /// Time step in seconds (TOTP) [default: 30]
    #[arg(long, requires = "secret_source")]
    pub period: Option<u32>,
    /// Kind of code.
    #[arg(long = "type", value_enum, default_value_t = TypeArg::Totp, requires = "secret_source")]
    pub kind: TypeArg,
    /// Initial counter (HOTP).
    #[arg(long, requires = "secret_source")]
    pub counter: Option<u64>,
    /// A note kept with the account.
    #[arg(long, requires = "by_hand")]
    pub note: Option<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", requires = "by_hand")]
    pub tags: Vec<String>,
}

/// HMAC algorithm names on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum AlgorithmArg {
    /// HMAC-SHA-1
    #[value(alias = "sha1")]
    Sha1,
    /// HMAC-SHA-256
    #[value(alias = "sha256")]
    Sha256,
    /// HMAC-SHA-512
    #[value(alias = "sha512")]
    Sha512,
}

/// Code kinds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TypeArg {
    /// Time-based (RFC 6238)
    Totp,
    /// Counter-based (RFC 4226)
    Hotp,
    /// Steam Guard
    Steam,
}

/// `code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Part of the issuer or account name, or an id.
    pub query: Option<String>,
    /// Compute the code at this time (unix seconds) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
    /// Show every matching account (every account when QUERY is absent).
    #[arg(long)]
    pub all: bool,
}

/// `recovery …`.
#[derive(Debug, Subcommand)]
pub enum RecoveryCommand {
    /// Store recovery codes for an account.
    Add {
        /// The account's id.
        id: String,
        /// The codes (visible to other local users in the process list: prefer --file).
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        codes: Vec<String>,
        /// A downloaded recovery-codes text file (headings and blank lines are skipped; "-":
        /// standard input, after the password line with --password-stdin).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// List an account's recovery codes, each marked used or unused.
    List {
        /// The account's id.
        id: String,
    },
    /// Mark a recovery code used (asked for without echo when neither CODE nor --code-file is given).
    Use {
        /// The account's id.
        id: String,
        /// The code (case, spaces and dashes do not matter). Visible to other local users in
        /// the process list: prefer --code-file or the prompt.
        #[arg(conflicts_with = "code_file")]
        code: Option<String>,
        /// Read the code from a file ("-": standard input, after the password line with
        /// --password-stdin).
        #[arg(long, value_name = "PATH")]
        code_file: Option<PathBuf>,
    },
}

/// `passwd`.
#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// New key-derivation strength (keeps the current one when absent).
    #[command(flatten)]
    pub kdf: KdfArgs,
}

/// `serve`.
#[derive(Debug, Args)]
#[command(
    after_help = "Log level on standard error: $SMARTPUSH_LOG (error, warn, info, debug, trace; default info). \
No vault or password is needed."
)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8790", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// The database file, or :memory: for one that vanishes on exit
    /// [default: <data dir>/smartpush-auth/mock-server.sqlite3]
    #[arg(long, value_name = "PATH")]
    pub db: Option<String>,
    /// Create demo@example.com / demo-password (2FA off) if absent, and print it.
    #[arg(long)]
    pub demo: bool,
    /// Allow a non-loopback --addr (the tester controls under /mock still answer loopback only).
    #[arg(long)]
    pub allow_remote: bool,
    /// With --allow-remote: a host name (or name:port) other machines reach the server by; every
    /// request naming another host is refused (repeatable).
    #[arg(long, value_name = "HOST", requires = "allow_remote")]
    pub public_host: Vec<String>,
    /// Create the accounts of a JSON file {"accounts": [...as POST /mock/accounts...]} at start
    /// (an existing one is left as it is); /mock/reset creates them again.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Argon2id memory of new password and recovery-code hashes, in KiB [default: 19456,
    /// OWASP's minimum; at least 8]
    #[arg(long, value_name = "KIB")]
    pub hash_memory_kib: Option<u32>,
    /// Argon2id passes of new hashes [default: 2; at least 1]
    #[arg(long, value_name = "T")]
    pub hash_iterations: Option<u32>,
}

//! The server's settings and the fixed numbers of its security rules.

/// The fixed numbers of the security rules (the contract is `shared/spec/mock-server.md`).
///
/// They are constants rather than settings: testers rely on them, and the mock clock
/// (`POST /mock/clock`) is the way to reach the time limits quickly.
pub mod rules {
    /// An e-mailed code is valid this long after it is sent (10 minutes).
    pub const EMAIL_CODE_TTL: i64 = 10 * 60;
    /// E-mailed codes have this many digits.
    pub const EMAIL_CODE_DIGITS: u32 = 6;
    /// A new e-mail code for the same challenge may be asked for this long after the last one.
    pub const RESEND_COOLDOWN: i64 = 30;
    /// At most one code e-mail per address this often (seconds).
    pub const CODE_EMAIL_SPACING: i64 = 30;
    /// At most this many code e-mails per address per hour.
    pub const CODE_EMAILS_PER_HOUR: u32 = 10;
    /// A sign-in, disable or export challenge lives this long after it is created or after its
    /// latest e-mailed code was sent, whichever is later.
    pub const CHALLENGE_TTL: i64 = 10 * 60;
    /// An enrollment (the enable wizard) expires this long after step 1.
    pub const ENROLLMENT_TTL: i64 = 15 * 60;
    /// Wrong codes that void a challenge or an enrollment step.
    pub const MAX_CODE_ATTEMPTS: u32 = 5;
    /// Failed sign-ins or codes for one account, within [`LOCKOUT_WINDOW`], that lock it.
    pub const LOCKOUT_THRESHOLD: u32 = 10;
    /// The window in which failures are counted.
    pub const LOCKOUT_WINDOW: i64 = 15 * 60;
    /// How long a lock lasts.
    pub const LOCKOUT_DURATION: i64 = 15 * 60;
    /// A successful step-up verification covers the session's exports this long.
    pub const STEP_UP_TTL: i64 = 10 * 60;
    /// A session token stops working this long after sign-in.
    pub const SESSION_TTL: i64 = 24 * 60 * 60;
    /// TOTP: SHA1, 6 digits, this step in seconds.
    pub const TOTP_PERIOD: i64 = 30;
    /// TOTP codes of this many steps before and after the current one are accepted.
    pub const TOTP_WINDOW: i64 = 1;
    /// Bytes of a TOTP secret (160 bits).
    pub const TOTP_SECRET_BYTES: usize = 20;
    /// Recovery codes issued when 2FA is enabled.
    pub const RECOVERY_CODE_COUNT: usize = 10;
    /// Characters of a recovery code.
    pub const RECOVERY_CODE_LEN: usize = 12;
    /// The recovery-code alphabet: `A–Z` and `2–9` without `0`, `O`, `1`, `I` (32 symbols, so
    /// each character carries exactly 5 random bits and 12 carry 60).
    pub const RECOVERY_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    /// Fewer unused recovery codes than this and the account is warned.
    pub const RECOVERY_WARN_BELOW: u32 = 4;
    /// Largest accepted request body.
    pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
    /// Shortest accepted password, in characters.
    pub const PASSWORD_MIN_CHARS: usize = 8;
    /// Longest password accepted at registration, in characters (at most 1024 bytes in UTF-8).
    pub const PASSWORD_MAX_CHARS: usize = 256;
    /// Longest password checked at sign-in, in bytes (bounds the hashing work an anonymous
    /// client causes; longer ones are simply wrong).
    pub const PASSWORD_MAX_BYTES: usize = 1024;
    /// Longest accepted `X-Device-Id`, in bytes.
    pub const DEVICE_ID_MAX_BYTES: usize = 200;
    /// The issuer shown in authenticator apps.
    pub const ISSUER: &str = "SmartPush";
}

/// Argon2id cost for password and recovery-code hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub lanes: u32,
}

impl HashParams {
    /// The server's default: OWASP's minimum recommendation for Argon2id (19 MiB, 2 passes,
    /// 1 lane), about 25–35 ms per hash on one core of the development machine. Real settings
    /// that keep a mock on a laptop responsive.
    pub const MOCK: HashParams = HashParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        lanes: 1,
    };

    /// The cheapest settings Argon2 accepts (8 KiB, 1 pass), for test suites only: hashes stay
    /// salted Argon2id PHC strings, they just cost microseconds.
    pub const TEST_ONLY: HashParams = HashParams {
        memory_kib: 8,
        iterations: 1,
        lanes: 1,
    };
}

impl Default for HashParams {
    fn default() -> HashParams {
        HashParams::MOCK
    }
}

/// Settings of one server instance.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Argon2id cost of new password and recovery-code hashes (stored hashes keep their own).
    pub hash: HashParams,
    /// Hashes computed at the same time; further requests wait their turn. Bounds the memory
    /// (`hash_concurrency × memory_kib`) and keeps the blocking pool from thrashing the cores.
    pub hash_concurrency: usize,
    /// Other machines may connect (`--allow-remote`): requests may then also name the hosts in
    /// [`ServerConfig::public_hosts`].
    pub allow_remote: bool,
    /// Host names (with or without a port) accepted in `Host` besides the loopback names and
    /// the listening address, when [`ServerConfig::allow_remote`] is on (`--public-host`).
    pub public_hosts: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            hash: HashParams::MOCK,
            hash_concurrency: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            allow_remote: false,
            public_hosts: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// The default configuration with [`HashParams::TEST_ONLY`], for test suites.
    pub fn for_tests() -> ServerConfig {
        ServerConfig {
            hash: HashParams::TEST_ONLY,
            ..ServerConfig::default()
        }
    }
}

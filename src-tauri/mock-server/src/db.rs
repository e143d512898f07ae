//! The database: one SQLite connection (bundled SQLite, WAL) behind a mutex, used from the
//! blocking thread pool so the async threads never wait on disk.
//!
//! Durability: `journal_mode=WAL` with `synchronous=FULL`. A write transaction is in the WAL
//! file before `COMMIT` returns, which alone survives a `kill -9` of the process (the data is in
//! the kernel's page cache); FULL also fsyncs the WAL at every commit, so what a response
//! reported as done survives a power cut or kernel crash too. That matters for the records
//! whose loss would reopen a hole: the last accepted TOTP step (replay) and used recovery codes.
//! The cost is one fsync per write transaction; reads never sync.
//!
//! A single writer connection serialises every transaction, which makes the check-then-update
//! steps (a code accepted, a recovery code used) atomic without further locking; the slow parts
//! (Argon2) run outside it. Reads of a file database go to read-only connections, which WAL lets
//! run beside the writer, so they never wait behind a commit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use crate::error::{AppError, AppResult};

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// In memory: gone when the server stops (`--db :memory:`).
    Memory,
    /// A file, created with its parent folder when missing.
    File(PathBuf),
}

impl DbLocation {
    /// `:memory:` or a path.
    pub fn parse(text: &str) -> DbLocation {
        if text == ":memory:" {
            DbLocation::Memory
        } else {
            DbLocation::File(PathBuf::from(text))
        }
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The folder or file could not be created.
    #[error("cannot create the database at {}: {source}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite refused to open or set up the database.
    #[error("cannot open the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer version of this server.
    #[error("the database has schema version {0}, newer than this server understands ({SCHEMA_VERSION})")]
    TooNew(i64),
}

/// The schema version this code writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA_V1: &str = r#"
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    tfa_method      TEXT CHECK (tfa_method IN ('totp', 'email')),
    tfa_enabled_at  INTEGER,
    totp_secret     BLOB,
    last_totp_step  INTEGER,
    risk            TEXT NOT NULL DEFAULT 'low' CHECK (risk IN ('low', 'high')),
    locked_until    INTEGER
);
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    used_at     INTEGER
);
CREATE INDEX recovery_codes_account ON recovery_codes(account_id);
CREATE TABLE sessions (
    token_hash     BLOB PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    risk           TEXT NOT NULL CHECK (risk IN ('low', 'high')),
    step_up_until  INTEGER
);
CREATE INDEX sessions_account ON sessions(account_id);
CREATE TABLE devices (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    device_id   TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (account_id, device_id)
);
CREATE TABLE challenges (
    id               TEXT PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose          TEXT NOT NULL CHECK (purpose IN ('sign_in', 'disable', 'export')),
    session_hash     BLOB,
    methods          TEXT NOT NULL,
    risk             TEXT NOT NULL DEFAULT 'low',
    device_id        TEXT,
    export_kind      TEXT,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'verified', 'done', 'void')),
    code_hash        BLOB,
    code_expires_at  INTEGER,
    code_sent_at     INTEGER
);
CREATE INDEX challenges_account ON challenges(account_id);
CREATE TABLE enrollments (
    id               TEXT PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    step             TEXT NOT NULL CHECK (step IN ('verify_email', 'choose_method', 'confirm', 'confirmed')),
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'void')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    method           TEXT CHECK (method IN ('totp', 'email')),
    pending_secret   BLOB,
    code_hash        BLOB,
    code_expires_at  INTEGER,
    code_sent_at     INTEGER
);
CREATE INDEX enrollments_account ON enrollments(account_id);
CREATE TABLE failures (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL
);
CREATE INDEX failures_account ON failures(account_id, at);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    to_email    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    code        TEXT,
    sent_at     INTEGER NOT NULL
);
"#;

/// Every table, in an order that deletes children before parents.
pub const TABLES: &[&str] = &[
    "failures",
    "devices",
    "recovery_codes",
    "sessions",
    "challenges",
    "enrollments",
    "outbox",
    "accounts",
];

/// The shared database handle (cheap to clone).
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
}

/// Read-only connections to a database file: WAL lets them read beside the writer, so a read
/// never waits for another request's commit (and its fsync). Empty for `:memory:`, whose
/// database only the writer connection sees.
struct Readers {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl Readers {
    /// A free reader (tried round-robin), else waits for the next one in turn.
    fn acquire(&self) -> MutexGuard<'_, Connection> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            match self.conns[(start + i) % n].try_lock() {
                Ok(guard) => return guard,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        lock(&self.conns[start])
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

impl Db {
    /// Opens (creating when needed) and migrates the database.
    pub fn open(location: &DbLocation) -> Result<Db, DbError> {
        let conn = match location {
            DbLocation::Memory => Connection::open_in_memory()?,
            DbLocation::File(path) => {
                create_private(path)?;
                Connection::open(path)?
            }
        };
        // WAL is not available in memory; SQLite keeps "memory" there, which is what we want.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        migrate(&conn)?;
        let readers = match location {
            DbLocation::Memory => Vec::new(),
            DbLocation::File(path) => (0..reader_count())
                .map(|_| open_reader(path).map(Mutex::new))
                .collect::<Result<_, _>>()?,
        };
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Readers {
                conns: readers,
                next: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs `work` with the connection on the blocking pool. Whatever `work` returns is the
    /// result; a transaction it opens and does not commit is rolled back.
    pub async fn call<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> AppResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = lock(&conn);
            work(&mut guard)
        })
        .await
        .map_err(|e| AppError::internal(format_args!("database task: {e}")))?
    }

    /// Runs read-only `work` on the blocking pool, on one of the read-only connections (a file
    /// database), else on the writer connection (`:memory:`).
    ///
    /// Every read of the services goes through here. A read sees every transaction committed
    /// before it started (WAL snapshot); checks that must not race a write are repeated inside
    /// the write transaction, as the services do.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        if self.readers.conns.is_empty() {
            return self.call(move |conn| work(conn)).await;
        }
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let guard = readers.acquire();
            work(&guard)
        })
        .await
        .map_err(|e| AppError::internal(format_args!("database task: {e}")))?
    }

    /// Runs `work` inside one immediate transaction, committed when it returns `Ok`.
    pub async fn transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sql)?;
            let value = work(&tx)?;
            tx.commit().map_err(sql)?;
            Ok(value)
        })
        .await
    }

    /// Runs `work` inside a transaction whose result is committed even when `work` answers
    /// with an error: for refusals that must leave a trace (a failed attempt counted, a
    /// challenge voided). An error from SQLite itself still rolls back.
    pub async fn transaction_keep<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sql)?;
            let value = work(&tx);
            match &value {
                Err(e) if e.kind() == crate::error::ProblemKind::Internal => return value,
                _ => tx.commit().map_err(sql)?,
            }
            value
        })
        .await
    }
}

/// Read-only connections per file database: one per core, at least two.
fn reader_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).max(2)
}

fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// A poisoned mutex only means a closure panicked mid-call; SQLite rolled its transaction
/// back, so the connection is still sound.
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Maps a SQLite error to a 500 (the cause is logged, never answered).
pub fn sql(e: rusqlite::Error) -> AppError {
    AppError::internal(format_args!("sqlite: {e}"))
}

fn migrate(conn: &Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(DbError::TooNew(version));
    }
    if version < 1 {
        conn.execute_batch(&format!("BEGIN; {SCHEMA_V1} PRAGMA user_version = 1; COMMIT;"))?;
    }
    Ok(())
}

/// Creates the parent folder and, on Unix, the file readable by its owner only (it holds TOTP
/// secrets).
fn create_private(path: &Path) -> Result<(), DbError> {
    let err = |source| DbError::Create {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_database_is_wal_full_and_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("db.sqlite3");
        let db = Db::open(&DbLocation::File(path.clone())).unwrap();
        drop(db);
        let db = Db::open(&DbLocation::File(path.clone())).unwrap();
        let conn = lock(&db.conn);
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        let sync: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "FULL");
        assert_eq!(version, SCHEMA_VERSION);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }

    #[tokio::test]
    async fn readers_see_every_commit_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&DbLocation::File(dir.path().join("db.sqlite3"))).unwrap();
        assert!(db.readers.conns.len() >= 2);
        for n in 1..=3_i64 {
            db.transaction(move |tx| {
                tx.execute(
                    "INSERT INTO outbox (to_email, subject, body, sent_at) VALUES ('a@b.co', 's', 'b', ?1)",
                    [n],
                )
                .map_err(sql)?;
                Ok(())
            })
            .await
            .unwrap();
            let seen: i64 = db
                .read(|conn| {
                    conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
                        .map_err(sql)
                })
                .await
                .unwrap();
            assert_eq!(seen, n, "a read after a commit sees it");
        }
        let refused = db
            .read(|conn| conn.execute("DELETE FROM outbox", []).map_err(sql))
            .await;
        assert!(refused.is_err(), "readers are read-only");
        let memory = Db::open(&DbLocation::Memory).unwrap();
        assert!(
            memory.readers.conns.is_empty(),
            "an in-memory database has only the writer"
        );
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        drop(Db::open(&DbLocation::File(path.clone())).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(Db::open(&DbLocation::File(path)), Err(DbError::TooNew(99))));
    }
}

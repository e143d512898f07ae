//! The database: bundled SQLite in WAL mode. One writer connection, driven by a dedicated
//! writer thread; read-only connections for reads; the async threads never wait on disk.
//!
//! Durability: `journal_mode=WAL` with `synchronous=FULL`. A write transaction is in the WAL
//! file before `COMMIT` returns, which alone survives a `kill -9` of the process (the data is in
//! the kernel's page cache); FULL also fsyncs the WAL at every commit, so what a response
//! reported as done survives a power cut or kernel crash too. That matters for the records
//! whose loss would reopen a hole: the last accepted TOTP step (replay) and used recovery codes.
//! Writes that arrive together share one commit (group commit, [`Db::transaction`]), so the
//! fsync is paid once per batch, not once per request; reads never sync.
//!
//! The single writer serialises every write, which makes the check-then-update steps (a code
//! accepted, a recovery code used) atomic without further locking; the slow parts (Argon2) run
//! outside it. Reads of a file database go to read-only connections, which WAL lets run beside
//! the writer, so they never wait behind a commit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};

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
    /// The writer thread could not be started.
    #[error("cannot start the database writer: {source}")]
    Writer {
        /// Why.
        source: std::io::Error,
    },
    /// [`Db::close`] was called while other handles to the database were still alive.
    #[error("the database is still in use")]
    InUse,
    /// The task closing the database failed.
    #[error("closing the database failed: {0}")]
    Close(String),
    /// The file was written by a newer version of this server.
    #[error("the database has schema version {0}, newer than this server understands ({SCHEMA_VERSION})")]
    TooNew(i64),
}

/// The schema version this code writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

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

/// Version 2: failures and locks are kept per e-mail address, not per account, so an address
/// with no account is counted and locked exactly as an existing one (`attempts`: one row per
/// password or code check that failed, or that is running now with `pending = 1`; `locks`); the event log for test
/// suites (`events`). The v1 `failures` rows and `accounts.locked_until` move over.
const SCHEMA_V2: &str = r#"
CREATE TABLE attempts (
    id       INTEGER PRIMARY KEY,
    email    TEXT NOT NULL,
    at       INTEGER NOT NULL,
    pending  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempts_email ON attempts(email, at);
CREATE TABLE locks (
    email         TEXT PRIMARY KEY,
    locked_until  INTEGER NOT NULL
);
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    email   TEXT,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO attempts (email, at) SELECT a.email, f.at FROM failures f JOIN accounts a ON a.id = f.account_id;
INSERT INTO locks (email, locked_until) SELECT email, locked_until FROM accounts WHERE locked_until IS NOT NULL;
DROP TABLE failures;
ALTER TABLE accounts DROP COLUMN locked_until;
"#;

/// Every table, in an order that deletes children before parents.
pub const TABLES: &[&str] = &[
    "attempts",
    "locks",
    "events",
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
    writer: mpsc::Sender<Job>,
    /// The writer thread, joined by [`Db::close`].
    writer_thread: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

/// Sends a write's result to its caller once its batch is committed (or failed).
type Deliver = Box<dyn FnOnce(Result<(), AppError>) + Send>;
/// One write: runs inside the batch's transaction (in its own savepoint) and says how to
/// deliver its result after the commit.
type Job = Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Deliver + Send>;

/// Writes queued at the same time are committed together, at most this many per commit.
const MAX_BATCH: usize = 64;

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
        let conn = Arc::new(Mutex::new(conn));
        let (writer, jobs) = mpsc::channel();
        let writer_conn = Arc::clone(&conn);
        let writer_thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(&writer_conn, &jobs))
            .map_err(|source| DbError::Writer { source })?;
        Ok(Db {
            conn,
            readers: Arc::new(Readers {
                conns: readers,
                next: AtomicUsize::new(0),
            }),
            writer,
            writer_thread: Arc::new(Mutex::new(Some(writer_thread))),
        })
    }

    /// Closes the database now: lets the writer finish the writes queued, stops its thread,
    /// closes the read-only connections, then the writer's (the last connection to a file
    /// database checkpoints the WAL into the main file and removes it). Blocks while the writer
    /// finishes: call it off the async threads.
    ///
    /// Only the last handle can close: while another clone of this [`Db`] is alive nothing is
    /// closed and [`DbError::InUse`] is returned (the database then closes, without the
    /// explicit checkpoint error check, when the last handle is dropped).
    pub fn close(self) -> Result<(), DbError> {
        // Every clone holds one reference to the connection and the writer thread another, so
        // two means this is the last handle (and no clone can appear: cloning needs a handle).
        if Arc::strong_count(&self.conn) > 2 {
            return Err(DbError::InUse);
        }
        let Db {
            conn,
            readers,
            writer,
            writer_thread,
        } = self;
        drop(writer);
        let handle = writer_thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            // The thread catches the panics of writes; a panic of its own has nothing to report.
            let _ = handle.join();
        }
        if let Ok(readers) = Arc::try_unwrap(readers) {
            for reader in readers.conns {
                let reader = reader.into_inner().unwrap_or_else(|p| p.into_inner());
                reader.close().map_err(|(_, e)| DbError::Sqlite(e))?;
            }
        }
        let conn = Arc::try_unwrap(conn).map_err(|_| DbError::InUse)?;
        let conn = conn.into_inner().unwrap_or_else(|p| p.into_inner());
        conn.close().map_err(|(_, e)| DbError::Sqlite(e))
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
    ///
    /// Writes run one after another on the writer connection (so a check and the update it
    /// guards are atomic), and those queued at the same time share one commit (group commit):
    /// each runs in its own savepoint, undone if it fails, and its caller hears back only after
    /// the shared `COMMIT` (with its fsync) returned, so what a response reports as done is on
    /// disk.
    pub async fn transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        self.write(false, work).await
    }

    /// Runs `work` inside a transaction whose result is committed even when `work` answers
    /// with an error: for refusals that must leave a trace (a failed attempt counted, a
    /// challenge voided). An internal error (SQLite itself) still rolls its work back.
    pub async fn transaction_keep<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        self.write(true, work).await
    }

    async fn write<T, F>(&self, keep_refusals: bool, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> AppResult<T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<AppResult<T>>();
        let job: Job = Box::new(move |tx| {
            let value = run_in_savepoint(tx, keep_refusals, work);
            Box::new(move |committed| {
                let _ = answer.send(committed.and(value));
            })
        });
        self.writer
            .send(job)
            .map_err(|_| AppError::internal("the database writer has stopped"))?;
        answered
            .await
            .map_err(|_| AppError::internal("the database writer dropped a write"))?
    }
}

/// Runs one write in a savepoint of the batch's transaction: released when it succeeds (or,
/// with `keep_refusals`, when it refuses without an internal error), rolled back otherwise. A
/// panic is caught and answered as an internal error, so one bad write cannot stop the writer.
fn run_in_savepoint<T, F>(tx: &rusqlite::Transaction<'_>, keep_refusals: bool, work: F) -> AppResult<T>
where
    F: FnOnce(&rusqlite::Transaction<'_>) -> AppResult<T>,
{
    tx.execute_batch("SAVEPOINT job").map_err(sql)?;
    let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(tx)))
        .unwrap_or_else(|_| Err(AppError::internal("a database write panicked")));
    let keep = match &value {
        Ok(_) => true,
        Err(e) => keep_refusals && e.kind() != crate::error::ProblemKind::Internal,
    };
    let end = if keep {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    tx.execute_batch(end).map_err(sql)?;
    value
}

/// The writer thread: takes the writes queued now (up to [`MAX_BATCH`]), runs them in one
/// immediate transaction, commits once, then answers each. Ends when every [`Db`] is dropped.
fn write_loop(conn: &Mutex<Connection>, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut guard = lock(conn);
        let tx = match guard.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                // Logged by `sql`; dropping the jobs answers each caller with an internal error.
                drop(sql(e));
                drop(batch);
                continue;
            }
        };
        let deliveries: Vec<Deliver> = batch.into_iter().map(|job| job(&tx)).collect();
        let committed = tx.commit().map_err(sql);
        drop(guard);
        for deliver in deliveries {
            deliver(committed.clone());
        }
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
    if version < 2 {
        conn.execute_batch(&format!("BEGIN; {SCHEMA_V2} PRAGMA user_version = 2; COMMIT;"))?;
    }
    Ok(())
}

/// Creates the parent folder and, on Unix, the file readable by their owner only (it holds TOTP
/// secrets): missing folders are made 0700 (`smartpush_core::folder`), an existing one is left
/// as it is.
fn create_private(path: &Path) -> Result<(), DbError> {
    let err = |source| DbError::Create {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        smartpush_core::folder::create_private(parent).map_err(err)?;
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
            // Issue 14: the folder made for it is private too.
            let mode = std::fs::metadata(dir.path().join("sub")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{mode:o}");
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

    fn insert(tx: &rusqlite::Transaction<'_>, at: i64) -> AppResult<()> {
        tx.execute(
            "INSERT INTO outbox (to_email, subject, body, sent_at) VALUES ('a@b.co', 's', 'b', ?1)",
            [at],
        )
        .map(drop)
        .map_err(sql)
    }

    async fn rows(db: &Db) -> i64 {
        db.read(|conn| {
            conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
                .map_err(sql)
        })
        .await
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_commit_together_and_fail_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&DbLocation::File(dir.path().join("db.sqlite3"))).unwrap();
        let tasks: Vec<_> = (0..200_i64)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.transaction(move |tx| {
                        insert(tx, i)?;
                        if i % 7 == 0 {
                            return Err(AppError::new(crate::error::ProblemKind::BadRequest, "refused"));
                        }
                        Ok(i)
                    })
                    .await
                })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 200 - 29, "every 7th write refused");
        assert_eq!(rows(&db).await, ok, "a refused write is undone, its neighbours are not");

        // A refusal that must leave a trace keeps its writes; an internal error does not.
        let kept = db
            .transaction_keep(|tx| {
                insert(tx, 1)?;
                Err::<(), _>(AppError::new(crate::error::ProblemKind::InvalidCode, "wrong"))
            })
            .await;
        assert!(kept.is_err());
        assert_eq!(rows(&db).await, ok + 1);
        let broken = db
            .transaction_keep(|tx| {
                insert(tx, 2)?;
                Err::<(), _>(AppError::internal("test: broken"))
            })
            .await;
        assert!(broken.is_err());
        assert_eq!(rows(&db).await, ok + 1);

        // A write that panics is answered as an internal error; the writer goes on.
        let panicked = db
            .transaction(|_| -> AppResult<()> { panic!("test: a write panics") })
            .await;
        assert_eq!(panicked.unwrap_err().kind(), crate::error::ProblemKind::Internal);
        db.transaction(|tx| insert(tx, 3)).await.unwrap();
        assert_eq!(rows(&db).await, ok + 2);
        drop(db);
        let reopened = Db::open(&DbLocation::File(dir.path().join("db.sqlite3"))).unwrap();
        assert_eq!(rows(&reopened).await, ok + 2, "what was answered is on disk");
    }

    #[tokio::test]
    async fn close_checkpoints_the_wal_and_only_the_last_handle_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let wal = dir.path().join("db.sqlite3-wal");
        let db = Db::open(&DbLocation::File(path.clone())).unwrap();
        db.transaction(|tx| insert(tx, 7)).await.unwrap();
        assert!(wal.exists(), "the write went to the WAL");
        let other = db.clone();
        assert!(matches!(db.close(), Err(DbError::InUse)), "another handle is alive");
        rows(&other).await;
        other.transaction(|tx| insert(tx, 8)).await.unwrap();
        tokio::task::spawn_blocking(move || other.close())
            .await
            .unwrap()
            .unwrap();
        assert!(
            !wal.exists(),
            "closing the last connection checkpoints and removes the WAL"
        );
        // The main file alone holds every committed row.
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 2);
        let memory = Db::open(&DbLocation::Memory).unwrap();
        memory.transaction(|tx| insert(tx, 1)).await.unwrap();
        tokio::task::spawn_blocking(move || memory.close())
            .await
            .unwrap()
            .unwrap();
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

    #[test]
    fn a_v1_database_moves_its_failures_and_locks_to_the_addresses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!("BEGIN; {SCHEMA_V1} PRAGMA user_version = 1; COMMIT;"))
                .unwrap();
            conn.execute_batch(
                "INSERT INTO accounts (id, email, password_hash, created_at, locked_until) \
                 VALUES (1, 'ada@example.com', 'x', 0, 5000), (2, 'bob@example.com', 'x', 0, NULL); \
                 INSERT INTO failures (account_id, at) VALUES (2, 100), (2, 200);",
            )
            .unwrap();
        }
        let db = Db::open(&DbLocation::File(path.clone())).unwrap();
        drop(db);
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let lock: (String, i64) = conn
            .query_row("SELECT email, locked_until FROM locks", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(lock, ("ada@example.com".to_owned(), 5000));
        let failures: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM attempts WHERE email = 'bob@example.com' AND pending = 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(failures, 2);
        assert!(conn.prepare("SELECT * FROM failures").is_err(), "v1 table dropped");
    }
}

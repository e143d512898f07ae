//! The mock SmartPush server panel: testers start the bundled mock server
//! (`smartpush-mock-server`, the same one `smartpush-auth serve` runs) inside the app, read its
//! outbox, and use its tester controls without a terminal.
//!
//! The server runs on Tauri's async runtime (tokio), bound to 127.0.0.1 only, over the SQLite
//! file `<data dir>/smartpush-auth/mock-server.sqlite3` (the CLI's default, so both see the same
//! accounts; `$SMARTPUSH_MOCK_DB` overrides it). Starting seeds the demo account like
//! `serve --demo`. The panel's reads and controls call the mock's service layer directly, not
//! HTTP. Stopping is graceful (requests in flight finish) and closes the database, which
//! checkpoints its WAL; [`MockServer::shutdown`] does the same when the app exits.
//!
//! The port: the one asked for, or (0) [`DEFAULT_PORT`] when it is free, else a free one; a busy
//! port asked for is refused with `InUse`. Starting while running is idempotent when 0 or the
//! running port is asked for (the answer is the running status); another port is refused with
//! `InUse`. Stopping while stopped
//! is a no-op. The outbox's codes are the mock server's e-mail codes, not the user's secrets:
//! they cross IPC for the panel to show, and are never logged.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use smartpush_mock_server::model::{RiskLevel, TwoFactorMethod};
use smartpush_mock_server::service::{accounts as mock_accounts, tester};
use smartpush_mock_server::{AppError, DbError, DbLocation, ProblemKind, ServerConfig};
use tauri::{AppHandle, Manager as _, Runtime, State};
use tauri_plugin_clipboard_manager::{Clipboard, ClipboardExt as _};
use ts_rs::TS;

use super::codes::{Copied, copy_then_clear};
use crate::error::{IpcError, IpcResult};

/// The port tried when none is given (the CLI's default); a free one is used when it is busy.
pub const DEFAULT_PORT: u16 = 8790;
/// Environment variable naming the database file (tests, or a tester's own file).
pub const DB_ENV: &str = "SMARTPUSH_MOCK_DB";
/// The database file inside `<data dir>/smartpush-auth/` (the CLI's default too).
pub const DB_FILE: &str = "mock-server.sqlite3";
/// How long a stop waits for requests in flight before cutting them off.
const STOP_WAIT: Duration = Duration::from_secs(10);
/// How long closing the database waits for the last requests to let go of it.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// The mock server of this app, managed by Tauri beside [`crate::state::AppState`].
pub struct MockServer {
    db: Option<PathBuf>,
    config: ServerConfig,
    running: tokio::sync::Mutex<Option<Running>>,
}

/// A running server.
struct Running {
    state: smartpush_mock_server::AppState,
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tauri::async_runtime::JoinHandle<std::io::Result<()>>,
}

/// What the panel shows at the top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerStatus {
    /// Whether the server is listening.
    pub running: bool,
    /// Its base URL (`http://127.0.0.1:PORT`) while running.
    pub url: Option<String>,
    /// Its port while running.
    pub port: Option<u16>,
    /// The database file (`None` when the system has no data folder and `$SMARTPUSH_MOCK_DB`
    /// is unset: the server cannot start).
    pub database: Option<String>,
    /// The mock clock's offset from real time, in seconds (0 while stopped).
    #[ts(type = "number")]
    pub clock_offset_seconds: i64,
}

/// One e-mail of the mock outbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OutboxEntry {
    /// Its id (for [`server_copy_code`]).
    #[ts(type = "number")]
    pub id: i64,
    /// The recipient.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The mock e-mail code it carries, if any (the mock server's, not a vault secret).
    pub code: Option<String>,
    /// When it was sent (RFC 3339, mock clock).
    pub sent_at: String,
}

/// Risk level of a mock account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Nothing suspicious.
    Low,
    /// Sign-ins and exports ask for extra verification.
    High,
}

/// One account of the mock server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MockAccount {
    /// The e-mail address.
    pub email: String,
    /// Whether Two-Factor Authentication is on.
    pub two_factor: bool,
    /// `"totp"` or `"email"` while 2FA is on.
    pub method: Option<String>,
    /// The risk set by the tester.
    pub risk: Risk,
    /// Unused recovery codes (0 while 2FA is off).
    pub recovery_codes_left: u32,
    /// Locked after repeated failures until then (RFC 3339), if locked now.
    pub locked_until: Option<String>,
}

impl MockServer {
    /// A stopped server over the database file `db`, with `config` (tests use cheap hashes).
    pub fn new(db: Option<PathBuf>, config: ServerConfig) -> MockServer {
        MockServer {
            db,
            config,
            running: tokio::sync::Mutex::new(None),
        }
    }

    /// A stopped server over `$SMARTPUSH_MOCK_DB` or the default file, with the default
    /// settings.
    pub fn from_env() -> MockServer {
        let db = std::env::var_os(DB_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("smartpush-auth").join(DB_FILE)));
        MockServer::new(db, ServerConfig::default())
    }

    fn status_of(&self, running: Option<&Running>) -> ServerStatus {
        ServerStatus {
            running: running.is_some(),
            url: running.map(|r| format!("http://{}", r.addr)),
            port: running.map(|r| r.addr.port()),
            database: self.db.as_ref().map(|p| p.display().to_string()),
            clock_offset_seconds: running.map_or(0, |r| r.state.clock().offset()),
        }
    }

    /// Forgets a server whose task ended on its own (an accept error), so the status is true.
    async fn lock(&self) -> tokio::sync::MutexGuard<'_, Option<Running>> {
        let mut guard = self.running.lock().await;
        if guard.as_ref().is_some_and(|r| r.task.inner().is_finished())
            && let Some(ended) = guard.take()
        {
            let _ = ended.state.close(CLOSE_WAIT).await;
        }
        guard
    }

    /// The status now.
    pub async fn status(&self) -> ServerStatus {
        let guard = self.lock().await;
        self.status_of(guard.as_ref())
    }

    /// Starts the server on 127.0.0.1:`port`; 0 means [`DEFAULT_PORT`], or a free port when it
    /// is busy. See the module documentation for a second start.
    pub async fn start(&self, port: u16) -> IpcResult<ServerStatus> {
        let mut guard = self.lock().await;
        if let Some(running) = guard.as_ref() {
            return if port == 0 || port == running.addr.port() {
                Ok(self.status_of(Some(running)))
            } else {
                Err(IpcError::InUse(format!(
                    "the mock server is already running at http://{}; stop it before choosing port {port}",
                    running.addr
                )))
            };
        }
        let path = self.db.clone().ok_or_else(|| {
            IpcError::Io(format!(
                "this system has no data folder for the mock server's database; set {DB_ENV}"
            ))
        })?;
        let listener = bind(port).await?;
        let addr = listener
            .local_addr()
            .map_err(|e| IpcError::Io(format!("cannot read the listening address: {e}")))?;
        let config = self.config.clone();
        let state = super::blocking(move || {
            smartpush_mock_server::AppState::open(&DbLocation::File(path), config)
                .map_err(|e| IpcError::Io(format!("cannot open the mock server's database: {e}")))
        })
        .await?;
        if let Err(e) = mock_accounts::ensure_demo_account(&state).await {
            let _ = state.close(CLOSE_WAIT).await;
            return Err(IpcError::Io(format!("cannot create the demo account: {e}")));
        }
        // `/mock/reset` (and the tester page's reset) create it again, as after `serve --demo`.
        state.update_startup(|startup| startup.demo = true);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tauri::async_runtime::spawn(smartpush_mock_server::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        let running = guard.insert(Running {
            state,
            addr,
            stop,
            task,
        });
        Ok(self.status_of(Some(running)))
    }

    /// Stops the server gracefully and closes its database (a no-op when stopped).
    pub async fn stop(&self) -> IpcResult<ServerStatus> {
        let mut guard = self.lock().await;
        if let Some(running) = guard.take() {
            shut_down(running).await?;
        }
        Ok(self.status_of(None))
    }

    /// Stops the server if it runs; for the app's exit.
    pub async fn shutdown(&self) -> IpcResult<()> {
        self.stop().await.map(drop)
    }

    /// The running server's base URL, or an error saying to start it.
    async fn url(&self) -> IpcResult<String> {
        self.status().await.url.ok_or_else(not_running)
    }

    /// The running server's state, or an error saying to start it.
    async fn state(&self) -> IpcResult<smartpush_mock_server::AppState> {
        self.lock()
            .await
            .as_ref()
            .map(|r| r.state.clone())
            .ok_or_else(not_running)
    }
}

fn not_running() -> IpcError {
    IpcError::Invalid("the mock server is not running: start it first".into())
}

/// Binds 127.0.0.1:`port`; see [`MockServer::start`].
async fn bind(port: u16) -> IpcResult<tokio::net::TcpListener> {
    let at = |port: u16| tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    let result = if port == 0 {
        match at(DEFAULT_PORT).await {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => at(0).await,
            other => other,
        }
    } else {
        at(port).await
    };
    result.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse if port != 0 => IpcError::InUse(format!(
            "port {port} is already in use by another program: choose another port, or leave the field empty"
        )),
        std::io::ErrorKind::PermissionDenied if port != 0 => IpcError::Invalid(format!(
            "port {port} needs administrator rights: choose a port above 1023"
        )),
        _ => IpcError::Io(format!("cannot listen on 127.0.0.1: {e}")),
    })
}

/// Signals the stop, waits for the requests in flight (at most [`STOP_WAIT`]), then closes
/// the database.
async fn shut_down(running: Running) -> IpcResult<()> {
    let Running { state, stop, task, .. } = running;
    let _ = stop.send(());
    let abort = task.inner().abort_handle();
    if tokio::time::timeout(STOP_WAIT, task).await.is_err() {
        abort.abort();
    }
    match state.close(CLOSE_WAIT).await {
        // A connection task still holds a clone: the database closes when it lets go.
        Ok(()) | Err(DbError::InUse) => Ok(()),
        Err(e) => Err(IpcError::Io(format!(
            "the mock server stopped, but its database did not close cleanly: {e}"
        ))),
    }
}

/// A mock-server refusal as an IPC error (its detail sentence holds no secret).
fn problem(e: AppError) -> IpcError {
    match e.kind() {
        ProblemKind::Internal => IpcError::Io(e.to_string()),
        _ => IpcError::Invalid(e.to_string()),
    }
}

/// Starts the mock server on 127.0.0.1:`port` (0: 8790, or a free port when 8790 is busy).
#[tauri::command]
pub async fn server_start(server: State<'_, Arc<MockServer>>, port: u16) -> IpcResult<ServerStatus> {
    server.start(port).await
}

/// Stops the mock server (requests in flight finish; the database is closed).
#[tauri::command]
pub async fn server_stop(server: State<'_, Arc<MockServer>>) -> IpcResult<ServerStatus> {
    server.stop().await
}

/// Whether the mock server runs, and where.
#[tauri::command]
pub async fn server_status(server: State<'_, Arc<MockServer>>) -> IpcResult<ServerStatus> {
    Ok(server.status().await)
}

/// The mock server's outbox, newest first.
#[tauri::command]
pub async fn server_outbox(server: State<'_, Arc<MockServer>>) -> IpcResult<Vec<OutboxEntry>> {
    let state = server.state().await?;
    let messages = tester::outbox(&state, None).await.map_err(problem)?;
    Ok(messages
        .into_iter()
        .map(|m| OutboxEntry {
            id: m.id,
            to: m.to,
            subject: m.subject,
            code: m.code,
            sent_at: m.sent_at,
        })
        .collect())
}

/// Empties the mock server's outbox.
#[tauri::command]
pub async fn server_clear_outbox(server: State<'_, Arc<MockServer>>) -> IpcResult<()> {
    let state = server.state().await?;
    tester::clear_outbox(&state).await.map_err(problem)
}

/// Copies the code of outbox message `id` to the clipboard (cleared after 30 s if unchanged).
#[tauri::command]
pub async fn server_copy_code<R: Runtime>(
    app: AppHandle<R>,
    server: State<'_, Arc<MockServer>>,
    id: i64,
) -> IpcResult<Copied> {
    let state = server.state().await?;
    let code = tester::outbox(&state, None)
        .await
        .map_err(problem)?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| IpcError::Invalid(format!("no e-mail {id} in the outbox")))?
        .code
        .ok_or_else(|| IpcError::Invalid("this e-mail carries no code".into()))?;
    copy_then_clear(&app, code)
}

/// The mock server's accounts with their 2FA state and risk.
#[tauri::command]
pub async fn server_accounts(server: State<'_, Arc<MockServer>>) -> IpcResult<Vec<MockAccount>> {
    let state = server.state().await?;
    let accounts = tester::accounts(&state).await.map_err(problem)?;
    Ok(accounts
        .into_iter()
        .map(|a| MockAccount {
            email: a.email,
            two_factor: a.two_factor_enabled,
            method: a.method.map(|m: TwoFactorMethod| m.as_str().to_owned()),
            risk: match a.risk {
                RiskLevel::Low => Risk::Low,
                RiskLevel::High => Risk::High,
            },
            recovery_codes_left: a.recovery_codes_remaining,
            locked_until: a.locked_until,
        })
        .collect())
}

/// Sets a mock account's risk (and that of its open sessions).
#[tauri::command]
pub async fn server_set_risk(server: State<'_, Arc<MockServer>>, email: String, level: Risk) -> IpcResult<()> {
    let state = server.state().await?;
    let level = match level {
        Risk::Low => RiskLevel::Low,
        Risk::High => RiskLevel::High,
    };
    tester::set_risk(&state, &email, level).await.map_err(problem)
}

/// What SmartPush support does for a lost device: 2FA off for the account, an e-mail to it.
#[tauri::command]
pub async fn server_support_reset(server: State<'_, Arc<MockServer>>, email: String) -> IpcResult<()> {
    let state = server.state().await?;
    tester::support_reset_2fa(&state, &email)
        .await
        .map(drop)
        .map_err(problem)
}

/// Sets the mock clock to real time + `offset` seconds (absolute; 0 restores real time).
#[tauri::command]
pub async fn server_set_clock(server: State<'_, Arc<MockServer>>, offset: i64) -> IpcResult<ServerStatus> {
    let state = server.state().await?;
    tester::set_clock(&state, offset).await.map_err(problem)?;
    Ok(server.status().await)
}

/// Opens the mock server's pages in the default browser (from Rust: the window has no opener
/// permission).
#[tauri::command]
pub async fn server_open_browser(server: State<'_, Arc<MockServer>>) -> IpcResult<()> {
    let url = server.url().await?;
    tauri_plugin_opener::open_url(url, None::<&str>)
        .map_err(|e| IpcError::Io(format!("could not open the browser: {e}")))
}

/// Copies the mock server's address to the clipboard (an address, not a secret: it stays).
#[tauri::command]
pub async fn server_copy_url<R: Runtime>(app: AppHandle<R>, server: State<'_, Arc<MockServer>>) -> IpcResult<()> {
    let url = server.url().await?;
    if app.try_state::<Clipboard<R>>().is_none() {
        return Err(IpcError::Clipboard("the clipboard is not available".into()));
    }
    app.clipboard()
        .write_text(url)
        .map_err(|e| IpcError::Clipboard(format!("could not write the clipboard: {e}")))
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;

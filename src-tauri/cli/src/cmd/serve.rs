//! `serve`: the mock SmartPush server (`shared/spec/mock-server.md`).
//!
//! Standard output gets exactly the lines a script waits for: with `--demo` the demo account,
//! with `--seed` one line per seeded account, then one ready line with the base URL, printed
//! once the socket is listening; with `--json`, only that ready line, as one JSON object
//! `{url, addr, db, accounts}`. The log goes to standard error. SIGINT or SIGTERM stop it
//! cleanly (requests in flight are finished).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use smartpush_mock_server::model::SeedFile;
use smartpush_mock_server::service::accounts::{DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_account};
use smartpush_mock_server::service::tester;
use smartpush_mock_server::{AppState, DbLocation, ProblemKind, ServerConfig};

use crate::args::ServeArgs;
use crate::error::{CliError, Result};

/// File name of the default database inside `<data dir>/smartpush-auth/`.
pub const DEFAULT_DB_FILE: &str = "mock-server.sqlite3";

/// Runs the server until SIGINT or SIGTERM.
pub fn run(json: bool, args: ServeArgs) -> Result<()> {
    if !args.addr.ip().is_loopback() && !args.allow_remote {
        return Err(CliError::Invalid(format!(
            "refusing to listen on {}: not a loopback address (add --allow-remote to let other machines in)",
            args.addr
        )));
    }
    let location = match &args.db {
        Some(text) => DbLocation::parse(text),
        None => DbLocation::File(default_db()?),
    };
    init_log();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Invalid(format!("cannot start the async runtime: {e}")))?;
    let seed = match &args.seed {
        Some(path) => Some(read_seed(path)?),
        None => None,
    };
    runtime.block_on(serve(json, args, location, seed))
}

/// Reads a `--seed` file: `{"accounts": [...]}` as `POST /mock/accounts` takes them.
fn read_seed(path: &std::path::Path) -> Result<SeedFile> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Invalid(format!("cannot read the seed file {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        CliError::Invalid(format!(
            "the seed file {} is not {{\"accounts\": [...]}} as POST /mock/accounts takes them (line {}, column {})",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

async fn serve(json: bool, args: ServeArgs, location: DbLocation, seed: Option<SeedFile>) -> Result<()> {
    let mut config = ServerConfig {
        allow_remote: args.allow_remote,
        public_hosts: args.public_host.clone(),
        ..ServerConfig::default()
    };
    if let Some(memory_kib) = args.hash_memory_kib {
        config.hash.memory_kib = memory_kib;
    }
    if let Some(iterations) = args.hash_iterations {
        config.hash.iterations = iterations;
    }
    let state = AppState::open(&location, config).map_err(|e| CliError::Invalid(e.to_string()))?;
    let mut out = Vec::new();
    let mut accounts = Vec::new();
    if args.demo {
        let created = ensure_demo_account(&state)
            .await
            .map_err(|e| CliError::Invalid(format!("cannot create the demo account: {e}")))?;
        out.push(format!(
            "Demo account: {DEMO_EMAIL} / {DEMO_PASSWORD} (2FA off){}",
            if created { "" } else { ", already there" }
        ));
        accounts.push(serde_json::json!({ "email": DEMO_EMAIL, "created": created, "demo": true }));
        state.update_startup(|startup| startup.demo = true);
    }
    for account in seed.map(|file| file.accounts).unwrap_or_default() {
        let (email, created, remembered) = match tester::create_account(&state, account.clone()).await {
            Ok(done) => (done.email.clone(), true, tester::as_seed(&account, &done)),
            Err(e) if e.kind() == ProblemKind::EmailTaken => (account.email.trim().to_lowercase(), false, account),
            Err(e) => {
                return Err(CliError::Invalid(format!(
                    "cannot seed the account {}: {e}",
                    account.email.trim()
                )));
            }
        };
        out.push(format!(
            "Seeded account: {email}{}",
            if created { "" } else { " (already there, left as it is)" }
        ));
        accounts.push(serde_json::json!({ "email": email, "created": created }));
        state.update_startup(|startup| startup.seed.push(remembered));
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CliError::Invalid(format!("cannot listen on {}: {e}", args.addr)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Invalid(format!("cannot read the listening address: {e}")))?;
    let shutdown = shutdown_signal()?;
    if json {
        let db = match &location {
            DbLocation::Memory => ":memory:".to_owned(),
            DbLocation::File(path) => path.display().to_string(),
        };
        out = vec![
            serde_json::json!({
                "url": format!("http://{local}"),
                "addr": local.to_string(),
                "db": db,
                "accounts": accounts,
            })
            .to_string(),
        ];
    } else {
        out.push(format!("SmartPush mock server listening on http://{local}"));
    }
    {
        let mut stdout = std::io::stdout().lock();
        for line in &out {
            writeln!(stdout, "{line}").map_err(CliError::Output)?;
        }
        stdout.flush().map_err(CliError::Output)?;
    }
    match &location {
        DbLocation::Memory => tracing::info!("database in memory: everything is gone on exit"),
        DbLocation::File(path) => tracing::info!(path = %path.display(), "database"),
    }
    smartpush_mock_server::serve(listener, state, shutdown)
        .await
        .map_err(|e| CliError::Invalid(format!("the server stopped: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

fn default_db() -> Result<PathBuf> {
    Ok(dirs::data_dir()
        .ok_or_else(|| CliError::Invalid("cannot find the user's data directory; give --db PATH".into()))?
        .join("smartpush-auth")
        .join(DEFAULT_DB_FILE))
}

/// The log on standard error, at `$SMARTPUSH_LOG` (default `info`).
fn init_log() {
    let level = std::env::var("SMARTPUSH_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// A future that completes at SIGINT (Ctrl-C) or SIGTERM. The handlers are installed now,
/// before the ready line is printed, so a signal sent right after it is never lost (nor does it
/// kill the process with the default action).
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let install = |kind| signal(kind).map_err(|e| CliError::Invalid(format!("cannot install signal handlers: {e}")));
    let mut interrupt = install(SignalKind::interrupt())?;
    let mut terminate = install(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    })
}

/// A future that completes at Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down");
    })
}

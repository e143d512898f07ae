//! A mock of SmartPush's account-security flows on a loopback HTTP server.
//!
//! Testers use it to exercise sign-in, enabling and disabling 2FA, recovery codes, risk-based
//! verification and step-up verification for exports, with the SmartPush Authenticator as their
//! second factor. The contract (paths, fields, status codes) is `shared/spec/mock-server.md`; the
//! flows come from SmartPush's help article. It is a mock, but its security behaviour is real.
//!
//! Layout:
//! * [`app`] builds the axum [`Router`] over an [`AppState`]; [`serve`] runs it on a listener.
//! * [`api`]: the JSON handlers (documented for `/openapi.json` with utoipa); [`pages`]: the
//!   web pages for the same flows (server-rendered HTML, cookie sessions, CSRF tokens);
//!   [`service`]: the flows and every security rule, independent of HTTP, for the handlers and
//!   the web pages alike; [`extract`]: extractors and middleware whose refusals are problems.
//! * [`db`]: SQLite (WAL, `synchronous=FULL`); [`crypto`]: randomness, Argon2id, token hashes,
//!   TOTP through `smartpush_core::otp`; [`clock`]: the mock clock; [`error`]: the one
//!   problem+json error type; [`config`]: settings and the numbers of the rules.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod api;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod extract;
pub mod model;
pub mod pages;
pub mod qr;
pub mod service;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use crate::clock::MockClock;
pub use crate::config::{HashParams, ServerConfig, rules};
pub use crate::crypto::Hasher;
pub use crate::db::{Db, DbError, DbLocation};
pub use crate::error::{AppError, AppResult, ProblemKind};

/// Why a server could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The password hasher could not be set up (bad Argon2 parameters, no OS randomness).
    #[error("cannot set up password hashing: {0}")]
    Hasher(String),
}

/// Everything a request needs: the database, the mock clock, the hasher and the settings.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    db: Db,
    clock: MockClock,
    hasher: Hasher,
    config: ServerConfig,
    /// The address the server listens on (set by [`serve`]), for the `Host` check.
    listen: std::sync::OnceLock<SocketAddr>,
    /// What the server was started with (`--demo`, `--seed`), re-created by `/mock/reset`.
    startup: std::sync::Mutex<Startup>,
    /// Woken when a reserved password check ends (the checks waiting for a slot try again).
    checks_settled: tokio::sync::Notify,
}

/// The accounts a server re-creates after `/mock/reset`: the demo account and the seeded ones
/// (with the secrets and recovery codes they were first given or generated).
#[derive(Debug, Default, Clone)]
pub struct Startup {
    /// `--demo`.
    pub demo: bool,
    /// `--seed FILE`, with every generated value filled in.
    pub seed: Vec<model::SeedAccount>,
}

impl AppState {
    /// A state over an open database.
    pub fn new(db: Db, config: ServerConfig) -> Result<AppState, StartError> {
        let hasher = Hasher::new(config.hash, config.hash_concurrency).map_err(StartError::Hasher)?;
        Ok(AppState {
            shared: Arc::new(Shared {
                db,
                clock: MockClock::new(),
                hasher,
                config,
                listen: std::sync::OnceLock::new(),
                startup: std::sync::Mutex::new(Startup::default()),
                checks_settled: tokio::sync::Notify::new(),
            }),
        })
    }

    /// Opens the database at `location` and builds a state over it.
    pub fn open(location: &DbLocation, config: ServerConfig) -> Result<AppState, StartError> {
        AppState::new(Db::open(location)?, config)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.shared.db
    }

    /// The mock clock.
    pub fn clock(&self) -> &MockClock {
        &self.shared.clock
    }

    /// Now on the mock clock, in unix seconds.
    pub fn now(&self) -> i64 {
        self.shared.clock.now()
    }

    /// The Argon2id hasher.
    pub fn hasher(&self) -> &Hasher {
        &self.shared.hasher
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// The address the server listens on, once [`serve`] has started.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.shared.listen.get().copied()
    }

    /// Records the listening address (done by [`serve`]; the first value stays).
    pub fn set_listen_addr(&self, addr: SocketAddr) {
        let _ = self.shared.listen.set(addr);
    }

    /// Notified when a reserved password check ends (`service::sessions`).
    pub fn checks_settled(&self) -> &tokio::sync::Notify {
        &self.shared.checks_settled
    }

    /// What `/mock/reset` re-creates.
    pub fn startup(&self) -> Startup {
        self.shared.startup.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Changes what `/mock/reset` re-creates.
    pub fn update_startup(&self, change: impl FnOnce(&mut Startup)) {
        change(&mut self.shared.startup.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Closes the database once the server has stopped ([`Db::close`]: the WAL is checkpointed
    /// into the main file). Clones of the state still held by finishing requests are waited for
    /// up to `wait`; after that [`DbError::InUse`] is returned and the database closes when the
    /// last clone is dropped.
    pub async fn close(self, wait: std::time::Duration) -> Result<(), DbError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut shared = self.shared;
        let shared = loop {
            match Arc::try_unwrap(shared) {
                Ok(shared) => break shared,
                Err(still_shared) if tokio::time::Instant::now() < deadline => {
                    shared = still_shared;
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                Err(_) => return Err(DbError::InUse),
            }
        };
        tokio::task::spawn_blocking(move || shared.db.close())
            .await
            .map_err(|e| DbError::Close(e.to_string()))?
    }
}

/// The OpenAPI description of every route (`/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api::router().split_for_parts();
    let (_, tester) = api::tester_router().split_for_parts();
    doc.merge(tester);
    doc
}

/// The whole server: the API, the web pages, the tester controls (loopback only),
/// `/openapi.json`, problem answers for unknown routes and methods (a page for browsers), the
/// 64 KiB body limit and the request log.
///
/// Serve it with connection information (`into_make_service_with_connect_info::<SocketAddr>()`,
/// as [`serve`] does), or the tester controls refuse every request.
pub fn app(state: AppState) -> Router {
    let (api, mut doc) = api::router().split_for_parts();
    let (tester, tester_doc) = api::tester_router().split_for_parts();
    doc.merge(tester_doc);
    let server_url = state
        .listen_addr()
        .map_or_else(|| "/".to_owned(), |addr| format!("http://{addr}"));
    doc.servers = Some(vec![utoipa::openapi::server::Server::new(server_url)]);
    let openapi_json: Arc<str> = doc.to_json().unwrap_or_else(|_| "{}".to_owned()).into();
    let tester = tester
        .route_layer(from_fn(extract::json_only_changes))
        .route_layer(from_fn(extract::loopback_only));
    Router::new()
        .merge(api)
        .merge(tester)
        .merge(pages::router())
        .route(
            "/openapi.json",
            get(move || {
                let body = Arc::clone(&openapi_json);
                async move {
                    let mut response = body.to_string().into_response();
                    response
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    response
                }
            }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(rules::BODY_LIMIT_BYTES))
        .layer(from_fn(extract::limit_body))
        .layer(from_fn_with_state(state.clone(), extract::browser_guard))
        .layer(from_fn(extract::log_request))
        .with_state(state)
}

async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if api::tester::wants_html(&headers) {
        return pages::not_found_page(&state, &headers).await;
    }
    AppError::new(ProblemKind::NotFound, "There is nothing at this address.").into_response()
}

async fn method_not_allowed() -> Response {
    AppError::new(
        ProblemKind::MethodNotAllowed,
        "This address does not accept this method.",
    )
    .into_response()
}

/// Serves [`app`] on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        state.set_listen_addr(addr);
    }
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

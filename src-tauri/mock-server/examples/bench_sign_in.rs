//! Load for the full sign-in of an account with 2FA on: `POST /api/session` (password), then
//! `POST /api/session/verify` with a TOTP code, by C concurrent clients for T seconds against a
//! running server. Prints throughput, latency percentiles and errors.
//!
//! The load design, forced by the rules under test:
//! * TOTP codes are single use per account and time step (replay refusal), so every client has
//!   its own accounts (`--accounts-per-client`, set up through the API before the run: register,
//!   enable 2FA with the app, codes computed by the core) and never reuses a step.
//! * Real time gives each account about one new step per 30 s, far fewer than a sign-in load
//!   needs, so the run moves the server's mock clock (`POST /mock/clock`, tester control) 30 s
//!   forward whenever a client has used every step its accounts may use now (the current one and
//!   the next, within the ±1 window). That is the only request outside the measured flow; the
//!   clock wait is not counted in the sign-in's latency. Sessions (24 h) and challenges (10 min)
//!   outlive the mock time a run covers.
//! * A sign-in counts when the verify answers `authenticated`; anything else is an error.
//!
//! usage: cargo run --release -p smartpush-mock-server --example bench_sign_in --
//!            --url http://127.0.0.1:PORT [--clients 50] [--seconds 20] [--warmup 3]
//!            [--accounts-per-client 1]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Client;
use serde_json::{Value, json};
use smartpush_core::{OtpConfig, Secret};
use tokio::sync::Mutex;

const PASSWORD: &str = "bench password 1234";

fn arg(args: &[String], name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The mock clock's offset, shared by the clients; advanced under the lock.
struct Clock {
    offset: AtomicI64,
    lock: Mutex<()>,
    jumps: AtomicU64,
}

impl Clock {
    fn now(&self) -> i64 {
        real_now() + self.offset.load(Ordering::SeqCst)
    }

    /// Moves the server's clock 30 s forward, unless another client did since `seen`.
    async fn advance(&self, http: &Client, url: &str, seen: i64) {
        let _guard = self.lock.lock().await;
        if self.offset.load(Ordering::SeqCst) != seen {
            return;
        }
        let offset = seen + 30;
        let response = http
            .post(format!("{url}/mock/clock"))
            .json(&json!({ "offset_seconds": offset }))
            .send()
            .await
            .expect("POST /mock/clock");
        assert!(
            response.status().is_success(),
            "POST /mock/clock: {}",
            response.status()
        );
        self.offset.store(offset, Ordering::SeqCst);
        self.jumps.fetch_add(1, Ordering::Relaxed);
    }
}

struct Account {
    email: String,
    secret: Secret,
    /// The last TOTP step used (by the enrollment or a sign-in).
    last_step: i64,
}

fn code(secret: &Secret, step: i64) -> String {
    smartpush_core::otp::code_at(&OtpConfig::totp(secret.clone()), (step * 30) as u64).expect("a TOTP code")
}

async fn post(http: &Client, url: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = http.post(format!("{url}{path}")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("a request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Registers `email` and enables 2FA with the authenticator app through the API.
async fn set_up(http: &Client, url: &str, clock: &Clock, email: String) -> Account {
    let credentials = json!({ "email": email, "password": PASSWORD });
    let (status, _) = post(http, url, "/api/accounts", None, credentials.clone()).await;
    assert!(status == 201 || status == 409, "register {email}: {status}");
    let (status, signed_in) = post(http, url, "/api/session", None, credentials).await;
    assert_eq!(status, 200, "sign in {email}: {signed_in}");
    let token = signed_in["token"].as_str().expect("2FA off: a token").to_owned();
    let (status, started) = post(
        http,
        url,
        "/api/2fa/enrollment",
        Some(&token),
        json!({ "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "enrollment {email}: {started}");
    let id = started["enrollment_id"].as_str().expect("an enrollment id").to_owned();
    let outbox: Value = http
        .get(format!("{url}/mock/outbox?to={email}"))
        .send()
        .await
        .expect("outbox")
        .json()
        .await
        .expect("outbox JSON");
    let mail_code = outbox[0]["code"].as_str().expect("an e-mailed code").to_owned();
    let path = format!("/api/2fa/enrollment/{id}");
    let (status, _) = post(
        http,
        url,
        &format!("{path}/email"),
        Some(&token),
        json!({ "code": mail_code }),
    )
    .await;
    assert_eq!(status, 200, "verify e-mail {email}");
    let (status, chosen) = post(
        http,
        url,
        &format!("{path}/method"),
        Some(&token),
        json!({ "method": "totp" }),
    )
    .await;
    assert_eq!(status, 200, "method {email}");
    let secret = Secret::from_base32(chosen["secret"].as_str().expect("a secret")).expect("base32");
    let step = clock.now().div_euclid(30);
    let (status, enabled) = post(
        http,
        url,
        &format!("{path}/confirm"),
        Some(&token),
        json!({ "code": code(&secret, step) }),
    )
    .await;
    assert_eq!(status, 200, "confirm {email}: {enabled}");
    Account {
        email,
        secret,
        last_step: step,
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

async fn client_loop(
    http: Client,
    url: String,
    clock: Arc<Clock>,
    mut accounts: Vec<Account>,
    start: Instant,
    measure_from: Instant,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut next = 0usize;
    let _ = start;
    while Instant::now() < deadline {
        // An account with a step it may still use: after its last one, at most now + 1.
        let offset_seen = clock.offset.load(Ordering::SeqCst);
        let current = (real_now() + offset_seen).div_euclid(30);
        let pick = (0..accounts.len())
            .map(|i| (next + i) % accounts.len())
            .find(|&i| accounts[i].last_step <= current);
        let Some(i) = pick else {
            clock.advance(&http, &url, offset_seen).await;
            continue;
        };
        next = i + 1;
        // Never the previous step: a clock step by another client while this sign-in is in
        // flight must leave the code inside the window.
        let step = (accounts[i].last_step + 1).max(current);
        let account = &mut accounts[i];
        let began = Instant::now();
        let (status, signed_in) = post(
            &http,
            &url,
            "/api/session",
            None,
            json!({ "email": account.email, "password": PASSWORD }),
        )
        .await;
        let outcome = match signed_in["challenge_id"].as_str() {
            Some(challenge) if status == 200 => {
                let body = json!({ "challenge_id": challenge, "method": "totp", "code": code(&account.secret, step) });
                let (status, verified) = post(&http, &url, "/api/session/verify", None, body).await;
                if status == 200 && verified["status"] == "authenticated" {
                    Ok(())
                } else {
                    Err(format!("verify: {status} {verified}"))
                }
            }
            _ => Err(format!("sign-in: {status} {signed_in}")),
        };
        account.last_step = step;
        let elapsed = began.elapsed();
        if began < measure_from || Instant::now() > deadline {
            continue;
        }
        match outcome {
            Ok(()) => tally.latencies_us.push(elapsed.as_micros() as u64),
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
            }
        }
    }
    tally
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, "--url").expect("--url http://127.0.0.1:PORT");
    let clients: usize = arg(&args, "--clients").map_or(50, |v| v.parse().expect("--clients N"));
    let seconds: u64 = arg(&args, "--seconds").map_or(20, |v| v.parse().expect("--seconds N"));
    let warmup: u64 = arg(&args, "--warmup").map_or(3, |v| v.parse().expect("--warmup N"));
    let per_client: usize = arg(&args, "--accounts-per-client").map_or(1, |v| v.parse().expect("N"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let http = Client::builder().pool_max_idle_per_host(clients * 2).build().expect("an HTTP client");
        let clock = Arc::new(Clock {
            offset: AtomicI64::new(0),
            lock: Mutex::new(()),
            jumps: AtomicU64::new(0),
        });
        let (status, _) = post(&http, &url, "/mock/clock", None, json!({ "offset_seconds": 0 })).await;
        assert_eq!(status, 200, "the mock clock must be reachable (loopback)");

        // Set-up, 8 accounts at a time.
        let set_up_started = Instant::now();
        let run_id = real_now();
        let mut all = Vec::new();
        let emails: Vec<String> = (0..clients * per_client)
            .map(|i| format!("bench-{run_id}-{i}@example.com"))
            .collect();
        for chunk in emails.chunks(8) {
            let jobs: Vec<_> = chunk
                .iter()
                .map(|email| {
                    let (http, url, clock, email) = (http.clone(), url.clone(), Arc::clone(&clock), email.clone());
                    tokio::spawn(async move { set_up(&http, &url, &clock, email).await })
                })
                .collect();
            for job in jobs {
                all.push(job.await.expect("set-up task"));
            }
        }
        eprintln!(
            "bench_sign_in: {} accounts with 2FA on set up in {:.1} s",
            all.len(),
            set_up_started.elapsed().as_secs_f64()
        );

        let start = Instant::now();
        let measure_from = start + Duration::from_secs(warmup);
        let deadline = measure_from + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        let mut all = all.into_iter();
        for _ in 0..clients {
            let accounts: Vec<Account> = all.by_ref().take(per_client).collect();
            tasks.push(tokio::spawn(client_loop(
                http.clone(),
                url.clone(),
                Arc::clone(&clock),
                accounts,
                start,
                measure_from,
                deadline,
            )));
        }
        let mut latencies = Vec::new();
        let (mut errors, mut first_error) = (0, None);
        for task in tasks {
            let tally = task.await.expect("client task");
            latencies.extend(tally.latencies_us);
            errors += tally.errors;
            if first_error.is_none() {
                first_error = tally.first_error;
            }
        }
        latencies.sort_unstable();
        let ok = latencies.len();
        println!(
            "sign-in (password + TOTP verify): {:.1} sign-ins/s, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, \
             {ok} ok, {errors} errors, {clients} clients, {seconds} s (+{warmup} s warm-up), {} mock-clock steps",
            ok as f64 / seconds as f64,
            percentile(&latencies, 50.0),
            percentile(&latencies, 90.0),
            percentile(&latencies, 99.0),
            percentile(&latencies, 100.0),
            clock.jumps.load(Ordering::Relaxed),
        );
        if let Some(error) = first_error {
            println!("first error: {error}");
        }
        let _ = post(&http, &url, "/mock/clock", None, json!({ "offset_seconds": 0 })).await;
        if errors > 0 {
            std::process::exit(1);
        }
    });
}

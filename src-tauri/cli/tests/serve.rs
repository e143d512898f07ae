//! `smartpush-auth serve` as a real process: the ready line, the loopback rule, the default
//! database, clean shutdown on SIGTERM, and durability across a SIGKILL under load.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Server {
    child: Child,
    addr: SocketAddr,
    lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` with `args` (plus `--addr 127.0.0.1:0`), a private data folder, and waits for
/// the ready line.
fn start(home: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"))
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("SMARTPUSH_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take();
    // Owned by a `Server` from here on, so the process is killed and reaped on any failure.
    let mut server = Server {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        lines: Vec::new(),
    };
    let stdout = stdout.expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("no ready line within 30 s");
        let ready = line
            .strip_prefix("SmartPush mock server listening on http://")
            .map(str::to_owned)
            .or_else(|| {
                // `--json`: the ready line is one JSON object.
                let doc: Value = serde_json::from_str(&line).ok()?;
                doc["addr"].as_str().map(str::to_owned)
            });
        server.lines.push(line);
        if let Some(addr) = ready {
            server.addr = addr.parse().unwrap();
            return server;
        }
    }
}

/// One HTTP/1.1 request (Connection: close); returns the status and the body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {response:?}")))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ready_line_demo_account_default_database_and_clean_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let mut server = start(home.path(), &["--demo"]);
    assert_eq!(server.lines.len(), 2, "{:?}", server.lines);
    assert_eq!(
        server.lines[0],
        "Demo account: demo@example.com / demo-password (2FA off)"
    );
    let default_db: PathBuf = home.path().join("data/smartpush-auth/mock-server.sqlite3");
    assert!(default_db.is_file(), "the default database is under the data dir");

    let (status, body) = http(
        server.addr,
        "POST",
        "/api/session",
        None,
        Some(&json!({ "email": "demo@example.com", "password": "demo-password" })),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["status"], "authenticated");

    sigterm(&server.child);
    assert!(wait_exit(&mut server.child).success());

    // The demo account survives a restart and is not created twice.
    let mut again = start(home.path(), &["--demo"]);
    assert_eq!(
        again.lines[0],
        "Demo account: demo@example.com / demo-password (2FA off), already there"
    );
    sigterm(&again.child);
    assert!(wait_exit(&mut again.child).success());
}

/// Issue 14: `serve` run first created `~/.local/share/smartpush-auth` as 0755 (the umask's
/// mode). Every folder it makes for the database is 0700 now.
#[cfg(unix)]
#[test]
fn issue_14_serve_run_first_creates_its_data_folders_0700() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let mut server = start(home.path(), &[]);
    for dir in ["data", "data/smartpush-auth"] {
        let mode = std::fs::metadata(home.path().join(dir)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{dir}: {mode:o}");
    }
    let db = home.path().join("data/smartpush-auth/mock-server.sqlite3");
    assert_eq!(std::fs::metadata(db).unwrap().permissions().mode() & 0o077, 0);
    sigterm(&server.child);
    assert!(wait_exit(&mut server.child).success());
}

#[test]
fn memory_database_and_non_loopback_refusal() {
    let home = tempfile::tempdir().unwrap();
    let mut server = start(home.path(), &["--db", ":memory:"]);
    assert_eq!(server.lines.len(), 1, "{:?}", server.lines);
    assert!(!home.path().join("data").exists(), "nothing written for :memory:");
    let (status, _) = http(server.addr, "GET", "/openapi.json", None, None).unwrap();
    assert_eq!(status, 200);
    sigterm(&server.child);
    assert!(wait_exit(&mut server.child).success());

    let out = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"))
        .args(["serve", "--addr", "0.0.0.0:0", "--db", ":memory:"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");
}

/// Issue 17 (bug 5): `--json` prints the ready line as one JSON object; `--seed` creates the
/// file's accounts (an existing one is left as it is), and `/mock/reset` brings them back.
#[test]
fn json_ready_line_and_seed_file() {
    let home = tempfile::tempdir().unwrap();
    let seed = home.path().join("seed.json");
    std::fs::write(
        &seed,
        json!({ "accounts": [
            { "email": "seeded@example.com", "password": "seeded password",
              "two_factor": { "method": "totp", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" } },
            { "email": "plain@example.com", "password": "plain password", "risk": "high" }
        ] })
        .to_string(),
    )
    .unwrap();
    let db = home.path().join("seeded.sqlite3");
    let seed_arg = seed.to_str().unwrap();
    let db_arg = db.to_str().unwrap();
    let mut server = start(home.path(), &["--json", "--seed", seed_arg, "--db", db_arg]);
    assert_eq!(server.lines.len(), 1, "only the JSON line: {:?}", server.lines);
    let ready: Value = serde_json::from_str(&server.lines[0]).unwrap();
    assert_eq!(ready["url"], format!("http://{}", server.addr));
    assert_eq!(ready["addr"], server.addr.to_string());
    assert_eq!(ready["db"], db_arg);
    assert_eq!(
        ready["accounts"][0],
        json!({ "email": "seeded@example.com", "created": true })
    );

    let (status, body) = http(server.addr, "GET", "/mock/accounts", None, None).unwrap();
    assert_eq!(status, 200, "{body}");
    let accounts: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(accounts[1]["email"], "seeded@example.com");
    assert_eq!(accounts[1]["two_factor"]["enabled"], true);
    assert_eq!(accounts[0]["risk"], "high");

    let (status, _) = http(server.addr, "POST", "/mock/reset", None, Some(&json!({}))).unwrap();
    assert_eq!(status, 204);
    let (_, body) = http(server.addr, "GET", "/mock/accounts", None, None).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap().as_array().unwrap().len(),
        2
    );
    sigterm(&server.child);
    assert!(wait_exit(&mut server.child).success());

    // Started again over the same database: the accounts are there already, and said so.
    let mut again = start(home.path(), &["--seed", seed_arg, "--db", db_arg]);
    assert_eq!(
        again.lines[0],
        "Seeded account: seeded@example.com (already there, left as it is)"
    );
    assert!(
        again.lines[2].starts_with("SmartPush mock server listening on"),
        "{:?}",
        again.lines
    );
    sigterm(&again.child);
    assert!(wait_exit(&mut again.child).success());

    let bad = home.path().join("bad.json");
    std::fs::write(&bad, "{\"accounts\": [{\"email\": 1}]}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_smartpush-auth"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--seed",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("seed file"), "{err}");
}

/// Everything answered as done before a SIGKILL (under load) is there after a restart.
#[test]
fn sigkill_under_load_loses_nothing_that_was_answered() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("mock.sqlite3");
    let db_arg = db.to_str().unwrap().to_owned();
    let server = start(home.path(), &["--db", &db_arg]);
    let addr = server.addr;

    let stop = Arc::new(AtomicBool::new(false));
    let registered = Arc::new(Mutex::new(Vec::<String>::new()));
    let sessions = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let (stop, registered, sessions) = (Arc::clone(&stop), Arc::clone(&registered), Arc::clone(&sessions));
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let email = format!("w{worker}-{i}@example.com");
                    let creds = json!({ "email": email, "password": "durable password" });
                    match http(addr, "POST", "/api/accounts", None, Some(&creds)) {
                        Ok((201, _)) => registered.lock().unwrap().push(email.clone()),
                        Ok((status, body)) => panic!("register answered {status}: {body}"),
                        Err(_) => break, // killed
                    }
                    match http(addr, "POST", "/api/session", None, Some(&creds)) {
                        Ok((200, body)) => {
                            let doc: Value = serde_json::from_str(&body).unwrap();
                            let token = doc["token"].as_str().unwrap().to_owned();
                            sessions.lock().unwrap().push((email, token));
                        }
                        Ok((status, body)) => panic!("sign-in answered {status}: {body}"),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();

    // Let the load run, then kill -9 while requests are in flight.
    let started = Instant::now();
    while sessions.lock().unwrap().len() < 12 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }
    let registered = registered.lock().unwrap().clone();
    let sessions = sessions.lock().unwrap().clone();
    assert!(sessions.len() >= 12, "only {} sign-ins before the kill", sessions.len());

    let mut restarted = start(home.path(), &["--db", &db_arg]);
    for email in &registered {
        let creds = json!({ "email": email, "password": "another password" });
        let (status, body) = http(restarted.addr, "POST", "/api/accounts", None, Some(&creds)).unwrap();
        assert_eq!(status, 409, "{email} was answered 201 but is gone: {body}");
    }
    for (email, token) in &sessions {
        let (status, body) = http(restarted.addr, "GET", "/api/account/security", Some(token), None).unwrap();
        assert_eq!(status, 200, "the session of {email} was answered but is gone: {body}");
        let doc: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["email"], *email);
    }
    sigterm(&restarted.child);
    assert!(wait_exit(&mut restarted.child).success());
}

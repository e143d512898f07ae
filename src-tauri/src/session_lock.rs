//! Locks the vault when the desktop session locks or the machine is about to sleep, where the
//! desktop reports it over D-Bus (Linux):
//!
//! | bus | signal | means |
//! |---|---|---|
//! | system | `org.freedesktop.login1.Manager.PrepareForSleep(true)` | suspend or hibernate begins |
//! | system | `org.freedesktop.login1.Session.Lock` on this process's session | `loginctl lock-session`, the desktop's lock |
//! | session | `org.freedesktop.ScreenSaver.ActiveChanged(true)` | KDE, Xfce, … screen locker on |
//! | session | `org.gnome.ScreenSaver.ActiveChanged(true)` | GNOME screen shield on |
//!
//! Each signal is watched on its own thread, started in the background so a missing bus (no
//! system bus in a container, no session bus over SSH) neither delays nor stops the app: the
//! vault then still locks after idle and by hand.

use std::sync::Arc;

use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;

use crate::state::{AppState, LockReason};

/// One signal that locks the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Watch {
    /// The interface emitting it.
    pub interface: &'static str,
    /// The signal's name.
    pub member: &'static str,
    /// Only from this object (the logind session); `None`: from any.
    pub path: Option<String>,
    /// Its first argument is a boolean and only `true` locks (`ActiveChanged(false)` is the
    /// screen unlocking, `PrepareForSleep(false)` the machine waking).
    pub when_true: bool,
    /// What the unlock screen then says.
    pub reason: LockReason,
}

impl Watch {
    const fn on(interface: &'static str, member: &'static str, when_true: bool, reason: LockReason) -> Watch {
        Watch {
            interface,
            member,
            path: None,
            when_true,
            reason,
        }
    }
}

/// The signals of the session bus.
pub(crate) fn session_bus_watches() -> Vec<Watch> {
    vec![
        Watch::on(
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            true,
            LockReason::SessionLocked,
        ),
        Watch::on(
            "org.gnome.ScreenSaver",
            "ActiveChanged",
            true,
            LockReason::SessionLocked,
        ),
    ]
}

/// The signals of the system bus: sleep, and the lock of this process's logind session when it
/// has one.
pub(crate) fn system_bus_watches(session_path: Option<String>) -> Vec<Watch> {
    let mut watches = vec![Watch::on(
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        true,
        LockReason::Sleep,
    )];
    if let Some(path) = session_path {
        watches.push(Watch {
            path: Some(path),
            ..Watch::on(
                "org.freedesktop.login1.Session",
                "Lock",
                false,
                LockReason::SessionLocked,
            )
        });
    }
    watches
}

/// Starts watching both buses in the background; each signal seen calls `state.lock_for`.
pub fn start(state: Arc<AppState>) {
    let lock: Arc<dyn Fn(LockReason) + Send + Sync> = Arc::new(move |reason| state.lock_for(reason));
    let spawned = std::thread::Builder::new().name("session-lock".into()).spawn(move || {
        if let Ok(bus) = Connection::session() {
            watch(&bus, session_bus_watches(), &lock);
        }
        if let Ok(bus) = Connection::system() {
            let session = this_session(&bus);
            watch(&bus, system_bus_watches(session), &lock);
        }
    });
    if let Err(err) = spawned {
        eprintln!("session lock: not watched: {err}");
    }
}

/// The logind session of this process, if it runs in one.
fn this_session(bus: &Connection) -> Option<String> {
    let reply = bus
        .call_method(
            Some("org.freedesktop.login1"),
            "/org/freedesktop/login1",
            Some("org.freedesktop.login1.Manager"),
            "GetSessionByPID",
            &(std::process::id(),),
        )
        .ok()?;
    let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize().ok()?;
    Some(path.as_str().to_owned())
}

/// Subscribes to each of `watches` on `bus` and calls `lock` for every matching signal, one
/// thread per signal. A subscription the bus refuses is skipped.
pub(crate) fn watch(bus: &Connection, watches: Vec<Watch>, lock: &Arc<dyn Fn(LockReason) + Send + Sync>) {
    for watch in watches {
        let Some(messages) = subscribe(bus, &watch) else {
            continue;
        };
        let lock = Arc::clone(lock);
        let spawned = std::thread::Builder::new()
            .name(format!("watch-{}", watch.member))
            .spawn(move || {
                for message in messages.flatten() {
                    let locks = !watch.when_true || message.body().deserialize::<bool>().unwrap_or(false);
                    if locks {
                        lock(watch.reason);
                    }
                }
            });
        if let Err(err) = spawned {
            eprintln!("session lock: {}.{} not watched: {err}", watch.interface, watch.member);
        }
    }
}

fn subscribe(bus: &Connection, watch: &Watch) -> Option<MessageIterator> {
    let mut rule = zbus::MatchRule::builder()
        .msg_type(Type::Signal)
        .interface(watch.interface)
        .ok()?
        .member(watch.member)
        .ok()?;
    if let Some(path) = &watch.path {
        rule = rule.path(path.as_str()).ok()?;
    }
    MessageIterator::for_match_rule(rule.build(), bus, Some(16)).ok()
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use super::*;

    /// A private D-Bus daemon, killed on drop.
    struct Daemon {
        child: Child,
        address: String,
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Starts `dbus-daemon --session` on its own socket; `None` (and a note) when it is not
    /// installed outside CI. `make deps` installs it, so in CI its absence fails the test.
    fn daemon() -> Option<Daemon> {
        let child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(err) if std::env::var_os("CI").is_none() => {
                eprintln!("skipped: dbus-daemon cannot start ({err})");
                return None;
            }
            Err(err) => panic!("dbus-daemon cannot start in CI: {err}"),
        };
        let mut address = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut address)
            .expect("dbus-daemon prints its address");
        Some(Daemon {
            child,
            address: address.trim().to_owned(),
        })
    }

    fn connect(daemon: &Daemon) -> Connection {
        zbus::blocking::connection::Builder::address(daemon.address.as_str())
            .expect("an address")
            .build()
            .expect("connects")
    }

    fn wait_for(seen: &Mutex<Vec<LockReason>>, count: usize) -> Vec<LockReason> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.lock().unwrap().len() < count && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        seen.lock().unwrap().clone()
    }

    #[test]
    fn the_lock_signals_lock_and_their_false_twins_do_not() {
        let Some(daemon) = daemon() else { return };
        let watcher = connect(&daemon);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let lock: Arc<dyn Fn(LockReason) + Send + Sync> = Arc::new(move |r| record.lock().unwrap().push(r));
        let session = "/org/freedesktop/login1/session/_31";
        let mut watches = session_bus_watches();
        watches.extend(system_bus_watches(Some(session.to_owned())));
        watch(&watcher, watches, &lock);

        let emitter = connect(&daemon);
        let emit = |path: &str, interface: &str, member: &str, arg: Option<bool>| {
            match arg {
                Some(value) => emitter.emit_signal(None::<&str>, path, interface, member, &(value,)),
                None => emitter.emit_signal(None::<&str>, path, interface, member, &()),
            }
            .expect("emits");
        };
        // Screen unlocked, machine woken, another session locked, an unrelated signal: nothing.
        emit(
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            Some(false),
        );
        emit(
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            Some(false),
        );
        emit(
            "/org/freedesktop/login1/session/_32",
            "org.freedesktop.login1.Session",
            "Lock",
            None,
        );
        emit(
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "SessionNew",
            None,
        );
        // Then each lock signal once.
        emit(
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            Some(true),
        );
        emit(
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
            "ActiveChanged",
            Some(true),
        );
        emit(
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            Some(true),
        );
        emit(session, "org.freedesktop.login1.Session", "Lock", None);

        let mut got = wait_for(&seen, 4);
        // Let a wrongly matched signal arrive, if any would.
        std::thread::sleep(Duration::from_millis(200));
        got.extend(seen.lock().unwrap().iter().skip(got.len()));
        got.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(
            got,
            vec![
                LockReason::SessionLocked,
                LockReason::SessionLocked,
                LockReason::SessionLocked,
                LockReason::Sleep
            ]
        );
    }

    #[test]
    fn a_lock_signal_locks_the_unlocked_vault_and_says_why() {
        let Some(daemon) = daemon() else { return };
        let dir = tempfile::tempdir().unwrap();
        let state = Arc::new(AppState::new(
            Some(dir.path().join("vault.spv")),
            smartpush_core::vault::KdfParams::MINIMUM,
        ));
        let password = smartpush_core::SecretString::new("a long enough password");
        let vault = smartpush_core::vault::Vault::create(
            &dir.path().join("vault.spv"),
            &password,
            smartpush_core::vault::KdfParams::MINIMUM,
        )
        .unwrap();
        state.set_unlocked(vault);
        let target = Arc::clone(&state);
        let lock: Arc<dyn Fn(LockReason) + Send + Sync> = Arc::new(move |r| target.lock_for(r));
        watch(&connect(&daemon), system_bus_watches(None), &lock);

        connect(&daemon)
            .emit_signal(
                None::<&str>,
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                &(true,),
            )
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while state.is_unlocked(Instant::now()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!state.is_unlocked(Instant::now()), "locked before sleep");
        assert_eq!(state.locked_by(Instant::now()), Some(LockReason::Sleep));
        // The user's own lock after an unlock says nothing.
        state.set_unlocked(smartpush_core::vault::Vault::open(&dir.path().join("vault.spv"), &password).unwrap());
        assert_eq!(state.locked_by(Instant::now()), None);
        state.lock();
        assert_eq!(state.locked_by(Instant::now()), None);
    }
}

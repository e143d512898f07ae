//! The app's state: where the vault lives, the unlocked [`Vault`] (if any) and the idle timer.
//!
//! One [`AppState`] is managed by Tauri; every command reaches the vault through
//! [`AppState::with_vault`], which also enforces the auto-lock: a vault idle for longer than the
//! timeout is dropped (its keys zeroized) before the command sees it; [`watch_idle`] drops it on
//! time when no command comes (the window hidden or minimised).

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use std::sync::Arc;

use smartpush_core::AccountDraft;
use smartpush_core::vault::backups::{self, BackupPolicy, BackupSettings};
use smartpush_core::vault::keychain::{self, DisabledKeyStore, KeyStore, SystemKeyStore};
use smartpush_core::vault::{KdfParams, Vault};

use crate::error::IpcError;
use crate::settings::SettingsStore;

/// Auto-lock after this much idle time unless the user chose otherwise.
pub const DEFAULT_AUTO_LOCK: Duration = Duration::from_secs(5 * 60);

/// Everything the commands share. Cheap to lock: no command holds the mutex across a KDF run
/// (unlock derives the key first, then stores the vault).
pub struct AppState {
    /// The vault file (`$SMARTPUSH_AUTH_VAULT`, else the one chosen in the settings, else the
    /// platform default); `None` when the platform has no data directory. Changes when the user
    /// picks another vault file ([`AppState::set_path`]).
    path: Mutex<Option<PathBuf>>,
    /// Key-derivation strength for new vaults (tests use the minimum).
    pub kdf: KdfParams,
    /// The system keychain for keychain unlock ([`DisabledKeyStore`] under
    /// `$SMARTPUSH_AUTH_NO_KEYCHAIN`; tests put an in-memory store here).
    pub keystore: Arc<dyn KeyStore>,
    /// The persisted settings (auto-lock, clipboard, theme, vault file…).
    pub settings: SettingsStore,
    inner: Mutex<Inner>,
    /// The outcome of an unlock started at launch (`--password-stdin`), until the UI collects it.
    startup_unlock: Mutex<Option<Receiver<Result<(), IpcError>>>>,
}

/// The mutable part, behind the mutex.
#[derive(Default)]
struct Inner {
    session: Option<Session>,
    auto_lock: Option<Duration>,
    /// Accounts read from a URI or an image, waiting for the user to pick which to add. Kept
    /// here so their secrets never cross IPC.
    pending: Vec<AccountDraft>,
    /// The accounts of an import preview, waiting for the user's choice (same reason).
    import: Vec<AccountDraft>,
    /// Where the automatic-backup policy comes from; `None`: no automatic backups.
    backups: Option<BackupSource>,
    /// The files the person chose in the save dialog this session ([`AppState::grant_save_target`]):
    /// the only paths an export may be written to, so a script in the web view cannot name one.
    save_targets: HashSet<PathBuf>,
    /// Why the vault was last locked without the user asking, until it is unlocked again.
    locked_by: Option<LockReason>,
}

/// Why the vault locked by itself, for the unlock screen to say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// Nothing was done in the app for the auto-lock delay.
    Idle,
    /// The desktop session was locked (screen saver, `loginctl lock-session`).
    SessionLocked,
    /// The machine was about to sleep.
    Sleep,
}

/// Where the app reads its automatic-backup policy, the same as the CLI: the settings file
/// (`smartpush_core::vault::backups::settings_path`) and `$SMARTPUSH_AUTH_BACKUP_DIR`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSource {
    /// The settings file the Backups dialog writes.
    pub settings_file: Option<PathBuf>,
    /// The value of `$SMARTPUSH_AUTH_BACKUP_DIR` when the app started (it overrides the folder;
    /// empty turns backups off).
    pub env_dir: Option<OsString>,
}

impl BackupSource {
    /// The user's: the settings file under the config dir and the environment variable.
    pub fn from_env() -> BackupSource {
        BackupSource {
            settings_file: backups::settings_path(),
            env_dir: std::env::var_os(backups::DIR_ENV),
        }
    }

    /// The settings (defaults when the file is missing or unreadable).
    pub fn settings(&self) -> BackupSettings {
        self.settings_file
            .as_deref()
            .and_then(|p| backups::load_settings(p).ok())
            .unwrap_or_default()
    }

    /// The policy in force.
    pub fn policy(&self) -> Option<BackupPolicy> {
        backups::policy_from(&self.settings(), self.env_dir.clone())
    }
}

/// An unlocked vault and when the user last did something.
struct Session {
    vault: Vault,
    last_activity: Instant,
}

impl AppState {
    /// State for the vault at `path`, locked, auto-locking after [`DEFAULT_AUTO_LOCK`].
    pub fn new(path: Option<PathBuf>, kdf: KdfParams) -> AppState {
        let keystore: Arc<dyn KeyStore> = if keychain::disabled_by_env() {
            Arc::new(DisabledKeyStore)
        } else {
            Arc::new(SystemKeyStore::new())
        };
        AppState {
            path: Mutex::new(path),
            kdf,
            keystore,
            settings: SettingsStore::in_memory(),
            inner: Mutex::new(Inner {
                auto_lock: Some(DEFAULT_AUTO_LOCK),
                ..Inner::default()
            }),
            startup_unlock: Mutex::new(None),
        }
    }

    /// Starts opening the vault with `password` on a thread of its own, so the key derivation
    /// runs while the window and its web view start; [`AppState::startup_unlock`] waits for it.
    pub fn begin_startup_unlock(self: &std::sync::Arc<Self>, password: smartpush_core::SecretString) {
        let (tx, rx) = mpsc::channel();
        *self.startup_unlock.lock().unwrap_or_else(|p| p.into_inner()) = Some(rx);
        let state = std::sync::Arc::clone(self);
        std::thread::spawn(move || {
            // The key derivation overlaps the window's start (which needs the CPU more) rather
            // than competing with it: on two cores it slowed the window's creation by ~50 ms.
            // Best effort: at the usual priority it only takes a little longer to appear.
            #[cfg(target_os = "linux")]
            let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10);
            let outcome = state
                .vault_path()
                .and_then(|path| Vault::open(&path, &password).map_err(IpcError::from))
                .map(|vault| state.set_unlocked(vault));
            crate::commands::app::mark("unlocked");
            // The receiver is gone only when the app is closing: nothing to report then.
            let _ = tx.send(outcome);
        });
    }

    /// Waits for the unlock started at launch and returns its outcome once (`None`: there was
    /// none, or it was already collected). Blocks: call it off the main thread.
    pub fn startup_unlock(&self) -> Option<Result<(), IpcError>> {
        let rx = self.startup_unlock.lock().unwrap_or_else(|p| p.into_inner()).take()?;
        Some(
            rx.recv()
                .unwrap_or_else(|_| Err(IpcError::Io("the unlock at start-up stopped".into()))),
        )
    }

    /// The same state with another key store (tests use an in-memory one).
    pub fn with_keystore(mut self, keystore: Arc<dyn KeyStore>) -> AppState {
        self.keystore = keystore;
        self
    }

    /// Uses these settings (loaded from their file) and applies their auto-lock delay.
    pub fn with_settings(mut self, settings: SettingsStore) -> AppState {
        self.set_auto_lock(settings.get().auto_lock());
        self.settings = settings;
        self
    }

    /// The vault path; `None` when the platform has no data directory.
    pub fn path(&self) -> Option<PathBuf> {
        self.path
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The vault path, or an error when the platform has none.
    pub fn vault_path(&self) -> Result<PathBuf, IpcError> {
        self.path().ok_or_else(|| {
            IpcError::Io("this system has no data folder for the vault; set SMARTPUSH_AUTH_VAULT".into())
        })
    }

    /// Switches to another vault file: the open vault (if any) is locked first.
    pub fn set_path(&self, path: Option<PathBuf>) {
        let mut inner = self.lock_inner();
        inner.session = None;
        inner.pending.clear();
        *self.path.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = path;
    }

    fn lock_inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-updated in a way that matters
        // more than refusing every later command: recover the data.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Where the automatic-backup policy comes from (`None`: no automatic backups, the default
    /// of [`AppState::new`]); applied to the open vault at once.
    pub fn set_backup_source(&self, source: Option<BackupSource>) {
        let mut inner = self.lock_inner();
        inner.backups = source;
        let policy = inner.backups.as_ref().and_then(BackupSource::policy);
        if let Some(session) = inner.session.as_mut() {
            session.vault.set_auto_backup(policy);
        }
    }

    /// The automatic-backup policy in force now (`None`: no automatic backups).
    pub fn backup_policy(&self) -> Option<BackupPolicy> {
        self.lock_inner().backups.as_ref().and_then(BackupSource::policy)
    }

    /// Where the automatic-backup policy comes from.
    pub fn backup_source(&self) -> Option<BackupSource> {
        self.lock_inner().backups.clone()
    }

    /// Replaces the accounts of the import preview.
    pub fn set_import(&self, drafts: Vec<AccountDraft>) {
        self.lock_inner().import = drafts;
    }

    /// Takes the import preview's accounts with these indexes (the others are dropped);
    /// out-of-range indexes are an error and leave the preview as it was.
    pub fn take_import(&self, indexes: &[usize]) -> Result<Vec<AccountDraft>, IpcError> {
        let mut inner = self.lock_inner();
        if inner.import.is_empty() {
            return Err(IpcError::Invalid(
                "nothing to import: read a file or paste text first".into(),
            ));
        }
        if let Some(bad) = indexes.iter().find(|&&i| i >= inner.import.len()) {
            return Err(IpcError::Invalid(format!("no account number {bad} in the preview")));
        }
        Ok(std::mem::take(&mut inner.import)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| indexes.contains(i))
            .map(|(_, d)| d)
            .collect())
    }

    /// Stores a freshly unlocked vault, replacing any other, with the automatic-backup policy
    /// in force.
    pub fn set_unlocked(&self, mut vault: Vault) {
        let mut inner = self.lock_inner();
        vault.set_auto_backup(inner.backups.as_ref().and_then(BackupSource::policy));
        inner.session = Some(Session {
            vault,
            last_activity: Instant::now(),
        });
        inner.pending.clear();
        inner.locked_by = None;
    }

    /// Puts `vault` in place of the unlocked one (after its password changed), keeping the idle
    /// timer; returns false, dropping `vault`, when the vault was locked meanwhile.
    pub fn replace_unlocked(&self, vault: Vault) -> bool {
        let mut inner = self.lock_inner();
        expire(&mut inner, Instant::now());
        match inner.session.as_mut() {
            Some(session) => {
                session.vault = vault;
                true
            }
            None => false,
        }
    }

    /// Records `path` as chosen by the person in the native save dialog; only such paths are
    /// written by an export ([`AppState::is_save_target`]).
    pub fn grant_save_target(&self, path: PathBuf) {
        self.lock_inner().save_targets.insert(path);
    }

    /// Whether the person chose `path` in the save dialog during this session.
    pub fn is_save_target(&self, path: &std::path::Path) -> bool {
        self.lock_inner().save_targets.contains(path)
    }

    /// Drops the unlocked vault (its keys are zeroized on drop) and any pending drafts: the
    /// user's own lock.
    pub fn lock(&self) {
        let mut inner = self.lock_inner();
        close_session(&mut inner);
        inner.locked_by = None;
    }

    /// Locks as [`AppState::lock`] does, for `reason`, which the unlock screen then shows (kept
    /// only when a vault was unlocked: locking a locked vault changes nothing).
    pub fn lock_for(&self, reason: LockReason) {
        let mut inner = self.lock_inner();
        expire(&mut inner, Instant::now());
        if inner.session.is_some() {
            close_session(&mut inner);
            inner.locked_by = Some(reason);
        }
    }

    /// Why the vault locked by itself, while it stays locked (applies the auto-lock first).
    pub fn locked_by(&self, now: Instant) -> Option<LockReason> {
        let mut inner = self.lock_inner();
        expire(&mut inner, now);
        inner.locked_by
    }

    /// Whether a vault is unlocked now (applies the auto-lock first).
    pub fn is_unlocked(&self, now: Instant) -> bool {
        let mut inner = self.lock_inner();
        expire(&mut inner, now);
        inner.session.is_some()
    }

    /// Records user activity, postponing the auto-lock.
    pub fn touch(&self, now: Instant) {
        let mut inner = self.lock_inner();
        expire(&mut inner, now);
        if let Some(session) = inner.session.as_mut() {
            session.last_activity = now;
        }
    }

    /// The auto-lock delay (`None`: never).
    pub fn auto_lock(&self) -> Option<Duration> {
        self.lock_inner().auto_lock
    }

    /// Changes the auto-lock delay (`None`: never).
    pub fn set_auto_lock(&self, delay: Option<Duration>) {
        self.lock_inner().auto_lock = delay;
    }

    /// Runs `f` on the unlocked vault, or fails with [`IpcError::NotUnlocked`] (also when the
    /// idle timeout has passed, in which case the vault is locked first).
    pub fn with_vault<T>(
        &self,
        now: Instant,
        f: impl FnOnce(&mut Vault) -> Result<T, IpcError>,
    ) -> Result<T, IpcError> {
        let mut inner = self.lock_inner();
        expire(&mut inner, now);
        match inner.session.as_mut() {
            Some(session) => f(&mut session.vault),
            None => Err(IpcError::NotUnlocked("the vault is locked".into())),
        }
    }

    /// Replaces the drafts waiting to be picked.
    pub fn set_pending(&self, drafts: Vec<AccountDraft>) {
        self.lock_inner().pending = drafts;
    }

    /// Takes the pending drafts with these indexes (others are dropped); out-of-range indexes
    /// are an error.
    pub fn take_pending(&self, indexes: &[usize]) -> Result<Vec<AccountDraft>, IpcError> {
        let mut inner = self.lock_inner();
        if let Some(bad) = indexes.iter().find(|&&i| i >= inner.pending.len()) {
            return Err(IpcError::Invalid(format!(
                "no scanned account number {bad}; scan again"
            )));
        }
        let pending = std::mem::take(&mut inner.pending);
        Ok(pending
            .into_iter()
            .enumerate()
            .filter(|(i, _)| indexes.contains(i))
            .map(|(_, d)| d)
            .collect())
    }
}

/// How often [`watch_idle`] applies the auto-lock.
pub const IDLE_CHECK: Duration = Duration::from_secs(1);

/// Applies the auto-lock every `every` on a thread of its own, so an idle vault is locked (its
/// keys dropped) on time even when nothing uses it; otherwise that would wait for its next use.
/// The thread ends once the state is gone.
pub fn watch_idle(state: &Arc<AppState>, every: Duration) {
    let state = Arc::downgrade(state);
    let spawned = std::thread::Builder::new().name("idle-lock".into()).spawn(move || {
        loop {
            std::thread::sleep(every);
            let Some(state) = state.upgrade() else { return };
            state.is_unlocked(Instant::now());
        }
    });
    if let Err(err) = spawned {
        eprintln!("auto-lock: no timer thread ({err}); an idle vault locks on its next use");
    }
}

/// Locks the vault when it has been idle for longer than the auto-lock delay.
fn expire(inner: &mut Inner, now: Instant) {
    let (Some(delay), Some(session)) = (inner.auto_lock, inner.session.as_ref()) else {
        return;
    };
    if now.saturating_duration_since(session.last_activity) >= delay {
        close_session(inner);
        inner.locked_by = Some(LockReason::Idle);
    }
}

/// Drops the unlocked vault (its keys are zeroized on drop) and what waits on it.
fn close_session(inner: &mut Inner) {
    inner.session = None;
    inner.pending.clear();
    inner.import.clear();
}

#[cfg(test)]
mod tests {
    use smartpush_core::SecretString;

    use super::*;

    /// A state whose vault (in the returned folder) is unlocked, with this auto-lock delay.
    fn unlocked(delay: Duration) -> (tempfile::TempDir, Arc<AppState>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("vault.spv");
        let vault = Vault::create(&path, &SecretString::new("pw"), KdfParams::MINIMUM).expect("vault");
        let state = Arc::new(AppState::new(Some(path), KdfParams::MINIMUM));
        state.set_unlocked(vault);
        state.set_auto_lock(Some(delay));
        (dir, state)
    }

    #[test]
    fn the_idle_watcher_locks_an_idle_vault_with_nobody_asking() {
        let (_dir, state) = unlocked(Duration::from_millis(100));
        watch_idle(&state, Duration::from_millis(10));
        // Looks without applying the auto-lock itself (every public reader would).
        let deadline = Instant::now() + Duration::from_secs(10);
        while state.lock_inner().session.is_some() {
            assert!(Instant::now() < deadline, "still unlocked long after the delay");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(state.lock_inner().locked_by, Some(LockReason::Idle));
    }

    #[test]
    fn the_idle_watcher_leaves_an_active_vault_alone_and_ends_with_the_state() {
        let (_dir, state) = unlocked(Duration::from_secs(3600));
        watch_idle(&state, Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(100));
        assert!(state.lock_inner().session.is_some());
        let weak = Arc::downgrade(&state);
        drop(state);
        // The watcher holds the state only for the instant of a check.
        let deadline = Instant::now() + Duration::from_secs(10);
        while weak.upgrade().is_some() {
            assert!(Instant::now() < deadline, "the watcher keeps the state alive");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

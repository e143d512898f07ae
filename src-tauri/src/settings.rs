//! The app's persisted settings: a small JSON file beside the user's other configuration.
//!
//! * Where: `$SMARTPUSH_AUTH_CONFIG` (a file path; tests use it), else
//!   `<config dir>/smartpush-auth/settings.json` (`~/.config/…` on Linux).
//! * Loading never fails and never crashes: a missing file gives the defaults; a file that is not
//!   valid settings (bad JSON, a wrong type, a value out of range) is renamed aside to
//!   `settings.json.damaged-<unix time>`, the defaults are used, and [`SettingsStore::take_notice`]
//!   returns one sentence for the window to show once. Missing keys take their default; unknown
//!   keys (from a newer version) are ignored.
//! * Saving is atomic: a temporary file in the same folder (mode 0600), fsync, rename, fsync of
//!   the folder. A failed save leaves the previous file as it was.
//!
//! Nothing here is secret; the settings never hold a password or a key.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Environment variable naming the settings file (overrides the default location).
pub const CONFIG_ENV: &str = "SMARTPUSH_AUTH_CONFIG";

/// Auto-lock delays accepted, in seconds.
pub const AUTO_LOCK_RANGE: std::ops::RangeInclusive<u32> = 10..=24 * 60 * 60;

/// Clipboard clearing delays accepted, in seconds.
pub const CLIPBOARD_CLEAR_RANGE: std::ops::RangeInclusive<u32> = 5..=600;

/// The longest global shortcut text accepted (e.g. `CommandOrControl+Shift+A`).
pub const MAX_SHORTCUT_LEN: usize = 64;

/// The window's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system (`prefers-color-scheme`).
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// Everything the user can set, as stored in the settings file and sent to the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// Lock the vault after this many idle seconds (at least 10); `None`: never.
    pub auto_lock_seconds: Option<u32>,
    /// Clear a copied code or recovery code from the clipboard after this many seconds (5–600),
    /// if the clipboard still holds it.
    pub clipboard_clear_seconds: u32,
    /// Light, dark, or as the system says.
    pub theme: Theme,
    /// A vault file the user chose instead of the default (`$SMARTPUSH_AUTH_VAULT` still wins).
    pub vault_path: Option<PathBuf>,
    /// Closing the window hides it in the tray instead of quitting (used by the tray).
    pub close_to_tray: bool,
    /// A system-wide shortcut that brings the window forward (used by the tray), e.g.
    /// `CommandOrControl+Shift+A`.
    pub global_shortcut: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            auto_lock_seconds: Some(300),
            clipboard_clear_seconds: 30,
            theme: Theme::System,
            vault_path: None,
            close_to_tray: false,
            global_shortcut: None,
        }
    }
}

/// Why settings were refused, or could not be saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A value is outside what the app accepts; the message says which and why.
    #[error("{0}")]
    Invalid(String),
    /// Writing the settings file failed.
    #[error("could not save the settings to {}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

impl Settings {
    /// Checks every value against the accepted ranges.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] naming the first value out of range.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if let Some(s) = self.auto_lock_seconds
            && !AUTO_LOCK_RANGE.contains(&s)
        {
            return Err(SettingsError::Invalid(format!(
                "auto-lock must be between {} seconds and {} hours (or never), not {s} seconds",
                AUTO_LOCK_RANGE.start(),
                AUTO_LOCK_RANGE.end() / 3600
            )));
        }
        if !CLIPBOARD_CLEAR_RANGE.contains(&self.clipboard_clear_seconds) {
            return Err(SettingsError::Invalid(format!(
                "the clipboard must be cleared after {} to {} seconds, not {}",
                CLIPBOARD_CLEAR_RANGE.start(),
                CLIPBOARD_CLEAR_RANGE.end(),
                self.clipboard_clear_seconds
            )));
        }
        if let Some(path) = &self.vault_path
            && !path.is_absolute()
        {
            return Err(SettingsError::Invalid(format!(
                "the vault path must be absolute, not {}",
                path.display()
            )));
        }
        if let Some(shortcut) = &self.global_shortcut
            && (shortcut.trim().is_empty()
                || shortcut.len() > MAX_SHORTCUT_LEN
                || shortcut.chars().any(char::is_control))
        {
            return Err(SettingsError::Invalid(format!(
                "a global shortcut is a short key combination such as CommandOrControl+Shift+A (at most {MAX_SHORTCUT_LEN} characters)"
            )));
        }
        Ok(())
    }

    /// The auto-lock delay as a duration (`None`: never).
    pub fn auto_lock(&self) -> Option<std::time::Duration> {
        self.auto_lock_seconds.map(|s| std::time::Duration::from_secs(s.into()))
    }
}

/// Where the settings file is: `$SMARTPUSH_AUTH_CONFIG`, else
/// `<config dir>/smartpush-auth/settings.json`; `None` when the platform has no config folder.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os(CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("smartpush-auth").join("settings.json")))
}

/// The vault file to use: `$SMARTPUSH_AUTH_VAULT` when set (it wins, as for the command line),
/// else the file chosen in `settings`, else the platform default.
pub fn vault_path(settings: &Settings) -> Option<PathBuf> {
    std::env::var_os(smartpush_core::vault::VAULT_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| settings.vault_path.clone())
        .or_else(smartpush_core::vault::default_path)
}

/// The settings in force, the file they persist to, and a notice for the window.
#[derive(Debug)]
pub struct SettingsStore {
    file: Option<PathBuf>,
    current: Mutex<Settings>,
    notice: Mutex<Option<String>>,
}

impl SettingsStore {
    /// Defaults that are never written anywhere (tests, and platforms without a config folder).
    pub fn in_memory() -> SettingsStore {
        SettingsStore {
            file: None,
            current: Mutex::new(Settings::default()),
            notice: Mutex::new(None),
        }
    }

    /// Loads the settings from `file` (see the module documentation: never fails; a damaged
    /// file is renamed aside and leaves a notice). `now` is the Unix time used in that name.
    pub fn load(file: Option<PathBuf>, now: u64) -> SettingsStore {
        let (settings, notice) = match &file {
            Some(path) => read(path, now),
            None => (Settings::default(), None),
        };
        SettingsStore {
            file,
            current: Mutex::new(settings),
            notice: Mutex::new(notice),
        }
    }

    /// The file the settings are saved to, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The settings in force.
    pub fn get(&self) -> Settings {
        lock(&self.current).clone()
    }

    /// Validates `settings`, writes them to the file (when there is one), then makes them the
    /// settings in force. Nothing changes when validation or the write fails.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`], [`SettingsError::Io`].
    pub fn set(&self, settings: Settings) -> Result<(), SettingsError> {
        settings.validate()?;
        let mut current = lock(&self.current);
        if let Some(file) = &self.file {
            save(file, &settings)?;
        }
        *current = settings;
        Ok(())
    }

    /// The sentence explaining that the settings file was damaged and set aside, once: later
    /// calls return `None`.
    pub fn take_notice(&self) -> Option<String> {
        lock(&self.notice).take()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads the settings file; see [`SettingsStore::load`].
fn read(path: &Path, now: u64) -> (Settings, Option<String>) {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (Settings::default(), None),
        Err(e) => {
            // Unreadable (permissions…): use the defaults, keep the file as it is.
            return (
                Settings::default(),
                Some(format!(
                    "The settings file {} could not be read ({e}); the default settings are in use.",
                    path.display()
                )),
            );
        }
    };
    let parsed = serde_json::from_slice::<Settings>(&bytes)
        .map_err(|e| match e.classify() {
            // serde_json's messages quote no value from a file like this one except a bad
            // theme name or number: nothing secret lives here, so the reason may be shown.
            serde_json::error::Category::Data => format!("a value is not understood: {e}"),
            _ => "it is not valid JSON".to_owned(),
        })
        .and_then(|s| s.validate().map(|()| s).map_err(|e| e.to_string()));
    match parsed {
        Ok(settings) => (settings, None),
        Err(reason) => {
            let aside = aside_name(path, now);
            let kept = match fs::rename(path, &aside) {
                Ok(()) => format!("it was kept as {}", aside.display()),
                Err(e) => format!("it could not be renamed aside ({e}) and will be replaced at the next change"),
            };
            (
                Settings::default(),
                Some(format!(
                    "The settings file {} was damaged ({reason}); {kept}. The default settings are in use.",
                    path.display()
                )),
            )
        }
    }
}

/// `NAME.damaged-<now>`, or `NAME.damaged-<now>-<n>` when taken.
fn aside_name(path: &Path, now: u64) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "settings.json".into(), |n| n.to_string_lossy().into_owned());
    (0u32..)
        .map(|n| match n {
            0 => path.with_file_name(format!("{name}.damaged-{now}")),
            n => path.with_file_name(format!("{name}.damaged-{now}-{n}")),
        })
        .find(|p| fs::symlink_metadata(p).is_err())
        .unwrap_or_else(|| path.with_file_name(format!("{name}.damaged")))
}

/// Writes `settings` to `path` atomically (temporary file, fsync, rename, fsync of the folder),
/// creating the folder (mode 0700) when needed.
fn save(path: &Path, settings: &Settings) -> Result<(), SettingsError> {
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SettingsError::Io { path: p, source }
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    smartpush_core::folder::create_private(dir).map_err(io_err(dir))?;

    let mut json = serde_json::to_vec_pretty(settings).map_err(|e| SettingsError::Io {
        path: path.to_path_buf(),
        source: io::Error::other(e),
    })?;
    json.push(b'\n');
    let name = path
        .file_name()
        .map_or_else(|| "settings.json".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(&json)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(SettingsError::Io {
            path: path.to_path_buf(),
            source: e,
        });
    }
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_in(dir: &Path) -> (PathBuf, SettingsStore) {
        let path = dir.join("conf").join("settings.json");
        let store = SettingsStore::load(Some(path.clone()), 1_700_000_000);
        (path, store)
    }

    #[test]
    fn a_missing_file_gives_the_defaults_and_no_notice() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, store) = store_in(dir.path());
        let s = store.get();
        assert_eq!(s.auto_lock_seconds, Some(300));
        assert_eq!(s.clipboard_clear_seconds, 30);
        assert_eq!(s.theme, Theme::System);
        assert_eq!((s.vault_path, s.close_to_tray, s.global_shortcut), (None, false, None));
        assert_eq!(store.take_notice(), None);
        assert!(!path.exists(), "loading writes nothing");
    }

    #[test]
    fn saved_settings_load_back_and_missing_keys_take_their_default() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, store) = store_in(dir.path());
        let chosen = Settings {
            auto_lock_seconds: None,
            clipboard_clear_seconds: 5,
            theme: Theme::Dark,
            vault_path: Some(dir.path().join("other.spv")),
            close_to_tray: true,
            global_shortcut: Some("CommandOrControl+Shift+A".into()),
        };
        store.set(chosen.clone()).expect("saves");
        assert_eq!(SettingsStore::load(Some(path.clone()), 0).get(), chosen);
        let json: serde_json::Value = serde_json::from_slice(&fs::read(&path).expect("read")).expect("JSON");
        assert_eq!(json["theme"], "dark");
        assert_eq!(json["auto_lock_seconds"], serde_json::Value::Null);

        fs::write(&path, r#"{"theme": "light", "from_a_newer_version": 1}"#).expect("write");
        let store = SettingsStore::load(Some(path.clone()), 0);
        assert_eq!(
            store.get(),
            Settings {
                theme: Theme::Light,
                ..Settings::default()
            }
        );
        assert_eq!(store.take_notice(), None);
    }

    #[test]
    fn a_damaged_file_is_set_aside_with_a_notice_shown_once() {
        let cases: [&[u8]; 4] = [
            b"{ this is not json",
            br#"{"theme": "purple"}"#,
            br#"{"clipboard_clear_seconds": 2}"#,
            b"[1, 2, 3]",
        ];
        for content in cases {
            let dir = tempfile::tempdir().expect("temp dir");
            let (path, _) = store_in(dir.path());
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(&path, content).expect("write");
            let store = SettingsStore::load(Some(path.clone()), 1_700_000_000);
            assert_eq!(store.get(), Settings::default());
            let notice = store.take_notice().expect("a notice");
            assert!(
                notice.contains("damaged") && notice.contains("settings.json.damaged-1700000000"),
                "{notice}"
            );
            assert_eq!(store.take_notice(), None, "shown once");
            let aside = path.with_file_name("settings.json.damaged-1700000000");
            assert_eq!(fs::read(&aside).expect("kept aside"), content);
            assert!(!path.exists(), "not overwritten silently");

            // A second damaged file in the same second does not replace the first one aside.
            fs::write(&path, content).expect("write");
            let _ = SettingsStore::load(Some(path.clone()), 1_700_000_000);
            assert!(path.with_file_name("settings.json.damaged-1700000000-1").exists());
            assert_eq!(fs::read(&aside).expect("first"), content);
        }
    }

    #[test]
    fn saving_is_atomic_private_and_refuses_bad_values_without_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, store) = store_in(dir.path());
        store.set(Settings::default()).expect("saves");
        let before = fs::read(&path).expect("read");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
            // Issue 14: the folder made for it is private too.
            let folder = path.parent().expect("parent");
            assert_eq!(fs::metadata(folder).expect("meta").permissions().mode() & 0o777, 0o700);
        }
        let bad = Settings {
            clipboard_clear_seconds: 4,
            ..Settings::default()
        };
        assert!(matches!(store.set(bad), Err(SettingsError::Invalid(_))));
        assert_eq!(fs::read(&path).expect("read"), before, "unchanged");
        assert_eq!(store.get(), Settings::default());
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("settings.json")],
            "no temporary file left"
        );

        // A write that cannot happen (the target is a folder) leaves the settings in force.
        let blocked = dir.path().join("blocked");
        fs::create_dir_all(blocked.join("settings.json")).expect("mkdir");
        let store = SettingsStore::load(Some(blocked.join("settings.json")), 0);
        let err = store
            .set(Settings {
                theme: Theme::Dark,
                ..Settings::default()
            })
            .expect_err("cannot write");
        assert!(matches!(err, SettingsError::Io { .. }), "{err}");
        assert_eq!(store.get().theme, Theme::System);
        assert_eq!(
            fs::read_dir(&blocked).expect("dir").count(),
            1,
            "temporary file removed"
        );
    }

    #[test]
    fn validation_bounds() {
        let with = |f: &dyn Fn(&mut Settings)| {
            let mut s = Settings::default();
            f(&mut s);
            s.validate().is_ok()
        };
        assert!(with(&|s| s.auto_lock_seconds = Some(10)));
        assert!(!with(&|s| s.auto_lock_seconds = Some(9)));
        assert!(with(&|s| s.auto_lock_seconds = Some(86_400)));
        assert!(!with(&|s| s.auto_lock_seconds = Some(86_401)));
        assert!(with(&|s| s.auto_lock_seconds = None));
        assert!(with(&|s| s.clipboard_clear_seconds = 5));
        assert!(!with(&|s| s.clipboard_clear_seconds = 4));
        assert!(with(&|s| s.clipboard_clear_seconds = 600));
        assert!(!with(&|s| s.clipboard_clear_seconds = 601));
        assert!(!with(&|s| s.vault_path = Some("relative/vault.spv".into())));
        assert!(with(&|s| s.global_shortcut = Some("Alt+F1".into())));
        assert!(!with(&|s| s.global_shortcut = Some("  ".into())));
        assert!(!with(&|s| s.global_shortcut = Some("A".repeat(65))));
    }

    #[test]
    fn the_environment_names_the_file() {
        // Read only: tests run in parallel, so this one does not set the variable.
        match std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
            Some(v) => assert_eq!(default_path(), Some(PathBuf::from(v))),
            None => assert!(default_path().is_none_or(|p| p.ends_with("smartpush-auth/settings.json"))),
        }
    }
}

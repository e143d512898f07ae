//! The reference window of `make bench-app`: a bare Tauri window built with the same crates,
//! features, configuration (window size, CSP) and profile as the app, showing one line of text.
//!
//! Its page reports when it has painted by calling the `mark` command after two animation frames,
//! which prints `bench: first-paint <unix ms>` like the app's `bench_mark`; `start` and `window`
//! mark the same phases as the app's marks of those names. The app's own page is replaced by two
//! small in-memory assets, so nothing of the app's UI or state is loaded.
//!
//! With `$BENCH_BARE_PAGE` naming a folder, the page is that folder's files instead: bench-app
//! puts a static copy of the app's first screen there (ui/src/bench/first-screen.test.ts), to
//! measure what painting that screen costs by itself.

use std::borrow::Cow;

use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::{App, Assets, Runtime};

const INDEX: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SmartPush Authenticator</title>
<script type="module" src="/bare.js"></script></head>
<body><p>Bare window</p></body></html>"#;

const SCRIPT: &str = r#"requestAnimationFrame(() => requestAnimationFrame(() =>
  window.__TAURI_INTERNALS__.invoke("mark", { label: "first-paint" })));"#;

/// Environment variable naming a folder whose files are served instead of the bare page.
const PAGE_ENV: &str = "BENCH_BARE_PAGE";

/// The two files of the bare page.
struct BarePage;

/// A file of the folder named by [`PAGE_ENV`]: only plain names directly inside it.
fn page_file(key: &str) -> Option<Vec<u8>> {
    let dir = std::env::var_os(PAGE_ENV)?;
    let name = key.strip_prefix('/')?;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    std::fs::read(std::path::Path::new(&dir).join(name)).ok()
}

impl<R: Runtime> Assets<R> for BarePage {
    fn setup(&self, _app: &App<R>) {}

    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        if std::env::var_os(PAGE_ENV).is_some() {
            return page_file(key.as_ref()).map(Cow::Owned);
        }
        match key.as_ref() {
            "/index.html" => Some(Cow::Borrowed(INDEX.as_bytes())),
            "/bare.js" => Some(Cow::Borrowed(SCRIPT.as_bytes())),
            _ => None,
        }
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(
            [("/index.html", INDEX), ("/bare.js", SCRIPT)]
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v.as_bytes()))),
        )
    }

    fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

/// Prints the mark, as the app's `bench_mark` does.
#[tauri::command]
fn mark(label: String) {
    let label: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    println!("bench: {label} {ms}");
}

fn main() {
    mark("start".into());
    let mut context = tauri::tauri_build_context!();
    context.set_assets(Box::new(BarePage));
    if let Err(err) = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![mark])
        .setup(|_| {
            // As the app's: the window and its web view exist.
            mark("window".into());
            Ok(())
        })
        .run(context)
    {
        eprintln!("bare window: {err}");
        std::process::exit(1);
    }
}

//! Commands about the application itself.

use serde::Serialize;
use tauri::{AppHandle, Runtime};

/// What the UI shows about the running app (its "About" line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    /// Product name, from `tauri.conf.json` (`productName`).
    pub name: String,
    /// Version of the desktop app.
    pub version: String,
    /// Version of the `smartpush-core` crate compiled into the app.
    pub core_version: String,
}

/// Returns the app's name and version and the core's version.
#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
        core_version: smartpush_core::VERSION.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;
    use tauri::{WebviewWindow, WebviewWindowBuilder};

    fn request(cmd: &str) -> InvokeRequest {
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux (`http://tauri.localhost` counts as remote there).
            url: "tauri://localhost".parse().expect("static URL parses"),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        }
    }

    /// A mock app with the real command registration, and its main webview.
    fn mock_app() -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
        let app = mock_builder()
            .invoke_handler(crate::invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app builds");
        let webview = WebviewWindowBuilder::new(&app, crate::MAIN_WINDOW, Default::default())
            .build()
            .expect("mock webview builds");
        (app, webview)
    }

    #[test]
    fn app_info_goes_through_ipc_and_reports_the_package_and_the_core() {
        let (app, webview) = mock_app();

        let body = get_ipc_response(&webview, request("app_info")).expect("app_info answers");
        let info: serde_json::Value = body.deserialize().expect("app_info returns JSON");

        let package = app.package_info();
        assert_eq!(info["name"], package.name.as_str());
        assert_eq!(info["version"], package.version.to_string());
        assert_eq!(info["core_version"], smartpush_core::VERSION);
        assert_eq!(
            info.as_object().map(|o| o.len()),
            Some(3),
            "exactly name, version, core_version: {info}"
        );
    }

    #[test]
    fn an_unknown_command_is_rejected() {
        let (_app, webview) = mock_app();
        assert!(get_ipc_response(&webview, request("no_such_command")).is_err());
    }
}

//! Build script of the desktop app: tauri-build reads `tauri.conf.json` and `capabilities/`,
//! checks the permissions, generates the ACL schemas into `gen/` (git-ignored) and writes the
//! app context (embedded `ui/dist`, icons, config) that `tauri::tauri_build_context!()` includes.
//!
//! Generating the context here rather than with `generate_context!()` lets Cargo rebuild the app
//! when `ui/dist` or an icon changes: a proc macro cannot declare those files as inputs.

fn main() {
    let attributes = tauri_build::Attributes::new().codegen(tauri_build::CodegenContext::new());
    if let Err(err) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero; the message is all the user sees.
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}

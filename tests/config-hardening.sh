#!/usr/bin/env bash
# The desktop app's security configuration (docs/security.md, "A page in the webview"): a strict
# CSP with no remote source, no global Tauri object, frozen prototypes, no devtools window
# option, and a capability set that grants no permission to the webview. Reads the files only.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import glob, json, sys

problems = []
conf = json.load(open("tauri.conf.json"))
app = conf["app"]
sec = app["security"]
csp = sec.get("csp")
if not isinstance(csp, dict):
    problems.append("the CSP is not set as directives")
    csp = {}
want = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "object-src": "'none'",
    "base-uri": "'none'", "form-action": "'none'", "frame-ancestors": "'none'", "frame-src": "'none'",
    "worker-src": "'none'",
}
for k, v in want.items():
    if csp.get(k) != v:
        problems.append(f"CSP {k} is {csp.get(k)!r}, expected {v!r}")
for k, v in csp.items():
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "https:", "http:*", "*", "'wasm-unsafe-eval'"):
        if bad in v.split():
            problems.append(f"CSP {k} allows {bad}")
    for source in v.split():
        if source.startswith(("http://", "https://")) and source != "http://ipc.localhost":
            problems.append(f"CSP {k} allows the remote source {source}")
if csp.get("connect-src") != "ipc: http://ipc.localhost":
    problems.append(f"CSP connect-src is {csp.get('connect-src')!r}")
for key in ("dangerousDisableAssetCspModification", "dangerousRemoteDomainIpcAccess", "assetProtocol", "pattern"):
    if key in sec:
        problems.append(f"security.{key} is set")
if sec.get("freezePrototype") is not True:
    problems.append("freezePrototype is not true")
if app.get("withGlobalTauri") is not False:
    problems.append("withGlobalTauri is not false")
for w in app.get("windows", []):
    if w.get("devtools"):
        problems.append(f"window {w.get('label')} opens devtools")
    url = w.get("url", "")
    if "://" in url:
        problems.append(f"window {w.get('label')} loads a remote URL {url}")
if "devUrl" in conf.get("build", {}):
    problems.append("build.devUrl is set (the window would load from a dev server)")
for path in sorted(glob.glob("capabilities/*")):
    cap = json.load(open(path))
    if cap.get("permissions"):
        problems.append(f"{path} grants permissions: {cap['permissions']}")
    if cap.get("remote"):
        problems.append(f"{path} lets remote URLs use IPC: {cap['remote']}")
    # Our two windows, both on the app's own bundle: the main window and the quick-copy palette.
    if sorted(cap.get("windows") or []) != ["main", "palette"]:
        problems.append(f"{path} applies to windows {cap.get('windows')}")
cargo = open("Cargo.toml").read()
for line in cargo.splitlines():
    if line.startswith("tauri =") and "devtools" in line:
        problems.append("the tauri dependency enables devtools in every build")
if problems:
    print("config-hardening: FAIL")
    for p in problems:
        print("  -", p)
    sys.exit(1)
print("config-hardening: ok (CSP, capabilities, window options, tauri features)")
PY

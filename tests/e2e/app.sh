#!/usr/bin/env bash
# Runs tests/e2e/app.py against the built app through tauri-driver + WebKitWebDriver, inside
# Xvfb and a private D-Bus session, with a private vault and XDG folders. Screenshots land in
# target/e2e/shots (and are copied to docs/screenshots when UPDATE_SCREENSHOTS=1).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export APP_BIN=${APP_BIN:-$root/target/debug/smartpush-authenticator}
export SHOTS=$root/target/e2e/shots
# E2E_THEME=dark runs the window with GTK's dark preference (prefers-color-scheme: dark).
if [[ ${E2E_THEME:-} == dark ]]; then
  export GTK_THEME=Adwaita:dark SHOT_SUFFIX=-dark
fi

if [[ ${1:-} == --inside ]]; then
  tauri-driver --port 4444 --native-port 4445 >"$root/target/e2e/tauri-driver.log" 2>&1 &
  driver=$!
  trap 'kill $driver 2>/dev/null || true; wait $driver 2>/dev/null || true' EXIT
  # Both ports must answer before a session is created (waiting for 4444 alone fails often).
  for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/4445) 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  python3 "$root/tests/e2e/app.py"
  exit
fi

[[ -x $APP_BIN ]] || { echo "app-e2e: no app binary at $APP_BIN (run 'make build')" >&2; exit 1; }
for tool in tauri-driver WebKitWebDriver xvfb-run dbus-run-session dbus-send oathtool xclip display python3; do
  command -v "$tool" >/dev/null || { echo "app-e2e: $tool is missing (make deps installs it)" >&2; exit 1; }
done
python3 -c 'import selenium' 2>/dev/null || { echo "app-e2e: python3 selenium is missing (make deps)" >&2; exit 1; }

mkdir -p "$SHOTS"
# The QR code the test shows on the screen, drawn by the core.
cargo build -q -p smartpush-core --example qr_png
export QR_PNG_FILE=$root/target/e2e/smartpush-qr.png
"$root/target/debug/examples/qr_png" \
  'otpauth://totp/SmartPush:bob%40example.com?secret=GEZDGNBVGY3TQOJQ&issuer=SmartPush' >"$QR_PNG_FILE"
rm -f "$SHOTS"/*"${SHOT_SUFFIX:-}".png
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/config" "$tmp/cache"
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

status=0
env XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  SMARTPUSH_AUTH_VAULT="$tmp/vault.spv" SMARTPUSH_AUTH_CONFIG="$tmp/config/settings.json" \
  timeout --kill-after=10 300 \
  xvfb-run -a -s '-screen 0 1280x800x24' \
  dbus-run-session -- bash "$root/tests/e2e/app.sh" --inside || status=$?

if ((status == 0)) && [[ ${UPDATE_SCREENSHOTS:-} == 1 ]]; then
  mkdir -p "$root/docs/screenshots"
  cp "$SHOTS"/*"${SHOT_SUFFIX:-}".png "$root/docs/screenshots/"
fi
if ((status == 0)); then echo "app-e2e: passed"; else echo "app-e2e: FAILED (status $status)" >&2; fi
exit "$status"

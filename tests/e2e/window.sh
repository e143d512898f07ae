#!/usr/bin/env bash
# End-to-end: the built app opens a window titled "SmartPush Authenticator" on a virtual display
# and draws its UI. Runs under Xvfb and a private D-Bus session, with its own XDG directories,
# leaves no process behind, and saves a screenshot to target/e2e/window.png.
#
# Usage: tests/e2e/window.sh            (APP_BIN, E2E_TIMEOUT and E2E_MIN_COLOURS override defaults)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
app=${APP_BIN:-$root/target/debug/smartpush-authenticator}
title="SmartPush Authenticator"
timeout_s=${E2E_TIMEOUT:-60}
# A blank display is 1 colour and an empty white page a handful; text and icons give hundreds.
min_colours=${E2E_MIN_COLOURS:-64}
out=$root/target/e2e
shot=$out/window.png
log=$out/app.log

# --- Inside the virtual display and the D-Bus session ---------------------------------------
if [[ ${1:-} == --inside ]]; then
  "$app" >"$log" 2>&1 &
  pid=$!
  stop_app() {
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  }
  trap stop_app EXIT

  deadline=$((SECONDS + timeout_s))
  window=""
  until window=$(xdotool search --name "^${title}\$" 2>/dev/null | head -n 1) && [[ -n $window ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "window: the app exited before opening its window" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "window: no window named \"$title\" after ${timeout_s}s" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "window: found \"$(xdotool getwindowname "$window")\" ($(xwininfo -id "$window" | awk '/Width:/{w=$2} /Height:/{h=$2} END{print w "x" h}'))"

  # The window maps before the web view paints: retake the screenshot until the UI shows.
  colours=0
  while :; do
    import -window root "$shot"
    colours=$(identify -format %k "$shot")
    ((colours >= min_colours)) && break
    if ((SECONDS >= deadline)); then
      echo "window: the screenshot stayed blank ($colours colours < $min_colours after ${timeout_s}s)" >&2
      exit 1
    fi
    sleep 1
  done
  echo "window: screenshot $shot ($colours colours)"
  exit 0
fi

# --- Outside: set up, run the inside part, check, clean up ----------------------------------
fail() {
  echo "window: FAILED: $*" >&2
  echo "window: 0 passed, 1 failed"
  exit 1
}

[[ -x $app ]] || fail "no app binary at $app (run 'make build' first)"
for tool in xvfb-run dbus-run-session xdotool xwininfo import identify; do
  command -v "$tool" >/dev/null || fail "$tool is missing (make deps installs it)"
done

mkdir -p "$out"
rm -f "$shot" "$log"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/config" "$tmp/cache"
# Never talk to the developer's own session bus or display.
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

# Isolated user files, set for the test's processes only (not this shell: see strays below).
# HOME stays as it is (rustup and other tools look there).
status=0
env XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  timeout --kill-after=10 $((timeout_s + 30)) \
  xvfb-run -a -s '-screen 0 1280x800x24' \
  dbus-run-session -- bash "$root/tests/e2e/window.sh" --inside || status=$?

# Every process the test started inherited XDG_DATA_HOME=$tmp/data: none may outlive it.
strays() {
  local env_file
  for env_file in /proc/[0-9]*/environ; do
    # Unreadable entries (other users, vanished processes) are not ours.
    if grep -qsxzF "XDG_DATA_HOME=$tmp/data" "$env_file"; then
      env_file=${env_file#/proc/}
      echo "${env_file%/environ}"
    fi
  done
}
left=""
for _ in $(seq 30); do
  left=$(strays)
  [[ -z $left ]] && break
  sleep 0.2
done
if [[ -n $left ]]; then
  ps -o pid,args -p "$(paste -sd, <<<"$left")" >&2 || true
  kill -KILL $left 2>/dev/null || true
  fail "processes outlived the test (killed): $(paste -sd' ' <<<"$left")"
fi

if ((status != 0)); then
  [[ -s $log ]] && { echo "window: app log (last 20 lines):" >&2; tail -n 20 "$log" >&2; }
  fail "see the messages above (exit status $status)"
fi
echo "window: 1 passed, 0 failed"

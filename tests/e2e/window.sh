#!/usr/bin/env bash
# End-to-end through the real window, on a virtual display (Xvfb) with a private D-Bus session and
# private XDG directories:
#   1. the built app opens a window titled exactly "SmartPush Authenticator" and draws its UI
#      (screenshot saved to target/e2e/window.png, checked not blank);
#   2. a second launch exits at once and leaves one window (single instance);
#   3. the global shortcut (Ctrl+Alt+A) opens the quick-copy palette, Escape hides it;
#   4. with close-to-tray on, closing the window hides it and the app keeps running; a second
#      launch shows and focuses it again.
# (The palette is found by its UTF-8 title, _NET_WM_NAME, among the app's visible windows: in the
# C locale, where CI runs (`env -i`), GTK cannot write the title's em dash into the legacy WM_NAME
# and leaves it out, so `xdotool search --name` never saw the palette that had opened.)
# No process may outlive the run. Closes with "window: N passed, M failed".
#
# Usage: tests/e2e/window.sh     (env APP_BIN, E2E_TIMEOUT, E2E_MIN_COLOURS override the defaults)
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
results=$out/results
palette_title="Quick copy — SmartPush Authenticator"
tests=(opens-and-renders single-instance palette-shortcut close-to-tray-then-focus)

# --- Inside the virtual display and the D-Bus session ---------------------------------------
if [[ ${1:-} == --inside ]]; then
  pass() { echo "pass $1" >>"$results"; echo "window: ok: $1"; }
  fail() { echo "fail $1" >>"$results"; echo "window: FAILED: $1: $2" >&2; exit 1; }
  windows() { xdotool search --onlyvisible --name "^${title}\$" 2>/dev/null || true; }
  # The app's visible windows whose _NET_WM_NAME is the palette's title (see the top: WM_NAME,
  # which `xdotool search --name` reads, has no title in the C locale).
  palettes() {
    local w
    for w in $(xdotool search --onlyvisible --pid "$pid" 2>/dev/null); do
      # xprop prints UTF-8 as such only in a UTF-8 locale (octal escapes otherwise).
      [[ $(LC_ALL=C.UTF-8 xprop -id "$w" -notype _NET_WM_NAME 2>/dev/null) == "_NET_WM_NAME = \"$palette_title\"" ]] &&
        echo "$w"
    done
    return 0
  }
  # Waits up to $2 seconds for the command $1 to print something (1) or nothing (0: with $3=gone).
  wait_for() {
    local until=$((SECONDS + $2))
    while :; do
      if [[ ${3:-} == gone ]]; then [[ -z $($1) ]] && return 0; else [[ -n $($1) ]] && return 0; fi
      ((SECONDS < until)) || return 1
      sleep 0.3
    done
  }

  # Close-to-tray on for this run (test 4); the setting's placeholder is this variable.
  SMARTPUSH_AUTH_CLOSE_TO_TRAY=1 "$app" >"$log" 2>&1 &
  pid=$!
  stop_app() {
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  }
  trap stop_app EXIT

  # 1. The window appears, then the web view paints (retake the screenshot until it does).
  deadline=$((SECONDS + timeout_s))
  until [[ -n $(windows) ]]; do
    kill -0 "$pid" 2>/dev/null || fail opens-and-renders "the app exited before opening its window"
    ((SECONDS < deadline)) || fail opens-and-renders "no window named \"$title\" after ${timeout_s}s"
    sleep 0.5
  done
  window=$(windows | head -n 1)
  echo "window: found \"$(xdotool getwindowname "$window")\"," \
    "$(xwininfo -id "$window" | awk '/Width:/ {w = $2} /Height:/ {h = $2} END {print w "x" h}')"
  while :; do
    import -window root "$shot"
    colours=$(identify -format %k "$shot")
    ((colours >= min_colours)) && break
    ((SECONDS < deadline)) ||
      fail opens-and-renders "the screenshot stayed blank ($colours colours < $min_colours after ${timeout_s}s)"
    sleep 1
  done
  echo "window: screenshot $shot ($colours colours)"
  pass opens-and-renders

  # 2. A second launch hands over to the first over D-Bus and exits 0.
  second=0
  timeout 30 "$app" >>"$log" 2>&1 || second=$?
  ((second == 0)) || fail single-instance "the second launch exited with status $second"
  kill -0 "$pid" 2>/dev/null || fail single-instance "the first instance died"
  count=$(windows | wc -l)
  ((count == 1)) || fail single-instance "$count windows named \"$title\" after a second launch"
  pass single-instance

  # 3. The palette shortcut (a global X11 grab; xdotool's XTEST events reach it) opens the palette
  #    over the main window; Escape, handled by the palette's page, hides it through Rust.
  xdotool key --clearmodifiers ctrl+alt+a
  wait_for palettes 20 || fail palette-shortcut "no window named \"$palette_title\" after Ctrl+Alt+A"
  palette=$(palettes | head -n 1)
  echo "window: palette open, $(xwininfo -id "$palette" | awk '/Width:/ {w = $2} /Height:/ {h = $2} END {print w "x" h}')"
  sleep 1 # the page's first paint and key handler
  xdotool key --window "$palette" Escape 2>/dev/null || true
  xdotool key Escape
  wait_for palettes 10 gone || fail palette-shortcut "Escape did not hide the palette"
  kill -0 "$pid" 2>/dev/null || fail palette-shortcut "the app died"
  pass palette-shortcut

  # 4. Close the main window as a window manager would: it hides, the app keeps running; a second
  #    launch shows it again and gives it the focus.
  python3 "$root/tests/e2e/wm_close.py" "$window" || fail close-to-tray-then-focus "could not send WM_DELETE_WINDOW"
  wait_for windows 10 gone || fail close-to-tray-then-focus "the window is still shown after a close request"
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail close-to-tray-then-focus "closing the window quit the app (close-to-tray is on)"
  second=0
  timeout 30 "$app" >>"$log" 2>&1 || second=$?
  ((second == 0)) || fail close-to-tray-then-focus "the second launch exited with status $second"
  wait_for windows 10 || fail close-to-tray-then-focus "a second launch did not show the hidden window"
  shown=$(windows | head -n 1)
  focus=""
  for _ in $(seq 20); do
    focus=$(xdotool getwindowfocus 2>/dev/null || true)
    [[ $focus == "$shown" ]] && break
    sleep 0.25
  done
  [[ $focus == "$shown" ]] ||
    fail close-to-tray-then-focus "the shown window $shown does not have the focus (focus: ${focus:-none})"
  pass close-to-tray-then-focus
  exit 0
fi

# --- Outside: set up, run the inside part, check for strays, count --------------------------
# Tests that did not record a pass count as failed; so does a broken harness (extra_failures).
extra_failures=0
summary() {
  local passed failed
  passed=$(grep -c '^pass ' "$results" 2>/dev/null || true)
  failed=$((${#tests[@]} - passed + extra_failures))
  echo "window: $passed passed, $failed failed"
  ((failed == 0))
}
abort() {
  echo "window: FAILED: $*" >&2
  summary || true
  exit 1
}

mkdir -p "$out"
rm -f "$shot" "$log" "$results"
[[ -x $app ]] || abort "no app binary at $app (run 'make build' first)"
for tool in xvfb-run dbus-run-session xdotool xwininfo import identify; do
  command -v "$tool" >/dev/null || abort "$tool is missing (make deps installs it)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/config" "$tmp/cache"
# Never talk to the developer's own session bus or display.
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

# Private user files, set for the test's processes only (not for this shell: see strays below).
# HOME stays as it is (rustup and other tools look there).
status=0
env XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  timeout --kill-after=10 $((timeout_s + 60)) \
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
  extra_failures=1
  abort "processes outlived the test (killed): $(paste -sd' ' <<<"$left")"
fi

if ((status != 0)); then
  if [[ -s $log ]]; then
    echo "window: app log (last 20 lines):" >&2
    tail -n 20 "$log" >&2
  fi
  # Every test passed yet the run failed: Xvfb, D-Bus or the timeout broke down.
  [[ $(grep -c '^pass ' "$results" 2>/dev/null || true) != "${#tests[@]}" ]] || extra_failures=1
  echo "window: the virtual display session exited with status $status" >&2
fi
summary

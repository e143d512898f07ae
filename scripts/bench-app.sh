#!/usr/bin/env bash
# make bench-app: the desktop app against a bare Tauri window built the same way (same crates,
# features, configuration and release profile: src-tauri/benches/bare_window.rs), under Xvfb.
#
#   time   launch → the first codes painted, the app started with --password-stdin on a vault of
#          1,000 accounts at the default key-derivation strength (so the unlock is included),
#          against launch → first paint of the bare window. Goal: at most 1.2× the bare window.
#   memory resident memory (RSS and PSS) of all the app's processes — the app and its WebKit
#          processes — idle, 5 s after the first paint. Goal: at most 1.3× the bare window.
#
# Runs alternate between the two, BENCH_APP_RUNS each (default 7); medians are compared. The marks
# both print on the way (process start, window created; the app also: unlocked, first screen
# answered) are reported as phases, so a regression shows where it is.
# BENCH_APP_PROFILE=debug compares the two debug builds instead (a quicker, rougher look);
# BENCH_APP_NO_BUILD=1 measures the binaries already built (no cargo run, e.g. after `make package`);
# BENCH_APP_ACCOUNTS sets the vault's size. Measure on a quiet machine only: other load moves the
# bare window's own time by seconds.
# Exits non-zero only when it cannot measure (BENCH_STRICT=1: also when a goal is missed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

runs=${BENCH_APP_RUNS:-7}
accounts=${BENCH_APP_ACCOUNTS:-1000}
time_goal=1.2
mem_goal=1.3
profile=${BENCH_APP_PROFILE:-release}
case $profile in
  release) build_flag=--release ;;
  debug) build_flag= ;;
  *) echo "bench-app: BENCH_APP_PROFILE is release or debug, not '$profile'" >&2; exit 2 ;;
esac
app=$root/target/$profile/smartpush-authenticator
bare=$root/target/$profile/examples/bare-window
cli=$root/target/$profile/smartpush-auth

if [[ ${1:-} != --inside ]]; then
  for tool in xvfb-run dbus-run-session; do
    command -v "$tool" >/dev/null || { echo "bench-app: $tool is missing (make deps installs it)." >&2; exit 1; }
  done
  if [[ ${BENCH_APP_NO_BUILD:-0} != 1 ]]; then
    echo "bench-app: building $profile binaries (app, bare window, CLI)…" >&2
    # As `make package` builds it: tauri's custom-protocol feature is what `tauri build` turns on.
    cargo build $build_flag --quiet --features tauri/custom-protocol -p smartpush-authenticator \
      --bin smartpush-authenticator --example bare-window
    cargo build $build_flag --quiet -p smartpush-auth
  fi

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/data" "$tmp/config" "$tmp/cache"
  # The app prints its "bench: first-code" mark only with this set (commands/app.rs bench_mark).
  export BENCH_TMP=$tmp SMARTPUSH_AUTH_VAULT=$tmp/vault.spv SMARTPUSH_AUTH_BENCH=1
  password="bench-app password $$"
  # 1,000 accounts, imported as an otpauth URI list through the CLI.
  python3 - "$accounts" >"$tmp/accounts.txt" <<'EOF'
import base64, hashlib, sys
for i in range(int(sys.argv[1])):
    secret = base64.b32encode(hashlib.sha1(f"bench-{i}".encode()).digest()).decode().rstrip("=")
    print(f"otpauth://totp/Service%20{i}:user{i}@example.com?secret={secret}&issuer=Service%20{i}")
EOF
  SMARTPUSH_AUTH_PASSWORD=$password "$cli" init >/dev/null
  SMARTPUSH_AUTH_PASSWORD=$password "$cli" import "$tmp/accounts.txt" >/dev/null
  printf '%s\n' "$password" >"$tmp/password"
  # The floor: the app's first screen as a static page (built CSS + rendered markup, no script) in
  # the bare window. Needs the built UI (ui/dist) and its node modules; skipped without them.
  if ls ui/dist/assets/*.css >/dev/null 2>&1 && [[ -d ui/node_modules ]] &&
    (cd ui && BENCH_SNAPSHOT_OUT="$tmp/page" npx vitest run src/bench/first-screen.test.ts >"$tmp/snapshot.log" 2>&1) &&
    [[ -f $tmp/page/index.html ]]; then
    export BENCH_PAGE_DIR=$tmp/page
  else
    echo "bench-app: no static first screen (ui/dist or ui/node_modules missing?): $(tail -n 3 "$tmp/snapshot.log" 2>/dev/null)" >&2
  fi
  unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY
  env XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
    xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- bash "$0" --inside
  exit
fi

# --- Inside the virtual display and the D-Bus session ----------------------------------------
now_ms() { date +%s%3N; }

# All processes of the tree rooted at $1 (the WebKit processes are the app's children).
tree() {
  local pid=$1 child
  echo "$pid"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do tree "$child"; done
}

# Sum of a field of smaps_rollup (Rss or Pss, kB) over the tree.
memory_kb() {
  local field=$1 total=0 pid kb
  for pid in $(tree "$2"); do
    kb=$(awk -v f="$field:" '$1 == f {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# run LABEL MARK CMD… : launch, wait for "bench: MARK <ms>", print "<ms to mark> <rss kB> <pss kB>".
run() {
  local mark=$1 out=$BENCH_TMP/out.$$ start pid stamp="" deadline
  shift
  : >"$out"
  start=$(now_ms)
  if [[ $1 == "$app" ]]; then
    "$@" --password-stdin <"$BENCH_TMP/password" >"$out" 2>/dev/null &
  else
    "$@" </dev/null >"$out" 2>/dev/null &
  fi
  pid=$!
  deadline=$((SECONDS + 60))
  while [[ -z $stamp ]]; do
    stamp=$(awk -v m="$mark" '$1 == "bench:" && $2 == m {print $3; exit}' "$out")
    if ((SECONDS > deadline)) || ! kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      echo "bench-app: no '$mark' mark from $1 within 60 s" >&2
      return 1
    fi
    [[ -n $stamp ]] || sleep 0.01
  done
  # Every mark of the run, after launch: the phases (bench_mark in the app, mark in the bare window).
  awk -v s="$start" '$1 == "bench:" {printf "%s=%d ", $2, $3 - s} END {print ""}' "$out" \
    >>"$BENCH_TMP/phases.${PHASES:-$(basename "$1")}"
  sleep 5
  echo "$((stamp - start)) $(memory_kb Rss "$pid") $(memory_kb Pss "$pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 0.5
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: >"$BENCH_TMP/app" && : >"$BENCH_TMP/bare" && : >"$BENCH_TMP/static"
# One warm-up of each (page cache, fontconfig cache), not counted.
run first-paint "$bare" >/dev/null
run first-code "$app" >/dev/null
[[ -z ${BENCH_PAGE_DIR:-} ]] || BENCH_BARE_PAGE=$BENCH_PAGE_DIR run first-paint "$bare" >/dev/null
rm -f "$BENCH_TMP"/phases.*
for i in $(seq "$runs"); do
  run first-paint "$bare" >>"$BENCH_TMP/bare"
  run first-code "$app" >>"$BENCH_TMP/app"
  if [[ -n ${BENCH_PAGE_DIR:-} ]]; then
    BENCH_BARE_PAGE=$BENCH_PAGE_DIR PHASES=static run first-paint "$bare" >>"$BENCH_TMP/static"
  fi
  echo "bench-app: run $i/$runs: bare $(tail -n1 "$BENCH_TMP/bare" | cut -d' ' -f1) ms, app $(tail -n1 "$BENCH_TMP/app" | cut -d' ' -f1) ms${BENCH_PAGE_DIR:+, static first screen $(tail -n1 "$BENCH_TMP/static" | cut -d' ' -f1) ms}" >&2
done

col() { cut -d' ' -f"$2" "$BENCH_TMP/$1" | median; }

# "name=ms …" lines → "name median, …" in the order of the first run's marks.
phases() {
  awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (!(kv[1] in n)) order[++k] = kv[1]; v[kv[1], ++n[kv[1]]] = kv[2] } }
    END {
      for (j = 1; j <= k; j++) {
        m = order[j]; c = n[m]
        for (a = 1; a <= c; a++) x[a] = v[m, a]
        for (a = 2; a <= c; a++) { t = x[a]; for (b = a - 1; b >= 1 && x[b] > t; b--) x[b + 1] = x[b]; x[b + 1] = t }
        printf "%s%s %d", (j > 1 ? ", " : ""), m, (c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2)
      }
      print ""
    }' "$1"
}
echo "bench-app: phases, median ms after launch: bare window: $(phases "$BENCH_TMP/phases.$(basename "$bare")")" >&2
echo "bench-app: phases, median ms after launch: app: $(phases "$BENCH_TMP/phases.$(basename "$app")")" >&2
if [[ -s $BENCH_TMP/static ]]; then
  static_ms=$(col static 1) bare_ms=$(col bare 1)
  awk -v s="$static_ms" -v b="$bare_ms" 'BEGIN {
    printf "bench-app: floor: the app'"'"'s first screen as a static page (no script, no IPC) in the bare window: median %d ms, %.2fx the bare window\n", s, s / b
  }' >&2
fi
app_ms=$(col app 1) bare_ms=$(col bare 1)
app_rss=$(col app 2) bare_rss=$(col bare 2)
app_pss=$(col app 3) bare_pss=$(col bare 3)
awk -v am="$app_ms" -v bm="$bare_ms" -v ar="$app_rss" -v br="$bare_rss" -v ap="$app_pss" -v bp="$bare_pss" \
  -v tg="$time_goal" -v mg="$mem_goal" -v n="$accounts" -v runs="$runs" -v profile="$profile" 'BEGIN {
  t = am / bm; m = ar / br; p = ap / bp
  printf "bench-app: %s builds; launch → first paint, bare window: median %d ms (%d runs)\n", profile, bm, runs
  printf "bench-app: launch → first code, app (%d accounts, unlock): median %d ms\n", n, am
  printf "bench-app: time ratio %.2fx (goal <= %.1fx): %s\n", t, tg, (t <= tg ? "met" : "MISSED")
  printf "bench-app: idle memory, all processes: bare RSS %.0f MiB / PSS %.0f MiB; app RSS %.0f MiB / PSS %.0f MiB\n", br / 1024, bp / 1024, ar / 1024, ap / 1024
  printf "bench-app: memory ratio RSS %.2fx, PSS %.2fx (goal <= %.1fx): %s\n", m, p, mg, (m <= mg ? "met" : "MISSED")
  exit ((t <= tg && m <= mg) ? 0 : 3)
}' || {
  status=$?
  [[ $status -eq 3 && ${BENCH_STRICT:-0} != 1 ]] || exit "$status"
}

#!/usr/bin/env bash
# `smartpush-auth scan --screen` (and `--clipboard` when xclip is installed) under Xvfb: put a
# QR code on a virtual screen and read the URI back. Every wait is bounded.
#
# usage: tests/scan-screen.sh            (builds the debug binaries when BIN is not set)
# needs: xvfb-run (Debian xvfb), display (imagemagick); xclip optional.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
finish() { echo "scan-screen: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

for tool in xvfb-run display; do
    if ! command -v "$tool" >/dev/null; then
        fail "prerequisites" "$tool is not installed (apt-get install xvfb imagemagick)"
        finish
    fi
done

if [ -z "${BIN:-}" ]; then
    cargo build -q -p smartpush-auth -p smartpush-core --example qr_png || { fail "build"; finish; }
    BIN=target/debug/smartpush-auth
fi
QR_PNG=${QR_PNG:-target/debug/examples/qr_png}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
URI='otpauth://totp/SmartPush:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=SmartPush'
"$QR_PNG" "$URI" >"$work/code.png" || { fail "generate the QR code"; finish; }

# The part that runs inside the virtual X server: writes one result line per check.
cat >"$work/inside.sh" <<'INSIDE'
set -u
work=$1 bin=$2 uri=$3
# Show the code: a plain window at an odd offset, so nothing lines up by chance.
display -geometry +137+93 "$work/code.png" &
viewer=$!
got=""
for _ in $(seq 1 50); do                      # up to ~10 s for the window to be mapped
    got=$("$bin" scan --screen 2>"$work/screen.err") && break
    sleep 0.2
done
kill "$viewer" 2>/dev/null; wait "$viewer" 2>/dev/null
if [ "$got" = "$uri" ]; then echo "PASS scan --screen"; else echo "FAIL scan --screen: got '$got' ($(tail -n1 "$work/screen.err"))"; fi

# Dark mode: the code inverted on a dark screen.
convert "$work/code.png" -negate "$work/inverted.png" 2>/dev/null
if [ -s "$work/inverted.png" ]; then
    display -geometry +600+400 -background black "$work/inverted.png" &
    viewer=$!
    got=""
    for _ in $(seq 1 50); do
        got=$("$bin" scan --screen 2>"$work/screen.err") && break
        sleep 0.2
    done
    kill "$viewer" 2>/dev/null; wait "$viewer" 2>/dev/null
    if [ "$got" = "$uri" ]; then echo "PASS scan --screen (inverted)"; else echo "FAIL scan --screen (inverted): got '$got'"; fi
fi

# An empty screen: nothing found is an error, not a hallucination. (Retried like the others
# while the capture itself fails, e.g. the X server still busy with the closed viewer.)
for _ in $(seq 1 10); do
    out=$("$bin" scan --screen 2>"$work/empty.err") && break
    grep -q "cannot capture the screen" "$work/empty.err" || break
    sleep 0.3
done
if [ -n "$out" ]; then
    echo "FAIL empty screen: printed '$out'"
elif grep -q "no QR code found" "$work/empty.err"; then
    echo "PASS empty screen"
else
    echo "FAIL empty screen: $(cat "$work/empty.err")"
fi

if command -v xclip >/dev/null; then
    xclip -selection clipboard -t image/png -i "$work/code.png" &
    owner=$!
    got=""
    for _ in $(seq 1 25); do
        got=$("$bin" scan --clipboard 2>"$work/clip.err") && break
        sleep 0.2
    done
    kill "$owner" 2>/dev/null; wait "$owner" 2>/dev/null
    if [ "$got" = "$uri" ]; then echo "PASS scan --clipboard"; else echo "FAIL scan --clipboard: got '$got' ($(tail -n1 "$work/clip.err"))"; fi
else
    echo "SKIP scan --clipboard (xclip not installed)"
fi
INSIDE

results=$(timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" bash "$work/inside.sh" "$work" "$BIN" "$URI" 2>&1)
status=$?
while IFS= read -r line; do
    case $line in
        PASS\ *) pass "${line#PASS }" ;;
        FAIL\ *) fail "${line#FAIL }" ;;
        SKIP\ *) echo "skip ${line#SKIP }" ;;
    esac
done <<<"$results"
if [ "$status" -ne 0 ] && [ $((passed + failed)) -eq 0 ]; then
    fail "xvfb-run" "exit $status: $results"
fi
finish

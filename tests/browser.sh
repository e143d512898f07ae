#!/usr/bin/env bash
# The mock server's web pages in headless Chromium: sign up, sign in, enable 2FA with the QR code
# read from the page, recovery codes (Copy code, Download code), sign in with TOTP, exports with
# step-up, disable, the outbox page, CSRF and CSP (tests/browser/pages_test.py, Selenium).
# Screenshots: target/browser/*.png.
#
# usage: tests/browser.sh        (builds the debug CLI unless BIN is set)
# needs: chromium, chromium-driver (scripts/deps.sh installs them), python3 with venv (PyPI: selenium)
set -u
cd "$(dirname "$0")/.."

fail() {
    echo "FAIL $1"
    echo "browser: 0 passed, 1 failed"
    exit 1
}

for tool in chromium chromedriver python3; do
    command -v "$tool" >/dev/null || fail "prerequisites: $tool is not installed (run scripts/deps.sh: apt-get install chromium chromium-driver python3-venv)"
done
if [ -z "${BIN:-}" ]; then
    cargo build -q -p smartpush-auth || fail "build"
    export BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/smartpush-auth
fi
py=$(scripts/pyvenv.sh) || fail "python environment (scripts/pyvenv.sh)"
# Selenium must not look for drivers on the network: the Debian driver is given explicitly.
export SE_OFFLINE=true
timeout 300 "$py" tests/browser/pages_test.py
status=$?
[ "$status" -eq 124 ] && fail "timed out after 300 s"
exit "$status"

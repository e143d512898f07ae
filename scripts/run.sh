#!/usr/bin/env bash
# `make run`: opens the desktop app when there is a display; otherwise says so plainly and runs
# the headless part instead (the mock server when the CLI has one, else the CLI's help).
# Never fails for want of a display.
set -euo pipefail
cd "$(dirname "$0")/.."

app=target/debug/smartpush-authenticator
cli=target/debug/smartpush-auth

if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
  exec "$app" "$@"
fi

echo 'No display found ($DISPLAY and $WAYLAND_DISPLAY are empty): the desktop window cannot open here.'
if [[ ! -x $cli ]]; then
  echo "The command-line tool ($cli) is not built yet either: nothing else to run."
  exit 0
fi
if "$cli" serve --help >/dev/null 2>&1; then
  echo "Running the mock SmartPush server instead: $cli serve --demo (Ctrl-C stops it)."
  exec "$cli" serve --demo
fi
echo "Here is the command-line tool instead ($cli):"
echo
"$cli" --help
echo
echo "The mock SmartPush server (smartpush-auth serve) arrives with issue #4."

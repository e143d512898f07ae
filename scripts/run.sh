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
echo "Starting what runs headless instead: the mock SmartPush server with its demo account."
echo "Open the printed address in a browser; Ctrl-C stops it. The vault is reachable with $cli (see --help)."
exec "$cli" serve --demo

#!/usr/bin/env bash
# The .deb end to end, on this machine (`make test-package`, which builds it first; `.ci/run` calls
# that after `make test`):
#   contents   the app, smartpush-auth, the desktop entry and the icon set are in the package, and
#              its Depends name WebKitGTK, GTK 3 and the tray's appindicator library;
#   install    `apt-get install ./…deb` (as root, or through sudo) succeeds;
#   cli        `smartpush-auth --version` from PATH prints the workspace version, and it reads a
#              vault made before the install;
#   desktop    `desktop-file-validate` accepts the installed entry; its Exec and Icon resolve;
#   window     the INSTALLED app opens and renders its window under Xvfb, single instance, palette
#              shortcut, close-to-tray (tests/e2e/window.sh with APP_BIN=/usr/bin/…);
#   remove     `apt-get remove` deletes every file it installed and leaves the user's vault as it was.
# Closes with "package: N passed, M failed".
#
# tests/*.sh all run in `make test`; this one only when SMARTPUSH_TEST_PACKAGE=1 (set by
# `make test-package`), since it needs a release build and changes the system's packages.
set -euo pipefail

if [[ ${SMARTPUSH_TEST_PACKAGE:-} != 1 ]]; then
  echo "package: skipped here (installs a .deb; run 'make test-package')"
  exit 0
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tests=(contents install cli desktop window remove)
passed=0
failed=0
pass() { echo "package: ok: $1"; passed=$((passed + 1)); }
fail() { echo "package: FAILED: $1: $2" >&2; failed=$((failed + 1)); }
finish() {
  echo "package: $passed passed, $((${#tests[@]} - passed)) failed"
  ((passed == ${#tests[@]}))
}

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "package: needs root or sudo to install the .deb" >&2; finish; exit 1; }
  sudo=(sudo)
fi
for tool in dpkg-deb desktop-file-validate apt-get; do
  command -v "$tool" >/dev/null || { echo "package: $tool is missing (make deps installs it)" >&2; finish; exit 1; }
done

shopt -s nullglob
debs=(target/release/bundle/deb/*.deb)
shopt -u nullglob
if ((${#debs[@]} != 1)); then
  echo "package: expected one .deb in target/release/bundle/deb, found ${#debs[@]} (run 'make package')" >&2
  finish
  exit 1
fi
deb=$root/${debs[0]}
name=$(dpkg-deb -f "$deb" Package)
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)
echo "package: $deb ($(du -k "$deb" | cut -f1) KiB), package $name $(dpkg-deb -f "$deb" Version)"
if dpkg-query -W -f='${db:Status-Abbrev}' "$name" 2>/dev/null | grep -q '^ii'; then
  echo "package: $name is already installed here; remove it first (this test installs and removes it)" >&2
  finish
  exit 1
fi

tmp=$(mktemp -d)
installed=0
cleanup() {
  if ((installed)); then "${sudo[@]}" apt-get remove -y -qq "$name" >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- contents -------------------------------------------------------------------------------
# The path is everything after the five columns of `tar tv` (it may hold spaces).
dpkg-deb -c "$deb" | sed -E 's/^([^ ]+ +){5}//; s|^\./||; s|^|/|' >"$tmp/files"
missing=()
for f in /usr/bin/smartpush-authenticator /usr/bin/smartpush-auth \
  "/usr/share/applications/SmartPush Authenticator.desktop" \
  /usr/share/icons/hicolor/32x32/apps/smartpush-authenticator.png \
  /usr/share/icons/hicolor/64x64/apps/smartpush-authenticator.png \
  /usr/share/icons/hicolor/128x128/apps/smartpush-authenticator.png \
  /usr/share/icons/hicolor/256x256@2/apps/smartpush-authenticator.png \
  /usr/share/icons/hicolor/512x512/apps/smartpush-authenticator.png \
  /usr/share/icons/hicolor/scalable/apps/smartpush-authenticator.svg; do
  grep -qxF "$f" "$tmp/files" || missing+=("$f")
done
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  grep -q "\b$dep\b" <<<"$depends" || missing+=("Depends: $dep")
done
if ((${#missing[@]})); then
  fail contents "missing: ${missing[*]} (package holds: $(paste -sd' ' "$tmp/files"))"
else
  pass contents
fi

# A user's vault, made with the freshly built CLI before the install (cheap KDF for speed).
home=$tmp/home
vault=$home/.local/share/smartpush-auth/vault.spv
export SMARTPUSH_AUTH_PASSWORD="package test password"
HOME=$home target/release/smartpush-auth init --kdf-memory-mib 19 --kdf-iterations 2 --kdf-parallelism 1 >/dev/null
HOME=$home target/release/smartpush-auth add 'otpauth://totp/SmartPush:me@example.com?secret=JBSWY3DPEHPK3PXP&issuer=SmartPush' >/dev/null
before=$(sha256sum "$vault" | cut -d' ' -f1)

# --- install --------------------------------------------------------------------------------
if DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$deb" >"$tmp/apt.log" 2>&1; then
  installed=1
  pass install
else
  fail install "apt-get install failed: $(tail -n 5 "$tmp/apt.log")"
  finish
  exit 1
fi
dpkg-query -L "$name" >"$tmp/installed"

# --- cli ------------------------------------------------------------------------------------
cli=$(command -v smartpush-auth || true)
out=$(cd / && smartpush-auth --version 2>&1 || true)
listed=$(cd / && HOME=$home smartpush-auth list 2>&1 || true)
if [[ $cli != /usr/bin/smartpush-auth ]]; then
  fail cli "smartpush-auth on PATH is '${cli:-none}', not /usr/bin/smartpush-auth"
elif [[ $out != *"$version"* ]]; then
  fail cli "'smartpush-auth --version' printed '$out', not version $version"
elif [[ $listed != *SmartPush* ]]; then
  fail cli "the installed CLI did not list the user's vault: $listed"
else
  echo "package: $out"
  pass cli
fi

# --- desktop --------------------------------------------------------------------------------
entry=$(grep '^/usr/share/applications/.*\.desktop$' "$tmp/installed" | head -n 1 || true)
if [[ -z $entry ]]; then
  fail desktop "no desktop entry installed"
elif ! report=$(desktop-file-validate "$entry" 2>&1) || [[ -n $report ]]; then
  fail desktop "desktop-file-validate: $report"
else
  exec_bin=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry")
  icon=$(sed -n 's/^Icon=//p' "$entry")
  if ! command -v "$exec_bin" >/dev/null; then
    fail desktop "Exec=$exec_bin is not on PATH"
  elif [[ ! -f /usr/share/icons/hicolor/128x128/apps/$icon.png ]]; then
    fail desktop "Icon=$icon has no 128x128 PNG in hicolor"
  else
    pass desktop
  fi
fi

# --- window: the installed binary, through the window end-to-end test -----------------------
if APP_BIN=/usr/bin/smartpush-authenticator tests/e2e/window.sh; then
  pass window
else
  fail window "tests/e2e/window.sh failed on the installed app"
fi

# --- remove ---------------------------------------------------------------------------------
if ! "${sudo[@]}" apt-get remove -y -qq "$name" >"$tmp/apt.log" 2>&1; then
  fail remove "apt-get remove failed: $(tail -n 5 "$tmp/apt.log")"
else
  installed=0
  left=()
  while IFS= read -r f; do
    [[ -f $f || -L $f ]] && left+=("$f")
  done <"$tmp/installed"
  after=$(sha256sum "$vault" 2>/dev/null | cut -d' ' -f1 || true)
  if ((${#left[@]})); then
    fail remove "files left behind: ${left[*]}"
  elif command -v smartpush-auth >/dev/null; then
    fail remove "smartpush-auth is still on PATH"
  elif [[ $after != "$before" ]]; then
    fail remove "the user's vault changed or vanished"
  else
    pass remove
  fi
fi

finish

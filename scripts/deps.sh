#!/usr/bin/env bash
# Installs what building, running and testing the app needs, and nothing else.
#
# Debian/Ubuntu packages are checked with one dpkg-query call (fast when all are present) and only
# the missing ones are installed, with sudo when not root. Rust must come from rustup: Debian's
# rustc is too old for this workspace. The UI's npm packages are handled by the Makefile.
set -euo pipefail

packages=(
  # Building the Tauri app (webkit2gtk pulls gtk-3, soup-3, javascriptcore).
  libwebkit2gtk-4.1-dev build-essential pkg-config curl file libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev
  # Reference tools the tests compare against.
  oathtool argon2 zbar-tools
  # The independent reader of our encrypted Aegis export (core tests/support/aegis_decrypt.py).
  python3 python3-cryptography
  # Keychain unlock links libdbus (the Secret Service, through the keyring crate).
  libdbus-1-dev
  # A headless window, a session bus and a keyring for the tests (tests/keychain.sh).
  xvfb xauth dbus gnome-keyring libsecret-tools imagemagick xdotool x11-utils webkit2gtk-driver
  # The clipboard side of `scan --clipboard` in tests/scan-screen.sh.
  xclip
  # The mock server's pages in headless Chromium (tests/browser.sh), and the Python tools of the
  # test scripts (Selenium, schemathesis: PyPI, into target/pyvenv by scripts/pyvenv.sh).
  chromium chromium-driver python3 python3-venv
  # Benchmarks.
  hyperfine
  # make test-package: checks the installed desktop entry.
  desktop-file-utils
)
# Node from another source (nodesource, nvm) is fine: only install Debian's when there is none.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps: no dpkg-query: not a Debian-like system. Install the equivalents of: ${packages[*]}" >&2
  exit 1
fi

# "Package ii" for each installed package; unknown packages print nothing on stdout.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for pkg in "${packages[@]}"; do
  grep -qx "$pkg ii *" <<<"$installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  cat >&2 <<'MSG'
deps: cargo not found. Install Rust with rustup (Debian's rustc is too old for this project):
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh
then open a new shell (or run: . "$HOME/.cargo/env") and try again.
MSG
  exit 1
fi

# The workspace's rust-version (root Cargo.toml) is the oldest toolchain that builds it.
need=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$(dirname "$0")/../Cargo.toml" | head -n 1)
have=$(rustc --version | awk '{print $2}')
if [[ -n $need && $(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n 1) != "$need" ]]; then
  echo "deps: rustc $have is older than the required $need: run 'rustup update stable'." >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "deps: Node $(node --version) is too old: the UI build (Vite 6) needs Node 18 or newer." >&2
  exit 1
fi

# The end-to-end test drives the window through tauri-driver (from crates.io, about a minute to
# build) and Python's selenium.
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "deps: installing tauri-driver (cargo install)"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
if ! python3 -c 'import selenium' >/dev/null 2>&1; then
  echo "deps: installing Python selenium (pip)"
  python3 -m pip install --quiet selenium 2>/dev/null ||
    python3 -m pip install --quiet --user --break-system-packages selenium
fi

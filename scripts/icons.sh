#!/usr/bin/env bash
# Regenerates the app's PNG icons from icons/icon.svg with the Tauri CLI (ui/node_modules), keeping
# only what Linux bundles use. The app's build script watches these files (tauri.conf.json
# bundle.icon), so the next cargo build embeds the new ones.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! (cd ui && npx --no-install tauri icon ../icons/icon.svg --output "$work") >"$work/log" 2>&1; then
  cat "$work/log" >&2
  exit 1
fi
for png in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png; do
  cp "$work/$png" "icons/$png"
done
echo "icons: regenerated icons/{32x32,64x64,128x128,128x128@2x,icon}.png from icons/icon.svg"

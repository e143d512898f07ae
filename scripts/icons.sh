#!/usr/bin/env bash
# Regenerates the app's PNG icons from icons/icon.svg with the Tauri CLI (ui/node_modules), keeping
# only what Linux bundles use. Cargo does not track icon files, so the app's sources are touched.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd ui && npx --no-install tauri icon ../icons/icon.svg --output "$work" >/dev/null)
for png in 32x32.png 128x128.png 128x128@2x.png icon.png; do
  cp "$work/$png" "icons/$png"
done
touch src-tauri/src/lib.rs
echo "icons: regenerated icons/{32x32,128x128,128x128@2x,icon}.png from icons/icon.svg"

#!/usr/bin/env bash
# Start-up cost of the CLI against a small C tool: `smartpush-auth --version` (release build)
# versus `oathtool --version`, measured with hyperfine. Goal: at most 2x oathtool's mean.
# Prints both means and the ratio; exits non-zero only when it cannot measure (set
# BENCH_STRICT=1 to also fail when the goal is missed).
set -euo pipefail
cd "$(dirname "$0")/.."

goal=2
cli=target/release/smartpush-auth

if [[ ! -f src-tauri/cli/Cargo.toml ]]; then
  echo "bench-cli: no CLI crate (src-tauri/cli) yet: skipped."
  exit 0
fi
for tool in hyperfine oathtool; do
  command -v "$tool" >/dev/null || { echo "bench-cli: $tool is missing (make deps installs it)." >&2; exit 1; }
done

cargo build --release --quiet -p smartpush-auth

csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
hyperfine --shell=none --warmup 10 --min-runs 100 --style basic --export-csv "$csv" \
  "$cli --version" "oathtool --version" >&2

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
ours=$(awk -F, 'NR == 2 {print $2}' "$csv")
ref=$(awk -F, 'NR == 3 {print $2}' "$csv")
awk -v ours="$ours" -v ref="$ref" -v goal="$goal" 'BEGIN {
  ratio = ours / ref
  printf "bench-cli: smartpush-auth --version  mean %.2f ms\n", ours * 1000
  printf "bench-cli: oathtool --version        mean %.2f ms\n", ref * 1000
  printf "bench-cli: ratio %.2fx (goal <= %dx): %s\n", ratio, goal, (ratio <= goal ? "met" : "MISSED")
  exit (ratio <= goal ? 0 : 3)
}' || {
  status=$?
  [[ $status -eq 3 && ${BENCH_STRICT:-0} != 1 ]] || exit "$status"
}

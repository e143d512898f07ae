#!/usr/bin/env bash
# Times Debian's reference Argon2 CLI (the C implementation, package `argon2`) at the vault's
# default setting (Argon2id, 64 MiB, t=3, p=4, 32-byte output) and compares it with our Rust
# KDF as measured by `cargo bench -p smartpush-core --bench vault` (criterion's
# vault/kdf_default estimate, when present). Goal: ours ≤ 1.25 × the C reference.
#
# Usage: scripts/bench-argon2-ref.sh [RUNS]   (default 9 runs; prints the median wall time)
#        CHECK=1 scripts/bench-argon2-ref.sh  (exit 1 when the ratio exceeds 1.25)
set -euo pipefail

runs="${1:-9}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
estimates="$target/criterion/vault/kdf_default/new/estimates.json"

if ! command -v argon2 >/dev/null; then
    echo "argon2 CLI not found (apt-get install argon2)" >&2
    exit 2
fi

times=()
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    # -r prints only the raw hash: no encoding and no verification pass to time.
    echo -n password | argon2 somesalt16bytes! -id -t 3 -k 65536 -p 4 -l 32 -r >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
done
median_us=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf 'C reference argon2 (Argon2id m=65536 t=3 p=4), median of %d runs: %.1f ms\n' "$runs" "$(awk -v us="$median_us" 'BEGIN {print us / 1000}')"

if [[ -f "$estimates" ]]; then
    ours_ns=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["median"]["point_estimate"])' "$estimates")
    ratio=$(python3 -c "print(f'{$ours_ns / 1000 / $median_us:.2f}')")
    printf 'ours (criterion vault/kdf_default median): %.1f ms; ratio ours/C = %s (goal <= 1.25)\n' \
        "$(python3 -c "print($ours_ns / 1e6)")" "$ratio"
    if [[ "${CHECK:-0}" == 1 ]] && python3 -c "import sys; sys.exit(0 if $ratio <= 1.25 else 1)"; then
        exit 0
    elif [[ "${CHECK:-0}" == 1 ]]; then
        echo "our Argon2id is more than 1.25 x slower than the C reference" >&2
        exit 1
    fi
else
    echo "no criterion estimate at $estimates: run 'cargo bench -p smartpush-core --bench vault' first"
fi

#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for FUZZ_SECONDS (default 600) each, FUZZ_JOBS at a time
# (default: one per core, so each target gets a whole core for its time), niced, with cargo-fuzz
# (libFuzzer), then prints one line of figures per target. Not part of `make test`.
#
#   FUZZ_SECONDS=600 scripts/fuzz.sh            # all targets
#   FUZZ_SECONDS=60 scripts/fuzz.sh import qr_image
#   FUZZ_ENGINE=smoke scripts/fuzz.sh              # no cargo-fuzz: the core's examples/fuzz_smoke.rs
#
# Needs `cargo install cargo-fuzz`. Only a stable toolchain is required: RUSTC_BOOTSTRAP=1 lets
# it accept the -Z flags cargo-fuzz passes. Built without a sanitizer (`-s none`): the core
# forbids `unsafe`, so AddressSanitizer would mostly slow the run; debug assertions and overflow
# checks stay on. Corpora grow in fuzz/corpus/<target> (seeded from fixtures on the first run),
# crashes land in fuzz/artifacts/<target>, logs in fuzz/logs/<target>.log; all ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-600}
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(vault_open otpauth_uri migration_uri import recovery_text qr_image)
fi
engine=${FUZZ_ENGINE:-cargo-fuzz}
if [[ $engine == smoke ]]; then
  # The same target bodies (fuzz/src/lib.rs) under a mutation fuzzer without coverage feedback,
  # built with the ordinary debug profile: for machines where the instrumented release build of
  # the whole dependency tree cannot be afforded.
  nice -n 19 cargo build -p smartpush-core --example fuzz_smoke
  smoke=$root/target/debug/examples/fuzz_smoke
else
  command -v cargo-fuzz >/dev/null || { echo "fuzz: install cargo-fuzz first (cargo install cargo-fuzz)" >&2; exit 1; }
  export RUSTC_BOOTSTRAP=1
fi

cd fuzz
if [[ $engine != smoke ]]; then
  for t in "${targets[@]}"; do nice -n 19 cargo fuzz build -s none "$t"; done
fi

# Seeds: the project's own fixtures, the shared interop exports, a few QR images.
seed() { # target file [prefix-byte-in-octal]
  local dir=corpus/$1 name
  mkdir -p "$dir"
  name=$(basename "$2")${3:+-$3}
  if [[ -n ${3:-} ]]; then { printf "\\$3"; cat "$2"; } > "$dir/$name"; else cp "$2" "$dir/$name"; fi
}
interop=$root/../shared/fixtures/interop
[[ -d $interop ]] || interop=/work/shared/fixtures/interop
qrs=$root/../shared/qr-corpus/images
[[ -d $qrs ]] || qrs=/work/shared/qr-corpus/images
for t in "${targets[@]}"; do
  [[ -d corpus/$t ]] && [[ -n $(ls -A "corpus/$t") ]] && continue
  mkdir -p "corpus/$t"
  for f in seeds/"$t"/*; do [[ -e $f ]] && cp "$f" "corpus/$t/"; done
  case $t in
    vault_open)
      seed "$t" "$root/src-tauri/core/tests/fixtures/vault-v1.spavault" 000
      seed "$t" "$root/src-tauri/core/tests/fixtures/vault-v1.spavault" 001 ;;
    import)
      # The selector byte: index in Format::ALL, 10 for detection.
      for f in "$interop"/* "$root"/src-tauri/core/tests/fixtures/transfer/*; do
        [[ $f == *README* ]] && continue
        seed "$t" "$f" 012
      done
      seed "$t" "$interop/aegis_encrypted.json" 002
      seed "$t" "$interop/2fas_authenticator_encrypted_v4.2fas" 003 ;;
    otpauth_uri)
      grep -rhoE 'otpauth://[^" ]+' "$root/src-tauri/core/src/uri/tests.rs" "$interop/plain.txt" | sort -u | head -40 |
        while IFS= read -r u; do printf '%s' "$u" > "corpus/$t/$(printf '%s' "$u" | sha1sum | cut -c1-16)"; done ;;
    migration_uri)
      grep -rhoE 'otpauth-migration://offline\?data=[A-Za-z0-9%+/=_-]+' "$root/src-tauri/core/src" | sort -u |
        while IFS= read -r u; do printf '%s' "$u" > "corpus/$t/$(printf '%s' "$u" | sha1sum | cut -c1-16)"; done ;;
    qr_image)
      for f in clean_m3-01 clean_m4-00 charset_variants-01 no_qr-06 blur-04; do
        [[ -e $qrs/$f.png ]] && cp "$qrs/$f.png" "corpus/$t/"
      done ;;
  esac
done

mkdir -p logs artifacts
jobs_max=${FUZZ_JOBS:-$(nproc)}
rm -f logs/*.rc
for t in "${targets[@]}"; do
  # Wait for a free slot.
  while (($(jobs -rp | wc -l) >= jobs_max)); do sleep 2; done
  mkdir -p "artifacts/$t"
  echo "fuzz: $t for $seconds s…" >&2
  if [[ $engine == smoke ]]; then
    (
      rc=0
      nice -n 19 "$smoke" "$t" "$seconds" "corpus/$t" "artifacts/$t" > "logs/$t.log" 2>&1 || rc=$?
      echo "$rc" > "logs/$t.rc"
    ) &
  else
    # -timeout: an input slower than 10 s is a finding; -rss_limit_mb: the image limits allow
    # 512 MiB of pixels, so leave room above it.
    (
      rc=0
      nice -n 19 cargo fuzz run -s none "$t" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" > "logs/$t.log" 2>&1 || rc=$?
      echo "$rc" > "logs/$t.rc"
    ) &
  fi
done
wait
status=0
for t in "${targets[@]}"; do
  if [[ $(cat "logs/$t.rc" 2>/dev/null) != 0 ]]; then
    echo "fuzz: $t stopped with a finding (fuzz/logs/$t.log)"
    status=1
  fi
done
if [[ $engine == smoke ]]; then
  for t in "${targets[@]}"; do grep -h '^fuzz_smoke' "logs/$t.log" || echo "$t: no summary (fuzz/logs/$t.log)"; done
  exit $status
fi
printf '%-15s %12s %8s %6s %6s %6s  %s\n' target execs exec/s cov ft corpus artifacts
for t in "${targets[@]}"; do
  log=logs/$t.log
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  printf '%-15s %12s %8s %6s %6s %6s  %s\n' "$t" "$execs" "$rate" "$cov" "$ft" "$corp" "$(ls "artifacts/$t" | wc -l)"
done
exit $status

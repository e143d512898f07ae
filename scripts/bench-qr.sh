#!/usr/bin/env bash
# `make bench-qr`: scores our QR scanner on ../shared/qr-corpus (or $QR_CORPUS) and, in the same
# run, the reference decoders that are installed (libzbar as used by zbarimg; PyPI zxing-cpp).
set -eu
cd "$(dirname "$0")/.."
corpus=${QR_CORPUS:-../shared/qr-corpus}
cargo run -q --release -p smartpush-core --example qr_corpus -- "$corpus" "$@"
if command -v python3 >/dev/null; then
    python3 scripts/bench-qr-ref.py "$corpus"
else
    echo "python3 not installed: reference decoders skipped"
fi

#!/usr/bin/env bash
# `make bench-qr`: scores our QR scanner on ../shared/qr-corpus (or $QR_CORPUS) and, in the same
# run, the reference decoders that are installed (libzbar as used by zbarimg; PyPI zxing-cpp).
set -eu
cd "$(dirname "$0")/.."
corpus=${QR_CORPUS:-../shared/qr-corpus}
cargo run -q --release -p smartpush-core --example qr_corpus -- "$corpus" "$@"
if command -v python3 >/dev/null; then
    # The reference decoders come from PyPI; install them once if they are missing.
    if ! python3 -c 'import zxingcpp, PIL' 2>/dev/null; then
        python3 -m pip install --quiet zxing-cpp pillow 2>/dev/null \
            || echo "bench-qr: could not install zxing-cpp/pillow from PyPI; zxing-cpp column skipped"
    fi
    python3 scripts/bench-qr-ref.py "$corpus"
else
    echo "python3 not installed: reference decoders skipped"
fi

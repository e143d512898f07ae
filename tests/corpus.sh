#!/usr/bin/env bash
# The real-file corpus (tests/corpus/README.md): the independent decoder reads every file again and
# its result must equal the committed expected/*.json and the README's table, so an expectation
# cannot drift from the files or the decoder unnoticed; and the decoder passes its own known
# answers. The Rust side, importing each file and
# comparing it with expected/, is `cargo test -p smartpush-core --test import_corpus` (in
# `make test-rust`). Closes with "corpus: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
if python3 tests/corpus/decode.py --check; then
  passed=$((passed + 1))
else
  echo "corpus: decode.py --check found differences (python3 tests/corpus/decode.py rewrites them)"
  failed=$((failed + 1))
fi
# The decoder's own known answers (base32 partial groups, protobuf varints, label splitting).
if python3 tests/corpus/decode.py --self-test >/dev/null; then
  passed=$((passed + 1))
else
  python3 tests/corpus/decode.py --self-test | grep FAIL
  failed=$((failed + 1))
fi
echo "corpus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

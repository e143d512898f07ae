#!/usr/bin/env bash
# The example tester suite (examples/tester-suite: pytest + requests + pyotp, nothing of this
# project imported) against the real `smartpush-auth serve --json`.
#
# usage: tests/tester-suite.sh    (builds the debug CLI unless BIN is set; honours CARGO_TARGET_DIR)
set -u
cd "$(dirname "$0")/.."

fail() {
    echo "FAIL $1"
    echo "tester-suite: 0 passed, 1 failed"
    exit 1
}

if [ -z "${BIN:-}" ]; then
    cargo build -q -p smartpush-auth || fail "build"
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/smartpush-auth
fi
py=$(scripts/pyvenv.sh) || fail "python environment (scripts/pyvenv.sh)"
mkdir -p target/tester-suite
junit=target/tester-suite/junit.xml
rm -f "$junit"
SMARTPUSH_AUTH=$BIN timeout 300 "$py" -m pytest -q -p no:cacheprovider examples/tester-suite \
    --junitxml "$junit"
status=$?
[ "$status" -eq 124 ] && fail "timed out after 300 s"
[ -f "$junit" ] || fail "pytest wrote no report (exit $status)"
"$py" - "$junit" "$status" <<'PY'
import sys
import xml.etree.ElementTree as ET
junit, status = sys.argv[1], int(sys.argv[2])
passed = failed = 0
for case in ET.parse(junit).getroot().iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is None:
        passed += 1
if status != 0 and failed == 0:
    failed = 1
print(f"tester-suite: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY

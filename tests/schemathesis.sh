#!/usr/bin/env bash
# schemathesis (PyPI) against the mock server's /openapi.json: generated requests for every
# operation, every check (no 5xx, status codes, content types, headers and bodies as described,
# invalid data refused, ...). Bounded: a few examples per operation, about a minute.
#
# The destructive operations run apart: DELETE /api/session (signs the token out), POST
# /mock/reset (deletes every account) and POST /mock/clock (moves time under the sessions) are
# excluded from the generated run and called once each at the end, checked by hand; so is the
# long poll GET /mock/outbox/next (each generated call would wait up to 30 s).
# The run signs in first and sends the token with every request, so the operations behind
# sign-in are exercised, not only their 401.
#
# usage: tests/schemathesis.sh     (builds the debug CLI unless BIN is set; EXAMPLES=n per operation,
#        SEED=n for another random run)
set -u
cd "$(dirname "$0")/.."

fail() {
    echo "FAIL $1"
    echo "schemathesis: 0 passed, 1 failed"
    exit 1
}

if [ -z "${BIN:-}" ]; then
    cargo build -q -p smartpush-auth || fail "build"
    BIN=${CARGO_TARGET_DIR:-target}/debug/smartpush-auth
fi
py=$(scripts/pyvenv.sh) || fail "python environment (scripts/pyvenv.sh)"
st=$(dirname "$py")/st
examples=${EXAMPLES:-60}

work=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Cheap hashes: the run is about the description, not about Argon2's cost.
"$BIN" serve --addr 127.0.0.1:0 --db :memory: --hash-memory-kib 64 --hash-iterations 1 \
    >"$work/out" 2>"$work/log" &
server=$!
base=
for _ in $(seq 100); do
    base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/out")
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || fail "the server did not start: $(cat "$work/log")"

# Fixtures, so the operations behind ids reach their real checks instead of 404: a signed-in
# account (its token goes with every request), an open enrollment (`{id}` of the enrollment
# operations), an export step-up challenge of that session, and another account's sign-in
# challenge (risk-based e-mail verification). Written into a schemathesis.toml.
"$py" - "$base" "$work/schemathesis.toml" "$work/token" <<'PY' || fail "could not prepare the fixtures"
import json, sys, urllib.error, urllib.request
base, config, token_file = sys.argv[1:4]
def call(path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(req) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)
a = {"email": "fuzz@example.com", "password": "fuzzing password"}
b = {"email": "fuzz-risky@example.com", "password": "fuzzing password"}
call("/api/accounts", a)
call("/api/accounts", b)
token = call("/api/session", a)["token"]
enrollment = call("/api/2fa/enrollment", {"password": a["password"]}, token)["enrollment_id"]
call("/mock/risk", {"email": a["email"], "level": "high"})
# The enrollment's code is still unused: no other code e-mail to that address for 30 s.
call("/mock/clock", {"advance_seconds": 31})
export = call("/api/exports", {"kind": "contacts"}, token)["challenge_id"]
call("/mock/risk", {"email": b["email"], "level": "high"})
sign_in = call("/api/session", b)["challenge_id"]
# Schema-valid requests these operations refuse for reasons no schema can tell: 410 once the
# run's own wrong codes voided the challenge or enrollment (5 wrong codes), and 422
# `unsupported_method` for a method the challenge does not offer (it offers only e-mail here).
# The default list, plus those; never 5xx.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
GONE = json.dumps(ACCEPTED + ["410"])
GONE_OR_METHOD = json.dumps(ACCEPTED + ["410", "422"])
# POST /mock/accounts: a TOTP secret must be base32 of 80 bits or more and recovery codes 12
# characters of A-Z2-9 without 0O1I, which the schema only describes in words: 422.
SEED_VALUES = json.dumps(ACCEPTED + ["422"])
with open(config, "w") as f:
    f.write(f"""[cache]
enabled = false

[parameters]
"path.id" = "{enrollment}"

[[operations]]
include-operation-id = "resend"
parameters = {{ "path.id" = "{sign_in}" }}
checks.positive_data_acceptance.expected-statuses = {GONE}

[[operations]]
include-operation-id = "session_verify"
parameters = {{ "body.challenge_id" = "{sign_in}" }}
checks.positive_data_acceptance.expected-statuses = {GONE_OR_METHOD}

[[operations]]
include-operation-id = "export_verify"
parameters = {{ "body.challenge_id" = "{export}" }}
checks.positive_data_acceptance.expected-statuses = {GONE_OR_METHOD}

# Support's reset ends the account's sessions: never the run's own account.
[[operations]]
include-operation-id = "support_reset_2fa"
parameters = {{ "body.email" = "{b['email']}" }}

[[operations]]
include-operation-id = "create_account"
checks.positive_data_acceptance.expected-statuses = {SEED_VALUES}

[[operations]]
include-operation-id-regex = "^enrollment_(email|method|confirm|qr|resend)$"
checks.positive_data_acceptance.expected-statuses = {GONE}
""")
with open(token_file, "w") as f:
    f.write(token)
PY
token=$(cat "$work/token")

mkdir -p target/schemathesis
junit=target/schemathesis/junit.xml
rm -f "$junit"
timeout 240 "$st" --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
    --checks all \
    --max-examples "$examples" \
    --phases examples,coverage,fuzzing \
    --workers 2 \
    --seed "${SEED:-20261127}" \
    --header "Authorization: Bearer $token" \
    --exclude-operation-id reset \
    --exclude-operation-id set_clock \
    --exclude-operation-id sign_out \
    --exclude-operation-id outbox_next \
    --request-timeout 10 \
    --report junit --report-junit-path "$junit" \
    --output-truncate true \
    >"$work/st.out" 2>&1
st_status=$?
tail -n 40 "$work/st.out"
[ "$st_status" -eq 124 ] && fail "schemathesis timed out after 240 s"
[ -f "$junit" ] || fail "schemathesis wrote no report (exit $st_status)"

# The report's test cases, then the excluded operations, once each by hand.
"$py" - "$base" "$token" "$junit" "$st_status" <<'PY'
import json, sys, urllib.error, urllib.request
import xml.etree.ElementTree as ET

base, token, junit, st_status = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
passed = failed = 0
suite = ET.parse(junit).getroot()
for case in suite.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
        print(f"FAIL {case.get('name')}")
    elif case.find("skipped") is None:
        passed += 1

def call(method, path, body=None, auth=None):
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if auth:
        headers["Authorization"] = f"Bearer {auth}"
    req = urllib.request.Request(base + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def check(name, ok):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}")

status, body = call("POST", "/mock/clock", {"offset_seconds": 120})
check("POST /mock/clock (excluded from generation) answers the clock", status == 200 and json.loads(body)["offset_seconds"] == 120)
status, _ = call("POST", "/mock/clock", {"offset_seconds": 0})
check("POST /mock/clock back to real time", status == 200)
status, body = call("GET", "/api/account/security", auth=token)
check("the run's token still works after the generated requests", status == 200)
if status != 200:
    print(body.decode()[:300])
    print([e["kind"] for e in json.loads(call("GET", "/mock/events?email=fuzz%40example.com")[1])][-15:])
status, _ = call("DELETE", "/api/session", auth=token)
check("DELETE /api/session (excluded from generation) answers 204", status == 204)
status, _ = call("GET", "/api/account/security", auth=token)
check("the token is signed out", status == 401)
status, body = call("GET", "/mock/outbox/next?to=fuzz%40example.com&after=0&timeout=1")
check("GET /mock/outbox/next (excluded from generation) answers a message", status == 200 and json.loads(body)["to"] == "fuzz@example.com")
status, body = call("GET", "/mock/outbox/next?to=nobody%40example.com&timeout=1")
check("GET /mock/outbox/next answers 204 when nothing arrives", status == 204)
status, _ = call("POST", "/mock/reset")
check("POST /mock/reset without Content-Type: application/json is refused (403)", status == 403)
status, _ = call("POST", "/mock/reset", {})
check("POST /mock/reset (excluded from generation) answers 204", status == 204)
status, body = call("GET", "/mock/outbox")
check("nothing is left after the reset", status == 200 and json.loads(body) == [])
if st_status != 0 and failed == 0:
    failed += 1
    print(f"FAIL schemathesis exited with {st_status}")
print(f"schemathesis: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY

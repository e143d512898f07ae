#!/usr/bin/env bash
# Keychain unlock against a real Secret Service: its own D-Bus session (dbus-run-session) with
# gnome-keyring-daemon unlocked inside it, in a throw-away HOME, so the user's own keyring is
# never touched. Drives `smartpush-auth` end to end (enable, status, commands without any
# password, the entry removed or replaced from outside with secret-tool, a locked keyring,
# passwd, disable), then runs the `#[ignore]` Rust tests of the keyring-backed store.
#
# usage: tests/keychain.sh     (builds the CLI when BIN is not set; SKIP_RUST=1 skips the Rust tests)
# needs: dbus-run-session (dbus), gnome-keyring-daemon (gnome-keyring), secret-tool
#        (libsecret-tools), dbus-send, oathtool.
set -u
cd "$(dirname "$0")/.."
repo=$PWD

passed=0
failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
finish() { echo "keychain: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

for tool in dbus-run-session gnome-keyring-daemon secret-tool dbus-send oathtool; do
    if ! command -v "$tool" >/dev/null; then
        fail "prerequisites" "$tool is not installed (scripts/deps.sh installs dbus gnome-keyring libsecret-tools oathtool)"
        finish
    fi
done

if [ -z "${BIN:-}" ]; then
    cargo build -q -p smartpush-auth || { fail "build"; finish; }
    BIN=$repo/target/debug/smartpush-auth
fi
if [ -z "${SKIP_RUST:-}" ]; then
    # Built out here, so the session below only runs them.
    cargo test -q -p smartpush-auth --test keychain --no-run 2>/dev/null || { fail "build the Rust tests"; finish; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/run"
chmod 700 "$work/run"

# Runs inside the session; prints one PASS/FAIL line per check.
cat >"$work/inside.sh" <<'INSIDE'
set -u
bin=$1 work=$2 repo=$3
check() { if [ "$2" = 0 ]; then echo "PASS $1"; else echo "FAIL $1${3:+: $3}"; fi; }
contains() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }

# The keyring's password on stdin; it daemonizes and serves org.freedesktop.secrets.
printf 'keyring password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export SMARTPUSH_AUTH_VAULT=$work/vault.spv SMARTPUSH_AUTH_BACKUP_DIR=
unset SMARTPUSH_AUTH_PASSWORD SMARTPUSH_AUTH_NEW_PASSWORD SMARTPUSH_AUTH_NO_KEYCHAIN
pw='correct horse battery staple'
secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
with_pw() { SMARTPUSH_AUTH_PASSWORD=$pw "$bin" "$@"; }
# No password at all: no environment variable, standard input closed.
no_pw() { "$bin" "$@" <&-; }
entry_of() { "$bin" --json keychain status | sed -n 's/.*"account": "\(vault-[0-9a-f]*\)".*/\1/p'; }
# A code from `code`, compared with oathtool's (retried across a period boundary).
code_matches() {
    local got want
    for _ in 1 2; do
        got=$("$@" code SmartPush 2>"$work/code.err") || return 1
        want=$(oathtool --totp -b "$secret")
        [ "$got" = "$want" ] && return 0
    done
    return 1
}

with_pw init --kdf-memory-mib 19 --kdf-iterations 2 --kdf-parallelism 1 >/dev/null &&
    with_pw add --issuer SmartPush --account alice --secret "$secret" >/dev/null
check "init and add" $?

out=$("$bin" keychain status)
contains "$out" "Keychain unlock: off"; check "status before: off" $? "$out"

out=$(no_pw keychain enable 2>&1)
[ $? -ne 0 ] && contains "$out" "no master password"; check "enable asks for the password" $? "$out"

out=$(with_pw keychain enable)
contains "$out" "Keychain unlock is on"; check "enable" $? "$out"
entry=$(entry_of)
[ -n "$entry" ]; check "the entry is named vault-<hex>" $? "$entry"

out=$("$bin" keychain status)
contains "$out" "Entry: present, and it opens this vault"; check "status: present" $? "$out"

# Another Secret Service client sees the item under the documented attributes; it holds 32
# bytes, not the password.
found=$(secret-tool search --all service smartpush-authenticator username "$entry" 2>&1 | grep -ac "attribute.username = $entry")
[ "$found" = 1 ]; check "secret-tool finds the entry" $? "found $found"
size=$(secret-tool lookup service smartpush-authenticator username "$entry" | wc -c)
[ "$size" = 32 ] && ! secret-tool lookup service smartpush-authenticator username "$entry" | grep -aq "$pw"
check "the entry holds a 32-byte key, not the password" $? "size $size"

code_matches no_pw && [ ! -s "$work/code.err" ]
check "code with no password at all (keychain unlock), nothing on stderr" $? "$(cat "$work/code.err")"
no_pw add --issuer Other --account bob >/dev/null 2>"$work/add.err" && [ ! -s "$work/add.err" ]
check "add (a change, under the lock) with no password" $? "$(cat "$work/add.err")"

# The entry removed from outside: one clear line, then the password.
secret-tool clear service smartpush-authenticator username "$entry"
out=$("$bin" keychain status)
contains "$out" "Entry: missing"; check "status after secret-tool clear: missing" $? "$out"
err=$(no_pw code SmartPush 2>&1 >/dev/null)
[ $? -eq 1 ] && contains "$err" "has no key for this vault" && contains "$err" "no master password"
check "no entry and no password: the fallback line, then no password" $? "$err"
code_matches with_pw && contains "$(cat "$work/code.err")" "keychain unlock failed: the system keychain has no key for this vault" &&
    contains "$(cat "$work/code.err")" "using the master password" && [ "$(wc -l <"$work/code.err")" = 1 ]
check "no entry: falls back to the password with one line" $? "$(cat "$work/code.err")"

# Enabling again repairs it, under a new entry.
with_pw keychain enable >/dev/null
new_entry=$(entry_of)
[ -n "$new_entry" ] && [ "$new_entry" != "$entry" ] && code_matches no_pw
check "enable again repairs it (new entry)" $? "$entry -> $new_entry"
entry=$new_entry

# An entry holding another key (replaced from outside): a mismatch, then the password.
printf '%032d' 7 | secret-tool store --label=tampered service smartpush-authenticator username "$entry" target default application rust-keyring
out=$("$bin" keychain status)
contains "$out" "does not open this vault"; check "status: mismatch" $? "$out"
code_matches with_pw && contains "$(cat "$work/code.err")" "does not open this vault"
check "mismatch: falls back to the password" $? "$(cat "$work/code.err")"
with_pw keychain enable >/dev/null
entry=$(entry_of)
code_matches no_pw; check "enable repairs the mismatch" $?

# Opting out: the keychain is not asked.
err=$(SMARTPUSH_AUTH_NO_KEYCHAIN=1 no_pw code SmartPush 2>&1 >/dev/null)
[ $? -eq 1 ] && contains "$err" "no master password" && ! contains "$err" keychain
check "SMARTPUSH_AUTH_NO_KEYCHAIN=1 asks for the password only" $? "$err"

# passwd: needs the current password (never the keychain), keeps keychain unlock with a new entry.
err=$(no_pw passwd 2>&1 >/dev/null)
[ $? -eq 1 ] && contains "$err" "no master password"; check "passwd does not use the keychain" $? "$err"
out=$(printf '%s\n%s\n' "$pw" "a brand new password" | "$bin" --password-stdin passwd)
contains "$out" "Keychain unlock stays on"; check "passwd keeps keychain unlock" $? "$out"
new_entry=$(entry_of)
[ "$new_entry" != "$entry" ] && [ -z "$(secret-tool lookup service smartpush-authenticator username "$entry")" ]
check "passwd stores a new key under a new entry and deletes the old one" $? "$entry -> $new_entry"
entry=$new_entry
code_matches no_pw; check "code with no password after passwd" $?
SMARTPUSH_AUTH_NO_KEYCHAIN=1 with_pw list >/dev/null 2>&1
[ $? -eq 3 ]; check "the old password no longer opens it" $?
pw='a brand new password'

# A locked keyring (its unlock prompt cannot be shown here): fast fallback, not a hang.
dbus-send --session --dest=org.freedesktop.secrets --type=method_call --print-reply \
    /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
    array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
start=$(date +%s)
code_matches with_pw 2>/dev/null
status=$?
took=$(($(date +%s) - start))
[ $status = 0 ] && [ "$took" -le 15 ] && contains "$(cat "$work/code.err")" "keychain unlock failed: the system keychain is unavailable"
check "a locked keyring: falls back to the password within 15 s" $? "$took s: $(cat "$work/code.err")"
printf 'keyring password' | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1
sleep 1
code_matches no_pw; check "unlocked again: code with no password" $? "$(cat "$work/code.err")"

# disable removes the slot and the entry.
out=$(no_pw keychain disable)
contains "$out" "its key was removed"; check "disable" $? "$out"
[ -z "$(secret-tool lookup service smartpush-authenticator username "$entry")" ]
check "disable deletes the entry" $?
out=$("$bin" keychain status)
contains "$out" "Keychain unlock: off"; check "status after disable: off" $? "$out"
err=$(no_pw code SmartPush 2>&1 >/dev/null)
[ $? -eq 1 ] && contains "$err" "no master password" && ! contains "$err" keychain
check "after disable the password is needed again" $? "$err"

if [ -z "${SKIP_RUST:-}" ]; then
    (cd "$repo" && cargo test -q -p smartpush-auth --test keychain -- --ignored >"$work/rust.log" 2>&1)
    check "Rust tests of the Secret Service store (--ignored)" $? "$(tail -n 15 "$work/rust.log")"
fi
INSIDE

# The Secret Service keeps its keyrings under $HOME/.local/share/keyrings: a throw-away HOME.
# cargo and rustup still need theirs.
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
results=$(HOME=$work/home XDG_DATA_HOME=$work/home/.local/share XDG_RUNTIME_DIR=$work/run \
    timeout 300 dbus-run-session -- bash "$work/inside.sh" "$BIN" "$work" "$repo" 2>"$work/session.err")
rc=$?
while IFS= read -r line; do
    case "$line" in
    PASS*) pass "${line#PASS }" ;;
    FAIL*) fail "${line#FAIL }" ;;
    esac
done <<<"$results"
if [ $rc -ne 0 ]; then
    fail "the session ended with status $rc" "$(grep -v 'fd limit' "$work/session.err" | tail -n 5)"
fi
[ $((passed + failed)) -gt 1 ] || fail "no checks ran"
finish

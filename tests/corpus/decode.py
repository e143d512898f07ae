#!/usr/bin/env python3
"""Independent decoder of the real-file corpus (tests/corpus).

Reads every file listed in manifest.json with its own code (Python 3.11 standard library, plus
python3-cryptography for AES-GCM), never with SmartPush's Rust code, and writes what each file
holds, as the app that wrote it would show it, into expected/<file>.json:

    {"file", "format",
     "accounts":   [{"type", "issuer", "account", "secret_hex", "secret_base32", "algorithm",
                     "digits", "period" (TOTP, Steam) | "counter" (HOTP), "note", "tags"}],
     "duplicates": [{"issuer", "account"}],   entries equal to an earlier one (issuer, account, secret)
     "failed":     [{"issuer", "account", "reason"}],   entries no app can give codes for
     "skipped":    [{"issuer", "account", "reason"}]}   entries the writer itself hides (Ente's trash)

Usage:
    decode.py            rewrite expected/ and the corpus table of README.md
    decode.py --check    exit 1 when expected/ or README.md differ from what is decoded now
    decode.py --self-test  known answers for the decoder's own base32, protobuf and label rules

Conventions (README.md says the same):
* Secrets are compared as bytes (secret_hex). Base32 is read the way Google Authenticator's
  Base32String and FreeOTP read it: case-insensitive, spaces, dashes and '=' ignored, 5 bits per
  letter, a byte emitted for every 8 bits gathered; bits left over at the end (a partial group:
  2, 4, 1 or 3 letters past the last full 8) are dropped. secret_base32 is those bytes encoded
  again (RFC 4648, upper case, no padding). A letter outside A-Z2-7 fails the entry.
* Labels (issuer, account, tags) are trimmed and runs of white space made one space.
* An otpauth label `Issuer:account` (or a Google Authenticator entry name of that form) is split
  at its first ':'; an `issuer` parameter / field wins over the prefix, and when the label starts
  with exactly that issuer and ':', that is what is removed.
* TOTP and HOTP take 6 to 10 digits (Aegis's limit), Steam is always SHA1, 5 digits, 30 s; a
  period must be 1 to 3600 s; SHA1, SHA256 and SHA512 only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import urllib.parse
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
MANIFEST = HERE / "manifest.json"
README = HERE / "README.md"


class EntryFailure(Exception):
    """An entry that cannot give codes; args[0] is the reason class."""


# ---------------------------------------------------------------------------------------------
# Values


def clean(text) -> str:
    if text is None:
        return ""
    return " ".join(str(text).split())


B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def b32_bytes(text: str) -> bytes:
    """Base32 as Google Authenticator reads it: trailing partial-group bits dropped."""
    letters = re.sub(r"[\s=-]", "", text or "").upper()
    if not letters:
        raise EntryFailure("missing-secret")
    out = bytearray()
    buffer = bits = 0
    for c in letters:
        v = B32.find(c)
        if v < 0:
            raise EntryFailure("invalid-secret")
        buffer = ((buffer << 5) | v) & 0xFFFF
        bits += 5
        if bits >= 8:
            out.append((buffer >> (bits - 8)) & 0xFF)
            bits -= 8
    if not out:
        raise EntryFailure("invalid-secret")
    return bytes(out)


def b32_text(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def algorithm(name) -> str:
    a = (name or "SHA1").strip().upper().replace("-", "") or "SHA1"
    if a not in ("SHA1", "SHA256", "SHA512"):
        raise EntryFailure("unsupported-algorithm")
    return a


def integer(value, reason: str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise EntryFailure(reason) from None


def account(kind, issuer, name, secret: bytes, algo=None, digits=None, period=None, counter=None,
            note="", tags=()) -> dict:
    kind = kind.lower()
    if kind not in ("totp", "hotp", "steam"):
        raise EntryFailure("unsupported-type")
    out = {"type": kind, "issuer": clean(issuer), "account": clean(name),
           "secret_hex": secret.hex(), "secret_base32": b32_text(secret)}
    if kind == "steam":
        out.update(algorithm="SHA1", digits=5, period=30)
    else:
        out["algorithm"] = algorithm(algo)
        d = 6 if digits in (None, "") else integer(digits, "invalid-digits")
        if not 6 <= d <= 10:
            raise EntryFailure("invalid-digits")
        out["digits"] = d
        if kind == "totp":
            p = 30 if period in (None, "") else integer(period, "invalid-period")
            if not 1 <= p <= 3600:
                raise EntryFailure("invalid-period")
            out["period"] = p
        else:
            if counter in (None, ""):
                raise EntryFailure("missing-counter")
            c = integer(counter, "invalid-counter")
            if not 0 <= c < 2**64 - 1:
                raise EntryFailure("invalid-counter")
            out["counter"] = c
    out["note"] = note or ""
    out["tags"] = [t for t in (clean(t) for t in tags) if t]
    return out


def split_label(label: str, issuer_param: str | None) -> tuple[str, str]:
    issuer = clean(issuer_param)
    text = label.strip()
    if issuer and text.startswith(issuer_param.strip() + ":"):
        return issuer, text[len(issuer_param.strip()) + 1:]
    if ":" in text:
        prefix, name = text.split(":", 1)
        return issuer or clean(prefix), name
    return issuer, text


# ---------------------------------------------------------------------------------------------
# The result of one file


class Result:
    def __init__(self):
        self.accounts: list[dict] = []
        self.duplicates: list[dict] = []
        self.failed: list[dict] = []
        self.skipped: list[dict] = []

    def entry(self, issuer, name, build):
        """Adds what `build()` returns, or the failure it raises, under the label (issuer, name)."""
        label = {"issuer": clean(issuer), "account": clean(name)}
        try:
            acc = build()
        except EntryFailure as e:
            self.failed.append({**label, "reason": e.args[0]})
            return
        if acc is None:
            return
        if acc.get("skip"):
            self.skipped.append({"issuer": acc["issuer"], "account": acc["account"], "reason": acc["skip"]})
            return
        key = (acc["issuer"], acc["account"], acc["secret_hex"])
        if any((a["issuer"], a["account"], a["secret_hex"]) == key for a in self.accounts):
            self.duplicates.append({"issuer": acc["issuer"], "account": acc["account"]})
        else:
            self.accounts.append(acc)


# ---------------------------------------------------------------------------------------------
# otpauth:// URIs (plain lists, Ente Auth, Bitwarden, Proton)


def parse_otpauth(uri: str, ente: bool = False) -> dict:
    parts = urllib.parse.urlsplit(uri.strip())
    if parts.scheme.lower() != "otpauth":
        raise EntryFailure("not-otpauth")
    q = {k.lower(): v for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)}
    kind = parts.netloc.lower()
    if q.get("encoder", "").lower() == "steam":
        kind = "steam"
    label = urllib.parse.unquote(parts.path.lstrip("/"))
    issuer, name = split_label(label, q.get("issuer"))
    note, tags, skip = "", [], None
    if ente and "codedisplay" in q:
        display = json.loads(q["codedisplay"])
        note = display.get("note") or ""
        tags = display.get("tags") or []
        if display.get("trashed"):
            skip = "trashed"
    counter = q.get("counter")
    if ente and kind == "hotp" and counter in (None, ""):
        counter = 0  # Ente's Code._getCounter: no counter parameter is 0
    acc = account(kind, issuer, name, b32_bytes(q.get("secret", "")), q.get("algorithm"), q.get("digits"),
                  q.get("period"), counter, note, tags)
    if skip:
        acc["skip"] = skip
    return acc


def label_of_uri(uri: str) -> tuple[str, str]:
    try:
        parts = urllib.parse.urlsplit(uri.strip())
        q = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        return split_label(urllib.parse.unquote(parts.path.lstrip("/")), q.get("issuer"))
    except ValueError:
        return "", ""


def read_uri_lines(data: bytes, ente: bool) -> Result:
    r = Result()
    for line in data.decode("utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("otpauth-migration:"):
            read_migration(line, r)
            continue
        issuer, name = label_of_uri(line)
        r.entry(issuer, name, lambda line=line: parse_otpauth(line, ente))
    return r


# ---------------------------------------------------------------------------------------------
# Google Authenticator otpauth-migration:// (protobuf MigrationPayload, decoded by hand)


def varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def fields(buf: bytes):
    """(field number, wire type, value) of a protobuf message: ints for varints, bytes else."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield num, wire, value


GOOGLE_ALGORITHMS = {0: "SHA1", 1: "SHA1", 2: "SHA256", 3: "SHA512", 4: "MD5"}
GOOGLE_DIGITS = {0: 6, 1: 6, 2: 8}
GOOGLE_TYPES = {0: "totp", 1: "hotp", 2: "totp"}


def read_migration(line: str, r: Result):
    query = line.split("?", 1)[1] if "?" in line else ""
    data = ""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == "data":
            # Percent-decode only: a '+' left unencoded by a QR reader is base64's '+'.
            data = urllib.parse.unquote(value).replace(" ", "+")
    payload = base64.b64decode(data + "=" * (-len(data) % 4))
    for num, _, value in fields(payload):
        if num != 1:
            continue
        p = {n: v for n, _, v in fields(value)}
        name = p.get(2, b"").decode()
        issuer_field = p.get(3, b"").decode()
        issuer, acc_name = split_label(name, issuer_field)

        def build(p=p, issuer=issuer, acc_name=acc_name):
            kind = GOOGLE_TYPES.get(p.get(6, 0))
            if kind is None:
                raise EntryFailure("unsupported-type")
            algo = GOOGLE_ALGORITHMS.get(p.get(4, 0), "?")
            digits = GOOGLE_DIGITS.get(p.get(5, 0))
            if digits is None:
                raise EntryFailure("invalid-digits")
            secret = p.get(1, b"")
            if not secret:
                raise EntryFailure("missing-secret")
            return account(kind, issuer, acc_name, secret, algo, digits, 30, p.get(7, 0))

        r.entry(issuer, acc_name, build)


# ---------------------------------------------------------------------------------------------
# Aegis (plain, or encrypted: scrypt password slots, AES-256-GCM)


def aegis_decrypt(root: dict, password: str) -> dict:
    header = root["header"]
    for slot in header["slots"]:
        if slot.get("type") != 1:
            continue
        kek = hashlib.scrypt(password.encode(), salt=bytes.fromhex(slot["salt"]), n=slot["n"], r=slot["r"],
                             p=slot["p"], dklen=32, maxmem=256 * 1024 * 1024)
        kp = slot["key_params"]
        try:
            master = AESGCM(kek).decrypt(bytes.fromhex(kp["nonce"]),
                                         bytes.fromhex(slot["key"]) + bytes.fromhex(kp["tag"]), None)
        except Exception:
            continue
        params = header["params"]
        plain = AESGCM(master).decrypt(bytes.fromhex(params["nonce"]),
                                       base64.b64decode(root["db"]) + bytes.fromhex(params["tag"]), None)
        return json.loads(plain)
    raise SystemExit("aegis: wrong password in manifest")


def read_aegis(data: bytes, password: str | None) -> Result:
    root = json.loads(data)
    db = root["db"] if isinstance(root["db"], dict) else aegis_decrypt(root, password)
    groups = {g["uuid"]: g["name"] for g in db.get("groups", [])}
    r = Result()
    for e in db["entries"]:
        def build(e=e):
            info = e["info"]
            tags = [e["group"]] if isinstance(e.get("group"), str) else []
            tags += [groups[u] for u in e.get("groups", []) if u in groups]
            return account(e["type"], e.get("issuer"), e.get("name"), b32_bytes(info.get("secret")),
                           info.get("algo"), info.get("digits"), info.get("period"), info.get("counter"),
                           e.get("note") or "", tags)

        r.entry(e.get("issuer"), e.get("name"), build)
    return r


# ---------------------------------------------------------------------------------------------
# 2FAS (.2fas; encrypted: PBKDF2-SHA256 10,000 rounds, AES-256-GCM)


def twofas_decrypt(blob: str, password: str) -> list:
    data, salt, iv = (base64.b64decode(p) for p in blob.split(":"))
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10000, 32)
    return json.loads(AESGCM(key).decrypt(iv, data, None))


def read_2fas(data: bytes, password: str | None) -> Result:
    root = json.loads(data)
    services = root.get("services") or []
    if root.get("servicesEncrypted"):
        services = twofas_decrypt(root["servicesEncrypted"], password)
    groups = {g.get("id"): g.get("name") for g in root.get("groups") or []}
    r = Result()
    for s in services:
        otp = s.get("otp") or {}
        # 2FAS shows the service's name as the title (Aegis's importer reads it the same way),
        # and otp.account (older exports: otp.label) as the additional info.
        issuer = clean(s.get("name")) or clean(otp.get("issuer"))
        name = clean(otp.get("account")) or clean(otp.get("label"))

        def build(s=s, otp=otp, issuer=issuer, name=name):
            kind = (otp.get("tokenType") or "TOTP").lower()
            counter = otp.get("counter", 0)
            # A 2FAS group (a folder in 2FAS) becomes a tag, as Aegis's groups do.
            tags = [groups[s["groupId"]]] if s.get("groupId") in groups else []
            return account(kind, issuer, name, b32_bytes(s.get("secret")), otp.get("algorithm"),
                           otp.get("digits"), otp.get("period"), counter, tags=tags)

        r.entry(issuer, name, build)
    return r


# ---------------------------------------------------------------------------------------------
# Bitwarden (JSON and CSV: the login's totp field)


def bitwarden_entry(r: Result, totp: str, item_name: str, user: str, note: str):
    totp = (totp or "").strip()
    if not totp:
        return
    if totp.lower().startswith("otpauth:"):
        issuer, name = label_of_uri(totp)
        issuer, name = clean(issuer) or clean(item_name), clean(name) or clean(user)

        def build():
            acc = parse_otpauth(totp)
            acc["issuer"] = acc["issuer"] or clean(item_name)
            acc["account"] = acc["account"] or clean(user)
            acc["note"] = note or ""
            return acc
    else:
        issuer, name = clean(item_name), clean(user)

        def build():
            kind, secret = ("steam", totp[8:]) if totp.lower().startswith("steam://") else ("totp", totp)
            return account(kind, issuer, name, b32_bytes(secret), note=note or "")

    r.entry(issuer, name, build)


def read_bitwarden_json(data: bytes, _password) -> Result:
    root = json.loads(data)
    r = Result()
    for item in root["items"]:
        login = item.get("login") or {}
        bitwarden_entry(r, login.get("totp"), item.get("name"), login.get("username"), item.get("notes"))
    return r


def read_bitwarden_csv(data: bytes, _password) -> Result:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = [h.strip().lower() for h in rows[0]]

    def col(row, name):
        return row[header.index(name)] if name in header and header.index(name) < len(row) else ""

    r = Result()
    for row in rows[1:]:
        if row:
            bitwarden_entry(r, col(row, "login_totp"), col(row, "name"), col(row, "login_username"),
                            col(row, "notes"))
    return r


# ---------------------------------------------------------------------------------------------
# FreeOTP+, Proton Authenticator, andOTP


def read_freeotp_plus(data: bytes, _password) -> Result:
    root = json.loads(data)
    r = Result()
    for t in root["tokens"]:
        issuer = clean(t.get("issuerExt")) or clean(t.get("issuerInt"))
        name = t.get("label")

        def build(t=t, issuer=issuer, name=name):
            secret = bytes(b & 0xFF for b in t["secret"])
            kind = t.get("type", "TOTP").lower()
            # FreeOTP keeps the counter of the last code shown (it stores a URI's counter - 1 and
            # increments before computing): the next code is for counter + 1.
            counter = t.get("counter", 0) + 1 if kind == "hotp" else None
            return account(kind, issuer, name, secret, t.get("algo"), t.get("digits"), t.get("period"), counter)

        r.entry(issuer, name, build)
    return r


def read_proton(data: bytes, _password) -> Result:
    root = json.loads(data)
    r = Result()
    for e in root["entries"]:
        content = e.get("content") or {}
        uri = content.get("uri", "")
        issuer, name = label_of_uri(uri)
        name = name or content.get("name", "")

        def build(e=e, content=content, uri=uri):
            if uri.lower().startswith("steam://"):
                acc = account("steam", "Steam", content.get("name"), b32_bytes(uri[8:]))
            else:
                acc = parse_otpauth(uri)
            acc["account"] = acc["account"] or clean(content.get("name"))
            acc["note"] = e.get("note") or ""
            return acc

        r.entry(issuer, name, build)
    return r


def read_andotp(data: bytes, _password) -> Result:
    r = Result()
    for e in json.loads(data):
        def build(e=e):
            return account(e.get("type", "TOTP"), e.get("issuer"), e.get("label"), b32_bytes(e.get("secret")),
                           e.get("algorithm"), e.get("digits"), e.get("period"), e.get("counter"),
                           tags=e.get("tags") or [])

        r.entry(e.get("issuer"), e.get("label"), build)
    return r


READERS = {
    "uris": lambda d, p: read_uri_lines(d, ente=False),
    "google": lambda d, p: read_uri_lines(d, ente=False),
    "ente": lambda d, p: read_uri_lines(d, ente=True),
    "aegis": read_aegis,
    "2fas": read_2fas,
    "bitwarden-json": read_bitwarden_json,
    "bitwarden-csv": read_bitwarden_csv,
    "freeotp-plus": read_freeotp_plus,
    "proton": read_proton,
    "andotp": read_andotp,
}


# ---------------------------------------------------------------------------------------------
# expected/ and README.md


def decode(entry: dict) -> dict:
    data = (HERE / entry["file"]).read_bytes()
    r = READERS[entry["format"]](data, entry.get("password"))
    return {"file": entry["file"], "format": entry["format"], "accounts": r.accounts,
            "duplicates": r.duplicates, "failed": r.failed, "skipped": r.skipped}


def render(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def readme_table(manifest: dict, results: list[dict]) -> str:
    supported = manifest["files"]
    accounts = sum(len(r["accounts"]) for r in results)
    failed = sum(len(r["failed"]) for r in results)
    skipped = sum(len(r["skipped"]) for r in results)
    formats = sorted({e["format"] for e in supported})
    lines = [
        f"**{len(supported)} files, {len(formats)} formats, {accounts} accounts** "
        f"(plus {failed} entries that must fail and {skipped} skipped); "
        f"{len(manifest['unsupported'])} files of formats this app does not read.",
        "",
        "| file | written by | format | accounts | source (repository, path at commit) | licence | password "
        "| known failure |",
        "|---|---|---|---|---|---|---|---|",
    ]
    sources = manifest["sources"]
    for e, r in zip(supported, results):
        s = sources[e["source"]]
        extra = []
        if r["failed"]:
            extra.append(f"{len(r['failed'])} fail")
        if r["skipped"]:
            extra.append(f"{len(r['skipped'])} skipped")
        if r["duplicates"]:
            extra.append(f"{len(r['duplicates'])} dup.")
        count = str(len(r["accounts"])) + (f" ({', '.join(extra)})" if extra else "")
        lines.append(f"| `{e['file']}` | {e['written_by']} | {e['format']} | {count} | "
                     f"{s['repo']} `{e['path']}` @ {s['commit'][:12]} | {s['licence']} | "
                     f"{('`' + e['password'] + '`') if e.get('password') else '—'} | "
                     f"{e.get('known_failure', '')} |")
    lines += ["", "Files of formats this app does not read (each must be refused with an error):", "",
              "| file | written by | source (repository, path at commit) | licence | password |",
              "|---|---|---|---|---|"]
    for e in manifest["unsupported"]:
        s = sources[e["source"]]
        lines.append(f"| `{e['file']}` | {e['written_by']} | {s['repo']} `{e['path']}` @ {s['commit'][:12]} | "
                     f"{s['licence']} | {('`' + e['password'] + '`') if e.get('password') else '—'} |")
    return "\n".join(lines) + "\n"


def self_test() -> int:
    """Known answers for the pieces the expectations rest on; prints one line per check."""
    checks = [
        # RFC 4648 section 10 vectors, and Google Authenticator's lenient reading.
        ("base32 RFC 4648 'foobar'", b32_bytes("MZXW6YTBOI======"), b"foobar"),
        ("base32 lower case, spaces, dashes", b32_bytes("mzxw 6ytb-oi"), b"foobar"),
        ("base32 7 letters: 4 bytes", b32_bytes("MZXW6YQ"), b"foob"),
        ("base32 1 letter past a group: dropped", b32_bytes("MZXW6YTBA"), b"fooba"),
        ("base32 3 letters past a group: 1 byte", b32_bytes("MZXW6YTBOIA"), b"foobar"),
        ("base32 6 letters past a group: 3 bytes", b32_bytes("MZXW6YTBMZXW6Y"), b"foobafoo"),
        ("base32 re-encoded without padding", b32_text(b"foobar"), "MZXW6YTBOI"),
        ("protobuf varint 300", varint(bytes([0xAC, 0x02]), 0), (300, 2)),
        ("label Issuer:account", split_label("Deno:Mason", None), ("Deno", "Mason")),
        ("label with its issuer parameter", split_label("A:B:c", "A:B"), ("A:B", "c")),
        ("label prefix loses to the parameter", split_label("X:me", "Y"), ("Y", "me")),
        ("label without issuer", split_label(":me", ""), ("", "me")),
    ]
    bad = 0
    for name, got, want in checks:
        ok = got == want
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": got {got!r}, want {want!r}"))
    for name, text in (("base32 letter 1 refused", "MZXW1"), ("base32 one letter: no byte", "M")):
        try:
            b32_bytes(text)
            print(f"FAIL {name}")
            bad += 1
        except EntryFailure:
            print(f"ok   {name}")
    return 1 if bad else 0


BEGIN, END = "<!-- corpus table: written by decode.py -->\n", "<!-- end of corpus table -->\n"


def main(argv: list[str]) -> int:
    if "--self-test" in argv:
        return self_test()
    check = "--check" in argv
    manifest = json.loads(MANIFEST.read_text())
    results = [decode(e) for e in manifest["files"]]
    wanted = {EXPECTED / (e["file"] + ".json"): render(r) for e, r in zip(manifest["files"], results)}
    readme = README.read_text()
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    new_readme = head + BEGIN + readme_table(manifest, results) + END + tail
    stale = [p for p, text in wanted.items() if not p.is_file() or p.read_text() != text]
    extra = [p for p in EXPECTED.rglob("*.json") if p not in wanted] if EXPECTED.is_dir() else []
    if check:
        problems = [f"{p.relative_to(HERE)}: differs from what decode.py reads now" for p in stale]
        problems += [f"{p.relative_to(HERE)}: no such file in manifest.json" for p in extra]
        if new_readme != readme:
            problems.append("README.md: the corpus table differs from what decode.py reads now")
        for p in problems:
            print(p, file=sys.stderr)
        accounts = sum(len(r["accounts"]) for r in results)
        print(f"decode.py --check: {len(results)} files, {accounts} accounts, "
              f"{'all as committed' if not problems else f'{len(problems)} differences'}")
        return 1 if problems else 0
    for p, text in wanted.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    for p in extra:
        p.unlink()
    README.write_text(new_readme)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""An independent reader of Aegis's documented encrypted vault format (Aegis docs/vault.md),
written against the documentation only, with the `cryptography` package: prints the decrypted
database JSON on stdout.

usage: aegis_decrypt.py VAULT.json   (password in $AEGIS_PASSWORD)
exit 2 when `cryptography` is missing, 1 when no slot opens.
"""
import base64
import json
import os
import sys

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
except ImportError:
    sys.stderr.write("python3 cryptography is not installed\n")
    sys.exit(2)


def main():
    with open(sys.argv[1], "rb") as f:
        vault = json.load(f)
    password = os.environ["AEGIS_PASSWORD"].encode("utf-8")
    assert vault["version"] == 1
    header = vault["header"]
    master = None
    for slot in header["slots"]:
        if slot["type"] != 1:
            continue
        kdf = Scrypt(salt=bytes.fromhex(slot["salt"]), length=32, n=slot["n"], r=slot["r"], p=slot["p"])
        key = kdf.derive(password)
        params = slot["key_params"]
        try:
            master = AESGCM(key).decrypt(
                bytes.fromhex(params["nonce"]), bytes.fromhex(slot["key"]) + bytes.fromhex(params["tag"]), None
            )
            break
        except Exception:
            continue
    if master is None:
        sys.stderr.write("no slot opens with this password\n")
        sys.exit(1)
    params = header["params"]
    db = AESGCM(master).decrypt(
        bytes.fromhex(params["nonce"]), base64.b64decode(vault["db"]) + bytes.fromhex(params["tag"]), None
    )
    sys.stdout.write(json.dumps(json.loads(db.decode("utf-8"))))


if __name__ == "__main__":
    main()

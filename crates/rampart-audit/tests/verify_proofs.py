#!/usr/bin/env python3
"""An independent verifier of Rampart audit proofs, written from RFC 9162 and the C2SP
tlog-checkpoint / signed-note specs, sharing no code with the Rust implementation.

Usage: verify_proofs.py BUNDLE.json
BUNDLE: {"checkpoint": NOTE or null, "vkey": VERIFIER_KEY or null,
         "inclusion": [proof, ...], "consistency": [proof, ...],
         "expect_fail": {"inclusion": [proof, ...], "consistency": [proof, ...]}}
Prints one line per check and exits 0 only if every proof verifies, every proof under
"expect_fail" is refused, and the checkpoint (if given) is signed by the key and its root
matches the proofs made at its size. Ed25519 needs the `cryptography` package; without it
the signature check is skipped with a line saying so (the hashes are still checked).
"""
import base64
import hashlib
import json
import sys

DOMAIN = b"rampart-audit-v1\n"


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def leaf_hash(data):
    return sha256(b"\x00", data)


def node_hash(left, right):
    return sha256(b"\x01", left, right)


def verify_inclusion(index, size, leaf, path, root):
    # RFC 9162 section 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    # RFC 9162 section 2.1.4.2
    if first == second:
        return not path and first_hash == second_hash
    if first == 0 or first > second:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


def check_inclusion(p):
    h = bytes.fromhex
    chain = sha256(DOMAIN, h(p["prev_hash"]), p["record"].encode())
    if chain != h(p["chain_hash"]):
        return False
    leaf = leaf_hash(chain)
    if leaf != h(p["leaf_hash"]) or p["leaf_index"] != p["seq"] - 1:
        return False
    return verify_inclusion(p["leaf_index"], p["tree_size"], leaf,
                            [h(x) for x in p["path"]], h(p["root"]))


def check_consistency(p):
    h = bytes.fromhex
    return verify_consistency(p["old_size"], p["new_size"], h(p["old_root"]),
                              h(p["new_root"]), [h(x) for x in p["path"]])


def check_checkpoint(note, vkey):
    """Returns (size, root) of a checkpoint signed by vkey; raises if it is not."""
    text, _, sigs = note.partition("\n\n")
    text += "\n"
    origin, size, root = text.splitlines()[:3]
    name, key_hash_hex, key_b64 = vkey.split("+", 2)
    typed = base64.b64decode(key_b64)
    assert typed[0] == 1 and len(typed) == 33, "not an Ed25519 verifier key"
    pub = typed[1:]
    key_hash = sha256(name.encode(), b"\n", b"\x01", pub)[:4]
    assert key_hash.hex() == key_hash_hex, "verifier key hash mismatch"
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        print("skipped: Ed25519 signature check (python3 package `cryptography` missing)")
        Ed25519PublicKey = None
    ok = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            continue
        sig_name, b64 = line[2:].split(" ", 1)
        blob = base64.b64decode(b64)
        if sig_name != name or blob[:4] != key_hash:
            continue
        if Ed25519PublicKey is None:
            ok = True
            break
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(blob[4:], text.encode())
            ok = True
            break
        except Exception:
            pass
    assert ok, "no valid signature by the key"
    return int(size), base64.b64decode(root), Ed25519PublicKey is not None


def main():
    bundle = json.load(open(sys.argv[1]))
    failures = 0
    cp = None
    if bundle.get("checkpoint"):
        try:
            cp = check_checkpoint(bundle["checkpoint"], bundle["vkey"])
            signature = "signature verified" if cp[2] else "signature NOT checked"
            print(f"ok: checkpoint of {cp[0]} records, {signature}")
        except Exception as e:
            print(f"FAIL: checkpoint: {e}")
            failures += 1
    for p in bundle.get("inclusion", []):
        good = check_inclusion(p)
        if good and cp and p["tree_size"] == cp[0]:
            good = bytes.fromhex(p["root"]) == cp[1]
        print(f"{'ok' if good else 'FAIL'}: inclusion of record {p['seq']} in {p['tree_size']}")
        failures += not good
    for p in bundle.get("consistency", []):
        good = check_consistency(p)
        if good and cp and p["new_size"] == cp[0]:
            good = bytes.fromhex(p["new_root"]) == cp[1]
        print(f"{'ok' if good else 'FAIL'}: consistency {p['old_size']} -> {p['new_size']}")
        failures += not good
    bad = bundle.get("expect_fail", {})
    for p in bad.get("inclusion", []):
        refused = not check_inclusion(p)
        print(f"{'ok' if refused else 'FAIL'}: forged inclusion of record {p['seq']} refused")
        failures += not refused
    for p in bad.get("consistency", []):
        refused = not check_consistency(p)
        print(f"{'ok' if refused else 'FAIL'}: forged consistency {p['old_size']} -> {p['new_size']} refused")
        failures += not refused
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

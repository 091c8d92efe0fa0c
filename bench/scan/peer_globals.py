#!/usr/bin/env python3
"""Review the pickle deny-list against the peers' own lists: read the dangerous globals
that picklescan, modelscan, fickling and ModelAudit ship (from their installed packages),
and write one pickle per global that imports and calls it (never loaded here).

Scan the folder with rampart; every file should be `malicious`. A `*` entry (a whole
module) is written with the harmless name `Innocuous`. ModelAudit's tables of text
patterns (credentials, obfuscation, ...) are not globals and are skipped.

Usage: $PEERS/bin/python bench/scan/peer_globals.py OUT_DIR
Writes OUT_DIR/NNNN.pkl and OUT_DIR/index.json ({"NNNN.pkl": [module, name]}).
"""

import json
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "peer_globals"
PAIRS = set()
# ModelAudit tables of keywords (not modules) that look like identifiers.
KEYWORD_TABLES = {"credentials", "execution", "file_access", "network_access"}


def add(module, names):
    if names == "*" or (isinstance(names, (set, list, tuple)) and "*" in names):
        PAIRS.add((module, "*"))
        return
    for n in names:
        if isinstance(n, str):
            PAIRS.add((module, n))


def is_dotted(s):
    return isinstance(s, str) and all(part.isidentifier() for part in s.split("."))


def find_key(d, key):
    if isinstance(d, dict):
        if key in d:
            return d[key]
        for v in d.values():
            r = find_key(v, key)
            if r:
                return r
    return None


def collect():
    from picklescan import scanner as ps

    for m, v in ps._unsafe_globals.items():
        add(m, v)
    from modelscan.settings import DEFAULT_SETTINGS

    for table in find_key(DEFAULT_SETTINGS, "unsafe_globals").values():
        for m, v in table.items():
            add(m, v)
    from modelaudit.detectors import suspicious_symbols as ss

    for name in dir(ss):
        table = getattr(ss, name)
        if name.isupper() and isinstance(table, dict):
            for m, v in table.items():
                # Module -> names tables only; pattern tables map categories to regexes.
                names = ["*"] if v == "*" else v
                if (
                    m not in KEYWORD_TABLES
                    and is_dotted(m)
                    and isinstance(names, (list, set, tuple))
                    and all(n == "*" or is_dotted(n) for n in names)
                ):
                    add(m, v)
    import fickling.analysis as fa

    for name in dir(fa):
        cls = getattr(fa, name)
        if isinstance(cls, type) and hasattr(cls, "UNSAFE_IMPORTS"):
            u = cls.UNSAFE_IMPORTS
            for m in u:
                add(m, u[m] if isinstance(u, dict) and isinstance(u[m], (list, set, tuple)) else "*")


def sbu(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b if len(b) < 256 else b"X" + len(b).to_bytes(4, "little") + b


def main():
    collect()
    os.makedirs(OUT, exist_ok=True)
    index = {}
    for i, (m, n) in enumerate(sorted(PAIRS)):
        name = "Innocuous" if n == "*" else n
        data = b"\x80\x04" + sbu(m) + sbu(name) + b"\x93" + sbu("x") + b"\x85R."
        with open(os.path.join(OUT, f"{i:04d}.pkl"), "wb") as f:
            f.write(data)
        index[f"{i:04d}.pkl"] = [m, n]
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=0)
    print(f"wrote {len(index)} globals to {OUT}")


if __name__ == "__main__":
    main()

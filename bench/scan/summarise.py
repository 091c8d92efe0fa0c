#!/usr/bin/env python3
"""Summarise run_peers.py outputs (one or more JSON files) as a Markdown table plus the
list of malicious files each tool missed.

Usage: summarise.py RESULT.json [RESULT.json ...]
"""

import json
import sys

tools, manifest = {}, {}
for path in sys.argv[1:]:
    d = json.load(open(path))
    manifest.update(d["files"])
    tools.update(d["tools"])

mal = [f for f, v in manifest.items() if v["label"] == "malicious"]
ben = [f for f, v in manifest.items() if v["label"] == "benign"]
print("| tool | malicious detected | benign called malicious | benign flagged at any level | files the tool errored on | time (s) |")
print("|---|---|---|---|---|---|")
for name, t in tools.items():
    r = t["results"]
    det = sum(r[f]["detected"] for f in mal)
    fp = sum(r[f]["detected"] for f in ben)
    flag = sum(r[f].get("flagged", r[f]["detected"]) for f in ben)
    err = sum(1 for f in manifest if r[f].get("error"))
    print(f"| {name} | {det}/{len(mal)} | {fp}/{len(ben)} | {flag}/{len(ben)} | {err} | {t['seconds']:.2f} |")
print()
for name, t in tools.items():
    r = t["results"]
    missed = [f.split("/", 1)[1] for f in mal if not r[f]["detected"]]
    fps = [f.split("/", 1)[1] for f in ben if r[f]["detected"]]
    print(f"- **{name}** missed {len(missed)}: {', '.join(missed) if missed else 'none'}")
    if fps:
        print(f"  - benign called malicious: {', '.join(fps)}")

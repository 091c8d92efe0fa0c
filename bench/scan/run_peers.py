#!/usr/bin/env python3
"""Run picklescan, modelscan, fickling and modelaudit on the corpus from make_corpus.py,
file by file through each tool's Python API (one process per tool, so interpreter start-up
is not counted), and `rampart scan --format json` once on the whole corpus.

Usage: run_peers.py CORPUS_DIR RAMPART_BINARY [TOOL ...]
Prints one JSON object: per tool, per file: {"detected": bool, "error": str|None}, plus
"seconds" per tool. Install the peers in a venv outside the repository:
  python3 -m venv $VENV
  $VENV/bin/pip install picklescan modelscan fickling modelaudit numpy scikit-learn joblib
"""

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import time

logging.disable(logging.CRITICAL)


def picklescan_tool():
    from picklescan.scanner import scan_file_path

    def run(path):
        r = scan_file_path(path)
        return r.issues_count > 0 or r.infected_files > 0, ("scan error" if r.scan_err else None)

    return run


def modelscan_tool():
    from modelscan.modelscan import ModelScan

    def run(path):
        r = ModelScan().scan(path)
        issues = r.get("issues") or []
        errors = r.get("errors") or []
        return len(issues) > 0, (str(errors[0])[:80] if errors and not issues else None)

    return run


def fickling_tool():
    import fickling

    def run(path):
        return not fickling.is_likely_safe(path), None

    return run


def modelaudit_tool():
    from modelaudit.core import scan_model_directory_or_file

    def run(path):
        r = scan_model_directory_or_file(path)
        sev = [str(getattr(i, "severity", "")).lower() for i in (r.issues or [])]
        # "detected" = a critical issue (modelaudit's malicious level); warnings are
        # reported separately as "flagged", like rampart's "suspicious".
        detected = any("critical" in s for s in sev)
        flagged = detected or any("warning" in s for s in sev)
        return detected, None, flagged

    return run


TOOLS = {"picklescan": picklescan_tool, "modelscan": modelscan_tool, "fickling": fickling_tool,
         "modelaudit": modelaudit_tool}


def main():
    corpus, rampart = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:] or list(TOOLS) + ["rampart"]
    manifest = json.load(open(os.path.join(corpus, "manifest.json")))
    files = sorted(manifest)
    out = {"files": manifest, "tools": {}}
    for name in wanted:
        if name == "rampart":
            t0 = time.perf_counter()
            p = subprocess.run([rampart, "scan", "--format", "json", os.path.join(corpus, "malicious"),
                                os.path.join(corpus, "benign")], capture_output=True)
            secs = time.perf_counter() - t0
            report = json.loads(p.stdout)
            by = {os.path.relpath(f["path"], corpus): f for f in report["files"]}
            res = {}
            for f in files:
                r = by.get(f)
                # `error` (content that claims a model format but no analyser accepts, a
                # header past the end of the file) fails the gate (exit code 2): refused.
                res[f] = {"detected": bool(r and r["verdict"] in ("malicious", "error")),
                          "flagged": bool(r and r["verdict"] in ("malicious", "suspicious")),
                          "error": r.get("error") if r else "not reported"}
            out["tools"]["rampart"] = {"seconds": secs, "results": res}
            continue
        run = TOOLS[name]()
        res = {}
        t0 = time.perf_counter()
        for f in files:
            path = os.path.join(corpus, f)
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    detected, err, *flagged = run(path)
            except Exception as e:  # a crash on a file counts as "not detected", with the reason
                detected, err, flagged = False, f"{type(e).__name__}: {str(e)[:80]}", []
            res[f] = {"detected": bool(detected), "flagged": bool(flagged[0] if flagged else detected),
                      "error": err}
        out["tools"][name] = {"seconds": time.perf_counter() - t0, "results": res}
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

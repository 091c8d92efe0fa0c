#!/usr/bin/env python3
"""Text-level precision/recall and throughput of Yelp's detect-secrets on a secrets corpus.

Same corpus and scoring as `cargo run --release -p rampart-guard --features training --bin eval_secrets`:
a text is predicted secret when detect-secrets reports anything on any of its lines
(default plugins and filters, `scan_line`, as `detect-secrets scan --string` does).

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install detect-secrets==1.5.0
    /tmp/peers/bin/python bench/guard/peer_detect_secrets.py $RAMPART_DATA/secrets.jsonl
"""
import json
import sys
import time

from detect_secrets.core.scan import scan_line
from detect_secrets.settings import default_settings


def flagged(text):
    # Every line is scanned, as Rampart inspects the whole text: stopping at the first
    # hit would make the peer faster on exactly the texts that hold a secret.
    hits = 0
    for line in text.splitlines() or [text]:
        hits += sum(1 for _ in scan_line(line))
    return hits > 0


def main():
    path = sys.argv[1]
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    tp = fp = fn = tn = 0
    with default_settings():
        start = time.process_time()
        for r in rows:
            got = flagged(r["text"])
            secret = r["label"] == "secret"
            tp += got and secret
            fp += got and not secret
            fn += (not got) and secret
            tn += (not got) and not secret
        cpu = time.process_time() - start
    p = tp / max(tp + fp, 1)
    rec = tp / max(tp + fn, 1)
    f1 = 2 * p * rec / max(p + rec, 1e-9)
    size = sum(len(r["text"].encode()) for r in rows)
    print(f"detect-secrets on {path} ({len(rows)} texts)")
    print(f"TP {tp}  FP {fp}  FN {fn}  TN {tn}")
    print(f"precision {p:.3f}  recall {rec:.3f}  F1 {f1:.3f}")
    print(f"throughput: {size / cpu / 1e6:.3f} MB/s cpu, {cpu * 1e6 / len(rows):.1f} µs/text")


if __name__ == "__main__":
    main()

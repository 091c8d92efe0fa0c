#!/usr/bin/env python3
"""Fine-tune USE-multilingual-v3 for injection detection on CPU, and evaluate it honestly.

Issue 13: the frozen encoder with a trained head gave no gain (its sentence vectors encode
a carrier's topic, not whether an instruction is used or mentioned). This script trains
the encoder itself, with a classification head that also gets the role:

    logit = head([encoder(ids), untrusted])      head: 513 → 32 ReLU → 1

Two depths (`--mode`), the 128k-row embedding table frozen in both (it is what would have
to ship, and a sparse table gradient over ~12k texts would mostly memorise words):
- `top`: the layers above the token sum (out.w, out.b, the six dense matrices) and the
  head. The token features below do not change, so their sum is computed once per window
  and a training step costs a few MFLOP: cheap enough for full leave-one-group-out.
- `full`: also the projection, its layer norm and the three n-gram CNN branches. Every
  step runs the whole forward and backward pass over the tokens.

Protocol, the same rows and weights as `train_head.py` (and so as `train_injection.rs`):
the seven injection files of $RAMPART_DATA, `crates/rampart-guard/training/
generated.jsonl` and `use_mention.jsonl` (this directory); group-balanced weights; each
window of a row is an instance with the row's label, a row's score is the max over its
windows. Training draws mini-batches with probability proportional to those weights
(with replacement, fixed seed), so every group weighs the same. Out-of-fold logits are
compared with, and stacked on, the Rust tiers' out-of-fold scores of the same run
(`DUMP_SCORES` of `train_injection --extra use_mention.jsonl`), stacker and calibration
exactly as `train_head.py`.

Inputs: --tokens PREFIX (`examples/tokens_jsonl.rs` over the training files in that
order), --rust-oof TSV; optional --eval NAME=JSONL=TOKENS_PREFIX=RUST_JSONL (scored by
the model trained on all rows; never trained on, never tuned on).
"""

import argparse
import copy
import json
import math
import os
from pathlib import Path
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_head as th  # noqa: E402
from usem3_torch import load as load_encoder  # noqa: E402

USE_MENTION = os.path.join(HERE, "use_mention.jsonl")
HIDDEN = 32
SEED = 13
TOP_PARAMS = ("out_w", "out_b", "dense")


def read_tokens(prefix):
    ids = np.fromfile(prefix + ".ids", dtype="<u4")
    index = np.loadtxt(prefix + ".tsv", dtype=np.int64, ndmin=2)
    ends = np.cumsum(index[:, 2])
    starts = ends - index[:, 2]
    if ends[-1] != len(ids):
        raise SystemExit(f"{prefix}: index covers {ends[-1]} ids, file has {len(ids)}")
    seqs = [ids[s:e].astype(np.int64) for s, e in zip(starts, ends)]
    return seqs, index[:, 0]


class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(SEED)
        self.w1 = torch.nn.Parameter(torch.randn(513, HIDDEN, generator=g) * math.sqrt(2.0 / 513))
        self.b1 = torch.nn.Parameter(torch.zeros(HIDDEN))
        self.w2 = torch.nn.Parameter(torch.randn(HIDDEN, generator=g) * math.sqrt(1.0 / HIDDEN))
        self.b2 = torch.nn.Parameter(torch.zeros(()))

    def forward(self, emb, untrusted):
        x = torch.cat([emb, untrusted.unsqueeze(1)], dim=1)
        return torch.relu(x @ self.w1 + self.b1) @ self.w2 + self.b2


def trainable(encoder, mode):
    names = []
    for name, p in encoder.named_parameters():
        top = name.startswith(TOP_PARAMS)
        use = top or mode == "full"
        p.requires_grad_(use)
        if use:
            names.append(name)
    return [p for p in encoder.parameters() if p.requires_grad]


def add_lora(enc, rank):
    """Freeze the top layers and learn a rank-`rank` delta A·B for each of their matrices
    (and the output bias whole): what ships is then only the deltas, ~1 MB, not 6.7 MB."""
    g = torch.Generator().manual_seed(SEED)
    base = {k: v.detach() for k, v in enc.top_weights().items()}
    for p in enc.parameters():
        p.requires_grad_(False)
    enc.lora = torch.nn.ParameterDict()
    for k, w in base.items():
        if w.dim() == 2:
            enc.lora[f"{k}_a"] = torch.nn.Parameter(torch.randn(w.shape[0], rank, generator=g) / math.sqrt(w.shape[0]))
            enc.lora[f"{k}_b"] = torch.nn.Parameter(torch.zeros(rank, w.shape[1]))
    enc.out_b.requires_grad_(True)

    def top_weights():
        out = {k: (w + enc.lora[f"{k}_a"] @ enc.lora[f"{k}_b"] if w.dim() == 2 else w) for k, w in base.items()}
        out["out_b"] = enc.out_b
        return out

    enc.top_weights = top_weights
    return list(enc.lora.parameters()) + [enc.out_b]


def pooled_all(encoder, seqs, batch=32, max_tokens=None):
    """Token-feature sums of every window with the pretrained lower layers (mode top)."""
    order = np.argsort([len(s) for s in seqs], kind="stable")
    out = torch.zeros((len(seqs), 1280))
    with torch.no_grad():
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            ids, lengths = pad_seqs([seqs[j] for j in idx], max_tokens)
            out[torch.as_tensor(idx)] = encoder.pooled(ids, lengths)
    return out


def pad_seqs(seqs, max_tokens=None):
    if max_tokens:
        seqs = [s if len(s) <= max_tokens else np.concatenate([s[:max_tokens - 1], s[-1:]]) for s in seqs]
    T = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), T), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.from_numpy(s)
    return ids, torch.tensor([len(s) for s in seqs])


class Trainer:
    def __init__(self, base, args, seqs, lengths, pooled, untrusted_win):
        self.base, self.args = base, args
        self.seqs, self.lengths, self.pooled = seqs, lengths, pooled
        self.untrusted = untrusted_win

    def fit(self, train_idx, y, w, steps):
        torch.manual_seed(SEED)
        enc = copy.deepcopy(self.base)
        params = trainable(enc, self.args.mode)
        if self.args.lora:
            params = add_lora(enc, self.args.lora)
        head = Head()
        opt = torch.optim.Adam([
            {"params": params, "lr": self.args.lr_encoder},
            {"params": head.parameters(), "lr": self.args.lr_head},
        ], weight_decay=0.0)
        rng = np.random.default_rng(SEED)
        p = w / w.sum()
        for _ in range(steps):
            b = rng.choice(train_idx, size=self.args.batch, p=p)
            logit = self.logits(enc, head, b, train=True)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, torch.as_tensor(y[b], dtype=torch.float32))
            opt.zero_grad()
            loss.backward()
            opt.step()
        return enc, head

    def logits(self, enc, head, idx, train=False):
        idx = np.asarray(idx)
        lengths = torch.as_tensor(self.lengths[idx])
        if self.args.mode == "top":
            emb = enc.top(self.pooled[torch.as_tensor(idx)], lengths)
        else:
            ids, lengths = pad_seqs([self.seqs[j] for j in idx], self.args.max_tokens if train else None)
            emb = enc(ids, lengths)
        return head(emb, torch.as_tensor(self.untrusted[idx], dtype=torch.float32))

    def score(self, enc, head, idx, batch=64):
        idx = np.asarray(idx)
        order = idx[np.argsort(self.lengths[idx], kind="stable")]
        out = {}
        with torch.no_grad():
            for i in range(0, len(order), batch):
                b = order[i:i + batch]
                for j, v in zip(b, self.logits(enc, head, b).numpy()):
                    out[j] = float(v)
        return np.array([out[j] for j in idx])


def weights_for(rows, row_ids_of_windows):
    return th.balanced_weights(rows, row_ids_of_windows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("RAMPART_DATA", str(Path(__file__).resolve().parents[3].parent / "shared" / "data")))
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--rust-oof", required=True)
    ap.add_argument("--rust-combined", help="DUMP_COMBINED of the same train_injection run: compare with and stack "
                                            "on the shipped combined score (stacker in mention contexts) instead "
                                            "of the noisy-or of --rust-oof")
    ap.add_argument("--mode", choices=["top", "full"], default="top")
    ap.add_argument("--folds", default="logo", help="logo, or N: N folds of whole groups")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr-encoder", type=float, default=3e-4)
    ap.add_argument("--lr-head", type=float, default=3e-3)
    ap.add_argument("--max-tokens", type=int, default=256, help="training cut (mode full)")
    ap.add_argument("--lora", type=int, default=0, help="mode top: learn rank-R deltas instead of whole matrices")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval", action="append", default=[], help="NAME=JSONL=TOKENS_PREFIX=RUST_JSONL")
    ap.add_argument("--only-folds", help="run only these folds (comma-separated, 0-based) and dump their rows "
                                         "(other rows NaN); merge the dumps with --merge-dumps")
    ap.add_argument("--merge-dumps", nargs="+", help="merge --only-folds dumps into --dump and stop")
    ap.add_argument("--dump", help="write out-of-fold scores (TSV) here")
    ap.add_argument("--oof-from", help="take the out-of-fold logits from this --dump instead of folds")
    ap.add_argument("--load", help="score with a model saved by --save instead of training one")
    ap.add_argument("--save", help="save the model trained on all rows (torch state) here")
    ap.add_argument("--extra", action="append", default=[],
                    help="more training rows (JSON lines), after use_mention.jsonl, in the order given "
                         "(the Rust peer's DUMP_SCORES must come from train_injection with the same --extra files)")
    ap.add_argument("--head-out", help="write the head and the stacker (fit on the out-of-fold scores) as a "
                                       "`rampart-semantic-head/1` JSON file, the format of head.json")
    ap.add_argument("--eval-dump", help="write each --eval set's per-row scores (TSV: rust, fine-tuned logit, stack) "
                                        "to DIR/NAME.tsv")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)

    if args.merge_dumps:
        merge_dumps(args.merge_dumps, args.dump)
        return
    files = [os.path.join(args.data, f) for f in th.FILES] + [th.GENERATED, USE_MENTION] + args.extra
    rows = th.load_rows(files)
    n = len(rows)
    seqs, row_of = read_tokens(args.tokens)
    if row_of.max() + 1 != n:
        raise SystemExit(f"tokens for {row_of.max() + 1} rows, expected {n}")
    lengths = np.array([len(s) for s in seqs])
    attack = np.array([r["attack"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    untrusted = np.array([r["untrusted"] for r in rows], dtype=np.float64)
    y_win = attack[row_of].astype(np.float32)
    rust = read_rust_oof(args.rust_oof, rows)
    if args.rust_combined:
        rust = read_rust_combined(args.rust_combined, rows)

    encoder, _ = load_encoder()
    t0 = time.process_time()
    pooled = None
    if args.mode == "top":
        # The pretrained lower layers' sums depend only on the ids: cache them per token file.
        cache = args.tokens + ".pooled.pt"
        if os.path.exists(cache):
            pooled = torch.load(cache)
        else:
            pooled = pooled_all(encoder, seqs)
            torch.save(pooled, cache)
    if pooled is not None:
        print(f"pooled features of {len(seqs)} windows ({lengths.sum()} pieces): "
              f"{time.process_time() - t0:.0f} s CPU", file=sys.stderr)
    trainer = Trainer(encoder, args, seqs, lengths, pooled, untrusted[row_of])

    # Folds of whole groups.
    names = sorted(set(groups))
    if args.folds == "none":
        fold_of = {g: 0 for g in names}
    elif args.folds == "logo":
        fold_of = {g: i for i, g in enumerate(names)}
    else:
        k = int(args.folds)
        # Deterministic, spread by size: groups sorted by row count, dealt round-robin.
        by_size = sorted(names, key=lambda g: (-(groups == g).sum(), g))
        fold_of = {g: i % k for i, g in enumerate(by_size)}
    n_folds = max(fold_of.values()) + 1 if args.folds != "none" else 0
    oof = np.zeros(n)
    only = None
    if args.only_folds:
        only = {int(x) for x in args.only_folds.split(",")}
        oof[:] = np.nan
    t0 = time.process_time()
    w0 = time.time()
    for f in range(n_folds):
        if only is not None and f not in only:
            continue
        held = np.array([fold_of[g] == f for g in groups])
        keep = ~held[row_of]
        train_rows = [r for r, h in zip(rows, held) if not h]
        remap = -np.ones(n, dtype=np.int64)
        remap[~held] = np.arange((~held).sum())
        w = np.zeros(len(seqs))
        w[keep] = weights_for(train_rows, remap[row_of[keep]])
        train_idx = np.flatnonzero(keep)
        enc, head = trainer.fit(train_idx, y_win, w[train_idx], args.steps)
        win = np.flatnonzero(held[row_of])
        s = trainer.score(enc, head, win)
        oof[held] = th.row_max(s, th.remap_rows(row_of[win]), held.sum())
        print(f"fold {f + 1}/{n_folds} ({', '.join(g for g in names if fold_of[g] == f)}): "
              f"{time.process_time() - t0:.0f} s CPU, {time.time() - w0:.0f} s wall so far", file=sys.stderr)
    cpu = time.process_time() - t0
    if only is not None:
        with open(args.dump, "w") as f:
            for r, a, b in zip(rows, rust, oof):
                f.write(f"{r['group']}\t{int(r['attack'])}\t{a:.6f}\t{b:.6f}\n")
        print(f"folds {sorted(only)}: {cpu:.0f} s CPU, wall {time.time() - w0:.0f} s; dumped to {args.dump}", file=sys.stderr)
        return
    if args.oof_from:
        oof = read_oof(args.oof_from, rows)
    have_oof = bool(n_folds or args.oof_from)
    if args.eval and not have_oof:
        raise SystemExit("--eval needs folds or --oof-from (the stacker is fit on out-of-fold scores)")
    if n_folds:
        print(f"\n{n_folds} folds, {args.steps} steps × {args.batch} windows each: {cpu:.0f} s CPU "
              f"({1000 * cpu / (n_folds * args.steps * args.batch):.1f} ms CPU per training window incl. scoring; "
              f"threads {args.threads}, wall {time.time() - w0:.0f} s)\n")

    if have_oof:
        report(rows, rust, oof, attack, groups, untrusted, args)
    if args.dump and n_folds:
        with open(args.dump, "w") as f:
            for r, a, b in zip(rows, rust, oof):
                f.write(f"{r['group']}\t{int(r['attack'])}\t{a:.6f}\t{b:.6f}\n")

    if args.eval or args.save or args.head_out:
        if args.load:
            enc, head = load_model(encoder, args)
        else:
            w = weights_for(rows, row_of)
            t0 = time.process_time()
            enc, head = trainer.fit(np.arange(len(seqs)), y_win, w, args.steps)
            print(f"final model on all rows: {time.process_time() - t0:.0f} s CPU", file=sys.stderr)
        if args.eval or args.head_out:
            if not have_oof:
                raise SystemExit("--eval and --head-out need folds or --oof-from (the stacker is fit on out-of-fold scores)")
            coef, bias, shift = stacker(rows, rust, oof, attack, untrusted)
        if args.head_out:
            write_head(args.head_out, head, coef, bias, shift)
        for spec in args.eval:
            evaluate(spec, enc, head, coef, bias, shift, args)
        if args.save and not args.load:
            torch.save({"encoder": {k: v for k, v in enc.state_dict().items() if k not in ("table", "scale", "offset")},
                        "head": head.state_dict(), "mode": args.mode, "lora": args.lora}, args.save)


def write_head(path, head, coef, bias, shift):
    """The head in the format `src/tier.rs` reads (`training/head.json`); w1 input-major."""
    r6 = lambda v: round(float(v), 6)  # noqa: E731
    out = {
        "format": "rampart-semantic-head/1",
        "encoder": "use-multilingual-v3, fine-tuned by finetune.py (layers above the embedding table)",
        "inputs": "512 embedding values, then 1.0 if the text is a tool result or document else 0.0",
        "hidden": HIDDEN,
        "w1": [[r6(v) for v in row] for row in head.w1.detach().numpy()],
        "b1": [r6(v) for v in head.b1.detach().numpy()],
        "w2": [r6(v) for v in head.w2.detach().numpy()],
        "b2": r6(head.b2.detach()),
        "stack": {
            "inputs": "[head logit / 4, logit(Rust combined score) / 4, untrusted]",
            "coef": [r6(c) for c in coef],
            "bias": r6(bias),
            "shift": r6(shift),
            "output": "sigmoid(coef · inputs + bias - shift)",
        },
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f)
        f.write("\n")


def merge_dumps(paths, out):
    """Rows of --only-folds dumps: each row must be scored (not NaN) in exactly one."""
    parts = [[l.rstrip("\n").split("\t") for l in open(p, encoding="utf-8")] for p in paths]
    with open(out, "w") as f:
        for i, rows in enumerate(zip(*parts)):
            got = [r for r in rows if r[3] != "nan"]
            if len(got) != 1 or any(r[:2] != rows[0][:2] for r in rows):
                raise SystemExit(f"row {i}: scored in {len(got)} dumps (or the dumps disagree on the row)")
            f.write("\t".join(got[0]) + "\n")


def read_oof(path, rows):
    """Out-of-fold logits from an earlier run's --dump (the same rows in the same order)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for i, l in enumerate(f):
            g, a, _rust, s = l.rstrip("\n").split("\t")
            if g != rows[i]["group"] or (a == "1") != rows[i]["attack"]:
                raise SystemExit(f"{path} row {i} does not match the training rows")
            out.append(float(s))
    if len(out) != len(rows):
        raise SystemExit(f"{path}: {len(out)} rows, expected {len(rows)}")
    return np.array(out)


def load_model(encoder, args):
    state = torch.load(args.load)
    enc = copy.deepcopy(encoder)
    trainable(enc, args.mode)
    if args.lora:
        add_lora(enc, args.lora)
    enc.load_state_dict(state["encoder"], strict=False)
    head = Head()
    head.load_state_dict(state["head"])
    return enc, head


def read_rust_combined(path, rows):
    """train_injection's DUMP_COMBINED: group, attack, leave-one-group-out combined score."""
    out = []
    with open(path, encoding="utf-8") as f:
        for i, l in enumerate(f):
            g, a, s = l.rstrip("\n").split("\t")
            if g != rows[i]["group"] or (a == "1") != rows[i]["attack"]:
                raise SystemExit(f"row {i}: DUMP_COMBINED ({g}, {a}) does not match ({rows[i]['group']}, {rows[i]['attack']})")
            out.append(min(max(float(s), 1e-6), 1.0 - 1e-6))
    if len(out) != len(rows):
        raise SystemExit(f"DUMP_COMBINED has {len(out)} rows, expected {len(rows)}")
    return np.array(out)


def read_rust_oof(path, rows):
    rust = []
    with open(path, encoding="utf-8") as f:
        for i, l in enumerate(f):
            g, a, _u, h, lg = l.split("\t")[:5]
            if g != rows[i]["group"] or (a == "1") != rows[i]["attack"]:
                raise SystemExit(f"row {i}: DUMP_SCORES ({g}, {a}) does not match ({rows[i]['group']}, {rows[i]['attack']})")
            p = 1.0 / (1.0 + math.exp(-float(lg)))
            rust.append(1.0 - (1.0 - float(h)) * (1.0 - p))
    if len(rust) != len(rows):
        raise SystemExit(f"DUMP_SCORES has {len(rust)} rows, expected {len(rows)}")
    return np.array(rust)


def stack_x(head_logit, rust_score, untr):
    return np.column_stack([head_logit / 4.0, th.logit(rust_score) / 4.0, untr])


def stacker(rows, rust, oof, attack, untrusted):
    row_w = th.balanced_weights(rows, np.arange(len(rows)))
    coef, bias = th.fit_logistic(stack_x(oof, rust, untrusted), attack.astype(np.float64), row_w / row_w.sum())
    stack_oof = stack_oof_of(rows, rust, oof, attack, untrusted)
    shift = float(th.threshold_at(stack_oof[~attack], 0.01))
    return coef, bias, shift


def stack_oof_of(rows, rust, oof, attack, untrusted):
    groups = np.array([r["group"] for r in rows])
    row_w = th.balanced_weights(rows, np.arange(len(rows)))
    sx = stack_x(oof, rust, untrusted)
    out = np.zeros(len(rows))
    for g in sorted(set(groups)):
        held = groups == g
        tr = ~held
        coef, bias = th.fit_logistic(sx[tr], attack[tr].astype(np.float64), row_w[tr] / row_w[tr].sum())
        out[held] = sx[held] @ coef + bias
    return out


def report(rows, rust, oof, attack, groups, untrusted, args):
    stack_oof = stack_oof_of(rows, rust, oof, attack, untrusted)
    shift = float(th.threshold_at(stack_oof[~attack], 0.01))
    guarded = np.maximum(rust, 1.0 / (1.0 + np.exp(-(stack_oof - shift))))
    public = np.array([not g.startswith("gen/") for g in groups])
    um = np.array([g.startswith("gen/um_") for g in groups])
    print(f"Rows: {attack.sum()} attacks, {(~attack).sum()} benign, {len(set(groups))} groups; "
          f"mode {args.mode}, lora {args.lora}, folds {args.folds}, {args.steps} steps of {args.batch}.\n")
    print("| scorer (out of fold) | attacks / benign | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR |")
    print("|---|---:|---:|---:|---:|")
    for label, mask in (("", None), (", public sources", public), (", use/mention rows", um)):
        print(th.line(f"Rust tiers{label}", rust, attack, mask))
        print(th.line(f"fine-tuned alone{label}", oof, attack, mask))
        print(th.line(f"stack: fine-tuned + Rust{label}", stack_oof, attack, mask))
        print(th.line(f"max(Rust, semantic){label}", guarded, attack, mask))
    for name, sc in (("Rust tiers", rust), ("max(Rust, semantic)", guarded)):
        print(f"\nAt 0.5, {name}: {100 * (sc[attack] >= 0.5).mean():.1f} % of attacks, "
              f"{100 * (sc[~attack] >= 0.5).mean():.1f} % of benign flagged.", end="")
    print()
    t = th.threshold_at(stack_oof[~attack], 0.01)
    od = []
    for name in th.OVER_DEFENCE:
        m = np.array([g.startswith(name) for g in groups]) & ~attack
        od.append(f"{name} {100 * (stack_oof[m] > t).mean():.1f} % of {m.sum()}")
    print(f"\nOver-defence of the stack at its 1 % FPR threshold: {', '.join(od)}.\n")
    t_rust = th.threshold_at(rust[~attack], 0.01)
    t_ft = th.threshold_at(oof[~attack], 0.01)
    print("| held-out group | attacks / benign | Rust TPR @ 1 % | fine-tuned TPR @ 1 % | stack TPR @ 1 % | benign > stack t |")
    print("|---|---:|---:|---:|---:|---:|")
    for g in sorted(set(groups)):
        m = groups == g
        a, b = m & attack, m & ~attack
        cell = lambda sc, thr, mm: f"{100 * (sc[mm] > thr).mean():.1f} %" if mm.any() else "–"  # noqa: E731
        print(f"| {g} | {a.sum()} / {b.sum()} | {cell(rust, t_rust, a)} | {cell(oof, t_ft, a)} | "
              f"{cell(stack_oof, t, a)} | {cell(stack_oof, t, b)} |")


def evaluate(spec, enc, head, coef, bias, shift, args):
    name, jsonl, prefix, rust_path = spec.split("=")
    erows = th.load_rows([jsonl])
    meta = [json.loads(l) for l in open(jsonl, encoding="utf-8") if l.strip()]
    seqs, row_of = read_tokens(prefix)
    lengths = np.array([len(s) for s in seqs])
    eun = np.array([r["untrusted"] for r in erows], dtype=np.float64)
    tr = Trainer(enc, args, seqs, lengths, None, eun[row_of])
    tr.args = copy.copy(args)
    tr.args.mode = "full"  # raw ids through the whole (fine-tuned) encoder
    s = tr.score(enc, head, np.arange(len(seqs)))
    ehead = th.row_max(s, row_of, len(erows))
    if rust_path == "-":
        # No Rust scores for this set: the fine-tuned model's own ranking only.
        ea = np.array([r["attack"] for r in erows])
        print(f"\n{name} (never trained on): {ea.sum()} attacks, {(~ea).sum()} benign; Rust scores not given.\n")
        print("| scorer | attacks / benign | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR |")
        print("|---|---:|---:|---:|---:|")
        print(th.line("fine-tuned alone", ehead, ea))
        return
    erust = np.array([json.loads(l)["injection_score"] for l in open(rust_path, encoding="utf-8") if l.strip()])
    estack = stack_x(ehead, erust, eun) @ coef + bias
    eguard = np.maximum(erust, 1.0 / (1.0 + np.exp(-(estack - shift))))
    ea = np.array([r["attack"] for r in erows])
    if args.eval_dump:
        with open(os.path.join(args.eval_dump, f"{name}.tsv"), "w") as f:
            for a, r_, h, st in zip(ea, erust, ehead, estack):
                f.write(f"{int(a)}\t{r_:.6f}\t{h:.6f}\t{st:.6f}\n")
    print(f"\n{name} (never trained on): {ea.sum()} attacks, {(~ea).sum()} benign.\n")
    print("| scorer | attacks / benign | AUC | TPR @ 1 % FPR | TPR @ 5 % FPR |")
    print("|---|---:|---:|---:|---:|")
    print(th.line("Rust tiers (shipped)", erust, ea))
    print(th.line("fine-tuned alone", ehead, ea))
    print(th.line("stack: fine-tuned + Rust", estack, ea))
    print(th.line("max(Rust, semantic)", eguard, ea))
    for nm, sc in (("Rust tiers", erust), ("max(Rust, semantic)", eguard)):
        print(f"\nAt 0.5, {nm}: {100 * (sc[ea] >= 0.5).mean():.1f} % of attacks, {100 * (sc[~ea] >= 0.5).mean():.1f} % of benign flagged.", end="")
    print("\n\n| lang | attacks / benign | Rust AUC | fine-tuned AUC | stack AUC |")
    print("|---|---:|---:|---:|---:|")
    for lang in ("en", "es", "pt", "fr", "de", "ca", "it"):
        m = np.array([e.get("lang") == lang for e in meta])
        pa, pb = m & ea, m & ~ea
        if pa.any() and pb.any():
            print(f"| {lang} | {pa.sum()} / {pb.sum()} | {th.auc(erust[pa], erust[pb]):.2f} | "
                  f"{th.auc(ehead[pa], ehead[pb]):.2f} | {th.auc(estack[pa], estack[pb]):.2f} |")


if __name__ == "__main__":
    main()

"""USE-multilingual-v3's forward pass in torch, read from Rampart's model file (`use-m3.rsem`).

The same computation as `src/encoder.rs` (see its module doc for the diagram), written so
it can be trained: batches of piece-id sequences (from `examples/tokens_jsonl.rs`), padded,
with padded positions zeroed before every n-gram window, exactly as the Rust pass treats
positions outside the text. The embedding table stays u8 with per-row scale and offset and
is never trained (128k rows: what would have to ship); every other tensor is a parameter.

`python3 usem3_torch.py` checks parity with the reference vectors of
`tests/data/reference.json` (the Rust encoder matches them at cosine 1.000000).
"""

import hashlib
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DIM, CNN_DIM, HIDDEN = 512, 256, 320
ORDERS = [(2, 0), (3, 1), (5, 2)]
DTYPES = {1: np.float32, 2: np.uint8, 3: np.uint32}


def default_model_path():
    d = os.environ.get("RAMPART_MODEL_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "rampart", "models")
    return os.environ.get("RAMPART_SEMANTIC_MODEL") or os.path.join(d, "use-m3.rsem")


def read_rsem(path):
    """Parse Rampart's model file (layout in `src/format.rs`); checks magic and SHA-256."""
    data = open(path, "rb").read()
    if data[:8] != b"RSEMMDL\0":
        raise ValueError(f"{path}: not a Rampart model file")
    if hashlib.sha256(data[:-32]).digest() != data[-32:]:
        raise ValueError(f"{path}: checksum mismatch")
    pos = 8
    (version,) = struct.unpack_from("<I", data, pos)
    pos += 4
    (n,) = struct.unpack_from("<H", data, pos)
    pos += 2
    arch = data[pos:pos + n].decode()
    pos += n
    (count,) = struct.unpack_from("<I", data, pos)
    pos += 4
    tensors = {}
    for _ in range(count):
        (n,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos:pos + n].decode()
        pos += n
        dtype, rank = data[pos], data[pos + 1]
        pos += 2
        shape = struct.unpack_from(f"<{rank}I", data, pos)
        pos += 4 * rank
        dt = np.dtype(DTYPES[dtype]).newbyteorder("<")
        size = int(np.prod(shape)) * dt.itemsize
        tensors[name] = np.frombuffer(data, dtype=dt, count=int(np.prod(shape)), offset=pos).reshape(shape)
        pos += size
    return version, arch, tensors


class UseM3(nn.Module):
    """ids [B, T] (0-padded, `lengths` [B]) → unit vectors [B, 512]."""

    def __init__(self, tensors):
        super().__init__()
        t = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}
        self.register_buffer("table", t["embed.q"])
        self.register_buffer("scale", t["embed.scale"])
        self.register_buffer("offset", t["embed.offset"])
        self.eps = float(t["eps"][0])
        p = lambda name: nn.Parameter(t[name].float().clone())  # noqa: E731
        self.proj_w, self.proj_b = p("proj.w"), p("proj.b")
        self.proj_ln_g, self.proj_ln_b = p("proj.ln_g"), p("proj.ln_b")
        self.cnn = nn.ParameterDict()
        for order, _ in ORDERS:
            for k in ("w1", "b1", "w2", "b2"):
                self.cnn[f"c{order}_{k}"] = p(f"cnn{order}.{k}")
        self.feat_ln_g, self.feat_ln_b = p("feat.ln_g"), p("feat.ln_b")
        self.out_w, self.out_b = p("out.w"), p("out.b")
        self.dense = nn.ParameterDict({k: p(f"dense.{k}") for k in ("d0", "p1", "d1", "d2", "p3", "d3")})

    def layernorm(self, x, g, b):
        mean = x.mean(-1, keepdim=True)
        x = x - mean
        var = (x * x).mean(-1, keepdim=True)
        return x / torch.sqrt(var + self.eps) * g + b

    @staticmethod
    def window(x, order, left):
        """[B, T, C] → [B, T, order·C]: rows t-left .. t-left+order-1, zeros outside."""
        T = x.shape[1]
        xp = F.pad(x, (0, 0, left, order - 1 - left))
        return torch.cat([xp[:, k:k + T] for k in range(order)], dim=-1)

    def embed_rows(self, ids):
        e = self.table[ids].float() * self.scale[ids].unsqueeze(-1) + self.offset[ids].unsqueeze(-1)
        return e

    def pooled(self, ids, lengths):
        """Σ_t of the 1280-d token features [B, 1280] (everything below the output layer)."""
        B, T = ids.shape
        mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).float().unsqueeze(-1)
        e = self.embed_rows(ids)
        x = self.layernorm(e @ self.proj_w + self.proj_b, self.proj_ln_g, self.proj_ln_b) * mask
        feats = [e]
        for b, (order, left) in enumerate(ORDERS):
            c = self.cnn
            xs = x[..., b * CNN_DIM:(b + 1) * CNN_DIM]
            h = (torch.relu(self.window(xs, order, left) @ c[f"c{order}_w1"] + c[f"c{order}_b1"]) + xs) * mask
            y = torch.relu(self.window(h, order, left) @ c[f"c{order}_w2"] + c[f"c{order}_b2"]) + h
            feats.append(y)
        f = self.layernorm(torch.cat(feats, dim=-1), self.feat_ln_g, self.feat_ln_b) * mask
        return f.sum(1)

    def top_weights(self):
        """The tensors above the token sum by name (a fine-tuning wrapper may add deltas)."""
        w = {"out_w": self.out_w, "out_b": self.out_b}
        w.update({k: v for k, v in self.dense.items()})
        return w

    def top(self, pooled, lengths):
        """The layers above the token sum: pooled [B, 1280] → unit vectors [B, 512]."""
        n = lengths.float().clamp(min=1).unsqueeze(1)
        d = self.top_weights()
        m = (pooled @ d["out_w"] + n * d["out_b"]) / torch.sqrt(n)
        y0 = torch.relu(m @ d["d0"])
        y1 = torch.relu(m @ d["p1"] + y0 @ d["d1"])
        y2 = torch.relu(y1 @ d["d2"])
        z = torch.tanh(y1 @ d["p3"] + y2 @ d["d3"])
        return z / torch.sqrt((z * z).sum(-1, keepdim=True).clamp(min=self.eps))

    def forward(self, ids, lengths):
        return self.top(self.pooled(ids, lengths), lengths)


def pad(seqs):
    T = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), T), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.as_tensor(np.asarray(s, dtype=np.int64))
    return ids, torch.tensor([len(s) for s in seqs])


def load(path=None):
    _, arch, tensors = read_rsem(path or default_model_path())
    if arch != "use-multilingual-v3":
        raise ValueError(f"architecture {arch}")
    return UseM3(tensors), tensors


if __name__ == "__main__":
    torch.set_num_threads(1)
    model, _ = load()
    ref = json.load(open(os.path.join(HERE, "..", "tests", "data", "reference.json")))["sentences"]
    ids, lengths = pad([s["ids"] for s in ref])
    with torch.no_grad():
        out = model(ids, lengths).double().numpy()
    worst = 1.0
    for s, v in zip(ref, out):
        r = np.asarray(s["embedding"], dtype=np.float64)
        cos = float(v @ r / (np.linalg.norm(v) * np.linalg.norm(r)))
        worst = min(worst, cos)
    print(f"torch vs reference: {len(ref)} sentences, worst cosine {worst:.6f}")
    assert worst >= 0.999

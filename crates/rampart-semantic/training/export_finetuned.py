#!/usr/bin/env python3
"""Export a model fine-tuned by `finetune.py --save` to Rampart's model file (issue 13, step 3).

Only the layers above the embedding table change in fine-tuning (the 128k-row table stays
frozen), so the exported file is the installed `use-m3.rsem` with those f32 tensors
replaced: same architecture name, same tensor names, shapes and order, new SHA-256
trailer. `Encoder::load` reads it unchanged, so the Rust forward pass is the shipped one.
The file is about as large as the installed model (82 MB) and is not committed: it is
regenerated from the pinned wheel (`scripts/install-semantic-model`), the committed
training data and `finetune.py` (fixed seed, one thread).

    python3 export_finetuned.py --load FT.pt --out use-m3-ft.rsem \\
        [--base use-m3.rsem] [--reference ../tests/data/finetuned_reference.json]

`--reference` also writes the torch vectors of the fine-tuned encoder for the sentences of
`tests/data/reference.json` (their piece ids: the tokenizer is unchanged), which
`tests/finetuned.rs` compares with the Rust forward pass over the exported file
(cosine ≥ 0.999).
"""

import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from usem3_torch import default_model_path, load as load_encoder, pad  # noqa: E402

MAGIC = b"RSEMMDL\0"
SIZES = {1: 4, 2: 1, 3: 4}


def rsem_name(torch_name):
    """finetune.py's parameter names → the model file's tensor names."""
    fixed = {"proj_w": "proj.w", "proj_b": "proj.b", "proj_ln_g": "proj.ln_g", "proj_ln_b": "proj.ln_b",
             "feat_ln_g": "feat.ln_g", "feat_ln_b": "feat.ln_b", "out_w": "out.w", "out_b": "out.b"}
    if torch_name in fixed:
        return fixed[torch_name]
    if torch_name.startswith("cnn.c"):  # cnn.c3_w1 → cnn3.w1
        order, part = torch_name[len("cnn.c"):].split("_", 1)
        return f"cnn{order}.{part}"
    if torch_name.startswith("dense."):
        return torch_name
    raise SystemExit(f"unexpected parameter {torch_name}")


def rewrite(base_bytes, replace):
    """Copy the model file, replacing the f32 data of the named tensors (same shape)."""
    if base_bytes[:8] != MAGIC or hashlib.sha256(base_bytes[:-32]).digest() != base_bytes[-32:]:
        raise SystemExit("base model: not a Rampart model file, or its checksum does not match")
    out = bytearray(base_bytes[:12])
    pos = 12
    (n,) = struct.unpack_from("<H", base_bytes, pos)
    out += base_bytes[pos:pos + 2 + n]
    pos += 2 + n
    (count,) = struct.unpack_from("<I", base_bytes, pos)
    out += base_bytes[pos:pos + 4]
    pos += 4
    done = set()
    for _ in range(count):
        start = pos
        (n,) = struct.unpack_from("<H", base_bytes, pos)
        name = base_bytes[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        dtype, rank = base_bytes[pos], base_bytes[pos + 1]
        pos += 2
        shape = struct.unpack_from(f"<{rank}I", base_bytes, pos)
        pos += 4 * rank
        size = int(np.prod(shape)) * SIZES[dtype]
        out += base_bytes[start:pos]
        if name in replace:
            v = np.ascontiguousarray(replace[name], dtype="<f4")
            if dtype != 1 or tuple(v.shape) != tuple(shape):
                raise SystemExit(f"{name}: fine-tuned shape {v.shape} vs file {shape} (dtype {dtype})")
            out += v.tobytes()
            done.add(name)
        else:
            out += base_bytes[pos:pos + size]
        pos += size
    if pos != len(base_bytes) - 32:
        raise SystemExit("base model: trailing bytes")
    missing = set(replace) - done
    if missing:
        raise SystemExit(f"tensors not in the base model: {sorted(missing)}")
    out += hashlib.sha256(out).digest()
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--load", required=True, help="finetune.py --save output")
    ap.add_argument("--base", default=default_model_path())
    ap.add_argument("--out", required=True)
    ap.add_argument("--reference", help="write torch vectors of the fine-tuned encoder here (JSON)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    state = torch.load(args.load)
    if state.get("lora"):
        raise SystemExit("low-rank models are not exported")
    replace = {rsem_name(k): v.detach().numpy() for k, v in state["encoder"].items()}
    data = rewrite(open(args.base, "rb").read(), replace)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.out)
    print(f"wrote {args.out}: {len(replace)} fine-tuned tensors "
          f"({sum(v.size for v in replace.values())} values), sha256 {hashlib.sha256(data).hexdigest()}")
    if args.reference:
        enc, _ = load_encoder(args.out)
        ref = json.load(open(os.path.join(HERE, "..", "tests", "data", "reference.json"), encoding="utf-8"))
        ids, lengths = pad([s["ids"] for s in ref["sentences"]])
        with torch.no_grad():
            vecs = enc(ids, lengths).numpy()
        out = {"reference": f"finetune.py model exported by export_finetuned.py (sha256 "
                            f"{hashlib.sha256(data).hexdigest()}), torch forward pass (usem3_torch.py)",
               "sentences": [{"lang": s["lang"], "ids": s["ids"], "embedding": [round(float(x), 6) for x in v]}
                             for s, v in zip(ref["sentences"], vecs)]}
        with open(args.reference, "w", encoding="utf-8") as f:
            json.dump(out, f)
            f.write("\n")
        print(f"wrote {args.reference}: {len(vecs)} sentences")


if __name__ == "__main__":
    main()

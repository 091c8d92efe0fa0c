#!/usr/bin/env python3
"""Write the raw-weight fixtures of tests/data/raw-weights (standard library only, no
downloads): raw tensor files named `.bin` next to the descriptors real tools write, and the
cases that must not be trusted because of a descriptor.

    python3 crates/rampart-scan/scripts/make-raw-weight-samples.py crates/rampart-scan/tests/data/raw-weights

Layout (relative to OUT_DIR):
  openvino/openvino_model.xml + .bin   OpenVINO IR (`<net>` root) and its weights: clean
  tfjs/model.json + group1-shard*.bin  TensorFlow.js weightsManifest shards: clean
  tfjs/orphan.bin                      raw bytes no descriptor names: error
  onnx/model.onnx + weights/w.bin      ONNX external data (location `weights/w.bin`): clean
  ggml/ggml-model-q4_0.bin             legacy GGJT v3 llama.cpp file: clean (format ggml)
  ggml/ggml-bad-version.bin            GGJT with a version never written: error
  notnet/model.xml + model.bin         XML that is not an IR (`<html>` root): error
  disguised/model.json                 a weightsManifest naming files that are really
    payload.bin (pickle calling posix.system) and archive.bin (zip holding such a pickle):
    both still scanned as what they are, malicious
  lonely/pytorch_model.bin             raw bytes, no descriptor at all: error
"""
import io
import json
import os
import struct
import sys
import zipfile

out = sys.argv[1]
RAW = struct.pack("<8f", 1.0, 2.0, 3.0, 4.0, 0.5, 0.25, -1.0, 0.0)
PAYLOAD = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R."


def write(rel, data):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# OpenVINO IR (the shape `ov.save_model` writes, trimmed to one constant).
write("openvino/openvino_model.xml", """<?xml version="1.0"?>
<net name="tiny" version="11">
\t<layers>
\t\t<layer id="0" name="w" type="Const" version="opset1">
\t\t\t<data element_type="f32" shape="8" offset="0" size="32" />
\t\t\t<output><port id="0" precision="FP32"><dim>8</dim></port></output>
\t\t</layer>
\t</layers>
\t<edges />
</net>
""")
write("openvino/openvino_model.bin", RAW)

# TensorFlow.js graph model with two weight shards, and a shard no manifest lists.
write("tfjs/model.json", json.dumps({
    "format": "graph-model",
    "generatedBy": "2.15.0",
    "convertedBy": "TensorFlow.js Converter v4.22.0",
    "modelTopology": {"node": [], "library": {}, "versions": {"producer": 1808}},
    "weightsManifest": [{
        "paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"],
        "weights": [{"name": "w", "shape": [16], "dtype": "float32"}],
    }],
}, indent=2))
write("tfjs/group1-shard1of2.bin", RAW)
write("tfjs/group1-shard2of2.bin", RAW)
write("tfjs/orphan.bin", RAW)


# ONNX with external data, hand-encoded protobuf (ModelProto).
def varint(v):
    b = bytearray()
    while True:
        x = v & 0x7F
        v >>= 7
        if v:
            b.append(x | 0x80)
        else:
            b.append(x)
            return bytes(b)


def field(number, payload):
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def entry(k, v):
    return field(13, field(1, k) + field(2, v))


tensor = (field(1, 8) + field(2, 1) + field(8, "w")
          + entry("location", "weights/w.bin") + entry("offset", "0") + entry("length", "32")
          + field(14, 1))
graph = field(5, tensor) + field(2, "g")
model = field(1, 8) + field(2, "tiny") + field(7, graph) + field(8, field(1, "") + field(2, 17))
write("onnx/model.onnx", model)
write("onnx/weights/w.bin", RAW)

# Legacy llama.cpp GGJT v3: magic, version, 7 hparams, one vocabulary entry, raw data.
hparams = struct.pack("<7I", 1, 8, 256, 1, 1, 8, 2)
write("ggml/ggml-model-q4_0.bin",
      b"tjgg" + struct.pack("<I", 3) + hparams + struct.pack("<I", 2) + b"hi" + struct.pack("<f", 0.0) + RAW)
write("ggml/ggml-bad-version.bin", b"tjgg" + struct.pack("<I", 99) + hparams + RAW)

# XML that is not an OpenVINO IR does not describe its neighbour.
write("notnet/model.xml", "<?xml version=\"1.0\"?>\n<html><net name=\"x\"/></html>\n")
write("notnet/model.bin", RAW)

# A manifest naming files that are not raw weights: they are scanned as what they are.
write("disguised/model.json", json.dumps({
    "weightsManifest": [{"paths": ["payload.bin", "archive.bin"], "weights": []}],
}))
write("disguised/payload.bin", PAYLOAD)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("evil.pkl", PAYLOAD)
write("disguised/archive.bin", buf.getvalue())

write("lonely/pytorch_model.bin", RAW)

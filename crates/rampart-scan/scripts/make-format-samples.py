#!/usr/bin/env python3
"""Write benign and malicious samples of the non-pickle formats with the formats' own
writers (gguf-py, onnx, keras 3 on its numpy backend), for checking the scanner against what real tools produce.

    python -m venv /tmp/venv && /tmp/venv/bin/pip install gguf onnx numpy keras h5py scipy jax
    /tmp/venv/bin/python crates/rampart-scan/scripts/make-format-samples.py OUT_DIR

Malicious samples are inert: their payloads are strings that a vulnerable loader would
act on; nothing here runs them.
"""
import os
import sys

import numpy as np

out = sys.argv[1]
templates = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "templates")
os.makedirs(os.path.join(out, "benign"), exist_ok=True)
os.makedirs(os.path.join(out, "malicious"), exist_ok=True)


def gguf_file(path, template):
    import gguf

    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny")
    w.add_context_length(128)
    w.add_tokenizer_model("llama")
    w.add_token_list(["<s>", "</s>", "hello"])
    w.add_token_scores([0.0, 0.0, -1.0])
    w.add_chat_template(template)
    w.add_tensor("tok_embd.weight", np.zeros((3, 8), dtype=np.float32))
    w.add_tensor("out.weight", np.ones((8,), dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


for name in sorted(os.listdir(templates)):
    with open(os.path.join(templates, name), encoding="utf-8") as f:
        gguf_file(os.path.join(out, "benign", name.replace(".jinja", ".gguf")), f.read())
for i, payload in enumerate([
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ self._TemplateReference__context.joiner.__init__.__globals__.os.system('id') }}",
    "{{ lipsum.__globals__['os'].popen('id') }}",
]):
    gguf_file(os.path.join(out, "malicious", f"template_injection_{i}.gguf"), payload)


def onnx_model(path, external=None, domain=""):
    import onnx
    from onnx import TensorProto, helper

    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0])
    if external:
        w.data_location = TensorProto.EXTERNAL
        del w.float_data[:]
        e = w.external_data.add()
        e.key, e.value = "location", external
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    nodes = [node]
    opsets = [helper.make_opsetid("", 17)]
    if domain:
        nodes.append(helper.make_node("Exec", ["y"], ["z"], domain=domain))
        opsets.append(helper.make_opsetid(domain, 1))
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("z" if domain else "y", TensorProto.FLOAT, [2, 2])],
        [w],
    )
    m = helper.make_model(g, opset_imports=opsets, producer_name="rampart-samples")
    with open(path, "wb") as f:
        f.write(m.SerializeToString())


onnx_model(os.path.join(out, "benign", "matmul.onnx"))
onnx_model(os.path.join(out, "benign", "matmul_external.onnx"), external="matmul.data")
onnx_model(os.path.join(out, "malicious", "external_abs.onnx"), external="/etc/passwd")
onnx_model(os.path.join(out, "malicious", "external_traversal.onnx"), external="../../../../etc/shadow")
onnx_model(os.path.join(out, "malicious", "custom_domain.onnx"), domain="com.attacker.ops")


def keras_models():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras

    m = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(2),
    ])
    m.save(os.path.join(out, "benign", "mlp.keras"))
    m.save(os.path.join(out, "benign", "mlp.h5"))
    inp = keras.Input((4,))
    x = keras.layers.Dense(3)(inp)
    y = keras.layers.Dense(1)(keras.layers.Concatenate()([x, inp]))
    keras.Model(inp, y).save(os.path.join(out, "benign", "functional.keras"))
    # The payload sits in a branch Keras never takes while building the model.
    lam = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Lambda(lambda x: x if x is not None else __import__("os").system("id")),
    ])
    lam.save(os.path.join(out, "malicious", "lambda.keras"))
    lam.save(os.path.join(out, "malicious", "lambda.h5"))


keras_models()
print("samples written to", out)

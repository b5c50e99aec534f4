"""Writes torch.safetensors and torch.json for package safetensors's tests, and checks
godl.safetensors (written by the Go tests) when it is there. Run from the repository root
through the PyTorch wrapper:

    ../shared/tools/pytorch safetensors/testdata/gen_safetensors.py

PyTorch 1.13 comes without the safetensors package, so this script writes and reads the format
by hand, as the reference implementation lays it out: an 8-byte little-endian header length,
the JSON header (each tensor's dtype, shape and data_offsets, plus "__metadata__"), padded with
spaces to a multiple of 8 bytes, then the tensors' bytes, little-endian, row-major, the widest
dtypes first, by name within a dtype.

torch.json holds what godl must load: {"torch_version", "metadata", "tensors": {name: {"dtype"
(the file's), "shape", "data" (float64 values; "nan", "inf", "-inf" as strings; F16 and BF16
widened exactly)}}}. godl.safetensors must hold the tensors godlExpected below describes (the
Go test TestGoldenFile writes them, and checks the bytes against the committed file).
"""

import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.float16: "F16",
         torch.bfloat16: "BF16", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
         torch.int16: "I16", torch.int8: "I8"}
SIZES = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I16": 2, "U8": 1, "I8": 1, "BOOL": 1}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def save(path, tensors, metadata):
    names = sorted(tensors, key=lambda n: (-SIZES[NAMES[tensors[n].dtype]], n))
    header, off = {}, 0
    for n in names:
        t = tensors[n]
        nb = t.numel() * t.element_size()
        header[n] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + nb]}
        off += nb
    if metadata:
        header["__metadata__"] = metadata
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for n in names:
            f.write(raw_bytes(tensors[n]))


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    rev = {v: k for k, v in NAMES.items()}
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        dt = rev[e["dtype"]]
        chunk = bytearray(body[b:end])
        if dt == torch.bfloat16:
            t = torch.frombuffer(chunk, dtype=torch.int16).view(torch.bfloat16) if chunk else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(chunk, dtype=dt) if chunk else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
    return out, meta


def num(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


gen = torch.Generator().manual_seed(0)
tensors = {
    "f32": torch.randn(2, 3, generator=gen),
    "f64": torch.randn(3, generator=gen, dtype=torch.float64),
    "i64": torch.tensor([[-(2 ** 62), -1], [0, 2 ** 62 + 7]]),
    "f16": torch.tensor([1.5, -0.0, 6e-8, 65504.0, float("inf"), float("nan"), 1e-5, -2.0], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -3.140625, 1e38, float("-inf"), 1e-40], dtype=torch.bfloat16),
    "i32": torch.tensor([-2147483648, 7, 2147483647], dtype=torch.int32),
    "i16": torch.tensor([-32768, 5], dtype=torch.int16),
    "i8": torch.tensor([-128, 127], dtype=torch.int8),
    "u8": torch.tensor([0, 1, 255, 128], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 4),
    "model.weight": torch.randn(3, 4, generator=gen),
}
metadata = {"format": "pt", "written_by": "gen_safetensors.py"}
save(os.path.join(HERE, "torch.safetensors"), tensors, metadata)
back, meta = load(os.path.join(HERE, "torch.safetensors"))
assert meta == metadata
for k, v in tensors.items():
    assert torch.equal(back[k], v) or (v.is_floating_point() and torch.equal(back[k].isnan(), v.isnan())), k
expected = {k: {"dtype": NAMES[v.dtype], "shape": list(v.shape),
                "data": [num(float(x)) if v.is_floating_point() else int(x) for x in v.reshape(-1).double().tolist()]}
            for k, v in tensors.items() if v.dtype != torch.int64}
expected["i64"] = {"dtype": "I64", "shape": [2, 2], "data": tensors["i64"].reshape(-1).tolist()}
with open(os.path.join(HERE, "torch.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "metadata": metadata, "tensors": expected}, f)
print("wrote torch.safetensors and torch.json")


def godl_expected():
    """What godl.safetensors holds (see goldenTensors in the Go test)."""
    return {
        "weight": torch.tensor([(i - 5) / 4 for i in range(12)], dtype=torch.float32).reshape(3, 4),
        "bias": torch.tensor([0.1, -2.5, 1e300, -0.0, float("inf")], dtype=torch.float64),
        "ids": torch.tensor([-3, -2, -1, 0, 1, 2 ** 62], dtype=torch.int64).reshape(2, 3),
        "scalar": torch.tensor(3.25, dtype=torch.float32),
        "empty": torch.zeros(0, 2, dtype=torch.float64),
    }


path = os.path.join(HERE, "godl.safetensors")
if os.path.exists(path):
    got, meta = load(path)
    want = godl_expected()
    assert meta == {"written_by": "godl"}, meta
    assert sorted(got) == sorted(want), sorted(got)
    for k, v in want.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape, (k, got[k].dtype, got[k].shape)
        assert torch.equal(got[k], v), (k, got[k], v)
        assert torch.equal(torch.signbit(got[k].double()), torch.signbit(v.double())) if v.is_floating_point() else True
    print("godl.safetensors loads in PyTorch with the expected values")
else:
    print("godl.safetensors not found: run the Go tests first (go test ./safetensors)")

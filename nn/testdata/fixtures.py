"""Shared helpers of the nn fixture generators (gen_*.py): each writes a JSON file of cases
that nn's Go tests read (see fixture_test.go), so that the tests never need Python.

Run a generator from the repository root through the PyTorch wrapper:

    ../shared/tools/pytorch nn/testdata/gen_layers.py

File format: {"torch_version", "doc", "cases": [case, ...]}; a case is

    {"name", "layer", "dtype": "float32" | "float64", "params": {...},
     "state": {state_dict key: tensor}, "inputs": {name: tensor}, "ints": {name: tensor},
     "consts": {name: tensor}, "out_grads": [tensor, ...], "outputs": [tensor, ...],
     "grads": {name: tensor}}

"state" is the module's state_dict, which the Go test loads by name; "inputs" are the
floating-point inputs that are differentiated, "ints" the Int64 ones (ids, targets, lengths),
"consts" floating-point inputs that are not (masks, class weights). "outputs" are the module's
outputs in order; "grads" holds the gradient of sum_k sum(outputs[k] * out_grads[k]) with
respect to every parameter (by state_dict key) and every input (by name). A tensor is
{"dtype", "shape", "data"}, elements in row-major order; float32 values are written as the
float64 decimal of the exactly widened float32; NaN and infinities as "nan", "inf", "-inf".
"""

import json
import math

import torch

F32, F64, I64 = torch.float32, torch.float64, torch.int64
DT_NAME = {F32: "float32", F64: "float64", I64: "int64", torch.bool: "int64"}


def num(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bool:
        t = t.to(I64)
    flat = t.reshape(-1).tolist()
    if t.dtype == I64:
        data = [int(v) for v in flat]
    else:
        data = [num(float(v)) for v in flat]
    return {"dtype": DT_NAME[t.dtype], "shape": list(t.shape), "data": data}


class Writer:
    """Collects cases and writes them."""

    def __init__(self, doc):
        self.doc = doc
        self.cases = []

    def add(self, name, layer, dtype, params, module, inputs, ints=None, consts=None, seed=0,
            forward=None):
        """Runs module (already in dtype, in eval or train mode as wanted) on inputs and records
        its outputs and gradients. forward(module, leaves, ints, consts) returns a tensor or a
        tuple of tensors (None entries are dropped); the default calls module(*leaves)."""
        if any(c["name"] == name for c in self.cases):
            raise SystemExit("duplicate case name " + name)
        ints = ints or {}
        consts = {k: v.to(dtype) for k, v in (consts or {}).items()}
        leaves = {k: v.to(dtype).clone().requires_grad_(True) for k, v in inputs.items()}
        if forward is None:
            out = module(*leaves.values())
        else:
            out = forward(module, leaves, ints, consts)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        outs = [o for o in outs if o is not None]
        gen = torch.Generator().manual_seed(seed + 1000)
        ogs = [torch.randn(o.shape, generator=gen, dtype=F64).to(o.dtype) for o in outs]
        named = dict(module.named_parameters()) if module is not None else {}
        total = sum((o * og).sum() for o, og in zip(outs, ogs) if o.requires_grad)
        if torch.is_tensor(total):
            total.backward()
        grads = {}
        for k, p in named.items():
            grads[k] = p.grad if p.grad is not None else torch.zeros_like(p)
        for k, v in leaves.items():
            grads[k] = v.grad if v.grad is not None else torch.zeros_like(v)
        state = {k: enc(v) for k, v in module.state_dict().items()} if module is not None else {}
        self.cases.append({
            "name": name,
            "layer": layer,
            "dtype": DT_NAME[dtype],
            "params": params,
            "state": state,
            "inputs": {k: enc(v) for k, v in leaves.items()},
            "ints": {k: enc(v) for k, v in ints.items()},
            "consts": {k: enc(v) for k, v in consts.items()},
            "out_grads": [enc(og) for og in ogs],
            "outputs": [enc(o) for o in outs],
            "grads": {k: enc(g) for k, g in grads.items()},
        })
        return self.cases[-1]

    def write(self, path):
        with open(path, "w") as f:
            json.dump({"torch_version": torch.__version__, "doc": self.doc, "cases": self.cases},
                      f, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {len(self.cases)} cases to {path}")

"""Writes ops.json: PyTorch 1.13 references for single autograd operations, for
autograd/ops_torch_test.go.

Run from the repository root:

    ../shared/tools/pytorch autograd/testdata/gen_ops.py

(or with the path of that wrapper wherever it lives). The output is deterministic: every input
is drawn from a torch.Generator seeded per group of cases and stored in the JSON next to the
results, so the Go test rebuilds exactly the same inputs and never needs Python.

File format: {"torch_version", "doc", "cases": [case, ...]}, where each case is

    {"name": "cross_entropy/weight+ignore/mean", "op": "cross_entropy" | ...,
     "dtype": "float32" | "float64", "params": {...},
     "inputs": {name: tensor}, "consts": {name: tensor}, "ints": {name: tensor},
     "out_grad": tensor, "output": tensor, "grads": {name: tensor}}

and a tensor is {"dtype", "shape", "data"} with the elements in row-major order. Float32 values
are written as the float64 decimal of the (exactly widened) float32, so they read back exactly;
NaN and infinities, which JSON has no numbers for, are written as the strings "nan", "inf" and
"-inf". "inputs" holds the floating-point leaves that are differentiated, "consts" the
floating-point tensors that are not (class weights), "ints" the Int64 tensors (targets,
indices). "output" is the operation's result; "grads" holds the gradient, with respect to each
input, of sum(output * out_grad) (out_grad is a scalar 1 for a scalar output).

Operations and their params:

  cross_entropy  F.cross_entropy(x, y, weight=consts.get("weight"), reduction,
                 ignore_index (absent: torch's default -100), label_smoothing).
                 x is [N, C] or [C] (then y is 0-d). The script also recomputes every case
                 from the formula the Go code documents,
                     loss_i = (1-eps)*w[y_i]*(-logp[i, y_i]) + (eps/C)*sum_k w[k]*(-logp[i, k])
                 (0 for ignored examples), mean = sum_i loss_i / sum over kept i of w[y_i],
                 and checks that it agrees with torch, so that the formula is pinned down.
  index_select   IndexSelect(axis, idx) with idx of any shape: the result has shape
                 x.shape[:axis] + idx.shape + x.shape[axis+1:]. References: F.embedding(idx, x)
                 for axis 0, advanced indexing x[:, idx] and x[..., idx] for the others.
  index_add      IndexAdd(axis 0, idx, src) with a 2-D idx: x + zeros.index_put((idx,), src,
                 accumulate=True), src of shape idx.shape + x.shape[1:]; inputs x and src.
  slices         a small program of slicing operations on one input x, named by params
                 "program" (the Go test builds the same one from Unbind, Split, SplitSizes,
                 Chunk, Narrow, Slice and Select):
                   unbind       x [4, 3]; p = x.unbind(1); stack([p[2], p[0]*p[0]])  (p[1] unused)
                   split        x [7, 2]; p = x.split(3, 0); cat([p[2], tanh(p[0])])   (sizes 3 3 1)
                   split_sizes  x [2, 7]; p = x.split([1, 4, 2], 1); cat([2*p[1], p[2]], 1)
                   chunk        x [5, 4]; p = x.chunk(3, 0); cat([p[2], p[0]*p[1]])   (sizes 2 2 1)
                   overlap      x [6, 3]; x.narrow(0, 1, 3) * x[0:6:2] + x.select(0, 5)
"""

import json
import math
import os

import torch
import torch.nn.functional as F

F32, F64, I64 = torch.float32, torch.float64, torch.int64
DT_NAME = {F32: "float32", F64: "float64", I64: "int64"}

# The float32 tolerance of the Go test (opsF32Rtol, opsF32Atol in ops_torch_test.go): an
# element passes when |got - want| <= RTOL*|want| + ATOL*max|want|. The script checks that
# torch's own float32 results meet it against a float64 computation on the same inputs.
F32_RTOL = 1e-5
F32_ATOL = 2e-6

cases = []


def num(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc(t):
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    if t.dtype == I64:
        data = [int(v) for v in flat]
    else:
        data = [num(float(v)) for v in flat]  # float32 widens exactly; repr round-trips float64
    return {"dtype": DT_NAME[t.dtype], "shape": list(t.shape), "data": data}


def run(fn, inputs, dtype, out_grad_gen):
    """Runs fn on leaf copies of inputs in dtype. Returns the output, the output gradient
    (ones for a scalar output, else drawn from out_grad_gen) and the inputs' gradients."""
    leaves = {k: v.to(dtype).clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(leaves)
    if out.dim() == 0:
        og = torch.ones((), dtype=dtype)
    else:
        og = torch.randn(out.shape, generator=out_grad_gen, dtype=F64).to(dtype)
    (out * og).sum().backward()
    grads = {}
    for k, v in leaves.items():
        grads[k] = v.grad.detach() if v.grad is not None else torch.zeros_like(v)
    return out.detach(), og, grads


def check_f32(name, out, grads, out64, grads64):
    """Checks that torch's float32 results lie within the Go test's float32 tolerance of the
    float64 results on the same (rounded) inputs."""
    for what, got, ref in [("output", out, out64)] + [(k, grads[k], grads64[k]) for k in grads]:
        ref = ref.to(F64)
        scale = ref.abs().max().item() if ref.numel() else 0.0
        err = (got.to(F64) - ref).abs()
        bound = F32_RTOL * ref.abs() + F32_ATOL * scale
        worst = (err / bound).max().item() if ref.numel() else 0.0
        assert worst <= 1, (name, what, worst)
        print(f"  {name} {what}: torch float32 error / Go tolerance = {worst:.3f}")


def add_case(name, op, dtype, params, inputs, consts, ints, fn, seed):
    if any(c["name"] == name for c in cases):
        raise SystemExit("duplicate case name " + name)
    consts_dt = {k: v.to(dtype) for k, v in consts.items()}
    out, og, grads = run(lambda p: fn(p, consts_dt), inputs, dtype, torch.Generator().manual_seed(seed))
    if dtype == F32:
        rounded = {k: v.to(F32).to(F64) for k, v in inputs.items()}
        c64 = {k: v.to(F32).to(F64) for k, v in consts.items()}
        out64, _, grads64 = run(lambda p: fn(p, c64), rounded, F64, torch.Generator().manual_seed(seed))
        check_f32(name, out, grads, out64, grads64)
    cases.append({
        "name": name,
        "op": op,
        "dtype": DT_NAME[dtype],
        "params": params,
        "inputs": {k: enc(v.to(dtype)) for k, v in inputs.items()},
        "consts": {k: enc(v) for k, v in consts_dt.items()},
        "ints": {k: enc(v) for k, v in ints.items()},
        "out_grad": enc(og),
        "output": enc(out),
        "grads": {k: enc(g) for k, g in grads.items()},
    })


# ---------------------------------------------------------------------------------------------
# Cross-entropy: class weights, ignore_index, label smoothing, each reduction, 1-D logits.

def ce_formula(x, y, w, reduction, ignore_index, eps):
    """The loss as the Go doc comment states it, from log_softmax alone."""
    single = x.dim() == 1
    if single:
        x, y = x.unsqueeze(0), y.reshape(1)
    n, c = x.shape
    if w is None:
        w = torch.ones(c, dtype=x.dtype)
    logp = torch.log_softmax(x, 1)
    keep = y != ignore_index
    safe = torch.where(keep, y, torch.zeros_like(y))
    wy = w[safe] * keep
    loss = -(1 - eps) * wy * logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    loss = loss - (eps / c) * (logp * w).sum(1) * keep
    if reduction == "mean":
        return loss.sum() / wy.sum()
    if reduction == "sum":
        return loss.sum()
    return loss[0] if single else loss


def ce_case(name, dtype, x, y, weight=None, reduction="mean", ignore_index=None, eps=0.0, seed=0):
    params = {"reduction": reduction, "label_smoothing": eps}
    kw = {}
    if ignore_index is not None:
        params["ignore_index"] = ignore_index
        kw["ignore_index"] = ignore_index
    consts = {} if weight is None else {"weight": weight}

    def fn(p, cs):
        return F.cross_entropy(p["x"], y, weight=cs.get("weight"), reduction=reduction,
                               label_smoothing=eps, **kw)

    # The documented formula gives torch's loss and gradient (NaN where torch gives NaN).
    x64 = x.to(F64)
    w64 = None if weight is None else weight.to(F64)
    ii = -100 if ignore_index is None else ignore_index
    leaf1, leaf2 = x64.clone().requires_grad_(True), x64.clone().requires_grad_(True)
    ref = fn({"x": leaf1}, consts and {"weight": w64})
    mine = ce_formula(leaf2, y, w64, reduction, ii, eps)
    assert torch.allclose(ref, mine, rtol=1e-12, atol=1e-14, equal_nan=True), (name, ref, mine)
    if ref.numel() and not ref.isnan().any():
        ref.sum().backward()
        mine.sum().backward()
        assert torch.allclose(leaf1.grad, leaf2.grad, rtol=1e-12, atol=1e-14), name

    add_case(name, "cross_entropy", dtype, params, {"x": x}, consts, {"y": y}, fn, seed)


g = torch.Generator().manual_seed(20250301)
N, C = 6, 5
ce_x = torch.randn(N, C, generator=g, dtype=F64) * 1.5
ce_w = torch.rand(C, generator=g, dtype=F64) * 1.8 + 0.2
y_plain = torch.tensor([0, 3, 0, 4, 1, 2], dtype=I64)        # class 0 twice: the zero-value trap
y_ign = torch.tensor([0, -100, 3, 0, -100, 2], dtype=I64)     # torch's default ignore index
y_all_ign = torch.full([N], -100, dtype=I64)
ce_x1 = torch.randn(C, generator=g, dtype=F64)

seed = 100
for red in ("mean", "sum", "none"):
    variants = [
        ("plain", dict(y=y_plain)),
        ("ls0.1", dict(y=y_plain, eps=0.1)),
        ("weight", dict(y=y_plain, weight=ce_w)),
        ("ignore", dict(y=y_ign)),
        ("weight+ignore", dict(y=y_ign, weight=ce_w)),
        ("ls0.1+ignore", dict(y=y_ign, eps=0.1)),
        ("ls0.2+weight", dict(y=y_plain, weight=ce_w, eps=0.2)),
        ("ls0.2+weight+ignore", dict(y=y_ign, weight=ce_w, eps=0.2)),
        ("ignore_index=0", dict(y=y_plain, ignore_index=0)),
        ("ignore_index=3+weight+ls0.1", dict(y=y_plain, weight=ce_w, ignore_index=3, eps=0.1)),
        ("all_ignored+weight+ls0.1", dict(y=y_all_ign, weight=ce_w, eps=0.1)),
        ("empty", dict(y=torch.zeros(0, dtype=I64), x=torch.zeros(0, C, dtype=F64))),
        ("1d", dict(y=torch.tensor(0, dtype=I64), x=ce_x1)),
        ("1d+weight+ls0.1", dict(y=torch.tensor(3, dtype=I64), x=ce_x1, weight=ce_w, eps=0.1)),
        ("1d+ignored", dict(y=torch.tensor(-100, dtype=I64), x=ce_x1, weight=ce_w)),
    ]
    for vname, kw in variants:
        kw = dict(kw)
        x = kw.pop("x", ce_x)
        seed += 1
        ce_case(f"cross_entropy/{vname}/{red}/float64", F64, x, reduction=red, seed=seed, **kw)

for red in ("mean", "none"):
    seed += 1
    ce_case(f"cross_entropy/ls0.1+weight+ignore/{red}/float32", F32, ce_x, y_ign, weight=ce_w,
            reduction=red, eps=0.1, seed=seed)

# ---------------------------------------------------------------------------------------------
# Index selection and addition with indices of any shape.

g = torch.Generator().manual_seed(20250302)
table = torch.randn(7, 3, generator=g, dtype=F64)
ids = torch.tensor([[3, 0, 3, 6], [1, 3, 3, 0]], dtype=I64)  # 3 four times, 2, 4 and 5 unused
add_case("index_select/embedding[2 4]/float64", "index_select", F64, {"axis": 0}, {"x": table}, {},
         {"idx": ids}, lambda p, cs: F.embedding(ids, p["x"]), 201)
x3 = torch.randn(3, 5, 2, generator=g, dtype=F64)
idx2 = torch.tensor([[4, 0], [4, 4]], dtype=I64)
add_case("index_select/axis1[2 2]/float64", "index_select", F64, {"axis": 1}, {"x": x3}, {},
         {"idx": idx2}, lambda p, cs: p["x"][:, idx2], 202)
x2 = torch.randn(3, 4, generator=g, dtype=F64)
idx3 = torch.tensor([[[1], [3]], [[1], [0]]], dtype=I64)
add_case("index_select/axis-1[2 2 1]/float64", "index_select", F64, {"axis": -1}, {"x": x2}, {},
         {"idx": idx3}, lambda p, cs: p["x"][..., idx3], 203)
add_case("index_select/embedding[2 4]/float32", "index_select", F32, {"axis": 0}, {"x": table}, {},
         {"idx": ids}, lambda p, cs: F.embedding(ids, p["x"]), 204)
base = torch.randn(5, 3, generator=g, dtype=F64)
src = torch.randn(2, 3, 3, generator=g, dtype=F64)
idx_add = torch.tensor([[4, 1, 4], [0, 4, 1]], dtype=I64)
add_case("index_add/axis0[2 3]/float64", "index_add", F64, {"axis": 0}, {"x": base, "src": src}, {},
         {"idx": idx_add},
         lambda p, cs: p["x"] + torch.zeros_like(p["x"]).index_put((idx_add,), p["src"], accumulate=True), 205)

# ---------------------------------------------------------------------------------------------
# Slicing: one-node Unbind, Split and Chunk, and slices used several times.

SLICE_PROGRAMS = {
    "unbind": ([4, 3], lambda x: (lambda p: torch.stack([p[2], p[0] * p[0]]))(x.unbind(1))),
    "split": ([7, 2], lambda x: (lambda p: torch.cat([p[2], torch.tanh(p[0])]))(x.split(3, 0))),
    "split_sizes": ([2, 7], lambda x: (lambda p: torch.cat([2 * p[1], p[2]], 1))(x.split([1, 4, 2], 1))),
    "chunk": ([5, 4], lambda x: (lambda p: torch.cat([p[2], p[0] * p[1]]))(x.chunk(3, 0))),
    "overlap": ([6, 3], lambda x: x.narrow(0, 1, 3) * x[0:6:2] + x.select(0, 5)),
}
g = torch.Generator().manual_seed(20250303)
for i, (prog, (shape, fn)) in enumerate(SLICE_PROGRAMS.items()):
    x = torch.randn(shape, generator=g, dtype=F64)
    add_case(f"slices/{prog}/float64", "slices", F64, {"program": prog}, {"x": x}, {}, {},
             lambda p, cs, fn=fn: fn(p["x"]), 301 + i)

out = {
    "torch_version": torch.__version__,
    "doc": "Written by gen_ops.py; see its doc string for the format.",
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=None, separators=(",", ":"), allow_nan=False)
    fh.write("\n")
print(f"wrote {len(cases)} cases to {path}")

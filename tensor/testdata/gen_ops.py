"""Writes ops.json: PyTorch 1.13 reference results for the numerical ops of package tensor.

Run from the repository root:

    ../shared/tools/pytorch tensor/testdata/gen_ops.py

(or with the path of that wrapper wherever it lives). The output is deterministic: inputs are
drawn from one seeded torch.Generator, rounded to a few decimals so that the file stays small,
and stored in the JSON next to the results, so the Go test (ops_torch_test.go) rebuilds exactly
the same inputs and never needs Python.

File format: {"torch_version", "doc", "cases": [case, ...]}, where each case is

    {"name": "exp/float32/rand", "op": "exp", "params": {...},
     "inputs": [tensor, ...], "outputs": [tensor, ...]}

and a tensor is {"dtype": "float32" | "float64" | "int64", "shape": [...], "data": [...]} with
the elements in row-major order. JSON has no NaN or infinities: those are the strings "nan",
"inf" and "-inf" (in data and in params); -0.0 is written as the number -0.0. Float32 values are written with the
shortest decimal that reads back (as float32) to the same value.

Differences from torch that the file encodes on purpose:
  * Comparisons (eq, ne, lt, ..., and their scalar forms) return bool tensors in torch; godl's
    masks have the operands' dtype, so the expected outputs are the 0/1 results converted to
    the operands' dtype.
  * Where's condition and masked_fill's mask are bool in torch; the file stores them with
    dtype "bool" and data 0/1, and the Go test builds them as masks in the other operands'
    dtype, which is what godl's comparisons produce.
  * torch.sign(nan) is 0, while godl documents that sign keeps NaN: sign cases have no NaN
    (the Go hand-written tests cover it).
  * Int64 ops that godl does not support (float-only ops such as sqrt or pow with a scalar
    exponent, division by zero, promotion of integer tensors to float) are left out; the Go
    hand-written tests check that they panic.
"""

import json
import math
import os
import sys

import numpy as np
import torch

SEED = 20240607
gen = torch.Generator().manual_seed(SEED)
cases = []

F32, F64, I64 = torch.float32, torch.float64, torch.int64
DT_NAME = {F32: "float32", F64: "float64", I64: "int64", torch.bool: "bool"}
FLOATS = (F32, F64)
NAN, INF = float("nan"), float("inf")


def enc_value(v, dt):
    if dt == I64 or dt == torch.bool:
        return int(v)
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dt == F32:
        return float(repr(np.float32(v)))
    return v


def enc(t):
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    return {"dtype": DT_NAME[t.dtype], "shape": list(t.shape), "data": [enc_value(v, t.dtype) for v in flat]}


def enc_param(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return enc_value(v, F64)
    return v


def add(name, op, inputs, outputs, **params):
    if any(c["name"] == name for c in cases):
        raise SystemExit("duplicate case name " + name)
    cases.append({
        "name": name,
        "op": op,
        "params": {k: enc_param(v) for k, v in params.items()},
        "inputs": [enc(t) for t in inputs],
        "outputs": [enc(t) for t in outputs],
    })


def shape_str(shape):
    return "[" + " ".join(str(d) for d in shape) + "]"


def uniform(shape, lo, hi, dt, decimals=3):
    """Seeded uniform values in [lo, hi), rounded to a few decimals, in dtype dt."""
    x = torch.rand(shape, generator=gen, dtype=F64) * (hi - lo) + lo
    x = torch.round(x * 10**decimals) / 10**decimals
    return x.to(dt)


def integers(shape, lo, hi):
    return torch.randint(lo, hi, shape, generator=gen, dtype=I64)


def distinct(shape, dt, lo=-3.0, hi=3.0):
    """Values without ties (so that max/argmax indices are unambiguous) in random order."""
    n = max(1, math.prod(shape))
    perm = torch.randperm(n, generator=gen).to(F64)
    x = lo + (hi - lo) * perm / n
    if dt == I64:
        return perm.to(I64).reshape(shape) - n // 2
    return torch.round(x * 1000).div(1000).to(dt).reshape(shape)


def choice(shape, values, dt):
    idx = torch.randint(0, len(values), shape, generator=gen)
    return torch.tensor(values, dtype=F64)[idx].to(dt)


def special(values, dt):
    return torch.tensor(values, dtype=F64).to(dt)


def as_mask(t, like):
    """Comparison results: torch's bool converted to the operands' dtype (godl's masks)."""
    return t.to(like.dtype)


# ---------------------------------------------------------------------------------------------
# Unary elementwise ops.

RAND_SHAPE = [3, 4]

# op -> (torch function, random range, special values, int64 supported)
UNARY = {
    "neg": (torch.neg, (-3, 3), [NAN, INF, -INF, -0.0, 0.0], True),
    "abs": (torch.abs, (-3, 3), [NAN, INF, -INF, -0.0, 0.0], True),
    "sign": (torch.sign, (-3, 3), [INF, -INF, -0.0, 0.0], True),  # no NaN: see the doc above
    "square": (torch.square, (-3, 3), [NAN, INF, -INF, -0.0, 1e20], True),
    "sqrt": (torch.sqrt, (0.01, 5), [0.0, -0.0, -1.0, INF, NAN, 1e-30], False),
    "rsqrt": (torch.rsqrt, (0.01, 5), [0.0, -0.0, -1.0, INF, NAN], False),
    "reciprocal": (torch.reciprocal, (0.1, 4), [0.0, -0.0, INF, -INF, NAN, -2.0], False),
    "exp": (torch.exp, (-10, 10), [-INF, INF, NAN, 100.0, -200.0, 0.0], False),
    "log": (torch.log, (0.01, 10), [0.0, -0.0, -1.0, INF, NAN, 1.0], False),
    "log1p": (torch.log1p, (-0.99, 3), [-1.0, -2.0, -0.0, INF, NAN, 1e-10], False),
    "sin": (torch.sin, (-6, 6), [INF, NAN, -0.0, 3.0, 100.0], False),
    "cos": (torch.cos, (-6, 6), [INF, NAN, -0.0, 1.5, 100.0], False),
    "tanh": (torch.tanh, (-5, 5), [-INF, INF, NAN, 20.0, -0.0, 1e-8], False),
    "sigmoid": (torch.sigmoid, (-8, 8), [-INF, INF, NAN, -100.0, 100.0, -0.0], False),
    "relu": (torch.relu, (-3, 3), [NAN, INF, -INF, -0.0, 0.0], True),
    "gelu": (torch.nn.functional.gelu, (-4, 4), [INF, -INF, NAN, -0.0, -10.0, 10.0], False),
    "floor": (torch.floor, (-3, 3), [NAN, INF, -INF, -0.0, -2.5, -0.5, 0.5, 2.5], True),
    "ceil": (torch.ceil, (-3, 3), [NAN, INF, -INF, -0.0, -2.5, -0.5, 0.5, 2.5], True),
    "round": (torch.round, (-3, 3), [NAN, INF, -INF, -0.0, -2.5, -1.5, -0.5, -0.4, 0.5, 1.5, 2.5], True),
}

for op, (fn, (lo, hi), spec, int_ok) in UNARY.items():
    for dt in FLOATS:
        x = uniform(RAND_SHAPE, lo, hi, dt)
        if op in ("floor", "ceil", "round"):
            x = torch.round(x * 2) / 2 + uniform(RAND_SHAPE, -0.01, 0.01, dt) * (x.abs() > 2)
        add(f"{op}/{DT_NAME[dt]}/rand", op, [x], [fn(x)])
        s = special(spec, dt)
        add(f"{op}/{DT_NAME[dt]}/special", op, [s], [fn(s)])
    if int_ok:
        x = integers([2, 5], -6, 7)
        add(f"{op}/int64/rand", op, [x], [fn(x)])

# 0-d, empty and non-trivially shaped inputs for a few ops.
for dt in FLOATS:
    x = uniform([], -2, 2, dt)
    add(f"exp/{DT_NAME[dt]}/scalar", "exp", [x], [torch.exp(x)])
    x = torch.zeros([0, 3], dtype=dt)
    add(f"tanh/{DT_NAME[dt]}/empty", "tanh", [x], [torch.tanh(x)])
    x = uniform([2, 3, 2], -3, 3, dt)
    add(f"sigmoid/{DT_NAME[dt]}/3d", "sigmoid", [x], [torch.sigmoid(x)])

# Ops with scalar parameters.
for dt in FLOATS:
    d = DT_NAME[dt]
    for slope in (0.01, 0.2):
        x = uniform(RAND_SHAPE, -3, 3, dt)
        f = lambda t: torch.nn.functional.leaky_relu(t, slope)
        add(f"leaky_relu/{d}/rand/{slope}", "leaky_relu", [x], [f(x)], slope=slope)
        s = special([NAN, INF, -INF, -0.0, 0.0, -1.0], dt)
        add(f"leaky_relu/{d}/special/{slope}", "leaky_relu", [s], [f(s)], slope=slope)
    for lo, hi in ((-1.0, 1.0), (0.25, 0.25), (-0.5, 2.0)):
        x = uniform(RAND_SHAPE, -3, 3, dt)
        add(f"clamp/{d}/rand/{lo},{hi}", "clamp", [x], [torch.clamp(x, lo, hi)], min=lo, max=hi)
    s = special([NAN, INF, -INF, -2.0, 0.5, 2.0], dt)
    add(f"clamp/{d}/special", "clamp", [s], [torch.clamp(s, -1.0, 1.0)], min=-1.0, max=1.0)
    for v in (0.0, -0.5):
        x = torch.cat([uniform([6], -3, 3, dt), special([NAN, INF, -INF], dt)])
        add(f"clamp_min/{d}/{v}", "clamp_min", [x], [torch.clamp_min(x, v)], scalar=v)
        add(f"clamp_max/{d}/{v}", "clamp_max", [x], [torch.clamp_max(x, v)], scalar=v)
    for e in (2.0, 3.0, 0.5, -1.0, 1.5, 0.0, -2.0, -0.5):
        x = uniform(RAND_SHAPE, 0.1, 4, dt)
        add(f"pow_scalar/{d}/rand/{e}", "pow_scalar", [x], [torch.pow(x, e)], scalar=e)
        s = special([0.0, NAN, INF, -1.0, -2.0, 1.0], dt)
        add(f"pow_scalar/{d}/special/{e}", "pow_scalar", [s], [torch.pow(s, e)], scalar=e)
    for b in (2.0, 0.5):
        x = uniform(RAND_SHAPE, -4, 4, dt)
        add(f"rpow_scalar/{d}/{b}", "rpow_scalar", [x], [torch.pow(b, x)], scalar=b)
    for s in (2.5, -0.75, 0.1):
        x = torch.cat([uniform([8], -3, 3, dt), special([NAN, INF, -INF], dt)])
        add(f"add_scalar/{d}/{s}", "add_scalar", [x], [x + s], scalar=s)
        add(f"sub_scalar/{d}/{s}", "sub_scalar", [x], [x - s], scalar=s)
        add(f"mul_scalar/{d}/{s}", "mul_scalar", [x], [x * s], scalar=s)
        add(f"div_scalar/{d}/{s}", "div_scalar", [x], [x / s], scalar=s)
        add(f"rsub_scalar/{d}/{s}", "rsub_scalar", [x], [torch.rsub(x, s)], scalar=s)
        y = torch.cat([uniform([6], 0.1, 3, dt), special([0.0, -0.0, INF, NAN], dt)])
        add(f"rdiv_scalar/{d}/{s}", "rdiv_scalar", [y], [s / y], scalar=s)
    add(f"div_scalar/{d}/zero", "div_scalar", [special([1.0, -1.0, 0.0, NAN], dt)],
        [special([1.0, -1.0, 0.0, NAN], dt) / 0.0], scalar=0.0)

x = integers([2, 5], -6, 7)
add("clamp/int64/rand", "clamp", [x], [torch.clamp(x, -2, 3)], min=-2.0, max=3.0)
add("clamp_min/int64/rand", "clamp_min", [x], [torch.clamp_min(x, 1)], scalar=1.0)
add("clamp_max/int64/rand", "clamp_max", [x], [torch.clamp_max(x, 1)], scalar=1.0)
# Int64 powers with non-negative integer exponents stay Int64, as in torch.
for e in (0, 1, 2, 3):
    add(f"pow_scalar/int64/{e}", "pow_scalar", [x], [torch.pow(x, e)], scalar=float(e))
for s in (3, -2):
    add(f"add_scalar/int64/{s}", "add_scalar", [x], [x + s], scalar=float(s))
    add(f"sub_scalar/int64/{s}", "sub_scalar", [x], [x - s], scalar=float(s))
    add(f"mul_scalar/int64/{s}", "mul_scalar", [x], [x * s], scalar=float(s))
    add(f"rsub_scalar/int64/{s}", "rsub_scalar", [x], [torch.rsub(x, s)], scalar=float(s))

# Comparisons with a scalar. The inputs come from a small set so that equality happens; 0.1 is
# in it on purpose: torch compares a float32 tensor with the scalar converted to float32.
CMP = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}
for op, fn in CMP.items():
    for dt in FLOATS:
        x = torch.cat([choice([10], [-1.0, -0.5, 0.0, 0.1, 0.5, 1.0], dt), special([NAN, INF, -INF, -0.0], dt)])
        for s in (0.1, 0.5, 0.0):
            add(f"{op}_scalar/{DT_NAME[dt]}/{s}", op + "_scalar", [x], [as_mask(fn(x, s), x)], scalar=s)
    x = integers([10], -3, 4)
    for s in (1.0, 1.5, -0.5):
        # torch promotes int64 with a float scalar to float: the comparison is exact.
        add(f"{op}_scalar/int64/{s}", op + "_scalar", [x], [as_mask(fn(x, s), x)], scalar=s)

# ---------------------------------------------------------------------------------------------
# Binary elementwise ops with broadcasting.

PAIRS = [([3, 1], [1, 4]), ([2, 3, 4], [4]), ([], [2, 3]), ([2, 3], []), ([0, 3], [1, 3]), ([2, 3], [2, 3]),
         ([4], [2, 3, 1])]

BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "maximum": torch.maximum, "minimum": torch.minimum,
}


def binary_inputs(op, sa, sb, dt):
    if op in CMP:
        vals = [-1.0, -0.5, 0.0, 0.5, 1.0] if dt != I64 else [-1, 0, 1, 2]
        return choice(sa, vals, dt), choice(sb, vals, dt)
    if dt == I64:
        a = integers(sa, -9, 10)
        if op in ("floordiv",):
            b = integers(sb, 1, 5) * (integers(sb, 0, 2) * 2 - 1)
        elif op == "pow":
            a, b = integers(sa, -3, 4), integers(sb, 0, 4)
        else:
            b = integers(sb, -9, 10)
        return a, b
    if op == "div":
        a = uniform(sa, -3, 3, dt)
        b = uniform(sb, 0.5, 3, dt) * (integers(sb, 0, 2) * 2 - 1).to(dt)
        return a, b
    if op == "pow":
        return uniform(sa, 0.1, 3, dt), uniform(sb, -2, 2, dt)
    return uniform(sa, -3, 3, dt), uniform(sb, -3, 3, dt)


for op in list(BINARY) + list(CMP):
    fn = BINARY.get(op) or CMP[op]
    for dt in (F32, F64, I64):
        if dt == I64 and op == "div":
            continue  # int64 div is floor division: the op "floordiv" below
        for sa, sb in PAIRS:
            a, b = binary_inputs(op, sa, sb, dt)
            out = fn(a, b)
            if op in CMP:
                out = as_mask(out, a)
            add(f"{op}/{DT_NAME[dt]}/{shape_str(sa)}x{shape_str(sb)}", op, [a, b], [out])

for sa, sb in PAIRS:
    a, b = binary_inputs("floordiv", sa, sb, I64)
    add(f"floordiv/int64/{shape_str(sa)}x{shape_str(sb)}", "floordiv", [a, b],
        [torch.div(a, b, rounding_mode="floor")])
a = torch.tensor([7, -7, 7, -7, 0, 6, -6, 1, -1], dtype=I64)
b = torch.tensor([2, 2, -2, -2, 3, 3, 3, 5, 5], dtype=I64)
add("floordiv/int64/signs", "floordiv", [a, b], [torch.div(a, b, rounding_mode="floor")])

# Special values: NaN propagation in maximum/minimum, IEEE division, pow corner cases.
for dt in FLOATS:
    d = DT_NAME[dt]
    a = special([NAN, 1.0, NAN, INF, -INF, 2.0, -0.0, 0.0], dt)
    b = special([1.0, NAN, NAN, 1.0, 1.0, INF, 1.0, -1.0], dt)
    for op in ("maximum", "minimum", "add", "sub", "mul"):
        add(f"{op}/{d}/special", op, [a, b], [BINARY[op](a, b)])
    for op, fn in CMP.items():
        add(f"{op}/{d}/special", op, [a, b], [as_mask(fn(a, b), a)])
    a = special([1.0, -1.0, 0.0, 1.0, -1.0, INF, INF, NAN, 3.0, -3.0], dt)
    b = special([0.0, 0.0, 0.0, -0.0, -0.0, INF, 2.0, 1.0, INF, -INF], dt)
    add(f"div/{d}/special", "div", [a, b], [a / b])
    a = special([0.0, NAN, 1.0, -2.0, -2.0, INF, 0.0, -0.0, -8.0, 2.0, 0.5], dt)
    b = special([0.0, 0.0, NAN, 3.0, 0.5, -1.0, -1.0, -1.0, 1 / 3, INF, -INF], dt)
    add(f"pow/{d}/special", "pow", [a, b], [torch.pow(a, b)])

# Where and masked_fill (bool conditions stored as 0/1 with dtype "bool").
WHERE_SHAPES = [([3, 1], [1, 4], []), ([2, 3], [2, 3], [2, 3]), ([4], [3, 1], [3, 4]), ([0, 2], [2], [1, 2])]
for dt in (F32, F64, I64):
    for sc, sx, sy in WHERE_SHAPES:
        c = integers(sc, 0, 2).bool()
        x = uniform(sx, -3, 3, dt) if dt != I64 else integers(sx, -9, 10)
        y = uniform(sy, -3, 3, dt) if dt != I64 else integers(sy, -9, 10)
        add(f"where/{DT_NAME[dt]}/{shape_str(sc)},{shape_str(sx)},{shape_str(sy)}", "where", [c, x, y],
            [torch.where(c, x, y)])
    for st, sm in (([3, 4], [3, 4]), ([3, 4], [3, 1]), ([3, 4], [4]), ([2, 3], [])):
        t = uniform(st, -3, 3, dt) if dt != I64 else integers(st, -9, 10)
        m = integers(sm, 0, 2).bool()
        values = (-INF, 0.5, NAN, -1e9) if dt != I64 else (-7.0, 100.0)
        for v in values:
            vv = int(v) if dt == I64 else v
            add(f"masked_fill/{DT_NAME[dt]}/{shape_str(st)},{shape_str(sm)}/{v}", "masked_fill", [t, m],
                [t.masked_fill(m, vv)], value=v)

# ---------------------------------------------------------------------------------------------
# Reductions.

RED_SHAPE = [2, 3, 4]
AXES = [None, [0], [1], [2], [-1], [0, 2], [1, 2], [-3, -2]]


def reduce_multi(fn, x, dims, keepdim):
    """Applies a single-dim torch reduction (prod) over several dims, by moving them last."""
    nd = x.dim()
    ax = list(range(nd)) if dims is None else sorted(d % nd for d in dims)
    kept = [d for d in range(nd) if d not in ax]
    y = x.permute(kept + ax).reshape([x.shape[d] for d in kept] + [-1])
    r = fn(y, -1)
    if keepdim:
        r = r.reshape([1 if d in ax else x.shape[d] for d in range(nd)])
    return r


def dims_arg(dims, nd):
    return tuple(range(nd)) if dims is None else tuple(dims)


REDUCE = {
    "sum": lambda x, dims, k: torch.sum(x, dim=dims_arg(dims, x.dim()), keepdim=k),
    "prod": lambda x, dims, k: reduce_multi(torch.prod, x, dims, k),
    "mean": lambda x, dims, k: torch.mean(x, dim=dims_arg(dims, x.dim()), keepdim=k),
    "amax": lambda x, dims, k: torch.amax(x, dim=dims_arg(dims, x.dim()), keepdim=k),
    "amin": lambda x, dims, k: torch.amin(x, dim=dims_arg(dims, x.dim()), keepdim=k),
    "var0": lambda x, dims, k: torch.var(x, dim=dims_arg(dims, x.dim()), correction=0, keepdim=k),
    "var1": lambda x, dims, k: torch.var(x, dim=dims_arg(dims, x.dim()), correction=1, keepdim=k),
    "logsumexp": lambda x, dims, k: torch.logsumexp(x, dim=dims_arg(dims, x.dim()), keepdim=k),
}
INT_REDUCE = ("sum", "prod", "amax", "amin")

for op, fn in REDUCE.items():
    for dt in (F32, F64, I64):
        if dt == I64 and op not in INT_REDUCE:
            continue
        for dims in AXES:
            for keepdim in (False, True):
                if dt == I64:
                    x = integers(RED_SHAPE, -4, 5)
                elif op == "prod":
                    x = uniform(RED_SHAPE, 0.5, 1.5, dt) * (integers(RED_SHAPE, 0, 2) * 2 - 1).to(dt)
                elif op in ("amax", "amin"):
                    x = distinct(RED_SHAPE, dt)
                else:
                    x = uniform(RED_SHAPE, -3, 3, dt)
                name = f"{op}/{DT_NAME[dt]}/{'all' if dims is None else dims}/{'keep' if keepdim else 'drop'}"
                add(name, op, [x], [fn(x, dims, keepdim)], dims=dims, keepdim=keepdim)

# Reductions of 0-d, 1-d and empty tensors, and over special values.
for dt in FLOATS:
    d = DT_NAME[dt]
    x = uniform([], -2, 2, dt)
    for op in ("sum", "mean", "amax", "logsumexp"):
        add(f"{op}/{d}/scalar", op, [x], [REDUCE[op](x, None, False)], dims=None, keepdim=False)
    x = uniform([7], -2, 2, dt)
    for op in REDUCE:
        add(f"{op}/{d}/1d", op, [x], [REDUCE[op](x, None, False)], dims=None, keepdim=False)
    e = torch.zeros([0, 3], dtype=dt)
    for op in ("sum", "prod", "mean"):
        add(f"{op}/{d}/empty/[0]", op, [e], [REDUCE[op](e, [0], False)], dims=[0], keepdim=False)
        add(f"{op}/{d}/empty/all", op, [e], [REDUCE[op](e, None, False)], dims=None, keepdim=False)
    for op in ("amax", "amin", "sum", "logsumexp"):
        add(f"{op}/{d}/empty/[1]", op, [e], [REDUCE[op](e, [1], True)], dims=[1], keepdim=True)
    s = special([[1.0, NAN, 3.0, NAN], [NAN, -INF, 0.0, 2.0], [-INF, -INF, -INF, -INF], [INF, 1.0, -INF, 0.0]], dt)
    for op in ("sum", "amax", "amin", "logsumexp", "mean"):
        for dims in ([1], [0]):
            add(f"{op}/{d}/special/{dims}", op, [s], [REDUCE[op](s, dims, False)], dims=dims, keepdim=False)
    big = special([[1e4, 1e4 - 1, -1e4, 0.0], [-1e4, -1e4, -1e4 + 2, -INF], [300.0, 200.0, -INF, 100.0]], dt)
    add(f"logsumexp/{d}/large", "logsumexp", [big], [torch.logsumexp(big, 1)], dims=[1], keepdim=False)

# Max/min with indices along a dim, argmax/argmin.
ALONG = {
    "max_dim": lambda x, dim, k: list(torch.max(x, dim, keepdim=k)),
    "min_dim": lambda x, dim, k: list(torch.min(x, dim, keepdim=k)),
    "argmax": lambda x, dim, k: [torch.argmax(x, dim, keepdim=k)],
    "argmin": lambda x, dim, k: [torch.argmin(x, dim, keepdim=k)],
}
for op, fn in ALONG.items():
    for dt in (F32, F64, I64):
        for dim in (0, 1, 2, -1):
            for keepdim in (False, True):
                x = distinct(RED_SHAPE, dt)
                add(f"{op}/{DT_NAME[dt]}/{dim}/{'keep' if keepdim else 'drop'}", op, [x], fn(x, dim, keepdim),
                    dim=dim, keepdim=keepdim)
    for dt in FLOATS:
        # NaN wins and the index is that of the first NaN; ties give the first index.
        s = special([[1.0, NAN, 3.0, NAN], [2.0, 5.0, 5.0, -1.0], [-INF, INF, INF, 0.0], [-1.0, -1.0, -3.0, -3.0]], dt)
        for dim in (0, 1):
            add(f"{op}/{DT_NAME[dt]}/special/{dim}", op, [s], fn(s, dim, False), dim=dim, keepdim=False)
    x = torch.zeros([0, 3], dtype=F32)
    add(f"{op}/float32/empty", op, [x], fn(x, 1, False), dim=1, keepdim=False)

# Softmax and log-softmax.
for op, fn in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
    for dt in FLOATS:
        d = DT_NAME[dt]
        for dim in (0, 1, 2, -1):
            x = uniform(RED_SHAPE, -5, 5, dt)
            add(f"{op}/{d}/{dim}", op, [x], [fn(x, dim)], dim=dim)
        s = special([[1e4, 1e4 - 1, -1e4, 0.0], [-1e4, -1e4, -1e4 + 2, -1e4 + 1], [-INF, 0.0, 1.0, -INF],
                     [-INF, -INF, -INF, -INF], [NAN, 1.0, 2.0, 3.0], [INF, 1.0, 2.0, 3.0], [88.0, 89.0, -88.0, 0.0]], dt)
        add(f"{op}/{d}/special", op, [s], [fn(s, 1)], dim=1)
        add(f"{op}/{d}/special/0", op, [s[:3]], [fn(s[:3], 0)], dim=0)
        x = uniform([], -2, 2, dt)
        add(f"{op}/{d}/scalar", op, [x], [fn(x, 0)], dim=0)
        e = torch.zeros([0, 3], dtype=dt)
        add(f"{op}/{d}/empty", op, [e], [fn(e, 1)], dim=1)
        x = uniform([2, 40], -3, 3, dt)
        add(f"{op}/{d}/long", op, [x], [fn(x, 1)], dim=1)

# ---------------------------------------------------------------------------------------------
# Index ops.


def rand_of(shape, dt):
    return integers(shape, -9, 10) if dt == I64 else uniform(shape, -3, 3, dt)


for dt in (F32, F64, I64):
    d = DT_NAME[dt]
    src = rand_of([3, 4, 2], dt)
    for dim in (0, 1, 2, -1):
        n = src.shape[dim]
        idx = torch.tensor([n - 1, 0, n - 1, 1 % n], dtype=I64)
        add(f"index_select/{d}/{dim}", "index_select", [src, idx], [torch.index_select(src, dim, idx)], dim=dim)
    idx = torch.zeros([0], dtype=I64)
    add(f"index_select/{d}/none", "index_select", [src, idx], [torch.index_select(src, 1, idx)], dim=1)
    idx = torch.tensor(2, dtype=I64)
    add(f"index_select/{d}/0d-index", "index_select", [src, idx], [torch.index_select(src, 0, idx)], dim=0)

    src = rand_of([3, 4], dt)
    for dim, ishape in ((0, [2, 4]), (1, [3, 2]), (0, [5, 3]), (1, [2, 6]), (-1, [1, 1])):
        idx = integers(ishape, 0, src.shape[dim])
        add(f"gather/{d}/{dim}/{shape_str(ishape)}", "gather", [src, idx], [torch.gather(src, dim, idx)], dim=dim)
    src3 = rand_of([2, 3, 4], dt)
    for dim in (0, 1, 2):
        ishape = [2, 2, 3]
        idx = integers(ishape, 0, src3.shape[dim])
        add(f"gather/{d}/3d/{dim}", "gather", [src3, idx], [torch.gather(src3, dim, idx)], dim=dim)

    x0, i0 = rand_of([], dt), torch.tensor(0, dtype=I64)
    add(f"gather/{d}/0d", "gather", [x0, i0], [torch.gather(x0, 0, i0)], dim=0)
    s0 = rand_of([], dt)
    add(f"scatter_add/{d}/0d", "scatter_add", [x0, i0, s0], [torch.scatter_add(x0, 0, i0, s0)], dim=0)

    for dim, self_shape, ishape, sshape in ((0, [3, 5], [4, 5], [4, 5]), (1, [3, 5], [3, 7], [3, 7]),
                                            (0, [3, 5], [2, 3], [4, 5]), (1, [2, 3, 4], [2, 5, 3], [2, 6, 4]),
                                            (2, [2, 3, 4], [1, 2, 6], [2, 3, 6])):
        base = rand_of(self_shape, dt)
        idx = integers(ishape, 0, self_shape[dim])
        s = rand_of(sshape, dt)
        add(f"scatter_add/{d}/{dim}/{shape_str(self_shape)},{shape_str(ishape)},{shape_str(sshape)}", "scatter_add",
            [base, idx, s], [torch.scatter_add(base, dim, idx, s)], dim=dim)

    for dim, self_shape, n in ((0, [5, 3], 4), (1, [2, 4, 3], 6), (2, [2, 3, 4], 3), (-2, [5, 3], 7)):
        base = rand_of(self_shape, dt)
        idx = integers([n], 0, self_shape[dim])
        sshape = list(self_shape)
        sshape[dim] = n
        s = rand_of(sshape, dt)
        add(f"index_add/{d}/{dim}/{shape_str(self_shape)},{n}", "index_add", [base, idx, s],
            [torch.index_add(base, dim, idx, s)], dim=dim)

    parts = [rand_of([2, 3], dt), rand_of([1, 3], dt), rand_of([0, 3], dt), rand_of([3, 3], dt)]
    add(f"cat/{d}/0", "cat", parts, [torch.cat(parts, 0)], dim=0)
    parts = [rand_of([2, 3], dt), rand_of([2, 1], dt), rand_of([2, 2], dt)]
    add(f"cat/{d}/-1", "cat", parts, [torch.cat(parts, -1)], dim=-1)
    parts = [rand_of([2, 1, 3], dt), rand_of([2, 4, 3], dt)]
    add(f"cat/{d}/3d", "cat", parts, [torch.cat(parts, 1)], dim=1)
    parts = [rand_of([5], dt)]
    add(f"cat/{d}/single", "cat", parts, [torch.cat(parts, 0)], dim=0)

    parts = [rand_of([2, 3], dt) for _ in range(3)]
    for dim in (0, 1, 2, -1):
        add(f"stack/{d}/{dim}", "stack", parts, [torch.stack(parts, dim)], dim=dim)
    parts = [rand_of([], dt) for _ in range(4)]
    add(f"stack/{d}/scalars", "stack", parts, [torch.stack(parts, 0)], dim=0)

    x = rand_of([5, 3], dt)
    for size, dim in ((2, 0), (2, 1), (5, 0), (7, 0), (1, -1)):
        add(f"split/{d}/{size},{dim}", "split", [x], list(torch.split(x, size, dim)), size=size, dim=dim)
    for sizes, dim in (([1, 3, 1], 0), ([3, 0], 1), ([5], 0)):
        add(f"split_sizes/{d}/{sizes},{dim}", "split_sizes", [x], list(torch.split(x, sizes, dim)), sizes=sizes,
            dim=dim)
    y = rand_of([6, 3], dt)
    for t, chunks, dim in ((x, 2, 0), (x, 3, 0), (y, 4, 0), (x, 3, 1), (x, 5, 1), (y, 1, 0), (y, 6, 0)):
        name = f"chunk/{d}/{shape_str(list(t.shape))},{chunks},{dim}"
        add(name, "chunk", [t], list(torch.chunk(t, chunks, dim)), chunks=chunks, dim=dim)

# ---------------------------------------------------------------------------------------------

doc = (__doc__.strip().split("\n\n")[0] + " Written by tensor/testdata/gen_ops.py; see its doc string for the "
       "format. Comparison results (torch bool) are stored as 0/1 in the operands' dtype.")
out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.json")
with open(out_path, "w") as f:
    f.write("{\n")
    f.write('"torch_version": ' + json.dumps(torch.__version__) + ",\n")
    f.write('"seed": ' + json.dumps(SEED) + ",\n")
    f.write('"doc": ' + json.dumps(doc) + ",\n")
    f.write('"cases": [\n')
    f.write(",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases))
    f.write("\n]}\n")
size = os.path.getsize(out_path)
print(f"wrote {len(cases)} cases, {size} bytes to {out_path}", file=sys.stderr)
if size > 1_500_000:
    raise SystemExit("ops.json is too large")

"""Writes format.json: how PyTorch 1.13 prints tensors, for tensor/format_test.go.

Run as: ../../../shared/tools/pytorch gen_format.py   (from tensor/testdata)

Each case holds the input (dtype, shape, row-major data as strings, optional view ops applied
after building the tensor, optional print precision) and two expected strings: `str`, what
Tensor.String returns, and `plus`, what %+v prints.

godl's printed form is torch's, built here from torch's own _tensor_str (the values) and
_add_suffixes (the trailing ", key=value" parts and their line wrapping), with these documented
differences, applied in godl_str below and nowhere else:

  1. dtype names lose the "torch." prefix: dtype=float64, not dtype=torch.float64.
  2. A summarized tensor (more than 1000 elements) also gets a shape=[d0, d1, ...] suffix
     after the values, since the elided values hide the shape.
  3. %+v ("plus") replaces the optional suffixes by shape=[...], dtype=..., device=cpu, always.

To show that nothing else differs, every case also checks that godl_str with torch's names and
without the shape suffix reproduces repr(t) exactly.
"""

import json
import math
import os
import struct

import torch
from torch._tensor_str import PRINT_OPTS, _add_suffixes, _tensor_str

PREFIX = "tensor("
INDENT = len(PREFIX)

torch.manual_seed(0)
cases = []


def godl_str(t, plus=False, torch_names=False):
    """The string godl prints for t (see the module doc for the differences from torch)."""
    dt = str(t.dtype) if torch_names else str(t.dtype).replace("torch.", "")  # difference 1
    n = t.numel()
    summarize = n > PRINT_OPTS.threshold
    suffixes = []
    if plus:  # difference 3
        suffixes = ["shape=" + str(list(t.shape)), "dtype=" + dt, "device=cpu"]
    else:
        # torch's rules for plain CPU strided tensors (_str_intern).
        if n == 0 and t.dim() != 1:
            suffixes.append("size=" + str(tuple(t.shape)))
        if summarize and not torch_names:  # difference 2
            suffixes.append("shape=" + str(list(t.shape)))
        if n == 0:
            if t.dtype != torch.get_default_dtype():
                suffixes.append("dtype=" + dt)
        elif t.dtype not in (torch.float32, torch.int64):
            suffixes.append("dtype=" + dt)
    return _add_suffixes(PREFIX + _tensor_str(t, INDENT), suffixes, INDENT, False)


def f32_repr(x):
    """The shortest decimal string that reads back as the same float32."""
    if math.isnan(x) or math.isinf(x):
        return repr(x)
    for p in range(1, 10):
        s = "%.*g" % (p, x)
        if struct.unpack("f", struct.pack("f", float(s)))[0] == x:
            return s
    return repr(x)


def data_strings(t):
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.float32:
        return [f32_repr(v) for v in vals]
    return [repr(v) for v in vals]  # float64 repr round-trips; ints are exact


def apply_views(t, views):
    for v in views:
        op = v[0]
        if op == "transpose":
            t = t.transpose(v[1], v[2])
        elif op == "permute":
            t = t.permute(*v[1:])
        elif op == "slice":
            axis, start, end, step = v[1:]
            idx = [slice(None)] * t.dim()
            idx[axis] = slice(start, end, step)
            t = t[tuple(idx)]
        elif op == "expand":
            t = t.expand(*v[1:])
        else:
            raise ValueError(op)
    return t


def add(name, base, views=(), precision=None):
    base = base.contiguous()
    if precision is not None:
        torch.set_printoptions(precision=precision)
    try:
        t = apply_views(base, views)
        if views:
            assert not t.is_contiguous(), name
        assert godl_str(t, torch_names=True) == repr(t), (name, godl_str(t, torch_names=True), repr(t))
        case = {
            "name": name,
            "dtype": str(base.dtype).replace("torch.", ""),
            "shape": list(base.shape),
            "data": data_strings(base),
            "str": godl_str(t),
            "plus": godl_str(t, plus=True),
        }
        if views:
            case["views"] = [list(v) for v in views]
        if precision is not None:
            case["precision"] = precision
        cases.append(case)
    finally:
        torch.set_printoptions(profile="default")


f32, f64, i64 = torch.float32, torch.float64, torch.int64
nan, inf = float("nan"), float("inf")


def T(x, dtype=f32):
    return torch.tensor(x, dtype=dtype)


# 0-d tensors.
add("scalar/int-valued", T(3.0))
add("scalar/neg-zero", T(-0.0))
add("scalar/fraction", T(0.1))
add("scalar/tiny", T(1e-5))
add("scalar/huge", T(1e10))
add("scalar/nan", T(nan))
add("scalar/-inf", T(-inf))
add("scalar/int64", T(3, i64))
add("scalar/int64-neg", T(-42, i64))
add("scalar/f64", T(2.5, f64))
add("scalar/f64-int-valued", T(-7.0, f64))

# 1-D, notation rules.
add("vec/int-valued", T([1.0, 2.0]))
add("vec/fractions", T([1.5, -2.25]))
add("vec/randn", torch.randn(5))
add("vec/zeros-signed", T([0.0, -0.0]))
add("vec/half-neg-zero", T([0.5, -0.0]))
add("vec/neg-rounds-to-zero", T([-0.00001, 1.0, 0.5], f64))
add("vec/nonfinite", T([1.0, nan, inf, -inf]))
add("vec/nonfinite-wide", T([100.0, nan, -inf]))
add("vec/nonfinite-fraction", T([0.25, nan, -inf]))
add("vec/all-nan", T([nan, nan]))
add("vec/inf-only", T([inf, -inf]))
add("vec/zero-nan", T([0.0, nan]))
add("vec/sci-small", T([1e-5, 1.0]))
add("vec/sci-large-int", T([1e8, 1.0]))
add("vec/sci-above-1e8", T([1e9]))
add("vec/int-1e8", T([1e8]))
add("vec/int-above-1e8", T([123456789.0, 100000000.0], f64))
add("vec/ratio-1000-int", T([1.0, 1000.0]))
add("vec/ratio-1001-int", T([1.0, 1001.0]))
add("vec/ratio-1000-frac", T([0.001, 1.0], f64))
add("vec/ratio-over-1000-frac", T([0.0009, 1.0], f64))
add("vec/min-1e-4-f32", T([1e-4, 0.05]))  # float32(1e-4) < 1e-4: scientific
add("vec/min-1e-4-f64", T([1e-4, 0.05], f64))  # exactly 1e-4: fixed
add("vec/ties-fixed", T([0.03125, 1.03125, -2.00005]))
add("vec/ties-sci", T([1.03125, 4096.5, 2.0**-14]))
add("vec/ties-sci-f64", T([1.03125, 4096.5, 2.0**-14, -2.5e-7], f64))
add("vec/large-ints-float", T([1e7, 2e7, -3e7]))
add("vec/int-mode-neg", T([-1.0, 2.0, -300.0]))
add("vec/sci-neg", T([-1.5e10, 2.0, nan, 0.0]))
add("vec/sci-big-exp", T([1e200, -1e-200, 0.0], f64))
add("vec/subnormal", T([5e-324, 1.0], f64))
add("vec/int64", T([1, -20, 300], i64))
add("vec/int64-extremes", T([2**62, -(2**63), 5], i64))
add("vec/single", T([7.0]))

# Rows that wrap at 80 characters.
add("wrap/arange30", torch.arange(30.0))
add("wrap/randn20x10", torch.randn(20) * 10)
add("wrap/sci", torch.randn(17) * 1e5)
add("wrap/f64-randn25", torch.randn(25, dtype=f64))
add("wrap/int64", torch.arange(-50, 50, 3))
add("wrap/int64-wide", torch.randint(-10**15, 10**15, (12,)))
add("wrap/f64-suffix-wraps", torch.arange(9, dtype=f64) * 1.5)
add("wrap/f64-suffix-fits", torch.arange(8, dtype=f64) * 1.5)
add("wrap/1000-int64", torch.arange(1000))

# 2-D to 4-D.
add("mat/2x2", T([[1.0, 2.0], [3.0, 4.0]]))
add("mat/randn3x4", torch.randn(3, 4))
add("mat/f64-2x3", torch.randn(2, 3, dtype=f64))
add("mat/int64-3x5", torch.randint(-100, 100, (3, 5)))
add("mat/wrap4x30", torch.randn(4, 30))
add("mat/nan", T([[1.0, nan], [-inf, 0.5]]))
add("mat/sci", T([[1e-6, 2.0], [3e3, -4.0]]))
add("mat/1x1", T([[5.0]]))
add("mat/col", torch.randn(4, 1))
add("t3/randn2x3x4", torch.randn(2, 3, 4))
add("t3/int64", torch.arange(24).reshape(2, 3, 4))
add("t3/f64-1x2x2", torch.randn(1, 2, 2, dtype=f64))
add("t4/randn2x2x2x3", torch.randn(2, 2, 2, 3))
add("t4/int64-2x1x2x2", torch.arange(8).reshape(2, 1, 2, 2) - 4)
add("t5/ones", torch.ones(1, 2, 1, 2, 2))

# Summarized: more than 1000 elements.
add("sum/1001", torch.arange(1001.0))
add("sum/f64-1001", torch.randn(1001, dtype=f64))
add("sum/int64-1500x1", torch.arange(1500).reshape(1500, 1))
add("sum/2x1000", torch.arange(2000.0).reshape(2, 1000))
add("sum/40x40", torch.randn(40, 40))
add("sum/int64-30x50", torch.arange(1500).reshape(30, 50))
add("sum/7x150", torch.randn(7, 150))
add("sum/6x200", torch.randn(6, 200))
add("sum/10x10x11", torch.randn(10, 10, 11))
add("sum/6x6x6x6-nothing-elided", torch.arange(1296).reshape(6, 6, 6, 6) % 7 - 3)
add("sum/3x4x10x10", torch.randn(3, 4, 10, 10))
hidden = torch.arange(2000.0) / 1000 + 1
hidden[1000] = 1e-8  # elided: must not switch to scientific notation
hidden[1001] = -123456.0  # elided: must not widen the columns
add("sum/hidden-middle", hidden)
add("sum/f64-sci", torch.randn(30, 40, dtype=f64) * 1e9)

# Empty tensors.
add("empty/f32", torch.zeros(0))
add("empty/f32-0x3", torch.zeros(0, 3))
add("empty/int64", torch.zeros(0, dtype=i64))
add("empty/int64-0x2", torch.zeros(0, 2, dtype=i64))
add("empty/f64-2x0x3", torch.zeros(2, 0, 3, dtype=f64))

# Strided views (the data is the contiguous base; the views are applied on both sides).
add("view/transpose", torch.randn(3, 4), [("transpose", 0, 1)])
add("view/slice-step", torch.arange(24.0).reshape(4, 6), [("slice", 1, 1, 6, 2)])
add("view/slice-rows", torch.randn(5, 3, dtype=f64), [("slice", 0, 1, 4, 1), ("transpose", 0, 1)])
add("view/permute", torch.arange(24).reshape(2, 3, 4), [("permute", 2, 0, 1)])
add("view/expand", T([[1.5], [2.0], [-3.0]]), [("expand", 3, 4)])
add("view/transpose-summarized", torch.randn(50, 40), [("transpose", 0, 1)])
add("view/slice-summarized", torch.arange(3000.0).reshape(60, 50), [("slice", 0, 1, 60, 2)])

# Precision other than 4 (torch.set_printoptions(precision=p); godl's %.pv).
add("prec/2", torch.randn(5), precision=2)
add("prec/6-f64", torch.randn(4, dtype=f64), precision=6)
add("prec/2-sci", T([1e-5, 123.456]), precision=2)
add("prec/0", T([1.25, -3.5, 0.5]), precision=0)
add("prec/1-int-valued", T([1.0, 20.0]), precision=1)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "format.json")
with open(out, "w") as f:
    # One case a line: readable diffs without a line per element.
    f.write('{"torch": %s, "cases": [\n' % json.dumps(torch.__version__))
    f.write(",\n".join(json.dumps(c) for c in cases))
    f.write("\n]}\n")
print("wrote", len(cases), "cases to", out)

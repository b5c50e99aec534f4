"""Writes e2e.json: PyTorch 1.13 end-to-end losses and gradients for autograd/e2e_torch_test.go.

Run from the repository root:

    ../shared/tools/pytorch autograd/testdata/gen_e2e.py

(or with the path of that wrapper wherever it lives). The output is deterministic: every input
and weight is drawn from one seeded torch.Generator in float64 and stored in the JSON next to
the results, so the Go test rebuilds exactly the same model and never needs Python.

File format: {"torch_version", "doc", "cases": [case, ...]}, where each case is

    {"name": "mlp/tanh-gelu/mean/float64", "model": "mlp" | "lstm" | "lstm_embed",
     "dtype": "float32" | "float64", "config": {...},
     "inputs": {name: tensor}, "ints": {name: tensor}, "loss": number,
     "grads": {name: tensor}}

and a tensor is {"dtype", "shape", "data"} with the elements in row-major order. Float32 values
are written as the float64 decimal of the (exactly widened) float32, so they read back exactly.
"inputs" holds every floating-point leaf (weights and data); "grads" holds the gradient of the
loss with respect to each of them. "ints" holds the Int64 tensors (targets, token ids).

The models (weights stored as torch stores them: a Linear's weight is [out, in], applied as
x @ W.T + b):

  mlp         x [8, 5] -> Linear(5, 16) -> act1 -> Linear(16, 16) -> act2 -> Linear(16, 4)
              -> F.cross_entropy(logits, y [8], reduction, label_smoothing)
              config: act1, act2 ("tanh", "gelu" (exact erf form), "relu"), reduction
              ("mean" | "sum"), label_smoothing.
  lstm        x [T=5, B=3, I=4], h0, c0 [3, 6]; for t in 0..T-1 an nn.LSTMCell step (weight_ih
              [24, 4], weight_hh [24, 6], bias_ih, bias_hh [24], gates in PyTorch's order
              i, f, g, o); then a Linear(6, 5) head on the last h and F.cross_entropy (mean)
              with y [3].
  lstm_embed  the same cell and head, but x_t = embedding[tokens[:, t]] with embedding
              [V=11, 4] and tokens [B=3, T=5] (ints, with repeated ids on purpose), and
              h0 = c0 = 0 (not stored). The Go side looks the rows up with one IndexSelect of
              the [B, T] ids, so its backward (an index-add) must sum the repeated rows.

The references are computed with torch's own layers (F.linear, F.gelu, nn.LSTMCell,
F.embedding, F.cross_entropy), not with the primitive formulas the Go test uses; the script
also checks that the primitive formulas reproduce them (so the gate order is pinned down).

The float32 cases hold the float64 case's inputs rounded to float32 and torch's float32
results. The script also recomputes them in float64 from the same (rounded) inputs and
checks that torch's float32 gradients lie within the tolerance the Go test uses for its own
float32 result (F32_RTOL, F32_ATOL relative to the largest gradient of the tensor), so that the
tolerance is known to be attainable by a float32 implementation.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

SEED = 20240611
F32, F64, I64 = torch.float32, torch.float64, torch.int64
DT_NAME = {F32: "float32", F64: "float64", I64: "int64"}

# Must match e2eF32Rtol and e2eF32Atol in e2e_torch_test.go.
F32_RTOL = 1e-5
F32_ATOL = 2e-6

gen = torch.Generator().manual_seed(SEED)
cases = []


def enc(t):
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    if t.dtype == I64:
        data = [int(v) for v in flat]
    else:
        data = [float(v) for v in flat]  # float32 widens exactly; repr round-trips float64
    return {"dtype": DT_NAME[t.dtype], "shape": list(t.shape), "data": data}


def uniform(shape, bound):
    return (torch.rand(shape, generator=gen, dtype=F64) * 2 - 1) * bound


def normal(shape, std=1.0):
    return torch.randn(shape, generator=gen, dtype=F64) * std


def linear_params(n_in, n_out, prefix):
    """nn.Linear's default initialisation range, U(-1/sqrt(in), 1/sqrt(in))."""
    b = 1 / math.sqrt(n_in)
    return {prefix + ".weight": uniform([n_out, n_in], b), prefix + ".bias": uniform([n_out], b)}


def run(fn, inputs, dtype):
    """Runs fn on leaf copies of inputs in dtype; returns the loss and the gradients."""
    leaves = {k: v.to(dtype).clone().requires_grad_(True) for k, v in inputs.items()}
    loss = fn(leaves)
    loss.backward()
    return loss.detach(), {k: v.grad.detach() for k, v in leaves.items()}


def add_case(name, model, dtype, config, inputs, ints, fn):
    if any(c["name"] == name for c in cases):
        raise SystemExit("duplicate case name " + name)
    loss, grads = run(fn, inputs, dtype)
    if dtype == F32:
        # The float64 result on the same float32-rounded inputs: how far torch's own float32
        # result lies from it shows that the Go test's float32 tolerance is attainable.
        rounded = {k: v.to(F32).to(F64) for k, v in inputs.items()}
        loss64, grads64 = run(fn, rounded, F64)
        assert abs(loss.item() - loss64.item()) <= F32_RTOL * abs(loss64.item()) + F32_ATOL, name
        for k, g in grads.items():
            ref = grads64[k]
            scale = ref.abs().max().item()
            err = (g.to(F64) - ref).abs()
            bound = F32_RTOL * ref.abs() + F32_ATOL * scale
            worst = (err / bound).max().item()
            assert worst <= 1, (name, k, worst)
            print(f"  {name} {k}: torch float32 error / Go tolerance = {worst:.3f}")
    cases.append({
        "name": name,
        "model": model,
        "dtype": DT_NAME[dtype],
        "config": config,
        "inputs": {k: enc(v.to(dtype)) for k, v in inputs.items()},
        "ints": {k: enc(v) for k, v in ints.items()},
        "loss": float(loss.item()),
        "grads": {k: enc(g) for k, g in grads.items()},
    })


# ---------------------------------------------------------------------------------------------
# (a) The MLP.

ACT = {"tanh": torch.tanh, "gelu": F.gelu, "relu": F.relu}
N, D_IN, H1, H2, C = 8, 5, 16, 16, 4

mlp_inputs = {"x": normal([N, D_IN])}
mlp_inputs.update(linear_params(D_IN, H1, "fc1"))
mlp_inputs.update(linear_params(H1, H2, "fc2"))
mlp_inputs.update(linear_params(H2, C, "fc3"))
mlp_targets = torch.randint(0, C, [N], generator=gen, dtype=I64)


def mlp(cfg, y):
    def fn(p):
        h = ACT[cfg["act1"]](F.linear(p["x"], p["fc1.weight"], p["fc1.bias"]))
        z2 = F.linear(h, p["fc2.weight"], p["fc2.bias"])
        if cfg["act2"] == "relu":
            # ReLU's derivative jumps at 0: keep every pre-activation clear of it, so that
            # rounding differences cannot flip a gradient.
            assert z2.detach().abs().min().item() > 1e-3
        h = ACT[cfg["act2"]](z2)
        logits = F.linear(h, p["fc3.weight"], p["fc3.bias"])
        return F.cross_entropy(logits, y, reduction=cfg["reduction"], label_smoothing=cfg["label_smoothing"])
    return fn


for cfg in (
    {"act1": "tanh", "act2": "gelu", "reduction": "mean", "label_smoothing": 0.0},
    {"act1": "tanh", "act2": "relu", "reduction": "sum", "label_smoothing": 0.1},
):
    for dt in (F64, F32):
        name = f"mlp/{cfg['act1']}-{cfg['act2']}/{cfg['reduction']}/ls{cfg['label_smoothing']}/{DT_NAME[dt]}"
        add_case(name, "mlp", dt, cfg, mlp_inputs, {"y": mlp_targets}, mlp(cfg, mlp_targets))

# ---------------------------------------------------------------------------------------------
# (b) The LSTM cell, unrolled.

T, B, I, HID, V, K = 5, 3, 4, 6, 11, 5


def lstm_params():
    b = 1 / math.sqrt(HID)  # nn.LSTMCell's default initialisation range
    p = {
        "cell.weight_ih": uniform([4 * HID, I], b),
        "cell.weight_hh": uniform([4 * HID, HID], b),
        "cell.bias_ih": uniform([4 * HID], b),
        "cell.bias_hh": uniform([4 * HID], b),
    }
    p.update(linear_params(HID, K, "head"))
    return p


def torch_cell(p):
    cell = torch.nn.LSTMCell(I, HID).to(p["cell.weight_ih"].dtype)
    # Put the leaves in as the cell's parameters, so that gradients reach them.
    for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        delattr(cell, k)
        setattr(cell, k, p["cell." + k])
    return cell


def primitive_cell(p, x, h, c):
    """The cell from primitives, as the Go test builds it."""
    gates = x @ p["cell.weight_ih"].T + h @ p["cell.weight_hh"].T + p["cell.bias_ih"] + p["cell.bias_hh"]
    i, f, g, o = gates.chunk(4, 1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c


def lstm_loss(p, xs, h, c, y, cell):
    for x in xs:
        if cell is None:
            h, c = primitive_cell(p, x, h, c)
        else:
            h, c = cell(x, (h, c))
    return F.cross_entropy(F.linear(h, p["head.weight"], p["head.bias"]), y)


lstm_inputs = {"x": normal([T, B, I]), "h0": normal([B, HID], 0.5), "c0": normal([B, HID], 0.5)}
lstm_inputs.update(lstm_params())
lstm_targets = torch.randint(0, K, [B], generator=gen, dtype=I64)


def lstm(p, primitive=False):
    return lstm_loss(p, p["x"].unbind(0), p["h0"], p["c0"], lstm_targets, None if primitive else torch_cell(p))


embed_inputs = {"embedding": normal([V, I])}
embed_inputs.update(lstm_params())
# Repeated ids on purpose: id 3 five times (twice in one time step), id 7 three times.
tokens = torch.tensor([[3, 7, 3, 0, 10], [3, 1, 7, 3, 5], [9, 3, 2, 7, 4]], dtype=I64)
embed_targets = torch.randint(0, K, [B], generator=gen, dtype=I64)


def lstm_embed(p, primitive=False):
    xs = [F.embedding(tokens[:, t], p["embedding"]) for t in range(T)]
    z = torch.zeros(B, HID, dtype=p["embedding"].dtype)
    return lstm_loss(p, xs, z, z, embed_targets, None if primitive else torch_cell(p))


# The primitive formulas (what the Go test builds) give torch's LSTMCell results.
for fn, inputs in ((lstm, lstm_inputs), (lstm_embed, embed_inputs)):
    l1, g1 = run(fn, inputs, F64)
    l2, g2 = run(lambda p: fn(p, primitive=True), inputs, F64)
    assert abs(l1.item() - l2.item()) < 1e-14, (l1, l2)
    for k in g1:
        assert torch.allclose(g1[k], g2[k], rtol=1e-12, atol=1e-14), k

lstm_cfg = {"steps": T, "batch": B, "input": I, "hidden": HID, "classes": K}
add_case("lstm/float64", "lstm", F64, lstm_cfg, lstm_inputs, {"y": lstm_targets}, lstm)
add_case("lstm_embed/float64", "lstm_embed", F64, dict(lstm_cfg, vocab=V), embed_inputs,
         {"tokens": tokens, "y": embed_targets}, lstm_embed)

out = {
    "torch_version": torch.__version__,
    "doc": "Written by gen_e2e.py; see its doc string for the format.",
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "e2e.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=None, separators=(",", ":"))
    fh.write("\n")
print(f"wrote {len(cases)} cases to {path}")

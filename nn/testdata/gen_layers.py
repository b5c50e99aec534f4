"""Writes layers.json: PyTorch 1.13 references for nn's basic layers (Linear, LayerNorm,
Embedding, Sequential). Run from the repository root:

    ../shared/tools/pytorch nn/testdata/gen_layers.py

See fixtures.py for the format. Parameters come from torch's own initialization under fixed
seeds and travel in "state", so the Go test loads the same weights by name.
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixtures import F32, F64, I64, Writer  # noqa: E402

w = Writer(__doc__)


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    torch.manual_seed(1)
    lin = torch.nn.Linear(5, 3).to(dt)
    w.add(f"linear/[4 5]/{dn}", "linear", dt, {"in": 5, "out": 3}, lin, {"x": randn(2, 4, 5)})
    torch.manual_seed(2)
    lin = torch.nn.Linear(4, 6, bias=False).to(dt)
    w.add(f"linear/nobias/[2 3 4]/{dn}", "linear", dt, {"in": 4, "out": 6, "no_bias": True}, lin,
          {"x": randn(3, 2, 3, 4)})

    torch.manual_seed(3)
    ln = torch.nn.LayerNorm(6).to(dt)
    with torch.no_grad():
        ln.weight.copy_(randn(4, 6) * 0.5 + 1)
        ln.bias.copy_(randn(5, 6) * 0.1)
    w.add(f"layernorm/[6]/{dn}", "layernorm", dt, {"shape": [6], "eps": 1e-5}, ln, {"x": randn(6, 3, 6) * 3 + 1})
    torch.manual_seed(4)
    ln = torch.nn.LayerNorm([3, 4], eps=1e-3).to(dt)
    with torch.no_grad():
        ln.weight.copy_(randn(7, 3, 4))
        ln.bias.copy_(randn(8, 3, 4))
    w.add(f"layernorm/[3 4]/{dn}", "layernorm", dt, {"shape": [3, 4], "eps": 1e-3}, ln, {"x": randn(9, 2, 3, 4)})

    ids = torch.tensor([[1, 3, 0, 3], [2, 0, 0, 4]])
    torch.manual_seed(5)
    emb = torch.nn.Embedding(5, 3).to(dt)
    w.add(f"embedding/[2 4]/{dn}", "embedding", dt, {"num": 5, "dim": 3}, emb, {}, ints={"ids": ids},
          forward=lambda m, leaves, ints, consts: m(ints["ids"]))
    torch.manual_seed(6)
    emb = torch.nn.Embedding(5, 3, padding_idx=0).to(dt)
    w.add(f"embedding/padding/[2 4]/{dn}", "embedding", dt, {"num": 5, "dim": 3, "padding_idx": 0}, emb, {},
          ints={"ids": ids}, forward=lambda m, leaves, ints, consts: m(ints["ids"]))
    torch.manual_seed(7)
    emb = torch.nn.Embedding(6, 4, max_norm=1.5).to(dt)
    w.add(f"embedding/max_norm/[2 4]/{dn}", "embedding", dt, {"num": 6, "dim": 4, "max_norm": 1.5}, emb, {},
          ints={"ids": ids}, forward=lambda m, leaves, ints, consts: m(ints["ids"]))
    # The state recorded for max_norm is the table after the forward pass renormalized it;
    # the Go test loads the table from before, kept under "state_before".
    torch.manual_seed(7)
    before = torch.nn.Embedding(6, 4, max_norm=1.5).to(dt).state_dict()
    from fixtures import enc  # noqa: E402
    w.cases[-1]["params"]["state_before"] = {k: enc(v) for k, v in before.items()}

    torch.manual_seed(8)
    seq = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).to(dt)
    w.add(f"sequential/linear-tanh-linear/{dn}", "sequential", dt, {}, seq, {"x": randn(10, 3, 4)})

w.write(os.path.join(os.path.dirname(__file__), "layers.json"))

"""Writes rnn.json: PyTorch 1.13 references for nn.LSTM, nn.GRU and nn.RNN: stacked,
bidirectional, batch first or not, with initial states and with variable lengths (through
pack_padded_sequence with enforce_sorted=False and pad_packed_sequence, so that padded steps
give zeros and the final states are each sequence's last step). Run from the repository root:

    ../shared/tools/pytorch nn/testdata/gen_rnn.py

See fixtures.py for the format. params: {"mode", "input", "hidden", "layers",
"bidirectional", "batch_first", "bias", "nonlinearity", "lengths", "h0", "c0", "unbatched"};
inputs "x" and, when given, "h0" and "c0"; outputs: output, h_n (and c_n for the LSTM).
"""

import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(__file__))
from fixtures import F32, F64, Writer  # noqa: E402

w = Writer(__doc__)


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def case(name, mode, dt, I, H, T, B, layers=1, bidir=False, batch_first=False, bias=True,
         nonlinearity="tanh", lengths=None, h0=False, c0=False, unbatched=False, seed=0):
    torch.manual_seed(seed)
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[mode]
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias)
    if mode == "rnn":
        kw["nonlinearity"] = nonlinearity
    m = cls(I, H, **kw).to(dt)
    D = 2 if bidir else 1
    if unbatched:
        inputs = {"x": randn(seed + 1, T, I)}
        sshape = (layers * D, H)
    else:
        inputs = {"x": randn(seed + 1, B, T, I) if batch_first else randn(seed + 1, T, B, I)}
        sshape = (layers * D, B, H)
    if h0:
        inputs["h0"] = randn(seed + 2, *sshape) * 0.5
    if c0:
        inputs["c0"] = randn(seed + 3, *sshape) * 0.5

    def forward(mod, leaves, ints, consts):
        x = leaves["x"]
        state = None
        if mode == "lstm" and (h0 or c0):
            z = torch.zeros(sshape, dtype=dt)
            state = (leaves.get("h0", z), leaves.get("c0", z))
        elif h0:
            state = leaves["h0"]
        if lengths is None:
            out, hn = mod(x, state)
        else:
            packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
            out, hn = mod(packed, state)
            out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
        if mode == "lstm":
            return out, hn[0], hn[1]
        return out, hn

    params = {"mode": mode, "input": I, "hidden": H, "layers": layers, "bidirectional": bidir,
              "batch_first": batch_first, "bias": bias, "nonlinearity": nonlinearity,
              "lengths": lengths, "h0": h0, "c0": c0, "unbatched": unbatched}
    w.add(name, mode, dt, params, m, inputs, seed=seed, forward=forward)


for dt, dn in ((F64, "f64"), (F32, "f32")):
    case(f"lstm/1layer/{dn}", "lstm", dt, I=3, H=4, T=5, B=2, h0=True, c0=True, seed=1)
    case(f"lstm/2layers/bidir/batch_first/lengths/{dn}", "lstm", dt, I=4, H=3, T=6, B=4, layers=2,
         bidir=True, batch_first=True, lengths=[3, 6, 1, 5], seed=2)
    case(f"gru/2layers/bidir/lengths/h0/{dn}", "gru", dt, I=3, H=4, T=5, B=3, layers=2, bidir=True,
         lengths=[5, 2, 4], h0=True, seed=3)
    case(f"rnn/tanh/lengths/{dn}", "rnn", dt, I=2, H=5, T=4, B=3, lengths=[2, 4, 3], seed=4)
case("lstm/nobias/bidir/h0/f64", "lstm", F64, I=3, H=2, T=4, B=2, bidir=True, bias=False, h0=True, seed=5)
case("lstm/unbatched/2layers/f64", "lstm", F64, I=3, H=4, T=5, B=1, layers=2, unbatched=True, h0=True, c0=True, seed=6)
case("lstm/lengths/equal/f64", "lstm", F64, I=2, H=3, T=4, B=3, lengths=[4, 4, 4], seed=7)
case("lstm/lengths/sorted/c0/f64", "lstm", F64, I=2, H=3, T=5, B=3, lengths=[5, 3, 1], c0=True, seed=8)
case("gru/unbatched/f64", "gru", F64, I=2, H=3, T=4, B=1, unbatched=True, seed=9)
case("rnn/relu/2layers/batch_first/f64", "rnn", F64, I=3, H=4, T=5, B=2, layers=2, batch_first=True,
     nonlinearity="relu", h0=True, seed=10)
case("gru/nobias/batch_first/f64", "gru", F64, I=3, H=2, T=3, B=2, batch_first=True, bias=False, seed=11)

w.write(os.path.join(os.path.dirname(__file__), "rnn.json"))

"""Writes attention.json: PyTorch 1.13 references for nn's attention and sequence layers
(MultiheadAttention, TransformerEncoderLayer, TransformerEncoder, the position encodings,
Conv1d, MaxPool1d, AvgPool1d, EmbeddingBag and the pools over time). Run from the repository
root (one thread, so that the file comes out byte for byte the same):

    ../shared/tools/pytorch --threads 1 nn/testdata/gen_attention.py

See fixtures.py for the format. Parameters come from torch's own initialization under fixed
seeds, with the biases and norms that torch initializes to constants redrawn so that they are
tested too; they travel in "state", so the Go test loads the same weights by name. Masks are
"ints" (0/1, read as booleans here); a float attention mask that is differentiated is an input.
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fixtures import F32, F64, I64, Writer, enc  # noqa: E402

w = Writer(__doc__)


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def redraw(module, seed, names):
    """Redraws the named parameters (zero or one at initialization) around their usual value."""
    with torch.no_grad():
        for i, (k, p) in enumerate(module.named_parameters()):
            if any(k.endswith(n) for n in names):
                base = 1.0 if k.endswith("norm1.weight") or k.endswith("norm2.weight") or k == "norm.weight" else 0.0
                p.copy_(randn(seed + i, *p.shape) * 0.3 + base)


def causal(n):
    return torch.nn.Transformer.generate_square_subsequent_mask(n)


# ---- MultiheadAttention: E = 8, 2 heads, L = 4 queries, S = 5 keys, B = 3.

E, H, L, S, B = 8, 2, 4, 5, 3
kpm = torch.tensor([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [0, 1, 0, 0, 1]])  # no row fully masked
mask2 = torch.tensor([[0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
mask3 = (randn(40, B * H, L, S) > 0.8).to(I64)
mask3[:, :, 0] = 0  # every query keeps key 0


def mha_case(name, dt, params, inputs, ints=None, consts=None, seed=0, kdim=None, vdim=None, bias=True,
             batch_first=False, fwd=None):
    torch.manual_seed(seed)
    m = torch.nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim, batch_first=batch_first).to(dt)
    redraw(m, seed + 100, ["in_proj_bias", "out_proj.bias"])
    params = dict(params, embed_dim=E, num_heads=H, batch_first=batch_first, no_bias=not bias,
                  kdim=kdim or 0, vdim=vdim or 0)
    w.add(name, "mha", dt, params, m, inputs, ints=ints, consts=consts, forward=fwd)


def bools(ints, k):
    return ints[k].bool() if k in ints else None


for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    # Self-attention, sequence first, the averaged weights.
    mha_case(f"mha/self/seq-first/avg/{dn}", dt, {"self": True}, {"x": randn(1, L, B, E)}, seed=1,
             fwd=lambda m, x, i, c: m(x["x"], x["x"], x["x"]))
    # Self-attention, batch first, key padding, the weights of every head.
    mha_case(f"mha/self/batch-first/padding/per-head/{dn}", dt, {"self": True, "weights": "per_head"},
             {"x": randn(2, B, S, E)}, ints={"key_padding": kpm}, seed=2, batch_first=True,
             fwd=lambda m, x, i, c: m(x["x"], x["x"], x["x"], key_padding_mask=bools(i, "key_padding"),
                                      average_attn_weights=False))
    # Cross-attention (key = value), a boolean [L, S] mask and key padding.
    mha_case(f"mha/cross/kv/mask2d/padding/{dn}", dt, {"kv": True}, {"q": randn(3, L, B, E), "kv": randn(4, S, B, E)},
             ints={"mask": mask2, "key_padding": kpm}, seed=3,
             fwd=lambda m, x, i, c: m(x["q"], x["kv"], x["kv"], attn_mask=bools(i, "mask"),
                                      key_padding_mask=bools(i, "key_padding")))
    # Separate query, key and value, a boolean [B·H, L, S] mask, batch first.
    mha_case(f"mha/qkv/mask3d/batch-first/{dn}", dt, {}, {"q": randn(5, B, L, E), "k": randn(6, B, S, E), "v": randn(7, B, S, E)},
             ints={"mask": mask3}, seed=4, batch_first=True,
             fwd=lambda m, x, i, c: m(x["q"], x["k"], x["v"], attn_mask=bools(i, "mask")))
    # A float mask added to the scores, differentiated, [B·H, L, S], with key padding.
    mha_case(f"mha/qkv/bias3d/padding/{dn}", dt, {"bias_input": True},
             {"q": randn(8, L, B, E), "k": randn(9, S, B, E), "v": randn(10, S, B, E), "attn_bias": randn(11, B * H, L, S)},
             ints={"key_padding": kpm}, seed=5,
             fwd=lambda m, x, i, c: m(x["q"], x["k"], x["v"], attn_mask=x["attn_bias"],
                                      key_padding_mask=bools(i, "key_padding")))
    # A float [L, S] bias together with a boolean mask: torch takes them merged into one.
    mha_case(f"mha/self/bias2d/mask2d/{dn}", dt, {"self": True, "bias_input": True},
             {"x": randn(12, L, B, E), "attn_bias": randn(13, L, L)}, ints={"mask": mask2[:, :L]}, seed=6,
             fwd=lambda m, x, i, c: m(x["x"], x["x"], x["x"],
                                      attn_mask=x["attn_bias"].masked_fill(i["mask"].bool(), float("-inf"))))
    # Causal self-attention (Go's Causal flag; torch's square subsequent mask) with padding.
    mha_case(f"mha/self/causal/padding/batch-first/{dn}", dt, {"self": True, "causal": True},
             {"x": randn(14, B, S, E)}, ints={"key_padding": kpm}, seed=7, batch_first=True,
             fwd=lambda m, x, i, c: m(x["x"], x["x"], x["x"], attn_mask=causal(S).to(x["x"].dtype),
                                      key_padding_mask=bools(i, "key_padding")))
    # Causal cross-attention with L < S: query l sees keys 0..l.
    mha_case(f"mha/cross/causal/{dn}", dt, {"causal": True},
             {"q": randn(15, L, B, E), "k": randn(16, S, B, E), "v": randn(17, S, B, E)}, seed=8,
             fwd=lambda m, x, i, c: m(x["q"], x["k"], x["v"],
                                      attn_mask=torch.full((L, S), float("-inf"), dtype=x["q"].dtype).triu(1)))
    # Keys and values of other sizes (separate projection weights), no bias, no weights.
    mha_case(f"mha/kdim-vdim/nobias/no-weights/{dn}", dt, {"weights": "none"},
             {"q": randn(18, L, B, E), "k": randn(19, S, B, 6), "v": randn(20, S, B, 5)}, seed=9,
             kdim=6, vdim=5, bias=False,
             fwd=lambda m, x, i, c: m(x["q"], x["k"], x["v"], need_weights=False))
    # Unbatched self-attention with key padding [S].
    mha_case(f"mha/self/unbatched/padding/{dn}", dt, {"self": True}, {"x": randn(21, S, E)},
             ints={"key_padding": kpm[1]}, seed=10,
             fwd=lambda m, x, i, c: m(x["x"], x["x"], x["x"], key_padding_mask=bools(i, "key_padding")))


# ---- TransformerEncoderLayer and TransformerEncoder: d_model 8, 2 heads, feed-forward 16.

D, FF = 8, 16
src_kpm = torch.tensor([[0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 1, 1, 1]])


def enc_layer(dt, seed, act, norm_first, batch_first, eps=1e-5):
    torch.manual_seed(seed)
    lay = torch.nn.TransformerEncoderLayer(D, H, dim_feedforward=FF, dropout=0.1, activation=act,
                                           layer_norm_eps=eps, batch_first=batch_first, norm_first=norm_first).to(dt)
    redraw(lay, seed + 100, ["in_proj_bias", "out_proj.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"])
    return lay.eval()  # dropout off; the inputs require a gradient, so no fused fast path


def layer_params(act, norm_first, batch_first, eps=1e-5):
    return {"d_model": D, "nhead": H, "dim_feedforward": FF, "activation": act, "norm_first": norm_first,
            "batch_first": batch_first, "eps": eps}


for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    for k, (act, nf, bf, masks) in enumerate([
        ("relu", False, False, "padding"),
        ("gelu", False, True, "causal"),
        ("relu", True, True, "mask+padding"),
        ("gelu", True, False, "none"),
    ]):
        lay = enc_layer(dt, 30 + k, act, nf, bf, eps=1e-5 if k != 3 else 1e-3)
        x = randn(50 + k, B, S, D) if bf else randn(50 + k, S, B, D)
        ints = {}
        if "padding" in masks:
            ints["key_padding"] = src_kpm
        if "mask" in masks.split("+"):
            ints["mask"] = (randn(60 + k, S, S) > 1).to(I64).fill_diagonal_(0)
        params = layer_params(act, nf, bf, eps=1e-5 if k != 3 else 1e-3)
        params["causal"] = masks == "causal"

        def fwd(m, x, i, c, masks=masks):
            src_mask = None
            if masks == "causal":
                src_mask = causal(S).to(x["x"].dtype)
            elif "mask" in i:
                src_mask = i["mask"].bool()
            return m(x["x"], src_mask=src_mask, src_key_padding_mask=bools(i, "key_padding"))
        norm = "pre" if nf else "post"
        layout = "batch-first" if bf else "seq-first"
        w.add(f"encoder_layer/{norm}/{act}/{layout}/{masks}/{dn}", "encoder_layer", dt, params, lay, {"x": x},
              ints=ints, forward=fwd)

    # Two layers (the second perturbed, so that the names matter), a final norm, padding.
    for k, (bf, masks) in enumerate([(True, "padding"), (False, "mask")]):
        lay = enc_layer(dt, 70 + k, "relu", False, bf)
        torch.manual_seed(80 + k)
        encoder = torch.nn.TransformerEncoder(lay, 2, norm=torch.nn.LayerNorm(D).to(dt), enable_nested_tensor=False).to(dt)
        with torch.no_grad():
            for p in encoder.layers[1].parameters():
                p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(90 + k), dtype=F64).to(dt) * 0.1)
        redraw(encoder, 95 + k, ["norm.weight", "norm.bias"])
        encoder.eval()
        x = randn(100 + k, B, S, D) if bf else randn(100 + k, S, B, D)
        ints = {"key_padding": src_kpm} if masks == "padding" else {"mask": (randn(110 + k, S, S) > 1).to(I64).fill_diagonal_(0)}
        params = dict(layer_params("relu", False, bf), num_layers=2, final_norm=True)

        def fwd(m, x, i, c):
            return m(x["x"], mask=bools(i, "mask"), src_key_padding_mask=bools(i, "key_padding"))
        w.add(f"encoder/2-layers/norm/{'batch-first' if bf else 'seq-first'}/{masks}/{dn}", "encoder", dt, params,
              encoder, {"x": x}, ints=ints, forward=fwd)


# ---- Position encodings.


class PositionalEncoding(torch.nn.Module):
    """The PyTorch transformer tutorial's module, with the table computed in float64 and then
    rounded to the module's dtype, as godl computes it (the tutorial computes it in float32,
    whose argument p·div_term is then off by up to p·2⁻²⁴ relatively)."""

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = torch.nn.Dropout(p=dropout)
        position = torch.arange(max_len, dtype=F64).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=F64) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model, dtype=F64)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)[:, : d_model // 2]
        self.register_buffer("pe", pe)

    def forward(self, x, batch_first=False):
        if x.dim() == 2:  # unbatched [T, D] (the tutorial's module would broadcast it to [T, T, D])
            return self.dropout(x + self.pe[: x.size(0), 0])
        if batch_first:
            return self.dropout(x + self.pe[: x.size(1), 0])
        return self.dropout(x + self.pe[: x.size(0)])


for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    for d, bf, shape in [(16, False, (7, B, 16)), (16, True, (B, 7, 16)), (7, False, (5, 7))]:
        pe = PositionalEncoding(d, dropout=0.1, max_len=20).to(dt).eval()
        layout = "unbatched" if len(shape) == 2 else "batch-first" if bf else "seq-first"
        w.add(f"pos_sin/d{d}/{layout}/{dn}", "pos_sin", dt, {"dim": d, "max_len": 20, "batch_first": bf}, pe,
              {"x": randn(120 + d, *shape)}, forward=lambda m, x, i, c, bf=bf: m(x["x"], batch_first=bf))
    for bf, shape in [(False, (6, B, 10)), (True, (B, 6, 10))]:
        torch.manual_seed(130)
        emb = torch.nn.Embedding(12, 10).to(dt)

        def fwd(m, x, i, c, bf=bf):
            t = x["x"].size(1 if bf else 0)
            p = m(torch.arange(t))
            return x["x"] + (p if bf else p.unsqueeze(1))
        w.add(f"pos_learned/{'batch-first' if bf else 'seq-first'}/{dn}", "pos_learned", dt,
              {"max_len": 12, "dim": 10, "batch_first": bf}, emb, {"x": randn(131, *shape)}, forward=fwd)


# ---- Conv1d.

for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    for k, (cin, cout, ks, stride, pad, dil, groups, bias, shape) in enumerate([
        (4, 6, 3, 1, 0, 1, 1, True, (2, 4, 9)),
        (4, 6, 3, 2, 1, 1, 1, True, (2, 4, 10)),
        (3, 5, 3, 1, 2, 2, 1, False, (2, 3, 8)),
        (4, 6, 2, 3, 1, 1, 2, True, (3, 4, 11)),
        (4, 8, 5, 1, 2, 1, 4, True, (2, 4, 7)),  # depthwise, two filters per channel
        (3, 2, 4, 2, 3, 3, 1, True, (3, 12)),  # unbatched
    ]):
        torch.manual_seed(140 + k)
        conv = torch.nn.Conv1d(cin, cout, ks, stride=stride, padding=pad, dilation=dil, groups=groups, bias=bias).to(dt)
        params = {"in": cin, "out": cout, "kernel": ks, "stride": stride, "padding": pad, "dilation": dil,
                  "groups": groups, "no_bias": not bias}
        w.add(f"conv1d/k{ks}-s{stride}-p{pad}-d{dil}-g{groups}{'' if bias else '-nobias'}/{list(shape)}/{dn}".replace(", ", " "),
              "conv1d", dt, params, conv, {"x": randn(150 + k, *shape)})


# ---- MaxPool1d and AvgPool1d.

for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    for k, (ks, stride, pad, dil, ceil, shape) in enumerate([
        (3, 2, 1, 1, False, (2, 3, 9)),
        (3, 1, 0, 2, False, (2, 3, 9)),
        (2, 2, 1, 1, True, (2, 3, 8)),
        (4, 3, 2, 1, True, (3, 10)),
    ]):
        pool = torch.nn.MaxPool1d(ks, stride=stride, padding=pad, dilation=dil, ceil_mode=ceil, return_indices=True)
        params = {"kernel": ks, "stride": stride, "padding": pad, "dilation": dil, "ceil_mode": ceil}
        w.add(f"maxpool1d/k{ks}-s{stride}-p{pad}-d{dil}{'-ceil' if ceil else ''}/{dn}", "maxpool1d", dt, params, pool,
              {"x": randn(160 + k, *shape)})
    for k, (ks, stride, pad, ceil, incl, shape) in enumerate([
        (3, 2, 1, False, True, (2, 3, 9)),
        (3, 2, 1, False, False, (2, 3, 9)),
        (4, 3, 2, True, True, (2, 3, 10)),
        (4, 3, 2, True, False, (3, 10)),
        (2, 1, 0, False, True, (2, 2, 5)),
    ]):
        pool = torch.nn.AvgPool1d(ks, stride=stride, padding=pad, ceil_mode=ceil, count_include_pad=incl)
        params = {"kernel": ks, "stride": stride, "padding": pad, "ceil_mode": ceil, "exclude_pad": not incl}
        w.add(f"avgpool1d/k{ks}-s{stride}-p{pad}{'-ceil' if ceil else ''}{'' if incl else '-excludepad'}/{dn}",
              "avgpool1d", dt, params, pool, {"x": randn(170 + k, *shape)})


# ---- Pools over time (no torch module: the reference is the masked computation).


def pool_time(x, lengths, mode, time_first):
    if time_first:
        x = x.transpose(0, 1)
    t = x.size(1)
    pad = torch.arange(t)[None, :] >= lengths[:, None]  # [B, T]
    empty = (lengths <= 0)[:, None]
    if mode == "max":
        return x.masked_fill(pad[..., None], float("-inf")).max(1).values.masked_fill(empty, 0)
    count = (~pad).sum(1, keepdim=True).to(x.dtype).clamp(min=1)
    return x.masked_fill(pad[..., None], 0).sum(1) / count


lengths = torch.tensor([5, 2, 0, 7])  # an empty sequence, and one longer than T = 6
for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    for mode in ("max", "mean"):
        for tf in (False, True):
            shape = (6, 4, 3) if tf else (4, 6, 3)
            w.add(f"pool_time/{mode}/{'time-first' if tf else 'batch-first'}/{dn}", "pool_time", dt,
                  {"mode": mode, "time_first": tf}, None, {"x": randn(180, *shape)}, ints={"lengths": lengths},
                  forward=lambda m, x, i, c, mode=mode, tf=tf: pool_time(x["x"], i["lengths"], mode, tf))
        w.add(f"pool_time/{mode}/no-lengths/{dn}", "pool_time", dt, {"mode": mode, "time_first": False}, None,
              {"x": randn(181, 4, 6, 3)},
              forward=lambda m, x, i, c, mode=mode: pool_time(x["x"], torch.full((4,), 6), mode, False))


# ---- EmbeddingBag. Every case gets a fresh module, so that no gradient accumulates across cases.

ids2d = torch.tensor([[1, 3, 0, 3], [2, 0, 0, 4], [0, 0, 0, 0]])
ids1d = torch.tensor([1, 3, 0, 3, 2, 0, 4, 5, 5, 1])
offsets = torch.tensor([0, 3, 3, 7])  # bag 1 is empty


def bag(dt, seed, **kw):
    torch.manual_seed(seed)
    return torch.nn.EmbeddingBag(6, 3, **kw).to(dt)


for dt in (F32, F64):
    dn = "f32" if dt == F32 else "f64"
    for k, mode in enumerate(("sum", "mean", "max")):
        for pad in (None, 0):
            padname = "" if pad is None else "/padding0"
            params = {"num": 6, "dim": 3, "mode": mode, "padding_idx": pad}
            w.add(f"embedding_bag/{mode}/2d{padname}/{dn}", "embedding_bag", dt, params,
                  bag(dt, 190 + k, mode=mode, padding_idx=pad), {}, ints={"ids": ids2d},
                  forward=lambda m, x, i, c: m(i["ids"]))
            w.add(f"embedding_bag/{mode}/offsets{padname}/{dn}", "embedding_bag", dt, params,
                  bag(dt, 190 + k, mode=mode, padding_idx=pad), {}, ints={"ids": ids1d, "offsets": offsets},
                  forward=lambda m, x, i, c: m(i["ids"], i["offsets"]))
            w.add(f"embedding_bag/{mode}/last-offset{padname}/{dn}", "embedding_bag", dt,
                  dict(params, include_last_offset=True),
                  bag(dt, 190 + k, mode=mode, padding_idx=pad, include_last_offset=True),
                  {}, ints={"ids": ids1d, "offsets": torch.tensor([0, 2, 2, 6, 10])},
                  forward=lambda m, x, i, c: m(i["ids"], i["offsets"]))
    for pad in (None, 2):
        params = {"num": 6, "dim": 3, "mode": "sum", "padding_idx": pad}
        padname = "" if pad is None else "/padding2"
        w.add(f"embedding_bag/sum/weights/offsets{padname}/{dn}", "embedding_bag", dt, params,
              bag(dt, 195, mode="sum", padding_idx=pad), {"psw": randn(196, 10)}, ints={"ids": ids1d, "offsets": offsets},
              forward=lambda m, x, i, c: m(i["ids"], i["offsets"], per_sample_weights=x["psw"]))
        w.add(f"embedding_bag/sum/weights/2d{padname}/{dn}", "embedding_bag", dt, params,
              bag(dt, 195, mode="sum", padding_idx=pad), {"psw": randn(197, 3, 4)}, ints={"ids": ids2d},
              forward=lambda m, x, i, c: m(i["ids"], per_sample_weights=x["psw"]))
    # max_norm renormalizes the looked-up rows in place before the reduction: the Go test
    # loads the table from before, kept under "state_before".
    m = bag(dt, 198, mode="mean", max_norm=1.2)
    before = {k: enc(v) for k, v in m.state_dict().items()}
    w.add(f"embedding_bag/mean/max_norm/offsets/{dn}", "embedding_bag", dt,
          {"num": 6, "dim": 3, "mode": "mean", "max_norm": 1.2}, m, {}, ints={"ids": ids1d, "offsets": offsets},
          forward=lambda m, x, i, c: m(i["ids"], i["offsets"]))
    w.cases[-1]["params"]["state_before"] = before

w.write(os.path.join(os.path.dirname(__file__), "attention.json"))

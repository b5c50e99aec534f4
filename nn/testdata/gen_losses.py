"""Writes losses.json: PyTorch 1.13 references for nn's losses (cross_entropy, nll_loss,
mse_loss, l1_loss, smooth_l1_loss, binary_cross_entropy_with_logits, kl_div), each for every
reduction and the option sets that change its formula. Run from the repository root:

    ../shared/tools/pytorch nn/testdata/gen_losses.py

See fixtures.py for the format. A case's "layer" names the loss; "params" holds the options
(reduction, ignore_index, label_smoothing, beta, log_target); the loss's input is the input
"input", and its target is the input "target" when the gradient flows to it, the int "target"
for class indices, or the const "target" otherwise. Class weights travel as the consts
"weight" and "pos_weight".
"""

import os
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from fixtures import F32, F64, Writer  # noqa: E402

warnings.simplefilter("ignore")  # kl_div's warning about reduction='mean'

w = Writer(__doc__)
REDUCTIONS = ("mean", "sum", "none")


def randn(seed, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def rand(seed, *shape):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def target(leaves, ints, consts):
    for d in (leaves, ints, consts):
        if "target" in d:
            return d["target"]
    raise SystemExit("case without a target")


def add(name, loss, dt, params, inputs, ints=None, consts=None, seed=0):
    """Adds one case of loss (a name below) with the given options."""
    p = dict(params)

    def forward(_, leaves, ints, consts):
        x, y = leaves["input"], target(leaves, ints, consts)
        red = p.get("reduction", "mean")
        if loss == "cross_entropy":
            return F.cross_entropy(x, y, weight=consts.get("weight"), reduction=red,
                                   ignore_index=p.get("ignore_index", -100),
                                   label_smoothing=p.get("label_smoothing", 0.0))
        if loss == "nll_loss":
            return F.nll_loss(x, y, weight=consts.get("weight"), reduction=red,
                              ignore_index=p.get("ignore_index", -100))
        if loss == "mse_loss":
            return F.mse_loss(x, y, reduction=red)
        if loss == "l1_loss":
            return F.l1_loss(x, y, reduction=red)
        if loss == "smooth_l1_loss":
            return F.smooth_l1_loss(x, y, reduction=red, beta=p.get("beta", 1.0))
        if loss == "bce_with_logits":
            return F.binary_cross_entropy_with_logits(x, y, weight=consts.get("weight"),
                                                      pos_weight=consts.get("pos_weight"),
                                                      reduction=red)
        if loss == "kl_div":
            return F.kl_div(x, y, reduction=red, log_target=p.get("log_target", False))
        raise SystemExit("unknown loss " + loss)

    dn = "f32" if dt == F32 else "f64"
    w.add(f"{loss}/{name}/{p.get('reduction', 'mean')}/{dn}", loss, dt, p, None, inputs,
          ints=ints, consts=consts, seed=seed, forward=forward)


# cross_entropy with class indices.
y5 = torch.tensor([1, 0, 3, 3, 2])
y5ign = torch.tensor([1, -100, 3, 0, -100])
y5ign0 = torch.tensor([1, 0, 3, 0, 2])
cw = torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=F64)
yk1 = torch.tensor([[0, 2, 1, -100], [2, 2, 0, 1]])
yk2 = torch.tensor([[[0, 1, 2], [2, -100, 0]], [[1, 1, -100], [0, 2, 2]]])
for red in REDUCTIONS:
    r = {"reduction": red}
    x54 = {"input": randn(1, 5, 4) * 2}
    for dt in (F64,):
        add("[5 4]", "cross_entropy", dt, r, x54, ints={"target": y5})
        add("weight/[5 4]", "cross_entropy", dt, r, x54, ints={"target": y5}, consts={"weight": cw})
        add("ignore/[5 4]", "cross_entropy", dt, r, x54, ints={"target": y5ign})
        add("ignore=0+weight/[5 4]", "cross_entropy", dt, {**r, "ignore_index": 0}, x54,
            ints={"target": y5ign0}, consts={"weight": cw})
        add("smoothing/[5 4]", "cross_entropy", dt, {**r, "label_smoothing": 0.1}, x54,
            ints={"target": y5})
        add("smoothing+weight+ignore/[5 4]", "cross_entropy", dt, {**r, "label_smoothing": 0.25},
            x54, ints={"target": y5ign}, consts={"weight": cw})
        add("kdim/[2 3 4]", "cross_entropy", dt, r, {"input": randn(2, 2, 3, 4)},
            ints={"target": yk1})
        add("kdim+smoothing+weight+ignore/[2 3 4]", "cross_entropy", dt,
            {**r, "label_smoothing": 0.2}, {"input": randn(2, 2, 3, 4)}, ints={"target": yk1},
            consts={"weight": cw[:3]})
        add("kdim+weight+ignore/[2 3 2 3]", "cross_entropy", dt, r, {"input": randn(3, 2, 3, 2, 3)},
            ints={"target": yk2}, consts={"weight": cw[1:]})
        add("1d/[4]", "cross_entropy", dt, r, {"input": randn(4, 4)},
            ints={"target": torch.tensor(2)})
        add("1d+smoothing+weight/[4]", "cross_entropy", dt, {**r, "label_smoothing": 0.3},
            {"input": randn(4, 4)}, ints={"target": torch.tensor(3)}, consts={"weight": cw})
    # Probability targets, differentiated too.
    p54 = torch.softmax(randn(5, 5, 4) * 2, 1)
    add("probs/[5 4]", "cross_entropy", F64, r, {"input": randn(6, 5, 4), "target": p54})
    add("probs+smoothing+weight/[5 4]", "cross_entropy", F64, {**r, "label_smoothing": 0.15},
        {"input": randn(6, 5, 4), "target": p54}, consts={"weight": cw})
    add("probs+smoothing+weight/[2 3 4]", "cross_entropy", F64, {**r, "label_smoothing": 0.1},
        {"input": randn(7, 2, 3, 4), "target": torch.softmax(randn(8, 2, 3, 4), 1)},
        consts={"weight": cw[:3]})
    add("probs/[4]", "cross_entropy", F64, r, {"input": randn(9, 4)},
        consts={"target": torch.softmax(randn(10, 4), 0)})
add("all-ignored/[3 4]", "cross_entropy", F64, {"ignore_index": 1}, {"input": randn(11, 3, 4)},
    ints={"target": torch.tensor([1, 1, 1])})
add("smoothing+all-ignored/[3 4]", "cross_entropy", F64, {"label_smoothing": 0.1},
    {"input": randn(11, 3, 4)}, ints={"target": torch.tensor([-100, -100, -100])})
add("empty/[0 4]", "cross_entropy", F64, {}, {"input": randn(11, 0, 4)},
    ints={"target": torch.zeros(0, dtype=torch.int64)})
add("smoothing+weight+ignore/[5 4]", "cross_entropy", F32, {"label_smoothing": 0.25},
    {"input": randn(1, 5, 4) * 2}, ints={"target": y5ign}, consts={"weight": cw})
add("kdim+weight+ignore/[2 3 2 3]", "cross_entropy", F32, {"reduction": "none"},
    {"input": randn(3, 2, 3, 2, 3)}, ints={"target": yk2}, consts={"weight": cw[1:]})
add("probs+smoothing+weight/[5 4]", "cross_entropy", F32, {"label_smoothing": 0.15},
    {"input": randn(6, 5, 4), "target": p54}, consts={"weight": cw})

# nll_loss on log-probabilities.
for red in REDUCTIONS:
    r = {"reduction": red}
    lp = torch.log_softmax(randn(20, 5, 4), 1)
    add("[5 4]", "nll_loss", F64, r, {"input": lp}, ints={"target": y5})
    add("weight+ignore/[5 4]", "nll_loss", F64, r, {"input": lp}, ints={"target": y5ign},
        consts={"weight": cw})
    add("ignore=2+weight/[5 4]", "nll_loss", F64, {**r, "ignore_index": 2}, {"input": lp},
        ints={"target": y5}, consts={"weight": cw})
    add("kdim+weight+ignore/[2 3 4]", "nll_loss", F64, r,
        {"input": torch.log_softmax(randn(21, 2, 3, 4), 1)}, ints={"target": yk1},
        consts={"weight": cw[:3]})
    add("kdim/[2 3 2 3]", "nll_loss", F64, r, {"input": randn(22, 2, 3, 2, 3)},
        ints={"target": yk2.clamp_min(0)})
    add("1d/[4]", "nll_loss", F64, r, {"input": randn(23, 4)}, ints={"target": torch.tensor(1)})
add("all-ignored/[3 4]", "nll_loss", F64, {}, {"input": randn(24, 3, 4)},
    ints={"target": torch.tensor([-100, -100, -100])})
add("weight+ignore/[5 4]", "nll_loss", F32, {}, {"input": torch.log_softmax(randn(20, 5, 4), 1)},
    ints={"target": y5ign}, consts={"weight": cw})

# The elementwise regression losses, with the gradient flowing to the target as well.
for red in REDUCTIONS:
    r = {"reduction": red}
    for loss in ("mse_loss", "l1_loss"):
        add("[3 4]", loss, F64, r, {"input": randn(30, 3, 4), "target": randn(31, 3, 4)})
        add("[2 3 4]", loss, F64, r, {"input": randn(32, 2, 3, 4)},
            consts={"target": randn(33, 2, 3, 4)})
        add("[]", loss, F64, r, {"input": randn(34, ()), "target": randn(35, ())})
    xs, ys = randn(36, 4, 5) * 2, randn(37, 4, 5)
    add("[4 5]", "smooth_l1_loss", F64, r, {"input": xs, "target": ys})
    add("beta=0.5/[4 5]", "smooth_l1_loss", F64, {**r, "beta": 0.5}, {"input": xs, "target": ys})
    add("beta=3/[4 5]", "smooth_l1_loss", F64, {**r, "beta": 3.0}, {"input": xs, "target": ys})
    add("beta=0/[4 5]", "smooth_l1_loss", F64, {**r, "beta": 0.0}, {"input": xs, "target": ys})
add("[3 4]", "mse_loss", F32, {}, {"input": randn(30, 3, 4), "target": randn(31, 3, 4)})
add("[3 4]", "l1_loss", F32, {"reduction": "sum"}, {"input": randn(30, 3, 4), "target": randn(31, 3, 4)})
add("beta=0.5/[4 5]", "smooth_l1_loss", F32, {"beta": 0.5},
    {"input": randn(36, 4, 5) * 2, "target": randn(37, 4, 5)})

# binary_cross_entropy_with_logits: logits of every size (0, large positive and negative
# ones included), soft targets differentiated, hard targets constant.
logits = torch.tensor([[0.0, 1.5, -2.0], [30.0, -30.0, 0.3], [-700.0, 700.0, -0.7],
                       [4.0, -0.1, 0.0]], dtype=F64)
logits32 = torch.tensor([[0.0, 1.5, -2.0], [30.0, -30.0, 0.3], [-90.0, 90.0, -0.7],
                         [4.0, -0.1, 0.0]], dtype=F64)
soft = rand(40, 4, 3)
hard = (rand(41, 4, 3) > 0.5).to(F64)
pw = torch.tensor([1.0, 2.5, 0.5], dtype=F64)
for red in REDUCTIONS:
    r = {"reduction": red}
    add("[4 3]", "bce_with_logits", F64, r, {"input": logits, "target": soft})
    add("hard/[4 3]", "bce_with_logits", F64, r, {"input": logits}, consts={"target": hard})
    add("weight=[3]/[4 3]", "bce_with_logits", F64, r, {"input": logits, "target": soft},
        consts={"weight": torch.tensor([0.2, 1.0, 3.0], dtype=F64)})
    add("pos_weight=[3]/[4 3]", "bce_with_logits", F64, r, {"input": logits, "target": soft},
        consts={"pos_weight": pw})
    add("weight=[4 1]+pos_weight=[3]/[4 3]", "bce_with_logits", F64, r,
        {"input": logits, "target": soft},
        consts={"weight": rand(42, 4, 1) + 0.5, "pos_weight": pw})
    add("pos_weight=[3 1 1]/[2 3 2 2]", "bce_with_logits", F64, r,
        {"input": randn(43, 2, 3, 2, 2) * 3, "target": rand(44, 2, 3, 2, 2)},
        consts={"pos_weight": pw.reshape(3, 1, 1)})
add("weight=[4 1]+pos_weight=[3]/[4 3]", "bce_with_logits", F32, {},
    {"input": logits32, "target": soft}, consts={"weight": rand(42, 4, 1) + 0.5, "pos_weight": pw})
add("hard/[4 3]", "bce_with_logits", F32, {"reduction": "sum"}, {"input": logits32},
    consts={"target": hard})

# kl_div: input log-probabilities; targets probabilities (or log-probabilities), with zeros
# only where the target is constant (torch's gradient with respect to a zero target is NaN).
lq = torch.log_softmax(randn(50, 3, 4), 1)
pt = torch.softmax(randn(51, 3, 4), 1)
pz = pt.clone()
pz[0, 1] = 0
pz[2, 3] = 0
for red in REDUCTIONS + ("batchmean",):
    r = {"reduction": red}
    add("[3 4]", "kl_div", F64, r, {"input": lq, "target": pt})
    add("log_target/[3 4]", "kl_div", F64, {**r, "log_target": True},
        {"input": lq, "target": torch.log(pt)})
    add("zeros/[3 4]", "kl_div", F64, r, {"input": lq}, consts={"target": pz})
    add("[2 3 2]", "kl_div", F64, r, {"input": torch.log_softmax(randn(52, 2, 3, 2), 1),
                                      "target": torch.softmax(randn(53, 2, 3, 2), 1)})
add("[]", "kl_div", F64, {"reduction": "batchmean"}, {"input": torch.tensor(-0.4, dtype=F64),
                                                       "target": torch.tensor(0.3, dtype=F64)})
add("[3 4]", "kl_div", F32, {"reduction": "batchmean"}, {"input": lq, "target": pt})
add("log_target/[3 4]", "kl_div", F32, {"log_target": True},
    {"input": lq, "target": torch.log(pt)})

w.write(os.path.join(os.path.dirname(__file__), "losses.json"))

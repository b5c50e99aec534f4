"""Writes optim.json: PyTorch 1.13 references for package optim's optimizers and gradient
clipping. Run from the repository root through the PyTorch wrapper:

    ../shared/tools/pytorch optim/testdata/gen_optim.py

Every case trains the same small model, Sequential(Linear(5, 4), Tanh, Linear(4, 3)) with a
cross-entropy loss on a fixed batch, from weights that travel in "state" (its state_dict), and
records the parameters after each of ten steps, so the Go test follows the whole trajectory.

Format: {"torch_version", "doc", "inputs": {"x", "y"}, "cases": [case, ...]}; a case is

    {"name", "optimizer": "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad",
     "dtype": "float32" | "float64", "state": {key: tensor},
     "groups": [{"params": [state_dict key, ...], "options": {kwarg: value}}],
     "add_group": {"at": step, "params": [...], "options": {...}} (optional: add_param_group
         before that step, counting from 1),
     "frozen": [key, ...] (parameters that require no gradient),
     "losses": [loss before step 1, ...], "trajectory": [{key: tensor after step k}, ...],
     "steps": [{index: step count} after the last step]}

"clip" cases: {"name", "dtype", "state", "norm_type" (a number or "inf"), "max_norm",
"total_norm", "grads": {key: clipped gradient}} for clip_grad_norm_, and "clip_value" cases
with "clip_value" and "grads" for clip_grad_value_. A tensor is {"dtype", "shape", "data"} as
in nn/testdata/fixtures.py.
"""

import json
import math

import torch

F32, F64 = torch.float32, torch.float64
STEPS = 10


def enc(t):
    t = t.detach().contiguous()
    dt = {F32: "float32", F64: "float64", torch.int64: "int64"}[t.dtype]
    flat = t.reshape(-1).tolist()
    return {"dtype": dt, "shape": list(t.shape), "data": flat}


def model(dtype, seed=1):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))
    return m.to(dtype)


gen = torch.Generator().manual_seed(2)
X = torch.randn(6, 5, generator=gen, dtype=F64)
Y = torch.tensor([0, 2, 1, 1, 0, 2])

OPT = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW,
       "RMSprop": torch.optim.RMSprop, "Adagrad": torch.optim.Adagrad}
ALL = ["0.weight", "0.bias", "2.weight", "2.bias"]


def run(name, opt, groups, dtype, add_group=None, frozen=()):
    m = model(dtype)
    state = {k: enc(v) for k, v in m.state_dict().items()}
    named = dict(m.named_parameters())
    for k in frozen:
        named[k].requires_grad_(False)
    # The first group's options are also the constructor's keyword arguments, as NewAdam(params,
    # options) in Go: Adagrad reads initial_accumulator_value from them alone.
    o = OPT[opt]([{"params": [named[k] for k in g["params"]], **g["options"]} for g in groups], **groups[0]["options"])
    x = X.to(dtype)
    losses, traj = [], []
    for step in range(1, STEPS + 1):
        if add_group and add_group["at"] == step:
            o.add_param_group({"params": [named[k] for k in add_group["params"]], **add_group["options"]})
        o.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), Y)
        losses.append(loss.item())
        loss.backward()
        o.step()
        traj.append({k: enc(v) for k, v in m.state_dict().items()})
    ids = {id(p): i for i, p in enumerate(p for g in o.param_groups for p in g["params"])}
    steps = {}
    for p, st in o.state.items():
        if "step" in st:
            s = st["step"]
            steps[str(ids[id(p)])] = int(s.item() if torch.is_tensor(s) else s)
    case = {"name": name, "optimizer": opt, "dtype": "float32" if dtype == F32 else "float64",
            "state": state, "groups": groups, "frozen": list(frozen), "losses": losses,
            "trajectory": traj, "steps": steps}
    if add_group:
        case["add_group"] = add_group
    return case


def one(options, params=ALL):
    return [{"params": list(params), "options": options}]


SPECS = [
    ("sgd", "SGD", one({"lr": 0.1})),
    ("sgd/momentum/dampening/wd", "SGD", one({"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01})),
    ("sgd/nesterov/wd", "SGD", one({"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3})),
    ("sgd/maximize", "SGD", one({"lr": 0.01, "momentum": 0.5, "maximize": True})),
    ("adam", "Adam", one({"lr": 1e-2})),
    ("adam/amsgrad/wd", "Adam", one({"lr": 1e-2, "amsgrad": True, "weight_decay": 0.1, "betas": [0.8, 0.9]})),
    ("adam/maximize", "Adam", one({"lr": 1e-2, "maximize": True})),
    ("adam/groups", "Adam", [{"params": ["0.weight", "0.bias"], "options": {"lr": 1e-2, "betas": [0.8, 0.95]}},
                             {"params": ["2.weight", "2.bias"], "options": {"lr": 5e-3, "weight_decay": 0.1, "eps": 1e-6}}]),
    ("adamw", "AdamW", one({"lr": 1e-2})),
    ("adamw/amsgrad/groups", "AdamW", [{"params": ["0.weight", "0.bias"], "options": {"lr": 1e-2, "amsgrad": True}},
                                       {"params": ["2.weight", "2.bias"], "options": {"lr": 2e-2, "weight_decay": 0.5}}]),
    ("rmsprop", "RMSprop", one({"lr": 1e-2})),
    ("rmsprop/centered/momentum/wd", "RMSprop", one({"lr": 1e-2, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.1})),
    ("rmsprop/momentum/maximize", "RMSprop", one({"lr": 1e-3, "momentum": 0.9, "maximize": True})),
    ("adagrad", "Adagrad", one({"lr": 0.1})),
    ("adagrad/decay/wd/init", "Adagrad", one({"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.1})),
]

cases = []
for dtype in (F32, F64):
    suffix = "f32" if dtype == F32 else "f64"
    for name, opt, groups in SPECS:
        cases.append(run(f"{name}/{suffix}", opt, groups, dtype))
    cases.append(run(f"adam/add_group/{suffix}", "Adam", one({"lr": 1e-2}, ["0.weight", "0.bias"]), dtype,
                     add_group={"at": 4, "params": ["2.weight", "2.bias"], "options": {"lr": 3e-2, "amsgrad": True}}))
    cases.append(run(f"sgd/frozen/{suffix}", "SGD", one({"lr": 0.1, "momentum": 0.9}), dtype, frozen=["0.bias", "2.weight"]))

clips = []
for dtype in (F32, F64):
    suffix = "f32" if dtype == F32 else "f64"
    for norm_type in (2.0, 1.0, 3.0, math.inf):
        for max_norm in (0.05, 100.0):
            m = model(dtype, seed=3)
            state = {k: enc(v) for k, v in m.state_dict().items()}
            torch.nn.functional.cross_entropy(m(X.to(dtype)), Y).backward()
            total = torch.nn.utils.clip_grad_norm_(m.parameters(), max_norm, norm_type)
            clips.append({"name": f"norm/{norm_type}/{max_norm}/{suffix}", "dtype": "float32" if dtype == F32 else "float64",
                          "state": state, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                          "max_norm": max_norm, "total_norm": total.item(),
                          "grads": {k: enc(p.grad) for k, p in m.named_parameters()}})
    m = model(dtype, seed=3)
    state = {k: enc(v) for k, v in m.state_dict().items()}
    torch.nn.functional.cross_entropy(m(X.to(dtype)), Y).backward()
    torch.nn.utils.clip_grad_value_(m.parameters(), 0.02)
    clips.append({"name": f"value/0.02/{suffix}", "dtype": "float32" if dtype == F32 else "float64", "state": state,
                  "clip_value": 0.02, "grads": {k: enc(p.grad) for k, p in m.named_parameters()}})

with open(__file__.replace("gen_optim.py", "optim.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "doc": __doc__,
               "inputs": {"x": enc(X), "y": enc(Y)}, "cases": cases, "clip": clips}, f)
print(f"wrote {len(cases)} optimizer and {len(clips)} clipping cases")

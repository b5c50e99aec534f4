"""Writes sched.json: the learning rates (and momenta) PyTorch 1.13's schedulers give at every
step, for package optim's schedulers. Run from the repository root through the PyTorch wrapper:

    ../shared/tools/pytorch optim/testdata/gen_sched.py

Format: {"torch_version", "doc", "cases": [case, ...]}; a case is

    {"name", "optimizer": "SGD" | "Adam" | "Adagrad", "groups": [{"lr", "momentum"?}],
     "scheduler": spec, "steps", "metrics": [...] (ReduceLROnPlateau only),
     "lrs": [[lr of each group] after construction, then after each step],
     "momenta": [[momentum or beta1 of each group] likewise]}

A spec is {"kind": class name, "args": {keyword: value}}; SequentialLR's args hold
"schedulers" (specs, made in order on the same optimizer before it) and "milestones";
LambdaLR's "lambdas" name functions the Go test defines alike: "pow0.95" is 0.95**epoch,
"inv" is 1/(epoch+1), "warm5" is min(1, (epoch+1)/5).
"""

import json
import math

import torch
from torch.optim import lr_scheduler as L

LAMBDAS = {"pow0.95": lambda e: 0.95 ** e, "inv": lambda e: 1 / (e + 1), "warm5": lambda e: min(1.0, (e + 1) / 5)}


def make(spec, opt):
    kind, args = spec["kind"], dict(spec["args"])
    if kind == "LambdaLR":
        fns = [LAMBDAS[n] for n in args.pop("lambdas")]
        return L.LambdaLR(opt, fns if len(fns) > 1 else fns[0], **args)
    if kind == "SequentialLR":
        subs = [make(s, opt) for s in args.pop("schedulers")]
        return L.SequentialLR(opt, subs, **args)
    return getattr(L, kind)(opt, **args)


def momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["betas"][0] if "betas" in g else g.get("momentum", 0.0))
    return out


def run(name, optimizer, groups, spec, steps, metrics=None):
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in groups]
    kw = {"SGD": {}, "Adam": {}, "Adagrad": {}}[optimizer]
    opt = getattr(torch.optim, optimizer)([{"params": [p], **g} for p, g in zip(params, groups)], **kw)
    s = make(spec, opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momenta(opt)]
    for k in range(steps):
        opt.step()
        if metrics is not None:
            s.step(metrics[k])
        else:
            s.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momenta(opt))
    c = {"name": name, "optimizer": optimizer, "groups": groups, "scheduler": spec, "steps": steps,
         "lrs": lrs, "momenta": moms}
    if metrics is not None:
        c["metrics"] = metrics
    return c


SGD2 = [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}]
ADAM2 = [{"lr": 1e-3}, {"lr": 3e-3}]


def spec(kind, **args):
    return {"kind": kind, "args": args}


cases = [
    run("StepLR", "SGD", SGD2, spec("StepLR", step_size=3, gamma=0.5), 20),
    run("MultiStepLR", "SGD", SGD2, spec("MultiStepLR", milestones=[2, 5, 5, 11], gamma=0.3), 20),
    run("ExponentialLR", "SGD", SGD2, spec("ExponentialLR", gamma=0.87), 30),
    run("CosineAnnealingLR", "SGD", SGD2, spec("CosineAnnealingLR", T_max=7, eta_min=0.001), 40),
    run("CosineAnnealingLR/eta0", "Adam", ADAM2, spec("CosineAnnealingLR", T_max=10), 25),
    run("CosineAnnealingWarmRestarts", "SGD", SGD2, spec("CosineAnnealingWarmRestarts", T_0=4, T_mult=2, eta_min=0.002), 40),
    run("CosineAnnealingWarmRestarts/mult1", "SGD", SGD2, spec("CosineAnnealingWarmRestarts", T_0=5), 23),
    run("LinearLR", "SGD", SGD2, spec("LinearLR", start_factor=0.25, end_factor=1.0, total_iters=6), 12),
    run("LinearLR/decay", "Adam", ADAM2, spec("LinearLR", start_factor=1.0, end_factor=0.1, total_iters=8), 12),
    run("OneCycleLR/sgd", "SGD", SGD2, spec("OneCycleLR", max_lr=[0.5, 0.2], total_steps=30), 30),
    run("OneCycleLR/adam/three_phase/linear", "Adam", ADAM2,
        spec("OneCycleLR", max_lr=0.01, total_steps=25, pct_start=0.2, three_phase=True, anneal_strategy="linear",
             div_factor=10.0, final_div_factor=100.0), 25),
    run("OneCycleLR/adagrad/no_momentum", "Adagrad", [{"lr": 0.1}], spec("OneCycleLR", max_lr=0.3, total_steps=12, cycle_momentum=False), 12),
    run("LambdaLR", "SGD", SGD2, spec("LambdaLR", lambdas=["pow0.95", "inv"]), 15),
    run("LambdaLR/one", "SGD", SGD2, spec("LambdaLR", lambdas=["warm5"]), 10),
    run("SequentialLR/warmup_exponential", "SGD", SGD2,
        spec("SequentialLR", schedulers=[spec("LinearLR", start_factor=0.1, total_iters=4), spec("ExponentialLR", gamma=0.9)], milestones=[4]), 15),
    run("SequentialLR/warmup_cosine", "Adam", ADAM2,
        spec("SequentialLR", schedulers=[spec("LinearLR", start_factor=0.2, total_iters=5), spec("CosineAnnealingLR", T_max=10, eta_min=1e-5)], milestones=[5]), 20),
    run("SequentialLR/three", "SGD", SGD2,
        spec("SequentialLR", schedulers=[spec("StepLR", step_size=2, gamma=0.5), spec("MultiStepLR", milestones=[3, 6], gamma=0.5),
                                         spec("CosineAnnealingWarmRestarts", T_0=3)], milestones=[5, 12]), 22),
]

metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
cases += [
    run("ReduceLROnPlateau", "SGD", SGD2, spec("ReduceLROnPlateau", patience=2), 20, metrics),
    run("ReduceLROnPlateau/cooldown/min_lr/abs", "SGD", SGD2,
        spec("ReduceLROnPlateau", patience=1, cooldown=2, factor=0.5, min_lr=[0.02, 0.01], threshold=0.05, threshold_mode="abs"), 20, metrics),
    run("ReduceLROnPlateau/max", "Adam", ADAM2, spec("ReduceLROnPlateau", mode="max", patience=0, factor=0.3, eps=1e-4), 20, metrics),
]

with open(__file__.replace("gen_sched.py", "sched.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "doc": __doc__, "cases": cases}, f, indent=None)
print(f"wrote {len(cases)} cases")

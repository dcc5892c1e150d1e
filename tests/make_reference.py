"""Regenerate ``tests/data/reference.json``: the first 50 steps (200 for the newest) of every
optimizer of the registry, computed by PyTorch and the authors' reference packages in float64.

    python -m tests.make_reference

Needs ``torch``, ``schedulefree`` and ``adabelief-pytorch`` (and checks Lion against
``lion-pytorch`` when that is installed), which the app and its test suite do not need: the
tests read the stored data (``tests/test_refs.py`` checks that every registered optimizer has
cases on three surfaces). Each case starts at a surface's demonstration start
(Rosenbrock, a rotated ravine, Himmelblau); the loss is written in torch with the same formula
as :mod:`landscapes`, so autograd supplies the gradient, and the script first checks that this
gradient equals the project's analytic one to 1e-12.

One drawn step is one ``optimizer.step()`` (for LBFGS one ``step(closure)`` with
``max_iter=1``; for SAM one ``first_step`` and one ``second_step``, with a gradient each).
Schedule-Free optimizers are put in train mode before the first step, and the stored point is
the one the package evaluates gradients at (``y``).

Muon, Adafactor and SparseAdam (``NEW_CASES``) are run for ``NEW_STEPS`` steps. Muon and
Adafactor get the point as a 1×2 matrix (torch's Muon takes only matrices), SparseAdam as a
vector of two with a sparse COO gradient holding the coordinates the app's sparsity draws keep
(``optimizers.stochastic``); a case with ``sparsity`` or ``noise`` gives the dense optimizers
the same draws, as the app does (noise added, dropped coordinates zeroed). Adafactor is also run
on the vector of two (torch's unfactored path), stored as ``xy_vector``: the 1×2 matrix and the
vector take the same steps up to rounding.

Lion's authors published their PyTorch code with the paper (github.com/google/automl, file
``lion/lion_pytorch.py``) but not as a package; :class:`Lion` below transcribes its step
(decoupled decay θ(1 − γλ), then θ − γ·sign(β1·m + (1 − β1)·g), then m ← β2·m + (1 − β2)·g),
and the script checks it against ``lion-pytorch`` when that package is installed.

SAM has no package on PyPI; :class:`SAM` below follows the widely used PyTorch implementation
by D. Samuel (github.com/davda54/sam): the perturbation ρ·g/(‖g‖ + 1e-12), or for the adaptive
variant ρ·w²·g/(‖|w|·g‖ + 1e-12), then the base optimizer steps from the restored weights with
the gradient taken at the perturbed point.
"""

from __future__ import annotations

import contextlib
import io
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from landscapes import get_surface
from landscapes._kernels import value_grad

STEPS = 50
OUT = Path(__file__).with_name("data") / "reference.json"

#: (name, keyword arguments of landscapes.get_surface)
SURFACES = [("rosenbrock", {}), ("ravine", {"condition": 10.0, "angle": 30.0}),
            ("himmelblau", {})]

#: Cases left out on Rosenbrock. L-BFGS with long steps there magnifies a difference in the
#: last bit of one gradient (autograd rounds the Rosenbrock gradient differently from the
#: analytic formula at about half the points) into 1e-8 by step 50: the two are equally right,
#: but no longer comparable to 1e-12. The same optimizer at smaller rates is compared there.
NOT_ON_ROSENBROCK = [("lbfgs", {}), ("lbfgs", {"line_search_fn": "strong_wolfe", "max_eval": 25})]


#: Steps of the Muon, Adafactor and SparseAdam cases.
NEW_STEPS = 200

#: (registry name, app hyperparameters, torch keyword arguments, noise and sparsity settings)
NEW_CASES = [
    ("muon", {}, {}, {}),
    ("muon", {"lr": 0.02, "weight_decay": 0.0}, {"weight_decay": 0.0}, {}),
    ("muon", {"lr": 0.01, "momentum": 0.9, "nesterov": False, "ns_steps": 3,
              "weight_decay": 0.01}, {"nesterov": False}, {}),
    ("muon", {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw", "eps": 1e-3},
     {"adjust_lr_fn": "match_rms_adamw"}, {}),
    ("muon", {"lr": 0.01, "weight_decay": 0.0}, {"weight_decay": 0.0},
     {"noise": 0.5, "sparsity": 0.3, "seed": 4}),
    ("adafactor", {}, {}, {}),
    ("adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-30, 1e-2), "d": 2.0,
                   "weight_decay": 0.01}, {}, {}),
    ("adafactor", {"beta2_decay": 0.0, "d": 1.5}, {}, {"noise": 0.5, "sparsity": 0.3,
                                                       "seed": 4}),
    ("sparse_adam", {}, {}, {}),
    ("sparse_adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}, {}, {}),
    ("sparse_adam", {"lr": 0.02}, {}, {"sparsity": (0.0, 0.8), "seed": 1}),
    ("sparse_adam", {"lr": 0.01}, {}, {"noise": 0.5, "sparsity": 0.4, "seed": 2}),
]


def _loss(name: str, p, w):
    """The surface's loss at the torch tensor ``w``, with the formula of landscapes._kernels."""
    x, y = w[0], w[1]
    if name == "rosenbrock":
        d = y - x * x
        e = 1.0 - x
        return e * e + float(p[0]) * d * d
    if name == "ravine":
        c, s, k = float(p[1]), float(p[2]), float(p[0])
        u = c * x + s * y
        v = c * y - s * x
        return 0.5 * (u * u + k * v * v)
    if name == "himmelblau":
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return a * a + b * b
    raise ValueError(name)


class SAM:
    """Sharpness-aware minimisation over a torch optimizer class, with the conventions of
    github.com/davda54/sam (see the module docstring)."""

    def __init__(self, params, base, rho=0.05, adaptive=False, **kwargs):
        import torch

        if rho < 0:
            raise ValueError(f"Invalid rho: {rho}")
        self.params = list(params)
        self.rho = rho
        self.adaptive = adaptive
        self.base = base(self.params, **kwargs)
        self.old = None
        self.torch = torch

    def first_step(self):
        torch = self.torch
        with torch.no_grad():
            norms = [((p.abs() if self.adaptive else 1.0) * p.grad).norm(p=2) for p in self.params]
            scale = self.rho / (torch.norm(torch.stack(norms), p=2) + 1e-12)
            self.old = [p.detach().clone() for p in self.params]
            for p in self.params:
                p.add_((p.pow(2) if self.adaptive else 1.0) * p.grad * scale)

    def second_step(self):
        with self.torch.no_grad():
            for p, old in zip(self.params, self.old, strict=True):
                p.copy_(old)
        self.base.step()


class Lion:
    """Lion as in the paper's reference code (see the module docstring)."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        import torch

        self.params = list(params)
        self.lr, self.betas, self.weight_decay = lr, betas, weight_decay
        self.state = {}
        self.torch = torch

    def step(self):
        torch = self.torch
        beta1, beta2 = self.betas
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                p.data.mul_(1 - self.lr * self.weight_decay)
                state = self.state.setdefault(p, {"exp_avg": torch.zeros_like(p)})
                exp_avg = state["exp_avg"]
                update = exp_avg * beta1 + p.grad * (1 - beta1)
                p.add_(torch.sign(update), alpha=-self.lr)
                exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)


#: The first nine optimizers of the registry, as torch builds them. "momentum" and "nesterov"
#: are the app's names for torch's SGD with momentum 0.9 (and Nesterov's look-ahead).
FIRST_NINE = [
    ("sgd", {}),
    ("sgd", {"lr": 2e-3, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.01}),
    ("sgd", {"lr": 1e-3, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("momentum", {}),
    ("momentum", {"lr": 2e-3, "momentum": 0.5, "weight_decay": 0.01}),
    ("nesterov", {}),
    ("nesterov", {"lr": 5e-4, "momentum": 0.95, "weight_decay": 0.01}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 1e-3}),
    ("rmsprop", {"lr": 1e-3, "centered": True}),
    ("rmsprop", {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 2e-3, "alpha": 0.9, "eps": 1e-6, "centered": True, "momentum": 0.5}),
    ("adam", {}),
    ("adam", {"lr": 0.05, "amsgrad": True}),
    ("adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}),
    ("adamw", {}),
    ("adamw", {"lr": 0.01, "betas": (0.85, 0.995), "weight_decay": 0.1, "amsgrad": True}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.01,
                 "initial_accumulator_value": 0.1, "eps": 1e-8}),
    ("nadam", {}),
    ("nadam", {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 0.01, "weight_decay": 0.01}),
    ("nadam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("lion", {}),
    ("lion", {"lr": 1e-3, "betas": (0.95, 0.98), "weight_decay": 0.1}),
]


def _first_nine(o):
    """(name, hyperparameters, how to build it) for the first nine optimizers."""
    made = {
        "sgd": lambda params, **kw: o.SGD(params, **kw),
        "momentum": lambda params, **kw: o.SGD(params, **{"momentum": 0.9, **kw}),
        "nesterov": lambda params, **kw: o.SGD(params, **{"momentum": 0.9, "nesterov": True,
                                                          **kw}),
        "rmsprop": lambda params, **kw: o.RMSprop(params, **kw),
        "adam": lambda params, **kw: o.Adam(params, **kw),
        "adamw": lambda params, **kw: o.AdamW(params, **kw),
        "adagrad": lambda params, **kw: o.Adagrad(params, **kw),
        "nadam": lambda params, **kw: o.NAdam(params, **kw),
        "lion": lambda params, **kw: Lion(params, **kw),
    }
    return [(name, hyper, made[name]) for name, hyper in FIRST_NINE]


def _check_lion() -> None:
    """The transcription of Lion against ``lion-pytorch``, when installed, on a few steps."""
    try:
        from lion_pytorch import Lion as PackageLion
    except ImportError:
        print("lion-pytorch is not installed: Lion's transcription is not cross-checked")
        return
    import torch

    for hyper in ({}, {"lr": 1e-3, "betas": (0.95, 0.98), "weight_decay": 0.1}):
        ws = [torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
              for _ in range(2)]
        ours, theirs = Lion([ws[0]], **hyper), PackageLion([ws[1]], **hyper)
        for _ in range(STEPS):
            for w, opt in ((ws[0], ours), (ws[1], theirs)):
                w.grad = None
                _loss("rosenbrock", [100.0], w).backward()
                opt.step()
        if not torch.equal(ws[0], ws[1]):
            raise SystemExit(f"Lion's transcription and lion-pytorch disagree for {hyper}")


def _cases():
    """(registry name, hyperparameters, how to build it) for every case."""
    import adabelief_pytorch
    import schedulefree
    import torch.optim as o

    def plain(cls):
        return lambda params, **kw: cls(params, **kw)

    cases = [
        *_first_nine(o),
        ("adadelta", {}, plain(o.Adadelta)),
        ("adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-4, "weight_decay": 0.01},
         plain(o.Adadelta)),
        ("adamax", {}, plain(o.Adamax)),
        ("adamax", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.01}, plain(o.Adamax)),
        ("radam", {}, plain(o.RAdam)),
        ("radam", {"lr": 2e-3, "betas": (0.9, 0.99)}, plain(o.RAdam)),
        ("radam", {"lr": 2e-3, "weight_decay": 0.1, "decoupled_weight_decay": True},
         plain(o.RAdam)),
        ("radam", {"lr": 2e-3, "weight_decay": 0.1}, plain(o.RAdam)),
        ("rprop", {}, plain(o.Rprop)),
        ("rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.5)}, plain(o.Rprop)),
        ("asgd", {"lr": 1e-3}, plain(o.ASGD)),
        ("asgd", {"lr": 1e-3, "lambd": 1e-3, "alpha": 0.5, "t0": 10.0, "weight_decay": 0.01},
         plain(o.ASGD)),
        ("lbfgs", {}, None),
        ("lbfgs", {"lr": 0.1}, None),
        ("lbfgs", {"lr": 0.1, "history_size": 5}, None),
        ("lbfgs", {"line_search_fn": "strong_wolfe"}, None),
        ("lbfgs", {"line_search_fn": "strong_wolfe", "max_eval": 25}, None),
        ("lbfgs", {"lr": 0.2, "line_search_fn": "strong_wolfe", "max_eval": 25}, None),
        ("lbfgs", {"lr": 0.2, "line_search_fn": "strong_wolfe", "max_eval": 10,
                   "history_size": 10}, None),
        ("sam_sgd", {"lr": 1e-3}, None),
        ("sam_sgd", {"lr": 1e-3, "momentum": 0.9, "rho": 0.1}, None),
        ("sam_sgd", {"lr": 1e-3, "rho": 0.05, "adaptive": True, "weight_decay": 0.01}, None),
        ("sam_adam", {"lr": 0.05}, None),
        ("sam_adam", {"lr": 0.05, "rho": 0.5, "adaptive": True, "amsgrad": True}, None),
        ("adabelief", {}, None),
        ("adabelief", {"lr": 2e-3, "betas": (0.8, 0.99), "weight_decay": 0.01}, None),
        ("adabelief", {"lr": 0.05, "rectify": False, "weight_decouple": False,
                       "weight_decay": 0.01}, None),
        ("adabelief", {"lr": 2e-3, "amsgrad": True, "eps": 1e-10}, None),
        ("sgd_schedulefree", {"lr": 1e-3}, plain(schedulefree.SGDScheduleFree)),
        ("sgd_schedulefree", {"lr": 2e-3, "momentum": 0.8, "warmup_steps": 10, "r": 1.0,
                              "weight_lr_power": 1.0, "weight_decay": 0.01},
         plain(schedulefree.SGDScheduleFree)),
        ("adamw_schedulefree", {}, plain(schedulefree.AdamWScheduleFree)),
        ("adamw_schedulefree", {"lr": 0.05, "betas": (0.8, 0.99), "warmup_steps": 5,
                                "weight_decay": 0.01, "r": 0.5},
         plain(schedulefree.AdamWScheduleFree)),
    ]
    out = []
    for name, hyper, make in cases:
        if name == "lbfgs":
            make = _lbfgs(o.LBFGS)
        elif name.startswith("sam_"):
            base = o.SGD if name == "sam_sgd" else o.Adam
            make = (lambda b: lambda params, **kw: SAM(params, b, **kw))(base)
        elif name == "adabelief":
            make = _adabelief(adabelief_pytorch.AdaBelief)
        out.append((name, hyper, make))
    return out


def _lbfgs(cls):
    def make(params, **kw):
        return cls(params, max_iter=1, **kw)
    return make


def _adabelief(cls):
    def make(params, **kw):
        with contextlib.redirect_stdout(io.StringIO()):  # it prints its settings
            return cls(params, print_change_log=False, **kw)
    return make


def _trajectory(surface: str, sp, start, name: str, hyper: dict, make) -> dict:
    import torch

    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make([w], **hyper)
    if hasattr(opt, "train") and name.endswith("schedulefree"):
        opt.train()

    def closure():
        opt_zero()
        f = _loss(surface, sp, w)
        f.backward()
        return f

    def opt_zero():
        w.grad = None

    xy, evals, z = [list(start)], [], []
    for _ in range(STEPS):
        if name == "lbfgs":
            before = opt.state[w].get("func_evals", 0) if w in opt.state else 0
            opt.step(closure)
            evals.append(opt.state[w]["func_evals"] - before)
        elif name.startswith("sam_"):
            closure()
            opt.first_step()
            closure()
            opt.second_step()
        else:
            closure()
            opt.step()
        if name.endswith("schedulefree"):
            z.append(opt.state[w]["z"].tolist())
        xy.append(w.detach().tolist())
    case = {"optimizer": name, "hyper": hyper, "xy": xy}
    if evals:
        case["func_evals"] = evals
    if z:
        case["z"] = z
    return case


def _new_trajectory(surface: str, sp, start, name: str, hyper: dict, torch_kw: dict,
                    draws: dict, shape: tuple[int, ...]) -> list:
    """One Muon, Adafactor or SparseAdam run in torch, the point of the given shape."""
    import torch

    from optimizers import stochastic

    noise, drop = stochastic(NEW_STEPS, draws.get("noise", 0.0), draws.get("sparsity", 0.0),
                             draws.get("seed", 0))
    w = torch.tensor(start, dtype=torch.float64).reshape(shape).requires_grad_(True)
    kw = {k: v for k, v in hyper.items() if k not in torch_kw}
    kw.update(torch_kw)
    if name == "adafactor" and "eps" not in kw:
        kw["eps"] = (None, 1e-3)  # torch's default, spelled out
    cls = {"muon": torch.optim.Muon, "adafactor": torch.optim.Adafactor,
           "sparse_adam": torch.optim.SparseAdam}[name]
    opt = cls([w], **kw)
    xy = [list(start)]
    for t in range(NEW_STEPS):
        w.grad = None
        _loss(surface, sp, w.view(-1)).backward()
        g = w.grad.detach().view(-1).clone()
        if len(noise):
            g += torch.from_numpy(noise[t])
        keep = torch.ones(2, dtype=torch.bool) if not len(drop) else torch.from_numpy(
            drop[t] == 0)
        if name == "sparse_adam":
            idx = torch.nonzero(keep).T
            w.grad = torch.sparse_coo_tensor(idx, g[keep], (2,))
        else:
            w.grad = torch.where(keep, g, torch.zeros_like(g)).reshape(shape)
        opt.step()
        xy.append(w.detach().view(-1).tolist())
    return xy


def _new_cases(surface: str, kwargs: dict, surf) -> list[dict]:
    out = []
    for name, hyper, torch_kw, draws in NEW_CASES:
        shape = (2,) if name == "sparse_adam" else (1, 2)
        case = {"surface": surface, "surface_args": kwargs, "optimizer": name,
                "hyper": hyper, **draws, "steps": NEW_STEPS,
                "xy": _new_trajectory(surface, surf.p, list(surf.start), name, hyper, torch_kw,
                                      draws, shape)}
        if name == "adafactor":
            case["xy_vector"] = _new_trajectory(surface, surf.p, list(surf.start), name, hyper,
                                                torch_kw, draws, (2,))
        out.append(case)
    return out


def _check_gradient(surface: str, surf) -> None:
    import torch

    w = torch.tensor(surf.start, dtype=torch.float64, requires_grad=True)
    f = _loss(surface, surf.p, w)
    f.backward()
    ref = value_grad(surf.sid, surf.p, float(surf.start[0]), float(surf.start[1]))
    got = (f.item(), w.grad[0].item(), w.grad[1].item())
    if not np.allclose(got, ref, rtol=0, atol=1e-12):
        raise SystemExit(f"torch and landscapes disagree on {surface}: {got} vs {ref}")


def main() -> None:
    import torch

    torch.set_default_dtype(torch.float64)
    _check_lion()
    cases, bad = [], []
    for surface, kwargs in SURFACES:
        surf = get_surface(surface, **kwargs)
        _check_gradient(surface, surf)
        for name, hyper, make in _cases():
            if surface == "rosenbrock" and (name, hyper) in NOT_ON_ROSENBROCK:
                continue
            case = _trajectory(surface, surf.p, list(surf.start), name, hyper, make)
            (xlo, xhi), (ylo, yhi) = surf.limit
            pts = np.array(case["xy"])
            if not (np.isfinite(pts).all() and (pts[:, 0] >= xlo).all() and (pts[:, 0] <= xhi).all()
                    and (pts[:, 1] >= ylo).all() and (pts[:, 1] <= yhi).all()):
                bad.append(f"{name} {hyper} leaves the map on {surface}")
            cases.append({"surface": surface, "surface_args": kwargs, **case})
        for case in _new_cases(surface, kwargs, surf):
            pts = np.array(case["xy"])
            (xlo, xhi), (ylo, yhi) = surf.limit
            if not (np.isfinite(pts).all() and (pts[:, 0] >= xlo).all()
                    and (pts[:, 0] <= xhi).all() and (pts[:, 1] >= ylo).all()
                    and (pts[:, 1] <= yhi).all()):
                bad.append(f"{case['optimizer']} {case['hyper']} leaves the map on {surface}")
            cases.append(case)
    if bad:
        raise SystemExit("pick other settings:\n" + "\n".join(bad))
    meta = {"steps": STEPS, "new_steps": NEW_STEPS, "torch": torch.__version__,
            "schedulefree": version("schedulefree"),
            "adabelief-pytorch": version("adabelief-pytorch")}
    with contextlib.suppress(PackageNotFoundError):
        meta["lion-pytorch (checked against)"] = version("lion-pytorch")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, indent=None, separators=(",", ":"))
                   + "\n")
    print(f"wrote {OUT.name}: {len(cases)} trajectories of {STEPS} steps")


if __name__ == "__main__":
    main()

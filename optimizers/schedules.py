r"""Learning-rate schedules, as closed forms evaluated for every update at once.

A schedule maps the update index ``k = 0, 1, ..., steps-1`` to the learning rate used by update
``k + 1``: **the first update uses the schedule's value at index 0**, as with torch's
``optimizer.step(); scheduler.step()`` loop and optax's ``count`` starting at 0. ``γ`` below is the
optimizer's ``lr`` (its base learning rate), ``N`` the number of steps of the run unless a
schedule parameter sets it.

========================  =====================================================================
``constant``              γ_k = γ
``step``                  γ_k = γ · g^⌊k / s⌋, g = gamma, s = step_size        (torch StepLR)
``exponential``           γ_k = γ · g^k, g = gamma                            (torch ExponentialLR)
``cosine``                γ_k = η_min + ½(γ - η_min)(1 + cos(π k / T_max))      (torch
                          CosineAnnealingLR closed form; *not* clamped: after T_max it rises
                          again with period 2·T_max, as in torch; optax clamps instead)
``warmup_linear``         k < W: γ k / max(1, W);  else γ · max(0, (N - k) / max(1, N - W))
                          (transformers ``get_linear_schedule_with_warmup``: starts at 0, so the
                          first update does not move; peak exactly at k = W; 0 from k = N on)
``warmup_cosine``         k < W: γ k / max(1, W);  else γ · max(0, ½(1 + cos(2π c p))) with
                          p = (k - W) / max(1, N - W), c = num_cycles (transformers
                          ``get_cosine_schedule_with_warmup``)
``onecycle``              torch OneCycleLR with max_lr = γ: starts at γ/div_factor, rises to γ at
                          k = pct_start·N − 1, then anneals to γ/(div_factor·final_div_factor) at
                          k = N − 1 (cosine or linear). Only the learning rate cycles: torch's
                          default ``cycle_momentum=True`` would also overwrite momentum/β1, which
                          is left to the optimizer's own settings here.
========================  =====================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: The most a schedule's setting without a bound of its own may be (a step count, a divisor):
#: far beyond any run this app makes.
MOST = 1e6


@dataclass(frozen=True)
class Param:
    """A schedule parameter: default (None means "derived from the run length"), valid range."""

    default: float | int | str | bool | None
    low: float = 0.0
    high: float = math.inf
    kind: str = "float"  # float | int | choice | bool
    label: str = ""
    choices: tuple = ()
    low_open: bool = False
    help: str = ""
    #: The parameter's symbol in the schedule's LaTeX formula (e.g. ``"s"`` for StepLR's
    #: ``step_size``); its label ends with the same symbol, so the app explains the formula.
    symbol: str = ""


@dataclass(frozen=True)
class Schedule:
    name: str
    title: str
    params: dict[str, Param] = field(default_factory=dict)
    latex: str = ""
    help: str = ""


SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule("constant", "Constant", {}, r"\gamma_k = \gamma",
                         "The same learning rate at every step."),
    "step": Schedule(
        "step", "Step decay",
        {"step_size": Param(None, 1, math.inf, "int", "step size s", symbol="s",
                            help="Steps between decays (default: a third of the run)."),
         "gamma": Param(0.1, 0.0, 1.0, "float", "decay factor g", low_open=True, symbol="g",
                        help="Factor applied to the learning rate every s steps (torch's gamma).")},
        r"\gamma_k = \gamma\, g^{\lfloor k/s \rfloor}",
        "Multiply the learning rate by a factor every few steps."),
    "exponential": Schedule(
        "exponential", "Exponential decay",
        {"gamma": Param(0.99, 0.0, 1.0, "float", "decay per step g", low_open=True, symbol="g",
                        help="Factor applied to the learning rate at every step (torch's gamma).")},
        r"\gamma_k = \gamma\, g^{k}",
        "Shrink the learning rate by the same factor at every step."),
    "cosine": Schedule(
        "cosine", "Cosine annealing",
        {"T_max": Param(None, 1, math.inf, "int", "period T_max", symbol=r"T_{\max}",
                        help="Steps to reach η_min (default: the whole run)."),
         "eta_min": Param(0.0, 0.0, math.inf, "float", "floor η_min", symbol=r"\eta_{\min}")},
        r"\gamma_k = \eta_{\min} + \tfrac12(\gamma-\eta_{\min})"
        r"\left(1+\cos\frac{\pi k}{T_{\max}}\right)",
        "Glide from the base rate down to a floor along half a cosine."),
    "warmup_linear": Schedule(
        "warmup_linear", "Linear warmup, linear decay",
        {"warmup": Param(None, 0, math.inf, "int", "warmup steps W", symbol="W",
                         help="Steps of linear warmup from 0 (default: a tenth of the run)."),
         "total": Param(None, 1, math.inf, "int", "total steps N", symbol="N",
                        help="Step at which the rate reaches 0 (default: the whole run).")},
        r"\gamma_k = \begin{cases}\gamma\,k/W & k<W\\ \gamma\max\!\left(0,\frac{N-k}{N-W}\right)"
        r" & k\ge W\end{cases}",
        "Ramp up from zero, then decay linearly to zero (the usual Transformer recipe)."),
    "warmup_cosine": Schedule(
        "warmup_cosine", "Linear warmup, cosine decay",
        {"warmup": Param(None, 0, math.inf, "int", "warmup steps W", symbol="W",
                         help="Steps of linear warmup from 0 (default: a tenth of the run)."),
         "total": Param(None, 1, math.inf, "int", "total steps N", symbol="N",
                        help="Length of warmup plus decay (default: the whole run)."),
         "num_cycles": Param(0.5, 0.0, 100.0, "float", "cosine cycles c", symbol="c",
                             help="0.5 decays once to zero.")},
        r"\gamma_k = \begin{cases}\gamma\,k/W & k<W\\ "
        r"\gamma\max\!\left(0,\tfrac12\left(1+\cos 2\pi c"
        r"\frac{k-W}{N-W}\right)\right) & k\ge W\end{cases}",
        "Ramp up from zero, then follow a cosine down."),
    "onecycle": Schedule(
        "onecycle", "One-cycle",
        {"pct_start": Param(0.3, 0.0, 1.0, "float", "rising fraction p", low_open=True,
                            symbol="p", help="Fraction of the run spent rising (pct_start)."),
         "div_factor": Param(25.0, 1.0, math.inf, "float", "initial divisor d", symbol="d",
                             help="The run starts at γ/d (div_factor)."),
         "final_div_factor": Param(1e4, 1.0, math.inf, "float", "final divisor d_f",
                                   symbol="d_f",
                                   help="The run ends at γ/(d·d_f) (final_div_factor)."),
         "anneal_strategy": Param("cos", kind="choice", label="anneal", choices=("cos", "linear")),
         "three_phase": Param(False, kind="bool", label="three phases")},
        r"\gamma_k:\; \gamma/d \;\nearrow\; \gamma \text{ at } k = pN-1 \;\searrow\;"
        r" \gamma/(d\,d_f) \text{ at } k = N-1",
        "Rise to the peak rate, then anneal far below the start (Smith's super-convergence)."),
}


def resolve(name: str, steps: int, params: dict | None = None) -> dict:
    """Validate a schedule's parameters and fill defaults (some depend on ``steps``)."""
    if name not in SCHEDULES:
        raise ValueError(f"Unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    spec = SCHEDULES[name].params
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise ValueError(f"Unknown parameter {unknown[0]!r} for schedule {name!r}; "
                         f"accepted: {', '.join(spec) or 'none'}")
    derived = {"step_size": max(1, steps // 3), "T_max": max(1, steps),
               "warmup": steps // 10, "total": max(1, steps)}
    out = {}
    for key, p in spec.items():
        v = params.get(key, p.default)
        if v is None:
            v = derived[key]
        if p.kind == "choice":
            if v not in p.choices:
                raise ValueError(f"Invalid {key} for schedule {name!r}: {v!r} "
                                 f"(choose one of {', '.join(p.choices)})")
        elif p.kind == "bool":
            if isinstance(v, str):
                if v.strip().lower() not in ("0", "1", "true", "false"):
                    raise ValueError(f"Invalid {key} for schedule {name!r}: {v!r} "
                                     "(must be true or false)")
                v = v.strip().lower() in ("1", "true")
            v = bool(v)
        else:
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"Invalid {key} for schedule {name!r}: {v!r} "
                                 "(must be a number)") from None
            bad = (math.isnan(v) or v < p.low or v > p.high or (p.low_open and v == p.low)
                   or (p.kind == "int" and v != int(v)))
            if bad:
                lo = "(" if p.low_open else "["
                hi = "inf)" if math.isinf(p.high) else f"{p.high:g}]"
                what = "an integer in " if p.kind == "int" else ""
                raise ValueError(f"Invalid {key} for schedule {name!r}: {v:g} "
                                 f"(must be {what}{lo}{p.low:g}, {hi})")
            if math.isinf(p.high) and v > MOST:
                raise ValueError(f"Invalid {key} for schedule {name!r}: {v:g} (this app "
                                 f"accepts at most {MOST:g})")
            v = int(v) if p.kind == "int" else v
        out[key] = v
    if name in ("warmup_linear", "warmup_cosine") and out["warmup"] > out["total"]:
        raise ValueError(f"Invalid warmup for schedule {name!r}: {out['warmup']} "
                         f"(must not exceed total steps {out['total']})")
    return out


def factors(name: str, steps: int, params: dict | None = None, lr: float = 1.0) -> np.ndarray:
    """Learning rates for updates 1..steps (index k is used by update k+1), base rate ``lr``."""
    p = resolve(name, steps, params)
    k = np.arange(steps, dtype=np.float64)
    if name == "constant":
        return np.full(steps, lr)
    if name == "step":
        return lr * p["gamma"] ** np.floor(k / p["step_size"])
    if name == "exponential":
        return lr * p["gamma"] ** k
    if name == "cosine":
        eta_min = p["eta_min"]
        return eta_min + 0.5 * (lr - eta_min) * (1.0 + np.cos(np.pi * k / p["T_max"]))
    if name in ("warmup_linear", "warmup_cosine"):
        w, n = p["warmup"], p["total"]
        warm = k / max(1, w)
        progress = (k - w) / max(1, n - w)
        if name == "warmup_linear":
            decay = np.maximum(0.0, (n - k) / max(1, n - w))
        else:
            decay = np.maximum(0.0, 0.5 * (1.0 + np.cos(2.0 * np.pi * p["num_cycles"] * progress)))
        return lr * np.where(k < w, warm, decay)
    if name == "onecycle":
        return lr * _onecycle(k, steps, p)
    raise AssertionError(name)  # resolve() has already rejected unknown names


def _onecycle(k: np.ndarray, total: int, p: dict) -> np.ndarray:
    initial = 1.0 / p["div_factor"]
    final = initial / p["final_div_factor"]
    pct = p["pct_start"]
    if p["three_phase"]:
        phases = [(pct * total - 1, initial, 1.0), (2 * pct * total - 2, 1.0, initial),
                  (total - 1, initial, final)]
    else:
        phases = [(pct * total - 1, initial, 1.0), (total - 1, 1.0, final)]
    out = np.empty_like(k)
    for j, step in enumerate(k):
        start_step = 0.0
        for i, (end_step, lo, hi) in enumerate(phases):
            if step <= end_step or i == len(phases) - 1:
                span = end_step - start_step
                frac = (step - start_step) / span if span != 0 else 1.0
                if p["anneal_strategy"] == "cos":
                    out[j] = hi + (lo - hi) / 2.0 * (math.cos(math.pi * frac) + 1.0)
                else:
                    out[j] = (hi - lo) * frac + lo
                break
            start_step = end_step
    return out

r"""ASGD: averaged stochastic gradient descent (``torch.optim.ASGD``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t` and
learning rate :math:`\gamma_t`::

    d_t = g_t + λ_wd θ_{t-1}                      λ_wd = weight_decay (L2)
    θ_t = θ_{t-1} (1 - λ η_t) - η_t d_t           λ = lambd
    a_t = θ_t                      if μ_t = 1      (ax: the running average of θ)
    a_t = a_{t-1} + μ_t (θ_t - a_{t-1})   otherwise
    η_1 = γ_1,   η_{t+1} = γ_t / (1 + λ γ_t t)^α   (eta)
    μ_1 = 1,     μ_{t+1} = 1 / max(1, t - t0)      (mu)

Conventions (as torch): the drawn point is θ_t, the parameter itself; the average a_t is
state (``ax``), shown in the step inspector, and averaging starts only after t0 updates (the
default t0 = 10⁶ means a_t = θ_t on any run here). η_{t+1} is computed after update t from that
update's learning rate, so a schedule reaches the step one update late. torch keeps η and μ as
scalars of the default dtype; the values here are float64, as torch's with
``torch.set_default_dtype(torch.float64)``. The effective per-coordinate step size is η_t.

Reference: Polyak & Juditsky (1992), "Acceleration of Stochastic Approximation by Averaging",
SIAM J. Control and Optimization 30(4).
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("ax", "eta", "mu")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "ax": "is the average of the points (from step t0 on)",
    "eta": "the step size",
    "mu": "the averaging weight",
}
#: State entries that are one number, not one per coordinate.
SCALAR_STATE = frozenset({"eta", "mu"})

SPEC = {
    "lr": lr_hyper(1e-2),
    "lambd": Hyper("lambd", 1e-4, -math.inf, math.inf, label="decay term λ",
                   error="Invalid lambd value", ui_low=0.0, ui_high=1.0, symbol="λ",
                   help="Shrinks θ by λη each step and makes η decay over time."),
    "alpha": Hyper("alpha", 0.75, -math.inf, math.inf, label="power α",
                   error="Invalid alpha value", ui_low=0.0, ui_high=1.0, symbol="α",
                   help="Power of the decay of η: η_t ∝ (1 + λγt)^−α."),
    "t0": Hyper("t0", 1e6, -math.inf, math.inf, label="averaging start t0",
                error="Invalid t0 value", ui_low=0.0, ui_high=1000.0, symbol="t₀",
                help="The update after which the average ax starts to differ from θ."),
    "weight_decay": weight_decay_hyper(),
}


def check(hp: dict) -> None:
    return None


def initial_state(hp: dict) -> dict[str, float]:
    return {"mu": 1.0}


#: The packed layout of ``h``: kernels read ``h[LAMBD]`` and so on.
FIELDS = ("lambd", "alpha", "t0", "weight_decay")
LAMBD, ALPHA, T0, WEIGHT_DECAY = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, **{name: hp[name] for name in FIELDS})


#: Per-step scalars: η_t, 1 - λ η_t, μ_t, and η_{t+1}, μ_{t+1} (the state after update t).
COEFFS = 5


@kernel(inline=True)
def _coefficients(h, lrs, c):
    lambd = h[LAMBD]
    for k in range(lrs.shape[0]):
        lr = lrs[k]
        step = k + 1.0
        c[3, k] = lr / ((1.0 + lambd * lr * step) ** h[ALPHA])
        c[4, k] = 1.0 / max(1.0, step - h[T0])
        c[0, k] = lrs[0] if k == 0 else c[3, k - 1]
        c[2, k] = 1.0 if k == 0 else c[4, k - 1]
        c[1, k] = 1.0 - lambd * c[0, k]


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    d = g + h[WEIGHT_DECAY] * x  # weight decay 0 leaves d = g exactly
    x = x * c[1, t - 1]
    x = x + (-c[0, t - 1]) * d
    mu = c[2, t - 1]
    ax = state[0, i]
    state[0, i] = ax + (x - ax) * mu if mu != 1.0 else x
    state[1, i] = c[3, t - 1]
    state[2, i] = c[4, t - 1]
    return x


def step_size(h, c, state):
    """Effective per-coordinate step size: η_t."""
    return np.repeat(c[0][:, None], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    lam, alpha, t0 = tex.num(hp["lambd"]), tex.num(hp["alpha"]), tex.num(hp["t0"])
    return [*tex.grad(hp["weight_decay"]),
            rf"\theta_t = \theta_{{t-1}}\,(1 - {lam}\,\eta_t) - \eta_t\, g_t, \quad "
            rf"\eta_{{t+1}} = \frac{{\gamma_t}}{{(1 + {lam}\,\gamma_t\, t)^{{{alpha}}}}},"
            r" \quad \eta_1 = \gamma_1",
            rf"a_t = a_{{t-1}} + \mu_t\,(\theta_t - a_{{t-1}}), \quad "
            rf"\mu_{{t+1}} = \frac{{1}}{{\max(1,\ t - {t0})}}, \quad {gamma}"]

r"""Adagrad (``torch.optim.Adagrad``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots`::

    d_t = g_t + λ θ_{t-1}                         λ = weight_decay
    γ̃_t = γ_t / (1 + (t - 1) η)                   η = lr_decay (the first update uses γ_t)
    s_t = s_{t-1} + d_t²                          s_0 = initial_accumulator_value   (sum)
    θ_t = θ_{t-1} - γ̃_t d_t / (sqrt(s_t) + ε)     ε = eps = 1e-10, outside the square root

Conventions (as torch): the accumulator starts at ``initial_accumulator_value`` (0 by default;
optax starts at 0.1 and puts ε inside the root), so the first step moves about γ·sign(g). Because
s_t only grows, the step size shrinks forever: Adagrad slows down on long runs.
The effective per-coordinate step size is γ̃_t / (sqrt(s_t) + ε).

Reference: Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online Learning and
Stochastic Optimization", JMLR 12.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("sum",)
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "sum": "is the sum of all squared gradients so far",
}

SPEC = {
    "lr": lr_hyper(1e-2, ui_high=10.0),
    "lr_decay": Hyper("lr_decay", 0.0, 0.0, math.inf, label="lr decay",
                      error="Invalid lr_decay value", high_open=True, ui_low=0.0, ui_high=0.1,
                      help="Learning rate divided by 1 + (t−1)·lr_decay.", symbol="lr decay"),
    "weight_decay": weight_decay_hyper(),
    "initial_accumulator_value": Hyper(
        "initial_accumulator_value", 0.0, 0.0, math.inf, label="initial accumulator",
        error="Invalid initial_accumulator_value value", high_open=True, ui_low=0.0, ui_high=1.0,
        help="Starting value of the sum of squared gradients.", symbol="acc₀"),
    "eps": eps_hyper(1e-10),
}


def check(hp: dict) -> None:
    return None


def initial_state(hp: dict) -> dict[str, float]:
    return {"sum": hp["initial_accumulator_value"]}


#: The packed layout of ``h``: kernels read ``h[LR_DECAY]`` and so on.
FIELDS = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")
LR_DECAY, WEIGHT_DECAY, INITIAL_ACCUMULATOR_VALUE, EPS = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, **{name: hp[name] for name in FIELDS})


#: Per-step scalars: the decayed learning rate γ̃_t.
COEFFS = 1


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[k] / (1.0 + k * h[LR_DECAY])


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    d = g + h[WEIGHT_DECAY] * x  # weight decay λ = 0 leaves d = g exactly
    s = state[0, i] + d * d
    state[0, i] = s
    return x + (-c[0, t - 1]) * (d / (math.sqrt(s) + h[EPS]))


def step_size(h, c, state):
    """Effective per-coordinate step size of each recorded update: γ̃_t / (sqrt(s_t) + ε)."""
    return c[0][:, None] / (np.sqrt(state[:, 0]) + h[EPS])


def latex(hp: dict, gamma: str) -> list[str]:
    lines = tex.grad(hp["weight_decay"])
    s0 = tex.num(hp["initial_accumulator_value"])
    lines.append(rf"s_t = s_{{t-1}} + g_t^2, \quad s_0 = {s0}")
    decay = hp["lr_decay"]
    step = (rf"\frac{{\gamma_t}}{{1 + (t-1)\,{tex.num(decay)}}}" if decay else r"\gamma_t")
    lines.append(rf"\theta_t = \theta_{{t-1}} - {step}\,\frac{{g_t}}{{\sqrt{{s_t}} + "
                 rf"{tex.num(hp['eps'])}}}, \quad {gamma}")
    return lines

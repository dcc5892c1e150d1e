r"""RMSprop (``torch.optim.RMSprop``).

Update rule, per coordinate, at update :math:`t` with gradient :math:`g_t` and learning rate
:math:`\gamma_t`::

    d_t = g_t + λ θ_{t-1}                               λ = weight_decay
    v_t = α v_{t-1} + (1 - α) d_t²                      α = alpha, v_0 = 0        (square_avg)
    centered:  ḡ_t = ḡ_{t-1} + (1 - α)(d_t - ḡ_{t-1})   ḡ_0 = 0                   (grad_avg)
               s_t = sqrt(v_t - ḡ_t²) + ε
    otherwise: s_t = sqrt(v_t) + ε                      ε = eps, added AFTER the square root
    μ > 0:     b_t = μ b_{t-1} + d_t / s_t;  θ_t = θ_{t-1} - γ_t b_t   (momentum_buffer, b_0 = 0)
    otherwise: θ_t = θ_{t-1} - γ_t d_t / s_t

Conventions (as torch): no bias correction, so the first step moves about γ/sqrt(1-α) = 10γ with
the default α = 0.99; ε sits outside the square root (TensorFlow and optax's default put it
inside); the momentum buffer holds unscaled steps and is multiplied by the current learning rate.
The effective per-coordinate step size is γ_t / s_t.

Reference: Tieleman & Hinton (2012), "Lecture 6.5 — RMSProp", COURSERA: Neural Networks for
Machine Learning; Graves (2013), "Generating sequences with recurrent neural networks" (centered).
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("square_avg", "grad_avg", "momentum_buffer")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "square_avg": "is the running mean of squared gradients",
    "grad_avg": "the running mean of gradients (centered RMSProp)",
    "momentum_buffer": "the velocity of the scaled steps",
}

SPEC = {
    "lr": lr_hyper(1e-2),
    "alpha": Hyper("alpha", 0.99, 0.0, 1.0, label="alpha α", error="Invalid alpha value",
                   ui_low=0.0, ui_high=0.9999,
                   help="Decay of the running average of squared gradients.", symbol="α"),
    "eps": eps_hyper(1e-8),
    "weight_decay": weight_decay_hyper(),
    "momentum": Hyper("momentum", 0.0, 0.0, math.inf, label="momentum μ",
                      error="Invalid momentum value", high_open=True, ui_low=0.0, ui_high=0.999,
                      help="Momentum applied to the normalised step.", symbol="μ"),
    "centered": Hyper("centered", False, kind="bool", label="centered",
                      help="Divide by the estimated standard deviation instead of the RMS.",
                    symbol="centered"),
}


def check(hp: dict) -> None:
    return None


def held_state(hp: dict) -> tuple[str, ...]:
    """The state torch keeps for these settings: grad_avg only when centered, a momentum
    buffer only with momentum."""
    return tuple(name for name, held in (("square_avg", True), ("grad_avg", hp["centered"]),
                                         ("momentum_buffer", hp["momentum"] > 0)) if held)


#: The packed layout of ``h``: kernels read ``h[ALPHA]`` and so on.
FIELDS = ("alpha", "eps", "weight_decay", "momentum", "centered")
ALPHA, EPS, WEIGHT_DECAY, MOMENTUM, CENTERED = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, **{name: hp[name] for name in FIELDS})


@kernel(inline=True)
def _lerp(start, end, weight):
    # torch.lerp's two-branch formula (exact at weight 0 and 1).
    # Both branches are computed and one is selected, which keeps callers free of branches.
    low = start + weight * (end - start)
    high = end - (end - start) * (1.0 - weight)
    return low if weight < 0.5 else high


#: Per-step scalars: γ_t.
COEFFS = 1


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[k]


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    alpha = h[ALPHA]
    momentum = h[MOMENTUM]
    centered = h[CENTERED] != 0.0
    d = g + h[WEIGHT_DECAY] * x  # weight decay λ = 0 leaves d = g exactly
    v = state[0, i] * alpha + (1.0 - alpha) * d * d
    ga = _lerp(state[1, i], d, 1.0 - alpha)
    avg = math.sqrt(v - ga * ga if centered else v) + h[EPS]
    q = d / avg
    buf = state[2, i] * momentum + q
    state[0, i] = v
    state[1, i] = ga if centered else 0.0
    state[2, i] = buf if momentum > 0.0 else 0.0
    return x - c[0, t - 1] * (buf if momentum > 0.0 else q)


@kernel(inline=True)
def _is_plain(h):
    return h[MOMENTUM] == 0.0 and h[CENTERED] == 0.0


@kernel(inline=True)
def _update_plain(i, x, g, state, h, c, t):
    # Neither centered nor with momentum (torch's default): the short path of _update.
    alpha = h[ALPHA]
    d = g + h[WEIGHT_DECAY] * x
    v = state[0, i] * alpha + (1.0 - alpha) * d * d
    state[0, i] = v
    return x - c[0, t - 1] * (d / (math.sqrt(v) + h[EPS]))


def step_size(h, c, state):
    """Effective per-coordinate step size of each recorded update: γ_t / (sqrt(v_t) + ε)."""
    v = state[:, 0]
    if h[CENTERED] != 0.0:
        v = v - state[:, 1] * state[:, 1]
    return c[0][:, None] / (np.sqrt(v) + h[EPS])


def latex(hp: dict, gamma: str) -> list[str]:
    a, eps = hp["alpha"], hp["eps"]
    lines = tex.grad(hp["weight_decay"])
    lines.append(rf"v_t = {tex.num(a)}\, v_{{t-1}} + {tex.num(1 - a)}\, g_t^2")
    if hp["centered"]:
        lines.append(rf"\bar g_t = {tex.num(a)}\,\bar g_{{t-1}} + {tex.num(1 - a)}\, g_t")
        denom = rf"\sqrt{{v_t - \bar g_t^2}} + {tex.num(eps)}"
    else:
        denom = rf"\sqrt{{v_t}} + {tex.num(eps)}"
    if hp["momentum"] > 0:
        lines.append(rf"b_t = {tex.num(hp['momentum'])}\, b_{{t-1}} + \frac{{g_t}}{{{denom}}}")
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\, b_t, \quad {gamma}")
    else:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t \frac{{g_t}}{{{denom}}},"
                     rf" \quad {gamma}")
    return lines

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

from ._spec import Hyper, eps_hyper, lr_hyper, weight_decay_hyper

STATE = ("square_avg", "grad_avg", "momentum_buffer")

SPEC = {
    "lr": lr_hyper(1e-2),
    "alpha": Hyper("alpha", 0.99, 0.0, 1.0, label="alpha α", error="Invalid alpha value",
                   ui_low=0.0, ui_high=0.9999,
                   help="Decay of the running average of squared gradients."),
    "eps": eps_hyper(1e-8),
    "weight_decay": weight_decay_hyper(),
    "momentum": Hyper("momentum", 0.0, 0.0, math.inf, label="momentum μ",
                      error="Invalid momentum value", high_open=True, ui_low=0.0, ui_high=0.999,
                      help="Momentum applied to the normalised step."),
    "centered": Hyper("centered", False, kind="bool", label="centered",
                      help="Divide by the estimated standard deviation instead of the RMS."),
}


def check(hp: dict) -> None:
    return None


def held_state(hp: dict) -> tuple[str, ...]:
    """The state torch keeps for these settings: grad_avg only when centered, a momentum
    buffer only with momentum."""
    return tuple(name for name, held in (("square_avg", True), ("grad_avg", hp["centered"]),
                                         ("momentum_buffer", hp["momentum"] > 0)) if held)


def pack(hp: dict) -> list[float]:
    return [hp["alpha"], hp["eps"], hp["weight_decay"], hp["momentum"], float(hp["centered"])]


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
    alpha = h[0]
    momentum = h[3]
    centered = h[4] != 0.0
    d = g + h[2] * x  # weight decay λ = 0 leaves d = g exactly
    v = state[0, i] * alpha + (1.0 - alpha) * d * d
    ga = _lerp(state[1, i], d, 1.0 - alpha)
    avg = math.sqrt(v - ga * ga if centered else v) + h[1]
    q = d / avg
    buf = state[2, i] * momentum + q
    state[0, i] = v
    state[1, i] = ga if centered else 0.0
    state[2, i] = buf if momentum > 0.0 else 0.0
    return x - c[0, t - 1] * (buf if momentum > 0.0 else q)


@kernel(inline=True)
def _update_plain(i, x, g, state, h, c, t):
    # Neither centered nor with momentum (torch's default): the short path of _update.
    alpha = h[0]
    d = g + h[2] * x
    v = state[0, i] * alpha + (1.0 - alpha) * d * d
    state[0, i] = v
    return x - c[0, t - 1] * (d / (math.sqrt(v) + h[1]))


def step_size(h, c, state):
    """Effective per-coordinate step size of each recorded update: γ_t / (sqrt(v_t) + ε)."""
    v = state[:, 0]
    if h[4] != 0.0:
        v = v - state[:, 1] * state[:, 1]
    return c[0][:, None] / (np.sqrt(v) + h[1])

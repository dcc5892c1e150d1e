r"""Stochastic gradient descent, with optional momentum and Nesterov momentum (``torch.optim.SGD``).

Update rule, for each coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t`
taken at :math:`\theta_{t-1}` and learning rate :math:`\gamma_t` (``lr`` after the schedule)::

    d_t = g_t + λ θ_{t-1}                       λ = weight_decay (L2 added to the gradient)
    if μ ≠ 0:                                   μ = momentum, τ = dampening
        b_1 = d_1                               first step: the buffer is the gradient, undamped
        b_t = μ b_{t-1} + (1 - τ) d_t           t > 1
        d_t = d_t + μ b_t   if nesterov  else  b_t
    θ_t = θ_{t-1} - γ_t d_t

Conventions (as torch): the learning rate multiplies the buffer, it is not folded into it
(``v = μv + g; θ -= γv``, not Sutskever's ``v = μv + γg; θ -= v``), which matters only when the
learning rate changes over time; dampening starts at the second step; Nesterov requires μ > 0 and
τ = 0. State: ``momentum_buffer`` = :math:`b_t`.

References: Robbins & Monro (1951); Polyak (1964), heavy-ball momentum; Sutskever et al. (2013),
"On the importance of initialization and momentum in deep learning", ICML.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("momentum_buffer",)
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "momentum_buffer": "is the velocity: past gradients summed, each decayed by μ",
}


def _spec(lr: float, momentum: float, nesterov: bool) -> dict[str, Hyper]:
    return {
        "lr": lr_hyper(lr),
        "momentum": Hyper("momentum", momentum, 0.0, math.inf, label="momentum μ",
                          error="Invalid momentum value", high_open=True, ui_low=0.0,
                          ui_high=0.999, help="Fraction of the previous velocity kept each step.",
                          symbol="μ"),
        "dampening": Hyper("dampening", 0.0, 0.0, 1.0, label="dampening τ",
                           error="Invalid dampening value", ui_low=0.0, ui_high=1.0,
                           help="Scales the new gradient by 1 − τ from the second step on.",
                           symbol="τ"),
        "nesterov": Hyper("nesterov", nesterov, kind="bool", label="Nesterov",
                          help="Look ahead along the velocity before applying it.",
                          symbol="Nesterov"),
        "weight_decay": weight_decay_hyper(),
    }


SPEC = _spec(1e-3, 0.0, False)
MOMENTUM_SPEC = _spec(1e-3, 0.9, False)
NESTEROV_SPEC = _spec(1e-3, 0.9, True)


def check(hp: dict) -> None:
    """torch's cross-parameter rule."""
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                         f"(got momentum={hp['momentum']}, dampening={hp['dampening']})")


def held_state(hp: dict) -> tuple[str, ...]:
    """The state torch keeps for these settings: no momentum buffer without momentum."""
    return STATE if hp["momentum"] != 0 else ()


#: The packed layout of ``h``: kernels read ``h[MOMENTUM]`` and so on.
FIELDS = ("momentum", "dampening", "nesterov", "weight_decay")
MOMENTUM, DAMPENING, NESTEROV, WEIGHT_DECAY = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, momentum=hp["momentum"], dampening=hp["dampening"],
                  nesterov=hp["nesterov"], weight_decay=hp["weight_decay"])


#: Per-step scalars: γ_t, the factor on the old buffer and the factor on the new gradient.
COEFFS = 3


@kernel(inline=True)
def _coefficients(h, lrs, c):
    momentum = h[MOMENTUM]
    dampening = h[DAMPENING]
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[k]
        # b_1 = 0·b_0 + 1·d_1 = d_1 exactly (b_0 = 0): the first step's buffer is the gradient.
        c[1, k] = momentum if k > 0 else 0.0
        c[2, k] = 1.0 - dampening if k > 0 else 1.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    momentum = h[MOMENTUM]
    d = g + h[WEIGHT_DECAY] * x  # weight decay λ = 0 leaves d = g exactly
    buf = state[0, i] * c[1, t - 1] + c[2, t - 1] * d
    # Flags select among values computed without branches: the loop then keeps both
    # coordinates' arithmetic in one straight line.
    out = d + momentum * buf if h[NESTEROV] != 0.0 else buf
    out = out if momentum != 0.0 else d
    state[0, i] = buf if momentum != 0.0 else 0.0
    return x - c[0, t - 1] * out


@kernel(inline=True)
def _is_plain(h):
    return h[MOMENTUM] == 0.0  # no buffer on the dependency chain


@kernel(inline=True)
def _update_plain(i, x, g, state, h, c, t):
    # Without momentum (μ = 0) torch keeps no buffer: the short path of _update.
    return x - c[0, t - 1] * (g + h[WEIGHT_DECAY] * x)


def step_size(h, c, state):
    """Effective per-coordinate step size of each recorded update: γ_t."""
    return np.repeat(c[0][:, None], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    mu, tau = hp["momentum"], hp["dampening"]
    lines = tex.grad(hp["weight_decay"])
    if mu == 0:
        return [*lines, rf"\theta_t = \theta_{{t-1}} - \gamma_t\, g_t, \quad {gamma}"]
    damp = "" if tau == 0 else rf"(1-{tex.num(tau)})\,"
    lines.append(rf"b_t = {tex.num(mu)}\, b_{{t-1}} + {damp}g_t, \quad b_1 = g_1")
    if hp["nesterov"]:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\,(g_t + {tex.num(mu)}\, b_t),"
                     rf" \quad {gamma}")
    else:
        lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\, b_t, \quad {gamma}")
    return lines

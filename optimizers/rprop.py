r"""Rprop: resilient backpropagation (``torch.optim.Rprop``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t`::

    s_0 = γ_1                                    (step_size: the learning rate of update 1)
    p_0 = 0                                      (prev: the last gradient that moved θ)
    if g_t p_{t-1} > 0:  s_t = min(η+ s_{t-1}, s_max)          same sign: grow the step
    if g_t p_{t-1} < 0:  s_t = max(η- s_{t-1}, s_min), g_t = 0  sign flip: shrink, stand still
    if g_t p_{t-1} = 0:  s_t = s_{t-1} (clamped to [s_min, s_max])
    θ_t = θ_{t-1} - s_t sign(g_t)
    p_t = g_t

Conventions (as torch): only the gradient's sign is used, so each coordinate moves by exactly
its own step size s_t; after a sign flip the coordinate stays where it is for one update and
its next gradient is compared with 0. The learning rate only sets the first step size: a
schedule changes nothing after the first update (torch reads ``lr`` once, when it creates the
state). ``etas`` = (η-, η+) with 0 < η- < 1 < η+; ``step_sizes`` = (s_min, s_max), which torch
does not check. This is full-batch Rprop (torch's), without Igel & Hüsken's weight backtracking.
The effective per-coordinate step size is s_t.

Reference: Riedmiller & Braun (1993), "A Direct Adaptive Method for Faster Backpropagation
Learning: The RPROP Algorithm", IEEE International Conference on Neural Networks.
"""

from __future__ import annotations

import math

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, lr_hyper, packed

STATE = ("prev", "step_size")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "prev": "is the previous gradient",
    "step_size": "its own step size per coordinate",
}

SPEC = {
    "lr": lr_hyper(1e-2),
    "etas": Hyper("etas", (0.5, 1.2), -math.inf, math.inf, kind="pair", label="etas",
                  labels=("η− (sign flips)", "η+ (sign holds)"),
                  ui_low=0.01, ui_high=3.0, symbol="η", error="Invalid eta values",
                  help="Factors on the step size: η- after a sign flip, η+ otherwise."),
    "step_sizes": Hyper("step_sizes", (1e-6, 50.0), -math.inf, math.inf, kind="pair",
                        label="step sizes", labels=("smallest step", "largest step"),
                        ui_low=1e-6, ui_high=50.0, symbol="steps", error="Invalid step_sizes",
                        help="The smallest and largest step size allowed."),
}


def check(hp: dict) -> None:
    """torch's rule on the etas: 0 < η- < 1 < η+."""
    lo, hi = hp["etas"]
    if not 0.0 < lo < 1.0 < hi:
        raise ValueError(f"Invalid eta values: {lo}, {hi} (etas must satisfy "
                         "0 < etas[0] < 1 < etas[1])")


#: The packed layout of ``h``: kernels read ``h[ETA_MINUS]`` and so on.
FIELDS = ("eta_minus", "eta_plus", "step_size_min", "step_size_max")
ETA_MINUS, ETA_PLUS, STEP_SIZE_MIN, STEP_SIZE_MAX = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    (lo, hi), (smin, smax) = hp["etas"], hp["step_sizes"]
    return packed(FIELDS, eta_minus=lo, eta_plus=hi, step_size_min=smin, step_size_max=smax)


#: Per-step scalars: the first learning rate at update 1, 0 after (added to the zero
#: initial step size, so the state starts at zero like every other family's).
COEFFS = 1


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[0] if k == 0 else 0.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    prod = g * state[0, i]
    factor = h[ETA_PLUS] if prod > 0.0 else (h[ETA_MINUS] if prod < 0.0 else 1.0)
    factor = factor if prod == prod else prod  # NaN stays NaN, as torch's sign
    s = (state[1, i] + c[0, t - 1]) * factor
    # torch.clamp_(s_min, s_max): s_max wins when s_min > s_max
    s = min(max(s, h[STEP_SIZE_MIN]), h[STEP_SIZE_MAX]) if s == s else s
    g = 0.0 if prod < 0.0 else g
    sign = 1.0 if g > 0.0 else (-1.0 if g < 0.0 else (g if g != g else 0.0))
    state[0, i] = g
    state[1, i] = s
    return x - sign * s


def step_size(h, c, state):
    """Effective per-coordinate step size: s_t."""
    return state[:, 1].copy()


def latex(hp: dict, gamma: str) -> list[str]:
    (lo, hi), (smin, smax) = hp["etas"], hp["step_sizes"]
    return [r"g_t = \nabla f(\theta_{t-1}), \quad s_0 = \gamma_1",
            rf"s_t = \begin{{cases}} \min({tex.num(hi)}\, s_{{t-1}},\ {tex.num(smax)}) & "
            r"g_t\, g_{t-1} > 0 \\ "
            rf"\max({tex.num(lo)}\, s_{{t-1}},\ {tex.num(smin)}),\ g_t \leftarrow 0 & "
            r"g_t\, g_{t-1} < 0 \\ s_{t-1} & \text{otherwise} \end{cases}",
            rf"\theta_t = \theta_{{t-1}} - s_t \operatorname{{sign}}(g_t), \quad {gamma}"]

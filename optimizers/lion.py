r"""Lion: evolved sign momentum (Chen et al. 2023; reference PyTorch code of the paper).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots`::

    θ_{t-1} ← θ_{t-1} (1 - γ_t λ)                 λ = weight_decay (decoupled)
    c_t = β1 m_{t-1} + (1 - β1) g_t               interpolation with the OLD momentum
    θ_t = θ_{t-1} - γ_t sign(c_t)
    m_t = β2 m_{t-1} + (1 - β2) g_t               m_0 = 0   (exp_avg)

Conventions: sign(0) = 0, so a coordinate with zero gradient and zero momentum does not move.
Every step moves each coordinate by exactly γ_t (before decay): Lion's steps are all the same
size, which is why it needs a learning rate 3-10× smaller than Adam's. Defaults follow the
paper's code (lr 1e-4, betas (0.9, 0.99), weight_decay 0). The effective step size is γ_t.

Reference: Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms", NeurIPS.
"""

from __future__ import annotations

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("exp_avg",)
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the momentum: a running mean of gradients (with β2)",
}

SPEC = {
    "lr": lr_hyper(1e-4),
    # Lion keeps no second moment: β1 interpolates the update direction, β2 decays the momentum
    # (the paper's and torch implementations' meaning of the two betas).
    "betas": Hyper("betas", (0.9, 0.99), 0.0, 1.0, kind="pair", label="betas", ui_low=0.0,
                   labels=("β1 (update interpolation)", "β2 (momentum decay)"),
                   ui_high=0.9999, help="β1 mixes the gradient into the sign; β2 is the "
                   "momentum decay.", symbol="β"),
    "weight_decay": weight_decay_hyper(0.0, decoupled=True),
}


def check(hp: dict) -> None:
    return None


#: The packed layout of ``h``: kernels read ``h[BETA1]`` and so on.
FIELDS = ("beta1", "beta2", "weight_decay")
BETA1, BETA2, WEIGHT_DECAY = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, weight_decay=hp["weight_decay"])


#: Per-step scalars: γ_t and the decoupled decay's shrink factor 1 - γ_t λ.
COEFFS = 2


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[k]
        c[1, k] = 1.0 - lrs[k] * h[WEIGHT_DECAY]


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    beta1 = h[BETA1]
    x = x * c[1, t - 1]  # λ = 0: a factor of exactly 1
    m = state[0, i]
    u = m * beta1 + (1.0 - beta1) * g
    s = 1.0 if u > 0.0 else (-1.0 if u < 0.0 else 0.0)
    state[0, i] = m * h[BETA2] + (1.0 - h[BETA2]) * g
    return x + (-c[0, t - 1]) * s


def step_size(h, c, state):
    """Every coordinate moves by γ_t (or not at all where the sign is 0)."""
    return np.repeat(c[0][:, None], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    lines = tex.decay(hp["weight_decay"]) + tex.grad(0.0)
    lines.append(rf"\theta_t = \theta_{{t-1}} - \gamma_t\,\operatorname{{sign}}"
                 rf"({tex.num(b1)}\, m_{{t-1}} + {tex.num(1 - b1)}\, g_t), \quad {gamma}")
    lines.append(rf"m_t = {tex.num(b2)}\, m_{{t-1}} + {tex.num(1 - b2)}\, g_t")
    return lines

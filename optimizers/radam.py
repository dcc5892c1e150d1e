r"""RAdam: rectified Adam (``torch.optim.RAdam``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t` and
learning rate :math:`\gamma_t`::

    d_t = g_t + λ θ_{t-1}      (or, decoupled: θ_{t-1} ← θ_{t-1}(1 - γ_t λ), d_t = g_t)
    m_t = β1 m_{t-1} + (1 - β1) d_t                        (exp_avg)
    v_t = β2 v_{t-1} + (1 - β2) d_t²                       (exp_avg_sq)
    ρ_∞ = 2 / (1 - β2) - 1
    ρ_t = ρ_∞ - 2 t β2^t / (1 - β2^t)
    if ρ_t > 5:
        r_t = sqrt((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
        θ_t = θ_{t-1} - γ_t · m_t / (1 - β1^t) · sqrt(1 - β2^t) / (sqrt(v_t) + ε) · r_t
    else:
        θ_t = θ_{t-1} - γ_t · m_t / (1 - β1^t)           (momentum SGD, no division by v_t)

Conventions (as torch): ρ_t > 5 (strictly) switches the adaptive step on; with β2 = 0.999
that is from update 6 on, so the first five updates are bias-corrected momentum steps of size
γ·|m̂_t| (on a steep surface they are long: RAdam's warm-up acts on the direction, not the
length). ε is added to sqrt(v_t) before the bias correction sqrt(1 - β2^t) multiplies.
``decoupled_weight_decay`` multiplies θ by 1 - γ_t λ before the step, as AdamW.
The effective per-coordinate step size on m_t is γ_t r_t sqrt(1 - β2^t) / ((1 - β1^t)
(sqrt(v_t) + ε)) when the adaptive step is on, γ_t / (1 - β1^t) otherwise.

Reference: Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and Beyond", ICLR.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, betas_hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper
from .rmsprop import _lerp

STATE = ("exp_avg", "exp_avg_sq")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the running mean of gradients",
    "exp_avg_sq": "the running mean of squared gradients",
}

SPEC = {
    "lr": lr_hyper(1e-3),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": eps_hyper(1e-8),
    "weight_decay": weight_decay_hyper(),
    "decoupled_weight_decay": Hyper("decoupled_weight_decay", False, kind="bool",
                                    label="decoupled weight decay", symbol="decoupled wd",
                                    help="Shrink θ directly (AdamW style) instead of L2."),
}


def check(hp: dict) -> None:
    return None


#: The packed layout of ``h``: kernels read ``h[BETA1]`` and so on.
FIELDS = ("beta1", "beta2", "eps", "weight_decay", "decoupled")
BETA1, BETA2, EPS, WEIGHT_DECAY, DECOUPLED = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, eps=hp["eps"], weight_decay=hp["weight_decay"],
                  decoupled=hp["decoupled_weight_decay"])


#: Per-step scalars: γ_t / (1 - β1^t), the adaptive factor r_t sqrt(1 - β2^t) (0 while
#: ρ_t ≤ 5), and the decoupled decay's shrink factor.
COEFFS = 3


@kernel(inline=True)
def _coefficients(h, lrs, c):
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    decoupled = h[DECOUPLED] != 0.0
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    p1 = 1.0
    p2 = 1.0
    for k in range(lrs.shape[0]):
        p1 *= beta1  # β^t as running products (see adam._coefficients)
        p2 *= beta2
        bc2 = 1.0 - p2
        rho_t = rho_inf - 2.0 * (k + 1) * p2 / bc2
        rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                         / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) if rho_t > 5.0 else 0.0
        c[0, k] = lrs[k] / (1.0 - p1)
        c[1, k] = math.sqrt(bc2) * rect
        c[2, k] = 1.0 - lrs[k] * h[WEIGHT_DECAY] if decoupled else 1.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    beta2 = h[BETA2]
    decoupled = h[DECOUPLED] != 0.0
    d = g + (0.0 if decoupled else h[WEIGHT_DECAY]) * x  # L2 term (d = g exactly without it)
    x = x * c[2, t - 1]  # decoupled decay (a factor of exactly 1 otherwise)
    m = _lerp(state[0, i], d, 1.0 - h[BETA1])
    v = state[1, i] * beta2 + (1.0 - beta2) * d * d
    state[0, i] = m
    state[1, i] = v
    adaptive = c[1, t - 1] / (math.sqrt(v) + h[EPS])
    return x - c[0, t - 1] * m * (adaptive if c[1, t - 1] != 0.0 else 1.0)


def step_size(h, c, state):
    """Effective per-coordinate step size on m_t."""
    adaptive = c[1][:, None] / (np.sqrt(state[:, 1]) + h[EPS])
    return c[0][:, None] * np.where(c[1][:, None] != 0.0, adaptive, 1.0)


def latex(hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    dec = hp["decoupled_weight_decay"]
    n1, n2 = tex.num(b1), tex.num(b2)
    lines = (tex.decay(hp["weight_decay"]) if dec else []) + tex.grad(hp["weight_decay"], dec)
    lines.append(tex.moments(b1, b2))
    lines.append(rf"\rho_t = \rho_\infty - \frac{{2t\,{n2}^t}}{{1-{n2}^t}}, \quad "
                 rf"\rho_\infty = {tex.num(2 / (1 - b2) - 1)}, \quad "
                 r"r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}"
                 r"{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}")
    lines.append(rf"\theta_t = \theta_{{t-1}} - \frac{{\gamma_t}}{{1-{n1}^t}}\, m_t \cdot"
                 rf"\begin{{cases}} r_t \frac{{\sqrt{{1-{n2}^t}}}}{{\sqrt{{v_t}} + "
                 rf"{tex.num(hp['eps'])}}} & \rho_t > 5 \\ 1 & \text{{otherwise}}"
                 rf"\end{{cases}}, \quad {gamma}")
    return lines

r"""NAdam: Adam with Nesterov momentum and a momentum warm-up schedule (``torch.optim.NAdam``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots`::

    d_t = g_t + λ θ_{t-1}      (or, decoupled: θ_{t-1} ← θ_{t-1}(1 - γ_t λ), d_t = g_t)
    μ_t     = β1 (1 - ½ · 0.96^(t ψ))                ψ = momentum_decay
    μ_{t+1} = β1 (1 - ½ · 0.96^((t+1) ψ))
    Π_t     = Π_{t-1} μ_t                           Π_0 = 1   (mu_product)
    m_t = β1 m_{t-1} + (1 - β1) d_t                 (exp_avg)
    v_t = β2 v_{t-1} + (1 - β2) d_t²                (exp_avg_sq)
    denom = sqrt(v_t / (1 - β2^t)) + ε
    θ_t = θ_{t-1} - γ_t (1 - μ_t)/(1 - Π_t) · d_t / denom
                  - γ_t μ_{t+1}/(1 - Π_t μ_{t+1}) · m_t / denom

Conventions (as torch): the momentum coefficient μ_t warms up from about β1/2 towards β1 very
slowly (with ψ = 0.004 it is still 0.675 at t ≈ 4,245), so on runs of a few hundred steps torch's
NAdam behaves like Adam with momentum near 0.45–0.5; optax's ``nadam`` has no such schedule. The
first step moves about 1.0565·γ·sign(g). Π_t is kept in float64.
The effective per-coordinate step size on m_t is γ_t μ_{t+1}/((1 - Π_t μ_{t+1}) denom).

Reference: Dozat (2016), "Incorporating Nesterov Momentum into Adam", ICLR workshop.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, betas_hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper
from .rmsprop import _lerp

STATE = ("exp_avg", "exp_avg_sq", "mu_product")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the running mean of gradients",
    "exp_avg_sq": "the running mean of squared gradients",
    "mu_product": "the product of the momentum factors so far",
}
#: State entries that are one number, not one per coordinate.
SCALAR_STATE = frozenset({"mu_product"})

SPEC = {
    "lr": lr_hyper(2e-3),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": eps_hyper(1e-8),
    "weight_decay": weight_decay_hyper(),
    "momentum_decay": Hyper("momentum_decay", 4e-3, 0.0, math.inf, label="momentum decay ψ",
                            error="Invalid momentum_decay value", high_open=True, ui_low=0.0,
                            ui_high=0.1, help="How fast μ_t warms up towards β1.", symbol="ψ"),
    "decoupled_weight_decay": Hyper("decoupled_weight_decay", False, kind="bool",
                                    label="decoupled weight decay",
                                    help="Shrink θ directly (AdamW style) instead of L2.",
                                    symbol="decoupled wd"),
}


def check(hp: dict) -> None:
    return None


def initial_state(hp: dict) -> dict[str, float]:
    return {"mu_product": 1.0}


#: The packed layout of ``h``: kernels read ``h[BETA1]`` and so on.
FIELDS = ("beta1", "beta2", "eps", "weight_decay", "momentum_decay", "decoupled")
BETA1, BETA2, EPS, WEIGHT_DECAY, MOMENTUM_DECAY, DECOUPLED = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, eps=hp["eps"], weight_decay=hp["weight_decay"],
                  momentum_decay=hp["momentum_decay"], decoupled=hp["decoupled_weight_decay"])


#: Per-step scalars: 1 - β2^t, μ_t's running product, the factors on d_t / denom and on
#: m_t / denom, and the decoupled decay's shrink factor.
COEFFS = 5


@kernel(inline=True)
def _coefficients(h, lrs, c):
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    decoupled = h[DECOUPLED] != 0.0
    # β2^t and 0.96^(tψ) as running products (see adam._coefficients); μ_t's product is
    # torch's own running product.
    decay = 0.96 ** h[MOMENTUM_DECAY]
    p2 = 1.0
    pd = 1.0
    mu_product = 1.0
    for k in range(lrs.shape[0]):
        lr = lrs[k]
        p2 *= beta2
        pd *= decay
        mu = beta1 * (1.0 - 0.5 * pd)
        mu_next = beta1 * (1.0 - 0.5 * (pd * decay))
        mu_product = mu_product * mu
        c[0, k] = 1.0 - p2
        c[1, k] = mu_product
        c[2, k] = -lr * (1.0 - mu) / (1.0 - mu_product)
        c[3, k] = (-lr * mu_next) / (1.0 - mu_product * mu_next)
        c[4, k] = 1.0 - lr * h[WEIGHT_DECAY] if decoupled else 1.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    decoupled = h[DECOUPLED] != 0.0
    d = g + (0.0 if decoupled else h[WEIGHT_DECAY]) * x  # L2 term (d = g exactly without it)
    x = x * c[4, t - 1]  # decoupled decay (a factor of exactly 1 otherwise)
    m = _lerp(state[0, i], d, 1.0 - beta1)
    v = state[1, i] * beta2 + (1.0 - beta2) * d * d
    state[0, i] = m
    state[1, i] = v
    state[2, i] = c[1, t - 1]
    denom = math.sqrt(v / c[0, t - 1]) + h[EPS]
    x = x + c[2, t - 1] * (d / denom)
    return x + c[3, t - 1] * (m / denom)


def step_size(h, c, state):
    """Effective per-coordinate step size on m_t: γ_t μ_{t+1} / ((1 - Π μ) · denom)."""
    return -c[3][:, None] / (np.sqrt(state[:, 1] / c[0][:, None]) + h[EPS])


def latex(hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    psi = hp["momentum_decay"]
    dec = hp["decoupled_weight_decay"]
    lines = (tex.decay(hp["weight_decay"]) if dec else []) + tex.grad(hp["weight_decay"], dec)
    lines.append(rf"\mu_t = {tex.num(b1)}\,(1 - \tfrac12\, 0.96^{{{tex.num(psi)}\,t}}), \quad "
                 r"\Pi_t = \Pi_{t-1}\,\mu_t")
    lines.append(tex.moments(b1, b2))
    lines.append(r"\theta_t = \theta_{t-1} - \gamma_t\left(\frac{1-\mu_t}{1-\Pi_t}\,g_t"
                 r" + \frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\,m_t\right)\Big/"
                 rf"\left(\sqrt{{v_t/(1-{tex.num(b2)}^t)}} + {tex.num(hp['eps'])}\right),"
                 rf" \quad {gamma}")
    return lines

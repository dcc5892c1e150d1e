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

from landscapes._jit import kernel

from ._spec import Hyper, betas_hyper, eps_hyper, lr_hyper, weight_decay_hyper
from .rmsprop import _lerp

STATE = ("exp_avg", "exp_avg_sq", "mu_product")

SPEC = {
    "lr": lr_hyper(2e-3),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": eps_hyper(1e-8),
    "weight_decay": weight_decay_hyper(),
    "momentum_decay": Hyper("momentum_decay", 4e-3, 0.0, math.inf, label="momentum decay ψ",
                            error="Invalid momentum_decay value", high_open=True, ui_low=0.0,
                            ui_high=0.1, help="How fast μ_t warms up towards β1."),
    "decoupled_weight_decay": Hyper("decoupled_weight_decay", False, kind="bool",
                                    label="decoupled weight decay",
                                    help="Shrink θ directly (AdamW style) instead of L2."),
}


def check(hp: dict) -> None:
    return None


def initial_state(hp: dict) -> dict[str, float]:
    return {"mu_product": 1.0}


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return [b1, b2, hp["eps"], hp["weight_decay"], hp["momentum_decay"],
            float(hp["decoupled_weight_decay"])]


@kernel(inline=True)
def _step(theta, g, state, aux, t, lr, h, eff):
    beta1 = h[0]
    beta2 = h[1]
    eps = h[2]
    wd = h[3]
    momentum_decay = h[4]
    decoupled = h[5] != 0.0
    # β2^t and 0.96^(tψ) as running products in aux (see adam._step).
    if t == 1:
        aux[0] = beta2
        aux[1] = 0.96**momentum_decay
        aux[2] = aux[1]
    else:
        aux[0] *= beta2
        aux[2] *= aux[1]
    bias_correction2 = 1.0 - aux[0]
    mu = beta1 * (1.0 - 0.5 * aux[2])
    mu_next = beta1 * (1.0 - 0.5 * (aux[2] * aux[1]))
    for i in range(theta.shape[0]):
        d = g[i]
        if wd != 0.0:
            if decoupled:
                theta[i] = theta[i] * (1.0 - lr * wd)
            else:
                d = d + wd * theta[i]
        mu_product = state[2, i] * mu
        state[2, i] = mu_product
        m = _lerp(state[0, i], d, 1.0 - beta1)
        v = state[1, i] * beta2 + (1.0 - beta2) * d * d
        state[0, i] = m
        state[1, i] = v
        denom = math.sqrt(v / bias_correction2) + eps
        mu_product_next = mu_product * mu_next
        theta[i] = theta[i] + (-lr * (1.0 - mu) / (1.0 - mu_product)) * (d / denom)
        theta[i] = theta[i] + ((-lr * mu_next) / (1.0 - mu_product_next)) * (m / denom)
        if eff.shape[0]:  # recorded only on request
            eff[i] = lr * mu_next / ((1.0 - mu_product_next) * denom)

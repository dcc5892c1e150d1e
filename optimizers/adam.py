r"""Adam, AMSGrad and AdamW (``torch.optim.Adam`` and ``torch.optim.AdamW``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t` and
learning rate :math:`\gamma_t`::

    Adam:   d_t = g_t + λ θ_{t-1}                 λ = weight_decay (L2, coupled)
    AdamW:  θ_{t-1} ← θ_{t-1} (1 - γ_t λ);  d_t = g_t      (decoupled decay, before the step)
    m_t = β1 m_{t-1} + (1 - β1) d_t               m_0 = 0   (exp_avg)
    v_t = β2 v_{t-1} + (1 - β2) d_t²              v_0 = 0   (exp_avg_sq)
    amsgrad: v̄_t = max(v̄_{t-1}, v_t)            v̄_0 = 0   (max_exp_avg_sq, over the RAW v_t)
    denom = sqrt(v_t or v̄_t) / sqrt(1 - β2^t) + ε
    θ_t = θ_{t-1} - γ_t / (1 - β1^t) · m_t / denom

Conventions (as torch): ε is added after the bias correction of v (Kingma & Ba's Algorithm 1,
not the "efficient" form with ε̂ inside the rescaled step); AMSGrad takes the running maximum of
the raw second moment and then divides by the current sqrt(1 - β2^t) (optax's ``amsgrad`` takes
the max of bias-corrected values instead); AdamW's decay multiplies θ by 1 - γ_t λ, using the
scheduled learning rate. The first step moves each coordinate by about γ·sign(g).
The effective per-coordinate step size on m_t is γ_t / ((1 - β1^t) · denom).

Arithmetic: m_t / denom is evaluated as (c m_t) / (sqrt(v_t) + c ε) with c = sqrt(1 - β2^t),
which is the same quantity with one division fewer on the step's dependency chain; it agrees
with torch's order of operations to a few units in the last place.

References: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", ICLR;
Reddi, Kale & Kumar (2018), "On the Convergence of Adam and Beyond", ICLR (AMSGrad);
Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization", ICLR (AdamW).
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, betas_hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper
from .rmsprop import _lerp

STATE = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the running mean of gradients",
    "exp_avg_sq": "the running mean of squared gradients",
    "max_exp_avg_sq": "the largest of those so far (AMSGrad)",
}


def _spec(weight_decay: float, decoupled: bool) -> dict[str, Hyper]:
    return {
        "lr": lr_hyper(1e-3),
        "betas": betas_hyper((0.9, 0.999)),
        "eps": eps_hyper(1e-8),
        "weight_decay": weight_decay_hyper(weight_decay, decoupled),
        "amsgrad": Hyper("amsgrad", False, kind="bool", label="AMSGrad",
                         help="Divide by the largest second moment seen so far.",
                         symbol="AMSGrad"),
    }


SPEC = _spec(0.0, False)
ADAMW_SPEC = _spec(1e-2, True)


def check(hp: dict) -> None:
    return None


def held_state(hp: dict) -> tuple[str, ...]:
    """The state torch keeps for these settings: max_exp_avg_sq only with AMSGrad."""
    return STATE if hp["amsgrad"] else STATE[:2]


#: The packed layout of ``h``: kernels read ``h[BETA1]`` and so on.
FIELDS = ("beta1", "beta2", "eps", "weight_decay", "amsgrad", "decoupled")
BETA1, BETA2, EPS, WEIGHT_DECAY, AMSGRAD, DECOUPLED = range(len(FIELDS))


def pack(hp: dict, decoupled: bool = False) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, eps=hp["eps"], weight_decay=hp["weight_decay"],
                  amsgrad=hp["amsgrad"], decoupled=decoupled)


#: Per-step scalars: γ_t c_t / (1 - β1^t), ε c_t and AdamW's shrink factor 1 - γ_t λ, with
#: c_t = sqrt(1 - β2^t).
COEFFS = 3


@kernel(inline=True)
def _coefficients(h, lrs, c):
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    decoupled = h[DECOUPLED] != 0.0
    # β1^t and β2^t as running products (torch evaluates β**t each step; the two agree to
    # within t ulps of β^t, far below the 1e-12 this module is tested to).
    n = lrs.shape[0]
    p1 = 1.0
    p2 = 1.0
    for k in range(n):
        p1 *= beta1
        p2 *= beta2
        c[0, k] = p1
        c[1, k] = p2
    for k in range(n):  # independent iterations: the square roots and divisions vectorize
        root_bc2 = math.sqrt(1.0 - c[1, k])
        c[0, k] = lrs[k] / (1.0 - c[0, k]) * root_bc2
        c[1, k] = h[EPS] * root_bc2
        c[2, k] = 1.0 - lrs[k] * h[WEIGHT_DECAY] if decoupled else 1.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    decoupled = h[DECOUPLED] != 0.0
    d = g + (0.0 if decoupled else h[WEIGHT_DECAY]) * x  # Adam's L2 term (d = g exactly without it)
    x = x * c[2, t - 1]  # AdamW's decoupled decay (a factor of exactly 1 otherwise)
    m = _lerp(state[0, i], d, 1.0 - beta1)
    v = state[1, i] * beta2 + (1.0 - beta2) * d * d
    vmax = max(state[2, i], v)
    state[0, i] = m
    state[1, i] = v
    state[2, i] = vmax if h[AMSGRAD] != 0.0 else 0.0
    # torch's  m / (sqrt(v) / c + ε)  evaluated as  (c m) / (sqrt(v) + c ε): equal up to
    # rounding (a few ulps), and one division shorter on the step's dependency chain.
    return x - (c[0, t - 1] * m) / (math.sqrt(vmax if h[AMSGRAD] != 0.0 else v) + c[1, t - 1])


@kernel(inline=True)
def _is_plain(h):
    return h[WEIGHT_DECAY] == 0.0 and h[AMSGRAD] == 0.0


@kernel(inline=True)
def _update_plain(i, x, g, state, h, c, t):
    # Without weight decay and AMSGrad (torch's defaults): the short path of _update.
    beta1 = h[BETA1]
    beta2 = h[BETA2]
    m = _lerp(state[0, i], g, 1.0 - beta1)
    v = state[1, i] * beta2 + (1.0 - beta2) * g * g
    state[0, i] = m
    state[1, i] = v
    return x - (c[0, t - 1] * m) / (math.sqrt(v) + c[1, t - 1])


def step_size(h, c, state):
    """Effective per-coordinate step size on m_t: γ_t / ((1 - β1^t) · denom)."""
    v = state[:, 2] if h[AMSGRAD] != 0.0 else state[:, 1]
    return c[0][:, None] / (np.sqrt(v) + c[1][:, None])


def latex(hp: dict, gamma: str, decoupled: bool = False) -> list[str]:
    b1, b2 = hp["betas"]
    lines = tex.decay(hp["weight_decay"]) if decoupled else []
    lines += tex.grad(hp["weight_decay"], decoupled)
    lines.append(tex.moments(b1, b2))
    v = "v_t"
    if hp["amsgrad"]:
        lines.append(r"\bar v_t = \max(\bar v_{t-1}, v_t)")
        v = r"\bar v_t"
    lines.append(rf"\theta_t = \theta_{{t-1}} - \frac{{\gamma_t}}{{1-{tex.num(b1)}^t}}\,"
                 rf"\frac{{m_t}}{{\sqrt{{{v}}}/\sqrt{{1-{tex.num(b2)}^t}} + {tex.num(hp['eps'])}}},"
                 rf" \quad {gamma}")
    return lines

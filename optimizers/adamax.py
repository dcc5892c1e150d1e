r"""Adamax: Adam with the infinity norm (``torch.optim.Adamax``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t` and
learning rate :math:`\gamma_t`::

    d_t = g_t + λ θ_{t-1}                        λ = weight_decay (L2)
    m_t = β1 m_{t-1} + (1 - β1) d_t              m_0 = 0   (exp_avg)
    u_t = max(β2 u_{t-1}, |d_t| + ε)             u_0 = 0   (exp_inf)
    θ_t = θ_{t-1} - γ_t / (1 - β1^t) · m_t / u_t

Conventions (as torch): ε is added to |d_t| inside the maximum (Kingma & Ba's Algorithm 2 has
no ε), so u_t never falls below ε; there is no bias correction on u_t. The first step moves
each coordinate by γ·|g|/(|g| + ε), almost exactly γ. The effective per-coordinate step size
on m_t is γ_t / ((1 - β1^t) u_t).

Reference: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", ICLR, section 7.1.
"""

from __future__ import annotations

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import betas_hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper
from .rmsprop import _lerp

STATE = ("exp_avg", "exp_inf")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the running mean of gradients",
    "exp_inf": "the decaying maximum of |g|",
}

SPEC = {
    "lr": lr_hyper(2e-3),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": eps_hyper(1e-8),
    "weight_decay": weight_decay_hyper(),
}


def check(hp: dict) -> None:
    return None


#: The packed layout of ``h``: kernels read ``h[BETA1]`` and so on.
FIELDS = ("beta1", "beta2", "eps", "weight_decay")
BETA1, BETA2, EPS, WEIGHT_DECAY = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, eps=hp["eps"], weight_decay=hp["weight_decay"])


#: Per-step scalars: -γ_t / (1 - β1^t).
COEFFS = 1


@kernel(inline=True)
def _coefficients(h, lrs, c):
    p1 = 1.0
    for k in range(lrs.shape[0]):
        p1 *= h[BETA1]  # β1^t as a running product (see adam._coefficients)
        c[0, k] = -(lrs[k] / (1.0 - p1))


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    d = g + h[WEIGHT_DECAY] * x  # weight decay λ = 0 leaves d = g exactly
    m = _lerp(state[0, i], d, 1.0 - h[BETA1])
    a = state[1, i] * h[BETA2]
    b = abs(d) + h[EPS]
    # torch.maximum propagates NaN from either side
    u = a if (a > b or a != a) else b
    state[0, i] = m
    state[1, i] = u
    return x + c[0, t - 1] * (m / u)


def step_size(h, c, state):
    """Effective per-coordinate step size on m_t: γ_t / ((1 - β1^t) u_t)."""
    return -c[0][:, None] / state[:, 1]


def latex(hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    return [*tex.grad(hp["weight_decay"]),
            rf"m_t = {tex.num(b1)}\, m_{{t-1}} + {tex.num(1 - b1)}\, g_t, \quad "
            rf"u_t = \max({tex.num(b2)}\, u_{{t-1}},\ |g_t| + {tex.num(hp['eps'])})",
            rf"\theta_t = \theta_{{t-1}} - \frac{{\gamma_t}}{{1-{tex.num(b1)}^t}}\,"
            rf"\frac{{m_t}}{{u_t}}, \quad {gamma}"]

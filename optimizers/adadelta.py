r"""Adadelta (``torch.optim.Adadelta``).

Update rule, per coordinate, at update :math:`t = 1, 2, \dots` with gradient :math:`g_t` and
learning rate :math:`\gamma_t`::

    d_t = g_t + λ θ_{t-1}                              λ = weight_decay (L2)
    v_t = ρ v_{t-1} + (1 - ρ) d_t²                     v_0 = 0   (square_avg)
    Δ_t = sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · d_t
    u_t = ρ u_{t-1} + (1 - ρ) Δ_t²                     u_0 = 0   (acc_delta)
    θ_t = θ_{t-1} - γ_t Δ_t

Conventions (as torch): ε sits inside both square roots, and it is what sets the size of the
first steps: with u_0 = 0 the first step is about γ·sqrt(ε/(1-ρ)) = 0.0033 at the defaults
(lr 1, ρ 0.9, ε 1e-6), and the steps grow as u_t fills with past steps. Zeiler's paper has no
learning rate; torch multiplies by ``lr`` (default 1.0, which is the paper's rule).
The effective per-coordinate step size is γ_t sqrt(u_{t-1} + ε) / sqrt(v_t + ε).

Reference: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from ._spec import Hyper, eps_hyper, lr_hyper, packed, weight_decay_hyper

STATE = ("square_avg", "acc_delta")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "square_avg": "is the running mean of squared gradients",
    "acc_delta": "the running mean of squared updates",
}

SPEC = {
    "lr": lr_hyper(1.0, ui_high=10.0),
    "rho": Hyper("rho", 0.9, 0.0, 1.0, label="rho ρ", error="Invalid rho value", ui_low=0.0,
                 ui_high=0.9999, symbol="ρ",
                 help="Decay of the running averages of squared gradients and squared steps."),
    "eps": eps_hyper(1e-6),
    "weight_decay": weight_decay_hyper(),
}


def check(hp: dict) -> None:
    return None


#: The packed layout of ``h``: kernels read ``h[RHO]`` and so on.
FIELDS = ("rho", "eps", "weight_decay")
RHO, EPS, WEIGHT_DECAY = range(len(FIELDS))


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, **{name: hp[name] for name in FIELDS})


#: Per-step scalars: -γ_t.
COEFFS = 1


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = -lrs[k]


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    rho = h[RHO]
    eps = h[EPS]
    d = g + h[WEIGHT_DECAY] * x  # weight decay λ = 0 leaves d = g exactly
    v = state[0, i] * rho + (1.0 - rho) * d * d
    delta = math.sqrt(state[1, i] + eps) / math.sqrt(v + eps) * d
    state[0, i] = v
    state[1, i] = state[1, i] * rho + (1.0 - rho) * delta * delta
    return x + c[0, t - 1] * delta


def step_size(h, c, state):
    """Effective per-coordinate step size: γ_t sqrt(u_{t-1} + ε) / sqrt(v_t + ε)."""
    u_before = np.concatenate([np.zeros((min(len(state), 1), 2)), state[:-1, 1]])
    return -c[0][:, None] * np.sqrt(u_before + h[EPS]) / np.sqrt(state[:, 0] + h[EPS])


def latex(hp: dict, gamma: str) -> list[str]:
    rho, eps = tex.num(hp["rho"]), tex.num(hp["eps"])
    one = tex.num(1 - hp["rho"])
    return [*tex.grad(hp["weight_decay"]),
            rf"v_t = {rho}\, v_{{t-1}} + {one}\, g_t^2",
            rf"\Delta_t = \frac{{\sqrt{{u_{{t-1}} + {eps}}}}}{{\sqrt{{v_t + {eps}}}}}\, g_t,"
            rf" \quad u_t = {rho}\, u_{{t-1}} + {one}\, \Delta_t^2",
            rf"\theta_t = \theta_{{t-1}} - \gamma_t\, \Delta_t, \quad {gamma}"]

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

from landscapes._jit import kernel

from ._spec import Hyper, lr_hyper, weight_decay_hyper

STATE = ("exp_avg",)

SPEC = {
    "lr": lr_hyper(1e-4),
    "betas": Hyper("betas", (0.9, 0.99), 0.0, 1.0, kind="pair", label="betas", ui_low=0.0,
                   ui_high=0.9999, help="β1 mixes the gradient into the sign; β2 is the "
                   "momentum decay."),
    "weight_decay": weight_decay_hyper(0.0, decoupled=True),
}


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return [b1, b2, hp["weight_decay"]]


@kernel(inline=True)
def _step(theta, g, state, aux, t, lr, h, eff):
    beta1 = h[0]
    beta2 = h[1]
    wd = h[2]
    for i in range(theta.shape[0]):
        if wd != 0.0:
            theta[i] = theta[i] * (1.0 - lr * wd)
        m = state[0, i]
        c = m * beta1 + (1.0 - beta1) * g[i]
        s = 0.0
        if c > 0.0:
            s = 1.0
        elif c < 0.0:
            s = -1.0
        theta[i] = theta[i] + (-lr) * s
        state[0, i] = m * beta2 + (1.0 - beta2) * g[i]
        if eff.shape[0]:  # recorded only on request
            eff[i] = lr

r"""SparseAdam: "lazy" Adam for sparse gradients (``torch.optim.SparseAdam``, PyTorch 2.13).

torch's SparseAdam takes gradients in a sparse layout (as ``nn.Embedding(sparse=True)`` makes
them): only the coordinates present in the gradient are updated, and their moments alone. The
point (x, y) is a vector of two coordinates, like two rows of an embedding table. The app's
sparsity setting decides which are present: a coordinate it drops is *absent* from the sparse
gradient (not a present zero), so that step leaves its exp_avg, exp_avg_sq and its value
untouched. Adam given the same drops sees a zero gradient there: it decays both moments and
keeps moving that coordinate on its momentum. At update :math:`t = 1, 2, \dots` with learning
rate :math:`\gamma_t`, for each coordinate i present in g_t::

    m_i ← m_i + (g_i - m_i)(1 - β1)               m_0 = 0   (exp_avg)
    v_i ← v_i + (g_i² - v_i)(1 - β2)              v_0 = 0   (exp_avg_sq)
    θ_i ← θ_i - γ_t sqrt(1 - β2^t)/(1 - β1^t) · m_i / (sqrt(v_i) + ε)

and nothing for an absent coordinate; when both are absent the step does nothing at all, but t
still counts it (torch's ``state["step"]`` counts every ``step()`` that finds a gradient).

Conventions (as torch): t is the parameter's step count, not each coordinate's own count of
updates, so a rarely present coordinate is bias-corrected as if its moments had been averaged
over every step (its m_i / (1 - β1^t) is smaller than Adam's m̂ would be); ε is added to
sqrt(v_i) *before* the bias correction of v (the "efficient" form, ε̂ = ε), whereas Adam
adds it after (ε/sqrt(1 - β2^t) here): so even with every coordinate present SparseAdam is
Adam only up to that ε — exactly Adam with an ε of ε/sqrt(1 - β2^t) at step t, and the same
steps as Adam to about ε/|m̂| when the gradients are far larger than ε. The moments are updated
as ``old + (new - old)(1 - β)``, as torch writes them; β^t is ``pow``. torch requires lr > 0
and ε > 0; ``maximize`` is not offered (the app minimises).

The recorded gradient of an absent coordinate is 0. The effective step size is
γ_t sqrt(1 - β2^t)/(1 - β1^t)/(sqrt(v_i) + ε) for a present coordinate and 0 for an absent one.

Reference: torch.optim.SparseAdam (PyTorch documentation); Kingma & Ba (2015), "Adam: A Method
for Stochastic Optimization", ICLR.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from . import _ownloop as own
from ._spec import Hyper, betas_hyper, packed

STATE = ("exp_avg", "exp_avg_sq")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "exp_avg": "is the running mean of the gradients present",
    "exp_avg_sq": "the running mean of their squares (both skip absent coordinates)",
}
M, V = range(len(STATE))

SPEC = {
    "lr": Hyper("lr", 1e-3, 0.0, math.inf, label="learning rate", error="Invalid learning rate",
                low_open=True, high_open=True, ui_low=1e-5, ui_high=1.0, log=True,
                help="Step size γ multiplying every update."),
    "betas": betas_hyper((0.9, 0.999)),
    "eps": Hyper("eps", 1e-8, 0.0, math.inf, label="eps", error="Invalid epsilon value",
                 low_open=True, high_open=True, ui_low=1e-12, ui_high=1.0, log=True,
                 help="Added to sqrt(v) before the bias correction.", symbol="ε"),
}

FIELDS = ("beta1", "beta2", "eps")
BETA1, BETA2, EPS = range(len(FIELDS))


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    b1, b2 = hp["betas"]
    return packed(FIELDS, beta1=b1, beta2=b2, eps=hp["eps"])


#: Per-step scalars: γ_t sqrt(1 - β2^t)/(1 - β1^t), and (written by the loop) whether x and y
#: were present in the gradient (1) or absent (0).
COEFFS = 3


def step_size(h, c, state):
    """γ_t sqrt(1 - β2^t)/(1 - β1^t)/(sqrt(v_i) + ε) where present, 0 where absent."""
    present = c[1:3].T
    return c[0][:, None] * present / (np.sqrt(state[:, V]) + h[EPS])


def latex(hp: dict, gamma: str) -> list[str]:
    b1, b2 = hp["betas"]
    return [r"g_t = \nabla f(\theta_{t-1}) \text{ on the coordinates present } (i \in S_t)",
            rf"m_{{t,i}} = {tex.num(b1)}\, m_{{t-1,i}} + {tex.num(1 - b1)}\, g_{{t,i}}, \quad "
            rf"v_{{t,i}} = {tex.num(b2)}\, v_{{t-1,i}} + {tex.num(1 - b2)}\, g_{{t,i}}^2 "
            r"\quad (i \in S_t)",
            rf"\theta_{{t,i}} = \theta_{{t-1,i}} - \gamma_t \frac{{\sqrt{{1-{tex.num(b2)}^t}}}}"
            rf"{{1-{tex.num(b1)}^t}}\,\frac{{m_{{t,i}}}}{{\sqrt{{v_{{t,i}}}} + "
            rf"{tex.num(hp['eps'])}}} \quad (i \in S_t), \quad {gamma}",
            r"\text{absent } i \notin S_t\text{: } m, v, \theta_i \text{ unchanged}"]


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        t = float(k + 1)
        bc1 = 1.0 - math.pow(h[BETA1], t)
        bc2 = 1.0 - math.pow(h[BETA2], t)
        c[0, k] = lrs[k] * math.sqrt(bc2) / bc1
        c[1, k] = 1.0
        c[2, k] = 1.0


@kernel(inline=True)
def _update(i, x, g, state, h, c, t):
    """A present coordinate's update, as torch's ``sparse_adam`` computes it."""
    m_old = state[M, i]
    dm = (g - m_old) * (1.0 - h[BETA1])
    state[M, i] = m_old + dm
    v_old = state[V, i]
    dv = (g * g - v_old) * (1.0 - h[BETA2])
    state[V, i] = v_old + dv
    numer = dm + m_old
    denom = math.sqrt(dv + v_old) + h[EPS]
    return x + (-c[0, t - 1]) * (numer / denom)


@kernel
def loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
         rec_update, rec_state):
    """The whole trajectory; arguments and return as :func:`optimizers._driver._loop`. A
    coordinate that ``drop`` removes is absent from the gradient."""
    steps = lrs.shape[0]
    _coefficients(h, lrs, coef)
    ok, fx, fy = own.start(sid, sp, batch, x0, y0, xy, loss)
    if not ok:
        return 1
    x = x0
    y = y0
    for t in range(1, steps + 1):
        nx, ny, kx, ky = own.draws(noise, drop, t)
        gx, gy = own.received(fx, fy, nx, ny, kx, ky)
        px = x
        py = y
        if kx != 0.0:
            x = _update(0, px, gx, state, h, coef, t)
        if ky != 0.0:
            y = _update(1, py, gy, state, h, coef, t)
        coef[1, t - 1] = kx
        coef[2, t - 1] = ky
        ok, fx, fy = own.finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
    return steps + 1

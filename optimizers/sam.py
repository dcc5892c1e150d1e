r"""Sharpness-aware minimisation (SAM and its adaptive variant ASAM) over SGD or Adam.

SAM has no ``torch.optim`` class. This module follows the widely used PyTorch implementation by
D. Samuel (github.com/davda54/sam, ``SAM(params, base_optimizer, rho=0.05, adaptive=False,
**base_kwargs)``), with ``torch.optim.SGD`` or ``torch.optim.Adam`` as the base optimizer. One
drawn step is one ``first_step`` and one ``second_step``, each after a gradient::

    g_t = ∇f(θ_{t-1})                                       (first gradient)
    SAM:   ε_t = ρ g_t / (‖g_t‖ + 1e-12)
    ASAM:  ε_t = ρ θ_{t-1}² g_t / (‖|θ_{t-1}| g_t‖ + 1e-12)  (element-wise |θ| and θ²)
    g̃_t = ∇f(θ_{t-1} + ε_t)                     (second gradient, at the perturbed point)
    θ_t = the base optimizer's step from θ_{t-1} (restored exactly) with g̃_t as its gradient

Conventions (as davda54/sam): the 1e-12 is added to the norm, not inside the square root; the
adaptive variant scales the perturbation by θ² and the norm by |θ| (Kwon et al.'s T_θ = |θ|,
without their η); the weights are restored by copying the saved values, so θ_{t-1} is exact;
the base optimizer (its momentum, moments, weight decay, schedule) sees only g̃_t, and its
weight decay uses the restored θ_{t-1}. ``rho`` must be at least 0 (ρ = 0 is the base optimizer,
up to the extra gradient). With gradient noise or sparsity both gradients of an update see
the same draw, as the two passes over one batch do.

State: ``e_w`` (the perturbation ε_t) and the base optimizer's buffers under torch's names. The
recorded gradient is g̃_t, the one the base optimizer used.

References: Foret, Kleiner, Mobahi & Neyshabur (2021), "Sharpness-Aware Minimization for
Efficiently Improving Generalization", ICLR; Kwon, Kim, Park & Choi (2021), "ASAM: Adaptive
Sharpness-Aware Minimization for Scale-Invariant Learning of Deep Neural Networks", ICML.
"""

from __future__ import annotations

import math

from landscapes._jit import kernel

from . import _latex as tex
from . import _ownloop as own
from . import adam, sgd
from ._spec import Hyper

STATE = ("e_w", "momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "e_w": "is the perturbation of the point before the second gradient",
    "momentum_buffer": "the velocity (SAM over SGD)",
    "exp_avg": "is the running mean of gradients (SAM over Adam)",
    "exp_avg_sq": "the running mean of squared gradients",
    "max_exp_avg_sq": "the largest of those so far (AMSGrad)",
}
E_W = 0
#: The rows of ``STATE`` that each base optimizer's own step reads as its rows 0, 1, ...
SGD_ROWS = slice(1, 1 + len(sgd.STATE))
ADAM_ROWS = slice(2, 2 + len(adam.STATE))

_SAM = {
    "rho": Hyper("rho", 0.05, 0.0, math.inf, label="neighbourhood ρ", error="Invalid rho",
                 high_open=True, ui_low=0.0, ui_high=1.0, symbol="ρ",
                 help="Radius of the step uphill at which the gradient is taken."),
    "adaptive": Hyper("adaptive", False, kind="bool", label="adaptive (ASAM)", symbol="ASAM",
                      help="Scale the uphill step by each coordinate's size (θ²)."),
}
SGD_SPEC = {**sgd.SPEC, **_SAM}
ADAM_SPEC = {**adam.SPEC, **_SAM}

#: Per-step scalars: the base optimizer's table.
COEFFS = max(sgd.COEFFS, adam.COEFFS)


def _base(hp: dict):
    return adam if "betas" in hp else sgd


def check(hp: dict) -> None:
    _base(hp).check(hp)


def held_state(hp: dict) -> tuple[str, ...]:
    """The perturbation and the buffers the base optimizer keeps for these settings."""
    return ("e_w", *_base(hp).held_state(hp))


def pack(hp: dict, base: str = "sgd") -> list[float]:
    """The base optimizer's packed fields, then ρ, the adaptive flag and the base (1 = Adam)."""
    return [*_base(hp).pack(hp), hp["rho"], float(hp["adaptive"]), float(base == "adam")]


def step_size(h, c, state):
    """The base optimizer's effective per-coordinate step size."""
    if h[-1] != 0.0:
        return adam.step_size(h, c, state[:, ADAM_ROWS])
    return sgd.step_size(h, c, state[:, SGD_ROWS])


def latex(hp: dict, gamma: str, base: str = "sgd") -> list[str]:
    rho = tex.num(hp["rho"])
    if hp["adaptive"]:
        eps = (rf"\varepsilon_t = {rho}\,\frac{{\theta_{{t-1}}^2 \odot \nabla f(\theta_{{t-1}})}}"
               r"{\lVert |\theta_{t-1}| \odot \nabla f(\theta_{t-1}) \rVert + 10^{-12}}")
    else:
        eps = (rf"\varepsilon_t = {rho}\,\frac{{\nabla f(\theta_{{t-1}})}}"
               r"{\lVert \nabla f(\theta_{t-1}) \rVert + 10^{-12}}")
    rules = adam.latex(hp, gamma) if base == "adam" else sgd.latex(hp, gamma)
    perturbed = r"\nabla f(\theta_{t-1} + \varepsilon_t)"
    return [eps, *(line.replace(r"\nabla f(\theta_{t-1})", perturbed) for line in rules)]


@kernel(inline=True)
def _perturbation(x, y, gx, gy, rho, adaptive):
    """davda54/sam's first_step: e_w = ρ (θ² if adaptive) g / (‖(|θ| if adaptive) g‖ + 1e-12)."""
    ax = abs(x) * gx if adaptive else gx
    ay = abs(y) * gy if adaptive else gy
    scale = rho / (math.sqrt(ax * ax + ay * ay) + 1e-12)
    ex = (x * x) * gx * scale if adaptive else gx * scale
    ey = (y * y) * gy * scale if adaptive else gy * scale
    return ex, ey


@kernel
def loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
         rec_update, rec_state):
    """The whole trajectory; arguments and return as :func:`optimizers._driver._loop`."""
    steps = lrs.shape[0]
    n = h.shape[0]
    rho = h[n - 3]
    adaptive = h[n - 2] != 0.0
    on_adam = h[n - 1] != 0.0
    if on_adam:
        adam._coefficients(h, lrs, coef)
    else:
        sgd._coefficients(h, lrs, coef)
    base_sgd = state[SGD_ROWS]
    base_adam = state[ADAM_ROWS]
    ok, fx, fy = own.start(sid, sp, batch, x0, y0, xy, loss)
    if not ok:
        return 1
    x = x0
    y = y0
    for t in range(1, steps + 1):
        nx, ny, kx, ky = own.draws(noise, drop, t)
        gx, gy = own.received(fx, fy, nx, ny, kx, ky)
        ex, ey = _perturbation(x, y, gx, gy, rho, adaptive)
        _, sx, sy = own.noisy_grad(sid, sp, batch, t, x + ex, y + ey, nx, ny, kx, ky)
        px = x
        py = y
        if on_adam:
            x = adam._update(0, px, sx, base_adam, h, coef, t)
            y = adam._update(1, py, sy, base_adam, h, coef, t)
        else:
            x = sgd._update(0, px, sx, base_sgd, h, coef, t)
            y = sgd._update(1, py, sy, base_sgd, h, coef, t)
        state[E_W, 0] = ex
        state[E_W, 1] = ey
        ok, fx, fy = own.finish(t, x, y, px, py, sx, sy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
    return steps + 1

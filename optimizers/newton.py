r"""Newton's method with the exact Hessian. Not in ``torch.optim``: torch has no optimizer that
takes second derivatives (its L-BFGS builds a curvature estimate from gradients alone).

Each update takes the gradient g and the exact Hessian H of the surface at θ
(:func:`landscapes._kernels.hessian`) and steps to where the quadratic model says the gradient
vanishes::

    g_t = ∇f(θ_{t-1}),  H_t = ∇²f(θ_{t-1})
    d_t = -H_t⁻¹ g_t
    θ_t = θ_{t-1} + γ_t d_t                          (γ = lr, default 1)

With γ = 1 a quadratic is minimised in one step, whatever its conditioning.

The rule for an indefinite or singular Hessian: H is used as it is, so Newton's method heads
for the nearest stationary point of the quadratic model, be it a minimum, a saddle or a
maximum; that is what the damped variant (:mod:`optimizers.levenberg_marquardt`) corrects. H is
taken as singular when |det H| ≤ 10⁻¹² ‖H‖²_F (the smaller eigenvalue is then about 10⁻¹² of
the larger, or less): the step is then the minimum-norm least-squares solution of
H d = -g (d = -H⁺ g, the pseudo-inverse): along the eigenvector of the larger eigenvalue λ₁,
d = -(v₁·g / λ₁) v₁, and nothing along the other. When H is zero the step is zero. No
division by zero happens.

Noise and sparsity apply to the gradient only; the Hessian is the surface's, at the point.
Stopping (a step leaving the limit box, a non-finite value, a typed formula undefined) is
that of every other optimizer (:func:`optimizers._ownloop.finish`). Where the Hessian is not
finite (a typed formula whose second derivative is infinite or undefined at the point, as
x^1.5 at x = 0) the step is not finite either, and the run stops there as at any other
non-finite value ("left the domain" for a typed formula).

State shown: ``d`` (the direction -H⁻¹ g, before γ), ``t`` (γ, the step length along it),
``eigenvalues`` (H's, larger first), ``hessian_diag`` (∂²f/∂x², ∂²f/∂y²), ``hessian_xy``
(∂²f/∂x∂y) and ``singular`` (1 when the pseudo-inverse was taken). The effective step size per
coordinate is t (the step is t·d).

Reference: Nocedal & Wright (2006), Numerical Optimization, 2nd ed., Springer, ch. 3.3 and 3.4.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import kernel

from . import _ownloop as own
from ._spec import lr_hyper, packed

#: Not a torch.optim optimizer: no torch reference to compare with (tests/test_refs.py), and the
#: page says so beside its rule.
IN_TORCH = False

SPEC = {"lr": lr_hyper(1.0, ui_high=2.0)}

STATE = ("d", "t", "eigenvalues", "hessian_diag", "hessian_xy", "singular")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "d": "is the Newton direction -H⁻¹g",
    "t": "the step length along it",
    "eigenvalues": "the Hessian's eigenvalues, larger first",
    "hessian_diag": "the Hessian's diagonal",
    "hessian_xy": "its off-diagonal entry",
    "singular": "1 when the Hessian was singular (pseudo-inverse step)",
}
#: State entries that are one number, not one per coordinate.
SCALAR_STATE = frozenset({"t", "hessian_xy", "singular"})
D, T, EIG, HDIAG, HXY, FLAG = range(len(STATE))

FIELDS = ("saddle_free", "damping")
SADDLE_FREE, DAMPING = range(len(FIELDS))

#: No per-step table: the loop reads the learning rates directly.
COEFFS = 1

#: H counts as singular when |det H| ≤ SINGULAR · ‖H‖²_F.
SINGULAR = 1e-12


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, saddle_free=0.0, damping=0.0)


def step_size(h, c, state):
    """The step length t of each recorded update, for both coordinates (the step is t·d)."""
    return np.repeat(state[:, T, :1], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    return [r"g_t = \nabla f(\theta_{t-1}), \quad H_t = \nabla^2 f(\theta_{t-1})",
            r"d_t = -H_t^{-1} g_t \ \ (-H_t^{+} g_t \text{ when } |\det H_t| \le 10^{-12}"
            r"\lVert H_t\rVert_F^2)",
            rf"\theta_t = \theta_{{t-1}} + \gamma_t\, d_t, \quad {gamma}",
            r"\text{Not in torch.optim: exact second derivatives}"]


@kernel(inline=True)
def eigen(hxx, hxy, hyy):
    """Eigenvalues (λ₁ ≥ λ₂) of the symmetric matrix [[hxx, hxy], [hxy, hyy]] and the unit
    eigenvector (c, s) of λ₁ (the other is (-s, c))."""
    if hxy == 0.0:  # diagonal: the axes, exactly
        return (hxx, hyy, 1.0, 0.0) if hxx >= hyy else (hyy, hxx, 0.0, 1.0)
    m = 0.5 * (hxx + hyy)
    h = 0.5 * (hxx - hyy)
    r = math.hypot(h, hxy)
    if r == 0.0:
        return m, m, 1.0, 0.0
    phi = 0.5 * math.atan2(hxy, h)
    return m + r, m - r, math.cos(phi), math.sin(phi)


@kernel(inline=True)
def direction(gx, gy, hxx, hxy, hyy, saddle_free, damping):
    """The direction d and whether the singular rule was taken (1.0) or how many of H's
    eigenvalues were negative and flipped (saddle-free), with H's eigenvalues."""
    l1, l2, c, s = eigen(hxx, hxy, hyy)
    if saddle_free != 0.0:
        # (|H| + λI)⁻¹ g through H's eigenvectors: each eigenvalue's sign dropped.
        a1 = c * gx + s * gy
        a2 = -s * gx + c * gy
        k1 = a1 / (abs(l1) + damping)
        k2 = a2 / (abs(l2) + damping)
        flipped = (1.0 if l1 < 0.0 else 0.0) + (1.0 if l2 < 0.0 else 0.0)
        return -(c * k1 - s * k2), -(s * k1 + c * k2), flipped, l1, l2
    det = hxx * hyy - hxy * hxy
    norm2 = hxx * hxx + 2.0 * hxy * hxy + hyy * hyy
    if abs(det) > SINGULAR * norm2:
        return ((hxy * gy - hyy * gx) / det, (hxy * gx - hxx * gy) / det, 0.0, l1, l2)
    # singular (or not finite): the minimum-norm least-squares step along the eigenvector of
    # the eigenvalue of larger magnitude; zero when H is zero
    if abs(l2) > abs(l1):
        lb, vx, vy = l2, -s, c
    else:
        lb, vx, vy = l1, c, s
    if lb == 0.0:
        return 0.0, 0.0, 1.0, l1, l2
    k = (vx * gx + vy * gy) / lb
    return -k * vx, -k * vy, 1.0, l1, l2


@kernel
def loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
         rec_update, rec_state):
    """The whole trajectory, one Newton step per update (saddle-free and damped when
    ``h[SADDLE_FREE]`` is set: :mod:`optimizers.levenberg_marquardt`); arguments and return
    as :func:`optimizers._driver._loop`. ``state`` rows follow ``STATE``."""
    steps = lrs.shape[0]
    x = x0
    y = y0
    ok, fx, fy = own.start(sid, sp, batch, x0, y0, xy, loss)
    if not ok:
        return 1
    for t in range(1, steps + 1):
        nx, ny, kx, ky = own.draws(noise, drop, t)
        gx, gy = own.received(fx, fy, nx, ny, kx, ky)
        hxx, hxy, hyy = own.seen_hessian(sid, sp, batch, t, x, y)
        dx, dy, flag, l1, l2 = direction(gx, gy, hxx, hxy, hyy, h[SADDLE_FREE], h[DAMPING])
        if not (math.isfinite(hxx) and math.isfinite(hxy) and math.isfinite(hyy)):
            dx = math.nan  # no curvature to step by: the run stops here (own.finish)
            dy = math.nan
        lr = lrs[t - 1]
        px = x
        py = y
        x = px + lr * dx
        y = py + lr * dy
        state[D, 0] = dx
        state[D, 1] = dy
        state[T, 0] = lr
        state[T, 1] = lr
        state[EIG, 0] = l1
        state[EIG, 1] = l2
        state[HDIAG, 0] = hxx
        state[HDIAG, 1] = hyy
        state[HXY, 0] = hxy
        state[HXY, 1] = hxy
        state[FLAG, 0] = flag
        state[FLAG, 1] = flag
        ok, fx, fy = own.finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
    return steps + 1

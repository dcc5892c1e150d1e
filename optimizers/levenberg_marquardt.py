r"""Newton's method damped in the way of Levenberg and Marquardt, made saddle-free. Not in
``torch.optim``: torch has no optimizer that takes second derivatives.

Each update takes the gradient g and the exact Hessian H of the surface at θ
(:func:`landscapes._kernels.hessian`) and steps by the damped Newton direction::

    g_t = ∇f(θ_{t-1}),  H_t = ∇²f(θ_{t-1}) = Σᵢ λᵢ vᵢ vᵢᵀ
    d_t = -(|H_t| + λ I)⁻¹ g_t,   |H_t| = Σᵢ |λᵢ| vᵢ vᵢᵀ
    θ_t = θ_{t-1} + γ_t d_t                          (γ = lr, default 1; λ = damping, default 0.01)

Where H is positive semi-definite, |H| = H and this is the Levenberg–Marquardt step
-(H + λI)⁻¹ g: λ → 0 gives Newton's step, a large λ gradient descent with step γ/λ.

The rule for an indefinite Hessian: each negative eigenvalue is taken with its sign dropped
(|H|, the saddle-free Newton method of Dauphin et al. 2014), so |H| + λI is positive definite
for every λ > 0 and every step is a descent direction (g·d < 0 unless g = 0). Along a
direction of negative curvature the step goes downhill, by the gradient over the curvature's
size: a saddle repels it as strongly as a minimum of the same curvature attracts it. It is
chosen over shifting the eigenvalues (H + (λ + max(0, -λ_min)) I) because it keeps Newton's
scaling in every direction: the shift makes the step along the negative curvature depend on λ
alone (it is the gradient over λ there), so a small damping gives a huge step off a saddle.
The damping is at least 10⁻⁸, so |H| + λI is never singular.

Noise and sparsity apply to the gradient only; the Hessian is the surface's, at the point.
Stopping (a step leaving the limit box, a non-finite value, a typed formula undefined) is that
of every other optimizer (:func:`optimizers._ownloop.finish`); where the Hessian is not finite
the run stops, as Newton's does (:mod:`optimizers.newton`).

State shown: ``d`` (the direction, before γ), ``t`` (γ, the step length along it),
``eigenvalues`` (H's, larger first), ``hessian_diag`` (∂²f/∂x², ∂²f/∂y²), ``hessian_xy``
(∂²f/∂x∂y) and ``flipped`` (how many of H's eigenvalues were negative and had their sign
dropped). The effective step size per coordinate is t (the step is t·d).

References: Levenberg (1944), A method for the solution of certain non-linear problems in least
squares, Quarterly of Applied Mathematics 2(2); Marquardt (1963), An algorithm for
least-squares estimation of nonlinear parameters, SIAM J. Appl. Math. 11(2); Dauphin et al.
(2014), Identifying and attacking the saddle point problem in high-dimensional non-convex
optimization, NeurIPS.
"""

from __future__ import annotations

from ._latex import num
from ._spec import Hyper, lr_hyper, packed
from .newton import COEFFS, FIELDS, loop, step_size  # noqa: F401  (one compiled loop for both)

#: Not a torch.optim optimizer (see :data:`optimizers.newton.IN_TORCH`).
IN_TORCH = False

#: The smallest and largest damping: |H| + λI stays invertible, and a larger λ is gradient
#: descent with a step too small to see.
MIN_DAMPING = 1e-8
MAX_DAMPING = 1e6

SPEC = {
    "lr": lr_hyper(1.0, ui_high=2.0),
    "damping": Hyper("damping", 1e-2, MIN_DAMPING, MAX_DAMPING, label="damping λ",
                     error="Invalid damping", ui_low=1e-6, ui_high=100.0, log=True,
                     symbol="λ",
                     help="Added to each curvature's size: small is Newton's step, large is "
                          "gradient descent with step lr/λ."),
}

STATE = ("d", "t", "eigenvalues", "hessian_diag", "hessian_xy", "flipped")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "d": "is the direction -(|H| + λI)⁻¹g",
    "t": "the step length along it",
    "eigenvalues": "the Hessian's eigenvalues, larger first",
    "hessian_diag": "the Hessian's diagonal",
    "hessian_xy": "its off-diagonal entry",
    "flipped": "how many negative eigenvalues had their sign dropped",
}
#: State entries that are one number, not one per coordinate.
SCALAR_STATE = frozenset({"t", "hessian_xy", "flipped"})


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    return packed(FIELDS, saddle_free=1.0, damping=hp["damping"])


def latex(hp: dict, gamma: str) -> list[str]:
    return [r"g_t = \nabla f(\theta_{t-1}), \quad H_t = \nabla^2 f(\theta_{t-1}) = "
            r"\textstyle\sum_i \lambda_i v_i v_i^\top",
            rf"d_t = -\left(|H_t| + {num(hp['damping'])}\, I\right)^{{-1}} g_t, \quad "
            r"|H_t| = \textstyle\sum_i |\lambda_i|\, v_i v_i^\top",
            rf"\theta_t = \theta_{{t-1}} + \gamma_t\, d_t, \quad {gamma}",
            r"\text{Not in torch.optim: exact second derivatives}"]

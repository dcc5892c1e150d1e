r"""Adafactor (``torch.optim.Adafactor``, PyTorch 2.13): factored second moments and a step
scaled by the size of the parameter itself.

The point (x, y) is the 1×2 matrix W = [x y], as for Muon, so torch takes its factored path: it
keeps a row factor R (one number: the running mean of g² over the row, i.e. over both
coordinates) and a column factor C (one number per column, i.e. per coordinate). At update
:math:`t = 1, 2, \dots` with learning rate :math:`\gamma_t` and gradient G = [gx gy]::

    ω_t = t^τ                            τ = beta2_decay ≤ 0   (ω_1 = 1: the first step
                                                                  replaces R and C)
    ρ_t = min(γ_t, 1/√t)                 relative step size
    α_t = max(ε2, RMS(W_{t-1})) · ρ_t    RMS(W) = ‖W‖ / √2: the size of the point itself
    W ← W (1 - γ_t λ)                    λ = weight_decay (decoupled; after α_t is taken)
    R_t = lerp(R_{t-1}, (gx² + gy²)/2, ω_t)           row_var, R_0 = 0
    C_t = lerp(C_{t-1}, [gx²  gy²], ω_t)              col_var, C_0 = 0
    V_t = R_t C_t / max(R_t, ε1)                      (the factored estimate)
    U_t = G / sqrt(max(V_t, ε1²))
    W_t = W - α_t U_t / max(1, RMS(U_t)/d)           d = clipping threshold

For one row the factorisation is exact: R_t is the mean of the columns' C_t, and
V_t = R_t C_t / R_t = C_t, the per-coordinate running mean of g² (torch's unfactored path for a
vector, ``variance``, gives the same steps up to rounding); so U is g divided by its own RMS
history, as in RMSProp without ε, and clipped to RMS ≤ d.

What makes Adafactor different on this map: its step is α_t ≈ γ · RMS(θ), proportional to the
distance of the point from the origin (ε2 = 1e-3 sets a floor near the origin). Moving the
surface, or the origin, changes the race: a start far from (0, 0) takes long steps, one near
it takes steps of about ε2 γ, and weight decay shrinks toward the origin too. γ only caps the
relative step (ρ_t = γ while γ < 1/√t: for γ = 0.01 that holds for the first 10,000 steps).

Conventions (as torch): ε1 = None means the machine epsilon of the parameter's dtype, 2⁻⁵²
for the float64 used here (the app writes it as that number); ε1 is squared before the square
root ("to keep eps1's magnitude"); lerp is torch's two-branch formula with a fused
multiply-add; norms are sqrt(x² + y²) with a fused multiply-add, as torch's CPU norm computes
them; rsqrt is 1/sqrt. torch's Adafactor has no first moment (no β1) and no ``maximize`` here
(the app minimises); ``foreach`` changes only how torch batches tensors.

The recorded state is torch's: ``row_var`` (one number, shown in both coordinates) and
``col_var``. The effective step size is α_t / max(1, RMS(U_t)/d) / sqrt(max(V_t, ε1²)), the
factor applied to each coordinate's gradient.

Reference: N. Shazeer & M. Stern (2018), "Adafactor: Adaptive Learning Rates with Sublinear
Memory Cost", ICML.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from landscapes._jit import kernel

from . import _latex as tex
from . import _ownloop as own
from ._ownloop import fma
from ._spec import MOST, Hyper, lr_hyper, packed, weight_decay_hyper

#: torch's ε1 = None for a float64 parameter: ``torch.finfo(torch.float64).eps``.
EPS1_NONE = sys.float_info.epsilon
_ROOT2 = 2**0.5  # param.numel() ** 0.5


@dataclass(frozen=True)
class _Eps(Hyper):
    """``eps = (ε1, ε2)``: ε1 may be None, torch's "the dtype's machine epsilon"."""

    def check(self, value):
        if isinstance(value, tuple | list) and len(value) == 2 and value[0] is None:
            value = (EPS1_NONE, value[1])
        return super().check(value)


SPEC = {
    "lr": lr_hyper(1e-2),
    "beta2_decay": Hyper("beta2_decay", -0.8, -MOST, 0.0, label="beta2_decay τ",
                         error="beta2_decay should be <= 0 but is", ui_low=-1.0, ui_high=0.0,
                         symbol="τ",
                         help="The second-moment average weighs the new g² by t^τ: τ = 0 "
                              "keeps only the latest, τ = -1 averages all equally."),
    "eps": _Eps("eps", (EPS1_NONE, 1e-3), 0.0, math.inf, kind="pair", label="eps",
                labels=("ε1 (None: 2.2e-16)", "ε2 (floor of RMS θ)"),
                error="epsilon should be >= 0 but is", ui_low=0.0, ui_high=1.0, symbol="ε",
                help="ε1 floors the second moment (as ε1²); ε2 floors RMS(θ) in the step size."),
    "d": Hyper("d", 1.0, 1.0, math.inf, label="clipping threshold d",
               error="Clipping threshold d should be >= 1 but is", high_open=True, ui_low=1.0,
               ui_high=10.0, symbol="d",
               help="The normalised update is shrunk to RMS d when it is larger."),
    "weight_decay": weight_decay_hyper(0.0, decoupled=True),
}

STATE = ("row_var", "col_var")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "row_var": "is the row factor: the running mean of g² over both coordinates",
    "col_var": "the column factors: each coordinate's running mean of g²",
}
#: State entries that are one number, not one per coordinate.
SCALAR_STATE = frozenset({"row_var"})
ROW, COL = range(len(STATE))

FIELDS = ("beta2_decay", "eps1", "eps2", "d", "weight_decay")
BETA2_DECAY, EPS1, EPS2, D, WEIGHT_DECAY = range(len(FIELDS))


def check(hp: dict) -> None:
    return None


def pack(hp: dict) -> list[float]:
    e1, e2 = hp["eps"]
    return packed(FIELDS, beta2_decay=hp["beta2_decay"], eps1=e1, eps2=e2, d=hp["d"],
                  weight_decay=hp["weight_decay"])


#: Per-step scalars: ω_t, ρ_t, the decay's factor 1 - γ_t λ, and (written by the loop) the
#: factor α_t / max(1, RMS(U_t)/d) of each update.
COEFFS = 4


def step_size(h, c, state):
    """α_t / max(1, RMS(U_t)/d) / sqrt(max(V_t, ε1²)) per coordinate: what multiplies g."""
    r = state[:, ROW, :1]
    v = r * state[:, COL] / np.maximum(r, h[EPS1])
    return c[3][:, None] / np.sqrt(np.maximum(v, h[EPS1] * h[EPS1]))


def latex(hp: dict, gamma: str) -> list[str]:
    tau = tex.num(hp["beta2_decay"])
    e1, e2 = hp["eps"]
    lines = [rf"\omega_t = t^{{{tau}}}, \quad \alpha_t = \max({tex.num(e2)},\ "
             r"\mathrm{RMS}(\theta_{t-1}))\,\min(\gamma_t, 1/\sqrt{t})"]
    lines += tex.decay(hp["weight_decay"])
    lines += [r"R_t = (1-\omega_t) R_{t-1} + \omega_t\,\tfrac12 (g_x^2 + g_y^2), \quad "
              r"C_t = (1-\omega_t) C_{t-1} + \omega_t\, g_t^2",
              rf"U_t = g_t / \sqrt{{\max(R_t C_t / \max(R_t, {tex.num(e1)}),\ "
              rf"({tex.num(e1)})^2)}}",
              rf"\theta_t = \theta_{{t-1}} - \frac{{\alpha_t\, U_t}}{{\max(1,\ "
              rf"\mathrm{{RMS}}(U_t)/{tex.num(hp['d'])})}}, \quad {gamma}"]
    return lines


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        t = float(k + 1)
        c[0, k] = t ** h[BETA2_DECAY]
        c[1, k] = min(lrs[k], 1.0 / t**0.5)
        c[2, k] = 1.0 - lrs[k] * h[WEIGHT_DECAY]
        c[3, k] = 0.0


@kernel(inline=True)
def _lerp(start, end, weight):
    """torch.lerp on the CPU: two branches, each a fused multiply-add."""
    if abs(weight) < 0.5:
        return fma(weight, end - start, start)
    return fma(weight - 1.0, end - start, end)


@kernel(inline=True)
def _norm(a, b):
    """‖(a, b)‖ as torch's CPU norm computes it."""
    return math.sqrt(fma(b, b, a * a))


@kernel(inline=True)
def _step(x, y, gx, gy, state, h, c, t):
    """One update; returns the new point and the factor applied to U_t."""
    omega = c[0, t - 1]
    alpha = max(h[EPS2], _norm(x, y) / _ROOT2) * c[1, t - 1]
    if h[WEIGHT_DECAY] != 0.0:
        x = x * c[2, t - 1]
        y = y * c[2, t - 1]
    gn = _norm(gx, gy)
    r = _lerp(state[ROW, 0], gn * gn / 2.0, omega)
    cx = _lerp(state[COL, 0], gx * gx, omega)
    cy = _lerp(state[COL, 1], gy * gy, omega)
    state[ROW, 0] = r
    state[ROW, 1] = r
    state[COL, 0] = cx
    state[COL, 1] = cy
    e1 = h[EPS1]
    floor = max(r, e1)
    vx = max(r * cx / floor, e1 * e1)
    vy = max(r * cy / floor, e1 * e1)
    ux = 1.0 / math.sqrt(vx) * gx
    uy = 1.0 / math.sqrt(vy) * gy
    denom = max(1.0, _norm(ux, uy) / (_ROOT2 * h[D]))
    scale = alpha / denom
    return fma(-scale, ux, x), fma(-scale, uy, y), scale


@kernel
def loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
         rec_update, rec_state):
    """The whole trajectory; arguments and return as :func:`optimizers._driver._loop`."""
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
        x, y, scale = _step(px, py, gx, gy, state, h, coef, t)
        coef[3, t - 1] = scale
        ok, fx, fy = own.finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
    return steps + 1

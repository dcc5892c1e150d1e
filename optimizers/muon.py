r"""Muon: momentum orthogonalised by Newton–Schulz (``torch.optim.Muon``, PyTorch 2.13).

Muon updates a matrix parameter, and torch's Muon refuses any other: the point (x, y) is taken
as the 1×2 matrix W = [x y] (one row, two columns; A = 1, B = 2 below), whose gradient is the
1×2 matrix G = [gx gy]. At update :math:`t = 1, 2, \dots` with learning rate :math:`\gamma_t`::

    B_t = lerp(B_{t-1}, G_t, 1 - μ)  = μ B_{t-1} + (1 - μ) G_t      B_0 = 0 (momentum_buffer)
    nesterov:  B̃_t = lerp(G_t, B_t, μ) = (1 - μ) G_t + μ B_t         else  B̃_t = B_t
    O_t = NS_k(B̃_t)                      k = ns_steps Newton–Schulz iterations (below)
    W_t = W_{t-1} (1 - γ_t λ)             λ = weight_decay (decoupled, with the unadjusted γ_t)
    W_t = W_t - γ'_t O_t                  γ'_t = γ_t · r

    NS_k(M):  X = M / max(‖M‖_F, ε);  k times:  S = X Xᵀ;  X = a X + (b S + c S²) X
              with (a, b, c) = (3.4445, -4.7750, 2.0315) (ns_coefficients), in bfloat16

    r = sqrt(max(1, A/B)) = 1                 adjust_lr_fn None or "original" (the default)
    r = 0.2 sqrt(max(A, B)) = 0.2 √2 ≈ 0.283  adjust_lr_fn "match_rms_adamw"

What orthogonalisation does to one row: M = [u v] has rank one, one singular value ‖M‖ and
M / ‖M‖ already orthogonal. Each iteration maps that singular value s to
p(s) = a s + b s³ + c s⁵ and keeps the direction, so NS_k(M) = σ_k · M / ‖M‖ with, in exact
arithmetic, σ_0 = 1, σ_1 = p(1) ≈ 0.70, σ_2 ≈ 1.11, σ_3 ≈ 0.72, σ_4 ≈ 1.09 and σ_5 ≈ 0.70 at
torch's coefficients (which push small singular values up fast and do not converge to 1: they
swing between about 0.7 and 1.1); torch's bfloat16 arithmetic gives σ_5 between 0.67 and 0.72,
depending on the direction. On this 1×2 matrix Muon is therefore a *normalised momentum step*:
every update has the same length, about 0.7 γ'_t with the defaults, in the direction of the
(Nesterov) momentum, whatever the gradient's size; only weight decay adds to it. The weight
decay pulls by γ λ ‖W‖ toward the origin against a step of fixed length γ σ, so Muon cannot
stay farther than about σ/λ from the origin (≈ 6.9 at torch's default λ = 0.1): it settles at
the minimum of f within that disc, on its edge when the minimum lies beyond it. Set λ = 0 to
race it to the minimum wherever it is.

Conventions (as torch): the buffer is an exponential average (``lerp``), not the μB + G its
docstring writes, and its first value is (1 - μ) G_1; Nesterov interpolates from G toward B by
μ. ``lerp`` is torch's two-branch formula with each branch a fused multiply-add, and the step
adds -γ'_t O_t with a fused multiply-add, as torch's CPU kernels compute them. Newton–Schulz
runs in bfloat16 as torch does: B̃ is rounded to bfloat16 (via float32), and each operation
(the Frobenius norm, the division, the products and the sums of ``addmm``) is computed in
float32 and rounded to bfloat16, so O_t has 8 significant bits and each update is O_t's exact
value times γ'_t, added to the float64 point. The norm is clamped at ε (bfloat16) before
dividing, so a zero momentum gives O = 0. r uses the shape 1×2, so "original" leaves γ as it
is; a 2×1 matrix would take r = √2 instead (the same steps, √2 longer). ns_coefficients are
torch's and fixed here (the app offers no three-number setting); ns_steps runs from 0 (the
momentum normalised to length 1) to 99 (torch refuses 100 or more). torch accepts any
momentum ≥ 0; the app's widget offers [0, 0.999].

The recorded state is the momentum buffer and the orthogonalised update O_t; the effective step
size is γ'_t ‖O_t‖, the length of the step before weight decay.

References: K. Jordan et al. (2024), "Muon: An optimizer for hidden layers in neural networks",
kellerjordan.github.io/posts/muon; J. Liu et al. (2025), "Muon is Scalable for LLM Training",
arXiv:2502.16982 (the "match_rms_adamw" adjustment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from landscapes._jit import kernel

from . import _latex as tex
from . import _ownloop as own
from ._ownloop import fma
from ._spec import Hyper, lr_hyper, packed

#: torch's Newton–Schulz coefficients (a, b, c) and its default number of iterations.
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
#: torch raises for ns_steps >= 100.
MOST_NS_STEPS = 99
#: The parameter's shape (rows, columns): the point as one row.
SHAPE = (1, 2)


@dataclass(frozen=True)
class _AdjustLR(Hyper):
    """``adjust_lr_fn``: torch takes None or "original" (the same rule) or "match_rms_adamw";
    the app shows a switch for the second."""

    def check(self, value):
        if value is None or value is False or value == 0 or value == "original":
            return False
        if value is True or value == 1 or value == "match_rms_adamw":
            return True
        raise ValueError(f"Adjust learning rate function {value!r} is not supported (None, "
                         "'original' or 'match_rms_adamw')")


SPEC = {
    "lr": lr_hyper(1e-3),
    "weight_decay": Hyper("weight_decay", 0.1, 0.0, math.inf, label="weight decay",
                          error="weight decay should be >= 0 but is", high_open=True,
                          ui_low=0.0, ui_high=0.5, symbol="wd",
                          help="Decoupled: the point shrinks by lr·wd each step, pulling it "
                               "toward the origin."),
    "momentum": Hyper("momentum", 0.95, 0.0, math.inf, label="momentum μ",
                      error="momentum should be >= 0 but is", high_open=True, ui_low=0.0,
                      ui_high=0.999, symbol="μ",
                      help="Weight of the old buffer in its running average."),
    "nesterov": Hyper("nesterov", True, kind="bool", label="Nesterov", symbol="Nesterov",
                      help="Orthogonalise (1-μ)·g + μ·buffer instead of the buffer."),
    "eps": Hyper("eps", 1e-7, 0.0, math.inf, label="eps", error="Invalid epsilon value",
                 high_open=True, ui_low=1e-12, ui_high=1.0, log=True, symbol="ε",
                 help="Smallest norm the update is divided by before Newton–Schulz."),
    "ns_steps": Hyper("ns_steps", 5.0, 0.0, math.inf, label="Newton–Schulz steps",
                      error="Invalid ns_steps", high_open=True, ui_low=0.0, ui_high=12.0,
                      symbol="k", whole=True, most=MOST_NS_STEPS,
                      help="Iterations that push the update's singular value toward 1 (a "
                           "whole number; torch refuses 100 or more)."),
    "adjust_lr_fn": _AdjustLR("adjust_lr_fn", False, kind="bool",
                              label="match AdamW's RMS (adjust_lr_fn)",
                              symbol="match_rms_adamw",
                              help="Scale γ by 0.2·√max(A, B) = 0.28 (Moonshot's rule) "
                                   "instead of √max(1, A/B) = 1 (the original)."),
}

STATE = ("momentum_buffer", "update")
#: What each state entry holds, in a few words (the step inspector's caption).
STATE_TEXT = {
    "momentum_buffer": "is the running average of gradients",
    "update": "the orthogonalised update O_t (length ≈ 0.7 after 5 Newton–Schulz steps)",
}
BUF, UPDATE = range(len(STATE))

FIELDS = ("momentum", "nesterov", "eps", "ns_steps", "ratio", "weight_decay", "a", "b", "c")
MOMENTUM, NESTEROV, EPS, NS_STEPS, RATIO, WEIGHT_DECAY, A, B, C = range(len(FIELDS))


def check(hp: dict) -> None:
    return None


def lr_ratio(match_rms_adamw: bool, shape: tuple[int, int] = SHAPE) -> float:
    """torch's ``_adjust_lr`` factor r for a parameter of ``shape``."""
    rows, cols = shape
    if match_rms_adamw:
        return 0.2 * math.sqrt(max(rows, cols))
    return math.sqrt(max(1, rows / cols))


def pack(hp: dict) -> list[float]:
    a, b, c = NS_COEFFICIENTS
    return packed(FIELDS, momentum=hp["momentum"], nesterov=hp["nesterov"], eps=hp["eps"],
                  ns_steps=hp["ns_steps"], ratio=lr_ratio(hp["adjust_lr_fn"]),
                  weight_decay=hp["weight_decay"], a=a, b=b, c=c)


#: Per-step scalars: the adjusted rate γ'_t and the decay's factor 1 - γ_t λ.
COEFFS = 2


def step_size(h, c, state):
    """γ'_t ‖O_t‖: the length of each step before weight decay, for both coordinates."""
    o = state[:, UPDATE]
    return np.repeat((c[0] * np.hypot(o[:, 0], o[:, 1]))[:, None], 2, axis=1)


def latex(hp: dict, gamma: str) -> list[str]:
    mu = hp["momentum"]
    r = lr_ratio(hp["adjust_lr_fn"])
    lines = [r"G_t = [\,\partial_x f\ \ \partial_y f\,](\theta_{t-1}) \ \text{(a 1×2 matrix)}",
             rf"B_t = {tex.num(mu)}\, B_{{t-1}} + {tex.num(1 - mu)}\, G_t"]
    b = "B_t"
    if hp["nesterov"]:
        lines.append(rf"\tilde B_t = {tex.num(1 - mu)}\, G_t + {tex.num(mu)}\, B_t")
        b = r"\tilde B_t"
    k = int(hp["ns_steps"])
    lines.append(rf"O_t = \mathrm{{NS}}_{{{k}}}({b}) = \sigma_{{{k}}}\,"
                 rf"\frac{{{b}}}{{\lVert {b} \rVert}}\ \text{{(bfloat16; }}\sigma_{{{k}}} \approx "
                 rf"{tex.num(singular_value(k))}\text{{)}}")
    lines += tex.decay(hp["weight_decay"])
    rate = r"\gamma_t" if r == 1.0 else rf"{tex.num(r)}\,\gamma_t"
    lines.append(rf"\theta_t = \theta_{{t-1}} - {rate}\, O_t, \quad {gamma}")
    return lines


def singular_value(k: int, coefficients=NS_COEFFICIENTS) -> float:
    """σ_k: the singular value k Newton–Schulz iterations leave a rank-one matrix with (in
    exact arithmetic, from 1)."""
    a, b, c = coefficients
    s = 1.0
    for _ in range(k):
        s = a * s + b * s**3 + c * s**5
    return s


# ---- bfloat16, as torch rounds it on the CPU ------------------------------------------------


@intrinsic
def _bits(typingctx, x):
    """The bits of a float32 as a uint32."""
    sig = types.uint32(types.float32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return sig, codegen


@intrinsic
def _from_bits(typingctx, u):
    """The float32 whose bits are the uint32 ``u``."""
    sig = types.float32(types.uint32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


@kernel(inline=True)
def _bf16(x):
    """``x`` (a float32) rounded to bfloat16 (to nearest, ties to even, as c10's
    ``round_to_nearest_even``), returned as the float32 of the same value."""
    if x != x:
        return np.float32(x)
    u = np.uint32(_bits(x))
    u = np.uint32((u + ((u >> np.uint32(16)) & np.uint32(1)) + np.uint32(0x7FFF))
                  & np.uint32(0xFFFF0000))
    return _from_bits(u)


@kernel(inline=True)
def newton_schulz(u, v, h):
    """O = NS_k([u v]) as torch's ``_zeropower_via_newtonschulz`` computes it for a 1×2 matrix
    in bfloat16: every operation in float32, each result rounded to bfloat16. Returns the two
    entries as float64 (their exact values)."""
    f32 = np.float32
    a = f32(h[A])
    b = f32(h[B])
    c = f32(h[C])
    p = _bf16(f32(u))  # float64 -> bfloat16 goes through float32, as c10 converts
    q = _bf16(f32(v))
    norm = _bf16(f32(math.sqrt(p * p + q * q)))  # p², q² are exact in float32
    floor = _bf16(f32(h[EPS]))
    norm = norm if norm >= floor else floor
    p = _bf16(p / norm)
    q = _bf16(q / norm)
    for _ in range(int(h[NS_STEPS])):
        s = _bf16(p * p + q * q)  # X Xᵀ, 1×1
        w = _bf16(b * s + c * (s * s))  # addmm(S, S, S, beta=b, alpha=c)
        p, q = _bf16(a * p + w * p), _bf16(a * q + w * q)  # addmm(X, W, X, beta=a)
    return float(p), float(q)


@kernel(inline=True)
def _coefficients(h, lrs, c):
    for k in range(lrs.shape[0]):
        c[0, k] = lrs[k] * h[RATIO]
        c[1, k] = 1.0 - lrs[k] * h[WEIGHT_DECAY]


@kernel(inline=True)
def _lerp(start, end, weight):
    """torch.lerp on the CPU: two branches, each a fused multiply-add."""
    if abs(weight) < 0.5:
        return fma(weight, end - start, start)
    return fma(weight - 1.0, end - start, end)


@kernel(inline=True)
def _step(x, y, gx, gy, state, h, c, t):
    """One update of the point (x, y) with gradient (gx, gy); returns the new point."""
    mu = h[MOMENTUM]
    bx = _lerp(state[BUF, 0], gx, 1.0 - mu)
    by = _lerp(state[BUF, 1], gy, 1.0 - mu)
    state[BUF, 0] = bx
    state[BUF, 1] = by
    ux, uy = bx, by
    if h[NESTEROV] != 0.0:
        ux = _lerp(gx, bx, mu)
        uy = _lerp(gy, by, mu)
    ox, oy = newton_schulz(ux, uy, h)
    state[UPDATE, 0] = ox
    state[UPDATE, 1] = oy
    lr = c[0, t - 1]
    shrink = c[1, t - 1]
    return fma(-lr, ox, x * shrink), fma(-lr, oy, y * shrink)


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
        x, y = _step(px, py, gx, gy, state, h, coef, t)
        ok, fx, fy = own.finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss,
                                rec_grad, rec_update, rec_state)
        if not ok:
            return t
    return steps + 1

"""Pieces shared by the optimizers that run their own trajectory loop (``module.loop``) instead of
a per-coordinate step in :mod:`._driver`: SAM and Schedule-Free, which evaluate gradients at a
point other than the one they move, and L-BFGS."""

from __future__ import annotations

import math

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from landscapes._jit import kernel
from landscapes._kernels import step_crosses_undefined, undefined_somewhere, value_grad


@intrinsic
def fma(typingctx, a, b, c):
    """a·b + c rounded once, as torch's ``add_(other, alpha=...)`` computes ``self + alpha·other``
    on the CPU (fused multiply-add); compiles to the processor's FMA instruction."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d, d]),
                                            "llvm.fma.f64")
        return builder.call(fn, [context.cast(builder, v, t, types.float64)
                                 for v, t in zip(args, signature.args, strict=True)])

    return sig, codegen


@kernel(inline=True)
def draws(noise, drop, t):
    """Update ``t``'s gradient noise (nx, ny) and keep factors (kx, ky): 0 drops a coordinate.
    Every gradient taken within one update sees the same draws (one batch per update)."""
    nx = noise[t - 1, 0] if noise.shape[0] > 0 else 0.0
    ny = noise[t - 1, 1] if noise.shape[0] > 0 else 0.0
    kx = 0.0 if drop.shape[0] > 0 and drop[t - 1, 0] != 0 else 1.0
    ky = 0.0 if drop.shape[0] > 0 and drop[t - 1, 1] != 0 else 1.0
    return nx, ny, kx, ky


@kernel(inline=True)
def received(gx, gy, nx, ny, kx, ky):
    """The gradient the optimizer receives, from the true one: noise added, then drops."""
    return (gx + nx) if kx != 0.0 else 0.0, (gy + ny) if ky != 0.0 else 0.0


@kernel(inline=True)
def noisy_grad(sid, sp, x, y, nx, ny, kx, ky):
    """The loss (without noise) and the gradient the optimizer receives at (x, y)."""
    f, gx, gy = value_grad(sid, sp, x, y)
    gx, gy = received(gx, gy, nx, ny, kx, ky)
    return f, gx, gy


@kernel(inline=True)
def finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, xy, loss, rec_grad, rec_update,
           rec_state):
    """Book-keeping after update ``t`` moved (px, py) to (x, y) having received (gx, gy):
    record, evaluate the new point, store it. Returns (go on, true gradient at the new point):
    False when the run stops here (it left the limit box, reached a non-finite value or
    stepped across a point where a typed formula is undefined), as
    :func:`optimizers._driver._loop` does."""
    if not (x >= limit[0] and x <= limit[1] and y >= limit[2] and y <= limit[3]):
        if undefined_somewhere(sid, sp) and step_crosses_undefined(sp, px, py, x, y, limit):
            return False, 0.0, 0.0
        xy[t, 0] = x
        xy[t, 1] = y
        return False, 0.0, 0.0
    if rec_grad.shape[0] > 0:
        rec_grad[t - 1, 0] = gx
        rec_grad[t - 1, 1] = gy
        rec_update[t - 1, 0] = x - px
        rec_update[t - 1, 1] = y - py
        for k in range(state.shape[0]):
            rec_state[t - 1, k, 0] = state[k, 0]
            rec_state[t - 1, k, 1] = state[k, 1]
    f, fx, fy = value_grad(sid, sp, x, y)
    if not (math.isfinite(f) and math.isfinite(fx) and math.isfinite(fy)):
        return False, fx, fy
    if undefined_somewhere(sid, sp) and step_crosses_undefined(sp, px, py, x, y, limit):
        return False, fx, fy
    xy[t, 0] = x
    xy[t, 1] = y
    loss[t] = f
    return True, fx, fy


@kernel(inline=True)
def start(sid, sp, x0, y0, xy, loss):
    """Store the start; return (its loss and gradient are finite, the true gradient)."""
    f, gx, gy = value_grad(sid, sp, x0, y0)
    xy[0, 0] = x0
    xy[0, 1] = y0
    loss[0] = f
    return math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy), gx, gy

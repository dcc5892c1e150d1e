"""Pieces shared by the optimizers that run their own trajectory loop (``module.loop``) instead of
a per-coordinate step in :mod:`._driver`: SAM and Schedule-Free, which evaluate gradients at a
point other than the one they move, and L-BFGS."""

from __future__ import annotations

import math

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from landscapes._data_kernels import batch_grad, batch_gradient, batch_hess
from landscapes._jit import kernel
from landscapes._kernels import (
    hessian,
    step_crosses_undefined,
    undefined_somewhere,
    value,
    value_grad,
    value_grad_block,
)


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
def loss_grad(sid, sp, batch, t, x, y):
    """The loss at (x, y) over all the data, and the gradient update ``t`` receives there: over
    its minibatch when ``batch`` holds a batch state (a data surface with a batch size, see
    :mod:`landscapes._data_kernels`), else the whole gradient."""
    if batch.shape[0] == 0:
        return value_grad(sid, sp, x, y)
    gx, gy = batch_gradient(sp, x, y, batch, t)
    return value(sid, sp, x, y), gx, gy


@kernel(inline=True)
def loss_grad_block(sid, sp, batch, t, xs, ys, f, gx, gy):
    """:func:`loss_grad` at every point of ``xs``, ``ys`` into ``f``, ``gx``, ``gy``."""
    if batch.shape[0] == 0:
        value_grad_block(sid, sp, xs, ys, f, gx, gy)
        return
    for j in range(xs.shape[0]):
        f[j] = value(sid, sp, xs[j], ys[j])
        gx[j], gy[j] = batch_gradient(sp, xs[j], ys[j], batch, t)


@kernel(inline=True)
def seen_value_grad(sid, sp, batch, t, x, y):
    """The loss and gradient as update ``t`` sees them at (x, y): over its minibatch when
    there is one (what a closure returns to L-BFGS), else over all the data."""
    if batch.shape[0] == 0:
        return value_grad(sid, sp, x, y)
    return batch_grad(sp, x, y, batch, t)


@kernel(inline=True)
def seen_hessian(sid, sp, batch, t, x, y):
    """The exact Hessian as update ``t`` sees it at (x, y): its minibatch's, or the whole."""
    if batch.shape[0] == 0:
        return hessian(sid, sp, x, y)
    return batch_hess(sp, x, y, batch, t)


@kernel(inline=True)
def noisy_grad(sid, sp, batch, t, x, y, nx, ny, kx, ky):
    """The loss and the gradient update ``t`` receives at (x, y): over its minibatch, then
    noise and drops."""
    f, gx, gy = seen_value_grad(sid, sp, batch, t, x, y)
    gx, gy = received(gx, gy, nx, ny, kx, ky)
    return f, gx, gy


@kernel(inline=True)
def finish(t, x, y, px, py, gx, gy, state, limit, sid, sp, batch, xy, loss, rec_grad,
           rec_update, rec_state):
    """Book-keeping after update ``t`` moved (px, py) to (x, y) having received (gx, gy):
    record, evaluate the new point, store it. Returns (go on, the gradient update t + 1 will
    receive at the new point, before noise and drops: over its minibatch, if any):
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
    f, fx, fy = loss_grad(sid, sp, batch, t + 1, x, y)
    if not (math.isfinite(f) and math.isfinite(fx) and math.isfinite(fy)):
        return False, fx, fy
    if undefined_somewhere(sid, sp) and step_crosses_undefined(sp, px, py, x, y, limit):
        return False, fx, fy
    xy[t, 0] = x
    xy[t, 1] = y
    loss[t] = f
    return True, fx, fy


@kernel(inline=True)
def start(sid, sp, batch, x0, y0, xy, loss):
    """Store the start; return (its loss and gradient are finite, the gradient update 1
    receives: over its minibatch, if any)."""
    f, gx, gy = loss_grad(sid, sp, batch, 1, x0, y0)
    xy[0, 0] = x0
    xy[0, 1] = y0
    loss[0] = f
    return math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy), gx, gy

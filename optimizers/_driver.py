"""The compiled trajectory loop shared by every optimizer.

Each optimizer family has one cached entry point (``ENTRIES``) that runs the shared loop
``_loop`` for that family, on any catalogue surface chosen by an integer id. Taking integers
instead of function objects means one compiled entry per family, which Numba's on-disk cache
serves to every later process: the compile cost is paid once per install, not once per
(surface, optimizer) pair per process. ``_loop`` receives the family as a compile-time constant,
so each entry holds a loop with only its own step, inlined, and no per-step dispatch.

Numba's cache does not notice when a kernel in another module changes (a step function, a
surface); :func:`landscapes._jit.refresh_cache` clears it whenever any kernel source changed.

The step kernels update ``theta`` (length n) in place, elementwise. A single trajectory has
n = 2; many independent starts can be run as one long vector of pairs with the same kernels.
"""

from __future__ import annotations

import math

import numpy as np
from numba import literally

from landscapes._jit import kernel, refresh_cache
from landscapes._kernels import value_grad

from . import adagrad, adam, lion, nadam, rmsprop, sgd

SGD, RMSPROP, ADAM, ADAGRAD, NADAM, LION = range(6)

refresh_cache()  # before any kernel is first called: Numba reads its cache on first call


@kernel
def _sgd(*args):
    return _loop(SGD, args)


@kernel
def _rmsprop(*args):
    return _loop(RMSPROP, args)


@kernel
def _adam(*args):
    return _loop(ADAM, args)


@kernel
def _adagrad(*args):
    return _loop(ADAGRAD, args)


@kernel
def _nadam(*args):
    return _loop(NADAM, args)


@kernel
def _lion(*args):
    return _loop(LION, args)


#: One cached entry point per optimizer family, each compiled on first use (so a process that
#: races SGD and Adam compiles two loops, not six) and then served from the on-disk cache.
ENTRIES = {SGD: _sgd, RMSPROP: _rmsprop, ADAM: _adam, ADAGRAD: _adagrad, NADAM: _nadam,
           LION: _lion}


@kernel
def _loop(family, args):
    """Run up to ``len(lrs)`` updates of optimizer ``family`` from (x0, y0); return the number
    of points written. ``args`` is (h, state, sid, sp, x0, y0, lrs, noise, drop, limit, xy, loss,
    rec_grad, rec_update, rec_state, rec_eff).

    ``noise`` (steps, 2) is added to the gradient and ``drop`` (steps, 2) zeroes coordinates where
    it is non-zero; either may have zero rows (no noise / no sparsity). ``limit`` is
    (xmin, xmax, ymin, ymax): a point outside it, or any non-finite value, ends the run. The
    ``rec_*`` arrays have zero rows unless the caller records the per-step details.
    """
    literally(family)  # one loop per family: the other families' branches are pruned away
    (h, state, sid, sp, x0, y0, lrs, noise, drop, limit, xy, loss, rec_grad, rec_update,
     rec_state, rec_eff) = args
    steps = lrs.shape[0]
    record = rec_grad.shape[0] > 0
    noisy = noise.shape[0] > 0
    sparse = drop.shape[0] > 0
    theta = np.empty(2)
    g = np.empty(2)
    eff = np.empty(2 if record else 0)  # per-coordinate step size, only when recording
    aux = np.zeros(4)  # per-run scalars an optimizer keeps between steps (running powers)
    theta[0] = x0
    theta[1] = y0
    f, gx, gy = value_grad(sid, sp, x0, y0)
    xy[0, 0] = x0
    xy[0, 1] = y0
    loss[0] = f
    if not (math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy)):
        return 1
    xlo, xhi, ylo, yhi = limit[0], limit[1], limit[2], limit[3]
    for t in range(1, steps + 1):
        g[0] = gx
        g[1] = gy
        if noisy:
            g[0] += noise[t - 1, 0]
            g[1] += noise[t - 1, 1]
        if sparse:
            if drop[t - 1, 0] != 0:
                g[0] = 0.0
            if drop[t - 1, 1] != 0:
                g[1] = 0.0
        px = theta[0]
        py = theta[1]
        lr = lrs[t - 1]
        if family == SGD:
            sgd._step(theta, g, state, aux, t, lr, h, eff)
        elif family == RMSPROP:
            rmsprop._step(theta, g, state, aux, t, lr, h, eff)
        elif family == ADAM:
            adam._step(theta, g, state, aux, t, lr, h, eff)
        elif family == ADAGRAD:
            adagrad._step(theta, g, state, aux, t, lr, h, eff)
        elif family == NADAM:
            nadam._step(theta, g, state, aux, t, lr, h, eff)
        else:
            lion._step(theta, g, state, aux, t, lr, h, eff)
        x = theta[0]
        y = theta[1]
        if not (x >= xlo and x <= xhi and y >= ylo and y <= yhi):
            return t  # also catches NaN: every comparison with NaN is false
        f, gx, gy = value_grad(sid, sp, x, y)
        if not (math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy)):
            return t
        xy[t, 0] = x
        xy[t, 1] = y
        loss[t] = f
        if record:
            rec_grad[t - 1, 0] = g[0]
            rec_grad[t - 1, 1] = g[1]
            rec_update[t - 1, 0] = x - px
            rec_update[t - 1, 1] = y - py
            rec_eff[t - 1, 0] = eff[0]
            rec_eff[t - 1, 1] = eff[1]
            for k in range(state.shape[0]):
                rec_state[t - 1, k, 0] = state[k, 0]
                rec_state[t - 1, k, 1] = state[k, 1]
    return steps + 1

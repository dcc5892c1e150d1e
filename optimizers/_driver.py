"""The compiled trajectory loop shared by every optimizer.

Each optimizer family has one cached entry point (``ENTRIES``) that runs the shared loop
``_loop`` for that family, on any catalogue surface chosen by an integer id. Taking integers
instead of function objects means one compiled entry per family, which Numba's on-disk cache
serves to every later process: the compile cost is paid once per install, not once per
(surface, optimizer) pair per process. ``_loop`` receives the family as a compile-time constant,
so each entry holds a loop with only its own step, inlined, and no per-step dispatch.

Numba's cache does not notice when a kernel in another module changes (a step function, a
surface); :func:`landscapes._jit.refresh_cache` clears it whenever any kernel source changed.

Each optimizer module provides ``_coefficients(h, lrs, c)`` (the per-step scalars, shared by
every coordinate and every start) and ``_update(i, x, g, state, h, c, t)`` (one coordinate's
update, returning the new value and updating ``state[:, i]``); SGD, RMSProp and Adam also have
``_update_plain``, the same update with their optional features off, which the loop takes for
their default settings (a branch per step, outside the arithmetic). A single trajectory calls
``_update`` for i = 0 and 1; many independent starts can be run as one long vector of
coordinates, calling the same ``_update`` for every i with one shared coefficient table.
"""

from __future__ import annotations

import math

from numba import literally

from landscapes._jit import kernel, refresh_cache
from landscapes._kernels import value_grad

from . import (
    adabelief,
    adadelta,
    adagrad,
    adam,
    adamax,
    asgd,
    lion,
    nadam,
    radam,
    rmsprop,
    rprop,
    sgd,
)

# One integer per per-coordinate family; a new family adds its name here, one branch in _coefs
# and in _step, and one entry below.
(SGD, RMSPROP, ADAM, ADAGRAD, NADAM, LION, ADADELTA, ADAMAX, RADAM, RPROP, ASGD,
 ADABELIEF) = range(12)

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


@kernel
def _adadelta(*args):
    return _loop(ADADELTA, args)


@kernel
def _adamax(*args):
    return _loop(ADAMAX, args)


@kernel
def _radam(*args):
    return _loop(RADAM, args)


@kernel
def _rprop(*args):
    return _loop(RPROP, args)


@kernel
def _asgd(*args):
    return _loop(ASGD, args)


@kernel
def _adabelief(*args):
    return _loop(ADABELIEF, args)


#: One cached entry point per optimizer family, each compiled on first use (so a process that
#: races SGD and Adam compiles two loops, not six) and then served from the on-disk cache.
ENTRIES = {SGD: _sgd, RMSPROP: _rmsprop, ADAM: _adam, ADAGRAD: _adagrad, NADAM: _nadam,
           LION: _lion, ADADELTA: _adadelta, ADAMAX: _adamax, RADAM: _radam, RPROP: _rprop,
           ASGD: _asgd, ADABELIEF: _adabelief}


@kernel(inline=True)
def _plain(family, h):
    """Whether settings ``h`` of ``family`` take the family's short update (``_update_plain``,
    its optional features off). Computed once per run, before the loop."""
    if family == SGD:
        return sgd._is_plain(h)
    if family == RMSPROP:
        return rmsprop._is_plain(h)
    if family == ADAM:
        return adam._is_plain(h)
    return False


def is_plain(family: int, h) -> bool:
    """``_plain`` from Python."""
    check = getattr(MODULES.get(family), "_is_plain", None)
    return bool(check(h)) if check is not None else False


#: The module of each per-coordinate family.
MODULES = {SGD: sgd, RMSPROP: rmsprop, ADAM: adam, ADAGRAD: adagrad, NADAM: nadam, LION: lion,
           ADADELTA: adadelta, ADAMAX: adamax, RADAM: radam, RPROP: rprop, ASGD: asgd,
           ADABELIEF: adabelief}


@kernel
def _loop(family, args):
    """Run up to ``len(lrs)`` updates of optimizer ``family`` from (x0, y0); return the number
    of points written. ``args`` is (h, state, coef, sid, sp, x0, y0, lrs, noise, drop, limit, xy,
    loss, rec_grad, rec_update, rec_state).

    ``coef`` (COEFFS of the family, steps) receives the per-step scalars (bias corrections,
    scheduled factors) before the loop starts, so the loop itself only carries each
    coordinate's dependency chain. ``noise`` (steps, 2) is added to the gradient and ``drop``
    (steps, 2) zeroes coordinates where it is non-zero; either may have zero rows (no noise /
    no sparsity). ``limit`` is (xmin, xmax, ymin, ymax): a point outside it, or any non-finite
    value, ends the run. The ``rec_*`` arrays have zero rows unless the caller records the
    per-step details.
    """
    literally(family)  # one loop per family: the other families' branches are pruned away
    (h, state, coef, sid, sp, x0, y0, lrs, noise, drop, limit, xy, loss, rec_grad, rec_update,
     rec_state) = args
    steps = lrs.shape[0]
    record = rec_grad.shape[0] > 0
    noisy = noise.shape[0] > 0
    sparse = drop.shape[0] > 0
    if family == SGD:
        sgd._coefficients(h, lrs, coef)
    elif family == RMSPROP:
        rmsprop._coefficients(h, lrs, coef)
    elif family == ADAM:
        adam._coefficients(h, lrs, coef)
    elif family == ADAGRAD:
        adagrad._coefficients(h, lrs, coef)
    elif family == NADAM:
        nadam._coefficients(h, lrs, coef)
    elif family == LION:
        lion._coefficients(h, lrs, coef)
    elif family == ADADELTA:
        adadelta._coefficients(h, lrs, coef)
    elif family == ADAMAX:
        adamax._coefficients(h, lrs, coef)
    elif family == RADAM:
        radam._coefficients(h, lrs, coef)
    elif family == RPROP:
        rprop._coefficients(h, lrs, coef)
    elif family == ASGD:
        asgd._coefficients(h, lrs, coef)
    elif family == ADABELIEF:
        adabelief._coefficients(h, lrs, coef)
    plain = _plain(family, h)
    x = x0
    y = y0
    f, gx, gy = value_grad(sid, sp, x0, y0)
    xy[0, 0] = x0
    xy[0, 1] = y0
    loss[0] = f
    if not (math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy)):
        return 1
    xlo, xhi, ylo, yhi = limit[0], limit[1], limit[2], limit[3]
    for t in range(1, steps + 1):
        if noisy:
            gx += noise[t - 1, 0]
            gy += noise[t - 1, 1]
        if sparse:
            if drop[t - 1, 0] != 0:
                gx = 0.0
            if drop[t - 1, 1] != 0:
                gy = 0.0
        px = x
        py = y
        # One family's update, both coordinates in one straight-line block (the steps select
        # instead of branching), so the CPU overlaps their arithmetic.
        if family == SGD:
            if plain:
                x = sgd._update_plain(0, px, gx, state, h, coef, t)
                y = sgd._update_plain(1, py, gy, state, h, coef, t)
            else:
                x = sgd._update(0, px, gx, state, h, coef, t)
                y = sgd._update(1, py, gy, state, h, coef, t)
        elif family == RMSPROP:
            if plain:
                x = rmsprop._update_plain(0, px, gx, state, h, coef, t)
                y = rmsprop._update_plain(1, py, gy, state, h, coef, t)
            else:
                x = rmsprop._update(0, px, gx, state, h, coef, t)
                y = rmsprop._update(1, py, gy, state, h, coef, t)
        elif family == ADAM:
            if plain:
                x = adam._update_plain(0, px, gx, state, h, coef, t)
                y = adam._update_plain(1, py, gy, state, h, coef, t)
            else:
                x = adam._update(0, px, gx, state, h, coef, t)
                y = adam._update(1, py, gy, state, h, coef, t)
        elif family == ADAGRAD:
            x = adagrad._update(0, px, gx, state, h, coef, t)
            y = adagrad._update(1, py, gy, state, h, coef, t)
        elif family == NADAM:
            x = nadam._update(0, px, gx, state, h, coef, t)
            y = nadam._update(1, py, gy, state, h, coef, t)
        elif family == LION:
            x = lion._update(0, px, gx, state, h, coef, t)
            y = lion._update(1, py, gy, state, h, coef, t)
        elif family == ADADELTA:
            x = adadelta._update(0, px, gx, state, h, coef, t)
            y = adadelta._update(1, py, gy, state, h, coef, t)
        elif family == ADAMAX:
            x = adamax._update(0, px, gx, state, h, coef, t)
            y = adamax._update(1, py, gy, state, h, coef, t)
        elif family == RADAM:
            x = radam._update(0, px, gx, state, h, coef, t)
            y = radam._update(1, py, gy, state, h, coef, t)
        elif family == RPROP:
            x = rprop._update(0, px, gx, state, h, coef, t)
            y = rprop._update(1, py, gy, state, h, coef, t)
        elif family == ASGD:
            x = asgd._update(0, px, gx, state, h, coef, t)
            y = asgd._update(1, py, gy, state, h, coef, t)
        elif family == ADABELIEF:
            x = adabelief._update(0, px, gx, state, h, coef, t)
            y = adabelief._update(1, py, gy, state, h, coef, t)
        if not (x >= xlo and x <= xhi and y >= ylo and y <= yhi):
            xy[t, 0] = x  # where it went (read to tell "left the map" from "diverged")
            xy[t, 1] = y
            return t  # also catches NaN: every comparison with NaN is false
        if record:
            rec_grad[t - 1, 0] = gx
            rec_grad[t - 1, 1] = gy
            rec_update[t - 1, 0] = x - px
            rec_update[t - 1, 1] = y - py
            for k in range(state.shape[0]):
                rec_state[t - 1, k, 0] = state[k, 0]
                rec_state[t - 1, k, 1] = state[k, 1]
        f, gx, gy = value_grad(sid, sp, x, y)
        if not (math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy)):
            return t
        xy[t, 0] = x
        xy[t, 1] = y
        loss[t] = f
    return steps + 1

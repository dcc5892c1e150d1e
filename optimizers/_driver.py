"""The compiled trajectory loop shared by every per-coordinate optimizer.

A per-coordinate optimizer's module provides ``_coefficients(h, lrs, c)`` (the per-step
scalars, shared by every coordinate and every start) and ``_update(i, x, g, state, h, c, t)``
(one coordinate's update, returning the new value and updating ``state[:, i]``); a module may
also have ``_is_plain(h)`` and ``_update_plain``, the same update with its optional features
off, which the loop takes for settings where ``_is_plain`` holds (SGD without momentum, Adam
without weight decay or AMSGrad: a branch per step, outside the arithmetic). A single
trajectory calls ``_update`` for i = 0 and 1; many independent starts can be run as one long
vector of coordinates, calling the same ``_update`` for every i with one shared coefficient
table (:mod:`._sweep`).

Each family (each module) gets its own compiled copy of the loop, built from the module by
:func:`family_kernel` when the family is first run: the copy reads ``family`` as that module,
so its step is inlined and nothing is dispatched per step. The copies are cached on disk under
a name of their own (``_driver._loop_adam-….nbi``), so the compile cost is paid once per
install, not once per process. Nothing here lists the families: a module in the registry
(:data:`optimizers.OPTIMIZERS`) without a ``loop`` of its own is a family.

Numba's cache does not notice when a kernel in another module changes (a step function, a
surface); :func:`landscapes._cache.refresh_cache` removes the cached copies that depend on a
kernel whose code changed (an edited ``adam`` takes ``_loop_adam``, not ``_loop_sgd``).
"""

from __future__ import annotations

import math
import re
import sys
import threading
import types
from collections.abc import Mapping

from landscapes._cache import refresh_cache
from landscapes._data_kernels import batch_gradient, data, data_value
from landscapes._jit import kernel
from landscapes._kernels import step_crosses_undefined, undefined_somewhere, value_grad_analytic

refresh_cache()  # before any kernel is first called: Numba reads its cache on first call

# In the templates below (``_loop`` here, the sweep's in ``._sweep``), ``family`` is the module
# of the optimizer family and ``short`` the module of its short update: each compiled copy
# binds both (see family_kernel).
family = short = None
#: Whether a copy of the loop runs on a data surface (bound per copy: each family has one for
#: the other surfaces, whose step calls their value and gradient and nothing else, and one for
#: the data surfaces, which takes minibatch gradients, compiled when it is first raced there).
ON_DATA = False


@kernel(inline=True)
def _is_plain(h):
    """A family without a short update never takes it (``short`` is then this module)."""
    return False


@kernel(inline=True)
def _update_plain(i, x, g, state, h, c, t):
    return x  # never run: _is_plain is False


def is_per_coordinate(module: types.ModuleType) -> bool:
    """Whether ``module`` is a per-coordinate family (it has no trajectory ``loop`` of its own)."""
    return not hasattr(module, "loop")


_THIS = sys.modules[__name__]
_KERNELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def family_kernel(template, module: types.ModuleType, parallel: bool = False, **bound):
    """``template``, a plain function whose body calls ``family._update`` and so on, compiled
    for the family of ``module``: a copy whose global ``family`` is ``module``, ``short`` is
    ``module`` when it has a short update (this module otherwise) and each of ``bound`` is
    its value. Built once per (template, module, bound) and process; compiled on first call.

    The copy is named after the template and the module (``_loop_adam``), which is also the
    name of its file in Numba's on-disk cache, so each family has its own cache entry. Only
    the package's own modules are cached on disk (their sources are watched by
    ``refresh_cache``); a family defined elsewhere, as in a test, is compiled in each process.

    A copy with globals of its own rather than a closure: Numba keys a cached closure by its
    pickled cells, and a compiled function (the sweep's lanes kernel, which its parallel
    kernel calls) pickles with an identifier drawn afresh in each process, so such a closure
    would be compiled again by every process.
    """
    key = (template, module, tuple(sorted(bound.items())))
    with _LOCK:
        if key not in _KERNELS:
            _KERNELS[key] = _copy(template, module, parallel, bound)
        return _KERNELS[key]


def _copy(template, module, parallel, bound):
    inside = module.__name__.startswith(__package__ + ".")
    suffix = module.__name__.removeprefix(__package__ + ".") if inside else module.__name__
    # A flag bound True names a copy of its own (``_loop_batched_adam``: Numba's cache is
    # named after the function), the family last (the cache's book-keeping reads it there).
    flags = "".join(f"_{k.lower()}" for k, v in sorted(bound.items()) if v is True)
    name = template.__name__ + flags + "_" + re.sub(r"\W", "_", suffix)
    names = dict(template.__globals__, family=module,
                 short=module if hasattr(module, "_update_plain") else _THIS, **bound)
    fn = types.FunctionType(template.__code__, names, name, template.__defaults__)
    fn.__qualname__ = name
    fn.__doc__ = template.__doc__
    return kernel(fn, parallel=parallel, cache=inside)


def families() -> list[types.ModuleType]:
    """The per-coordinate families, in registry order (several optimizers may share one:
    SGD, Momentum and Nesterov are ``sgd``)."""
    from . import OPTIMIZERS

    return list(dict.fromkeys(info.module for info in OPTIMIZERS.values()
                              if is_per_coordinate(info.module)))


class FamilyKernels(Mapping):
    """Family module → its compiled kernel, ``build(module)``, for every per-coordinate family
    in the registry at the time of the lookup (so an optimizer registered later has one too)."""

    def __init__(self, build):
        self._build = build

    def __getitem__(self, module):
        if module not in families():
            raise KeyError(module)
        return self._build(module)

    def __iter__(self):
        return iter(families())

    def __len__(self) -> int:
        return len(families())


def is_plain(module: types.ModuleType, h) -> bool:
    """Whether settings ``h`` of the family ``module`` take its short update."""
    check = getattr(module, "_is_plain", None)
    return bool(check(h)) if check is not None else False


def _loop(h, state, coef, sid, sp, x0, y0, lrs, noise, drop, batch, limit, xy, loss, rec_grad,
          rec_update, rec_state):
    """Run up to ``len(lrs)`` updates of the optimizer ``family`` from (x0, y0); return the
    number of points written.

    ``coef`` (COEFFS of the family, steps) receives the per-step scalars (bias corrections,
    scheduled factors) before the loop starts, so the loop itself only carries each
    coordinate's dependency chain. ``noise`` (steps, 2) is added to the gradient and ``drop``
    (steps, 2) zeroes coordinates where it is non-zero; either may have zero rows (no noise /
    no sparsity). ``batch`` is a minibatch state (:func:`landscapes._data_kernels.new_batches`)
    for the copies bound with ``ON_DATA`` (a data surface): each update then receives its
    batch's gradient while ``loss`` records the loss over all the data; empty, every update
    gets the whole gradient.
    ``limit`` is (xmin, xmax, ymin, ymax): a point outside it, or any non-finite
    value, ends the run, and so does a step across a point where a typed formula is undefined
    or infinite (its point is then not written, as for a point where f is undefined). The
    ``rec_*`` arrays have zero rows unless the caller records the per-step details.
    """
    steps = lrs.shape[0]
    record = rec_grad.shape[0] > 0
    noisy = noise.shape[0] > 0
    sparse = drop.shape[0] > 0
    family._coefficients(h, lrs, coef)
    plain = short._is_plain(h)
    x = x0
    y = y0
    if not ON_DATA:
        f, gx, gy = value_grad_analytic(sid, sp, x0, y0)
    elif batch.shape[0] == 0:
        f, gx, gy = data(sp, x0, y0)
    else:
        f = data_value(sp, x0, y0)
        gx, gy = batch_gradient(sp, x0, y0, batch, 1)
    xy[0, 0] = x0
    xy[0, 1] = y0
    loss[0] = f
    if not (math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy)):
        return 1
    xlo, xhi, ylo, yhi = limit[0], limit[1], limit[2], limit[3]
    guard = undefined_somewhere(sid, sp)
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
        if plain:
            x = short._update_plain(0, px, gx, state, h, coef, t)
            y = short._update_plain(1, py, gy, state, h, coef, t)
        else:
            x = family._update(0, px, gx, state, h, coef, t)
            y = family._update(1, py, gy, state, h, coef, t)
        # The same book-keeping as _ownloop.finish, written out: with the limits and the
        # record flag read once before the loop, SGD's step measured about a third faster.
        if not (x >= xlo and x <= xhi and y >= ylo and y <= yhi):
            if guard and step_crosses_undefined(sp, px, py, x, y, limit):
                return t  # across where f is undefined on its way out
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
        if not ON_DATA:
            f, gx, gy = value_grad_analytic(sid, sp, x, y)
        elif batch.shape[0] == 0:  # the data's loss and gradient over every row
            f, gx, gy = data(sp, x, y)
        else:  # the loss over every row; the gradient of update t + 1's batch
            f = data_value(sp, x, y)
            gx, gy = batch_gradient(sp, x, y, batch, t + 1)
        if not (math.isfinite(f) and math.isfinite(gx) and math.isfinite(gy)):
            return t
        if guard and step_crosses_undefined(sp, px, py, x, y, limit):
            return t
        xy[t, 0] = x
        xy[t, 1] = y
        loss[t] = f
    return steps + 1


#: The compiled loop of each per-coordinate family (see :class:`FamilyKernels`), built from its
#: module on first lookup and compiled on its first call, then served from the on-disk cache.
ENTRIES = FamilyKernels(lambda module: family_kernel(_loop, module))
#: The same on a data surface, where ``batch`` may hold a minibatch state
#: (:func:`landscapes._data_kernels.new_batches`).
DATA_ENTRIES = FamilyKernels(lambda module: family_kernel(_loop, module, ON_DATA=True))

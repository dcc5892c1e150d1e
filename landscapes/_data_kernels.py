r"""The loss of a two-parameter model over a dataset, its exact gradient and Hessian, over all
rows or over a minibatch; and the minibatch order, drawn inside the compiled loops.

A data surface is one more id of the compiled dispatch (:data:`landscapes._kernels.DATA`); its
parameter vector ``p`` holds the model and the rows (built by :mod:`landscapes.data`, never by
hand)::

    p[0]       the model (LINEAR, LOGISTIC, PRODUCT, TANH below)
    p[1]       n, the rows the loss averages over
    p[2]       d, the numbers per row
    p[3:10]    the linear models' means over the rows, from which the full loss and its
               derivatives follow in a few operations: x², x, x·t, t, t² (LINEAR, PRODUCT);
               u², u·v, v², u·t, v·t, t² (FEATURES)
    p[10:]     the rows, n × d, row after row

The models, with the map's coordinates as their two parameters (a, b) and a row's numbers:

=========  ======================  ============================================  ===========
model      row                     loss of one row                               torch
=========  ======================  ============================================  ===========
LINEAR     (x, t)                  (a·x + b − t)²                                MSELoss
LOGISTIC   (u, v, s), s = ±1       log(1 + exp(−s·(a·u + b·v)))                  BCEWithLogits
FEATURES   (u, v, t)               (a·u + b·v − t)²  (two features, no bias)     MSELoss
PRODUCT    (x, t)                  (b·a·x − t)²   (ŷ = w₂·w₁·x, a = w₁, b = w₂)   MSELoss
TANH       (x, t)                  (b·tanh(a·x) − t)²                            MSELoss
=========  ======================  ============================================  ===========

The loss is the mean over the rows, as torch's losses reduce by default. Over a minibatch it is
the mean over the batch's rows: the gradient an optimizer receives at a step is that mean's.

Minibatches follow ``DataLoader(dataset, batch_size=B, shuffle=True, drop_last=False)``: each
epoch is a fresh random order of the n rows cut into ⌈n/B⌉ batches, the last one smaller when B
does not divide n. The order of epoch e is a Fisher–Yates shuffle driven by SplitMix64 seeded
with (seed, e), so update t's batch is a function of (seed, n, B, t) alone: every racer with the
same batch size sees the same batches, and :func:`batch_rows` lists them for anyone who wants
to feed another implementation the same indices. The loops carry the state in one int64 array
(:func:`new_batches`): ``[B, seed, n, t, lo, hi, 0, 0, order…]``; an empty array is full batch.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._jit import kernel

LINEAR, LOGISTIC, PRODUCT, TANH, FEATURES = 0, 1, 2, 3, 4
#: Numbers before the rows in ``p``.
HEAD = 10
#: Numbers before the order in a batch state.
BATCH_HEAD = 8

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


# -- one row ---------------------------------------------------------------------------------


@kernel(inline=True)
def _softplus(z):
    """log(1 + exp(z)) without overflow."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@kernel(inline=True)
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@kernel(inline=True)
def _row(model, p, j, a, b):
    """(loss, d/da, d/db) of the row starting at p[j]."""
    if model == LINEAR:
        r = a * p[j] + b - p[j + 1]
        return r * r, 2.0 * r * p[j], 2.0 * r
    if model == LOGISTIC:
        u, v, s = p[j], p[j + 1], p[j + 2]
        m = s * (a * u + b * v)
        q = -s * _sigmoid(-m)  # d loss / d (a·u + b·v)
        return _softplus(-m), q * u, q * v
    if model == PRODUCT:
        x = p[j]
        r = b * a * x - p[j + 1]
        return r * r, 2.0 * r * b * x, 2.0 * r * a * x
    if model == TANH:
        x = p[j]
        th = math.tanh(a * x)
        r = b * th - p[j + 1]
        return r * r, 2.0 * r * b * (1.0 - th * th) * x, 2.0 * r * th
    if model == FEATURES:
        r = a * p[j] + b * p[j + 1] - p[j + 2]
        return r * r, 2.0 * r * p[j], 2.0 * r * p[j + 1]
    return math.nan, math.nan, math.nan


@kernel(inline=True)
def _row_loss(model, p, j, a, b):
    """The loss of the row starting at p[j], without its gradient (one exp and one log1p for
    the logistic row, one tanh for the tanh row)."""
    if model == LINEAR:
        r = a * p[j] + b - p[j + 1]
        return r * r
    if model == LOGISTIC:
        return _softplus(-p[j + 2] * (a * p[j] + b * p[j + 1]))
    if model == PRODUCT:
        r = b * a * p[j] - p[j + 1]
        return r * r
    if model == TANH:
        r = b * math.tanh(a * p[j]) - p[j + 1]
        return r * r
    if model == FEATURES:
        r = a * p[j] + b * p[j + 1] - p[j + 2]
        return r * r
    return math.nan


@kernel(inline=True)
def _row_grad(model, p, j, a, b):
    """The row's (d/da, d/db) without its loss (one exp for the logistic row)."""
    if model == LOGISTIC:
        u, v, s = p[j], p[j + 1], p[j + 2]
        q = -s * _sigmoid(-s * (a * u + b * v))
        return q * u, q * v
    _, ga, gb = _row(model, p, j, a, b)
    return ga, gb


@kernel(inline=True)
def _row_hess(model, p, j, a, b):
    """The row's loss Hessian (d²/da², d²/dadb, d²/db²)."""
    if model == LINEAR:
        x = p[j]
        return 2.0 * x * x, 2.0 * x, 2.0
    if model == LOGISTIC:
        u, v, s = p[j], p[j + 1], p[j + 2]
        sg = _sigmoid(s * (a * u + b * v))
        w = sg * (1.0 - sg)
        return w * u * u, w * u * v, w * v * v
    if model == PRODUCT:
        x = p[j]
        r = b * a * x - p[j + 1]
        ra, rb = b * x, a * x  # dr/da, dr/db; d²r/dadb = x
        return 2.0 * ra * ra, 2.0 * (ra * rb + r * x), 2.0 * rb * rb
    if model == TANH:
        x = p[j]
        th = math.tanh(a * x)
        r = b * th - p[j + 1]
        sech2 = 1.0 - th * th
        ra, rb = b * sech2 * x, th
        raa = -2.0 * b * th * sech2 * x * x
        rab = sech2 * x
        return 2.0 * (ra * ra + r * raa), 2.0 * (ra * rb + r * rab), 2.0 * rb * rb
    if model == FEATURES:
        u, v = p[j], p[j + 1]
        return 2.0 * u * u, 2.0 * u * v, 2.0 * v * v
    return math.nan, math.nan, math.nan


# -- all rows --------------------------------------------------------------------------------


@kernel
def data(p, a, b):
    """(mean loss, d/da, d/db) over all rows of the data surface ``p`` at (a, b)."""
    model = int(p[0])
    n = int(p[1])
    if n == 0:
        return math.nan, math.nan, math.nan
    if model == LINEAR:  # from the means: exact up to round-off, O(1)
        sxx, sx, sxt, st, stt = p[3], p[4], p[5], p[6], p[7]
        f = a * a * sxx + 2.0 * a * b * sx + b * b - 2.0 * a * sxt - 2.0 * b * st + stt
        return max(f, 0.0), 2.0 * (a * sxx + b * sx - sxt), 2.0 * (a * sx + b - st)
    if model == PRODUCT:
        sxx, sxt, stt = p[3], p[5], p[7]
        w = a * b
        g = 2.0 * (w * sxx - sxt)  # d loss / d w
        return max(w * w * sxx - 2.0 * w * sxt + stt, 0.0), g * b, g * a
    if model == FEATURES:
        suu, suv, svv, sut, svt, stt = p[3], p[4], p[5], p[6], p[7], p[8]
        f = a * a * suu + 2.0 * a * b * suv + b * b * svv - 2.0 * a * sut - 2.0 * b * svt + stt
        return (max(f, 0.0), 2.0 * (a * suu + b * suv - sut), 2.0 * (a * suv + b * svv - svt))
    d = int(p[2])
    f = 0.0
    ga = 0.0
    gb = 0.0
    for i in range(n):
        fi, gai, gbi = _row(model, p, HEAD + i * d, a, b)
        f += fi
        ga += gai
        gb += gbi
    return f / n, ga / n, gb / n


@kernel
def data_value(p, a, b):
    """The mean loss over all rows at (a, b), without the gradient: what the path records at
    each step while the updates take minibatch gradients, and what the map shows."""
    model = int(p[0])
    n = int(p[1])
    if n == 0:
        return math.nan
    if model == LINEAR or model == PRODUCT or model == FEATURES:
        return data(p, a, b)[0]
    d = int(p[2])
    f = 0.0
    for i in range(n):
        f += _row_loss(model, p, HEAD + i * d, a, b)
    return f / n


@kernel
def data_hess(p, a, b):
    """The exact Hessian of the mean loss over all rows."""
    model = int(p[0])
    n = int(p[1])
    if n == 0:
        return math.nan, math.nan, math.nan
    if model == LINEAR:
        return 2.0 * p[3], 2.0 * p[4], 2.0
    if model == PRODUCT:
        sxx, sxt = p[3], p[5]
        g = 2.0 * (a * b * sxx - sxt)
        return 2.0 * b * b * sxx, g + 2.0 * a * b * sxx, 2.0 * a * a * sxx
    if model == FEATURES:
        return 2.0 * p[3], 2.0 * p[4], 2.0 * p[5]
    d = int(p[2])
    haa = 0.0
    hab = 0.0
    hbb = 0.0
    for i in range(n):
        x, y, z = _row_hess(model, p, HEAD + i * d, a, b)
        haa += x
        hab += y
        hbb += z
    return haa / n, hab / n, hbb / n


@kernel(parallel=True)
def data_grid(p, xs, ys, out):
    """``out[j, i]`` = the mean loss at (xs[i], ys[j]) on both cores. A data surface costs n
    row evaluations a point, a thousand times a formula's, except where the loss separates:
    the tanh unit's loss is b²·mean(th²) − 2b·mean(th·t) + mean(t²) with th = tanh(a·x), so
    each column (one a) costs n tanh and each point of it three multiplications."""
    model = int(p[0])
    n = int(p[1])
    if model == TANH and n > 0:
        d = int(p[2])
        stt = 0.0
        for k in range(n):
            stt += p[HEAD + k * d + 1] * p[HEAD + k * d + 1]
        stt /= n
        for i in prange(xs.shape[0]):
            s2 = 0.0
            s1 = 0.0
            a = xs[i]
            for k in range(n):
                th = math.tanh(a * p[HEAD + k * d])
                s2 += th * th
                s1 += th * p[HEAD + k * d + 1]
            s2 /= n
            s1 /= n
            for j in range(ys.shape[0]):
                b = ys[j]
                out[j, i] = max(b * b * s2 - 2.0 * b * s1 + stt, 0.0)
        return
    for j in prange(ys.shape[0]):
        for i in range(xs.shape[0]):
            out[j, i] = data_value(p, xs[i], ys[j])


# -- minibatches -----------------------------------------------------------------------------


@kernel(inline=True)
def _mix(z):
    """SplitMix64's output function."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@kernel
def shuffle(order, seed, epoch):
    """``order`` (n int64) := epoch ``epoch``'s random order of 0 … n−1 (Fisher–Yates)."""
    n = order.shape[0]
    for i in range(n):
        order[i] = i
    state = _mix(np.uint64(seed) * _GOLDEN + np.uint64(epoch) + np.uint64(1))
    for i in range(n - 1, 0, -1):
        state += _GOLDEN
        j = np.int64(_mix(state) % np.uint64(i + 1))
        k = order[i]
        order[i] = order[j]
        order[j] = k


@kernel
def batch_at(batch, t):
    """Make the batch state hold update ``t``'s rows (t = 1, 2, …): ``batch[4]:batch[5]`` of
    the order ``batch[BATCH_HEAD:]``. Idempotent for the same t."""
    if batch[3] == t:
        return
    size = batch[0]
    n = batch[2]
    per_epoch = (n + size - 1) // size
    epoch = (t - 1) // per_epoch
    k = (t - 1) % per_epoch
    if batch[3] <= 0 or (batch[3] - 1) // per_epoch != epoch:
        shuffle(batch[BATCH_HEAD:], batch[1], epoch)
    batch[3] = t
    batch[4] = k * size
    batch[5] = min(n, k * size + size)


@kernel
def batch_grad(p, a, b, batch, t):
    """(mean loss over update t's batch, d/da, d/db) at (a, b)."""
    batch_at(batch, t)
    model = int(p[0])
    d = int(p[2])
    lo = batch[4]
    hi = batch[5]
    f = 0.0
    ga = 0.0
    gb = 0.0
    for k in range(lo, hi):
        fi, gai, gbi = _row(model, p, HEAD + batch[BATCH_HEAD + k] * d, a, b)
        f += fi
        ga += gai
        gb += gbi
    m = hi - lo
    return f / m, ga / m, gb / m


@kernel
def batch_gradient(p, a, b, batch, t):
    """(d/da, d/db) of the mean loss over update t's batch, without the loss."""
    batch_at(batch, t)
    model = int(p[0])
    d = int(p[2])
    lo = batch[4]
    hi = batch[5]
    ga = 0.0
    gb = 0.0
    for k in range(lo, hi):
        gai, gbi = _row_grad(model, p, HEAD + batch[BATCH_HEAD + k] * d, a, b)
        ga += gai
        gb += gbi
    m = hi - lo
    return ga / m, gb / m


@kernel
def batch_hess(p, a, b, batch, t):
    """The exact Hessian of the mean loss over update t's batch."""
    batch_at(batch, t)
    model = int(p[0])
    d = int(p[2])
    lo = batch[4]
    hi = batch[5]
    haa = 0.0
    hab = 0.0
    hbb = 0.0
    for k in range(lo, hi):
        x, y, z = _row_hess(model, p, HEAD + batch[BATCH_HEAD + k] * d, a, b)
        haa += x
        hab += y
        hbb += z
    m = hi - lo
    return haa / m, hab / m, hbb / m


def new_batches(n: int, size: int, seed: int) -> np.ndarray:
    """A fresh batch state for batches of ``size`` of ``n`` rows, or an empty array (full
    batch) when ``size`` ≥ n or n = 0."""
    if n <= 0 or size >= n:
        return np.empty(0, dtype=np.int64)
    if size < 1:
        raise ValueError(f"Invalid batch size: {size} (must be at least 1)")
    batch = np.zeros(BATCH_HEAD + n, dtype=np.int64)
    batch[0], batch[1], batch[2] = size, seed, n
    return batch


def batch_rows(n: int, size: int, seed: int, steps: int) -> list[np.ndarray]:
    """The row indices of updates 1 … ``steps``, as the loops draw them."""
    batch = new_batches(n, size, seed)
    if batch.size == 0:
        return [np.arange(n) for _ in range(steps)]
    out = []
    for t in range(1, steps + 1):
        batch_at(batch, t)
        out.append(batch[BATCH_HEAD + batch[4]: BATCH_HEAD + batch[5]].copy())
    return out

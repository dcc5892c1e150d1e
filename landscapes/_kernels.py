r"""Compiled value and gradient of every catalogue surface.

A surface is chosen by an integer id (the module constants below) and its parameters are passed
as a float64 vector ``p`` (``Surface.p``; empty for surfaces without parameters). Dispatching on
an integer instead of passing function objects keeps one compiled specialization per kernel,
which Numba's on-disk cache serves to every later process.

All gradients are analytic (no finite differences) and computed together with the value so
that subexpressions are shared. No ``fastmath``: results agree with plain float64 arithmetic.

Layout of ``p`` per surface (built by :mod:`landscapes`, never by hand):

=============== =========================================================================
RAVINE          ``[k, cos θ, sin θ]``: condition number and the rotation angle's cosine/sine
ROSENBROCK      ``[b]`` (a = 1 is fixed)
SHARP_FLAT      ``[s1, x1, y1, s2, x2, y2]``: sharp well (rate, centre), flat well (rate, centre)
all others      ``[]``
=============== =========================================================================
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import kernel

RAVINE = 0
ROSENBROCK = 1
SADDLE = 2
MONKEY_SADDLE = 3
BEALE = 4
HIMMELBLAU = 5
BOOTH = 6
MATYAS = 7
RASTRIGIN = 8
ACKLEY = 9
GOLDSTEIN_PRICE = 10
SIX_HUMP_CAMEL = 11
THREE_HUMP_CAMEL = 12
STYBLINSKI_TANG = 13
MCCORMICK = 14
LEVI13 = 15
SHARP_FLAT = 16

N_SURFACES = 17

_PI = math.pi
_TWO_PI = 2.0 * math.pi
_THREE_PI = 3.0 * math.pi
_E = math.e


@kernel
def value_grad(sid, p, x, y):
    """Return ``(f, df/dx, df/dy)`` of surface ``sid`` with parameters ``p`` at ``(x, y)``.

    An unknown ``sid`` returns NaNs. Ackley's gradient at exactly (0, 0), the tip of its cone
    where no gradient exists, is returned as (0, 0) instead of NaN.
    """
    if sid == ROSENBROCK:
        b = p[0]
        d = y - x * x
        e = 1.0 - x
        return e * e + b * d * d, -2.0 * e - 4.0 * b * x * d, 2.0 * b * d
    elif sid == RAVINE:
        k = p[0]
        c = p[1]
        s = p[2]
        u = c * x + s * y
        v = c * y - s * x
        kv = k * v
        return 0.5 * (u * u + kv * v), c * u - s * kv, s * u + c * kv
    elif sid == SADDLE:
        return x * x - y * y, 2.0 * x, -2.0 * y
    elif sid == MONKEY_SADDLE:
        y2 = y * y
        return x * (x * x - 3.0 * y2), 3.0 * (x * x - y2), -6.0 * x * y
    elif sid == BEALE:
        y2 = y * y
        y3 = y2 * y
        t1 = 1.5 - x + x * y
        t2 = 2.25 - x + x * y2
        t3 = 2.625 - x + x * y3
        f = t1 * t1 + t2 * t2 + t3 * t3
        gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
        gy = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
        return f, gx, gy
    elif sid == HIMMELBLAU:
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return a * a + b * b, 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b
    elif sid == BOOTH:
        a = x + 2.0 * y - 7.0
        b = 2.0 * x + y - 5.0
        return a * a + b * b, 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b
    elif sid == MATYAS:
        return (0.26 * (x * x + y * y) - 0.48 * x * y,
                0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x)
    elif sid == RASTRIGIN:
        # 10 (1 - cos 2πx) = 20 sin²(πx): exact zero at the minimum, no cancellation near it.
        sx = math.sin(_PI * x)
        cx = math.cos(_PI * x)
        sy = math.sin(_PI * y)
        cy = math.cos(_PI * y)
        f = x * x + 20.0 * sx * sx + y * y + 20.0 * sy * sy
        return f, 2.0 * x + 40.0 * _PI * sx * cx, 2.0 * y + 40.0 * _PI * sy * cy
    elif sid == ACKLEY:
        r = math.sqrt(0.5 * (x * x + y * y))
        ea = math.exp(-0.2 * r)
        eb = math.exp(0.5 * (math.cos(_TWO_PI * x) + math.cos(_TWO_PI * y)))
        # 20 (1 - e^{-0.2 r}) + (e - e^{...}): exactly 0 at the origin.
        f = 20.0 * (1.0 - ea) + (_E - eb)
        gx = _PI * math.sin(_TWO_PI * x) * eb
        gy = _PI * math.sin(_TWO_PI * y) * eb
        if r > 0.0:
            w = 2.0 * ea / r
            gx += w * x
            gy += w * y
        return f, gx, gy
    elif sid == GOLDSTEIN_PRICE:
        s = x + y + 1.0
        s2 = s * s
        a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
        d = 2.0 * x - 3.0 * y
        d2 = d * d
        bq = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
        A = 1.0 + s2 * a
        B = 30.0 + d2 * bq
        Ax = 2.0 * s * a + s2 * (6.0 * x + 6.0 * y - 14.0)  # = dA/dy as well
        Bx = 4.0 * d * bq + d2 * (24.0 * x - 36.0 * y - 32.0)  # dB/dy = -1.5 Bx
        AxB = Ax * B
        ABx = A * Bx
        return A * B, AxB + ABx, AxB - 1.5 * ABx
    elif sid == SIX_HUMP_CAMEL:
        x2 = x * x
        y2 = y * y
        f = (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2
        gx = x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y
        gy = x + y * (16.0 * y2 - 8.0)
        return f, gx, gy
    elif sid == THREE_HUMP_CAMEL:
        x2 = x * x
        f = x2 * (2.0 - 1.05 * x2 + x2 * x2 / 6.0) + x * y + y * y
        gx = x * (4.0 - 4.2 * x2 + x2 * x2) + y
        return f, gx, x + 2.0 * y
    elif sid == STYBLINSKI_TANG:
        x2 = x * x
        y2 = y * y
        f = 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y)
        return f, x * (2.0 * x2 - 16.0) + 2.5, y * (2.0 * y2 - 16.0) + 2.5
    elif sid == MCCORMICK:
        d = x - y
        c = math.cos(x + y)
        f = math.sin(x + y) + d * d - 1.5 * x + 2.5 * y + 1.0
        return f, c + 2.0 * d - 1.5, c - 2.0 * d + 2.5
    elif sid == LEVI13:
        s3x = math.sin(_THREE_PI * x)
        c3x = math.cos(_THREE_PI * x)
        s3y = math.sin(_THREE_PI * y)
        c3y = math.cos(_THREE_PI * y)
        s2y = math.sin(_TWO_PI * y)
        c2y = math.cos(_TWO_PI * y)
        xm = x - 1.0
        ym = y - 1.0
        wy3 = 1.0 + s3y * s3y
        wy2 = 1.0 + s2y * s2y
        f = s3x * s3x + xm * xm * wy3 + ym * ym * wy2
        gx = 6.0 * _PI * s3x * c3x + 2.0 * xm * wy3
        gy = (6.0 * _PI * xm * xm * s3y * c3y + 2.0 * ym * wy2
              + 4.0 * _PI * ym * ym * s2y * c2y)
        return f, gx, gy
    elif sid == SHARP_FLAT:
        s1 = p[0]
        dx1 = x - p[1]
        dy1 = y - p[2]
        s2 = p[3]
        dx2 = x - p[4]
        dy2 = y - p[5]
        q1 = -s1 * (dx1 * dx1 + dy1 * dy1)
        q2 = -s2 * (dx2 * dx2 + dy2 * dy2)
        e1 = math.exp(q1)
        e2 = math.exp(q2)
        F1 = -math.expm1(q1)  # 1 - e1 without cancellation near the centre
        F2 = -math.expm1(q2)
        w1 = 2.0 * s1 * e1 * F2
        w2 = 2.0 * s2 * e2 * F1
        return F1 * F2, w1 * dx1 + w2 * dx2, w1 * dy1 + w2 * dy2
    return math.nan, math.nan, math.nan


@kernel
def value(sid, p, x, y):
    """Return f of surface ``sid`` with parameters ``p`` at ``(x, y)`` (NaN for an unknown id).

    Same formulas as :func:`value_grad` without the gradient work; used for grids.
    """
    if sid == ROSENBROCK:
        d = y - x * x
        e = 1.0 - x
        return e * e + p[0] * d * d
    elif sid == RAVINE:
        u = p[1] * x + p[2] * y
        v = p[1] * y - p[2] * x
        return 0.5 * (u * u + p[0] * v * v)
    elif sid == SADDLE:
        return x * x - y * y
    elif sid == MONKEY_SADDLE:
        return x * (x * x - 3.0 * y * y)
    elif sid == BEALE:
        y2 = y * y
        t1 = 1.5 - x + x * y
        t2 = 2.25 - x + x * y2
        t3 = 2.625 - x + x * y2 * y
        return t1 * t1 + t2 * t2 + t3 * t3
    elif sid == HIMMELBLAU:
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return a * a + b * b
    elif sid == BOOTH:
        a = x + 2.0 * y - 7.0
        b = 2.0 * x + y - 5.0
        return a * a + b * b
    elif sid == MATYAS:
        return 0.26 * (x * x + y * y) - 0.48 * x * y
    elif sid == RASTRIGIN:
        sx = math.sin(_PI * x)
        sy = math.sin(_PI * y)
        return x * x + 20.0 * sx * sx + y * y + 20.0 * sy * sy
    elif sid == ACKLEY:
        r = math.sqrt(0.5 * (x * x + y * y))
        ea = math.exp(-0.2 * r)
        eb = math.exp(0.5 * (math.cos(_TWO_PI * x) + math.cos(_TWO_PI * y)))
        return 20.0 * (1.0 - ea) + (_E - eb)
    elif sid == GOLDSTEIN_PRICE:
        s = x + y + 1.0
        a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
        d = 2.0 * x - 3.0 * y
        bq = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
        return (1.0 + s * s * a) * (30.0 + d * d * bq)
    elif sid == SIX_HUMP_CAMEL:
        x2 = x * x
        y2 = y * y
        return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2
    elif sid == THREE_HUMP_CAMEL:
        x2 = x * x
        return x2 * (2.0 - 1.05 * x2 + x2 * x2 / 6.0) + x * y + y * y
    elif sid == STYBLINSKI_TANG:
        x2 = x * x
        y2 = y * y
        return 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y)
    elif sid == MCCORMICK:
        d = x - y
        return math.sin(x + y) + d * d - 1.5 * x + 2.5 * y + 1.0
    elif sid == LEVI13:
        s3x = math.sin(_THREE_PI * x)
        s3y = math.sin(_THREE_PI * y)
        s2y = math.sin(_TWO_PI * y)
        xm = x - 1.0
        ym = y - 1.0
        return s3x * s3x + xm * xm * (1.0 + s3y * s3y) + ym * ym * (1.0 + s2y * s2y)
    elif sid == SHARP_FLAT:
        dx1 = x - p[1]
        dy1 = y - p[2]
        dx2 = x - p[4]
        dy2 = y - p[5]
        return (math.expm1(-p[0] * (dx1 * dx1 + dy1 * dy1))
                * math.expm1(-p[3] * (dx2 * dx2 + dy2 * dy2)))
    return math.nan


@kernel
def _grid(sid, p, xs, ys, out):
    """Fill ``out[j, i] = f(xs[i], ys[j])``.

    A plain loop: 400 × 400 points take under 3 ms on one core for every surface, while a
    threaded version (prange) gains little on two cores and loses badly whenever the other core
    is busy (a web server answering requests), waiting for a descheduled worker thread.

    For Rastrigin, Ackley and Lévi N.13 the sines and cosines depend on x or on y alone, so
    they are computed once per column and once per row instead of once per point; the
    remaining operations are those of :func:`value` in the same order, so the results are
    bit-for-bit the same.
    """
    nx = xs.shape[0]
    ny = ys.shape[0]
    if sid == RASTRIGIN or sid == ACKLEY or sid == LEVI13:
        ax = np.empty(nx)
        bx = np.empty(nx)
        ay = np.empty(ny)
        by = np.empty(ny)
        if sid == RASTRIGIN:
            for i in range(nx):
                sx = math.sin(_PI * xs[i])
                ax[i] = xs[i] * xs[i] + 20.0 * sx * sx
            for j in range(ny):
                sy = math.sin(_PI * ys[j])
                ay[j] = ys[j] * ys[j]
                by[j] = 20.0 * sy * sy
            for j in range(ny):
                for i in range(nx):
                    out[j, i] = ax[i] + ay[j] + by[j]
        elif sid == ACKLEY:
            for i in range(nx):
                ax[i] = xs[i] * xs[i]
                bx[i] = math.cos(_TWO_PI * xs[i])
            for j in range(ny):
                ay[j] = ys[j] * ys[j]
                by[j] = math.cos(_TWO_PI * ys[j])
            for j in range(ny):
                for i in range(nx):
                    ea = math.exp(-0.2 * math.sqrt(0.5 * (ax[i] + ay[j])))
                    eb = math.exp(0.5 * (bx[i] + by[j]))
                    out[j, i] = 20.0 * (1.0 - ea) + (_E - eb)
        else:
            for i in range(nx):
                s3x = math.sin(_THREE_PI * xs[i])
                ax[i] = s3x * s3x
                bx[i] = (xs[i] - 1.0) * (xs[i] - 1.0)
            for j in range(ny):
                s3y = math.sin(_THREE_PI * ys[j])
                s2y = math.sin(_TWO_PI * ys[j])
                ay[j] = 1.0 + s3y * s3y
                by[j] = (ys[j] - 1.0) * (ys[j] - 1.0) * (1.0 + s2y * s2y)
            for j in range(ny):
                for i in range(nx):
                    out[j, i] = ax[i] + bx[i] * ay[j] + by[j]
        return
    for j in range(ny):
        y = ys[j]
        for i in range(nx):
            out[j, i] = value(sid, p, xs[i], y)


@kernel
def _values(sid, p, xs, ys, f):
    """Elementwise ``f[i] = value(xs[i], ys[i])`` over flat arrays."""
    for i in range(xs.shape[0]):
        f[i] = value(sid, p, xs[i], ys[i])


@kernel
def _values_grads(sid, p, xs, ys, f, gx, gy):
    """Elementwise value and gradient over flat arrays."""
    for i in range(xs.shape[0]):
        f[i], gx[i], gy[i] = value_grad(sid, p, xs[i], ys[i])

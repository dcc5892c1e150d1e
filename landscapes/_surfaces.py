r"""The value and gradient of every catalogue surface, one small compiled function each.

Each surface's formula is written once, as ``name(p, x, y) -> (f, df/dx, df/dy)`` with its
parameters in the float64 vector ``p`` (``Surface.p``; empty for surfaces without parameters).
They are inlined by the dispatch of :mod:`landscapes._kernels` (generated from the catalogue,
:mod:`landscapes.catalogue`, which names each surface's function here) into every loop that
evaluates a surface, so the value alone lets the compiler drop the gradient work.

All gradients are analytic (no finite differences) and computed together with the value so
that subexpressions are shared. No ``fastmath``: results agree with plain float64 arithmetic.

Beside each surface, ``name_hess(p, x, y) -> (d²f/dx², d²f/dxdy, d²f/dy²)`` is its exact
Hessian, derived by hand and checked against sympy's (``tests/test_newton.py``); the Newton
optimizers read it through :func:`landscapes._kernels.hessian`.

A surface may also have ``name_grid(p, xs, ys, out)``, filling ``out[j, i] = f(xs[i], ys[j])``
faster than point by point (the catalogue names it as the surface's ``grid_kernel``): for
Rastrigin, Ackley and Lévi N.13 the sines and cosines depend on x or on y alone, so they are
computed once per column and once per row; the remaining operations are those of the value in
the same order, so the results are bit-for-bit the same.

Layout of ``p`` per surface (built by :mod:`landscapes.catalogue`, never by hand):

=============== =========================================================================
ravine          ``[k, cos θ, sin θ]``: condition number and the rotation angle's cosine/sine
rosenbrock      ``[b]`` (a = 1 is fixed)
sharp_flat      ``[s1, x1, y1, s2, x2, y2]``: sharp well (rate, centre), flat well (rate, centre)
all others      ``[]``
=============== =========================================================================
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import kernel

_PI = math.pi
_TWO_PI = 2.0 * math.pi
_THREE_PI = 3.0 * math.pi
_E = math.e


@kernel(inline=True)
def rosenbrock(p, x, y):
    """Rosenbrock, p = [b]."""
    b = p[0]
    d = y - x * x
    e = 1.0 - x
    return e * e + b * d * d, -2.0 * e - 4.0 * b * x * d, 2.0 * b * d


@kernel(inline=True)
def ravine(p, x, y):
    """The rotated quadratic ravine, p = [k, cos θ, sin θ]."""
    k = p[0]
    c = p[1]
    s = p[2]
    u = c * x + s * y
    v = c * y - s * x
    kv = k * v
    return 0.5 * (u * u + kv * v), c * u - s * kv, s * u + c * kv


@kernel(inline=True)
def saddle(p, x, y):
    """x² - y²."""
    return x * x - y * y, 2.0 * x, -2.0 * y


@kernel(inline=True)
def monkey_saddle(p, x, y):
    """x³ - 3xy²."""
    y2 = y * y
    return x * (x * x - 3.0 * y2), 3.0 * (x * x - y2), -6.0 * x * y


@kernel(inline=True)
def beale(p, x, y):
    """Beale."""
    y2 = y * y
    y3 = y2 * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y3
    f = t1 * t1 + t2 * t2 + t3 * t3
    gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
    gy = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
    return f, gx, gy


@kernel(inline=True)
def himmelblau(p, x, y):
    """Himmelblau."""
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b, 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


@kernel(inline=True)
def booth(p, x, y):
    """Booth."""
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b, 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


@kernel(inline=True)
def matyas(p, x, y):
    """Matyas."""
    return (0.26 * (x * x + y * y) - 0.48 * x * y,
            0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x)


@kernel(inline=True)
def rastrigin(p, x, y):
    """Rastrigin, with 10 (1 - cos 2πx) written as 20 sin²(πx): exact zero at the
    minimum, no cancellation near it."""
    sx = math.sin(_PI * x)
    cx = math.cos(_PI * x)
    sy = math.sin(_PI * y)
    cy = math.cos(_PI * y)
    f = x * x + 20.0 * sx * sx + y * y + 20.0 * sy * sy
    return f, 2.0 * x + 40.0 * _PI * sx * cx, 2.0 * y + 40.0 * _PI * sy * cy


@kernel(inline=True)
def ackley(p, x, y):
    """Ackley; the gradient at exactly (0, 0), the tip of the cone, is (0, 0)."""
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


@kernel(inline=True)
def goldstein_price(p, x, y):
    """Goldstein-Price."""
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


@kernel(inline=True)
def six_hump_camel(p, x, y):
    """Six-hump camel."""
    x2 = x * x
    y2 = y * y
    f = (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2
    gx = x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y
    gy = x + y * (16.0 * y2 - 8.0)
    return f, gx, gy


@kernel(inline=True)
def three_hump_camel(p, x, y):
    """Three-hump camel."""
    x2 = x * x
    f = x2 * (2.0 - 1.05 * x2 + x2 * x2 / 6.0) + x * y + y * y
    gx = x * (4.0 - 4.2 * x2 + x2 * x2) + y
    return f, gx, x + 2.0 * y


@kernel(inline=True)
def styblinski_tang(p, x, y):
    """Styblinski-Tang."""
    x2 = x * x
    y2 = y * y
    f = 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y)
    return f, x * (2.0 * x2 - 16.0) + 2.5, y * (2.0 * y2 - 16.0) + 2.5


@kernel(inline=True)
def mccormick(p, x, y):
    """McCormick."""
    d = x - y
    c = math.cos(x + y)
    f = math.sin(x + y) + d * d - 1.5 * x + 2.5 * y + 1.0
    return f, c + 2.0 * d - 1.5, c - 2.0 * d + 2.5


@kernel(inline=True)
def levi13(p, x, y):
    """Lévi N.13."""
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


@kernel(inline=True)
def sharp_flat(p, x, y):
    """The sharp and the flat well, p = [s1, x1, y1, s2, x2, y2]."""
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


# -- exact Hessians: name_hess(p, x, y) -> (d²f/dx², d²f/dxdy, d²f/dy²) ------------------------


@kernel(inline=True)
def rosenbrock_hess(p, x, y):
    """Rosenbrock's Hessian, p = [b]."""
    b = p[0]
    return 2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x, -4.0 * b * x, 2.0 * b


@kernel(inline=True)
def ravine_hess(p, x, y):
    """The ravine's Hessian: constant, eigenvalues 1 and k, p = [k, cos θ, sin θ]."""
    k = p[0]
    c = p[1]
    s = p[2]
    return c * c + k * s * s, c * s * (1.0 - k), s * s + k * c * c


@kernel(inline=True)
def saddle_hess(p, x, y):
    """x² - y²: diag(2, -2)."""
    return 2.0, 0.0, -2.0


@kernel(inline=True)
def monkey_saddle_hess(p, x, y):
    """x³ - 3xy²."""
    return 6.0 * x, -6.0 * y, -6.0 * x


@kernel(inline=True)
def beale_hess(p, x, y):
    """Beale: each of the three squared terms t is linear in x."""
    y2 = y * y
    y3 = y2 * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y3
    a1 = y - 1.0  # dt/dx
    a2 = y2 - 1.0
    a3 = y3 - 1.0
    b1 = x  # dt/dy
    b2 = 2.0 * x * y
    b3 = 3.0 * x * y2
    hxx = 2.0 * (a1 * a1 + a2 * a2 + a3 * a3)
    hxy = 2.0 * (a1 * b1 + t1 + a2 * b2 + t2 * 2.0 * y + a3 * b3 + t3 * 3.0 * y2)
    hyy = 2.0 * (b1 * b1 + b2 * b2 + t2 * 2.0 * x + b3 * b3 + t3 * 6.0 * x * y)
    return hxx, hxy, hyy


@kernel(inline=True)
def himmelblau_hess(p, x, y):
    """Himmelblau."""
    return 12.0 * x * x + 4.0 * y - 42.0, 4.0 * (x + y), 12.0 * y * y + 4.0 * x - 26.0


@kernel(inline=True)
def booth_hess(p, x, y):
    """Booth: constant."""
    return 10.0, 8.0, 10.0


@kernel(inline=True)
def matyas_hess(p, x, y):
    """Matyas: constant."""
    return 0.52, -0.48, 0.52


@kernel(inline=True)
def rastrigin_hess(p, x, y):
    """Rastrigin: 2 + 40π² cos 2πx on the diagonal."""
    sx = math.sin(_PI * x)
    cx = math.cos(_PI * x)
    sy = math.sin(_PI * y)
    cy = math.cos(_PI * y)
    k = 40.0 * _PI * _PI
    return 2.0 + k * (cx * cx - sx * sx), 0.0, 2.0 + k * (cy * cy - sy * sy)


@kernel(inline=True)
def ackley_hess(p, x, y):
    """Ackley. At exactly (0, 0), the tip of the cone, the cone's term is left out (its
    curvature is infinite there), as its gradient is: only the cosines' term remains."""
    r = math.sqrt(0.5 * (x * x + y * y))
    ea = math.exp(-0.2 * r)
    sx = math.sin(_TWO_PI * x)
    sy = math.sin(_TWO_PI * y)
    eb = math.exp(0.5 * (math.cos(_TWO_PI * x) + math.cos(_TWO_PI * y)))
    pi2 = _PI * _PI
    hxx = eb * (2.0 * pi2 * math.cos(_TWO_PI * x) - pi2 * sx * sx)
    hyy = eb * (2.0 * pi2 * math.cos(_TWO_PI * y) - pi2 * sy * sy)
    hxy = -pi2 * sx * sy * eb
    if r > 0.0:
        w = 2.0 * ea / r
        q = -ea * (0.2 * r + 1.0) / (r * r * r)
        hxx += w + q * x * x
        hxy += q * x * y
        hyy += w + q * y * y
    return hxx, hxy, hyy


@kernel(inline=True)
def goldstein_price_hess(p, x, y):
    """Goldstein-Price, f = A·B: A's second derivatives are all equal, B's scale as 1, -1.5,
    2.25."""
    s = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    ax = 6.0 * x + 6.0 * y - 14.0  # da/dx = da/dy
    d = 2.0 * x - 3.0 * y
    bq = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    bqx = 24.0 * x - 36.0 * y - 32.0
    A = 1.0 + s * s * a
    B = 30.0 + d * d * bq
    Ax = 2.0 * s * a + s * s * ax  # = dA/dy
    Bx = 4.0 * d * bq + d * d * bqx  # dB/dy = -1.5 Bx
    Axx = 2.0 * a + 4.0 * s * ax + 6.0 * s * s  # = A_xy = A_yy
    Bxx = 8.0 * bq + 8.0 * d * bqx + 24.0 * d * d  # B_xy = -1.5 Bxx, B_yy = 2.25 Bxx
    AxxB = Axx * B
    AxBx = Ax * Bx
    ABxx = A * Bxx
    return (AxxB + 2.0 * AxBx + ABxx, AxxB - 0.5 * AxBx - 1.5 * ABxx,
            AxxB - 3.0 * AxBx + 2.25 * ABxx)


@kernel(inline=True)
def six_hump_camel_hess(p, x, y):
    """Six-hump camel."""
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, 48.0 * y * y - 8.0


@kernel(inline=True)
def three_hump_camel_hess(p, x, y):
    """Three-hump camel."""
    x2 = x * x
    return 4.0 - 12.6 * x2 + 5.0 * x2 * x2, 1.0, 2.0


@kernel(inline=True)
def styblinski_tang_hess(p, x, y):
    """Styblinski-Tang."""
    return 6.0 * x * x - 16.0, 0.0, 6.0 * y * y - 16.0


@kernel(inline=True)
def mccormick_hess(p, x, y):
    """McCormick."""
    s = math.sin(x + y)
    return 2.0 - s, -2.0 - s, 2.0 - s


@kernel(inline=True)
def levi13_hess(p, x, y):
    """Lévi N.13."""
    s3x = math.sin(_THREE_PI * x)
    c3x = math.cos(_THREE_PI * x)
    s3y = math.sin(_THREE_PI * y)
    c3y = math.cos(_THREE_PI * y)
    s2y = math.sin(_TWO_PI * y)
    c2y = math.cos(_TWO_PI * y)
    xm = x - 1.0
    ym = y - 1.0
    pi2 = _PI * _PI
    wy3 = 1.0 + s3y * s3y
    wy2 = 1.0 + s2y * s2y
    hxx = 18.0 * pi2 * (c3x * c3x - s3x * s3x) + 2.0 * wy3
    hxy = 12.0 * _PI * xm * s3y * c3y
    hyy = (18.0 * pi2 * xm * xm * (c3y * c3y - s3y * s3y) + 2.0 * wy2
           + 16.0 * _PI * ym * s2y * c2y + 8.0 * pi2 * ym * ym * (c2y * c2y - s2y * s2y))
    return hxx, hxy, hyy


@kernel(inline=True)
def sharp_flat_hess(p, x, y):
    """The sharp and the flat well, f = F1·F2 with F = 1 - exp(-s‖r - c‖²):
    ∇F = 2s e d and ∇²F = 2s e (I - 2s d dᵀ), d = r - c."""
    s1 = p[0]
    dx1 = x - p[1]
    dy1 = y - p[2]
    s2 = p[3]
    dx2 = x - p[4]
    dy2 = y - p[5]
    q1 = -s1 * (dx1 * dx1 + dy1 * dy1)
    q2 = -s2 * (dx2 * dx2 + dy2 * dy2)
    a1 = 2.0 * s1 * math.exp(q1)
    a2 = 2.0 * s2 * math.exp(q2)
    F1 = -math.expm1(q1)
    F2 = -math.expm1(q2)
    c1 = 2.0 * s1
    c2 = 2.0 * s2
    hxx = (a1 * (1.0 - c1 * dx1 * dx1) * F2 + 2.0 * a1 * a2 * dx1 * dx2
           + a2 * (1.0 - c2 * dx2 * dx2) * F1)
    hxy = (-a1 * c1 * dx1 * dy1 * F2 + a1 * a2 * (dx1 * dy2 + dy1 * dx2)
           - a2 * c2 * dx2 * dy2 * F1)
    hyy = (a1 * (1.0 - c1 * dy1 * dy1) * F2 + 2.0 * a1 * a2 * dy1 * dy2
           + a2 * (1.0 - c2 * dy2 * dy2) * F1)
    return hxx, hxy, hyy


# -- grids of the separable surfaces -----------------------------------------------------------


@kernel(inline=True)
def rastrigin_grid(p, xs, ys, out):
    """Rastrigin on a grid, its sines once per column and once per row."""
    nx = xs.shape[0]
    ny = ys.shape[0]
    ax = np.empty(nx)
    ay = np.empty(ny)
    by = np.empty(ny)
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


@kernel(inline=True)
def ackley_grid(p, xs, ys, out):
    """Ackley on a grid, its cosines once per column and once per row."""
    nx = xs.shape[0]
    ny = ys.shape[0]
    ax = np.empty(nx)
    bx = np.empty(nx)
    ay = np.empty(ny)
    by = np.empty(ny)
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


@kernel(inline=True)
def levi13_grid(p, xs, ys, out):
    """Lévi N.13 on a grid, its sines once per column and once per row."""
    nx = xs.shape[0]
    ny = ys.shape[0]
    ax = np.empty(nx)
    bx = np.empty(nx)
    ay = np.empty(ny)
    by = np.empty(ny)
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

"""Tests of the surface catalogue in :mod:`landscapes`.

The expected stationary points below are literal values from published tables and from an
independent high-precision computation (multistart Newton refined in 30-digit arithmetic); they
are deliberately not taken from the package, so the catalogue is checked against numbers stated
elsewhere. Each literal carries the tolerance its number of digits allows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscapes import SURFACES, Point, get_surface, grid
from landscapes import _kernels as K

# ---------------------------------------------------------------------------------------------
# Independent reference values: (x, y, f, tol_xy, tol_f).
# ---------------------------------------------------------------------------------------------


def R(x, y, f, dxy=1e-12, df=1e-12):
    return (x, y, f, dxy, df)


def S6(x, y, f):
    """A point published to 6 decimals (value to 6 decimals)."""
    return R(x, y, f, 1e-6, 1.5e-6)


def S5(x, y, f):
    """A point published to 5 decimals (value to 6 decimals)."""
    return R(x, y, f, 1e-5, 1.5e-6)


PI = math.pi
SQ3 = math.sqrt(3.0)
# Rastrigin, 1-D: minima 0.994959 (value 0.994959), 1.989912 (3.979831), 2.984856 (8.954601);
# maximum at 0.502546. Two-dimensional points are sums over the coordinates.
RA1, RA1F = 0.994959, 0.994959


def rastrigin_textbook(x, y):
    return 20 + x * x - 10 * math.cos(2 * PI * x) + y * y - 10 * math.cos(2 * PI * y)


# Styblinski-Tang, 1-D: -2.903534027771177 (value -39.166165703771415),
# 2.746802770990837 (value -25.029446655283943), maximum 0.156731256780 (2-D max 0.391225).
STA, STB, STM = -2.903534027771177, 2.746802770990837, 0.156731256780
STFA, STFB, STFM = -39.166165703771415, -25.029446655283943, 0.391225 / 2

REFERENCE = {
    "ravine": {"minima": [R(0, 0, 0)]},
    "rosenbrock": {"minima": [R(1, 1, 0)]},
    "saddle": {"saddles": [R(0, 0, 0)]},
    "monkey_saddle": {"saddles": [R(0, 0, 0)]},
    "booth": {"minima": [R(1, 3, 0)]},
    "matyas": {"minima": [R(0, 0, 0)]},
    "beale": {
        "minima": [R(3, 0.5, 0)],
        "saddles": [R(0, 1, 14.203125),
                    R(0.1005379373, -2.6445135850, 9.8645122848, 1e-10, 1e-10)],
    },
    "himmelblau": {
        "minima": [R(3, 2, 0), R(-2.805118086953, 3.131312518250, 0),
                   R(-3.779310253378, -3.283185991286, 0), R(3.584428340330, -1.848126526964, 0)],
        "saddles": [S6(3.385154, 0.073852, 13.311926), S6(0.086678, 2.884255, 67.719150),
                    S6(-3.073026, -0.081353, 104.015163), S6(-0.127961, -1.953715, 178.337239)],
        "maxima": [R(-0.270844590667, -0.923038556480, 181.616521522582)],
    },
    "rastrigin": {
        "minima": [R(0, 0, 0)]
        + [S6(sx * RA1, sy * RA1, (abs(sx) + abs(sy)) * RA1F)
           for sx, sy in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]]
        + [S6(-1.989912, 2.984856, 3.979831 + 8.954601)],
        "saddles": [S6(sx * 0.502546, sy * 0.502546,
                       rastrigin_textbook(sx * 0.502546, sy * 0.502546))
                    for sx, sy in [(1, 0), (-1, 0), (0, 1), (0, -1)]],
    },
    "ackley": {
        # Symmetric under x -> -x, y -> -y and x <-> y, so the published points come in sets.
        "minima": [R(0, 0, 0)]
        + [S6(a, b, 2.579928) for a, b in [(0.952167, 0), (-0.952167, 0), (0, 0.952167),
                                            (0, -0.952167)]]
        + [S6(a, b, 3.574452) for a in (0.968478, -0.968478) for b in (0.968478, -0.968478)]
        + [S6(a, b, 4.884065) for a, b in [(1.958920, 0), (-1.958920, 0), (0, 1.958920),
                                            (0, -1.958920)]],
    },
    "goldstein_price": {
        "minima": [R(0, -1, 3), R(-0.6, -0.4, 30), R(1.8, 0.2, 84), R(1.2, 0.8, 840)],
        "saddles": [R(-0.4, -0.6, 35), R(1.2, -0.2, 99), R(1.4, 0.6, 980), R(0.6, 0.4, 990)],
        "maxima": [R(0.8, 0.2, 1155)],
    },
    "six_hump_camel": {
        "minima": [R(0.089842013100, -0.712656403021, -1.031628453489877),
                   R(-0.089842013100, 0.712656403021, -1.031628453489877),
                   R(-1.703606714970, 0.796083568673, -0.215463824384),
                   R(1.703606714970, -0.796083568673, -0.215463824384),
                   # Published as 1.607104752917; the 30-digit root is 1.6071047529201972...
                   R(1.607104752920197, 0.568651454884, 2.104250310311),
                   R(-1.607104752920197, -0.568651454884, 2.104250310311)],
        "saddles": [R(0, 0, 0),
                    S6(-1.109205, 0.768268, 0.543719), S6(1.109205, -0.768268, 0.543719),
                    S6(1.638068, 0.228674, 2.229357), S6(-1.638068, -0.228674, 2.229357),
                    S6(1.296070, 0.605084, 2.229471), S6(-1.296070, -0.605084, 2.229471)],
        "maxima": [S6(1.230230, 0.162335, 2.496295), S6(-1.230230, -0.162335, 2.496295)],
    },
    "three_hump_camel": {
        "minima": [R(0, 0, 0), R(1.747552345830, -0.873776172915, 0.298638442237),
                   R(-1.747552345830, 0.873776172915, 0.298638442237)],
        # Published as 1.070542291818; the 30-digit root is 1.0705422918236599... (= -2y).
        "saddles": [R(1.07054229182366, -0.535271145912, 0.877361557763),
                    R(-1.07054229182366, 0.535271145912, 0.877361557763)],
    },
    "styblinski_tang": {
        "minima": [R(STA, STA, -78.332331407543), R(STA, STB, STFA + STFB),
                   R(STB, STA, STFA + STFB), R(STB, STB, 2 * STFB)],
        "saddles": [R(a, b, fa + fb, 1e-12, 1e-6)
                    for a, b, fa, fb in [(STA, STM, STFA, STFM), (STM, STA, STFM, STFA),
                                         (STB, STM, STFB, STFM), (STM, STB, STFM, STFB)]],
        "maxima": [R(STM, STM, 0.391225, 1e-12, 1e-6)],
    },
    "mccormick": {
        "minima": [R(0.5 - PI / 3, -0.5 - PI / 3, -SQ3 / 2 - PI / 3),
                   R(2.594395102393, 1.594395102393, 2 * PI / 3 - SQ3 / 2)],
        "saddles": [R(1.547197551197, 0.547197551197, 1.913222954981)],
    },
    "levi13": {
        "minima": [R(1, 1, 0),
                   S5(0.67038, 1, 0.109874), S5(1.32962, 1, 0.109874),
                   S5(0.67167, 0.73389, 0.288712), S5(1.32833, 0.73389, 0.288712),
                   S5(0.67167, 1.26611, 0.288712), S5(1.32833, 1.26611, 0.288712),
                   # 0.34078 is published; 1.65922 = 2 - 0.34078 by the symmetry x -> 2 - x.
                   S5(0.34078, 1, 0.439489), S5(1.65922, 1, 0.439489)],
    },
    "sharp_flat": {
        "minima": [R(-1.5, 0, 0), R(1.5, 0, 0)],
        # Root of df/dx on y = 0 at the default sharpness, found in 30-digit arithmetic.
        "saddles": [R(-0.889466858663813049, 0, 0.933504293158530710)],
    },
}
KINDS = ("minima", "saddles", "maxima")
NAMES = list(SURFACES)


def test_catalogue_is_complete():
    expected = {"ravine", "rosenbrock", "saddle", "monkey_saddle", "beale", "himmelblau",
                "booth", "matyas", "rastrigin", "ackley", "goldstein_price", "six_hump_camel",
                "three_hump_camel", "styblinski_tang", "mccormick", "levi13", "sharp_flat"}
    assert set(SURFACES) == expected == set(REFERENCE)
    sids = [s.sid for s in SURFACES.values()]
    assert sorted(sids) == list(range(K.N_SURFACES))
    for name, s in SURFACES.items():
        assert s.name == name
        assert getattr(K, name.upper()) == s.sid


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def fd_grad(s, x, y):
    hx = 1e-6 * max(1.0, abs(x))
    hy = 1e-6 * max(1.0, abs(y))
    gx = (s.value(x + hx, y) - s.value(x - hx, y)) / (2 * hx)
    gy = (s.value(x, y + hy) - s.value(x, y - hy)) / (2 * hy)
    return gx, gy, max(hx, hy)


def fd_hessian(s, x, y, h=1e-5):
    """Central differences of the analytic gradient, symmetrised."""
    H = np.empty((2, 2))
    for k, (dx, dy) in enumerate(((h, 0.0), (0.0, h))):
        gp = s.grad(x + dx, y + dy)
        gm = s.grad(x - dx, y - dy)
        H[:, k] = [(gp[0] - gm[0]) / (2 * h), (gp[1] - gm[1]) / (2 * h)]
    return 0.5 * (H + H.T)


def random_points(s, n, seed):
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = s.bounds
    pts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    if s.sid == K.ACKLEY:  # the tip of the cone at the origin has no gradient
        pts = pts[np.hypot(pts[:, 0], pts[:, 1]) > 1e-2]
    return pts


VARIANTS = [SURFACES[n] for n in NAMES] + [
    get_surface("ravine", condition=1000, angle=37.5),
    get_surface("ravine", condition=1, angle=-90),
    get_surface("ravine", condition=3.3, angle=90),
    get_surface("rosenbrock", b=1),
    get_surface("rosenbrock", b=1000),
    get_surface("sharp_flat", sharpness=1),
    get_surface("sharp_flat", sharpness=100),
]


def _id(s):
    return s.name + "".join(f"-{k}={v:g}" for k, v in s.params.items())


# ---------------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", VARIANTS, ids=_id)
def test_gradient_matches_central_differences(s):
    for x, y in random_points(s, 200, seed=1000 + s.sid):
        f, gx, gy = s.value_grad(x, y)
        nx, ny, h = fd_grad(s, x, y)
        # truncation O(h^2) (relative) plus round-off of the differenced values
        tol_abs = 1e-8 * max(1.0, abs(f)) + 1e-9
        assert abs(nx - gx) <= 1e-6 * abs(gx) + tol_abs, (x, y, gx, nx)
        assert abs(ny - gy) <= 1e-6 * abs(gy) + tol_abs, (x, y, gy, ny)


@pytest.mark.parametrize("s", VARIANTS, ids=_id)
def test_value_agrees_with_value_grad(s):
    pts = random_points(s, 200, seed=2000 + s.sid)
    for x, y in pts:
        f = s.value(x, y)
        f2, _, _ = K.value_grad(s.sid, s.p, x, y)
        assert f == pytest.approx(f2, rel=1e-14, abs=1e-14)


def test_unknown_sid_gives_nan():
    assert math.isnan(K.value(99, np.empty(0), 0.0, 0.0))
    assert all(math.isnan(v) for v in K.value_grad(99, np.empty(0), 0.0, 0.0))


# ---------------------------------------------------------------------------------------------
# stationary points against the independent reference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", KINDS)
def test_catalogue_matches_reference(name, kind):
    listed = getattr(SURFACES[name], kind)
    expected = REFERENCE[name].get(kind, [])
    assert len(listed) == len(expected), f"{name}.{kind}: {len(listed)} listed"
    unmatched = list(listed)
    for x, y, f, dxy, df in expected:
        hits = [p for p in unmatched if abs(p.x - x) <= dxy and abs(p.y - y) <= dxy]
        assert len(hits) == 1, f"{name}: no unique {kind} entry near ({x}, {y})"
        p = hits[0]
        unmatched.remove(p)
        assert isinstance(p, Point)
        assert p.f == pytest.approx(f, rel=df, abs=df), (name, p)


@pytest.mark.parametrize("name", NAMES)
def test_listed_values_and_zero_gradient(name):
    s = SURFACES[name]
    for p in s.minima + s.saddles + s.maxima:
        f = s.value(p.x, p.y)
        assert f == pytest.approx(p.f, rel=1e-12, abs=1e-12), p
        if name == "ackley" and p.x == 0.0 and p.y == 0.0:
            continue  # the global minimum is the non-differentiable tip of a cone
        gx, gy = s.grad(p.x, p.y)
        assert math.hypot(gx, gy) <= 1e-9 * max(1.0, abs(p.f)), (p, gx, gy)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_classifies_points(name):
    s = SURFACES[name]
    for p in s.minima:
        if name == "ackley" and (p.x, p.y) == (0.0, 0.0):
            # Cone tip: no Hessian. It is a strict minimum: every nearby point is higher.
            ring = [s.value(1e-3 * math.cos(t), 1e-3 * math.sin(t))
                    for t in np.linspace(0, 2 * PI, 16)]
            assert min(ring) > p.f
            continue
        ev = np.linalg.eigvalsh(fd_hessian(s, p.x, p.y))
        assert ev[0] > 1e-6 * max(1.0, abs(ev[1])), (p, ev)
    for p in s.saddles:
        if name == "monkey_saddle":
            continue  # degenerate: Hessian is zero; checked separately below
        ev = np.linalg.eigvalsh(fd_hessian(s, p.x, p.y))
        assert ev[0] < 0 < ev[1], (p, ev)
    for p in s.maxima:
        ev = np.linalg.eigvalsh(fd_hessian(s, p.x, p.y))
        assert ev[1] < 0, (p, ev)


def test_monkey_saddle_is_degenerate_with_three_descent_directions():
    s = SURFACES["monkey_saddle"]
    assert np.abs(fd_hessian(s, 0.0, 0.0)).max() < 1e-8
    r = 1e-2
    signs = [np.sign(s.value(r * math.cos(t), r * math.sin(t)))
             for t in np.linspace(0, 2 * PI, 361)[:-1] + 0.25 / 180 * PI]
    changes = sum(a != b for a, b in zip(signs, signs[1:] + signs[:1], strict=True))
    assert changes == 6  # three valleys, three ridges


def test_reference_hessians():
    ev = np.linalg.eigvalsh(fd_hessian(SURFACES["rosenbrock"], 1.0, 1.0))
    assert ev == pytest.approx([0.399361, 1001.6006], rel=1e-5)
    ev = np.linalg.eigvalsh(fd_hessian(SURFACES["booth"], 1.0, 3.0))
    assert ev == pytest.approx([2.0, 18.0], rel=1e-7)
    ev = np.linalg.eigvalsh(fd_hessian(SURFACES["matyas"], 0.0, 0.0))
    assert ev == pytest.approx([0.04, 1.0], rel=1e-7)
    ev = np.linalg.eigvalsh(fd_hessian(SURFACES["goldstein_price"], 0.0, -1.0))
    assert ev == pytest.approx([402.83, 965.17], rel=1e-5)


# ---------------------------------------------------------------------------------------------
# global minimum, ordering, bounds
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_global_minimum_and_order(name):
    s = SURFACES[name]
    if name in ("saddle", "monkey_saddle"):
        assert s.f_min is None and s.minima == []  # unbounded below
        return
    assert s.minima[0].f == s.f_min
    fs = [p.f for p in s.minima]
    assert min(fs) == s.f_min
    assert fs == sorted(fs)  # global minima first, then by increasing value
    # No point of a fine grid over the bounds is below the stated global minimum.
    _, _, Z = grid(s, 301, 301)
    assert Z.min() >= s.f_min - 1e-12 * max(1.0, abs(s.f_min))


@pytest.mark.parametrize("s", VARIANTS, ids=_id)
def test_bounds_start_and_limit(s):
    (x0, x1), (y0, y1) = s.bounds
    assert x0 < x1 and y0 < y1
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    for p in s.minima:
        assert x0 <= p.x <= x1 and y0 <= p.y <= y1, p
    (lx0, lx1), (ly0, ly1) = s.limit
    assert lx1 - lx0 == pytest.approx(50 * (x1 - x0))
    assert ly1 - ly0 == pytest.approx(50 * (y1 - y0))
    assert (lx0 + lx1) / 2 == pytest.approx((x0 + x1) / 2)
    assert (ly0 + ly1) / 2 == pytest.approx((y0 + y1) / 2)
    gx, gy = s.grad(*s.start)
    assert math.hypot(gx, gy) > 0  # a start that moves


@pytest.mark.parametrize("name", NAMES)
def test_descriptive_fields(name):
    s = SURFACES[name]
    for text in (s.title, s.latex, s.lesson, s.reference):
        assert isinstance(text, str) and text.strip()
    assert s.lesson.endswith(".") and s.lesson.count(". ") == 0  # one sentence
    assert s.latex.count("{") == s.latex.count("}")
    assert isinstance(s.log_scale, bool)
    assert s.p.dtype == np.float64 and s.p.ndim == 1 and not s.p.flags.writeable
    assert set(s.params) == set(s.param_spec)
    for key, spec in s.param_spec.items():
        assert spec.low <= spec.default <= spec.high
        assert s.params[key] == spec.default


def test_nearest_minimum():
    s = SURFACES["himmelblau"]
    for i, p in enumerate(s.minima):
        assert s.nearest_minimum(p.x + 1e-4, p.y - 1e-4) == i
        assert s.nearest_minimum(p.x + 0.3, p.y, tol=0.5) == i
    assert s.nearest_minimum(0.0, 0.0) is None
    assert SURFACES["saddle"].nearest_minimum(0.0, 0.0, tol=10) is None
    r = SURFACES["rastrigin"]
    assert r.nearest_minimum(0.99, 0.01, tol=0.1) == 1


# ---------------------------------------------------------------------------------------------
# parameters and validation
# ---------------------------------------------------------------------------------------------


def test_get_surface_defaults_equal_registry():
    for name, s in SURFACES.items():
        t = get_surface(name)
        assert t == s and hash(t) == hash(s)
    assert get_surface("ravine", condition=20) != SURFACES["ravine"]


@pytest.mark.parametrize("call, words", [
    (lambda: get_surface("nope"), ["nope", "rosenbrock", "ravine"]),
    (lambda: get_surface("ravine", kappa=3), ["kappa", "condition", "angle"]),
    (lambda: get_surface("beale", b=3), ["'b'", "beale"]),
    (lambda: get_surface("ravine", condition=0.5), ["condition", "[1, 1000]"]),
    (lambda: get_surface("ravine", condition=1e4), ["condition", "[1, 1000]"]),
    (lambda: get_surface("ravine", angle=-91), ["angle", "[-90, 90]"]),
    (lambda: get_surface("ravine", angle=float("nan")), ["angle", "[-90, 90]"]),
    (lambda: get_surface("ravine", angle="ten"), ["angle", "[-90, 90]"]),
    (lambda: get_surface("sharp_flat", sharpness=0.5), ["sharpness", "[1, 100]"]),
    (lambda: get_surface("rosenbrock", b=0), ["'b'", "[1, 1000]"]),
])
def test_get_surface_validation(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for w in words:
        assert w in str(err.value)


def test_range_ends_are_accepted():
    adjustable = {name: s.param_spec for name, s in SURFACES.items() if s.param_spec}
    assert set(adjustable) == {"ravine", "rosenbrock", "sharp_flat"}
    for name, spec in adjustable.items():
        for key, ps in spec.items():
            for v in (ps.low, ps.high, int(ps.default)):
                assert get_surface(name, **{key: v}).params[key] == v


@pytest.mark.parametrize("k, angle", [(10, 0), (10, 30), (250, -60), (1000, 90), (1, 45),
                                      (7.5, -90)])
def test_ravine_rotation(k, angle):
    s = get_surface("ravine", condition=k, angle=angle)
    th = math.radians(angle)
    rot = np.array([[math.cos(th), math.sin(th)], [-math.sin(th), math.cos(th)]])  # (x,y)->(u,v)
    hess = rot.T @ np.diag([1.0, k]) @ rot
    rng = np.random.default_rng(7)
    for x, y in rng.uniform(-4, 4, (50, 2)):
        u, v = rot @ [x, y]
        f, gx, gy = s.value_grad(x, y)
        assert f == pytest.approx(0.5 * (u * u + k * v * v), rel=1e-13, abs=1e-13)
        g = hess @ [x, y]
        assert gx == pytest.approx(g[0], rel=1e-12, abs=1e-12 * k)
        assert gy == pytest.approx(g[1], rel=1e-12, abs=1e-12 * k)
    assert s.minima == [Point(0.0, 0.0, 0.0)] and s.saddles == [] and s.f_min == 0.0
    assert s.value_grad(0.0, 0.0) == (0.0, 0.0, 0.0)
    ev, vec = np.linalg.eigh(fd_hessian(s, 0.3, -0.2))
    assert ev[1] / ev[0] == pytest.approx(k, rel=1e-6)
    if k > 1:  # the flat axis points along the rotation angle (any direction when k = 1)
        flat = vec[:, 0] * np.sign(vec[0, 0] * math.cos(th) + vec[1, 0] * math.sin(th))
        assert flat == pytest.approx([math.cos(th), math.sin(th)], abs=1e-6)
    # The start and the window turn with the valley.
    base = SURFACES["ravine"]
    assert rot @ s.start == pytest.approx(np.array(base.start), abs=1e-12)
    (x0, x1), (y0, y1) = s.bounds
    corners = [(a, b) for a in (-5, 5) for b in (-2, 2)]  # the default window in (u, v)
    for a, b in corners:
        x, y = rot.T @ [a, b]
        assert x0 - 1e-9 <= x <= x1 + 1e-9 and y0 - 1e-9 <= y <= y1 + 1e-9


def test_ravine_default_start_shows_zigzag():
    s = SURFACES["ravine"]
    x, y = s.start
    (x0, x1), (y0, y1) = s.bounds
    assert abs(x) > 0.5 * x1 and abs(y) > 0.1 * y1  # far along the flat axis, off the axis
    # Plain gradient descent near its stability limit flips the sign of y at every step.
    k = s.params["condition"]
    lr = 1.9 / k
    signs = []
    for _ in range(10):
        gx, gy = s.grad(x, y)
        x, y = x - lr * gx, y - lr * gy
        signs.append(np.sign(y))
    assert all(a == -b for a, b in zip(signs, signs[1:], strict=False))


@pytest.mark.parametrize("sharpness", [1.0, 5.0, 25.0, 100.0])
def test_sharp_flat(sharpness):
    s = get_surface("sharp_flat", sharpness=sharpness)
    sharp, flat = s.minima
    assert sharp.f == flat.f == s.f_min == 0.0
    for p in (sharp, flat):
        assert s.value_grad(p.x, p.y) == (0.0, 0.0, 0.0)  # exactly equal depth, flat bottom
    h_sharp = np.linalg.eigvalsh(fd_hessian(s, sharp.x, sharp.y, h=1e-6))
    h_flat = np.linalg.eigvalsh(fd_hessian(s, flat.x, flat.y, h=1e-6))
    # isotropic wells: 2 s1 F2(c1) and 2 s2 F1(c2)
    s2 = 0.5
    s1 = sharpness * s2
    expect_sharp = 2 * s1 * (1 - math.exp(-s2 * 9.0))
    expect_flat = 2 * s2 * (1 - math.exp(-s1 * 9.0))
    assert h_sharp == pytest.approx([expect_sharp] * 2, rel=1e-6)
    assert h_flat == pytest.approx([expect_flat] * 2, rel=1e-6)
    assert h_sharp[0] / h_flat[1] == pytest.approx(sharpness, rel=0.02)
    (sd,) = s.saddles
    assert sd.y == 0.0 and sharp.x < sd.x < flat.x
    assert math.hypot(*s.grad(sd.x, sd.y)) < 1e-12
    ev = np.linalg.eigvalsh(fd_hessian(s, sd.x, sd.y))
    assert ev[0] < 0 < ev[1]


def test_sharp_flat_default_ratio_is_large():
    s = SURFACES["sharp_flat"]
    sharp, flat = s.minima
    ratio = (np.linalg.eigvalsh(fd_hessian(s, sharp.x, sharp.y))[0]
             / np.linalg.eigvalsh(fd_hessian(s, flat.x, flat.y))[1])
    assert ratio >= 20


# ---------------------------------------------------------------------------------------------
# grid and array evaluation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", VARIANTS, ids=_id)
def test_grid_matches_value(s):
    xs, ys, Z = grid(s, 13, 7)
    (x0, x1), (y0, y1) = s.bounds
    assert xs.shape == (13,) and ys.shape == (7,) and Z.shape == (7, 13)
    assert Z.dtype == np.float64
    assert xs[0] == x0 and xs[-1] == x1 and ys[0] == y0 and ys[-1] == y1
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            assert Z[j, i] == s.value(x, y)  # same operations in the same order


def test_grid_bounds_override_and_validation():
    s = SURFACES["rosenbrock"]
    xs, ys, Z = grid(s, 5, 4, bounds=((0.0, 1.0), (1.0, 2.0)))
    assert xs.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ys[0] == 1.0 and ys[-1] == 2.0
    assert Z[0, -1] == 0.0  # f(1, 1)
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ValueError, match="nx"):
            grid(s, bad, 10)


def test_array_evaluation_broadcasts():
    s = SURFACES["beale"]
    x = np.linspace(-2, 2, 6).reshape(2, 3)
    y = 0.7
    f = s.value(x, y)
    gx, gy = s.grad(x, y)
    assert f.shape == gx.shape == gy.shape == (2, 3)
    for idx in np.ndindex(x.shape):
        assert f[idx] == s.value(float(x[idx]), y)
        assert (gx[idx], gy[idx]) == s.grad(float(x[idx]), y)
    assert isinstance(s.value(1, 2), float)
    assert isinstance(s.grad(1.0, 2.0)[0], float)

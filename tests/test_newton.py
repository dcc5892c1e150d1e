"""Newton's method and its saddle-free Levenberg–Marquardt variant, and the exact Hessians they
read: every surface's compiled Hessian against sympy's derivatives of its formula, the typed
formulas' against formula.py's, the compiled runs against NumPy transcriptions
(tests/naive.py) with sympy's Hessians, and the rules each method states for a singular or
indefinite Hessian."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from landscapes import SURFACES, formula_surface, get_surface
from landscapes import formula as F
from optimizers import OPTIMIZERS, run
from optimizers import newton as newton_module
from tests import naive

X, Y = sp.symbols("x y")
PI = sp.pi
R = sp.Rational

#: Each catalogue surface's formula (its LaTeX, written for sympy); p is the surface's
#: parameter vector. test_sympy_formulas_are_the_surfaces checks each against the compiled
#: value and gradient, so the Hessians below are derived from the surfaces as they run.
EXPR = {
    "ravine": lambda p: R(1, 2) * ((p[1] * X + p[2] * Y) ** 2 + p[0] * (p[1] * Y - p[2] * X) ** 2),
    "booth": lambda p: (X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2,
    "matyas": lambda p: R(26, 100) * (X**2 + Y**2) - R(48, 100) * X * Y,
    "rosenbrock": lambda p: (1 - X) ** 2 + p[0] * (Y - X**2) ** 2,
    "beale": lambda p: ((R(3, 2) - X + X * Y) ** 2 + (R(9, 4) - X + X * Y**2) ** 2
                        + (R(21, 8) - X + X * Y**3) ** 2),
    "saddle": lambda p: X**2 - Y**2,
    "monkey_saddle": lambda p: X**3 - 3 * X * Y**2,
    "sharp_flat": lambda p: ((1 - sp.exp(-p[0] * ((X - p[1]) ** 2 + (Y - p[2]) ** 2)))
                             * (1 - sp.exp(-p[3] * ((X - p[4]) ** 2 + (Y - p[5]) ** 2)))),
    "himmelblau": lambda p: (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
    "three_hump_camel": lambda p: 2 * X**2 - R(105, 100) * X**4 + X**6 / 6 + X * Y + Y**2,
    "six_hump_camel": lambda p: ((4 - R(21, 10) * X**2 + X**4 / 3) * X**2 + X * Y
                                 + (-4 + 4 * Y**2) * Y**2),
    "mccormick": lambda p: sp.sin(X + Y) + (X - Y) ** 2 - R(3, 2) * X + R(5, 2) * Y + 1,
    "styblinski_tang": lambda p: (X**4 - 16 * X**2 + 5 * X + Y**4 - 16 * Y**2 + 5 * Y) / 2,
    "goldstein_price": lambda p: (
        (1 + (X + Y + 1) ** 2 * (19 - 14 * X + 3 * X**2 - 14 * Y + 6 * X * Y + 3 * Y**2))
        * (30 + (2 * X - 3 * Y) ** 2 * (18 - 32 * X + 12 * X**2 + 48 * Y - 36 * X * Y
                                        + 27 * Y**2))),
    "rastrigin": lambda p: 20 + X**2 - 10 * sp.cos(2 * PI * X) + Y**2 - 10 * sp.cos(2 * PI * Y),
    "ackley": lambda p: (-20 * sp.exp(-R(1, 5) * sp.sqrt((X**2 + Y**2) / 2))
                         - sp.exp((sp.cos(2 * PI * X) + sp.cos(2 * PI * Y)) / 2) + sp.E + 20),
    "levi13": lambda p: (sp.sin(3 * PI * X) ** 2 + (X - 1) ** 2 * (1 + sp.sin(3 * PI * Y) ** 2)
                         + (Y - 1) ** 2 * (1 + sp.sin(2 * PI * Y) ** 2)),
}


def _sympy(surf):
    """f, its gradient and its Hessian as sympy expressions, with the surface's parameters."""
    f = EXPR[surf.name]([sp.Float(v, 30) for v in surf.p])
    g = [sp.diff(f, X), sp.diff(f, Y)]
    h = [sp.diff(f, X, X), sp.diff(f, X, Y), sp.diff(f, Y, Y)]
    return f, g, h


def _points(surf, n=8, seed=0):
    (x0, x1), (y0, y1) = surf.bounds
    rng = np.random.default_rng(seed)
    return [(float(a), float(b)) for a, b in zip(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n),
                                                  strict=True)]


def _close(got, want, rel=1e-12):
    scale = max(1.0, max(abs(w) for w in want))
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= rel * scale, (got, want)


def test_every_catalogue_surface_has_its_sympy_formula_here():
    assert set(EXPR) == set(SURFACES)


@pytest.mark.parametrize("name", list(SURFACES))
def test_sympy_formulas_are_the_surfaces(name):
    surf = get_surface(name)
    f, g, _ = _sympy(surf)
    ev = sp.lambdify((X, Y), [f, *g], "mpmath")
    for x, y in _points(surf, 4, seed=1):
        _close(surf.value_grad(x, y), [float(v) for v in ev(x, y)], rel=1e-11)


@pytest.mark.parametrize("name", list(SURFACES))
def test_compiled_hessian_is_sympys(name):
    surf = get_surface(name)
    _, _, h = _sympy(surf)
    ev = sp.lambdify((X, Y), h, "mpmath")
    pts = _points(surf) + [tuple(surf.start)] + [(m.x, m.y) for m in surf.minima[:2]]
    for x, y in pts:
        if name == "ackley" and x == y == 0.0:
            continue  # the tip of the cone: no second derivative (see ackley_hess)
        _close(surf.hessian(x, y), [float(v) for v in ev(x, y)])
    # the array form gives the same numbers as the scalar one
    xs, ys = np.array(pts).T
    hxx, hxy, hyy = surf.hessian(xs, ys)
    assert [tuple(r) for r in np.c_[hxx, hxy, hyy]] == [surf.hessian(x, y) for x, y in pts]


@pytest.mark.parametrize("name", ["rosenbrock", "ravine", "sharp_flat"])
def test_the_hessian_follows_the_surfaces_parameters(name):
    spec = get_surface(name).param_spec
    key = next(iter(spec))
    surf = get_surface(name, **{key: spec[key].high})
    _, _, h = _sympy(surf)
    ev = sp.lambdify((X, Y), h, "mpmath")
    for x, y in _points(surf, 4, seed=2):
        _close(surf.hessian(x, y), [float(v) for v in ev(x, y)])


TYPED = ["x^4 - 2*x^2 + y^2 + x*y/2", "exp(-x^2-y^2)*sin(3*x)", "log(1 + x^2) + sqrt(4 + y^2)",
         "1/(x^2 + 1) - y/(2 + x^2)", "x^y + 2^x", "tan(x/3) * cosh(y/2) + tanh(x*y)",
         "asin(x/5) + acos(y/5) + atan(x*y)", "sinh(x) - log10(3 + y^2) + (x - y)^3",
         "abs(x - 1) * y^2 + max(x, y)^2 + min(x*y, 1)", "3 - (x + y)/7 + 5*x*2 - 1/(y^2 + 2)",
         "(x^2 + 1)^(-1.5) + (2 + y^2)^0.5"]


@pytest.mark.parametrize("text", TYPED)
def test_typed_formula_hessian_is_formula_pys(text):
    surf = formula_surface(text)
    tree = F.parse(text)
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(0.2, 1.9, 12), rng.uniform(0.2, 1.9, 12)
    want = F.hessian(tree, xs, ys)[3:]
    got = surf.hessian(xs, ys)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    if any(name in text for name in ("abs", "min", "max")):
        return  # sympy's second derivatives hold Dirac deltas where these switch
    # and sympy's own second derivatives of the same tree
    f, x, y = F.sympy_expr(tree)
    ev = sp.lambdify((x, y), [sp.diff(f, x, x), sp.diff(f, x, y), sp.diff(f, y, y)], "mpmath")
    for i in range(3):
        _close(surf.hessian(xs[i], ys[i]), [float(v) for v in ev(xs[i], ys[i])], rel=1e-11)


# ---- the compiled runs against the NumPy transcriptions, with sympy's Hessians


def _sympy_hess(surf):
    _, _, h = _sympy(surf)
    ev = sp.lambdify((X, Y), h, "math")
    return lambda x, y: tuple(float(v) for v in ev(x, y))


CASES = [("rosenbrock", "newton", {}), ("rosenbrock", "levenberg_marquardt", {}),
         ("himmelblau", "newton", {}), ("himmelblau", "levenberg_marquardt", {"damping": 0.5}),
         ("beale", "newton", {"lr": 0.5}), ("booth", "levenberg_marquardt", {"damping": 2.0}),
         ("six_hump_camel", "newton", {}), ("six_hump_camel", "levenberg_marquardt", {}),
         ("three_hump_camel", "levenberg_marquardt", {"lr": 0.5, "damping": 0.3})]


@pytest.mark.parametrize(("surface", "name", "hyper"), CASES,
                         ids=[f"{s}-{n}-{h}" for s, n, h in CASES])
def test_compiled_runs_follow_the_numpy_transcriptions_for_200_steps(surface, name, hyper):
    surf = get_surface(surface)
    steps = 200
    traj = run(surf, name, steps=steps, **hyper)
    assert traj.status == "completed"
    hp = {**OPTIMIZERS[name].defaults(), **hyper}
    lrs = [hp.pop("lr")] * steps
    want = np.array(naive.NAIVE[name](surf.grad, surf.start, steps, lrs,
                                      hess=_sympy_hess(surf), **hp))
    np.testing.assert_allclose(traj.xy, want, rtol=1e-12, atol=1e-12)
    assert len(np.unique(traj.xy, axis=0)) > 3  # it moved


def test_a_mistranscribed_rule_would_be_caught():
    """The comparison above can fail: Newton with the inverse of |H| (the saddle-free rule)
    leaves Himmelblau's maximum-bound path at once."""
    surf = get_surface("himmelblau")
    traj = run(surf, "newton", steps=20)
    wrong = naive.levenberg_marquardt(surf.grad, surf.start, 20, [1.0] * 20, damping=1e-8,
                                      hess=_sympy_hess(surf))
    assert np.abs(traj.xy - np.array(wrong)).max() > 1.0


# ---- what each method does


@pytest.mark.parametrize("condition", [1.0, 10.0, 1000.0])
@pytest.mark.parametrize("angle", [0.0, 30.0, -75.0])
def test_newton_minimises_the_ravine_in_one_step(condition, angle):
    surf = get_surface("ravine", condition=condition, angle=angle)
    traj = run(surf, "newton", steps=3)
    assert np.abs(traj.xy[1]).max() < 1e-12 and traj.loss[1] < 1e-24
    # gradient descent at its best constant rate needs far more at k = 1000
    if condition == 1000.0:
        gd = run(surf, "sgd", steps=3, lr=1.0 / condition)
        assert gd.loss[-1] > 0.1


def test_plain_newton_converges_to_the_saddle_and_lm_leaves_it_downhill():
    start = (0.3, 0.01)
    nt = run("saddle", "newton", start=start, steps=100)
    assert nt.status == "completed"
    assert np.abs(nt.xy[-1]).max() < 1e-12  # the saddle (0, 0), in one step here
    lm = run("saddle", "levenberg_marquardt", start=start, steps=100, record=True)
    assert lm.status == "left"  # off the bottom of the map, downhill all the way
    assert np.all(np.diff(lm.loss) < 0)
    assert np.all(np.sum(lm.grads * lm.updates, axis=1) < 0)  # each step a descent step
    assert set(lm.state["flipped"][:, 0]) == {1.0}  # y's curvature -2 taken as 2


def test_plain_newton_is_drawn_to_himmelblaus_maximum():
    traj = run("himmelblau", "newton", start=(0.0, 0.0), steps=30, record=True)
    x, y = traj.xy[-1]
    assert abs(x + 0.270845) < 1e-5 and abs(y + 0.923039) < 1e-5  # the local maximum
    assert (traj.state["eigenvalues"][-1] < 0).all()  # both curvatures negative there
    lm = run("himmelblau", "levenberg_marquardt", start=(0.0, 0.0), steps=100)
    assert lm.loss[-1] < 1e-20  # a minimum


def test_lm_steps_are_descent_directions_everywhere():
    surf = get_surface("six_hump_camel")
    for x, y in _points(surf, 6, seed=3):
        traj = run(surf, "levenberg_marquardt", start=(x, y), steps=30, record=True,
                   damping=1e-3)
        moved = np.abs(traj.grads).sum(axis=1) > 1e-9
        assert np.all(np.sum(traj.grads * traj.updates, axis=1)[moved] < 0)


def test_lm_with_a_large_damping_is_gradient_descent():
    lm = run("booth", "levenberg_marquardt", steps=50, damping=1e4, lr=1.0)
    gd = run("booth", "sgd", steps=50, lr=1e-4)
    # (|H| + λI)⁻¹ ≈ I/λ: the same path to within the curvature's share, 18 / 10⁴
    np.testing.assert_allclose(lm.xy, gd.xy, atol=0.02)


def test_the_singular_rule_gives_the_minimum_norm_step():
    # x + y²: H = diag(0, 2), singular everywhere; the step solves the y part only
    traj = run(formula_surface("x + y^2"), "newton", start=(1.0, 1.0), steps=5, record=True)
    assert traj.status == "completed" and np.isfinite(traj.xy).all()
    np.testing.assert_array_equal(traj.xy[1], [1.0, 0.0])
    np.testing.assert_array_equal(traj.xy[-1], [1.0, 0.0])  # no curvature along x: it stays
    assert (traj.state["singular"][:, 0] == 1.0).all()
    # the zero Hessian (the monkey saddle's centre): a zero step, not a division by zero
    mk = run("monkey_saddle", "newton", start=(0.0, 0.0), steps=3, record=True)
    assert mk.status == "completed" and (mk.xy == 0.0).all()


@pytest.mark.parametrize(("h", "g"), [((0.0, 0.0, 2.0), (1.0, -3.0)),  # det = 0
                                      ((1.0, 1.0, 1.0), (2.0, 0.5)),  # det = 0, rotated
                                      ((4.0, 2.0, 1.0 + 1e-14), (1.0, 1.0))])  # nearly
def test_the_singular_rule_is_the_pseudo_inverse(h, g):
    hxx, hxy, hyy = h
    dx, dy, flag, _, _ = newton_module.direction(g[0], g[1], hxx, hxy, hyy, 0.0, 0.0)
    H = np.array([[hxx, hxy], [hxy, hyy]])
    want = -np.linalg.pinv(H, rcond=1e-10) @ np.array(g)
    assert flag == 1.0 and math.isfinite(dx) and math.isfinite(dy)
    np.testing.assert_allclose([dx, dy], want, rtol=1e-9, atol=1e-12)


def test_a_nonsingular_hessian_is_inverted():
    dx, dy, flag, l1, l2 = newton_module.direction(1.0, 2.0, 2.0, 0.5, -3.0, 0.0, 0.0)
    np.testing.assert_allclose([dx, dy], -np.linalg.solve([[2.0, 0.5], [0.5, -3.0]], [1.0, 2.0]),
                               rtol=1e-14)
    assert flag == 0.0 and l1 > 0 > l2


def test_both_say_they_are_not_in_torch():
    for name in ("newton", "levenberg_marquardt"):
        info = OPTIMIZERS[name]
        assert "Not in ``torch.optim``" in " ".join(info.doc.split())
        assert info.summary.startswith("Not in torch.optim")
        assert any("Not in torch.optim" in line for line in info.latex(info.defaults(),
                                                                        r"\gamma_t = 1"))
    assert OPTIMIZERS["levenberg_marquardt"].title == "Newton (LM)"
    from tests.test_refs import NOT_IN_TORCH

    assert NOT_IN_TORCH == ("newton", "levenberg_marquardt")  # every other one has a reference


def test_lm_damping_is_bounded():
    with pytest.raises(ValueError, match="damping"):
        run("booth", "levenberg_marquardt", steps=1, damping=0.0)
    with pytest.raises(ValueError, match="damping"):
        run("booth", "levenberg_marquardt", steps=1, damping=1e7)


@pytest.mark.parametrize("name", ["newton", "levenberg_marquardt"])
def test_an_infinite_curvature_stops_the_run_as_an_undefined_formula_does(name):
    # x^1.5 at x = 0: f and its gradient are finite, its second derivative is not
    surf = formula_surface("x^1.5 + y^2")
    traj = run(surf, name, start=(0.0, 1.0), steps=10)
    assert traj.status == "domain" and traj.diverged_at == 1 and len(traj.xy) == 1
    assert traj.stop_text == "left the domain at step 1"
    # a first-order method goes on: its gradient is finite there
    assert run(surf, "sgd", start=(0.0, 1.0), steps=10, lr=0.1).status == "completed"

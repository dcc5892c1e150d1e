"""A formula typed by the user: the parser, the exact gradient, the domain, the surface contract."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sympy as sp

from landscapes import FORMULA, SURFACES, FormulaError, formula_surface, get_surface, grid
from landscapes import _kernels as K
from landscapes import formula as F
from optimizers import run

# -- the grammar ---------------------------------------------------------------------------------

ACCEPTED = [
    ("x^2 + 3*y^2", lambda x, y: x ** 2 + 3 * y ** 2),
    ("x**2 - y**2", lambda x, y: x ** 2 - y ** 2),
    ("-x^2", lambda x, y: -(x ** 2)),  # unary minus binds looser than ^, as in Python
    ("2^-1 * x", lambda x, y: 0.5 * x),
    ("1e-3*x + 2.5E2*y + .5", lambda x, y: 1e-3 * x + 250 * y + 0.5),
    ("pi*x + e*y", lambda x, y: math.pi * x + math.e * y),
    ("sin(x)*cos(y) + tan(x/4)", lambda x, y: math.sin(x) * math.cos(y) + math.tan(x / 4)),
    ("asin(x/4) + acos(y/4) + atan(x*y)",
     lambda x, y: math.asin(x / 4) + math.acos(y / 4) + math.atan(x * y)),
    ("sinh(x/3) + cosh(y/3) + tanh(x*y)",
     lambda x, y: math.sinh(x / 3) + math.cosh(y / 3) + math.tanh(x * y)),
    ("exp(-x^2) + log(1 + y^2) + log10(2 + x^2)",
     lambda x, y: math.exp(-x * x) + math.log(1 + y * y) + math.log10(2 + x * x)),
    ("sqrt(1 + x^2 + y^2) + abs(x - y)", lambda x, y: math.sqrt(1 + x * x + y * y) + abs(x - y)),
    ("min(x, y, 1) + max(x^2, y^2)", lambda x, y: min(x, y, 1) + max(x * x, y * y)),
    ("(x^2 + y)^1.5 / (1 + x^2)", lambda x, y: (x * x + y) ** 1.5 / (1 + x * x)),
    ("x^y", lambda x, y: x ** y),
    ("+x - -y", lambda x, y: x + y),
]


@pytest.mark.parametrize("text,fn", ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_every_part_of_the_grammar_evaluates_as_written(text, fn):
    surf = formula_surface(text)
    for x, y in ((0.7, 1.3), (1.9, 0.4), (0.25, 2.0)):
        want = fn(x, y)
        assert surf.value(x, y) == pytest.approx(want, rel=1e-12, abs=1e-12)


ERRORS = [
    ("x^2 + z", 7, "unknown name 'z' at column 7: use x and y"),
    ("sin x", 5, "unexpected 'x' at column 5"),
    ("sin + 1", 1, "sin at column 1 needs its argument in brackets"),
    ("foo(x)", 1, "unknown function 'foo' at column 1"),
    ("x.__class__", 2, "attribute access"),
    ("2**2**99", 2, "too large"),
    ("x + 2^2^99", 6, "too large"),
    ("1e999 * x", 1, "too large"),
    ("(x + y", 1, "'(' at column 1 is never closed"),
    ("x + y)", 6, "')' at column 6 closes no '('"),
    ("x +", 3, "ends with '+' at column 3"),
    ("2x", 1, "write a multiplication as 2*x"),
    ("x ＋ y", 3, "unexpected character '＋' at column 3"),
    ("х + 1", 1, "unexpected character"),  # Cyrillic х
    ("x if y else 1", 1, "'if ... else'"),
    ("x < y", 3, "unexpected character '<' at column 3"),
    ("x % 2", 3, "unexpected character '%' at column 3"),
    ("x // 2", 3, "'//'"),
    ("1/0 + x", 2, "division by zero at column 2"),
    ("x + (1) / (0)", 9, "division by zero at column 9"),
    ("log(-1) + x", 1, "log(-1) at column 1 is not defined"),
    ("sin(x, y)", 1, "takes one argument, not 2"),
    ("max(x)", 1, "takes two or more arguments"),
    ("x, y", 1, "a tuple"),
    ("0x10 * x", 1, "'0x10'"),
    ("1j * x", 1, "'1j'"),
    ("True * x", 1, "'True'"),
    ("lambda: x", 7, "unexpected character ':'"),
    ("", None, "the formula is empty"),
]


@pytest.mark.parametrize("text,column,fragment", ERRORS, ids=[t or "empty" for t, _, _ in ERRORS])
def test_errors_name_the_column_and_what_was_expected(text, column, fragment):
    with pytest.raises(FormulaError) as err:
        F.parse(text)
    assert fragment in str(err.value)
    assert err.value.column == column
    assert "\n" not in str(err.value)


def test_limits_on_length_nodes_and_nesting():
    with pytest.raises(FormulaError, match="at most 500"):
        F.parse("x+" * 250 + "x")
    F.parse("+".join(["x"] * 100))  # 199 nodes; a long sum is one level deep
    F.parse("*".join(["x"] * 60) + "/" + "-".join(["y"] * 30))
    with pytest.raises(FormulaError, match="more than 200 parts"):
        F.parse("+".join(["x"] * 101))
    F.parse("(" * 40 + "x" + ")" * 40)
    with pytest.raises(FormulaError, match="nested more than 40 deep at column 41"):
        F.parse("(" * 41 + "x" + ")" * 41)
    with pytest.raises(FormulaError, match="nested more than 40 levels"):
        F.parse("-" * 60 + "x")  # no brackets, yet 61 levels
    with pytest.raises(FormulaError, match="nested more than 40 levels"):
        F.parse("sin(" * 20 + "x" + ")" * 20 + "^x" * 45)


def test_ranges_are_checked():
    with pytest.raises(FormulaError, match="x range: 3 to -3 is empty"):
        formula_surface("x^2", xmin=3, xmax=-3)
    with pytest.raises(FormulaError, match="y range"):
        formula_surface("x^2", ymin=0, ymax=1e9)
    with pytest.raises(FormulaError, match="not defined anywhere"):
        formula_surface("log(-1 - x^2) + y")
    with pytest.raises(ValueError, match="Unknown parameter 'z'"):
        get_surface(FORMULA, f="x", z=1)


# -- exact gradient ----------------------------------------------------------------------------

_UNARY = ["sin", "cos", "atan", "tanh", "exp", "log", "sqrt", "abs", "sinh", "cosh", "tan",
          "asin", "acos", "log10"]


def _random_formula(rng: random.Random, depth: int = 0) -> str:
    if depth > 3 or rng.random() < 0.25:
        return rng.choice(["x", "y", "x", "y", f"{rng.uniform(0.2, 3):.3g}"])
    kind = rng.random()
    a = _random_formula(rng, depth + 1)
    if kind < 0.25:
        fn = rng.choice(_UNARY)
        inner = {"log": f"1 + ({a})^2", "sqrt": f"2 + ({a})^2", "log10": f"1 + ({a})^2",
                 "asin": f"tanh({a})/2", "acos": f"tanh({a})/2", "exp": f"sin({a})",
                 "sinh": f"sin({a})", "cosh": f"cos({a})", "tan": f"sin({a})/2"}.get(fn, a)
        return f"{fn}({inner})"
    b = _random_formula(rng, depth + 1)
    if kind < 0.4:
        return f"({a}) / (2 + ({b})^2)"
    if kind < 0.5:
        return f"({a})^{rng.choice([2, 3, -1, 0.5])}" if rng.random() < 0.5 else \
            f"(1.5 + sin({a}))^({b})"
    return f"({a}) {rng.choice(['+', '-', '*'])} ({b})"


def _formulas(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        text = _random_formula(rng)
        if ("x" in text or "y" in text) and len(text) <= 500:
            try:
                if F.size(F.parse(text)) <= 200:
                    out.append(text)
            except FormulaError:
                pass
    return out


@pytest.mark.parametrize("chunk", range(6))
def test_gradient_matches_finite_differences_on_random_formulas(chunk):
    """60 random formulas (10 per chunk), 6 points each: the compiled forward-mode gradient
    against central differences of the compiled value."""
    rng = np.random.default_rng(chunk)
    checked = 0
    for text in _formulas(60, 7)[chunk * 10:(chunk + 1) * 10]:
        prog = F.program(F.parse(text))
        for x, y in rng.uniform(-2, 2, (6, 2)):
            f, gx, gy = K.value_grad(K.FORMULA, prog, x, y)
            if not (np.isfinite([f, gx, gy]).all() and abs(gx) + abs(gy) < 1e6):
                continue
            for g, (dx, dy) in ((gx, (1, 0)), (gy, (0, 1))):
                h = 1e-6 * (1 + abs(x) + abs(y))
                fp = K.value(K.FORMULA, prog, x + h * dx, y + h * dy)
                fm = K.value(K.FORMULA, prog, x - h * dx, y - h * dy)
                fd = (fp - fm) / (2 * h)
                if "abs" in text or "min" in text or "max" in text:
                    continue  # a kink may lie between x - h and x + h
                assert fd == pytest.approx(g, rel=1e-5, abs=1e-5 * (1 + abs(f))), (text, x, y)
            checked += 1
    assert checked >= 30


def test_gradient_and_hessian_equal_sympys_derivatives():
    """The interpreter's gradient and the NumPy Hessian against sympy's own derivatives of the
    same formula (built from the parsed tree), at random points."""
    rng = np.random.default_rng(3)
    for text in _formulas(50, 11)[:25]:
        tree = F.parse(text)
        f, x, y = F.sympy_expr(tree)
        grads = [sp.diff(f, v) for v in (x, y)]
        hess = [sp.diff(f, x, x), sp.diff(f, x, y), sp.diff(f, y, y)]
        prog = F.program(tree)
        for px, py in rng.uniform(-2, 2, (2, 2)):
            sub = {x: sp.Float(px, 30), y: sp.Float(py, 30)}
            want = [complex(e.evalf(30, subs=sub)) for e in (f, *grads, *hess)]
            if any(abs(w.imag) > 0 or not math.isfinite(w.real) or abs(w.real) > 1e8
                   for w in want):
                continue
            got_f, got_gx, got_gy = K.value_grad(K.FORMULA, prog, px, py)
            h = [float(v) for v in F.hessian(tree, px, py)]
            for g, w in zip([got_f, got_gx, got_gy, *h[3:]], want, strict=True):
                assert g == pytest.approx(w.real, rel=1e-9, abs=1e-9), text


def test_typed_rosenbrock_runs_as_the_built_in_one():
    typed = formula_surface("(1 - x)^2 + 100*(y - x^2)^2", xmin=-2, xmax=2, ymin=-1, ymax=3)
    built = SURFACES["rosenbrock"]
    for opt, lr in (("adam", 0.02), ("sgd", 1e-3)):
        a = run(typed, opt, start=(-1.2, 1.0), steps=2000, lr=lr)
        b = run(built, opt, start=(-1.2, 1.0), steps=2000, lr=lr)
        assert a.status == b.status == "completed"
        np.testing.assert_allclose(a.xy, b.xy, rtol=1e-7, atol=1e-9)
    assert typed.minima[0][:2] == pytest.approx((1.0, 1.0), abs=1e-9)
    assert typed.f_min == pytest.approx(0.0, abs=1e-18) and typed.found
    assert not built.found


def test_value_grad_block_matches_the_pointwise_kernel_for_every_surface():
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(-3, 3, 257), rng.uniform(-3, 3, 257)
    surfaces = [*SURFACES.values(), formula_surface("sin(3*x) * y^2 + log(1 + x^2)")]
    for s in surfaces:
        f, gx, gy = np.empty(257), np.empty(257), np.empty(257)
        K.value_grad_block(s.sid, s.p, xs, ys, f, gx, gy)
        want = np.array([K.value_grad(s.sid, s.p, a, b) for a, b in zip(xs, ys, strict=True)])
        np.testing.assert_array_equal(np.c_[f, gx, gy], want, err_msg=s.name)
        assert np.array_equal(f, [K.value(s.sid, s.p, a, b) for a, b in zip(xs, ys,
                                                                            strict=True)])
    out = np.empty(3)
    K.value_grad_block(999, np.empty(0), xs[:3], ys[:3], out, out.copy(), out.copy())
    assert np.isnan(out).all()


# -- minima, saddles, domain -------------------------------------------------------------------


def test_minima_and_saddles_are_found_and_marked():
    s = formula_surface("x^4 - 2*x^2 + y^2 + x*y/2")
    assert len(s.minima) == 2 and len(s.saddles) == 1
    for m in s.minima:
        assert s.grad(m.x, m.y) == pytest.approx((0.0, 0.0), abs=1e-12)
    assert (s.saddles[0].x, s.saddles[0].y) == pytest.approx((0.0, 0.0), abs=1e-12)
    assert s.f_min == s.minima[0].f
    # an unbounded plane has none, and no f_min to reach
    plane = formula_surface("x + 2*y")
    assert plane.minima == [] and plane.saddles == [] and plane.f_min is None
    # a kink: Newton cannot converge there, the grid minimum is kept
    kink = formula_surface("abs(x - 0.3) + abs(y + 0.6)")
    assert len(kink.minima) == 1
    assert kink.minima[0][:2] == pytest.approx((0.3, -0.6), abs=0.04)


def test_leaving_the_domain_ends_the_run_and_is_said():
    s = formula_surface("log(x) + y^2", xmin=-1, xmax=3)
    t = run(s, "sgd", start=(0.3, 1.0), steps=100, lr=0.5)
    assert t.status == "domain" and t.stop_text == "left the domain at step 1"
    assert np.isfinite(t.xy).all() and np.isfinite(t.loss).all()
    ok = run(s, "sgd", start=(2.0, 1.0), steps=100, lr=0.01)
    assert ok.status == "completed"
    # division by zero and sqrt of a negative number are not defined either
    assert not np.isfinite(formula_surface("1/x + y^2").value_grad(0.0, 1.0)).all()
    t3 = run(formula_surface("sqrt(x) + y^2"), "adam", start=(0.5, 1.0), steps=200, lr=0.3)
    assert t3.status == "domain"
    # divergence on a formula is still divergence, not the domain
    t4 = run(formula_surface("x^2 + y^2"), "sgd", start=(1.0, 1.0), steps=200, lr=1.5)
    assert t4.status == "diverged"


def test_the_undefined_region_is_shaded_on_every_map():
    from figures.mapspec import undefined_mask
    from figures.payload import surface_payload

    s = formula_surface("sqrt(x) + y^2")
    mask = undefined_mask(s, 50)
    xs, _, Z = grid(s, 50, 50)
    assert np.array_equal(~np.isnan(mask), ~np.isfinite(Z))
    assert (~np.isnan(mask))[:, xs < 0].all() and np.isnan(mask[:, xs > 0]).all()
    assert "undefined" in surface_payload(s)
    assert "undefined" not in surface_payload(formula_surface("x^2 + y^2"))
    assert undefined_mask(SURFACES["rosenbrock"], 50) is None


def test_gradient_latex_is_sympys_derivative():
    tree = F.parse("x^2*y + sin(y)")
    assert F.latex(tree) == r"f(x,y)=x^{2} y + \sin{\left(y \right)}"
    assert F.gradient_latex(tree) == (r"\frac{\partial f}{\partial x}=2 x y,\qquad "
                                      r"\frac{\partial f}{\partial y}=x^{2} + \cos{\left(y "
                                      r"\right)}")

def test_a_gradient_too_long_to_read_is_not_shown(monkeypatch):
    monkeypatch.setattr(F, "LATEX_LIMIT", 40)
    long = F.parse("+".join(f"sin({k}*x*y)" for k in range(2, 9)))
    assert "too long to show" in F.gradient_latex(long)


@pytest.mark.parametrize("text", ["1/(x-1)", "1/(x^2-1) + y^2", "x^1000000", "-1/(x^2+y^2)"])
def test_a_pole_or_a_plateau_is_no_minimum(text):
    """A grid point beside a pole (f falls without bound), or on a plateau where f is flat or
    overflows, is lower than its neighbours on the grid but no minimum: the map marks none
    there, and f* is not taken from it."""
    surf = formula_surface(text)
    assert all(math.isfinite(m.f) and m.f > -1e6 for m in surf.minima), surf.minima
    assert not any(abs(m.x - 1) < 0.05 for m in surf.minima if text.startswith("1/"))
    if text in ("1/(x-1)", "x^1000000", "-1/(x^2+y^2)"):
        assert surf.minima == [] and surf.f_min is None


@pytest.mark.parametrize(("text", "at"), [("abs(x-0.5)+abs(y)", (0.5, 0.0)),
                                          ("abs(x-0.3)+abs(y+0.77)", (0.3, -0.77)),
                                          ("max(abs(x-1.1),abs(y))", (1.1, 0.0))])
def test_a_kink_minimum_is_found_where_it_is(text, at):
    """Where f has no gradient at its minimum (a kink between grid points), the minimum is
    searched on f itself: it is where it is, not at the nearest grid point, and f* is its
    value."""
    surf = formula_surface(text)
    assert len(surf.minima) == 1
    m = surf.minima[0]
    assert abs(m.x - at[0]) < 1e-9 and abs(m.y - at[1]) < 1e-9
    assert abs(surf.f_min) < 1e-9

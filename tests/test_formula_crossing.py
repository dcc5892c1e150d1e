"""A step that jumps across a point where a typed f is undefined or infinite ends the run.

Landing where f is undefined ends a run as "left the domain"; so does a step whose two ends
are defined but which passes over a pole (1/x from x < 0 to x > 0), a band where f is not
defined (sqrt(x^2 - 1) from x = -2 to x = 2) or, on its way out of the limit box, the edge of
the domain. The check (``landscapes._kernels.step_crosses_undefined``) must catch every such
step and never stop a step that stays where f is defined.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from landscapes import SURFACES, formula_surface
from landscapes import _kernels as K
from landscapes import formula as F
from optimizers import OPTIMIZERS, STATUS_NAMES, run, sweep


def _limit(surf) -> np.ndarray:
    (xlo, xhi), (ylo, yhi) = surf.limit
    return np.array([xlo, xhi, ylo, yhi])


#: The limit box of the default map, x and y from -3 to 3.
LIMIT = np.array([-150.0, 150.0, -150.0, 150.0])


def crosses(formula: str, a, b, limit=LIMIT) -> bool:
    """Whether the step from a to b crosses where ``formula`` is undefined or infinite."""
    p = F.program(F.parse(formula))
    return bool(K.step_crosses_undefined(p, float(a[0]), float(a[1]), float(b[0]),
                                         float(b[1]), limit))


# -- the five formulas, runs from both sides ----------------------------------------------------

# (formula, start, optimizer, settings, which side of the pole or edge the start is on)
RUNS = [
    # 1/x: from the left, descent runs into the pole and jumps it; from the right, weight decay
    # pulls the run back across it
    ("1/x + y^2", (-1.0, 1.0), "sgd", {"lr": 0.1}, lambda x: x < 0),
    ("1/x + y^2", (0.5, 1.0), "sgd", {"lr": 0.05, "weight_decay": 100.0}, lambda x: x > 0),
    ("1/x + y^2", (-1.0, 1.0), "adam", {"lr": 0.3}, lambda x: x < 0),
    # 1/(x^2 - 1): from between the poles to either of them, and from outside each
    ("1/(x^2-1) + y^2", (0.5, 1.0), "sgd", {"lr": 0.05}, lambda x: -1 < x < 1),
    ("1/(x^2-1) + y^2", (-0.5, 1.0), "sgd", {"lr": 0.05}, lambda x: -1 < x < 1),
    ("1/(x^2-1) + y^2", (2.0, 1.0), "sgd", {"lr": 0.05, "weight_decay": 30.0},
     lambda x: x > 1),
    ("1/(x^2-1) + y^2", (-2.0, 1.0), "sgd", {"lr": 0.05, "weight_decay": 30.0},
     lambda x: x < -1),
    # tan: across -π/2 from the middle branch, across π/2 from the next one
    ("tan(x) + y^2", (0.5, 1.0), "sgd", {"lr": 0.1}, lambda x: abs(x) < math.pi / 2),
    ("tan(x) + y^2", (2.5, 1.0), "sgd", {"lr": 0.1},
     lambda x: math.pi / 2 < x < 3 * math.pi / 2),
    ("tan(x) + y^2", (-2.5, 1.0), "momentum", {"lr": 0.05, "momentum": 0.9},
     lambda x: -3 * math.pi / 2 < x < -math.pi / 2),
    # sqrt(1 - x^2 - y^2): down the dome to its rim, on either side
    ("sqrt(1-x^2-y^2)", (0.5, 0.1), "sgd", {"lr": 0.1}, lambda x: abs(x) < 1),
    ("sqrt(1-x^2-y^2)", (-0.5, -0.1), "sgd", {"lr": 0.1}, lambda x: abs(x) < 1),
    # log: towards x = 0, where log is -inf, and past it
    ("log(x) + y^2", (0.5, 1.0), "sgd", {"lr": 0.5}, lambda x: x > 0),
    ("log(x) + y^2", (2.0, -1.0), "adam", {"lr": 0.5}, lambda x: x > 0),
]


@pytest.mark.parametrize(("formula", "start", "optimizer", "hyper", "side"), RUNS)
def test_a_run_that_jumps_across_where_f_is_undefined_left_the_domain(formula, start,
                                                                        optimizer, hyper, side):
    surf = formula_surface(formula)
    traj = run(surf, optimizer, start=start, steps=500, **hyper)
    assert traj.status == "domain", (traj.status, traj.xy[-1])
    assert traj.stop_text == f"left the domain at step {traj.diverged_at}"
    assert len(traj.xy) == traj.diverged_at  # the path stops before the step that crossed
    assert np.isfinite(traj.xy).all() and np.isfinite(traj.loss).all()
    assert all(side(x) for x in traj.xy[:, 0])  # every drawn point on the start's side
    if optimizer == "sgd":  # the step that ended the run, by hand: it went across
        x = traj.xy[-1]
        nxt = x - hyper["lr"] * (np.array(surf.grad(*x)) + hyper.get("weight_decay", 0.0) * x)
        assert not side(nxt[0]) or not np.isfinite(surf.value(*nxt))
        assert crosses(formula, x, nxt, _limit(surf))


def test_a_start_where_f_is_undefined_ends_at_once():
    for formula, start in (("log(x) + y^2", (-0.5, 1.0)), ("sqrt(1-x^2-y^2)", (2.0, 2.0)),
                           ("1/(x^2-1) + y^2", (1.0, 0.0))):
        traj = run(formula_surface(formula), "sgd", start=start, steps=50, lr=0.1)
        assert traj.status == "domain" and len(traj.xy) == 1


def test_a_step_out_of_the_box_across_the_domains_edge_left_the_domain():
    # a step so long it leaves the limit box (150 times the map's half-width away): it passed
    # where f is undefined on its way, which says more than "diverged"
    for formula, start, lr in (("log(x) + y^2", (0.5, 1.0), 1e4),
                               ("sqrt(1-x^2-y^2)", (0.999, 0.0), 1e3),
                               ("1/x + y^2", (-0.05, 0.0), 1.0)):
        surf = formula_surface(formula)
        traj = run(surf, "sgd", start=start, steps=20, lr=lr)
        assert traj.status == "domain" and traj.diverged_at == 1, (formula, traj.status)
    # a step that leaves the box where f is defined all the way still left the map or diverged
    traj = run(formula_surface("1/x + y^2"), "sgd", start=(0.5, 1.0), steps=20, lr=1e4)
    assert traj.status in ("left", "diverged")
    traj = run(formula_surface("x^2 + y^2"), "sgd", start=(1.0, 1.0), steps=200, lr=1.5)
    assert traj.status == "diverged"


def test_a_run_that_never_crosses_completes():
    # descent away from the pole, inside the band, on the branch between two poles
    for formula, start, hyper in (("1/x + y^2", (0.5, 1.0), {"lr": 0.01}),
                                  ("1/(x^2-1) + y^2", (2.0, 1.0), {"lr": 0.05}),
                                  ("log(x) + y^2 + 1/x", (2.0, 1.0), {"lr": 0.05}),
                                  ("sqrt(4 - x^2 - y^2) - sqrt(4 - x^2 - y^2) + x^2 + y^2",
                                   (1.0, 1.0), {"lr": 0.1}),
                                  ("1/(2 + sin(5*x)) + (y - 1)^2", (0.3, 0.0), {"lr": 0.05})):
        traj = run(formula_surface(formula), "sgd", start=start, steps=500, **hyper)
        assert traj.status == "completed", (formula, traj.status, traj.diverged_at)


# -- the check itself, step by step --------------------------------------------------------------

STEPS = [
    # (formula, from, to, crosses)
    ("1/x + y^2", (-0.1, 0.0), (0.1, 0.0), True),
    ("1/x + y^2", (0.1, 0.3), (-0.1, 0.0), True),
    ("1/x + y^2", (-1.0, 1.0), (2.0, -1.0), True),
    ("1/x + y^2", (0.1, 0.0), (0.5, 0.0), False),
    ("1/x + y^2", (-1.0, 1.0), (-1e-6, 1.0), False),
    ("1/x + y^2", (1e-12, 1.0), (1e-3, 1.0), False),
    ("1/x + y^2", (0.2, -2.0), (0.2, 2.0), False),  # along the pole, never on it
    ("1/(x^2-1) + y^2", (0.5, 0.0), (1.5, 0.0), True),
    ("1/(x^2-1) + y^2", (1.5, 0.0), (0.5, 0.0), True),
    ("1/(x^2-1) + y^2", (-0.5, 0.0), (-1.5, 0.0), True),
    ("1/(x^2-1) + y^2", (-1.5, 0.0), (-0.5, 0.0), True),
    ("1/(x^2-1) + y^2", (-2.0, 0.0), (2.0, 0.0), True),
    ("1/(x^2-1) + y^2", (-0.9, 0.0), (0.9, 0.0), False),
    ("1/(x^2-1) + y^2", (1.1, 0.0), (3.0, 0.0), False),
    ("1/(x^2-1) + y^2", (1.0 + 1e-9, 0.0), (1.1, 0.0), False),
    ("tan(x) + y^2", (1.5, 0.0), (1.7, 0.0), True),
    ("tan(x) + y^2", (1.7, 0.0), (1.5, 0.0), True),
    ("tan(x) + y^2", (-1.5, 0.0), (-1.7, 0.0), True),
    ("tan(x) + y^2", (-1.7, 0.0), (-1.5, 0.0), True),
    ("tan(x) + y^2", (-1.5, 0.0), (1.5, 0.0), False),
    ("tan(x) + y^2", (1.6, 0.0), (4.7, 0.0), False),
    ("tan(x) + y^2", (1.6, 0.0), (4.72, 0.0), True),
    ("sqrt(1-x^2-y^2)", (0.5, 0.0), (-0.5, 0.3), False),
    ("sqrt(1-x^2-y^2)", (0.99, 0.0), (0.0, 0.99), False),  # a chord close to the rim
    ("sqrt(1-x^2-y^2)", (0.5, 0.0), (1e5, 0.3), True),  # out of the box across the rim
    ("sqrt(x^2 - 1) + y^2", (-2.0, 0.0), (2.0, 0.0), True),  # over the band |x| < 1
    ("sqrt(x^2 - 1) + y^2", (2.0, -3.0), (2.0, 3.0), False),
    ("log(x) + y^2", (0.5, 0.0), (2.0, 0.0), False),
    ("log(x) + y^2", (0.5, 0.0), (-1e5, 0.0), True),
    ("log(x^2) + y^2", (-1.0, 0.5), (1.0, 0.5), True),  # log 0 = -inf: infinite at x = 0
    ("log(x^2 + y^2)", (-1.0, 0.5), (1.0, 0.5), False),  # passes the origin at a distance
    ("log(x^2 + y^2)", (-1.0, -1.0), (2.0, 2.0), True),  # through the origin
    ("asin(x/2) + y^2", (-1.5, 0.0), (1.5, 0.0), False),
    ("acos(x*y) + y^2", (-1.0, 0.5), (1.0, 0.5), False),
    ("x^1.5 + y^2", (0.5, 0.0), (2.0, 0.0), False),
    ("x^-2 + y^2", (-0.5, 0.0), (2.0, 0.0), True),
    ("x^y + 1", (0.5, 1.0), (2.0, -1.0), False),
    ("sin(x)/x + y^2", (-1.0, 0.0), (1.0, 0.0), True),  # 0/0 at x = 0 is undefined too
    ("sqrt(x^2) + y^2", (-1.0, 0.0), (1.0, 0.0), False),  # a kink, defined everywhere
    ("abs(x) + 1/(1 + x^2)", (-1.0, 0.0), (1.0, 0.0), False),
    ("1/(x^2 - 2*x + 2)", (-3.0, 0.0), (3.0, 0.0), False),
    ("1/sin(x) + y^2", (0.1, 0.0), (3.0, 0.0), False),
    ("1/sin(x) + y^2", (0.1, 0.0), (3.2, 0.0), True),
    ("1/(2 + cos(x*y))", (-3.0, -3.0), (3.0, 3.0), False),
    ("1/((x - y)^2 + 0.01)", (-3.0, -2.99), (3.0, 3.01), False),  # close to x = y all along
    ("1/(x*y - 1)", (0.5, 0.5), (2.0, 2.0), True),
    ("1/(x*y - 1)", (0.5, 0.5), (2.0, 0.2), False),
]


@pytest.mark.parametrize(("formula", "a", "b", "want"), STEPS)
def test_the_check_finds_exactly_the_steps_that_cross(formula, a, b, want):
    tree = F.parse(formula)
    for p, q in ((a, b), (b, a)) if abs(b[0]) < 1e4 else ((a, b),):
        if np.isfinite(F.hessian(tree, *p)[:3]).all():  # from where f is defined
            assert crosses(formula, p, q) == want, (p, q)


def test_only_formulas_that_can_be_undefined_are_checked():
    for s in SURFACES.values():
        assert not K.undefined_somewhere(s.sid, s.p), s.name
    for text in ("(1 - x)^2 + 100*(y - x^2)^2", "sin(3*x)*exp(-y^2/4) + abs(x)", "x^3 + y^4",
                 "x/2 + 3^x", "min(x, y) + max(cosh(x), tanh(y)) + atan(x*y) + sinh(x)"):
        s = formula_surface(text)
        assert not K.undefined_somewhere(s.sid, s.p), text
    for text in ("1/x", "2/(1 + x^2)", "x/y", "log(1 + x^2)", "log10(2 + y)", "sqrt(1 + x^2)",
                 "tan(x)", "asin(x/4)", "acos(y/4)", "x^y", "x^-1", "x^0.5", "2^x + x^-2"):
        s = formula_surface(text)
        assert K.undefined_somewhere(s.sid, s.p), text


# -- properties ---------------------------------------------------------------------------------

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
COORD = st.floats(-3.0, 3.0)
POINT = st.tuples(COORD, COORD)
COEF = st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.1)


def _smooth(depth: int):
    """Formulas defined everywhere: x, y, numbers, + - *, sin, cos, tanh, atan."""
    leaf = st.sampled_from(["x", "y", "0.5", "2", "-1.5", "pi"])
    if depth == 0:
        return leaf
    sub = _smooth(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*"]), sub).map(lambda t: f"({t[0]} {t[1]} "
                                                                             f"{t[2]})"),
        st.tuples(st.sampled_from(["sin", "cos", "tanh", "atan"]), sub).map(
            lambda t: f"{t[0]}({t[1]})"))


# Each wraps a smooth s in an operation that can be undefined, where it is defined everywhere.
SAFE = ["1/(1 + ({s})^2)", "log(2 + sin({s}))", "sqrt(1 + ({s})^2)", "1/(2 + cos({s}))",
        "tan(atan({s})/2)", "asin(tanh({s})/2)", "acos(tanh({s})/2)", "(1 + ({s})^2)^(-1.5)",
        "(2 + sin({s}))^(y/4)", "log10(3 + tanh({s})) + x^2"]


@SETTINGS
@given(_smooth(3), st.sampled_from(SAFE), POINT, POINT)
def test_a_formula_defined_everywhere_never_stops_a_step(s, wrap, a, b):
    assert not crosses(wrap.format(s=s), a, b)


@SETTINGS
@given(COEF, COEF, st.floats(-2.0, 2.0), POINT, POINT, st.sampled_from(["1/({L})",
                                                                      "x^2 + 1/({L})^3",
                                                                      "exp(-y^2)/sin({L})"]))
def test_a_step_crosses_a_pole_line_exactly_when_its_ends_are_on_either_side(a, b, c, p, q,
                                                                             form):
    """Poles on the line a x + b y + c = 0 (and for sin, on its shifts by kπ)."""
    line = f"{a!r}*x + {b!r}*y + {c!r}"
    L0, L1 = (a * p[0] + b * p[1] + c), (a * q[0] + b * q[1] + c)
    if "sin" in form:  # the poles are where L is a multiple of π
        k0, k1 = L0 / math.pi, L1 / math.pi
        assume(min(abs(k0 - round(k0)), abs(k1 - round(k1))) > 1e-6)
        want = math.floor(k0) != math.floor(k1)
    else:
        assume(min(abs(L0), abs(L1)) > 1e-6)
        want = (L0 > 0) != (L1 > 0)
    assert crosses(form.format(L=line), p, q) == want


@SETTINGS
@given(POINT, st.floats(0.2, 1.5), POINT, POINT, st.sampled_from(["log({Q})", "1/({Q})",
                                                                 "sqrt({Q}) + x", "({Q})^-0.5"]))
def test_a_step_crosses_a_disk_where_f_is_undefined_exactly_when_it_meets_it(centre, r, p, q,
                                                                              form):
    """f undefined inside a circle and on it: the step crosses when it passes within r."""
    cx, cy = centre
    disk = f"(x - {cx!r})^2 + (y - {cy!r})^2 - {r * r!r}"
    d0, d1 = math.hypot(p[0] - cx, p[1] - cy), math.hypot(q[0] - cx, q[1] - cy)
    # the least distance from the centre to the step
    dx, dy = q[0] - p[0], q[1] - p[1]
    n2 = dx * dx + dy * dy
    t = 0.0 if n2 == 0 else min(1.0, max(0.0, ((cx - p[0]) * dx + (cy - p[1]) * dy) / n2))
    near = math.hypot(p[0] + t * dx - cx, p[1] + t * dy - cy)
    assume(min(d0, d1) > r + 1e-6 and abs(near - r) > 1e-6)
    assert crosses(form.format(Q=disk), p, q) == (near < r)


INSIDE = st.tuples(st.floats(0.0, 1.0), st.floats(-math.pi, math.pi))  # (radius, angle)


@SETTINGS
@given(POINT, st.floats(0.2, 1.5), INSIDE, INSIDE)
def test_a_chord_of_a_disk_where_f_is_defined_never_crosses(centre, r, p, q):
    # both ends inside the disk, at least 1e-6 from its rim: the chord is inside too
    cx, cy = centre
    a, b = ((cx + (r - 1e-6) * s * math.cos(t), cy + (r - 1e-6) * s * math.sin(t))
            for s, t in (p, q))
    assume(max(math.hypot(a[0] - cx, a[1] - cy), math.hypot(b[0] - cx, b[1] - cy)) < r - 1e-6)
    assert not crosses(f"sqrt({r * r!r} - (x - {cx!r})^2 - (y - {cy!r})^2)", a, b)


# -- every loop, and the sweep bit for bit ----------------------------------------------------


@pytest.mark.parametrize("optimizer", [n for n in OPTIMIZERS if OPTIMIZERS[n].family is None])
def test_the_optimizers_with_loops_of_their_own_stop_at_the_crossing_too(optimizer):
    # Plain Newton climbs 1/x away from its pole (the curvature there is negative): with 4x
    # added, its first full step jumps from x = -1 to 0.5, across the pole. Newton (LM)'s
    # step towards the pole is |x|/2 times lr (it slows as the curvature grows): at lr 3 its
    # first step jumps from -1 to 0.5.
    surf = formula_surface("1/x + 4*x + y^2" if optimizer == "newton" else "1/x + y^2")
    lr = {"lbfgs": 0.5, "sam_sgd": 0.1, "sam_adam": 0.3, "newton": 1.0,
          "levenberg_marquardt": 3.0}.get(optimizer, 0.1)
    traj = run(surf, optimizer, start=(-1.0, 1.0), steps=500, lr=lr)
    assert traj.status == "domain", traj.status
    assert (traj.xy[:, 0] < 0).all()


@pytest.mark.parametrize(("formula", "optimizer", "hyper"), [
    ("1/x + y^2", "sgd", {"lr": 0.1}),
    ("1/x + y^2", "adam", {"lr": 0.3}),
    ("tan(x) + y^2", "momentum", {"lr": 0.05, "momentum": 0.9}),
    ("1/(x^2-1) + log(2 + y)", "rmsprop", {"lr": 0.05}),
    ("sqrt(4 - x^2 - y^2) + 1/x", "nesterov", {"lr": 0.05, "momentum": 0.9}),
])
def test_a_sweep_stops_each_crossing_run_where_run_does(formula, optimizer, hyper):
    surf = formula_surface(formula)
    xs, ys = np.meshgrid(np.linspace(-2.7, 2.7, 11), np.linspace(-1.5, 1.5, 5))
    starts = np.c_[xs.ravel(), ys.ravel()]
    res = sweep(surf, optimizer, starts, steps=300, **hyper)
    assert "domain" in {STATUS_NAMES[s] for s in res.status}
    for i in range(len(starts)):
        traj = run(surf, optimizer, start=starts[i], steps=300, **hyper)
        assert STATUS_NAMES[res.status[i]] == traj.status, i
        assert res.ended_at[i] == (traj.diverged_at or 300), i
        np.testing.assert_array_equal(res.end[i], traj.xy[-1], err_msg=str(i))
        np.testing.assert_array_equal(res.final_loss[i], traj.loss[-1], err_msg=str(i))

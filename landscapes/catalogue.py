r"""The catalogue of surfaces: every surface's bounds, minima, saddles, start, formula, lesson and
reference, in display order.

One entry per surface in :data:`CATALOGUE`: a :class:`~landscapes.surface.Surface` for a
surface without parameters, or an :class:`Adjustable` (its builder and its parameters) for one
with. A surface named ``name`` computes with the compiled function ``name`` of
:mod:`landscapes._surfaces`; the dispatch over the surfaces (:mod:`landscapes._kernels`) is
generated from this list by ``python -m landscapes._generate``. A new surface is its compiled
function, one entry here and its tests.

This module holds no compiled code, and no compiled code reads it: editing a lesson, a
reference or a listed point recompiles nothing.

Conventions
-----------
* Stationary points were located by Newton's method on the analytic gradient to float64
  precision and classified by the eigenvalues of the Hessian; the test suite checks each of
  them against independently published coordinates and values.
* ``saddle`` and ``monkey_saddle`` are unbounded below: they list no minima and their
  ``f_min`` is ``None`` (there is no distance to a global minimum to report).
* Ackley's global minimum is the tip of a cone, where no gradient exists; the kernels return
  the gradient (0, 0) at exactly (0, 0) rather than NaN. Its gradient norm tends to 2√2 as the
  origin is approached, so fixed-step gradient descent keeps oscillating around it.
* Rastrigin, Ackley and Lévi N.13 have hundreds of local minima; only the global minimum and
  the nearest local ones are listed (see the comments at their entries).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._kernels import SIDS
from .surface import ParamSpec, Point, Surface, _pt


@dataclass(frozen=True)
class Adjustable:
    """A surface with parameters: ``build(**values)`` makes it, ``spec`` describes each
    parameter (default, valid range, label, help)."""

    build: Callable[..., Surface]
    spec: dict[str, ParamSpec]

    def defaults(self) -> dict[str, float]:
        return {k: s.default for k, s in self.spec.items()}


def _sid(name: str) -> int:
    """The compiled id of surface ``name`` (-1 until ``python -m landscapes._generate`` has
    added it: the kernels then give NaN)."""
    return SIDS.get(name, -1)


# ------------------------------------------------------------------------------------------
# Catalogue data. Coordinates carry full float64 precision (Newton on the analytic gradient);
# values are exact where the exact value is known (0, rationals, closed forms).
# ------------------------------------------------------------------------------------------

# Rastrigin, 1-D: the minimum next to 0 and the maximum between them (a saddle in 2-D).
_RA_M1, _RA_F1 = 0.9949586376523348, 0.9949590570932916
_RA_S, _RA_FS = 0.5025460365546747, 20.251272990990113
# Ackley: on an axis next to the origin, on the diagonal, and on an axis one further out.
_ACK_A, _ACK_FA = 0.9521665459501717, 2.5799275570298725
_ACK_D, _ACK_FD = 0.9684776587077244, 3.574451877257679
_ACK_2, _ACK_F2 = 1.9589197181217173, 4.884065258091153
# Styblinski-Tang, 1-D critical points of x^4 - 16x^2 + 5x (times 1/2 for the value).
_ST_A, _ST_FA = -2.903534027771177, -39.166165703771415
_ST_B, _ST_FB = 2.746802770990837, -25.029446655283943
_ST_M, _ST_FM = 0.1567312567803401, 0.19561235905535805
# Six-hump camel: one point of each mirror pair (x, y), (-x, -y).
_SH = [
    (0.08984201310031807, -0.7126564030207396, -1.0316284534898774),
    (-1.7036067149699807, 0.7960835686726252, -0.21546382438371725),
    (1.6071047529201972, 0.5686514548841314, 2.104250310311258),
]
_SH_SADDLES = [
    (-1.1092053368047865, 0.7682680925095399, 0.5437186009781853),
    (1.6380679841897787, 0.2286740690443941, 2.2293571975307143),
    (1.2960702671671092, 0.6050843880386585, 2.22947081802986),
]
_SH_MAX = (1.2302298765166526, 0.16233458445899498, 2.4962953510235772)
# Lévi N.13, symmetric under x -> 2 - x: offsets from (1, 1).
_LV_A, _LV_FA = 0.3296194745483136, 0.10987365835883793  # (1 ± a, 1)
_LV_BX, _LV_BY, _LV_FB = 0.3283339434368275, 0.2661067994538177, 0.28871152655530885
_LV_C, _LV_FC = 0.659220797386885, 0.43948860495428077  # (1 ± c, 1)


def _mirror(x: float, y: float, f: float) -> list[Point]:
    """(x, y) and (-x, -y), for surfaces symmetric under a half turn."""
    return [_pt(x, y, f), _pt(-x, -y, f)]


def _fixed(**kw: Any) -> Surface:
    """A surface without parameters: ``kw`` of :class:`Surface`, its id and defaults filled."""
    kw["sid"] = _sid(kw["name"])
    kw.setdefault("params", {})
    kw.setdefault("param_spec", {})
    kw.setdefault("saddles", [])
    kw.setdefault("p", ())
    if "f_min" not in kw:
        kw["f_min"] = kw["minima"][0].f
    return Surface(**kw)


# -- surfaces with adjustable parameters -----------------------------------------------------

_RAVINE_SPEC = {
    "condition": ParamSpec(10.0, 1.0, 1000.0, "condition number k",
                           "Ratio of the steep to the flat curvature (Hessian eigenvalues 1 "
                           "and k).", log=True),
    "angle": ParamSpec(0.0, -90.0, 90.0, "rotation angle (degrees)",
                       "Direction of the flat axis; at 0 the valley runs along x."),
}
# Plot half-widths along the flat (u) and steep (v) axes, and the start in (u, v).
_RAVINE_HALF = (5.0, 2.0)
_RAVINE_START = (-4.5, 1.5)


def _ravine(condition: float, angle: float) -> Surface:
    # Exact cos/sin at the right angles keep axis-aligned cases exactly axis-aligned.
    exact = {0.0: (1.0, 0.0), 90.0: (0.0, 1.0), -90.0: (0.0, -1.0)}
    c, s = exact.get(angle) or (math.cos(math.radians(angle)), math.sin(math.radians(angle)))
    a, b = _RAVINE_HALF
    hx, hy = a * abs(c) + b * abs(s), a * abs(s) + b * abs(c)
    u0, v0 = _RAVINE_START
    return Surface(
        name="ravine", title="Ill-conditioned ravine", sid=_sid("ravine"),
        params={"condition": condition, "angle": angle}, param_spec=_RAVINE_SPEC,
        bounds=((-hx, hx), (-hy, hy)),
        minima=[_pt(0.0, 0.0, 0.0)], saddles=[],
        start=(c * u0 - s * v0, s * u0 + c * v0),
        latex=(r"f(x,y)=\tfrac12\left(u^2+k\,v^2\right),\quad "
               r"u=x\cos\theta+y\sin\theta,\ v=-x\sin\theta+y\cos\theta"),
        lesson=("When one direction is far steeper than the other, plain gradient descent "
                "bounces between the walls of the valley while crawling along its floor, "
                "which is what momentum and adaptive step sizes are meant to fix."),
        reference="Nocedal & Wright (2006), Numerical Optimization, 2nd ed., Springer, ch. 3",
        log_scale=True, f_min=0.0, p=(condition, c, s),
    )


_ROSENBROCK_SPEC = {
    "b": ParamSpec(100.0, 1.0, 1000.0, "valley steepness b",
                   "Weight of (y - x²)²: larger b makes the curved valley narrower.", log=True),
}


def _rosenbrock(b: float) -> Surface:
    return Surface(
        name="rosenbrock", title="Rosenbrock", sid=_sid("rosenbrock"),
        params={"b": b}, param_spec=_ROSENBROCK_SPEC,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        minima=[_pt(1.0, 1.0, 0.0)], saddles=[],
        start=(-1.2, 1.0),
        latex=r"f(x,y)=(1-x)^2+b\,(y-x^2)^2",
        lesson=("Reaching the curved valley is quick, but following its nearly flat floor "
                "around the bend to the minimum is slow because the walls are far steeper "
                "than the floor."),
        reference=("Rosenbrock (1960), An automatic method for finding the greatest or least "
                   "value of a function, The Computer Journal 3(3), 175-184"),
        log_scale=True, f_min=0.0, p=(b,),
    )


_SHARP_FLAT_SPEC = {
    "sharpness": ParamSpec(25.0, 1.0, 100.0, "sharpness ratio",
                           "How many times more curved the narrow minimum is than the wide "
                           "one (approximately).", log=True),
}
# Wide well: rate s2 at (1.5, 0); narrow well: rate sharpness * s2 at (-1.5, 0).
_SF_FLAT_RATE = 0.5
_SF_SHARP = (-1.5, 0.0)
_SF_FLAT = (1.5, 0.0)


def _sharp_flat_saddle(s1: float, s2: float) -> float:
    """x of the saddle between the wells (both centres lie on y = 0, so the saddle does too).

    On the segment between the centres the derivative along x goes from positive to negative
    exactly once; bisection finds that root to float64 precision.
    """
    x1, x2 = _SF_SHARP[0], _SF_FLAT[0]

    def dfdx(x: float) -> float:
        q1, q2 = -s1 * (x - x1) ** 2, -s2 * (x - x2) ** 2
        return (2.0 * s1 * (x - x1) * math.exp(q1) * -math.expm1(q2)
                + 2.0 * s2 * (x - x2) * math.exp(q2) * -math.expm1(q1))

    lo, hi = x1 + 1e-9, x2 - 1e-9
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if dfdx(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _sharp_flat(sharpness: float) -> Surface:
    s2 = _SF_FLAT_RATE
    s1 = sharpness * s2
    xs = _sharp_flat_saddle(s1, s2)
    fs = math.expm1(-s1 * (xs - _SF_SHARP[0]) ** 2) * math.expm1(-s2 * (xs - _SF_FLAT[0]) ** 2)
    return Surface(
        name="sharp_flat", title="Sharp vs flat minimum", sid=_sid("sharp_flat"),
        params={"sharpness": sharpness}, param_spec=_SHARP_FLAT_SPEC,
        bounds=((-4.0, 4.0), (-3.0, 3.0)),
        minima=[_pt(*_SF_SHARP, 0.0), _pt(*_SF_FLAT, 0.0)],  # [sharp, flat], equal depth
        saddles=[_pt(xs, 0.0, fs)],
        start=(-1.2, 0.5),
        latex=(r"f(x,y)=\left(1-e^{-s_1\lVert(x,y)-c_1\rVert^2}\right)"
               r"\left(1-e^{-s_2\lVert(x,y)-c_2\rVert^2}\right),\quad "
               r"c_1=(-1.5,0),\ c_2=(1.5,0),\ s_2=\tfrac12,\ s_1=\text{sharpness}\cdot s_2"),
        lesson=("Both minima reach exactly the same loss, but gradient descent can only settle "
                "in the narrow one while its learning rate stays below two over that minimum's "
                "curvature, so large steps end up in the wide minimum."),
        reference=("Constructed product of two Gaussian wells; on sharp and flat minima see "
                   "Hochreiter & Schmidhuber (1997), Flat Minima, Neural Computation 9(1), and "
                   "Keskar et al. (2017), On Large-Batch Training for Deep Learning: "
                   "Generalization Gap and Sharp Minima, ICLR"),
        log_scale=False, f_min=0.0, p=(s1, *_SF_SHARP, s2, *_SF_FLAT),
    )



# -- surfaces without parameters -------------------------------------------------------------

_SFU = ("Surjanovic & Bingham (2013), Virtual Library of Simulation Experiments, "
        "Simon Fraser University")

#: Every surface of the catalogue, in display order: a surface, or how to build one with
#: the parameters asked for. The compiled dispatch follows this list (:mod:`landscapes._generate`).
CATALOGUE: dict[str, Surface | Adjustable] = {
    "ravine": Adjustable(_ravine, _RAVINE_SPEC),
    "booth": _fixed(
        name="booth", title="Booth",
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        minima=[_pt(1.0, 3.0, 0.0)],
        start=(-8.0, 7.0),
        latex=r"f(x,y)=(x+2y-7)^2+(2x+y-5)^2",
        lesson=("A tilted quadratic bowl with mild ill-conditioning (condition number 9): every "
                "sensible optimizer converges, so the differences are purely about speed."),
        reference=_SFU,
        log_scale=True,
    ),
    "matyas": _fixed(
        name="matyas", title="Matyas",
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        minima=[_pt(0.0, 0.0, 0.0)],
        start=(-8.0, -4.0),
        latex=r"f(x,y)=0.26\,(x^2+y^2)-0.48\,xy",
        lesson=("Its slow direction runs along the diagonal, so per-coordinate step sizes such "
                "as Adam's cannot undo the ill-conditioning the way they can for an "
                "axis-aligned valley."),
        reference=_SFU,
        log_scale=True,
    ),
    "rosenbrock": Adjustable(_rosenbrock, _ROSENBROCK_SPEC),
    "beale": _fixed(
        name="beale", title="Beale",
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        minima=[_pt(3.0, 0.5, 0.0)],
        saddles=[_pt(0.0, 1.0, 14.203125),
                 _pt(0.1005379373241583, -2.6445135850231254, 9.864512284755559)],
        start=(1.0, 1.5),
        latex=(r"f(x,y)=(1.5-x+xy)^2+(2.25-x+xy^2)^2+(2.625-x+xy^3)^2"),
        lesson=("Steep walls and long, almost flat arms meet near the minimum, so a step size "
                "that is safe in one region is far too small in another."),
        reference=("Beale (1958), On an iterative method for finding a local minimum of a "
                   "function of more than one variable, Tech. Rep. 25, Statistical Techniques "
                   "Research Group, Princeton University"),
        log_scale=True,
    ),
    "saddle": _fixed(
        name="saddle", title="Saddle",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=[], saddles=[_pt(0.0, 0.0, 0.0)], f_min=None,
        start=(1.0, 1e-3),
        latex=r"f(x,y)=x^2-y^2",
        lesson=("A zero gradient does not mean a minimum: started almost on the ridge, gradient "
                "descent slows to a crawl near the saddle until the tiny sideways offset has "
                "grown enough to carry it downhill."),
        reference=("Dauphin et al. (2014), Identifying and attacking the saddle point problem "
                   "in high-dimensional non-convex optimization, NeurIPS"),
        log_scale=False,
    ),
    "monkey_saddle": _fixed(
        name="monkey_saddle", title="Monkey saddle",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=[], saddles=[_pt(0.0, 0.0, 0.0)], f_min=None,
        start=(1.0, 0.1),
        latex=r"f(x,y)=x^3-3xy^2",
        lesson=("At a degenerate saddle the gradient fades quadratically, so optimizers drift "
                "across a wide plateau before one of the three downhill valleys takes over."),
        reference=("Anandkumar & Ge (2016), Efficient approaches for escaping higher order "
                   "saddle points in non-convex optimization, COLT"),
        log_scale=False,
    ),
    "sharp_flat": Adjustable(_sharp_flat, _SHARP_FLAT_SPEC),
    "himmelblau": _fixed(
        name="himmelblau", title="Himmelblau",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=[_pt(3.0, 2.0, 0.0),
                _pt(-2.805118086952745, 3.131312518250573, 0.0),
                _pt(-3.779310253377747, -3.2831859912861696, 0.0),
                _pt(3.5844283403304917, -1.8481265269644034, 0.0)],
        saddles=[_pt(3.385154183607021, 0.07385187983774928, 13.311926270405587),
                 _pt(0.08667750455539634, 2.884254701174776, 67.71915008752613),
                 _pt(-3.0730257507643897, -0.08135304428796751, 104.01516291755811),
                 _pt(-0.12796134673068005, -1.9537149802445766, 178.33723920192745)],
        maxima=[_pt(-0.2708445906673476, -0.9230385564799813, 181.6165215225827)],
        start=(0.0, 0.0),
        latex=r"f(x,y)=(x^2+y-11)^2+(x+y^2-7)^2",
        lesson=("With four equally deep minima, the start point and each optimizer's own "
                "dynamics decide which basin a run ends in."),
        reference="Himmelblau (1972), Applied Nonlinear Programming, McGraw-Hill",
        log_scale=True,
    ),
    "three_hump_camel": _fixed(
        name="three_hump_camel", title="Three-hump camel",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=[_pt(0.0, 0.0, 0.0),
                *_mirror(1.7475523458302888, -0.8737761729151444, 0.29863844223685965)],
        saddles=_mirror(1.07054229182366, -0.53527114591183, 0.8773615577631402),
        start=(-3.0, 3.0),
        latex=r"f(x,y)=2x^2-1.05x^4+\tfrac{x^6}{6}+xy+y^2",
        lesson=("A global minimum flanked by two shallow local ones: a run started out on a "
                "flank tends to settle in the nearer, worse basin."),
        reference=_SFU,
        log_scale=True,
    ),
    "six_hump_camel": _fixed(
        name="six_hump_camel", title="Six-hump camel",
        bounds=((-3.0, 3.0), (-2.0, 2.0)),
        minima=[p for m in _SH for p in _mirror(*m)],
        saddles=[_pt(0.0, 0.0, 0.0), *(p for s in _SH_SADDLES for p in _mirror(*s))],
        maxima=_mirror(*_SH_MAX),
        start=(-1.5, -1.5),
        latex=r"f(x,y)=\left(4-2.1x^2+\tfrac{x^4}{3}\right)x^2+xy+\left(-4+4y^2\right)y^2",
        lesson=("Two mirror-image global minima with a saddle between them show that a "
                "symmetric problem can have several equally good answers."),
        reference=("Dixon & Szegő (1978), The global optimisation problem: an introduction, "
                   "in Towards Global Optimisation 2, North-Holland"),
        log_scale=True,
    ),
    "mccormick": _fixed(
        name="mccormick", title="McCormick",
        bounds=((-1.5, 4.0), (-3.0, 4.0)),
        minima=[_pt(0.5 - math.pi / 3, -0.5 - math.pi / 3, -math.sqrt(3) / 2 - math.pi / 3),
                _pt(0.5 + 2 * math.pi / 3, -0.5 + 2 * math.pi / 3,
                    2 * math.pi / 3 - math.sqrt(3) / 2)],
        saddles=[_pt(0.5 + math.pi / 3, -0.5 + math.pi / 3, math.sqrt(3) / 2 + math.pi / 3)],
        start=(3.5, 3.5),
        latex=r"f(x,y)=\sin(x+y)+(x-y)^2-1.5x+2.5y+1",
        lesson=("A sine ripple on a tilted trough creates one good and one mediocre minimum, "
                "separated by a saddle that decides where a run ends."),
        reference=_SFU,
        log_scale=False,
    ),
    "styblinski_tang": _fixed(
        name="styblinski_tang", title="Styblinski-Tang",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=[_pt(_ST_A, _ST_A, _ST_FA + _ST_FA),
                _pt(_ST_A, _ST_B, _ST_FA + _ST_FB), _pt(_ST_B, _ST_A, _ST_FA + _ST_FB),
                _pt(_ST_B, _ST_B, _ST_FB + _ST_FB)],
        saddles=[_pt(_ST_A, _ST_M, _ST_FA + _ST_FM), _pt(_ST_M, _ST_A, _ST_FA + _ST_FM),
                 _pt(_ST_B, _ST_M, _ST_FB + _ST_FM), _pt(_ST_M, _ST_B, _ST_FB + _ST_FM)],
        maxima=[_pt(_ST_M, _ST_M, _ST_FM + _ST_FM)],
        start=(-0.5, 4.8),
        latex=r"f(x,y)=\tfrac12\left(x^4-16x^2+5x+y^4-16y^2+5y\right)",
        lesson=("Each coordinate has a deep and a shallow well on either side of a small bump, "
                "so which of the four minima a run reaches depends on which side of the bump "
                "each coordinate starts."),
        reference=("Styblinski & Tang (1990), Experiments in nonconvex optimization: stochastic "
                   "approximation with function smoothing and simulated annealing, Neural "
                   "Networks 3(4), 467-483"),
        log_scale=False,
    ),
    "goldstein_price": _fixed(
        name="goldstein_price", title="Goldstein-Price",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=[_pt(0.0, -1.0, 3.0), _pt(-0.6, -0.4, 30.0), _pt(1.8, 0.2, 84.0),
                _pt(1.2, 0.8, 840.0)],
        saddles=[_pt(-0.4, -0.6, 35.0), _pt(1.2, -0.2, 99.0), _pt(1.4, 0.6, 980.0),
                 _pt(0.6, 0.4, 990.0)],
        maxima=[_pt(0.8, 0.2, 1155.0)],
        start=(-1.5, -1.5),
        latex=(r"f(x,y)=\left[1+(x+y+1)^2\left(19-14x+3x^2-14y+6xy+3y^2\right)\right]"
               r"\left[30+(2x-3y)^2\left(18-32x+12x^2+48y-36xy+27y^2\right)\right]"),
        lesson=("Values span six orders of magnitude, so a learning rate that is stable on the "
                "steep walls is painfully slow on the valley floor, where local minima wait."),
        reference=("Goldstein & Price (1971), On descent from local minima, Mathematics of "
                   "Computation 25(115), 569-574"),
        log_scale=True,
    ),
    "rastrigin": _fixed(
        name="rastrigin", title="Rastrigin",
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        # The global minimum, its 8 neighbours, and the local minimum that plain gradient
        # descent reaches from the default start (121 minima lie in [-5.12, 5.12]²).
        minima=[_pt(0.0, 0.0, 0.0),
                _pt(_RA_M1, 0.0, _RA_F1), _pt(-_RA_M1, 0.0, _RA_F1),
                _pt(0.0, _RA_M1, _RA_F1), _pt(0.0, -_RA_M1, _RA_F1),
                _pt(_RA_M1, _RA_M1, 2 * _RA_F1), _pt(-_RA_M1, _RA_M1, 2 * _RA_F1),
                _pt(_RA_M1, -_RA_M1, 2 * _RA_F1), _pt(-_RA_M1, -_RA_M1, 2 * _RA_F1),
                _pt(-1.9899122337085495, 2.9848557010394816, 12.934432432041097)],
        # The four saddles around the global minimum (of 220 in [-5.12, 5.12]²).
        saddles=[_pt(_RA_S, 0.0, _RA_FS), _pt(-_RA_S, 0.0, _RA_FS),
                 _pt(0.0, _RA_S, _RA_FS), _pt(0.0, -_RA_S, _RA_FS)],
        start=(-2.0, 3.5),
        latex=r"f(x,y)=20+x^2-10\cos(2\pi x)+y^2-10\cos(2\pi y)",
        lesson=("A regular lattice of local minima traps gradient methods in whichever dimple "
                "they start in, unless the steps or the noise are large enough to hop out."),
        reference=("Rastrigin (1974), Systems of Extremal Control, Nauka, Moscow; 2-D form as in "
                   "Mühlenbein, Schomisch & Born (1991), Parallel Computing 17, 619-632"),
        log_scale=False,
    ),
    "ackley": _fixed(
        name="ackley", title="Ackley",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        # The global minimum and the 12 nearest local minima (near the integer lattice).
        minima=[_pt(0.0, 0.0, 0.0),
                _pt(_ACK_A, 0.0, _ACK_FA), _pt(-_ACK_A, 0.0, _ACK_FA),
                _pt(0.0, _ACK_A, _ACK_FA), _pt(0.0, -_ACK_A, _ACK_FA),
                _pt(_ACK_D, _ACK_D, _ACK_FD), _pt(-_ACK_D, _ACK_D, _ACK_FD),
                _pt(_ACK_D, -_ACK_D, _ACK_FD), _pt(-_ACK_D, -_ACK_D, _ACK_FD),
                _pt(_ACK_2, 0.0, _ACK_F2), _pt(-_ACK_2, 0.0, _ACK_F2),
                _pt(0.0, _ACK_2, _ACK_F2), _pt(0.0, -_ACK_2, _ACK_F2)],
        start=(-3.3, 2.2),
        latex=(r"f(x,y)=-20\,e^{-0.2\sqrt{(x^2+y^2)/2}}"
               r"-e^{\left(\cos 2\pi x+\cos 2\pi y\right)/2}+e+20"),
        lesson=("A single deep funnel hides under a nearly flat, dimpled plain, so a run must "
                "sense the weak overall slope through the ripples to find it."),
        reference="Ackley (1987), A Connectionist Machine for Genetic Hillclimbing, Kluwer",
        log_scale=False,
    ),
    "levi13": _fixed(
        name="levi13", title="Lévi N.13",
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        # The global minimum and the 8 nearest local minima.
        minima=[_pt(1.0, 1.0, 0.0),
                _pt(1.0 - _LV_A, 1.0, _LV_FA), _pt(1.0 + _LV_A, 1.0, _LV_FA),
                _pt(1.0 - _LV_BX, 1.0 - _LV_BY, _LV_FB), _pt(1.0 + _LV_BX, 1.0 - _LV_BY, _LV_FB),
                _pt(1.0 - _LV_BX, 1.0 + _LV_BY, _LV_FB), _pt(1.0 + _LV_BX, 1.0 + _LV_BY, _LV_FB),
                _pt(1.0 - _LV_C, 1.0, _LV_FC), _pt(1.0 + _LV_C, 1.0, _LV_FC)],
        start=(-4.0, 5.0),
        latex=(r"f(x,y)=\sin^2(3\pi x)+(x-1)^2\left(1+\sin^2(3\pi y)\right)"
               r"+(y-1)^2\left(1+\sin^2(2\pi y)\right)"),
        lesson=("Fast ripples ride on a smooth bowl, so the gradient mostly points across the "
                "ripples and small steps stall in the first trough they meet."),
        reference=_SFU + ", Levy function N. 13",
        log_scale=True,
    ),
}


#: Every surface with its default parameters, in display order.
SURFACES: dict[str, Surface] = {
    name: entry.build(**entry.defaults()) if isinstance(entry, Adjustable) else entry
    for name, entry in CATALOGUE.items()
}

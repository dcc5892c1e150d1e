"""A surface of the user's own: a typed formula on the x and y ranges asked for.

The text is read by :mod:`landscapes.formula` (a parser, never run as code) into a program that
one compiled interpreter runs for every formula (:mod:`landscapes._formula_kernels`), so a new
formula has no compile wait. Its minima, saddles and maxima are found numerically.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import _kernels as _k
from .formula import FormulaError
from .surface import Bounds, Surface, _pt

#: The surface name of a typed formula; its parameters are ``f`` (the text) and the ranges.
FORMULA = "formula"
#: Default range of x and of y for a typed formula.
FORMULA_RANGE = (-3.0, 3.0)
#: The largest |x| or |y| a range may reach, and the narrowest range.
RANGE_LIMIT, RANGE_MIN_WIDTH = 1e6, 1e-6
_SEARCH_GRID = 201
FORMULA_KEYS = ("f", "xmin", "xmax", "ymin", "ymax")


def _check_range(label: str, lo, hi) -> tuple[float, float]:
    try:
        if isinstance(lo, bool | str) or isinstance(hi, bool | str):
            raise TypeError
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise FormulaError(f"{label} range: {lo!r} to {hi!r} are not two numbers") from None
    if not (abs(lo) <= RANGE_LIMIT and abs(hi) <= RANGE_LIMIT):
        raise FormulaError(f"{label} range: {lo:g} to {hi:g} goes beyond ±{RANGE_LIMIT:g}")
    if not hi - lo >= RANGE_MIN_WIDTH:
        raise FormulaError(f"{label} range: {lo:g} to {hi:g} is empty: the first number must be "
                           f"smaller than the second")
    return lo, hi


def formula_surface(f: str = "", xmin: float = FORMULA_RANGE[0], xmax: float = FORMULA_RANGE[1],
                    ymin: float = FORMULA_RANGE[0], ymax: float = FORMULA_RANGE[1]) -> Surface:
    """The surface of the formula ``f`` (see :mod:`landscapes.formula`) on the given range.

    Minima, saddles and maxima are found numerically (grid search, then Newton steps with the
    exact Hessian); the lowest minimum found is ``f_min`` (``found`` is True).

    Raises
    ------
    FormulaError (a ValueError)
        For a formula that cannot be read (naming the column), a bad range, or a formula that
        is defined nowhere in the range.
    """
    from . import formula as _f

    tree = _f.parse(f)
    box = (_check_range("x", xmin, xmax), _check_range("y", ymin, ymax))
    return _formula_surface(f.strip(), tree, box)


@lru_cache(maxsize=64)
def _formula_surface(text: str, tree, box: Bounds) -> Surface:
    from . import formula as _f

    prog = _f.program(tree)
    xs = np.linspace(*box[0], _SEARCH_GRID)
    ys = np.linspace(*box[1], _SEARCH_GRID)
    X, Y = np.meshgrid(xs, ys)
    F, GX, GY = (np.empty(X.size) for _ in range(3))
    _k.value_grad_block(_k.FORMULA, prog, X.ravel(), Y.ravel(), F, GX, GY)
    F, G2 = F.reshape(X.shape), (GX * GX + GY * GY).reshape(X.shape)
    ok = np.isfinite(F) & np.isfinite(G2)
    if not ok.any():
        (x0, x1), (y0, y1) = box
        raise FormulaError(f"f is not defined anywhere in x from {x0:g} to {x1:g}, y from "
                           f"{y0:g} to {y1:g}")
    F, G2 = np.where(ok, F, np.nan), np.where(ok, G2, np.nan)
    minima, saddles, maxima = (
        [_pt(*q) for q in k] for k in _f.stationary_points(tree, box, xs, ys, F, G2))
    f_min = minima[0].f if minima else None
    return Surface(
        name=FORMULA, title="Your formula", sid=_k.FORMULA,
        params={"f": text, "xmin": box[0][0], "xmax": box[0][1], "ymin": box[1][0],
                "ymax": box[1][1]},
        param_spec={}, bounds=box, minima=minima, saddles=saddles, maxima=maxima,
        start=_formula_start(xs, ys, ok), latex=_f.latex(tree),
        gradient_latex=_f.gradient_latex(tree),
        lesson=("A formula of your own. Its minima (★) and saddle points (✕) were found "
                "numerically on this range, by a grid search and then Newton steps with the "
                "exact Hessian: the lowest minimum found stands in for the global minimum "
                "(found, not known)." + ("" if ok.all() else " The shaded part of the map is "
                                         "where f is not defined; a run that reaches it ends "
                                         "there.")),
        reference="Typed in the app; gradient and Hessian by exact symbolic differentiation",
        log_scale=_wide_range(F, f_min), f_min=f_min, p=prog, found=True,
    )


def _formula_start(xs: np.ndarray, ys: np.ndarray, ok: np.ndarray) -> tuple[float, float]:
    """A start near the upper left of the range, away from where f is not defined."""
    i, j = int(0.15 * (len(xs) - 1)), int(0.85 * (len(ys) - 1))
    inner = ok.copy()
    for _ in range(8):  # keep 8 grid cells from the undefined region where possible
        grown = inner.copy()
        grown[1:, :] &= inner[:-1, :]
        grown[:-1, :] &= inner[1:, :]
        grown[:, 1:] &= inner[:, :-1]
        grown[:, :-1] &= inner[:, 1:]
        if not grown.any():
            break
        inner = grown
    jj, ii = np.nonzero(inner)
    k = int(np.argmin((ii - i) ** 2 + (jj - j) ** 2))
    return float(xs[ii[k]]), float(ys[jj[k]])


def _wide_range(F: np.ndarray, f_min: float | None) -> bool:
    """Whether values span orders of magnitude above the lowest minimum found."""
    if f_min is None or np.nanmin(F) < f_min - 1e-9 * (1.0 + abs(f_min)):
        return False  # lower values than the minimum found (at the range's edge)
    with np.errstate(all="ignore"):
        lo, hi = np.nanpercentile(F - f_min, [10.0, 99.0])
    return bool(hi > 100.0 * max(lo, 1e-12 * max(hi, 1.0)))

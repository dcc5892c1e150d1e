"""The Surface record: one analytic 2-D surface with its catalogue data, evaluated by the
compiled kernels; and :func:`grid`, a surface on a mesh for contour plots."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import _kernels as _k

#: A run that leaves the plotting bounds grown by this factor (about their centre) has diverged.
LIMIT_FACTOR = 50.0

Bounds = tuple[tuple[float, float], tuple[float, float]]


class Point(NamedTuple):
    """A stationary point: coordinates and the surface value there."""

    x: float
    y: float
    f: float


class ParamSpec(NamedTuple):
    """An adjustable surface parameter.

    ``low``/``high`` are the closed valid range; ``log`` suggests a log-scaled slider.
    """

    default: float
    low: float
    high: float
    label: str
    help: str
    log: bool = False


@dataclass(frozen=True)
class Surface:
    """One analytic 2-D test surface with its catalogue data.

    Attributes
    ----------
    name : str
        Registry key in ``SURFACES``.
    title : str
        Display name.
    sid : int
        Integer id understood by the kernels in :mod:`landscapes._kernels` (the
        catalogue's order, :data:`landscapes._kernels.SIDS`).
    params : dict[str, float]
        Values of the adjustable parameters in use (empty for surfaces without any).
    param_spec : dict[str, ParamSpec]
        Default, valid range, label and help text of each adjustable parameter.
    bounds : ((xmin, xmax), (ymin, ymax))
        Plotting window.
    minima : list[Point]
        Every global minimum (first), then notable local minima by increasing value. Not
        exhaustive for Rastrigin, Ackley and Lévi N.13, which have hundreds of local minima;
        see each surface's entry.
    saddles : list[Point]
        Known saddle points inside (or near) the bounds.
    start : (x, y)
        A start that makes a good optimizer demonstration.
    latex : str
        The formula, renderable by KaTeX (``st.latex``).
    lesson : str
        One sentence on what the surface teaches.
    reference : str
        Where the function comes from.
    log_scale : bool
        True when values span orders of magnitude, so contours are best coloured by
        ``log(f - f_min)``.
    f_min : float or None
        The global minimum value; ``None`` for the surfaces that are unbounded below
        (``saddle`` and ``monkey_saddle``), which have no global minimum.
    maxima : list[Point]
        Known local maxima (mostly empty).
    p : numpy.ndarray
        Read-only float64 parameter vector in the layout the kernels expect; it may hold
        derived values (the ravine stores cos θ and sin θ), so build surfaces with
        :func:`get_surface` rather than writing it by hand.
    gradient_latex : str
        The gradient in LaTeX, for a typed formula (sympy's derivative); "" for the catalogue.
    ray : float or None
        On separable classification data (a logistic data surface without a minimum): the
        angle, in radians, of the max-margin direction from the origin, which gradient
        descent's weights turn towards as they grow; None elsewhere.
    axes : (str, str)
        What the two coordinates are called: ("x", "y"), or a data surface's two weights
        ("w", "b"; "w₁", "w₂").
    found : bool
        True for a typed formula: its minima, saddles and ``f_min`` were found numerically on
        its range (found, not known); False for the catalogue, whose points are published.
    limit : ((xmin, xmax), (ymin, ymax))
        Divergence box: the plotting bounds grown to ``LIMIT_FACTOR`` (50) times their width
        and height about their centre. A run that leaves it counts as diverged.

    Two surfaces compare equal when their names and parameters are equal.
    """

    name: str
    title: str
    sid: int
    params: dict[str, float] = field(compare=True)
    param_spec: dict[str, ParamSpec] = field(compare=False, repr=False)
    bounds: Bounds = field(compare=False)
    minima: list[Point] = field(compare=False, repr=False)
    saddles: list[Point] = field(compare=False, repr=False)
    start: tuple[float, float] = field(compare=False)
    latex: str = field(compare=False, repr=False)
    lesson: str = field(compare=False, repr=False)
    reference: str = field(compare=False, repr=False)
    log_scale: bool = field(compare=False, repr=False)
    f_min: float | None = field(compare=False, repr=False)
    p: np.ndarray = field(compare=False, repr=False)
    maxima: list[Point] = field(default_factory=list, compare=False, repr=False)
    gradient_latex: str = field(default="", compare=False, repr=False)
    found: bool = field(default=False, compare=False, repr=False)
    axes: tuple[str, str] = field(default=("x", "y"), compare=False, repr=False)
    ray: float | None = field(default=None, compare=False, repr=False)
    limit: Bounds = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        p = np.array(self.p, dtype=np.float64).reshape(-1)
        p.setflags(write=False)
        object.__setattr__(self, "p", p)
        (x0, x1), (y0, y1) = self.bounds
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        hx, hy = 0.5 * LIMIT_FACTOR * (x1 - x0), 0.5 * LIMIT_FACTOR * (y1 - y0)
        object.__setattr__(self, "limit", ((cx - hx, cx + hx), (cy - hy, cy + hy)))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))

    # -- evaluation -------------------------------------------------------------------------

    def value(self, x, y):
        """f(x, y). Floats give a float; arrays (broadcast together) give an array."""
        if np.ndim(x) == 0 and np.ndim(y) == 0:
            return float(_k.value(self.sid, self.p, float(x), float(y)))
        xb, yb = _flat_pair(x, y)
        out = np.empty(xb.size)
        _k._values(self.sid, self.p, xb.ravel(), yb.ravel(), out)
        return out.reshape(xb.shape)

    def value_grad(self, x, y):
        """``(f, df/dx, df/dy)`` at (x, y); floats or arrays as for :meth:`value`."""
        if np.ndim(x) == 0 and np.ndim(y) == 0:
            f, gx, gy = _k.value_grad(self.sid, self.p, float(x), float(y))
            return float(f), float(gx), float(gy)
        xb, yb = _flat_pair(x, y)
        f, gx, gy = np.empty(xb.size), np.empty(xb.size), np.empty(xb.size)
        _k._values_grads(self.sid, self.p, xb.ravel(), yb.ravel(), f, gx, gy)
        return f.reshape(xb.shape), gx.reshape(xb.shape), gy.reshape(xb.shape)

    def grad(self, x, y):
        """``(df/dx, df/dy)`` at (x, y); floats or arrays as for :meth:`value`."""
        _, gx, gy = self.value_grad(x, y)
        return gx, gy

    def hessian(self, x, y):
        """The exact Hessian ``(d²f/dx², d²f/dxdy, d²f/dy²)`` at (x, y); floats or arrays as
        for :meth:`value`."""
        if np.ndim(x) == 0 and np.ndim(y) == 0:
            hxx, hxy, hyy = _k.hessian(self.sid, self.p, float(x), float(y))
            return float(hxx), float(hxy), float(hyy)
        xb, yb = _flat_pair(x, y)
        hxx, hxy, hyy = np.empty(xb.size), np.empty(xb.size), np.empty(xb.size)
        _k._hessians(self.sid, self.p, xb.ravel(), yb.ravel(), hxx, hxy, hyy)
        return hxx.reshape(xb.shape), hxy.reshape(xb.shape), hyy.reshape(xb.shape)

    def nearest_minimum(self, x: float, y: float, tol: float | None = None) -> int | None:
        """Index in ``minima`` of the listed minimum closest to (x, y) if within ``tol``.

        ``tol`` is a Euclidean distance; by default 1 % of the smaller side of ``bounds``.
        Returns ``None`` when no listed minimum is that close (or none is listed).
        """
        if tol is None:
            (x0, x1), (y0, y1) = self.bounds
            tol = 0.01 * min(x1 - x0, y1 - y0)
        best, best_d = None, math.inf
        for i, m in enumerate(self.minima):
            d = math.hypot(x - m.x, y - m.y)
            if d <= tol and d < best_d:
                best, best_d = i, d
        return best


def _pt(x: float, y: float, f: float) -> Point:
    return Point(float(x), float(y), float(f))


def _flat_pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    xb, yb = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.ascontiguousarray(xb), np.ascontiguousarray(yb)


def grid(surface: Surface, nx: int, ny: int,
         bounds: Bounds | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``surface`` on an ``nx`` × ``ny`` mesh for contour and surface plots.

    Parameters
    ----------
    surface : Surface
    nx, ny : int
        Number of points along x and y (each at least 2).
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        Window to evaluate; defaults to ``surface.bounds``.

    Returns
    -------
    xs : (nx,) float64, ys : (ny,) float64, Z : (ny, nx) float64 with ``Z[j, i] = f(xs[i], ys[j])``
    """
    for label, n in (("nx", nx), ("ny", ny)):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
            raise ValueError(f"Invalid {label}: {n!r} (must be an integer >= 2)")
    (x0, x1), (y0, y1) = surface.bounds if bounds is None else bounds
    xs = np.linspace(float(x0), float(x1), int(nx))
    ys = np.linspace(float(y0), float(y1), int(ny))
    Z = np.empty((int(ny), int(nx)))
    if surface.sid == _k.DATA:  # n rows a point: the mesh's rows on both cores
        from ._data_kernels import data_grid

        data_grid(surface.p, xs, ys, Z)
    else:
        _k._grid(surface.sid, surface.p, xs, ys, Z)
    return xs, ys, Z

r"""Analytic 2-D loss surfaces for optimizer races.

Each surface is one :class:`Surface` record (:mod:`landscapes.surface`): formula (compiled value
and gradient in :mod:`landscapes._surfaces`, dispatched by :mod:`landscapes._kernels`), plotting
bounds, every global minimum and the notable local ones, known saddles, a demonstration start,
a LaTeX formula, one sentence on what it teaches and a reference. ``SURFACES`` holds every
surface of the catalogue (:mod:`landscapes.catalogue`) with default parameters, in display
order; :func:`get_surface` builds one with other parameters, or a typed formula
(:mod:`landscapes.typed`); :func:`grid` evaluates one on a mesh for contour plots.

Example
-------
>>> from landscapes import SURFACES, get_surface, grid
>>> s = SURFACES["rosenbrock"]
>>> s.value(1.0, 1.0)
0.0
>>> f, gx, gy = s.value_grad(-1.2, 1.0)  # 24.2, -215.6, -88.0 up to round-off
>>> xs, ys, Z = grid(get_surface("ravine", condition=100, angle=30), 200, 200)
"""

from __future__ import annotations

from .catalogue import CATALOGUE, SURFACES, Adjustable
from .data import DATA, DATA_KEYS, DATASETS, MODELS, data_surface
from .formula import FormulaError
from .surface import LIMIT_FACTOR, ParamSpec, Point, Surface, grid
from .typed import (
    FORMULA,
    FORMULA_KEYS,
    FORMULA_RANGE,
    RANGE_LIMIT,
    RANGE_MIN_WIDTH,
    formula_surface,
)

__all__ = ["CATALOGUE", "DATA", "DATASETS", "DATA_KEYS", "FORMULA", "FORMULA_RANGE",
           "LIMIT_FACTOR", "MODELS", "RANGE_LIMIT", "RANGE_MIN_WIDTH", "SURFACES", "FormulaError",
           "ParamSpec", "Point", "Surface", "data_surface", "formula_surface", "get_surface",
           "grid"]


def get_surface(name: str, **params: float) -> Surface:
    """The surface ``name`` with the given parameters (others at their defaults).

    Raises
    ------
    ValueError
        For an unknown surface (listing the valid names), an unknown parameter (listing the
        surface's parameters) or a value outside its valid range (stating the range).
    """
    if name == DATA:
        return data_surface(**params)
    if name == FORMULA:
        for key in params:
            if key not in FORMULA_KEYS:
                raise ValueError(f"Unknown parameter {key!r} for a formula; valid parameters: "
                                 f"{', '.join(FORMULA_KEYS)}")
        return formula_surface(**params)
    if name not in SURFACES:
        raise ValueError(f"Unknown surface {name!r}; valid surfaces: {', '.join(SURFACES)}, "
                         f"or {FORMULA!r} with f=... for a formula of your own, or {DATA!r} "
                         f"with model=... and dataset=... for a model's loss over data")
    entry = CATALOGUE[name]
    if not isinstance(entry, Adjustable):
        if params:
            bad = next(iter(params))
            raise ValueError(f"Unknown parameter {bad!r} for surface {name!r}: "
                             f"{name!r} has no adjustable parameters")
        return entry
    build, spec = entry.build, entry.spec
    for key in params:
        if key not in spec:
            raise ValueError(f"Unknown parameter {key!r} for surface {name!r}; "
                             f"valid parameters: {', '.join(spec)}")
    values = entry.defaults()
    for key, raw in params.items():
        s = spec[key]
        try:
            if isinstance(raw, bool | str):
                raise TypeError
            v = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid {key!r} for surface {name!r}: {raw!r} "
                             f"(must be a number in [{s.low:g}, {s.high:g}])") from None
        if not (s.low <= v <= s.high):  # also rejects NaN
            raise ValueError(f"Invalid {key!r} for surface {name!r}: {v:g} "
                             f"(must be in [{s.low:g}, {s.high:g}])")
        values[key] = v
    return build(**values)

"""The values the sidebar's widgets offer: round learning rates, powers of ten, β2 values and
round slider steps, each worked out from an optimizer's hyperparameter spec
(:mod:`optimizers._spec`), the one validation uses.

Pure functions of the spec: the sidebar draws with them, the state snaps a scene's values to
them, the race player's chips step through them.
"""

from __future__ import annotations

import functools
import math

ROUND_MANTISSAS = (1, 1.5, 2, 3, 5, 7)
BETA2_VALUES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999)


def lr_grid(h) -> list[float]:
    """Round learning rates (1, 1.5, 2, 3, 5, 7 per decade) from a tenth of the spec's lowest
    offered value to ten times its highest: what a racer's learning-rate slider steps
    through, in the sidebar and on its chip."""
    return list(_round_grid(h.ui_low / 10, h.ui_high * 10))


# A process-wide cache shared by every session: safe, since lru_cache is thread-safe, bounded,
# and holds immutable tuples computed from its arguments alone.
@functools.lru_cache(maxsize=64)
def _round_grid(lo: float, hi: float) -> tuple[float, ...]:
    grid = {round(m * 10.0**e, 12) for e in range(math.floor(math.log10(lo)),
                                                     math.ceil(math.log10(hi)) + 1)
            for m in ROUND_MANTISSAS}
    return tuple(sorted(v for v in grid if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)))


def eps_grid(h) -> list[float]:
    """Powers of ten across the spec's offered range (ε, say)."""
    return [10.0**e for e in range(round(math.log10(h.ui_low)), round(math.log10(h.ui_high)) + 1)]


def beta2_grid(h) -> list[float]:
    """Round second-coefficient values (β2) inside the spec's offered range."""
    return [v for v in BETA2_VALUES if h.ui_low <= v <= h.ui_high]


def round_step(span: float) -> float:
    """A round slider step, about a hundredth to a thousandth of ``span``: 0.001 for μ in
    [0, 0.999], 1 for an angle in [0, 180]."""
    return 10.0 ** (math.floor(math.log10(span)) - 2)


def with_value(options: list[float], value: float) -> list[float]:
    """``options`` with ``value`` among them (a link's value off the grid widens the grid
    rather than breaking its widget)."""
    return options if any(math.isclose(o, value, rel_tol=1e-12) for o in options) else sorted(
        [*options, value])


def snap(options: list[float], value: float) -> float:
    """The option equal to ``value`` to twelve digits (the widget's own float), or ``value``."""
    for o in options:
        if math.isclose(o, value, rel_tol=1e-12):
            return o
    return value

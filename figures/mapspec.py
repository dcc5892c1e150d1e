"""How a surface's map looks, decided once for every renderer.

Three renderers draw the map: the race player in the browser (``ui/player_frontend/``,
which receives this specification in its payload from :func:`figures.payload.surface_payload`),
the static figures (:func:`figures.landscape_figure` and :func:`figures.surface3d_figure`,
exported as PNG, SVG and PDF by Kaleido) and the Pillow fallback of the animations
(:mod:`export.sketch`). None of them chooses colours or marker shapes of its own; they draw:

``COLORSCALE``
    The stops of the colour scale of the contours and of the 3-D surface.
``CONTOUR_LINE_COLOR``
    The colour of the contour lines.
``MARKER_STYLES``
    How each kind of marked point looks, by kind: ``"global"`` (a global minimum: a large gold
    star), ``"local"`` (a local minimum: a smaller grey star), ``"saddle"`` (an ✕) and
    ``"start"`` (a white disc with a dark ring). ``size`` is a multiple of the renderer's point
    size (the theme's ``point_size`` in the static figures); line widths are in pixels.
:func:`map_markers`
    The marked points of a surface, each with its kind.
:func:`z_scale`
    What the colours (and the heights of the 3-D views) show: ``log10(f − f* + floor)`` on
    surfaces whose values span decades, else ``f`` itself.

``RACER_STYLES``
    How the racers are told apart besides their colour (in print, in grey, for a reader who
    does not see the colours): racer ``i`` draws its position with the marker symbol and its
    path with the dash pattern of ``racer_style(i)``, on the map, the loss and learning-rate
    curves, their legends and every export.

:func:`map_spec` bundles them for one surface; ``map_spec(surface).to_dict()`` is plain JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from landscapes import DATA, Surface, grid

#: Sequential background for contour maps: near white at the minimum, slate grey on the high
#: walls. Pale and hue-neutral, so every colour of the Okabe-Ito palette stands out on it.
COLORSCALE: list[list] = [
    [0.0, "#ffffff"],
    [0.3, "#eef1f3"],
    [0.6, "#d8dfe5"],
    [1.0, "#aab6c2"],
]
CONTOUR_LINE_COLOR = "rgba(30, 45, 60, 0.30)"
MARK_COLOR = "#1a1a1a"

#: Grid on which the log scale's floor is measured (the static map's resolution).
ZSCALE_GRID_N = 220
#: Added to f − f* before the logarithm, as a fraction of the surface's range on the grid.
LOG_FLOOR_FRACTION = 1e-6

KINDS = ("global", "local", "saddle", "start")


@dataclass(frozen=True)
class MarkerStyle:
    """The look of one kind of marked point.

    ``symbol`` is a Plotly marker symbol of the 2-D map ("star", "x-thin", "circle");
    ``symbol3d`` one of the 3-D views (which have no star, and draw "x" with an emoji glyph that
    many machines lack, hence "cross"). ``fill`` is ``None`` for a symbol
    drawn with lines only (the ✕). ``label``/``plural`` name the points in a legend.
    """

    kind: str
    label: str
    plural: str
    symbol: str
    symbol3d: str
    size: float  # times the renderer's point size
    fill: str | None
    line: str
    line_width: float  # px

    def name(self, count: int) -> str:
        return self.label if count == 1 else self.plural


MARKER_STYLES: dict[str, MarkerStyle] = {
    "global": MarkerStyle("global", "global minimum", "global minima", "star", "diamond",
                          size=1.3, fill="#F5C518", line=MARK_COLOR, line_width=1.2),
    "local": MarkerStyle("local", "local minimum", "local minima", "star", "diamond",
                         size=0.85, fill="#9aa4ae", line=MARK_COLOR, line_width=1.0),
    "saddle": MarkerStyle("saddle", "saddle point", "saddle points", "x-thin", "cross",
                          size=0.8, fill=None, line=MARK_COLOR, line_width=2.5),
    "start": MarkerStyle("start", "start", "start", "circle", "circle",
                         size=0.8, fill="#ffffff", line=MARK_COLOR, line_width=2.0),
}

#: Every legend name a marked point can have, mapped to its kind.
KIND_OF_NAME: dict[str, str] = {n: s.kind for s in MARKER_STYLES.values()
                                for n in (s.label, s.plural)}


@dataclass(frozen=True)
class RacerStyle:
    """How one racer is drawn besides its colour.

    ``symbol`` is a Plotly marker symbol of the 2-D figures (the racer's position on the map,
    the marks on its loss curve, its legend entry) and ``symbol3d`` one of the 3-D view.
    ``dash`` is the dash pattern of its path and curves: lengths of dash, gap, dash, gap, …
    in multiples of the line width (empty: a solid line), so a renderer at any line width draws
    the same pattern; ``dash3d`` is the nearest of the named patterns the 3-D view knows.
    """

    symbol: str
    symbol3d: str
    dash: tuple[float, ...]
    dash3d: str

    @property
    def solid(self) -> bool:
        return not self.dash

    def dash_px(self, line_width: float) -> list[float]:
        """The dash pattern in pixels for lines ``line_width`` pixels wide (empty: solid)."""
        return [round(v * line_width, 2) for v in self.dash]

    def plotly_dash(self, line_width: float) -> str:
        """The dash pattern as a Plotly ``line.dash`` for lines ``line_width`` pixels wide."""
        if self.solid:
            return "solid"
        return ",".join(f"{v:g}px" for v in self.dash_px(line_width))


#: The racers' styles in order; racer i has ``RACER_STYLES[i % len(RACER_STYLES)]``. The
#: symbols avoid those of the marked points (stars, ✕, the start's white disc) and the dash
#: patterns differ in rhythm, not only in length, so each reads in a small legend.
RACER_STYLES: tuple[RacerStyle, ...] = (
    RacerStyle("circle", "circle", (), "solid"),
    RacerStyle("square", "square", (4.0, 2.0), "dash"),
    RacerStyle("diamond", "diamond", (1.0, 1.6), "dot"),
    RacerStyle("triangle-up", "circle-open", (4.0, 1.6, 1.0, 1.6), "dashdot"),
    RacerStyle("triangle-down", "square-open", (8.0, 2.4), "longdash"),
    RacerStyle("hexagon", "diamond-open", (8.0, 1.6, 1.0, 1.6, 1.0, 1.6), "longdashdot"),
    # Twelve racers (the most a scene has) each a shape of their own; the patterns come round
    # again, with other shapes.
    RacerStyle("cross", "cross", (), "solid"),
    RacerStyle("pentagon", "square", (4.0, 2.0), "dash"),
    RacerStyle("triangle-right", "diamond", (1.0, 1.6), "dot"),
    RacerStyle("bowtie", "circle-open", (4.0, 1.6, 1.0, 1.6), "dashdot"),
    RacerStyle("triangle-left", "square-open", (8.0, 2.4), "longdash"),
    RacerStyle("hourglass", "diamond-open", (8.0, 1.6, 1.0, 1.6, 1.0, 1.6), "longdashdot"),
)


def racer_style(index: int) -> RacerStyle:
    """The style of the racer listed ``index``-th (from 0)."""
    return RACER_STYLES[index % len(RACER_STYLES)]


@dataclass(frozen=True)
class MapMarker:
    """A marked point: its kind (a key of ``MARKER_STYLES``), where it is, its value ``f``
    and ``z``, its value on the surface's :class:`ZScale` (its height in 3-D)."""

    kind: str
    x: float
    y: float
    f: float
    z: float


@dataclass(frozen=True)
class ZScale:
    """The scale of the colours and the 3-D heights: ``log10(max(f − f_star, 0) + floor)``
    when ``log``, else ``f``. ``label`` names the colour bar ("f − f*", on a log scale) and
    ``axis_label`` the 3-D z axis."""

    log: bool
    f_star: float
    floor: float
    label: str
    axis_label: str

    def transform(self, f):
        f = np.asarray(f, dtype=np.float64)
        return np.log10(np.maximum(f - self.f_star, 0.0) + self.floor) if self.log else f


@dataclass(frozen=True)
class MapSpec:
    colorscale: list
    contour_line: str
    styles: dict[str, MarkerStyle]
    markers: tuple[MapMarker, ...]
    zscale: ZScale
    ray: tuple[tuple[float, float], tuple[float, float]] | None = None  # see ray_segment

    def kinds(self) -> list[str]:
        """The kinds of the marked points, in the order of ``KINDS``."""
        present = {m.kind for m in self.markers}
        return [k for k in KINDS if k in present]

    def key(self) -> list[dict]:
        """Entries of a compact map key ("minimum", "saddle"): global and local minima are
        told apart only when both occur."""
        kinds = self.kinds()
        both = "global" in kinds and "local" in kinds
        text = {"global": "global minimum" if both else "minimum",
                "local": "local minimum", "saddle": "saddle"}
        return [{"kind": k, "label": text[k]} for k in kinds if k in text]

    def to_dict(self) -> dict:
        """Plain JSON: the keys the race player reads from its payload's ``surface``."""
        z = self.zscale
        return {
            "colorscale": [list(s) for s in self.colorscale],
            "contour_line": self.contour_line,
            "marker_styles": {k: asdict(s) for k, s in self.styles.items()},
            "markers": [{"kind": m.kind, "x": m.x, "y": m.y, "f": m.f,
                         "z": m.z if np.isfinite(m.z) else None} for m in self.markers],
            "map_key": self.key(),
            "zscale": {"log": z.log, "f_star": z.f_star, "floor": z.floor, "label": z.label,
                       "axis_label": z.axis_label},
            **({"ray": {"x": list(self.ray[0]), "y": list(self.ray[1]), "label": RAY_LABEL,
                        "color": RAY_COLOR}} if self.ray else {}),
        }


def is_global(surface: Surface, f: float) -> bool:
    f_min = surface.f_min
    return f_min is not None and abs(f - f_min) <= 1e-9 * max(1.0, abs(f_min))


# A process-wide cache shared by every session: bounded, thread-safe, and its values are
# frozen dataclasses.
@lru_cache(maxsize=64)
def z_scale(surface: Surface) -> ZScale:
    """The colour (and 3-D height) scale of ``surface``: log10(f − f*) for surfaces that span
    decades, f itself otherwise."""
    if surface.log_scale and surface.f_min is not None:
        _, _, f = grid(surface, ZSCALE_GRID_N, ZSCALE_GRID_N)
        finite = np.isfinite(f)
        span = float(np.nanmax(np.where(finite, f, -np.inf)) - surface.f_min)
        floor = max(span * LOG_FLOOR_FRACTION, 1e-12)
        return ZScale(True, float(surface.f_min), floor, "f − f*", "log₁₀(f − f*)")
    name = "loss" if surface.name == DATA else "f(x, y)"  # a model's loss: what it is
    return ZScale(False, float(surface.f_min or 0.0), 0.0, name, name)


def map_markers(surface: Surface) -> tuple[MapMarker, ...]:
    """The surface's minima (each ``"global"`` or ``"local"``) and saddles (``"saddle"``),
    with their values on the surface's z scale. The start belongs to a scene, not to the
    surface, and is not listed."""
    zs = z_scale(surface)
    out = []
    for m in surface.minima:
        kind = "global" if is_global(surface, m.f) else "local"
        out.append(MapMarker(kind, float(m.x), float(m.y), float(m.f),
                             float(zs.transform(m.f))))
    for s in surface.saddles:
        out.append(MapMarker("saddle", float(s.x), float(s.y), float(s.f),
                             float(zs.transform(s.f))))
    return tuple(out)


#: Shading of the part of a typed formula's map where f is not defined.
UNDEFINED_COLOR = "rgba(95, 105, 115, 0.55)"
UNDEFINED_TEXT = "f is not defined here"


def undefined_mask(surface: Surface, n: int) -> np.ndarray | None:
    """For a typed formula whose map has points where f is not defined: an ``n`` × ``n`` grid
    (as :func:`landscapes.grid`) holding 1 there and NaN elsewhere, which every renderer shades
    with :data:`UNDEFINED_COLOR`. None when f is defined on the whole map."""
    if not surface.found:
        return None
    _, _, f = grid(surface, n, n)
    bad = ~np.isfinite(f)
    return np.where(bad, 1.0, np.nan) if bad.any() else None


def undefined_trace(xs, ys, mask: np.ndarray) -> dict:
    """The shading of :func:`undefined_mask` as a Plotly heatmap trace."""
    return {"type": "heatmap", "x": xs, "y": ys, "z": mask, "showscale": False,
            "colorscale": [[0.0, UNDEFINED_COLOR], [1.0, UNDEFINED_COLOR]], "zmin": 0, "zmax": 1,
            "hovertemplate": f"x=%{{x:.4g}}, y=%{{y:.4g}}: {UNDEFINED_TEXT}<extra></extra>",
            "name": UNDEFINED_TEXT, "showlegend": False}


def map_spec(surface: Surface) -> MapSpec:
    """Everything about the look of ``surface``'s map that every renderer shares."""
    return MapSpec(COLORSCALE, CONTOUR_LINE_COLOR, MARKER_STYLES, map_markers(surface),
                   z_scale(surface), ray_segment(surface))


#: The max-margin ray on separable data: its name in the map key and its colour (dark, dashed).
RAY_LABEL = "max-margin direction"
RAY_COLOR = "rgba(26, 26, 26, 0.75)"


def ray_segment(surface: Surface):
    """((x0, x1), (y0, y1)): the max-margin ray from the origin to the edge of the surface's
    limit box (each renderer clips it to the map), or None when the surface has none."""
    if surface.ray is None:
        return None
    c, s = float(np.cos(surface.ray)), float(np.sin(surface.ray))
    (x0, x1), (y0, y1) = surface.limit
    reach = min(((x1 if c > 0 else x0) / c) if abs(c) > 1e-12 else np.inf,
                ((y1 if s > 0 else y0) / s) if abs(s) > 1e-12 else np.inf)
    return (0.0, reach * c), (0.0, reach * s)


def plotly_marker(style: MarkerStyle, point_size: float) -> dict:
    """``style`` as a Plotly ``marker`` of a 2-D scatter trace."""
    out = {"symbol": style.symbol, "size": style.size * point_size,
           "line": {"color": style.line, "width": style.line_width}}
    if style.fill is not None:
        out["color"] = style.fill
    return out


#: Each racer's marker shape and line dash by name (Plotly's names), as the race player reads
#: them from its payload: the same :data:`RACER_STYLES` as the static figures and animations.
RACER_SYMBOLS: tuple[str, ...] = tuple(r.symbol for r in RACER_STYLES)
RACER_DASHES: tuple[str, ...] = tuple(r.dash3d for r in RACER_STYLES)


def racer_symbol(i: int) -> str:
    """The marker shape of the ``i``-th racer."""
    return racer_style(i).symbol


def racer_dash(i: int) -> str:
    """The line dash of the ``i``-th racer, by name."""
    return racer_style(i).dash3d

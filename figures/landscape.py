"""The map: contours of a surface with every optimizer's path on it."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from landscapes import Surface, grid

from . import _style
from ._layout import TEXT_INSET, legend_grid, text_px, title_annotations
from ._style import Theme, get_theme
from ._text import legend_label, plot_text, power_of_ten, scene_subtitle, surface_title
from .mapspec import (
    LOG_FLOOR_FRACTION,
    MARK_COLOR,
    MARKER_STYLES,
    RAY_COLOR,
    RAY_LABEL,
    map_spec,
    plotly_marker,
    racer_style,
    undefined_mask,
    undefined_trace,
    z_scale,
)

__all__ = ["LOG_FLOOR_FRACTION", "MARK_COLOR", "GLOBAL_MIN_COLOR", "GRID_N", "SurfaceField",
           "surface_field", "landscape_figure", "end_mark"]

GRID_N = 220
#: Resolution of the picture of the bands between contour lines (finer than the lines' grid,
#: so the bands' edges follow the lines drawn over them).
FILL_N = 440
#: Resolution of the contour lines: smoothed, they follow the surface as closely as on a finer
#: grid, in half the SVG.
LINES_N = 130

GLOBAL_MIN_COLOR = MARKER_STYLES["global"].fill  # the map's specification decides


@dataclass(frozen=True)
class SurfaceField:
    """A surface sampled for a contour map, in the coordinates the colours are drawn in.

    ``z`` is ``log10(f − f* + floor)`` when ``log`` is true, else ``f``. ``levels`` is
    ``(start, end, size)`` of the contour lines; ``zmin``/``zmax`` the ends of the colour bar.
    """

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    log: bool
    floor: float
    label: str
    zmin: float
    zmax: float
    levels: tuple[float, float, float]
    tickvals: tuple[float, ...] | None
    ticktext: tuple[str, ...] | None

    def transform(self, f):
        """Map loss values into colour-bar coordinates."""
        f = np.asarray(f, dtype=np.float64)
        return np.log10(np.maximum(f - self.f_star, 0.0) + self.floor) if self.log else f

    @property
    def f_star(self) -> float:
        return self._f_star

    _f_star: float = 0.0


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


# A process-wide cache shared by every session: bounded, thread-safe, and what it holds cannot
# change (a frozen dataclass of read-only arrays).
@lru_cache(maxsize=64)
def surface_field(surface: Surface, n: int = GRID_N) -> SurfaceField:
    """Sample ``surface`` on an ``n`` × ``n`` grid over its bounds and choose the colour
    transform: log10(f − f*) for surfaces that span decades, f itself otherwise."""
    xs, ys, f = grid(surface, n, n)
    zscale = z_scale(surface)  # the map's specification: the same at every resolution
    use_log, floor, label = zscale.log, zscale.floor, zscale.label
    z = zscale.transform(f) if use_log else f.copy()
    z[~np.isfinite(z)] = np.nan
    zmin, zmax = float(np.nanmin(z)), float(np.nanmax(z))
    if zmax <= zmin:
        zmax = zmin + 1.0
    size = _nice_step(zmax - zmin, 24 if use_log else 20)
    if use_log:
        size = min((0.1, 0.2, 0.25, 0.5, 1.0), key=lambda s: abs(s - size))
    start = math.ceil(zmin / size) * size
    tickvals = ticktext = None
    if use_log:
        lo, hi = math.ceil(zmin), math.floor(zmax)
        every = max(1, math.ceil((hi - lo + 1) / 8))
        ks = list(range(lo, hi + 1, every))
        tickvals = tuple(float(k) for k in ks)
        ticktext = tuple(power_of_ten(k) for k in ks)
    for a in (xs, ys, z):
        a.setflags(write=False)
    field = SurfaceField(xs, ys, z, use_log, floor, label, zmin, zmax,
                         (start, zmax, size), tickvals, ticktext)
    object.__setattr__(field, "_f_star", float(surface.f_min or 0.0))
    return field


def banded(z: np.ndarray, field: SurfaceField) -> np.ndarray:
    """``z`` replaced by the middle of the band between ``field``'s contour levels it lies in
    (clipped to the colour bar's ends): what a filled contour map colours each point."""
    start, _, size = field.levels
    with np.errstate(invalid="ignore"):
        mid = start + (np.floor((z - start) / size) + 0.5) * size
    return np.clip(mid, field.zmin, field.zmax)


# --------------------------------------------------------------------------------------------
# Geometry: where the plot area sits, so exports can draw on top of a rendered background


@dataclass(frozen=True)
class Box:
    """Margins in CSS pixels (the plot area is what remains of width × height) and where the
    legend goes: ``"right"`` (one column beside the colour bar) or ``"below"`` (a grid of
    ``legend_cols`` columns under the x axis)."""

    left: float
    right: float
    top: float
    bottom: float
    legend: str  # "right", "below" or "none"
    legend_cols: int
    legend_item_w: float
    area: float = 0.0
    fits: bool = True
    legend_font: float = 0.0
    show_marks: bool = True
    multiline: bool = False
    lift: float = 0.0  # spare height put above the title, plot and legend (half of it)


def _fit(width, height, left, right, top, bottom, aspect):
    """Grow the margins so that the plot area has the surface's aspect ratio. Returns the
    margins, the plot area, whether the margins had to be squeezed to leave a third of the
    figure for the plot (then the text they hold does not fit) and the spare height added above
    the title (a plot narrower than the figure leaves height over: half of it goes above the
    title, half below the legend, so the figure is not left with an empty bottom)."""
    squeezed = False
    if width - left - right < width / 3:
        k = (2 * width / 3) / (left + right)
        left, right, squeezed = left * k, right * k, True
    if height - top - bottom < height / 3:
        k = (2 * height / 3) / (top + bottom)
        top, bottom, squeezed = top * k, bottom * k, True
    avail_w, avail_h = width - left - right, height - top - bottom
    if avail_w / avail_h > aspect:  # too wide: centre horizontally
        extra = avail_w - avail_h * aspect
        left, right = left + extra / 2, right + extra / 2
        return left, right, top, bottom, avail_h * aspect * avail_h, squeezed, 0.0
    extra = avail_h - avail_w / aspect  # too tall: centre vertically, title included
    return (left, right, top + extra / 2, bottom + extra / 2, avail_w * avail_w / aspect,
            squeezed, extra / 2)


def _box(surface: Surface, width: int, height: int, t: Theme, wide: list[str],
         tall: list[str], marks: list[str], title_lines: int) -> Box:
    """Margins for a plot area with the surface's aspect ratio, and where the legend goes:
    beside the colour bar (entries ``tall``, which may span several lines) or under the x axis
    (entries ``wide``, one line each), whichever leaves the larger plot. ``marks`` are the
    legend entries of the minima, saddles and start.

    When neither fits (many racers in a small figure) the marks leave the legend, then its
    text shrinks, down to 70 %; in a figure too small for any legend there is none."""
    (x0, x1), (y0, y1) = surface.bounds
    aspect = (x1 - x0) / (y1 - y0)
    fs = t.font_size
    left = 3.0 * fs + 1.4 * t.axis_title_size + 14
    top = 12 + (1.3 * t.title_size + 2 if title_lines >= 1 else 0) \
        + (1.3 * fs if title_lines >= 2 else 0) + 16
    below_axis = 1.4 * fs + 1.4 * t.axis_title_size + 10
    bare = _fit(width, height, left, _colorbar_w(t), top, below_axis + 12, aspect)[4]
    best = None
    for show_marks, shrink in ((True, 1.0), (False, 1.0), (True, 0.9), (False, 0.9),
                               (False, 0.8), (False, 0.7)):
        lf = fs * shrink
        extra = marks if show_marks else []
        box = _layouts(width, height, t, wide + extra, tall + extra, aspect, left, top,
                       below_axis, lf)
        box = replace(box, legend_font=lf, show_marks=show_marks)
        if box.fits and box.area >= 0.42 * bare:
            return box
        if box.fits and (best is None or box.area > best.area):
            best = box
    if best is not None:
        return best
    # a thumbnail: no room for a legend at all
    lft, rgt, tp, bot, area, _, lift = _fit(width, height, left, _colorbar_w(t), top,
                                            below_axis + 12, aspect)
    return Box(lft, rgt, tp, bot, "none", 1, 0.0, area=area, legend_font=fs, show_marks=False,
               lift=lift)


def _layouts(width, height, t, wide, tall, aspect, left, top, below_axis, lf) -> Box:
    line_h = lf * 1.25
    # legend beside the colour bar
    tall_w = max((text_px(line, lf) for s in tall for line in s.split("<br>")), default=0) + 60
    tall_h = sum(line_h * (s.count("<br>") + 1) + 6 for s in tall) + 20
    right = _fit(width, height, left, _colorbar_w(t) + tall_w + 10, top, below_axis + 12,
                 aspect)
    right_ok = tall_h <= height - top - 8 and not right[5]

    # legend under the x axis, as a grid of one-line entries (``wide``) or of entries on several
    # lines (``tall``), in whichever number of columns leaves the largest plot. Plotly lets such
    # a legend run from the left edge of the figure to the right edge of the plot area: where
    # the columns need a little more room, the plot moves right a little into its spare width.
    below, below_cols, below_multi = None, 1, False
    for entries, multiline in ((wide, False), (tall, True)):
        if multiline and entries == wide:
            continue
        for cols in range(len(entries), 0, -1):
            n_cols, rows, item_w = legend_grid(entries, lf, width - 2 * TEXT_INSET,
                                               max_cols=cols)
            if n_cols != cols:
                continue
            lines = _rows_lines(entries, cols)
            bottom = below_axis + lines * line_h + rows * 6 + 16
            fit = list(_fit(width, height, left, _colorbar_w(t), top, bottom, aspect))
            short = cols * item_w - (width - fit[1] - TEXT_INSET)
            if short > 0:
                spare = min(fit[1] - _colorbar_w(t), 0.04 * width)  # stays about centred
                if short > spare and cols > 1:
                    continue  # this many columns do not fit beside the colour bar
                shift = min(short, spare)
                fit[0], fit[1] = fit[0] + shift, fit[1] - shift
            ok = not fit[5]
            key = (ok, fit[4], not multiline)
            if below is None or key > (not below[5], below[4], not below_multi):
                below, below_cols, below_multi = tuple(fit), cols, multiline
    below_ok = not below[5]

    if right_ok and (not below_ok or right[4] >= 0.97 * below[4]):
        lft, rgt, tp, bot, area, _, lift = right
        return Box(lft, rgt, tp, bot, "right", 1, tall_w, area=area, fits=True,
                   multiline=True, lift=lift)
    lft, rgt, tp, bot, area, _, lift = below
    return Box(lft, rgt, tp, bot, "below", below_cols,
               (width - rgt - TEXT_INSET) / below_cols - 52, area=area, fits=below_ok,
               multiline=below_multi, lift=lift)


def _rows_lines(entries: list[str], cols: int) -> int:
    """Text lines of a legend grid: each row is as tall as its tallest entry."""
    heights = [s.count("<br>") + 1 for s in entries]
    return sum(max(heights[i: i + cols]) for i in range(0, len(heights), cols))


def _colorbar_w(t: Theme) -> float:
    """Room right of the plot for the colour bar: gap, bar, tick labels, bar title, air."""
    return 16 + 14 + 3.0 * t.font_size + 1.8 * t.font_size + 12


# --------------------------------------------------------------------------------------------


def _marker_traces(surface: Surface, t: Theme) -> list[go.Scatter]:
    """One trace per kind of marked point (global minima, local minima, saddles), drawn as
    the map's specification says; each trace's ``meta`` holds its kind."""
    spec = map_spec(surface)
    out = []
    for kind in spec.kinds():
        pts = [m for m in spec.markers if m.kind == kind]
        style = spec.styles[kind]
        out.append(go.Scatter(
            x=[m.x for m in pts], y=[m.y for m in pts], mode="markers",
            name=style.name(len(pts)), meta={"kind": kind},
            marker=plotly_marker(style, t.point_size),
            hovertemplate=f"{style.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
    return out


def _visible(surface: Surface, pts) -> bool:
    (x0, x1), (y0, y1) = surface.bounds
    return any(x0 <= p.x <= x1 and y0 <= p.y <= y1 for p in pts)


def landscape_figure(race, *, theme: str | Theme = "article", step: int | None = None,
                     width: int = 900, height: int = 700, title: str | None = None,
                     paths: bool = True, n: int = GRID_N, trim: bool = True) -> go.Figure:
    """Contour map of the race's surface with every racer's path.

    Parameters
    ----------
    race : scene.race.Race
    theme : "article" (print) or "screen" (projector)
    step : draw the paths up to this step only (None: whole runs)
    width, height : size in CSS pixels; the plot area keeps x and y on the same scale
    title : None for the scene's title or the surface's name, "" for none
    paths : False leaves the paths empty (the legend stays), a background for animations
    n : contour grid resolution
    trim : cut the figure to what it draws: a plot narrower (or shorter) than the figure
        leaves no empty band beside (or above and below) it; ``fig.layout.width`` and
        ``height`` say the size made, at most ``width`` × ``height``

    The axes are fixed to the surface's bounds; paths that leave them are clipped. A diverged
    path ends at its last finite point with an ✕, and its legend entry says when it diverged.
    ``fig.layout.meta`` holds the plot area in pixels (``plot_area``: left, top, width, height)
    and the path step drawn.
    """
    t = get_theme(theme)
    surf = race.surface
    field = surface_field(surf, n)
    (x0, x1), (y0, y1) = surf.bounds

    wide = [legend_label(r, step=step) for r in race.racers]
    tall = [legend_label(r, step=step, lines=True) for r in race.racers]
    markers = _marker_traces(surf, t)
    start = race.scene.start_point()
    extra_names = [m.name for m in markers if _visible(surf, _pts(m))] + ["start"]
    if surf.ray is not None:
        extra_names.append(RAY_LABEL)
    if title is None:
        title = race.scene.title or surface_title(race)
    subtitle = (surface_title(race) + ", " if race.scene.title and title == race.scene.title
                else "") + scene_subtitle(race)
    lines = (1 + bool(subtitle)) if title else 0
    box = _box(surf, width, height, t, wide, tall, extra_names, lines)
    labels = tall if box.multiline else wide

    fig = go.Figure()
    spec = map_spec(surf)
    _surface_traces(fig, surf, field, spec, t, n)
    # Traces keep the racers' order (and the legend's); ``zorder`` sets the drawing order:
    # paths, then minima, saddles and start, then the racers' end markers, so none hides
    # under a star.
    marks_z = len(race.racers) + 1
    _racer_traces(fig, race, labels, t, step, paths, marks_z)
    if spec.ray is not None:  # separable data: the direction the weights turn towards
        fig.add_trace(go.Scatter(x=list(spec.ray[0]), y=list(spec.ray[1]), mode="lines",
                                 name=RAY_LABEL, hoverinfo="skip", showlegend=box.show_marks,
                                 line={"color": RAY_COLOR, "width": 1.6, "dash": "dash"}))
    for m in markers:
        m.showlegend = box.show_marks and _visible(surf, _pts(m))
        m.zorder = marks_z
        fig.add_trace(m)
    start_style = spec.styles["start"]
    fig.add_trace(go.Scatter(
        x=[start[0]], y=[start[1]], mode="markers", name=start_style.label,
        showlegend=box.show_marks, meta={"kind": "start"}, zorder=marks_z,
        marker=plotly_marker(start_style, t.point_size),
        hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>"))

    if trim:
        box, width, height = _trim(box, width, height, t, (x1 - x0) / (y1 - y0),
                                   labels + (extra_names if box.show_marks else []), title,
                                   subtitle)
    fig.update_layout(_map_layout(box, width, height, t, surf.bounds, step, title, subtitle,
                                  surf.axes))
    _inset_edge_marks(fig, box, width, height, surf.bounds)
    return fig


def _surface_traces(fig: go.Figure, surf: Surface, field: SurfaceField, spec, t: Theme,
                    n: int) -> None:
    """The map under the paths: the bands between the contour lines with their colour bar,
    the lines, and for a typed formula the shade where it is not defined."""
    colorbar = {
        "title": {"text": field.label + (" (log scale)" if field.log else ""),
                  "side": "right", "font": t.font()},
        "tickfont": t.font(), "thickness": 14, "len": 1.0, "x": 1.0,
        "xpad": 16, "outlinewidth": 1, "outlinecolor": t.axis_color,
        "ticks": "outside", "ticklen": 4, "tickcolor": t.axis_color,
    }
    if field.tickvals:
        colorbar.update(tickmode="array", tickvals=list(field.tickvals),
                        ticktext=list(field.ticktext))
    start_l, end_l, size_l = field.levels
    # The bands between the contour lines are one picture (a heat map of each point's band,
    # on a grid finer than the lines'), the lines are paths above it: a vector export stays
    # small (filled contours were a path per band, 370–540 kB of SVG) and as crisp.
    fine = surface_field(surf, FILL_N)
    fig.add_trace(go.Heatmap(
        x=fine.xs, y=fine.ys, z=banded(fine.z, field), colorscale=spec.colorscale,
        zmin=field.zmin, zmax=field.zmax, zauto=False, zsmooth=False,
        colorbar=colorbar, showlegend=False, name=field.label, meta={"role": "bands"},
        hovertemplate="x=%{x:.4g}, y=%{y:.4g}<extra></extra>",
    ))
    lines = surface_field(surf, LINES_N) if n > LINES_N else field
    fig.add_trace(go.Contour(
        x=lines.xs, y=lines.ys, z=lines.z, showscale=False,
        contours={"start": start_l, "end": end_l, "size": size_l, "coloring": "none"},
        line={"color": spec.contour_line, "width": 0.6, "smoothing": 1.0},
        showlegend=False, name=field.label, meta={"role": "contours"},
        hovertemplate="x=%{x:.4g}, y=%{y:.4g}<extra></extra>" if not field.log else
        "x=%{x:.4g}, y=%{y:.4g}<br>log₁₀(f − f*)=%{z:.3g}<extra></extra>",
    ))
    mask = undefined_mask(surf, len(field.xs))
    if mask is not None:  # a typed formula: shade where f is not defined
        shade = undefined_trace(field.xs, field.ys, mask)
        fig.add_trace(go.Heatmap({k: v for k, v in shade.items() if k != "type"}))


def _racer_traces(fig: go.Figure, race, labels: list[str], t: Theme, step: int | None,
                  paths: bool, marks_z: int) -> None:
    """Each racer's legend entry, path and end marker.

    Every path is drawn at the theme's width, and in its racer's dash pattern (from the map's
    specification), so a path under another shows through the gaps of the one above. The
    solid paths are drawn first, then the dashed ones, longest first; the end markers above
    the map's marks (``marks_z``). End markers at the same point grow by a ring for each drawn
    above them."""
    surf = race.surface
    (x0, x1), (y0, y1) = surf.bounds
    depth = draw_depths(race, step, surf.bounds)  # paths drawn above each racer's
    ring = end_rings(race, step, surf.bounds, depth)  # end markers drawn above, nearby
    n_racers = len(race.racers)
    far = [x0 - 100.0 * (x1 - x0)], [y0 - 100.0 * (y1 - y0)]  # off the map, clipped
    for i, (racer, label) in enumerate(zip(race.racers, labels, strict=True)):
        traj = racer.traj
        style = racer_style(i)
        last = traj.n - 1 if step is None else max(0, min(int(step), traj.n - 1))
        group = f"racer{i}"
        line = {"color": racer.color, "width": t.line_width,
                "dash": style.plotly_dash(t.line_width)}
        # the legend entry: the racer's line and marker, on a point off the map
        fig.add_trace(go.Scatter(
            x=far[0], y=far[1], mode="lines+markers", name=label, legendgroup=group,
            meta={"racer": i, "role": "legend"}, line=line, hoverinfo="skip",
            marker=racer_marker(style, racer.color, t.marker_size)))
        if not paths:
            continue
        xy = traj.xy[: last + 1]
        fig.add_trace(go.Scatter(
            x=xy[:, 0], y=xy[:, 1], mode="lines", name=label, legendgroup=group,
            showlegend=False, meta={"racer": i, "role": "path"},
            zorder=n_racers - depth[i], line=line,
            customdata=np.arange(len(xy)),
            hovertemplate=f"{plot_text(racer.label)}<br>step %{{customdata}}<br>"
                          "(%{x:.4g}, %{y:.4g})<extra></extra>"))
        marker = racer_marker(style, racer.color, end_marker_size(t, ring[i], n_racers))
        fig.add_trace(_end_trace(racer, i, last, step, surf.bounds, marker,
                                 marks_z + 1 + n_racers - depth[i]))


def _end_trace(racer, i: int, last: int, step: int | None, bounds, marker: dict,
               zorder: int) -> go.Scatter:
    """Where racer ``i``'s path ends at step ``last``: its marker at the point reached; a run
    that diverged ends in a cross, one that left the map downhill in its own marker, where its
    path was last on the map."""
    traj = racer.traj
    group = f"racer{i}"
    stopped = traj.status != "completed" and (step is None or step >= traj.diverged_at)
    if not stopped:
        px, py = traj.xy[last]
        return go.Scatter(
            x=[px], y=[py], mode="markers", legendgroup=group, showlegend=False,
            name=plot_text(racer.label), meta={"racer": i, "role": "end"},
            zorder=zorder, marker=marker,
            hovertemplate=f"{plot_text(racer.label)}<br>step {last}<br>"
                          "(%{x:.4g}, %{y:.4g})<extra></extra>")
    crossed = traj.status == "diverged"
    (ex, ey), back = end_mark_direction(traj.xy[: last + 1], bounds)
    inside = back is None
    where = "last finite point" if inside else "where the path left the map"
    if crossed:
        marker.update(symbol="x", size=marker["size"] * 1.5)
    return go.Scatter(
        x=[ex], y=[ey], mode="markers", legendgroup=group, showlegend=False,
        name=f"{plot_text(racer.label)}: {'diverged' if crossed else 'left the map'}",
        meta={"racer": i, "role": "end", **({} if inside else {"edge_back": list(back)})},
        cliponaxis=False, zorder=zorder, marker=marker,
        hovertemplate=f"{plot_text(racer.label)} {traj.stop_text}<br>"
                      f"{where} (%{{x:.4g}}, %{{y:.4g}})<extra></extra>")


def _map_layout(box: Box, width: int, height: int, t: Theme, bounds, step: int | None,
                title: str, subtitle: str, axes: tuple[str, str] = ("x", "y")) -> dict:
    """The map's layout: margins from ``box``, axes fixed to the surface's bounds, the legend
    beside the colour bar or below the plot, the title, and the plot area in ``meta``."""
    (x0, x1), (y0, y1) = bounds
    plot_w = width - box.left - box.right
    plot_h = height - box.top - box.bottom
    legend = {"font": t.font(round(box.legend_font)), "bgcolor": "rgba(0,0,0,0)",
              "itemsizing": "trace",
              "tracegroupgap": 0, "traceorder": "normal", "entrywidthmode": "pixels"}
    if box.legend == "right":
        legend.update(orientation="v", x=1 + (_colorbar_w(t) + 4) / plot_w, xanchor="left",
                      y=1, yanchor="top", maxheight=height - box.top - 8)
    else:
        below = 1.4 * t.font_size + 1.4 * t.axis_title_size + 10
        legend.update(orientation="h", x=-(box.left - TEXT_INSET + 4) / plot_w, xanchor="left",
                      y=-below / plot_h, yanchor="top", entrywidth=box.legend_item_w)
    layout = _style.base_layout(t, width, height)
    layout.update(
        margin={"l": box.left, "r": box.right, "t": box.top, "b": box.bottom, "pad": 0,
                "autoexpand": False},
        xaxis={**_style.axis_style(t, axes[0]), "range": [x0, x1], "autorange": False,
               "showgrid": False},
        yaxis={**_style.axis_style(t, axes[1]), "range": [y0, y1], "autorange": False,
               "showgrid": False},
        showlegend=box.legend != "none", legend=legend,
        meta={"plot_area": [box.left, box.top, plot_w, plot_h], "step": step,
              "xrange": [x0, x1], "yrange": [y0, y1]},
    )
    if title:
        layout["annotations"] = title_annotations(
            title, subtitle, t, left=box.left, top=box.top - box.lift, plot_h=plot_h,
            x_px=TEXT_INSET)
    return layout


#: Room kept right of the title for an animation's step counter ("step 10000 / 10000").
COUNTER_ROOM = 170


def _trim(box: Box, width: int, height: int, t: Theme, aspect: float, entries: list[str],
          title: str, subtitle: str) -> tuple[Box, int, int]:
    """``box`` in a figure cut to what it draws. The spare width that centred the plot (a
    square surface in a wide figure) goes, down to what the margins' text, the title and the
    legend need, the legend taking fewer columns (and more rows) where that makes the figure
    narrower for a plot at most 8 % smaller; the spare height above the title and below the
    legend (a wide surface in a tall figure) goes too. ``entries`` are the legend's entries.
    Returns the box, the width and the height."""
    fs = t.font_size
    left_need = 3.0 * fs + 1.4 * t.axis_title_size + 14
    right_need = _colorbar_w(t) + (box.legend_item_w + 10 if box.legend == "right" else 0)
    plot_w = width - box.left - box.right
    text_need = 0.0
    if title:
        text_need = max(TEXT_INSET + text_px(title, t.title_size) + COUNTER_ROOM,
                        TEXT_INSET + text_px(subtitle, fs) + 14)
    cols, bottom = box.legend_cols, box.bottom
    need = max(left_need + plot_w + right_need, text_need)
    if box.legend == "below" and entries:
        # The legend runs from the inset to the right edge of the plot area: with the spare
        # width split evenly beside the plot, ``c`` columns fit in a figure this wide.
        lf = box.legend_font or fs
        item = max(text_px(line, lf) for e in entries for line in e.split("<br>")) + 50
        below_axis = 1.4 * fs + 1.4 * t.axis_title_size + 10
        spare_h = height - box.top - box.bottom - (width - box.left - box.right) / aspect
        best = None
        for c in range(min(box.legend_cols, len(entries)), 0, -1):
            rows = math.ceil(len(entries) / c)
            b = below_axis + _rows_lines(entries, c) * lf * 1.25 + rows * 6 + 16
            pw = plot_w if box.lift > 0 else (height - box.top - b) * aspect
            if c < box.legend_cols and (box.lift > 0 and b - box.bottom > spare_h
                                        or pw < 0.92 * plot_w):
                break
            content = left_need + pw + right_need
            w = max(content, text_need, 2 * (TEXT_INSET + c * item + right_need) - content)
            if best is None or w < best[0] - 1:
                best = (w, c, b, pw)
        need, cols, b, pw = best
        if box.lift <= 0:
            bottom, plot_w = b, pw
    new_w = int(math.ceil(min(width, need)))
    spare = new_w - plot_w - left_need - right_need
    left = left_need + max(spare, 0) / 2
    right = new_w - plot_w - left
    # a legend beside the colour bar keeps the figure's height: its entries may need it
    cut_h = 0.0 if box.legend == "right" else float(int(2 * box.lift))
    new_h = int(round(height - cut_h))
    top = box.top - cut_h / 2
    bottom = box.bottom - cut_h / 2 if box.lift > 0 else bottom
    item_w = box.legend_item_w
    if box.legend == "below":
        item_w = (new_w - right - TEXT_INSET) / cols - 52
    return (replace(box, left=left, right=right, top=top, bottom=bottom,
                    lift=box.lift - cut_h / 2, legend_cols=cols, legend_item_w=item_w),
            new_w, new_h)


def draw_depths(race, step: int | None, bounds) -> list[int]:
    """For each racer, how many paths are drawn above its own: solid paths first (a dashed
    path above one shows it through its gaps), then longest first (length of the part drawn up
    to ``step``, measured in fractions of the map's width and height), so short paths lie on
    top of long ones; equal lengths keep the racers' order."""
    (x0, x1), (y0, y1) = bounds
    scale = np.array([x1 - x0, y1 - y0], dtype=np.float64)
    lengths = []
    for r in race.racers:
        last = r.traj.n - 1 if step is None else max(0, min(int(step), r.traj.n - 1))
        d = np.diff(r.traj.xy[: last + 1], axis=0) / scale
        lengths.append(float(np.hypot(d[:, 0], d[:, 1]).sum()))
    order = sorted(range(len(lengths)),  # stable: drawn first
                   key=lambda i: (not racer_style(i).solid, -lengths[i]))
    depth = [0] * len(lengths)
    for pos, i in enumerate(order):
        depth[i] = len(order) - 1 - pos
    return depth


def end_rings(race, step: int | None, bounds, depth: list[int],
              near: float = 0.03) -> list[int]:
    """For each racer, how many end markers drawn above its own lie on top of it (closer than
    ``near`` of the map's width and height): its marker grows by that many rings."""
    (x0, x1), (y0, y1) = bounds
    scale = np.array([x1 - x0, y1 - y0], dtype=np.float64)
    ends = []
    for r in race.racers:
        traj = r.traj
        last = traj.n - 1 if step is None else max(0, min(int(step), traj.n - 1))
        if traj.status != "completed" and (step is None or step >= traj.diverged_at):
            ends.append(np.array(end_mark(traj.xy[: last + 1], bounds)[0]))
        else:
            ends.append(traj.xy[last])
    return [sum(1 for j in range(len(ends)) if depth[j] < depth[i]
                and np.all(np.abs(ends[j] - ends[i]) / scale < near))
            for i in range(len(ends))]


def racer_marker(style, color: str, size: float) -> dict:
    """A racer's marker: its symbol from the map's specification, in its colour, with a white
    rim that keeps it apart from the paths and contours under it."""
    return {"symbol": style.symbol, "size": size, "color": color,
            "line": {"color": "#ffffff", "width": 1.5}}


def end_marker_size(t: Theme, depth: int, n: int) -> float:
    """Size of a racer's end marker with ``depth`` end markers drawn on top of it: larger
    for each, so markers at the same point show as rings around one another (up to 1.8 times
    the theme's size)."""
    if n <= 1 or depth <= 0:
        return t.marker_size
    step = min(0.7 * t.marker_size, 1.4 * t.marker_size / (n - 1))
    return t.marker_size + depth * step


def end_mark(xy: np.ndarray, bounds) -> tuple[tuple[float, float], bool]:
    """Where to put the ✕ of a diverged path: its last point if that lies inside ``bounds``,
    else the point where the path as drawn last leaves them (the end of the part inside the
    box of the last segment that crosses the box; a diverging zig-zag crosses the map on
    segments whose both ends are far outside it). Returns ``((x, y), inside)``."""
    point, _ = end_mark_direction(xy, bounds)
    (x0, x1), (y0, y1) = bounds
    inside = bool(len(xy)) and x0 <= xy[-1][0] <= x1 and y0 <= xy[-1][1] <= y1
    return point, inside


def end_mark_direction(xy: np.ndarray, bounds):
    """:func:`end_mark`'s point and, where it is on the map's edge, the crossing segment's
    part inside the map as ``(dx, dy)`` (from the point back to where the segment entered),
    else None."""
    (x0, x1), (y0, y1) = bounds
    last = xy[-1]
    if x0 <= last[0] <= x1 and y0 <= last[1] <= y1:
        return (float(last[0]), float(last[1])), None
    if len(xy) >= 2:
        p, q = np.asarray(xy[:-1], dtype=np.float64), np.asarray(xy[1:], dtype=np.float64)
        with np.errstate(all="ignore"):
            d = q - p
            lo, hi = np.zeros(len(p)), np.ones(len(p))
            keep = np.isfinite(d).all(axis=1)
            for pk, qk in ((-d[:, 0], p[:, 0] - x0), (d[:, 0], x1 - p[:, 0]),
                           (-d[:, 1], p[:, 1] - y0), (d[:, 1], y1 - p[:, 1])):
                parallel = pk == 0
                keep &= ~(parallel & (qk < 0))
                r = qk / pk
                lo = np.where(~parallel & (pk < 0), np.maximum(lo, r), lo)
                hi = np.where(~parallel & (pk > 0), np.minimum(hi, r), hi)
            keep &= lo <= hi
            idx = np.flatnonzero(keep)
            if idx.size:
                j = int(idx[-1])
                x, y = p[j] + hi[j] * d[j]
                if np.isfinite(x) and np.isfinite(y):
                    back = (lo[j] - hi[j]) * d[j]
                    return ((float(np.clip(x, x0, x1)), float(np.clip(y, y0, y1))),
                            (float(back[0]), float(back[1])))
    return (float(np.clip(last[0], x0, x1)), float(np.clip(last[1], y0, y1))), None


def _inset_edge_marks(fig: go.Figure, box, width: int, height: int, bounds) -> None:
    """Move each end marker that sits on the map's edge back along its path's line until it
    shows whole: Plotly clips a trace drawn in its own layer (``zorder``) at the plot area,
    whatever ``cliponaxis`` says, which cut an edge ✕ in half."""
    (x0, x1), (y0, y1) = bounds
    plot_w = max(1.0, width - box.left - box.right)
    plot_h = max(1.0, height - box.top - box.bottom)
    sx, sy = plot_w / (x1 - x0), plot_h / (y1 - y0)  # pixels per unit
    for tr in fig.data:
        back = (tr.meta or {}).get("edge_back") if isinstance(tr.meta, dict) else None
        if not back:
            continue
        x, y = tr.x[0], tr.y[0]
        want = float(tr.marker.size or 10) / 2 + 1.0  # the marker's half width, and a pixel
        f = 0.0  # how far back along the chord: away from each edge the point is on
        for on_edge, normal_px in ((min(x - x0, x1 - x) <= 1e-9 * (x1 - x0), abs(back[0]) * sx),
                                   (min(y - y0, y1 - y) <= 1e-9 * (y1 - y0), abs(back[1]) * sy)):
            if on_edge and normal_px > 0:
                f = max(f, want / normal_px)
        f = min(0.5, f)  # at most to the chord's middle
        tr.x = [x + f * back[0]]
        tr.y = [y + f * back[1]]


def _pts(trace: go.Scatter):
    from landscapes import Point
    return [Point(x, y, 0.0) for x, y in zip(trace.x, trace.y, strict=True)]

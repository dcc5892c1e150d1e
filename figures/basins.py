"""The basins of attraction: where each start of a grid over the map ends up, one panel per
racer (:func:`basins_figure`), and the pictures the page's basins view draws
(:func:`basins_view`). Pure: no Streamlit."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ._layout import TEXT_INSET, legend_grid, title_annotations
from ._style import Theme, axis_style, base_layout, get_theme
from ._text import num, plot_text
from .mapspec import MARKER_STYLES, is_global, plotly_marker

#: One hue per listed minimum: Tol's muted colours, apart from the racers' palette so that a
#: basin's colour is never read as a racer's.
MINIMUM_COLORS = ["#332288", "#88CCEE", "#117733", "#DDCC77", "#CC6677", "#44AA99",
                  "#999933", "#882255", "#AA4499", "#6699CC", "#EE8866", "#BBCC33", "#222255"]
STOPPED_COLOR = "#9b9b9b"  # left the map or diverged
NOT_THERE_COLOR = "#ffffff"  # at none of the listed minima
LEVELS = 16  # shades per minimum, from "arrived at once" to "arrived at the last step"
LIGHTEST = 0.78  # how far the last shade is mixed towards white
LOSS_FLOOR = 1e-16
RING, RING_EDGE = "#ffffff", "#000000"  # the hyperparameter map's mark of the racer's setting
STOPPED_LABEL = "left the map or diverged"
#: White: the run stayed on the map but did not end near a listed minimum. It may still be on
#: its way, or it may have settled in a minimum the surface does not list (Rastrigin has
#: many).
NOT_THERE_LABEL = "at none of the listed minima"


def _mix(color: str, t: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c + (255 - c) * t) for c in (r, g, b)))


def minimum_color(k: int) -> str:
    return MINIMUM_COLORS[k % len(MINIMUM_COLORS)]


def basin_codes(outcome, steps: int, bounds=None) -> np.ndarray:
    """Each run's colour code: 0 at none of the listed minima, 1 left the map or diverged, and
    ``LEVELS · (2 + k) + shade`` at minimum k, the shade growing with the steps it took to
    get within the tolerance of the minimum's value (the lightest when it never did). Given
    the map's ``bounds``, a run that ended outside them has left the map too, although it
    stayed within the wider box where runs are stopped."""
    code = np.zeros(len(outcome.status), np.uint16)
    code[outcome.status != 0] = LEVELS
    if bounds is not None and outcome.end is not None:
        (x0, x1), (y0, y1) = bounds
        ex, ey = outcome.end[:, 0], outcome.end[:, 1]
        with np.errstate(invalid="ignore"):
            off = ~((ex >= x0) & (ex <= x1) & (ey >= y0) & (ey <= y1))
        code[(outcome.status == 0) & off] = LEVELS
    at = (outcome.status == 0) & (outcome.nearest >= 0)
    reach = np.where(outcome.reach >= 0, outcome.reach, steps).astype(np.float64)
    shade = np.minimum(LEVELS - 1, np.floor(reach / max(steps, 1) * LEVELS)).astype(np.int64)
    code[at] = (LEVELS * (2 + outcome.nearest[at].astype(np.int64)) + shade[at]).astype(np.uint16)
    return code


def basin_colorscale(minima: int) -> list:
    """Stops for codes 0 … LEVELS · (2 + minima) − 1 (see :func:`basin_codes`)."""
    bands = 2 + minima
    total = LEVELS * bands
    stops = [[0.0, NOT_THERE_COLOR], [LEVELS / total, NOT_THERE_COLOR],
             [LEVELS / total, STOPPED_COLOR], [2 * LEVELS / total, STOPPED_COLOR]]
    for k in range(minima):
        lo, hi = (2 + k) * LEVELS / total, (3 + k) * LEVELS / total
        stops += [[lo, minimum_color(k)], [hi, _mix(minimum_color(k), LIGHTEST)]]
    stops[-1][0] = 1.0
    return stops


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def basin_palette(minima: int) -> np.ndarray:
    """The RGB colour of every code of :func:`basin_codes`, as :func:`basin_colorscale`
    paints it on a heatmap (code c sits at (c + ½) / codes of the scale)."""
    pal = np.empty((LEVELS * (2 + minima), 3), np.uint8)
    pal[:LEVELS] = _rgb(NOT_THERE_COLOR)
    pal[LEVELS:2 * LEVELS] = _rgb(STOPPED_COLOR)
    for k in range(minima):
        for s in range(LEVELS):
            pal[(2 + k) * LEVELS + s] = _rgb(_mix(minimum_color(k), LIGHTEST * (s + 0.5) / LEVELS))
    return pal


def basin_outcomes(surf, steps: int) -> list[list]:
    """What each colour of a basins picture says of its start: ``[[r, g, b], text]`` for every
    code of :func:`basin_codes` (the page's hover reads a pixel's colour back into words)."""
    pal = basin_palette(len(surf.minima))
    out = []
    for code, rgb in enumerate(pal.tolist()):
        band, shade = divmod(code, LEVELS)
        if band == 0:
            text = "ends at none of the listed minima"
        elif band == 1:
            text = "leaves the map or diverges"
        else:
            m = surf.minima[band - 2]
            where = f"({tick_text(m.x)}, {tick_text(m.y)})"
            lo, hi = (math.ceil(shade * steps / LEVELS),
                      math.ceil((shade + 1) * steps / LEVELS) - 1)
            text = (f"reaches {where} in {lo}–{hi} steps" if shade < LEVELS - 1 else
                    f"ends at {where}: reached after step {lo}, or only nearly")
        out.append([rgb, text])
    return out


def basin_png(codes: np.ndarray, minima: int) -> bytes:
    """One racer's grid of codes (n × n, row 0 at the lowest y) as a PNG of n × n pixels, one
    per start, the top row first."""
    from PIL import Image

    rgb = basin_palette(minima)[np.asarray(codes)[::-1]]
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values within [lo, hi], about ``target`` of them (1, 2 or 5 times a power
    of ten apart)."""
    raw = (hi - lo) / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [float(f"{k * step:.12g}") for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def tick_text(v: float) -> str:
    """A tick label as Plotly writes it, with a true minus sign."""
    return num(v).replace("-", "−")


def ended_at(m) -> str:
    """The legend's name of the basin of listed minimum ``m``."""
    return f"ended at ({tick_text(m.x)}, {tick_text(m.y)})"


def basins_view(b, start=None) -> dict:
    """What the app's basins view (``ui/basins_view.js``) draws, as plain JSON: one picture per
    racer (a PNG of one pixel per start, as a data URI), the map's bounds and ticks, the
    listed minima, the start and the legend. The colours are those of :func:`basins_figure`."""
    surf = b.surface
    (x0, x1), (y0, y1) = surf.bounds
    n = len(b.xs)
    minima = len(surf.minima)
    panels = [{"title": str(r.label), "color": r.color, "png": "data:image/png;base64," +
               base64.b64encode(basin_png(basin_codes(r, b.scene.steps, surf.bounds).reshape(n, n),
                                          minima)).decode("ascii")} for r in b.racers]
    marks = [{"kind": "global" if is_global(surf, m.f) else "local", "x": m.x, "y": m.y}
             for m in surf.minima]
    count = {k: sum(m["kind"] == k for m in marks) for k in MARKER_STYLES}
    styles = {k: {"fill": s.fill, "line": s.line, "line_width": s.line_width,
                  "label": s.name(count[k])} for k, s in MARKER_STYLES.items()}
    legend = [{"label": ended_at(m), "color": minimum_color(k)}
              for k, m in enumerate(surf.minima)]
    legend += [{"label": STOPPED_LABEL, "color": STOPPED_COLOR},
               {"label": NOT_THERE_LABEL, "color": NOT_THERE_COLOR}]
    ticks = {"x": [[v, tick_text(v)] for v in nice_ticks(x0, x1)],
             "y": [[v, tick_text(v)] for v in nice_ticks(y0, y1)]}
    return {"bounds": [x0, x1, y0, y1], "n": n, "panels": panels, "ticks": ticks,
            "marks": marks, "styles": styles, "legend": legend,
            "outcomes": basin_outcomes(surf, b.scene.steps),
            "start": None if start is None else [float(start[0]), float(start[1])],
            "caption": f"{n} × {n} starts, {b.scene.steps} steps each" + (
                "; darker: reached its minimum sooner, lighter: later" if minima else "")}


def _minima_traces(surface, t: Theme, *, legend: bool) -> list[go.Scatter]:
    out = []
    for kind in ("global", "local"):
        pts = [m for m in surface.minima if (kind == "global") == is_global(surface, m.f)]
        if not pts:
            continue
        style = MARKER_STYLES[kind]
        out.append(go.Scatter(
            x=[m.x for m in pts], y=[m.y for m in pts], mode="markers",
            name=style.name(len(pts)), showlegend=legend, legendgroup=kind,
            marker=plotly_marker(style, 0.8 * t.point_size), hoverinfo="skip"))
    return out


@dataclass(frozen=True)
class _Geometry:
    """Where the parts of a basins figure go, in px from the figure's top left corner."""

    rows: int
    cols: int
    left: float  # of the first column's panels
    gap: float  # between columns
    panel_w: float
    panel_h: float
    panels_top: float  # of the first row's panels
    row_step: float  # from one row's panels to the next's
    legend_top: float
    height: float


def _geometry(count: int, aspect: float, t: Theme, width: int, height: int | None,
              legend_rows: int) -> _Geometry:
    """Panels as large as the figure allows at the map's aspect (``aspect``: height / width),
    right under the title, and the legend right under them: the title stays at the top, as in
    every other figure, and with a given ``height`` any space left over is below the legend,
    so that no band opens inside the block of title, panels and legend."""
    header = 12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 14 + 1.5 * (t.font_size + 1)
    tick_w = 0.6 * t.font_size * 4 + 8
    left = 1.4 * t.axis_title_size + tick_w + 6
    gap = tick_w + 18
    under = 1.6 * t.font_size + 1.4 * t.axis_title_size + 12  # tick labels and "x"
    legend = legend_rows * (1.25 * t.font_size + 8) + 14
    room_w = width - left - 24
    if height is None:
        cols = min(count, 3)
        rows = math.ceil(count / cols)
        pw = min((room_w - (cols - 1) * gap) / cols, 560)
        ph = pw * aspect
    else:
        room_h = height - header - legend
        rows, cols = _panel_grid(count, room_w, room_h)
        pw = (room_w - (cols - 1) * gap) / cols
        ph = (room_h - rows * under - (rows - 1) * 1.5 * (t.font_size + 1)) / rows
        pw, ph = min(pw, ph / aspect), min(ph, pw * aspect)
    row_step = ph + under + 1.5 * (t.font_size + 1)
    block = rows * row_step - 1.5 * (t.font_size + 1) + legend
    total = header + block if height is None else height
    top = header
    return _Geometry(rows, cols, left, gap, pw, ph, top, row_step,
                     top + rows * row_step - 1.5 * (t.font_size + 1), round(total))


def _panel_grid(count: int, width: float, height: float) -> tuple[int, int]:
    """Rows and columns of the panels: side by side, in more rows when that gives larger
    panels."""
    best = (1, max(1, count))
    size = 0.0
    for rows in range(1, count + 1):
        cols = math.ceil(count / rows)
        s = min(width / cols, height / rows)
        if s > size * 1.05:
            best, size = (rows, cols), s
    return best


PATH_LABEL = "the racer's path in the race"
PATH_COLOR, PATH_HALO = "#111111", "#ffffff"


def _path_traces(xy, t: Theme, on: dict) -> list[go.Scatter]:
    """A racer's path on its panel as the page draws it: a dark line on a white halo, a dot
    at its last point."""
    xy = np.asarray(xy, dtype=np.float64)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return []
    common = {"mode": "lines", "showlegend": False, "hoverinfo": "skip", **on}
    return [go.Scatter(x=xy[:, 0], y=xy[:, 1], line={"color": PATH_HALO, "width": 5},
                       opacity=0.85, **common),
            go.Scatter(x=xy[:, 0], y=xy[:, 1], line={"color": PATH_COLOR, "width": 2},
                       **common),
            go.Scatter(x=xy[-1:, 0], y=xy[-1:, 1], mode="markers", showlegend=False,
                       hoverinfo="skip", marker={"color": PATH_COLOR, "size": 0.5 * t.point_size,
                                                 "line": {"color": PATH_HALO, "width": 2}},
                       **on)]


def basins_figure(b, *, theme: str | Theme = "article", width: int = 900,
                  height: int | None = 700, start=None, paths=None,
                  title: str | None = None) -> go.Figure:
    """One panel per racer: each start of the grid coloured by the listed minimum its run
    reached (one hue per minimum; lighter: more steps to get there), grey where it left the
    map or diverged, white where it ended at none of the listed minima (on its way still, or
    in a minimum the surface does not list); given ``paths`` (one (N, 2) array per racer),
    each racer's path in the race on its panel. ``height=None``: as tall as the panels, side
    by side at ``width``, need."""
    t = get_theme(theme)
    surf = b.surface
    legend_items = [ended_at(m) for m in surf.minima] + [STOPPED_LABEL, NOT_THERE_LABEL]
    if paths is not None:
        legend_items.append(PATH_LABEL)
    cols_l, rows_l, _ = legend_grid(legend_items, t.font_size, width - 2 * TEXT_INSET)
    (x0, x1), (y0, y1) = surf.bounds
    g = _geometry(max(1, len(b.racers)), (y1 - y0) / (x1 - x0), t, width, height, rows_l)
    fig = go.Figure()
    scale = basin_colorscale(len(surf.minima))
    top_code = LEVELS * (2 + len(surf.minima))
    n = len(b.xs)
    for i, r in enumerate(b.racers):
        ax = "" if i == 0 else str(i + 1)
        on = {"xaxis": f"x{ax}", "yaxis": f"y{ax}"}
        z = basin_codes(r, b.scene.steps, surf.bounds).reshape(n, n)
        fig.add_trace(go.Heatmap(x=b.xs, y=b.ys, z=z, zmin=-0.5, zmax=top_code - 0.5,
                                 colorscale=scale, showscale=False, hoverinfo="skip",
                                 zsmooth=False, **on))
        if paths is not None and i < len(paths):  # under the stars and the start
            fig.add_traces(_path_traces(paths[i], t, on))
        for tr in _minima_traces(surf, t, legend=False):
            fig.add_trace(tr.update(**on))
        if start is not None:
            fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers",
                                     marker=plotly_marker(MARKER_STYLES["start"],
                                                          0.8 * t.point_size),
                                     showlegend=False, hoverinfo="skip", **on))
        _place_panel(fig, g, i, ax, (x0, x1, y0, y1), t, width, plot_text(r.label))
    _basin_legend(fig, surf, t)
    for tr in _minima_traces(surf, t, legend=True):  # the stars' own legend entries
        fig.add_trace(tr.update(x=[None], y=[None]))
    if start is not None:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="the race's start",
                                 marker=plotly_marker(MARKER_STYLES["start"],
                                                      0.8 * t.point_size)))
    if paths is not None:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=PATH_LABEL,
                                 line={"color": PATH_COLOR, "width": 2}))
    text = title if title is not None else f"Basins of attraction on {b.surface.title}"
    sub = f"{n} × {n} starts, {b.scene.steps} steps each" + (
        "; darker: reached its minimum sooner" if surf.minima else "")
    fig.update_layout(**base_layout(t, width, g.height),
                      margin={"l": 0, "r": 0, "t": 0, "b": 0, "autoexpand": False},
                      hovermode="closest", dragmode=False,
                      legend={"orientation": "h", "x": g.left / width, "xanchor": "left",
                              "y": 1 - g.legend_top / g.height, "yanchor": "top",
                              "font": t.font(), "traceorder": "normal",
                              "bgcolor": "rgba(0,0,0,0)", "itemsizing": "constant",
                              "entrywidthmode": "pixels",
                              "entrywidth": (width - g.left - 24) / cols_l - 40})
    fig.update_layout(annotations=[*fig.layout.annotations, *title_annotations(
        text, sub, t, left=0, top=0, plot_h=g.height, x_px=TEXT_INSET)])
    return fig


def _place_panel(fig: go.Figure, g: _Geometry, i: int, ax: str, bounds, t: Theme,
                 width: int, label: str) -> None:
    """Panel ``i``'s axes (x under every panel, y beside the first of each row) and title."""
    x0, x1, y0, y1 = bounds
    row, col = divmod(i, g.cols)
    left = g.left + col * (g.panel_w + g.gap)
    top = g.panels_top + row * g.row_step
    h = g.height
    fig.update_layout({
        f"xaxis{ax}": {**axis_style(t, "x", grid=False), "range": [x0, x1],
                       "domain": [left / width, (left + g.panel_w) / width],
                       "anchor": f"y{ax}", "fixedrange": True},
        f"yaxis{ax}": {**axis_style(t, "y" if col == 0 else "", grid=False),
                       "range": [y0, y1], "anchor": f"x{ax}", "fixedrange": True,
                       "domain": [1 - (top + g.panel_h) / h, 1 - top / h]}})
    fig.add_annotation(text=f"<b>{label}</b>", x=(left + g.panel_w / 2) / width,
                       y=1 - (top - 4) / h, xref="paper", yref="paper", xanchor="center",
                       yanchor="bottom", showarrow=False, font=t.font(t.font_size + 1),
                       name="panel title")


def _basin_legend(fig: go.Figure, surf, t: Theme) -> None:
    """Legend entries: a square of each minimum's hue, grey and white."""
    items = [(ended_at(m), minimum_color(k))
             for k, m in enumerate(surf.minima)]
    items += [(STOPPED_LABEL, STOPPED_COLOR), (NOT_THERE_LABEL, NOT_THERE_COLOR)]
    for name, color in items:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"symbol": "square", "size": t.font_size,
                                         "color": color, "line": {"color": "#555",
                                                                  "width": 1}}))

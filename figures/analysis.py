"""Figures of the analysis views: basins of attraction, learning-rate sensitivity and the
hyperparameter map, for the app and for static exports (pure: no Streamlit).

Each builder takes the result of :mod:`scene.analysis` and a theme, as the race's figures do.
The listed minima are marked as on the map (:mod:`figures.mapspec`).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._layout import TEXT_INSET, legend_grid, title_annotations
from ._style import Theme, axis_style, base_layout, get_theme
from ._text import num, plot_text, power_of_ten
from .mapspec import MARKER_STYLES, is_global, plotly_marker

#: One hue per listed minimum: Tol's muted colours, apart from the racers' palette so that a
#: basin's colour is never read as a racer's.
MINIMUM_COLORS = ["#332288", "#88CCEE", "#117733", "#DDCC77", "#CC6677", "#44AA99",
                  "#999933", "#882255", "#AA4499", "#6699CC", "#EE8866", "#BBCC33", "#222255"]
STOPPED_COLOR = "#9b9b9b"  # left the map or diverged
NOT_THERE_COLOR = "#ffffff"  # at no listed minimum yet
LEVELS = 16  # shades per minimum, from "arrived at once" to "arrived at the last step"
LIGHTEST = 0.78  # how far the last shade is mixed towards white
MAX_CLICK_SIDE = 100  # click targets per side of a basins panel
LOSS_FLOOR = 1e-16


def _mix(color: str, t: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c + (255 - c) * t) for c in (r, g, b)))


def minimum_color(k: int) -> str:
    return MINIMUM_COLORS[k % len(MINIMUM_COLORS)]


def basin_codes(outcome, steps: int) -> np.ndarray:
    """Each run's colour code: 0 at no listed minimum, 1 left the map or diverged, and
    ``LEVELS · (2 + k) + shade`` at minimum k, the shade growing with the steps it took to
    get within the tolerance of the minimum's value (the lightest when it never did)."""
    code = np.zeros(len(outcome.status), np.uint16)
    code[outcome.status != 0] = LEVELS
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


def _click_targets(b, r, panel: int) -> go.Scattergl:
    """Invisible points over the cells (every k-th cell's centre, at most MAX_CLICK_SIDE per
    side): a click selects the nearest, and its coordinates become the race's start."""
    n = len(b.xs)
    k = math.ceil(n / MAX_CLICK_SIDE)
    idx = np.arange(0, n, k)
    gi, gj = np.meshgrid(idx, idx)  # columns (x), rows (y)
    cells = (gj * n + gi).ravel()
    return go.Scattergl(
        x=b.xs[gi.ravel()].astype(np.float32), y=b.ys[gj.ravel()].astype(np.float32),
        mode="markers", marker={"size": 6, "opacity": 0, "color": "#000"},
        showlegend=False, name=f"panel {panel}", customdata=np.full(len(cells), panel),
        selected={"marker": {"opacity": 0}}, unselected={"marker": {"opacity": 0}},
        hovertemplate="start (%{x:.3g}, %{y:.3g}): click to race from here<extra></extra>")


def _panel_grid(count: int, width: int, height: int) -> tuple[int, int]:
    """Rows and columns of the panels: side by side, in two rows when that gives larger
    panels."""
    best = (1, max(1, count))
    size = 0.0
    for rows in range(1, count + 1):
        cols = math.ceil(count / rows)
        s = min(width / cols, height / rows)
        if s > size * 1.05:
            best, size = (rows, cols), s
    return best


def basins_figure(b, *, theme: str | Theme = "article", width: int = 900,
                  height: int | None = 700, start=None, clickable: bool = False,
                  title: str | None = None) -> go.Figure:
    """One panel per racer: each start of the grid coloured by the listed minimum its run
    reached (one hue per minimum; lighter: more steps to get there), grey where it left the
    map or diverged, white where it is at no minimum yet. ``height=None``: as tall as the
    panels, side by side at ``width``, need."""
    t = get_theme(theme)
    count = max(1, len(b.racers))
    surf = b.surface
    legend_items = [f"ended at ({num(m.x)}, {num(m.y)})" for m in surf.minima] + [
        "left the map or diverged", "at no minimum yet"]
    cols_l, rows_l, _ = legend_grid(legend_items, t.font_size, width - 2 * TEXT_INSET)
    top = 12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 14 + 1.4 * t.font_size
    bottom = 1.6 * t.font_size + 14 + rows_l * (1.25 * t.font_size + 8) + 12
    (x0, x1), (y0, y1) = surf.bounds
    if height is None:
        cols = min(count, 4)
        height = round(top + bottom + math.ceil(count / cols) * (
            min((width - 80) / cols, 560) * (y1 - y0) / (x1 - x0) + 40))
    rows, cols = _panel_grid(count, width - 80, height - top - bottom)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.04,
                        vertical_spacing=0.09 if rows > 1 else 0.02,
                        subplot_titles=[f"<b>{plot_text(r.label)}</b>" for r in b.racers])
    scale = basin_colorscale(len(surf.minima))
    top_code = LEVELS * (2 + len(surf.minima))
    n = len(b.xs)
    for i, r in enumerate(b.racers):
        row, col = i // cols + 1, i % cols + 1
        z = basin_codes(r, b.scene.steps).reshape(n, n)
        fig.add_trace(go.Heatmap(x=b.xs, y=b.ys, z=z, zmin=-0.5, zmax=top_code - 0.5,
                                 colorscale=scale, showscale=False, hoverinfo="skip",
                                 zsmooth=False), row=row, col=col)
        for tr in _minima_traces(surf, t, legend=False):
            fig.add_trace(tr, row=row, col=col)
        if start is not None:
            fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers",
                                     marker=plotly_marker(MARKER_STYLES["start"],
                                                          0.8 * t.point_size),
                                     showlegend=False, hoverinfo="skip"), row=row, col=col)
        if clickable:
            fig.add_trace(_click_targets(b, r, i), row=row, col=col)
    _basin_legend(fig, surf, t)
    for i in range(rows * cols):
        sx = "" if i == 0 else str(i + 1)
        fig.update_layout({f"xaxis{sx}": {**axis_style(t, "", grid=False), "range": [x0, x1],
                                          "constrain": "domain"},
                           f"yaxis{sx}": {**axis_style(t, "", grid=False),
                                          "range": [y0, y1], "scaleanchor": f"x{sx}",
                                          "constrain": "domain", "constraintoward": "top"}})
    for ann in fig.layout.annotations:
        ann.font = t.font(t.font_size + 1)
    text = title if title is not None else f"Basins of attraction on {b.surface.title}"
    sub = (f"{n} × {n} starts, {b.scene.steps} steps each; darker: reached its minimum "
           "sooner")
    fig.update_layout(**base_layout(t, width, height),
                      margin={"l": 60, "r": 20, "t": top, "b": bottom, "autoexpand": False},
                      hovermode="closest", dragmode=False, clickmode="event+select",
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0.01,
                              "yref": "container", "yanchor": "bottom", "font": t.font(),
                              "traceorder": "normal",
                              "bgcolor": "rgba(0,0,0,0)", "itemsizing": "constant",
                              "entrywidthmode": "pixels",
                              "entrywidth": (width - 2 * TEXT_INSET) / cols_l - 40})
    fig.update_layout(annotations=[*fig.layout.annotations, *title_annotations(
        text, sub, t, left=60, top=top, plot_w=width - 80, plot_h=height - top - bottom,
        x_px=TEXT_INSET)])
    return fig


def _basin_legend(fig: go.Figure, surf, t: Theme) -> None:
    """Legend entries: a square of each minimum's hue, grey and white."""
    items = [(f"ended at ({num(m.x)}, {num(m.y)})", minimum_color(k))
             for k, m in enumerate(surf.minima)]
    items += [("left the map or diverged", STOPPED_COLOR), ("at no minimum yet", "#ffffff")]
    for name, color in items:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"symbol": "square", "size": t.font_size,
                                         "color": color, "line": {"color": "#555",
                                                                  "width": 1}}))


# --------------------------------------------------------------------------------------------
# Learning-rate sensitivity


def _log_ticks(lo: float, hi: float) -> dict:
    ks = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    return {"tickvals": [10.0 ** k for k in ks], "ticktext": [power_of_ten(k) for k in ks]}


def sensitivity_figure(s, *, theme: str | Theme = "article", width: int = 900,
                       height: int = 700, title: str | None = None) -> go.Figure:
    """Final loss (its gap to the minimum, on a log axis) and steps to the minimum against the
    learning rate, one curve per racer; ✕ where a run diverged or left the map, a dotted line
    at each racer's own rate, and on the ravine the stability bounds."""
    from scene.analysis import ravine_bounds

    t = get_theme(theme)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        row_heights=[0.58, 0.42])
    fmin = s.surface.f_min
    for i, r in enumerate(s.racers):
        ok = r.status == 0
        y = (np.maximum(r.final_loss - fmin, LOSS_FLOOR) if fmin is not None
             else r.final_loss.astype(np.float64))
        fig.add_trace(go.Scatter(
            x=s.lrs, y=np.where(ok, y, np.nan), mode="lines", name=plot_text(r.label),
            legendgroup=r.label, line={"color": r.color, "width": t.line_width},
            hovertemplate="lr %{x:.3g}: final loss %{customdata:.4g}<extra></extra>",
            customdata=r.final_loss), row=1, col=1)
        reach = np.where(r.reach >= 0, r.reach, np.nan).astype(np.float64)
        fig.add_trace(go.Scatter(
            x=s.lrs, y=reach, mode="lines", showlegend=False, legendgroup=r.label,
            line={"color": r.color, "width": t.line_width},
            hovertemplate="lr %{x:.3g}: minimum at step %{y}<extra></extra>"), row=2, col=1)
        bad = ~ok
        if bad.any():
            fig.add_trace(go.Scatter(
                x=s.lrs[bad], y=np.full(int(bad.sum()), 1.0 - 0.035 * i), yaxis="y3",
                mode="markers",
                showlegend=False, legendgroup=r.label, marker={
                    "symbol": "x-thin", "size": 0.6 * t.point_size,
                    "line": {"color": r.color, "width": 2}},
                hovertemplate="lr %{x:.3g}: diverged or left the map<extra></extra>"))
        lr = float(r.hyper["lr"])
        fig.add_vline(x=lr, line={"color": r.color, "width": 2, "dash": "dot"})
    for text, value in ravine_bounds(s.scene):
        fig.add_vline(x=value, line={"color": "#222", "width": 1.5, "dash": "dash"})
        fig.add_annotation(x=math.log10(value), y=0.98, xref="x2", yref="y2 domain",
                           text=text, showarrow=False, textangle=-90, xanchor="right",
                           yanchor="top", bgcolor="rgba(255,255,255,0.85)",
                           font=t.font(t.font_size - 3))
    _sensitivity_layout(fig, s, t, width, height, title)
    return fig


def _sensitivity_layout(fig, s, t: Theme, width, height, title) -> None:
    fmin = s.surface.f_min
    labels = [plot_text(r.label) for r in s.racers]
    cols, rows_l, _ = legend_grid(labels, t.font_size, width - 2 * TEXT_INSET)
    top = 12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 16
    bottom = 1.4 * t.font_size + 1.4 * t.axis_title_size + 14 + rows_l * (
        1.25 * t.font_size + 6) + 12
    left = 5 * 0.6 * t.font_size + 1.4 * t.axis_title_size + 16
    ticks = _log_ticks(*s.lrs[[0, -1]])
    fig.update_layout(
        **base_layout(t, width, height),
        margin={"l": left, "r": 28, "t": top, "b": bottom, "autoexpand": False},
        xaxis={**axis_style(t, ""), "type": "log", **ticks},
        xaxis2={**axis_style(t, "learning rate"), "type": "log", **ticks},
        yaxis={**axis_style(t, "final loss − f*" if fmin is not None else "final loss"),
               "type": "log" if fmin is not None else "linear", "exponentformat": "power"},
        yaxis2={**axis_style(t, "steps to minimum"), "rangemode": "tozero"},
        yaxis3={"overlaying": "y", "range": [0, 1.04], "visible": False, "fixedrange": True},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0.01, "yref": "container",
                "yanchor": "bottom", "font": t.font(), "bgcolor": "rgba(0,0,0,0)",
                "traceorder": "normal"},
        hovermode="closest")
    text = title if title is not None else f"Learning-rate sensitivity on {s.surface.title}"
    sub = (f"from ({num(s.start[0])}, {num(s.start[1])}), {s.scene.steps} steps; dotted: "
           "each racer's rate; ✕: diverged or left the map")
    fig.update_layout(annotations=[*fig.layout.annotations, *title_annotations(
        text, sub, t, left=left, top=top, plot_w=width - left - 28,
        plot_h=height - top - bottom, x_px=TEXT_INSET)])


# --------------------------------------------------------------------------------------------
# The hyperparameter map


def hyper_figure(h, *, theme: str | Theme = "article", width: int = 900, height: int = 700,
                 title: str | None = None) -> go.Figure:
    """Final loss (log10 of its gap to the minimum) over learning rate × momentum or β1 for
    one racer; grey where the run diverged or left the map; a ring at the racer's setting."""
    from scene.analysis import current_second

    t = get_theme(theme)
    r = h.outcome
    fmin = h.surface.f_min
    gap = r.final_loss - fmin if fmin is not None else r.final_loss
    z = (np.log10(np.maximum(gap, LOSS_FLOOR)) if fmin is not None else gap).astype(np.float64)
    z = np.where(r.status == 0, z, np.nan).reshape(len(h.values), len(h.lrs))
    bar = "log₁₀(final loss − f*)" if fmin is not None else "final loss"
    fig = go.Figure(go.Heatmap(
        x=h.lrs, y=h.values, z=z, colorscale="Viridis", zsmooth=False,
        colorbar={"title": {"text": bar, "side": "right", "font": t.font()},
                  "tickfont": t.font(), "thickness": 16},
        hovertemplate=f"lr %{{x:.3g}}, {h.second} %{{y:.3g}}<br>{bar} %{{z:.3g}}"
                      "<extra></extra>"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers",
                             name="diverged or left the map", marker={
                                 "symbol": "square", "size": t.font_size,
                                 "color": STOPPED_COLOR}))
    fig.add_trace(go.Scatter(
        x=[float(r.hyper["lr"])], y=[current_second(h)], mode="markers", showlegend=False,
        hoverinfo="skip", marker={"symbol": "circle-open", "size": 1.1 * t.point_size,
                                  "line": {"color": "#ffffff", "width": 5}}))
    fig.add_trace(go.Scatter(
        x=[float(r.hyper["lr"])], y=[current_second(h)], mode="markers",
        name=f"{plot_text(r.label)}'s setting", hovertemplate="this racer's setting: lr "
        "%{x:.3g}, " + h.second + " %{y:.3g}<extra></extra>",
        marker={"symbol": "circle-open", "size": 1.1 * t.point_size,
                "line": {"color": r.color, "width": 2.5}}))
    top = 12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 16
    left = 5 * 0.6 * t.font_size + 1.4 * t.axis_title_size + 16
    bottom = 1.4 * t.font_size + 1.4 * t.axis_title_size + 14 + 1.25 * t.font_size + 18
    right = 110 + t.font_size * 2
    fig.update_layout(
        **{**base_layout(t, width, height), "plot_bgcolor": STOPPED_COLOR},
        margin={"l": left, "r": right, "t": top, "b": bottom, "autoexpand": False},
        xaxis={**axis_style(t, "learning rate", grid=False), "type": "log",
               **_log_ticks(h.lrs[0], h.lrs[-1]), "range": [
                   1.5 * math.log10(h.lrs[0]) - 0.5 * math.log10(h.lrs[1]),
                   1.5 * math.log10(h.lrs[-1]) - 0.5 * math.log10(h.lrs[-2])]},
        yaxis={**axis_style(t, h.second, grid=False), "range": [
            1.5 * h.values[0] - 0.5 * h.values[1], 1.5 * h.values[-1] - 0.5 * h.values[-2]]},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container",
                "yanchor": "bottom", "font": t.font(), "bgcolor": "rgba(0,0,0,0)"})
    text = title if title is not None else (f"Final loss of {r.label} over learning rate × "
                                            f"{h.second}")
    sub = f"{h.surface.title}, from ({', '.join(num(v) for v in h.scene.start_point())}), " \
          f"{h.scene.steps} steps"
    fig.update_layout(annotations=title_annotations(
        text, sub, t, left=left, top=top, plot_w=width - left - right,
        plot_h=height - top - bottom, x_px=TEXT_INSET))
    return fig


def analysis_figure(result, **kw) -> go.Figure:
    """The figure of any result of :func:`scene.analysis.compute`."""
    from scene.analysis import Basins, Sensitivity

    if isinstance(result, Basins):
        return basins_figure(result, **kw)
    if isinstance(result, Sensitivity):
        return sensitivity_figure(result, **kw)
    return hyper_figure(result, **kw)

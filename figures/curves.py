"""Curves against the step: the loss of each racer and the learning rate it used."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._layout import TEXT_INSET, legend_grid, text_px, title_annotations
from ._style import Theme, get_theme
from ._text import legend_label, num, plot_text, scene_subtitle, surface_title
from .mapspec import racer_style

#: Marks along each curve (the racer's marker symbol), as many as this per curve, placed at
#: steps that differ from racer to racer so that marks of curves on top of each other show.
CURVE_MARKS = 5

#: Gaps to the minimum below this are drawn at this value on a log axis.
LOSS_FLOOR = 1e-16
PREVIEW_COLOR = "#0072B2"


def loss_gap(surface, loss: np.ndarray) -> np.ndarray:
    """``loss − f*`` for a log axis: floored at :data:`LOSS_FLOOR`, or at the round-off of
    float64 near f* when that is larger (below it the gap is noise)."""
    floor = max(LOSS_FLOOR, 16 * np.finfo(np.float64).eps * abs(surface.f_min))
    return np.maximum(np.asarray(loss, dtype=np.float64) - surface.f_min, floor)


#: Room in px between the y axis's tick labels and its title.
TITLE_STANDOFF = 10


def _frame(fig: go.Figure, t: Theme, width: int, height: int, labels: list[str],
           title: str, subtitle: str, *, legend: bool = True,
           label_w: float | None = None) -> None:
    """Fixed margins around the plot: title and subtitle above, flush left; legend in a grid
    of equal columns under the x axis. The left margin holds the y axis's widest tick label
    (``label_w`` px), the title beside it and no more."""
    fs = t.font_size
    top = 12 + ((1.3 * t.title_size + 2 + (1.3 * fs if subtitle else 0)) if title else 0) + 16
    label_w = 5 * 0.6 * fs if label_w is None else label_w
    left = TEXT_INSET + 1.25 * t.axis_title_size + TITLE_STANDOFF + label_w + 5 + 4
    right = 28
    below_axis = 1.4 * fs + 1.4 * t.axis_title_size + 10
    labels = labels if legend else []
    cols, rows, item_w = legend_grid(labels, fs, width - right - TEXT_INSET)
    bottom = below_axis + rows * (1.25 * fs + 6) + 16
    if width - left - right < width / 3 or height - top - bottom < height / 3:
        top, bottom = min(top, height / 4), min(bottom, height / 3)
    plot_w, plot_h = width - left - right, height - top - bottom
    fig.update_layout(
        margin={"l": left, "r": right, "t": top, "b": bottom, "pad": 0, "autoexpand": False},
        yaxis_title_standoff=TITLE_STANDOFF,
        showlegend=bool(labels),
        legend={"orientation": "h", "x": -(left - TEXT_INSET + 4) / plot_w, "xanchor": "left",
                "y": -below_axis / plot_h, "yanchor": "top", "font": t.font(),
                "bgcolor": "rgba(0,0,0,0)", "traceorder": "normal", "tracegroupgap": 0,
                "entrywidthmode": "pixels",
                "entrywidth": (width - right - TEXT_INSET) / cols - 52},
    )
    if title:
        fig.update_layout(annotations=title_annotations(
            title, subtitle, t, left=left, top=top, plot_h=plot_h, x_px=TEXT_INSET))


def add_curve(fig: go.Figure, t: Theme, index: int, n: int, x: np.ndarray, y: np.ndarray, *,
              name: str, color: str, hovertemplate: str, far: tuple[float, float],
              shape: str = "linear") -> None:
    """Racer ``index`` of ``n``'s curve in its colour and dash pattern, with a few of its
    markers along it, and its legend entry (its line with its marker, on the point ``far``,
    outside the axes' ranges)."""
    style = racer_style(index)
    group = f"racer{index}"
    line = {"color": color, "width": t.line_width, "dash": style.plotly_dash(t.line_width),
            "shape": shape}
    marker = {"symbol": style.symbol, "size": 0.8 * t.marker_size, "color": color,
              "line": {"color": "#ffffff", "width": 1.2}}
    fig.add_trace(go.Scatter(
        x=[far[0]], y=[far[1]], mode="lines+markers", name=name, legendgroup=group,
        meta={"racer": index, "role": "legend"}, line=line, marker=marker, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="lines", name=name, legendgroup=group, showlegend=False, line=line,
        meta={"racer": index, "role": "curve"}, hovertemplate=hovertemplate))
    at = curve_marks(len(x), index, n)
    if at.size:
        fig.add_trace(go.Scatter(
            x=np.asarray(x)[at], y=np.asarray(y)[at], mode="markers", name=name,
            legendgroup=group, showlegend=False, marker=marker, hoverinfo="skip",
            meta={"racer": index, "role": "marks"}))


def curve_marks(length: int, index: int, n: int) -> np.ndarray:
    """Indices of the marks on a curve of ``length`` points: :data:`CURVE_MARKS` evenly
    spaced, shifted by a fraction of their spacing that differs for each of the ``n`` racers."""
    if length < 2:
        return np.arange(length)
    frac = (np.arange(CURVE_MARKS) + (index + 0.5) / max(n, 1)) / CURVE_MARKS
    return np.unique(np.round(frac * (length - 1)).astype(int))


def log_axis(values: list[np.ndarray], max_ticks: int = 8) -> dict:
    """A log axis over ``values`` (positive numbers, or none finite) that labels powers of ten
    only: its range runs from the decade below the smallest value to the one above the
    largest, and a label every decade, or every second or third… when there are more than
    ``max_ticks`` decades. Decades between labels get an unlabelled minor tick."""
    finite = [v[np.isfinite(v) & (v > 0)] for v in map(np.asarray, values)]
    finite = [v for v in finite if v.size]
    if not finite:
        return {"type": "log", "exponentformat": "power"}
    lo = math.floor(math.log10(min(float(v.min()) for v in finite)))
    hi = math.ceil(math.log10(max(float(v.max()) for v in finite)))
    hi = max(hi, lo + 1)
    every = max(1, math.ceil((hi - lo) / max_ticks))
    pad = 0.03 * (hi - lo)
    out = {"type": "log", "exponentformat": "power", "range": [lo - pad, hi + pad],
           "tickmode": "linear", "tick0": 0, "dtick": every, "autorange": False}
    if every > 1:
        out["minor"] = {"tickmode": "linear", "tick0": 0, "dtick": 1, "ticks": "outside",
                        "ticklen": 3, "showgrid": False}
    return out


def log_label_width(axis: dict, t: Theme) -> float:
    """The width in px of the widest tick label of a :func:`log_axis` (10 with a superscript
    exponent, which Plotly sets at 70 % of the font size)."""
    if "range" not in axis:
        return 6 * 0.6 * t.font_size
    lo, hi = (math.ceil(axis["range"][0]), math.floor(axis["range"][1]))
    widest = max(len(str(abs(k))) + (k < 0) for k in range(lo, hi + 1))
    return text_px("10", t.font_size) + 0.7 * t.font_size * 0.6 * widest


def loss_figure(race, *, theme: str | Theme = "article", log: bool = True,
                step: int | None = None, width: int = 900, height: int = 560,
                title: str | None = None) -> go.Figure:
    """Loss against step for every racer.

    With ``log`` and a surface whose global minimum f* is known, the y axis shows ``loss − f*``
    on a log scale (the gap to the minimum); otherwise the loss itself on a linear scale. A
    diverged run ends with an ✕ at its last finite point. ``step`` draws a dashed cursor.
    """
    t = get_theme(theme)
    surf = race.surface
    gap = bool(log and surf.f_min is not None)
    fig = go.Figure()
    n = len(race.racers)
    ys = [loss_gap(surf, r.traj.loss) if gap else np.asarray(r.traj.loss) for r in race.racers]
    longest = max((r.traj.n for r in race.racers), default=1)
    finite = [v[np.isfinite(v)] for v in ys]
    y_far = next((float(v[0]) for v in finite if v.size), 1.0)
    for i, (r, y) in enumerate(zip(race.racers, ys, strict=True)):
        traj = r.traj
        steps = np.arange(traj.n)
        add_curve(fig, t, i, n, steps, y, name=legend_label(r), color=r.color,
                  far=(-10.0 * longest, y_far),
                  hovertemplate=f"{plot_text(r.label)}<br>step %{{x}}<br>"
                                + ("loss − f* = %{y:.4g}" if gap else "loss = %{y:.4g}")
                                + "<extra></extra>")
        if traj.status == "diverged":
            fig.add_trace(go.Scatter(
                x=[steps[-1]], y=[y[-1]], mode="markers", legendgroup=f"racer{i}",
                showlegend=False, cliponaxis=False,
                marker={"symbol": "x", "size": t.marker_size * 1.3, "color": r.color,
                        "line": {"color": "#ffffff", "width": 1.5}},
                hovertemplate=f"{plot_text(r.label)} diverged at step {traj.diverged_at}"
                              "<extra></extra>"))
    if gap:
        ytitle = f"loss − f* (f* = {num(surf.f_min)}, log scale)"
    else:
        ytitle = "loss f(x, y)"
    if gap:
        yaxis = log_axis(finite)
        label_w = log_label_width(yaxis, t)
    else:
        lo, hi = _span(finite)
        yaxis = {"type": "linear", "exponentformat": "power", "range": [lo, hi],
                 "autorange": False}
        label_w = 6 * 0.6 * t.font_size
    layout = _style.base_layout(t, width, height)
    layout.update(
        xaxis={**_style.axis_style(t, "step"), "range": [0, max(longest - 1, 1)],
               "autorange": False},
        yaxis={**_style.axis_style(t, ytitle), **yaxis},
    )
    fig.update_layout(layout)
    if step is not None:
        fig.add_vline(x=step, line={"color": t.axis_color, "width": 1.2, "dash": "dash"})
    if title is None:
        title = race.scene.title or f"Loss on {surface_title(race)}"
    _frame(fig, t, width, height, [legend_label(r) for r in race.racers], title,
           scene_subtitle(race), label_w=label_w)
    return fig


def _span(values: list[np.ndarray]) -> tuple[float, float]:
    """A linear axis range over ``values``, with 4 % to spare at each end."""
    vals = [v for v in values if v.size]
    if not vals:
        return 0.0, 1.0
    lo = min(float(v.min()) for v in vals)
    hi = max(float(v.max()) for v in vals)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def _series(source, labels, colors):
    """(label, colour, lrs) triples from a Race, one array or a sequence of arrays."""
    if hasattr(source, "racers"):
        return [(legend_label(r), r.color, np.asarray(r.traj.lr))
                for r in source.racers]
    arr = source
    if isinstance(arr, np.ndarray) and arr.ndim == 1 or (
            isinstance(arr, Sequence) and arr and np.ndim(arr[0]) == 0):
        arrays = [np.asarray(arr, dtype=np.float64)]
    else:
        arrays = [np.asarray(a, dtype=np.float64) for a in arr]
    labels = [plot_text(s) for s in labels] if labels is not None else [
        "learning rate" if len(arrays) == 1 else f"run {i + 1}" for i in range(len(arrays))]
    colors = list(colors) if colors is not None else [
        _style_palette(i) for i in range(len(arrays))]
    return list(zip(labels, colors, arrays, strict=True))


def _shape(lrs: np.ndarray) -> str:
    """Steps for a piecewise-constant schedule, straight segments for one that moves at every
    step (where steps would only draw a staircase)."""
    changes = np.count_nonzero(np.diff(lrs)) if len(lrs) > 1 else 0
    return "hv" if changes <= max(3, len(lrs) // 20) else "linear"


def _style_palette(i: int) -> str:
    from scene import PALETTE
    return PALETTE[i % len(PALETTE)]


def lr_figure(source, *, theme: str | Theme = "article", labels: Sequence[str] | None = None,
              colors: Sequence[str] | None = None, log: bool = False, step: int | None = None,
              width: int = 900, height: int = 420, title: str | None = None) -> go.Figure:
    """Learning rate against step.

    ``source`` is a Race (one line per racer), one array of learning rates, or a sequence of
    arrays (with ``labels`` and ``colors``). The value at step k is the rate of the update that
    leaves point k, so a run of N steps has rates at steps 0 … N − 1.
    """
    t = get_theme(theme)
    series = _series(source, labels, colors)
    fig = go.Figure()
    longest = max((len(lrs) for _, _, lrs in series), default=1)
    finite = [lrs[np.isfinite(lrs)] for _, _, lrs in series]
    if log:
        yaxis = log_axis(finite)
        label_w = log_label_width(yaxis, t)
    else:
        top = max((float(v.max()) for v in finite if v.size), default=1.0)
        yaxis = {"type": "linear", "exponentformat": "power", "autorange": False,
                 "range": [0, top * 1.06 if top > 0 else 1.0]}
        label_w = None
    for i, (label, color, lrs) in enumerate(series):
        hover = f"{label}<br>step %{{x}}<br>lr %{{y:.4g}}<extra></extra>"
        if len(series) == 1:
            fig.add_trace(go.Scatter(
                x=np.arange(len(lrs)), y=lrs, mode="lines", name=label,
                line={"color": color, "width": t.line_width, "shape": _shape(lrs)},
                hovertemplate=hover))
            continue
        far_y = float(finite[i][0]) if finite[i].size else 1.0
        add_curve(fig, t, i, len(series), np.arange(len(lrs)), lrs, name=label, color=color,
                  far=(-10.0 * longest, far_y), hovertemplate=hover, shape=_shape(lrs))
    layout = _style.base_layout(t, width, height)
    layout.update(
        xaxis={**_style.axis_style(t, "step"), "range": [0, max(longest - 1, 1)],
               "autorange": False},
        yaxis={**_style.axis_style(t, "learning rate" + (" (log scale)" if log else "")),
               **yaxis},
    )
    fig.update_layout(layout)
    if step is not None:
        fig.add_vline(x=step, line={"color": t.axis_color, "width": 1.2, "dash": "dash"})
    subtitle = ""
    if title is None and hasattr(source, "racers"):
        title, subtitle = "Learning rate", scene_subtitle(source)
    _frame(fig, t, width, height, [s[0] for s in series], title or "", subtitle,
           legend=len(series) > 1, label_w=label_w)
    return fig


def lr_preview_figure(lrs: np.ndarray, height: int = 160, *, color: str = PREVIEW_COLOR,
                      width: int | None = None, log: bool = False,
                      ytitle: str | None = None) -> go.Figure:
    """A compact learning-rate curve for a sidebar: no title or legend, small margins and
    fonts, transparent background, so it sits under the schedule's controls; ``ytitle``
    names its vertical axis."""
    lrs = np.asarray(lrs, dtype=np.float64)
    steps = np.arange(len(lrs))
    fig = go.Figure(go.Scatter(
        x=steps, y=lrs, mode="lines", line={"color": color, "width": 2, "shape": _shape(lrs)},
        fill="none" if log else "tozeroy", fillcolor="rgba(0, 114, 178, 0.12)",
        hovertemplate="step %{x}<br>lr %{y:.4g}<extra></extra>"))
    finite = lrs[np.isfinite(lrs)]
    top = float(finite.max()) if finite.size else 1.0
    axis = {"showgrid": True, "gridcolor": "rgba(128, 128, 128, 0.25)", "zeroline": False,
            "showline": False, "ticks": "", "tickfont": {"size": 11}}
    yaxis = {**axis, "nticks": 4, "tickformat": "~g", "exponentformat": "e"}
    if log:
        yaxis["type"] = "log"
    else:
        yaxis["range"] = [0, top * 1.1 if top > 0 else 1.0]
    if ytitle:
        yaxis["title"] = {"text": ytitle, "font": {"size": 11}, "standoff": 4}
    fig.update_layout(
        width=width, height=height, template="none",
        margin={"l": 58 if ytitle else 44, "r": 8, "t": 6, "b": 26, "pad": 2},
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font={"family": _style.FONT_FAMILY, "size": 11, "color": "#666666"},
        showlegend=False, hovermode="x",
        xaxis={**axis, "nticks": 5, "range": [0, max(len(lrs) - 1, 1)]},
        yaxis=yaxis,
    )
    return fig

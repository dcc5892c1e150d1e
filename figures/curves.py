"""Curves against the step: the loss of each racer and the learning rate it used."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._layout import TEXT_INSET, legend_grid, title_annotations
from ._style import Theme, get_theme
from ._text import legend_label, num, plot_text, scene_subtitle, surface_title

#: Gaps to the minimum below this are drawn at this value on a log axis.
LOSS_FLOOR = 1e-16
PREVIEW_COLOR = "#0072B2"


def loss_gap(surface, loss: np.ndarray) -> np.ndarray:
    """``loss − f*`` for a log axis: floored at :data:`LOSS_FLOOR`, or at the round-off of
    float64 near f* when that is larger (below it the gap is noise)."""
    floor = max(LOSS_FLOOR, 16 * np.finfo(np.float64).eps * abs(surface.f_min))
    return np.maximum(np.asarray(loss, dtype=np.float64) - surface.f_min, floor)


def _frame(fig: go.Figure, t: Theme, width: int, height: int, labels: list[str],
           title: str, subtitle: str, *, legend: bool = True) -> None:
    """Fixed margins around the plot: title and subtitle above, flush left; legend in a grid
    of equal columns under the x axis."""
    fs = t.font_size
    top = 12 + ((1.3 * t.title_size + 2 + (1.3 * fs if subtitle else 0)) if title else 0) + 16
    left = 5 * 0.6 * fs + 1.4 * t.axis_title_size + 16
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
    for i, r in enumerate(race.racers):
        traj = r.traj
        steps = np.arange(traj.n)
        y = loss_gap(surf, traj.loss) if gap else traj.loss
        group = f"racer{i}"
        fig.add_trace(go.Scatter(
            x=steps, y=y, mode="lines", name=legend_label(r), legendgroup=group,
            line={"color": r.color, "width": t.line_width},
            hovertemplate=f"{plot_text(r.label)}<br>step %{{x}}<br>"
                          + ("loss − f* = %{y:.4g}" if gap else "loss = %{y:.4g}")
                          + "<extra></extra>"))
        if traj.status == "diverged":
            fig.add_trace(go.Scatter(
                x=[steps[-1]], y=[y[-1]], mode="markers", legendgroup=group, showlegend=False,
                marker={"symbol": "x", "size": t.marker_size * 1.3, "color": r.color,
                        "line": {"color": "#ffffff", "width": 1.5}},
                hovertemplate=f"{plot_text(r.label)} diverged at step {traj.diverged_at}"
                              "<extra></extra>"))
    if gap:
        ytitle = f"loss − f* (f* = {num(surf.f_min)}, log scale)"
    else:
        ytitle = "loss f(x, y)"
    layout = _style.base_layout(t, width, height)
    layout.update(
        xaxis={**_style.axis_style(t, "step"), "rangemode": "tozero"},
        yaxis={**_style.axis_style(t, ytitle), "type": "log" if gap else "linear",
               "exponentformat": "power"},
    )
    fig.update_layout(layout)
    if step is not None:
        fig.add_vline(x=step, line={"color": t.axis_color, "width": 1.2, "dash": "dash"})
    if title is None:
        title = race.scene.title or f"Loss on {surface_title(race)}"
    _frame(fig, t, width, height, [legend_label(r) for r in race.racers], title,
           scene_subtitle(race))
    return fig


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
    for label, color, lrs in series:
        fig.add_trace(go.Scatter(
            x=np.arange(len(lrs)), y=lrs, mode="lines", name=label,
            line={"color": color, "width": t.line_width, "shape": _shape(lrs)},
            hovertemplate=f"{label}<br>step %{{x}}<br>lr %{{y:.4g}}<extra></extra>"))
    layout = _style.base_layout(t, width, height)
    layout.update(
        xaxis={**_style.axis_style(t, "step"), "rangemode": "tozero"},
        yaxis={**_style.axis_style(t, "learning rate" + (" (log scale)" if log else "")),
               "type": "log" if log else "linear", "exponentformat": "power",
               "rangemode": "tozero"},
    )
    fig.update_layout(layout)
    if step is not None:
        fig.add_vline(x=step, line={"color": t.axis_color, "width": 1.2, "dash": "dash"})
    subtitle = ""
    if title is None and hasattr(source, "racers"):
        title, subtitle = "Learning rate", scene_subtitle(source)
    _frame(fig, t, width, height, [s[0] for s in series], title or "", subtitle,
           legend=len(series) > 1)
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

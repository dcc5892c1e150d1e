"""Learning-rate sensitivity: each racer's final loss and steps to the minimum against the
learning rate (:func:`sensitivity_figure`). Pure: no Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._layout import TEXT_INSET, legend_grid, text_px, title_annotations
from ._style import Theme, axis_style, base_layout, get_theme
from ._text import num, plot_text, power_of_ten
from .basins import LOSS_FLOOR


def _log_ticks(lo: float, hi: float) -> dict:
    ks = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    return {"tickvals": [10.0 ** k for k in ks], "ticktext": [power_of_ten(k) for k in ks]}


def _decade_ticks(values, most: int = 5) -> dict:
    """Ticks at powers of ten over the positive finite ``values``, at most about ``most`` of
    them, every first, second, third… decade. Written out as text, in the tick font: Plotly
    draws its own powers of ten on a log axis a quarter larger than the other tick labels."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return {}
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    step = next(m for m in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 50)
                if (hi - lo) / m <= most)
    ks = [k for k in range(lo, hi + 1) if k % step == 0]
    return {"tickvals": [10.0 ** k for k in ks], "ticktext": [power_of_ten(k) for k in ks]}


def _at_rate(lrs: np.ndarray, y: np.ndarray, lr: float, *, log: bool) -> float | None:
    """A curve's value at rate ``lr`` (``lrs`` rising, on a log scale): between its two
    neighbours on the grid when both have one (on a log scale of ``y`` when ``log``), else the
    nearest one's; None outside the grid or when the nearest has none."""
    if not lrs[0] <= lr <= lrs[-1]:
        return None
    j = int(np.searchsorted(lrs, lr))
    i0, i1 = max(j - 1, 0), min(j, len(lrs) - 1)
    ya, yb = float(y[i0]), float(y[i1])
    if i0 != i1 and math.isfinite(ya) and math.isfinite(yb):
        f = (math.log(lr) - math.log(lrs[i0])) / (math.log(lrs[i1]) - math.log(lrs[i0]))
        if log:
            return math.exp((1 - f) * math.log(ya) + f * math.log(yb))
        return (1 - f) * ya + f * yb
    near = i0 if abs(math.log(lr / lrs[i0])) <= abs(math.log(lrs[i1] / lr)) else i1
    value = float(y[near])
    return value if math.isfinite(value) else None


def _stopped_row(i: int) -> float:
    """The height of racer ``i``'s row of ✕ along the top of the upper panel (on ``y3``)."""
    return 1.0 - 0.035 * i


@dataclass(frozen=True)
class _BoundLabel:
    text: str
    value: float  # the bound's learning rate
    line_px: float  # its line's x, px from the figure's left edge
    row: int  # 0: right above the upper panel, 1: above that, …
    anchor: str  # "center", "right" (the text left of the line) or "left"
    left: float  # the text's extent, px
    right: float


def _bound_labels(bounds, px, size: float, lo_px: float, hi_px: float) -> list[_BoundLabel]:
    """Horizontal labels above the upper panel, each at the top of its bound's line (which
    rises to it from the panel), in rows: none overlaps another, and no line crosses a label
    below its own. ``px(value)`` is a rate's x in px; labels stay within ``lo_px``…``hi_px``."""
    gap = 0.6 * size
    items = sorted(((text, value, px(value), text_px(text, size)) for text, value in bounds),
                   key=lambda b: b[2])
    placed: list[_BoundLabel] = []

    def extent(x, w, anchor):
        return {"right": (x - w, x), "left": (x, x + w), "center": (x - w / 2, x + w / 2)}[anchor]

    def fits(x, row, a, b):
        if a < lo_px or b > hi_px:
            return False
        for p in placed:
            if p.row == row and a < p.right + gap and p.left < b + gap:
                return False  # overlaps a label of its row
            if p.row < row and p.left - 2 <= x <= p.right + 2:
                return False  # its line would cross a label below
            if p.row > row and a - 2 <= p.line_px <= b + 2:
                return False  # it would lie across the line of a label above
        return True

    for text, value, x, w in items:
        spot = next(((row, anchor, *extent(x, w, anchor)) for row in range(len(items))
                     for anchor in ("right", "left", "center")
                     if fits(x, row, *extent(x, w, anchor))), None)
        if spot is None:
            break
        placed.append(_BoundLabel(text, value, x, *spot))
    else:
        return placed
    # A staircase, which always fits when there is room: the leftmost line's label on top, each
    # to the right of its line (or to the left, the rightmost line's on top, when that fits).
    right = [_BoundLabel(text, value, x, len(items) - 1 - k, "left", x, x + w)
             for k, (text, value, x, w) in enumerate(items)]
    if all(b.right <= hi_px for b in right):
        return right
    return [_BoundLabel(text, value, x, k, "right", x - w, x)
            for k, (text, value, x, w) in enumerate(items)]


def sensitivity_figure(s, *, theme: str | Theme = "article", width: int = 900,
                       height: int = 700, title: str | None = None) -> go.Figure:
    """Final loss (its gap to the minimum, on a log axis) and steps to the minimum against the
    learning rate, one curve per racer; ✕ where a run diverged or left the map; each racer's
    own rate as a dot on each of its curves and a dotted line; and on the ravine the stability
    bounds, dashed lines labelled above the plot."""
    from scene.analysis import ravine_bounds

    t = get_theme(theme)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        row_heights=[0.58, 0.42])
    fmin = s.surface.f_min
    tops = []
    for i, r in enumerate(s.racers):
        ok = r.status == 0
        y = (np.maximum(r.final_loss - fmin, LOSS_FLOOR) if fmin is not None
             else r.final_loss.astype(np.float64))
        top = np.where(ok, y, np.nan)
        tops.append(top)
        fig.add_trace(go.Scatter(
            x=s.lrs, y=top, mode="lines", name=plot_text(r.label),
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
                x=s.lrs[bad], y=np.full(int(bad.sum()), _stopped_row(i)), yaxis="y3",
                mode="markers",
                showlegend=False, legendgroup=r.label, marker={
                    "symbol": "x-thin", "size": 0.6 * t.point_size,
                    "line": {"color": r.color, "width": 2}},
                hovertemplate="lr %{x:.3g}: diverged or left the map<extra></extra>"))
        _own_rate_marks(fig, s, i, top, reach, fmin is not None, t)
    rates: dict[float, list[str]] = {}
    for r in s.racers:
        rates.setdefault(float(r.hyper["lr"]), []).append(r.color)
    for lr, colors in rates.items():  # one line per rate: grey when racers share it
        fig.add_vline(x=lr, line={"color": colors[0] if len(colors) == 1 else t.axis_color,
                                  "width": 2, "dash": "dot"})
    bounds = ravine_bounds(s.scene)
    for _, value in bounds:
        fig.add_vline(x=value, line={"color": "#222", "width": 1.5, "dash": "dash"})
    _sensitivity_layout(fig, s, t, width, height, title, bounds,
                        _decade_ticks(np.concatenate(tops)) if fmin is not None else {})
    return fig


def _own_rate_marks(fig, s, i: int, top, reach, log: bool, t: Theme) -> None:
    """A dot in the racer's colour on each of its curves at its own rate; on the row of ✕
    when the runs there diverged or left the map."""
    r = s.racers[i]
    lr = float(r.hyper["lr"])
    marker = {"symbol": "circle", "size": 0.85 * t.point_size, "color": r.color,
              "line": {"color": "#ffffff", "width": 2}}
    common = {"mode": "markers", "showlegend": False, "legendgroup": r.label,
              "name": f"{plot_text(r.label)}'s rate", "marker": marker, "cliponaxis": False,
              "hovertemplate": f"{plot_text(r.label)}'s own rate: {num(lr)}<extra></extra>"}
    y = _at_rate(s.lrs, top, lr, log=log)
    if y is not None:
        fig.add_trace(go.Scatter(x=[lr], y=[y], **common), row=1, col=1)
    elif s.lrs[0] <= lr <= s.lrs[-1]:
        fig.add_trace(go.Scatter(x=[lr], y=[_stopped_row(i)], yaxis="y3", **common))
    steps = _at_rate(s.lrs, reach, lr, log=False)
    if steps is not None:
        fig.add_trace(go.Scatter(x=[lr], y=[steps], **common), row=2, col=1)


def _sensitivity_layout(fig, s, t: Theme, width, height, title, bounds, yticks) -> None:
    fmin = s.surface.f_min
    labels = [plot_text(r.label) for r in s.racers]
    cols, rows_l, _ = legend_grid(labels, t.font_size, width - 2 * TEXT_INSET)
    left = 5 * 0.6 * t.font_size + 1.4 * t.axis_title_size + 16
    right = 28
    plot_w = width - left - right
    lo, hi = math.log10(s.lrs[0]), math.log10(s.lrs[-1])
    x_range = [lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)]

    def px(v):
        return left + (math.log10(v) - x_range[0]) / (x_range[1] - x_range[0]) * plot_w

    marks = _bound_labels(bounds, px, t.font_size, 4, width - 4)
    row_h = 1.3 * t.font_size + 4
    label_rows = max((m.row + 1 for m in marks), default=0)
    top = 12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 16 + label_rows * row_h
    bottom = 1.4 * t.font_size + 1.4 * t.axis_title_size + 14 + rows_l * (
        1.25 * t.font_size + 6) + 12
    plot_h = height - top - bottom
    ticks = _log_ticks(*s.lrs[[0, -1]])
    fig.update_layout(
        **base_layout(t, width, height),
        margin={"l": left, "r": right, "t": top, "b": bottom, "autoexpand": False},
        xaxis={**axis_style(t, ""), "type": "log", **ticks, "range": x_range},
        xaxis2={**axis_style(t, "learning rate"), "type": "log", **ticks, "range": x_range},
        yaxis={**axis_style(t, "final loss − f*" if fmin is not None else "final loss"),
               "type": "log" if fmin is not None else "linear", **yticks},
        yaxis2={**axis_style(t, "steps to minimum"), "rangemode": "tozero"},
        yaxis3={"overlaying": "y", "range": [0, 1.04], "visible": False, "fixedrange": True},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0.01, "yref": "container",
                "yanchor": "bottom", "font": t.font(), "bgcolor": "rgba(0,0,0,0)",
                "traceorder": "normal"},
        hovermode="closest")
    for m in marks:  # each bound's line rises above the panel to its label
        bottom_px = 7 + m.row * row_h  # the label's bottom, px above the panel's frame
        fig.add_shape(type="line", xref="x", x0=m.value, x1=m.value, yref="paper", y0=1,
                      y1=1 + bottom_px / plot_h, line={"color": "#222", "width": 1.5,
                                                       "dash": "dash"}, name="bound line")
        fig.add_annotation(x=math.log10(m.value), xref="x", y=1 + bottom_px / plot_h,
                           yref="paper", text=m.text, showarrow=False, xanchor=m.anchor,
                           yanchor="bottom", xshift={"right": -3, "left": 3}.get(m.anchor, 0),
                           font=t.font(), name="bound label")
    if fmin is None:  # the lower panel stays empty: say why
        fig.add_annotation(text=f"{s.surface.title} has no minimum, so no run has one to reach",
                           xref="x2 domain", yref="y2 domain", x=0.5, y=0.5, showarrow=False,
                           font={**t.font(), "color": t.axis_color}, name="no minimum")
    text = title if title is not None else f"Learning-rate sensitivity on {s.surface.title}"
    sub = (f"from ({num(s.start[0])}, {num(s.start[1])}), {s.scene.steps} steps; ●: each "
           "racer's own rate; ✕: diverged or left the map")
    fig.update_layout(annotations=[*fig.layout.annotations, *title_annotations(
        text, sub, t, left=left, top=top, plot_h=plot_h, x_px=TEXT_INSET)])

"""How the racers were tuned: each racer's score at every rate of its search, the chosen rate
marked (:func:`tuning_figure`). Pure: no Streamlit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ._style import axis_style, base_layout, get_theme
from ._text import plot_text, power_of_ten
from .sensitivity import _decade_ticks

#: Dashes of a racer's curves, one per value of its second tuned setting.
DASHES = ("solid", "dash", "dot")


def _gap(scores: np.ndarray, f_min: float) -> np.ndarray:
    """A loss score as its distance above the surface's lowest value (on a log axis)."""
    with np.errstate(all="ignore"):
        gap = scores - f_min
    return np.where(np.isfinite(gap), np.maximum(gap, 1e-16), np.nan)


def tuning_figure(tunings: list, f_min: float, theme="screen", width: int | None = None,
                  height: int | None = 380) -> go.Figure:
    """``tunings``: :class:`scene.tune.Tuning` of the racers tuned by one criterion. Loss
    criteria plot f − f* on a log axis, steps to the minimum on a linear one; a run that
    stopped or left the map is a ✕ on its racer's row along the top; the chosen run is a star.
    With a second setting tuned, each of its values has a dash of its own (keyed in grey)."""
    t = get_theme(theme)
    fig = go.Figure()
    steps = bool(tunings) and tunings[0].criterion == "reach"
    shown = []
    for i, tu in enumerate(tunings):
        y = tu.scores.astype(float) if steps else _gap(tu.scores, f_min)
        if steps:
            y = np.where(np.isfinite(y) & (y <= tu.steps), y, np.nan)  # never settled: no point
        shown.append(y)
        values = [math.nan] if np.all(np.isnan(tu.seconds)) else sorted(
            {float(v) for v in tu.seconds})
        for j, v in enumerate(values):
            rows = np.flatnonzero(np.isnan(tu.seconds)) if math.isnan(v) else np.flatnonzero(
                tu.seconds == v)
            fig.add_trace(go.Scatter(
                x=tu.lrs[rows], y=y[rows], mode="lines+markers", name=plot_text(tu.label),
                legendgroup=str(i), showlegend=j == 0,
                line={"color": tu.color, "width": 2, "dash": DASHES[j % len(DASHES)]},
                marker={"size": 5}, connectgaps=False,
                hovertemplate=plot_text(tu.label) + (f", {v:g}" if not math.isnan(v) else "")
                + "<br>lr %{x:.3g}: " + ("%{y:.0f} steps" if steps else "f − f* %{y:.3g}")
                + "<extra></extra>"))
        stopped = np.flatnonzero(~np.isfinite(tu.scores))
        if stopped.size:
            fig.add_trace(go.Scatter(
                x=tu.lrs[stopped], y=[1.0 - 0.045 * i] * stopped.size, yaxis="y2",
                mode="markers", showlegend=False, legendgroup=str(i),
                marker={"symbol": "x-thin", "size": 8, "line": {"width": 2, "color": tu.color}},
                hovertemplate=plot_text(tu.label) + ", lr %{x:.3g}: the run stopped or left "
                "the map<extra></extra>"))
        if tu.best >= 0 and np.isfinite(y[tu.best]):
            fig.add_trace(go.Scatter(
                x=[tu.lrs[tu.best]], y=[y[tu.best]], mode="markers", showlegend=False,
                legendgroup=str(i),
                marker={"symbol": "star", "size": 16, "color": tu.color,
                        "line": {"width": 1, "color": "#222"}},
                hovertemplate=plot_text(f"{tu.label}: chosen, lr {tu.lr:g}") +
                "<extra></extra>"))
    second = next((tu for tu in tunings if "+" in tu.what), None)
    if second is not None:  # the dashes' key
        names = sorted({tu.what.split("+")[1] for tu in tunings if "+" in tu.what})
        name2 = " or ".join(names)
        for j, v in enumerate(sorted({float(v) for v in second.seconds})):
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"{name2} {v:g}",
                                     line={"color": "#777", "width": 2,
                                           "dash": DASHES[j % len(DASHES)]}))
    layout = base_layout(t, width, height)
    layout["margin"] = {"l": 80, "r": 20, "t": 10, "b": 60}
    layout["xaxis"] = {**axis_style(t, "learning rate"), "type": "log", "tickvals": [
        10.0 ** k for k in range(-5, 2)], "ticktext": [power_of_ten(k) for k in range(-5, 2)]}
    ytitle = {"final": "final f − f*", "mean": "mean f − f* over the run",
              "worst": "worst final f − f*", "reach": "steps to settle at the minimum"}
    layout["yaxis"] = axis_style(t, ytitle.get(tunings[0].criterion if tunings else "final",
                                               "f − f*"))
    if not steps:
        layout["yaxis"].update(type="log", **_decade_ticks(np.concatenate(shown) if shown
                                                           else [1.0], most=6))
    layout["yaxis2"] = {"overlaying": "y", "range": [0, 1.02], "visible": False,
                        "fixedrange": True}
    layout["legend"] = {"x": 1.01, "y": 1, "xanchor": "left", "yanchor": "top",
                        "font": {**t.font(), "size": 13}, "tracegroupgap": 0,
                        "bgcolor": "rgba(255,255,255,0)"}
    layout["margin"]["r"] = 200
    fig.update_layout(**layout)
    return fig

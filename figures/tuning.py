"""How the racers were tuned: each racer's score at every rate of its search, the chosen rate
marked (:func:`tuning_figure`). Pure: no Streamlit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ._style import axis_style, base_layout, get_theme
from ._text import plot_text, power_of_ten

#: Dashes of a racer's curves, one per value of its second tuned setting.
DASHES = ("solid", "dash", "dot")


def _gap(scores: np.ndarray, f_min: float) -> np.ndarray:
    """A loss score as its distance above the surface's lowest value (on a log axis)."""
    with np.errstate(all="ignore"):
        gap = scores - f_min
    return np.where(np.isfinite(gap), np.maximum(gap, 1e-16), np.nan)


def tuning_figure(tunings: list, f_min: float, theme="screen", width: int | None = None,
                  height: int | None = 360) -> go.Figure:
    """``tunings``: :class:`scene.tune.Tuning` of the racers tuned by one criterion. Loss
    criteria plot f − f* on a log axis, steps to the minimum on a linear one; a run that
    stopped is a ✕ along the top; the chosen run is a star."""
    t = get_theme(theme)
    fig = go.Figure()
    steps = bool(tunings) and tunings[0].criterion == "reach"
    top = 1.0
    for tu in tunings:
        y = tu.scores.astype(float) if steps else _gap(tu.scores, f_min)
        if steps:
            y = np.where(np.isfinite(y) & (y <= tu.steps), y, np.nan)  # never reached: no point
        finite = y[np.isfinite(y)]
        if finite.size:
            top = max(top, float(finite.max()))
    for tu in tunings:
        y = tu.scores.astype(float) if steps else _gap(tu.scores, f_min)
        if steps:
            y = np.where(np.isfinite(y) & (y <= tu.steps), y, np.nan)
        values = [math.nan] if np.all(np.isnan(tu.seconds)) else sorted(
            {float(v) for v in tu.seconds})
        name2 = tu.what.split("+")[1] if "+" in tu.what else ""
        for j, v in enumerate(values):
            rows = np.flatnonzero(np.isnan(tu.seconds)) if math.isnan(v) else np.flatnonzero(
                tu.seconds == v)
            label = tu.label if math.isnan(v) else f"{tu.label}, {name2} {v:g}"
            fig.add_trace(go.Scatter(
                x=tu.lrs[rows], y=y[rows], mode="lines+markers", name=plot_text(label),
                line={"color": tu.color, "width": 2, "dash": DASHES[j % len(DASHES)]},
                marker={"size": 5}, connectgaps=False,
                hovertemplate="lr %{x:.3g}<br>" + ("%{y:.0f} steps" if steps else
                                                   "f − f* %{y:.3g}") + "<extra></extra>"))
            stopped = rows[~np.isfinite(tu.scores[rows])]
            if stopped.size:
                fig.add_trace(go.Scatter(
                    x=tu.lrs[stopped], y=[top * (3.0 if not steps else 1.08)] * stopped.size,
                    mode="markers", showlegend=False, name=plot_text(f"{tu.label}: stopped"),
                    marker={"symbol": "x-thin", "size": 8, "line": {"width": 2,
                                                                     "color": tu.color}},
                    hovertemplate="lr %{x:.3g}: the run stopped<extra></extra>"))
        if tu.best >= 0:
            fig.add_trace(go.Scatter(
                x=[tu.lrs[tu.best]], y=[y[tu.best]], mode="markers", showlegend=False,
                name=plot_text(f"{tu.label}: chosen"),
                marker={"symbol": "star", "size": 16, "color": tu.color,
                        "line": {"width": 1, "color": "#222"}},
                hovertemplate=plot_text(f"{tu.label}: chosen, lr {tu.lr:g}") +
                "<extra></extra>"))
    layout = base_layout(t, width, height)
    layout["margin"] = {"l": 70, "r": 20, "t": 10, "b": 50}
    layout["xaxis"] = {**axis_style(t, "learning rate"), "type": "log", "tickvals": [
        10.0 ** k for k in range(-5, 2)], "ticktext": [power_of_ten(k) for k in range(-5, 2)]}
    ytitle = {"final": "final f − f*", "mean": "mean f − f* over the run",
              "worst": "worst final f − f*", "reach": "steps to the minimum"}
    layout["yaxis"] = axis_style(t, ytitle.get(tunings[0].criterion if tunings else "final",
                                               "f − f*"))
    if not steps:
        layout["yaxis"].update(type="log", dtick=1, exponentformat="power")
    layout["legend"] = {"orientation": "h", "y": -0.25, "x": 0}
    layout["margin"]["b"] = 90
    fig.update_layout(**layout)
    return fig

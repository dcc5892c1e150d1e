"""The hyperparameter map: one racer's final loss over learning rate × momentum or β1
(:func:`hyper_figure`). Pure: no Streamlit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ._layout import TEXT_INSET, title_annotations
from ._style import Theme, axis_style, base_layout, get_theme
from ._text import num, plot_text
from .basins import LOSS_FLOOR, RING, RING_EDGE, STOPPED_COLOR
from .sensitivity import _log_ticks


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
        x=h.lrs, y=h.values, z=z, colorscale="Viridis", zsmooth=False, hoverongaps=False,
        colorbar={"title": {"text": bar, "side": "right", "font": t.font()},
                  "tickfont": t.font(), "thickness": 16},
        hovertemplate=f"lr %{{x:.3g}}, {h.second} %{{y:.3g}}<br>{bar} %{{z:.3g}}"
                      "<extra></extra>"))
    # The runs that diverged or left the map, painted grey by a heatmap of their own: the
    # plot's background stays white, so that only these cells are grey.
    stopped = np.where(r.status != 0, 1.0, np.nan).reshape(z.shape)
    fig.add_trace(go.Heatmap(
        x=h.lrs, y=h.values, z=stopped, colorscale=[[0, STOPPED_COLOR], [1, STOPPED_COLOR]],
        zmin=0, zmax=1, zsmooth=False, showscale=False, hoverongaps=False,
        name="diverged or left the map",
        hovertemplate=f"lr %{{x:.3g}}, {h.second} %{{y:.3g}}<br>diverged or left the map"
                      "<extra></extra>"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers",
                             name="diverged or left the map", marker={
                                 "symbol": "square", "size": t.font_size,
                                 "color": STOPPED_COLOR, "line": {"color": "#555", "width": 1}}))
    # The racer's own setting: a white ring edged in black on both sides, visible on every
    # colour of the scale and on the grey cells (an open symbol is drawn in its marker's
    # colour, at its line's width).
    at = {"x": [float(r.hyper["lr"])], "y": [current_second(h)], "mode": "markers",
          "cliponaxis": False, "showlegend": False}
    size = 1.1 * t.point_size
    fig.add_trace(go.Scatter(**at, hoverinfo="skip", name="ring edge", marker={
        "symbol": "circle-open", "size": size, "color": RING_EDGE,
        "line": {"color": RING_EDGE, "width": 6}}))
    fig.add_trace(go.Scatter(
        **at, name="ring", hovertemplate="this racer's setting: lr %{x:.3g}, " + h.second
        + " %{y:.3g}<extra></extra>",
        marker={"symbol": "circle-open", "size": size, "color": RING,
                "line": {"color": RING, "width": 3}}))
    # Its legend entry: on the white legend a white disc edged in black reads as the ring.
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers",
                             name=f"{plot_text(r.label)}'s setting", marker={
                                 "symbol": "circle", "size": size, "color": RING,
                                 "line": {"color": RING_EDGE, "width": 2.5}}))
    top = 12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 16
    left = 5 * 0.6 * t.font_size + 1.4 * t.axis_title_size + 16
    bottom = 1.4 * t.font_size + 1.4 * t.axis_title_size + 14 + 1.25 * t.font_size + 18
    right = 110 + t.font_size * 2
    fig.update_layout(
        **base_layout(t, width, height),
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
        text, sub, t, left=left, top=top, plot_h=height - top - bottom,
        x_px=TEXT_INSET))
    return fig

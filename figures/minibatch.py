"""What a minibatch racer saw at one update: the loss of that update's batch of rows, beside the
loss over every row, with the racers that drew that batch where they stood."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from landscapes import MODELS, Surface, grid
from landscapes._data_kernels import batch_rows
from landscapes.data import pack

from ._style import get_theme

#: Grid of the batch's loss (it is drawn small, beside the inspector's table).
GRID = 90


def batch_of(surface: Surface, size: int, seed: int, update: int) -> np.ndarray:
    """The row indices of update ``update``'s minibatch of ``size`` on ``surface``."""
    n = int(surface.p[1])
    return batch_rows(n, size, seed, update)[-1]


def batch_figure(race, update: int, size: int, racers: list[int], *,
                 theme: str = "article", width: int = 420, height: int = 360) -> go.Figure:
    """The loss of update ``update``'s minibatch of ``size`` rows (filled contours) with the
    loss over every row (dashed lines), and where each of ``racers`` (indices) stood before
    that update, with the step it took."""
    surf = race.surface
    t = get_theme(theme)
    n, d = int(surf.p[1]), int(surf.p[2])
    rows = surf.p[10:].reshape(n, d)[batch_of(surf, size, race.scene.seed, update)]
    sub = Surface(**{**{f: getattr(surf, f) for f in (
        "name", "title", "sid", "params", "param_spec", "bounds", "minima", "saddles", "start",
        "latex", "lesson", "reference", "log_scale", "f_min", "axes")},
        "p": pack(MODELS[surf.params["model"]], rows), "minima": [], "saddles": []})
    xs, ys, zb = grid(sub, GRID, GRID)
    _, _, zf = grid(surf, GRID, GRID)
    def scaled(z):  # each on its own log scale above its lowest value on the map
        lo, hi = np.nanmin(z), np.nanmax(z)
        return np.log10(z - lo + 1e-3 * max(hi - lo, 1e-12))

    fig = go.Figure()
    fig.add_trace(go.Contour(x=xs, y=ys, z=scaled(zb), ncontours=18,
                             colorscale=[[0, "#ffffff"], [0.6, "#e3e8ed"], [1, "#b8c3ce"]],
                             showscale=False,
                             line={"width": 0.6, "color": "rgba(30,45,60,0.3)"},
                             name=f"batch of {size}", hoverinfo="skip"))
    fig.add_trace(go.Contour(x=xs, y=ys, z=scaled(zf), ncontours=12,
                             contours={"coloring": "none"}, showscale=False,
                             line={"width": 1.2, "dash": "dash", "color": "rgba(150,30,60,0.6)"},
                             name="every row", hoverinfo="skip"))
    for i in racers:
        r = race.racers[i]
        xy = r.traj.xy
        if update >= len(xy):
            continue
        a, b = xy[update - 1], xy[update]
        fig.add_trace(go.Scatter(x=[a[0], b[0]], y=[a[1], b[1]], mode="lines+markers",
                                 name=r.label, line={"color": r.color, "width": 2.5},
                                 marker={"size": [9, 4], "color": r.color}))
    (x0, x1), (y0, y1) = surf.bounds
    fig.update_layout(
        width=width, height=height, margin={"l": 40, "r": 8, "t": 34, "b": 36},
        font={"family": t.font_family, "size": 12}, plot_bgcolor="#ffffff",
        title={"text": f"Update {update}: its batch of {size} (filled) and every row (dashed)",
               "font": {"size": 13}, "x": 0.02},
        xaxis={"range": [x0, x1], "title": {"text": surf.axes[0]}},
        yaxis={"range": [y0, y1], "title": {"text": surf.axes[1]}},
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}}, showlegend=True)
    return fig

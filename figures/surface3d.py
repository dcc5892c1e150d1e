"""The surface in 3-D with the paths lying on it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._layout import legend_grid
from ._style import SURFACE_COLORSCALE, Theme, get_theme
from ._text import legend_label, scene_subtitle, surface_title
from .landscape import MARK_COLOR, surface_field

GRID3D_N = 90


def surface3d_figure(race, *, theme: str | Theme = "article", step: int | None = None,
                     width: int = 900, height: int = 700, title: str | None = None,
                     n: int = GRID3D_N) -> go.Figure:
    """The loss surface (on the same log scale as the map when the surface asks for one) with
    every path drawn on it up to ``step``."""
    t = get_theme(theme)
    surf = race.surface
    field = surface_field(surf, n)
    fig = go.Figure(go.Surface(
        x=field.xs, y=field.ys, z=field.z, colorscale=SURFACE_COLORSCALE,
        cmin=field.zmin, cmax=field.zmax, showscale=False, opacity=0.95,
        contours={"z": {"show": True, "start": field.levels[0], "end": field.levels[1],
                        "size": field.levels[2], "color": "rgba(30,45,60,0.35)",
                        "width": 1}},
        lighting={"ambient": 0.75, "diffuse": 0.5, "specular": 0.05},
        hoverinfo="skip", name=surf.title))
    lift = 0.012 * (field.zmax - field.zmin)
    (x0, x1), (y0, y1) = surf.bounds

    def on_surface(x, y, z):
        """Heights of points on the drawn surface: never below the sampled grid, which is
        coarser than the narrowest valleys."""
        return np.maximum(z, _bilinear(field, x, y)) + lift

    labels = []
    for r in race.racers:
        traj = r.traj
        last = traj.n - 1 if step is None else max(0, min(int(step), traj.n - 1))
        xy = traj.xy[: last + 1]
        keep = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        z = on_surface(xy[:, 0], xy[:, 1], field.transform(traj.loss[: last + 1]))
        xs = np.where(keep, xy[:, 0], np.nan)  # gaps where the path leaves the map
        labels.append(legend_label(r, step=step))
        fig.add_trace(go.Scatter3d(
            x=xs, y=xy[:, 1], z=z, mode="lines", name=labels[-1],
            line={"color": r.color, "width": t.line_width * 2}, connectgaps=False,
            hovertemplate=f"{r.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
        if keep[-1]:
            fig.add_trace(go.Scatter3d(
                x=[xy[-1, 0]], y=[xy[-1, 1]], z=[z[-1]], mode="markers", showlegend=False,
                marker={"size": t.marker_size * 0.5, "color": r.color,
                        "symbol": "x" if traj.status == "diverged" and last == traj.n - 1
                        else "circle", "line": {"color": "#ffffff", "width": 1}},
                hoverinfo="skip"))
    mins = [m for m in surf.minima if x0 <= m.x <= x1 and y0 <= m.y <= y1]
    if mins:
        mx, my = np.array([m.x for m in mins]), np.array([m.y for m in mins])
        fig.add_trace(go.Scatter3d(
            x=mx, y=my, z=on_surface(mx, my, field.transform([m.f for m in mins])),
            mode="markers", name="minima",
            marker={"size": t.point_size * 0.35, "color": "#F0E442", "symbol": "diamond",
                    "line": {"color": MARK_COLOR, "width": 1}}))
        labels.append("minima")
    cols, rows, _ = legend_grid(labels, t.font_size, width - 30)
    legend_h = rows * (1.25 * t.font_size + 6) + 16
    aspect = (x1 - x0) / (y1 - y0)
    zlabel = "log₁₀(f − f*)" if field.log else "f(x, y)"

    def ax(title):
        return {"title": {"text": title, "font": t.font(t.axis_title_size)},
                "tickfont": t.font(max(t.font_size - 4, 10)), "gridcolor": "#d0d0d0",
                "nticks": 5,
                "backgroundcolor": t.background, "showbackground": True}

    layout = _style.base_layout(t, width, height)
    layout.update(
        scene={"xaxis": ax("x"), "yaxis": ax("y"), "zaxis": ax(zlabel),
               "aspectmode": "manual",
               "aspectratio": {"x": max(aspect, 1.0), "y": max(1 / aspect, 1.0), "z": 0.6},
               "camera": {"eye": {"x": 0.9, "y": -1.5, "z": 1.9}},
               "domain": {"x": [0, 1], "y": [legend_h / height, 1]}},
        margin={"l": 0, "r": 0, "t": 70, "b": 0},
        legend={"x": 0.01, "y": 0, "xanchor": "left", "yanchor": "bottom",
                "orientation": "h", "font": t.font(), "bgcolor": "rgba(0,0,0,0)",
                "entrywidthmode": "pixels", "entrywidth": (width - 30) / cols - 52},
        title={"text": title if title is not None else (race.scene.title or surface_title(race)),
               "x": 0.015, "xanchor": "left", "font": t.font(t.title_size),
               "subtitle": {"text": scene_subtitle(race), "font": t.font()}},
    )
    fig.update_layout(layout)
    return fig


def _bilinear(field, x, y) -> np.ndarray:
    """The sampled grid ``field.z`` interpolated at points (x, y) inside its extent."""
    xs, ys, z = field.xs, field.ys, np.nan_to_num(field.z, nan=field.zmax)
    x = np.clip(np.asarray(x, dtype=np.float64), xs[0], xs[-1])
    y = np.clip(np.asarray(y, dtype=np.float64), ys[0], ys[-1])
    fx = (x - xs[0]) / (xs[-1] - xs[0]) * (len(xs) - 1)
    fy = (y - ys[0]) / (ys[-1] - ys[0]) * (len(ys) - 1)
    i = np.clip(np.floor(fx).astype(int), 0, len(xs) - 2)
    j = np.clip(np.floor(fy).astype(int), 0, len(ys) - 2)
    u, v = fx - i, fy - j
    return ((1 - u) * (1 - v) * z[j, i] + u * (1 - v) * z[j, i + 1]
            + (1 - u) * v * z[j + 1, i] + u * v * z[j + 1, i + 1])

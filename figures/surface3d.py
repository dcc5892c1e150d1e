"""The surface in 3-D with the paths lying on it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import _style
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
    lift = 0.01 * (field.zmax - field.zmin)
    (x0, x1), (y0, y1) = surf.bounds
    for r in race.racers:
        traj = r.traj
        last = traj.n - 1 if step is None else max(0, min(int(step), traj.n - 1))
        xy = traj.xy[: last + 1]
        keep = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        z = field.transform(traj.loss[: last + 1]) + lift
        xs = np.where(keep, xy[:, 0], np.nan)  # gaps where the path leaves the map
        fig.add_trace(go.Scatter3d(
            x=xs, y=xy[:, 1], z=z, mode="lines", name=legend_label(r, step=step),
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
        fig.add_trace(go.Scatter3d(
            x=[m.x for m in mins], y=[m.y for m in mins],
            z=field.transform([m.f for m in mins]) + lift, mode="markers", name="minima",
            marker={"size": t.point_size * 0.35, "color": "#F0E442", "symbol": "diamond",
                    "line": {"color": MARK_COLOR, "width": 1}}))
    aspect = (x1 - x0) / (y1 - y0)
    zlabel = "log₁₀(f − f*)" if field.log else "f(x, y)"

    def ax(title):
        return {"title": {"text": title, "font": t.font(t.axis_title_size)},
                "tickfont": t.font(max(t.font_size - 2, 10)), "gridcolor": "#d0d0d0",
                "backgroundcolor": t.background, "showbackground": True}

    layout = _style.base_layout(t, width, height)
    layout.update(
        scene={"xaxis": ax("x"), "yaxis": ax("y"), "zaxis": ax(zlabel),
               "aspectmode": "manual",
               "aspectratio": {"x": max(aspect, 1.0), "y": max(1 / aspect, 1.0), "z": 0.6},
               "camera": {"eye": {"x": -1.45, "y": -1.55, "z": 1.05}}},
        margin={"l": 0, "r": 0, "t": 70, "b": 0},
        legend={"x": 0.01, "y": 0.02, "xanchor": "left", "yanchor": "bottom",
                "font": t.font(), "bgcolor": "rgba(255,255,255,0.8)"},
        title={"text": title if title is not None else (race.scene.title or surface_title(race)),
               "x": 0.015, "xanchor": "left", "font": t.font(t.title_size),
               "subtitle": {"text": scene_subtitle(race), "font": t.font()}},
    )
    fig.update_layout(layout)
    return fig

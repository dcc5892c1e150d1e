"""The surface in 3-D with the paths lying on it."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from . import _style
from ._layout import legend_grid, text_px
from ._style import Theme, get_theme
from ._text import legend_label, plot_text, scene_subtitle, surface_title
from .landscape import _nice_step, surface_field
from .mapspec import map_spec, racer_style

GRID3D_N = 90


def surface3d_figure(race, *, theme: str | Theme = "article", step: int | None = None,
                     width: int = 900, height: int = 700, title: str | None = None,
                     n: int = GRID3D_N) -> go.Figure:
    """The loss surface (on the same log scale as the map when the surface asks for one) with
    every path drawn on it up to ``step``."""
    t = get_theme(theme)
    surf = race.surface
    field = surface_field(surf, n)
    spec = map_spec(surf)  # colours, markers and z scale shared with the map and the player
    fig = go.Figure(go.Surface(
        x=field.xs, y=field.ys, z=field.z, colorscale=spec.colorscale,
        cmin=field.zmin, cmax=field.zmax, showscale=False, opacity=0.95,
        contours={"z": {"show": True, "start": field.levels[0], "end": field.levels[1],
                        "size": field.levels[2], "color": "rgba(30,45,60,0.35)",
                        "width": 1}},
        lighting={"ambient": 0.75, "diffuse": 0.5, "specular": 0.05},
        hoverinfo="skip", name=surf.title))
    lift = 0.012 * (field.zmax - field.zmin)

    def on_surface(x, y, z):
        """Heights of points on the drawn surface: never below the sampled grid, which is
        coarser than the narrowest valleys."""
        return np.maximum(z, _bilinear(field, x, y)) + lift

    labels = _paths3d(fig, race, field, t, step, on_surface)
    labels += _marks3d(fig, spec, surf.bounds, t, on_surface)
    layout = _layout3d(race, field, spec, t, width, height, labels)
    layout["title"] = {"text": plot_text(title if title is not None
                                         else (race.scene.title or surface_title(race))),
                       "x": 0.015, "xanchor": "left", "font": t.font(t.title_size),
                       "subtitle": {"text": scene_subtitle(race), "font": t.font()}}
    fig.update_layout(layout)
    return fig


def _paths3d(fig: go.Figure, race, field, t: Theme, step: int | None, on_surface) -> list[str]:
    """Each racer's path lying on the surface up to ``step`` (gaps where it leaves the map),
    and its end marker while on the map. Returns the legend's labels."""
    (x0, x1), (y0, y1) = race.surface.bounds
    labels = []
    for i, r in enumerate(race.racers):
        traj = r.traj
        style = racer_style(i)  # the 3-D view's dash pattern and marker for racer i
        last = traj.n - 1 if step is None else max(0, min(int(step), traj.n - 1))
        xy = traj.xy[: last + 1]
        keep = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        z = on_surface(xy[:, 0], xy[:, 1], field.transform(traj.loss[: last + 1]))
        xs = np.where(keep, xy[:, 0], np.nan)  # gaps where the path leaves the map
        labels.append(legend_label(r, step=step))
        fig.add_trace(go.Scatter3d(
            x=xs, y=xy[:, 1], z=z, mode="lines", name=labels[-1],
            line={"color": r.color, "width": t.line_width * 2, "dash": style.dash3d},
            connectgaps=False,
            hovertemplate=f"{plot_text(r.label)}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
        if keep[-1]:
            fig.add_trace(go.Scatter3d(
                x=[xy[-1, 0]], y=[xy[-1, 1]], z=[z[-1]], mode="markers", showlegend=False,
                marker={"size": t.marker_size * 0.5, "color": r.color,
                        "symbol": "x" if traj.status == "diverged" and last == traj.n - 1
                        else style.symbol3d, "line": {"color": "#ffffff", "width": 1}},
                hoverinfo="skip"))
    return labels


def _marks3d(fig: go.Figure, spec, bounds, t: Theme, on_surface) -> list[str]:
    """The map's marks on the map (minima, saddles) on the surface, one trace per kind.
    Returns their legend labels."""
    (x0, x1), (y0, y1) = bounds
    labels = []
    for kind in spec.kinds():
        pts = [m for m in spec.markers
               if m.kind == kind and x0 <= m.x <= x1 and y0 <= m.y <= y1]
        if not pts:
            continue
        style = spec.styles[kind]
        mx, my = np.array([m.x for m in pts]), np.array([m.y for m in pts])
        fig.add_trace(go.Scatter3d(
            x=mx, y=my, z=on_surface(mx, my, np.array([m.z for m in pts])),
            mode="markers", name=style.name(len(pts)), meta={"kind": kind},
            marker={"size": t.point_size * 0.35 * style.size, "symbol": style.symbol3d,
                    "color": style.fill or style.line,
                    "line": {"color": style.line, "width": 1}},
            hovertemplate=f"{style.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
        labels.append(fig.data[-1].name)
    return labels


def _layout3d(race, field, spec, t: Theme, width: int, height: int, labels: list[str]) -> dict:
    """The 3-D scene's layout (without its title): the axes and their ticks, the camera that
    fits the box and its labels into the scene's rectangle, and the legend below it."""
    (x0, x1), (y0, y1) = race.surface.bounds
    cols, rows, _ = legend_grid(labels, t.font_size, width - 30)
    legend_h = rows * (1.25 * t.font_size + 6) + 16
    aspect = (x1 - x0) / (y1 - y0)
    zlabel = spec.zscale.axis_label

    tick_size = max(t.font_size - 4, 10)
    ticks = {"x": axis_ticks(x0, x1), "y": axis_ticks(y0, y1),
             "z": axis_ticks(field.zmin, field.zmax)}

    def ax(title, which, size=tick_size):
        # Ticks at a few round values away from both ends of the axis, where the three axes of
        # the box meet and their labels would overlap, written short ("25k", not "25000"),
        # level (Plotly otherwise tilts them along the view, across the axis titles).
        vals, text = ticks[which]
        return {"title": {"text": title, "font": t.font(t.axis_title_size)},
                "tickfont": t.font(size), "gridcolor": "#d0d0d0",
                "tickmode": "array", "tickvals": vals, "ticktext": text, "tickangle": 0,
                "backgroundcolor": t.background, "showbackground": True}

    # Plotly draws the tick labels and axis titles of a 3-D scene inside the scene's own
    # rectangle (its domain) and cuts off whatever sticks out ("00" left of 3000): the camera
    # is placed so that the box, with room for the labels around it, fits that rectangle.
    margin = margins3d(t)
    dom_w = width - margin["l"] - margin["r"]
    plot_h = height - margin["t"] - margin["b"]
    dom_h = plot_h - legend_h
    ratio = {"x": max(aspect, 1.0), "y": max(1 / aspect, 1.0), "z": 0.6}
    longest = max((text_px(s, tick_size) for _, text in ticks.values() for s in text), default=0)
    pad = label_room(longest, t.axis_title_size)
    camera = fit_camera(ratio, dom_w, dom_h, pad)
    # The z axis is short on screen (seen from above): no more ticks than fit along it.
    corners = project_box(ratio, camera, dom_w, dom_h)
    z_px = float(np.min(np.hypot(*(corners[1::2] - corners[::2]).T)))
    ticks["z"] = axis_ticks(field.zmin, field.zmax,
                            most=max(2, int(z_px * 0.76 // (2.2 * tick_size)) + 1))
    # Plotly puts the z title a fixed distance from the axis, beyond its tick labels: labels
    # wider than Z_TICK_PX run into it, so the z labels get smaller where they are wide.
    z_size = z_tick_size(ticks["z"][1], tick_size)

    layout = _style.base_layout(t, width, height)
    layout.update(
        scene={"xaxis": {**ax(race.surface.axes[0], "x"), "range": [x0, x1]},
               "yaxis": {**ax(race.surface.axes[1], "y"), "range": [y0, y1]},
               "zaxis": ax(zlabel, "z", z_size),
               "aspectmode": "manual", "aspectratio": ratio,
               "camera": camera,
               "domain": {"x": [0, 1], "y": [min(legend_h / plot_h, 0.5), 1]}},
        margin=margin,
        legend={"x": 0.01, "y": 0, "xanchor": "left", "yanchor": "bottom",
                "orientation": "h", "font": t.font(), "bgcolor": "rgba(0,0,0,0)",
                "entrywidthmode": "pixels", "entrywidth": (width - 30) / cols - 52},
    )
    return layout


#: The direction the 3-D view looks from (x, y, z of Plotly's camera eye, up to a scale).
VIEW_DIRECTION = (0.9, -1.5, 1.9)
#: Vertical field of view of Plotly's 3-D camera (radians).
FOVY = math.pi / 4


#: The widest z tick label (px) that stays clear of the z axis title.
Z_TICK_PX = 31.0


def z_tick_size(labels: list[str], size: float, smallest: float = 10) -> float:
    """The largest font size up to ``size`` at which every label is at most ``Z_TICK_PX``
    wide (but not below ``smallest``)."""
    widest = max(labels, key=lambda s: text_px(s, size), default="")
    while size > smallest and text_px(widest, size) > Z_TICK_PX:
        size -= 1
    return size


def margins3d(t: Theme) -> dict:
    """Margins (px) of the 3-D figure: the title and subtitle above the scene; a thin edge at
    the sides and below (the legend sits at the bottom of the plot area)."""
    top = round(12 + 1.3 * t.title_size + 2 + 1.3 * t.font_size + 12)
    return {"l": 8, "r": 8, "t": max(70, top), "b": 4, "pad": 0}


def label_room(tick_px: float, title_size: float) -> dict:
    """Pixels to keep free between the box and each edge of the scene's rectangle: a tick
    label ``tick_px`` wide, the gaps Plotly leaves and the axis title beyond it. Seen from
    ``VIEW_DIRECTION`` the z labels are on the left, the x and y labels below."""
    beside = 12 + tick_px + 14 + 1.4 * title_size
    return {"left": beside, "right": beside, "bottom": beside, "top": 12}


def project_box(ratio: dict, camera: dict, width: float, height: float) -> np.ndarray:
    """Pixel positions (x right, y down) of the 8 corners of the 3-D box, aspect ``ratio``,
    in a scene ``width`` × ``height`` px seen by ``camera`` (Plotly's ``eye`` and ``center``,
    z up): a perspective view with a vertical field of view of ``FOVY``, in units where the
    box spans ±ratio/2. Corners are listed with z varying fastest (pairs of vertical edges)."""
    e = np.array([camera["eye"][k] for k in "xyz"], dtype=np.float64)
    c = np.array([camera.get("center", {}).get(k, 0.0) for k in "xyz"], dtype=np.float64)
    fwd = (c - e) / np.linalg.norm(c - e)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    half = 0.5 * np.array([ratio["x"], ratio["y"], ratio["z"]])
    corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1)
                        for sz in (-1, 1)]) * half - e
    depth = corners @ fwd
    t = math.tan(FOVY / 2)
    xn = corners @ right / (depth * t) * (height / width)
    yn = corners @ up / (depth * t)
    return np.column_stack([width / 2 * (1 + xn), height / 2 * (1 - yn)])


def fit_camera(ratio: dict, width: float, height: float, pad: dict) -> dict:
    """Plotly's ``camera`` (``eye``, ``center``, ``up``) looking along ``VIEW_DIRECTION``, as
    close as it can be while the projected box keeps ``pad`` pixels free to each edge of the
    ``width`` × ``height`` scene; the point looked at moves up or down to use the height."""
    d = np.array(VIEW_DIRECTION) / np.linalg.norm(VIEW_DIRECTION)
    lo_x, hi_x = pad["left"], width - pad["right"]
    lo_y, hi_y = pad["top"], height - pad["bottom"]
    shifts = np.linspace(-0.6, 0.6, 61)
    camera = None
    for dist in np.arange(1.2, 8.0, 0.02):
        best = None
        for cz in shifts:
            cam = {"eye": dict(zip("xyz", (float(v) for v in d * dist + [0, 0, cz]),
                                   strict=True)),
                   "center": {"x": 0.0, "y": 0.0, "z": float(cz)}}
            pts = project_box(ratio, cam, width, height)
            if pts[:, 0].min() < lo_x or pts[:, 0].max() > hi_x:
                break  # too close: moving up or down does not change the width much
            slack = min(pts[:, 1].min() - lo_y, hi_y - pts[:, 1].max())
            if slack >= 0 and (best is None or slack > best[0]):
                best = (slack, cam)
        camera = best[1] if best else camera
        if best:
            break
    if camera is None:
        camera = {"eye": dict(zip("xyz", (float(v) for v in d * 8.0), strict=True)),
                  "center": {"x": 0.0, "y": 0.0, "z": 0.0}}
    return {"eye": {k: round(v, 4) for k, v in camera["eye"].items()},
            "center": {k: round(v, 4) for k, v in camera["center"].items()},
            "up": {"x": 0, "y": 0, "z": 1}}


def axis_ticks(lo: float, hi: float, target: int = 4, inset: float = 0.12,
               most: int = 5) -> tuple[list[float], list[str]]:
    """About ``target`` (at most ``most``) round tick values inside ``[lo, hi]`` but at least
    ``inset`` of the span from either end, and short labels for them (25000 → "25k")."""
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return [], []
    a, b = lo + inset * span, hi - inset * span
    best = None
    for n in range(1, 9):
        step = _nice_step(span, n)
        vals = np.arange(math.ceil(a / step) * step, b + 1e-9 * span, step)
        if 1 <= len(vals) <= max(1, most):
            score = (abs(len(vals) - target), -step)
            if best is None or score < best[0]:
                best = (score, vals)
    vals = [] if best is None else [0.0 if abs(v) < 1e-9 * span else float(v) for v in best[1]]
    return vals, [short_number(v) for v in vals]


def short_number(v: float) -> str:
    """A short tick label: 0.5, −2, 250, 3000, 25k, 1.2M, 2.5e-05."""
    a = abs(v)
    if a == 0:
        text = "0"
    elif a >= 1e4:
        for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if a >= div:
                text = f"{a / div:.3g}{suffix}" if a / div < 1000 else f"{a:.0e}"
                break
    elif a >= 1e-3:
        text = f"{a:.4g}"
    else:
        text = f"{a:.2g}"
    return ("−" if v < 0 else "") + text


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

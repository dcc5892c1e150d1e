"""The race player's payload: a Race turned into compact JSON-ready data.

Pure (no Streamlit): the app passes the result to ``ui.player.race_player``, which sends the
NumPy arrays as one binary buffer (paths in float64, grids in float32).
"""

from __future__ import annotations

import numpy as np

from landscapes import Surface, grid
from scene.race import Race

GRID_N = 140
GRID3D_N = 60
LOG_EPS_FRACTION = 1e-6


def log_floor(surface: Surface, z: np.ndarray) -> float:
    """The small value added before taking log10(f − f*), relative to the surface's range."""
    span = float(np.nanmax(z) - surface.f_min) if np.isfinite(z).any() else 1.0
    return max(span * LOG_EPS_FRACTION, 1e-12)


def surface_payload(surface: Surface, n: int = GRID_N, n3d: int = GRID3D_N) -> dict:
    """Contour grid (log-transformed where the surface asks for it), a coarser grid for 3-D,
    minima and saddles."""
    xs, ys, z = grid(surface, n, n)
    use_log = surface.log_scale and surface.f_min is not None
    if use_log:
        eps = log_floor(surface, z)
        zc = np.log10(np.maximum(z - surface.f_min, 0.0) + eps)
        zlabel = "log₁₀(f − f*)"
    else:
        zc = z
        zlabel = "f(x, y)"
    x3, y3, z3 = grid(surface, n3d, n3d)
    (x0, x1), (y0, y1) = surface.bounds
    return {
        "title": surface.title,
        "x": xs, "y": ys, "z": zc, "log": bool(use_log), "zlabel": zlabel,
        "x3d": x3, "y3d": y3, "z3d": z3,
        "minima": [[m.x, m.y, m.f] for m in surface.minima],
        "saddles": [[s.x, s.y, s.f] for s in surface.saddles],
        "xrange": [x0, x1], "yrange": [y0, y1],
    }


def loss_axis(surface: Surface) -> tuple[bool, str]:
    if surface.f_min is not None:
        return True, "loss − f*  (log scale)"
    return False, "loss"


def loss_values(surface: Surface, loss: np.ndarray) -> np.ndarray:
    """What the loss plot shows: the gap to the global minimum (floored for the log axis), or the
    loss itself on surfaces without a global minimum."""
    if surface.f_min is None:
        return loss
    return np.maximum(loss - surface.f_min, 1e-16)


def race_payload(race: Race, surface_data: dict, *, arrows: bool = False,
                 step: int | None = None, revision=None, font_size: int = 16) -> dict:
    """Everything the player draws. ``surface_data`` comes from :func:`surface_payload` (kept
    apart so the app can cache it per surface)."""
    surf = race.surface
    log, label = loss_axis(surf)
    paths = []
    for r in race.racers:
        t = r.traj
        p = {
            "label": r.label, "color": r.color,
            "x": t.xy[:, 0], "y": t.xy[:, 1], "loss": t.loss,
            "loss_y": loss_values(surf, t.loss),
            "lr": t.lr if race.schedule_active else None,
            "status": t.status, "diverged_at": t.diverged_at, "arrows": None,
        }
        if arrows and t.grads is not None:
            p["arrows"] = {"grad": t.grads, "update": t.updates}
        paths.append(p)
    x0, y0 = race.scene.start_point()
    out = {
        "surface": surface_data, "paths": paths, "steps": race.scene.steps,
        "loss_label": label, "loss_log": log, "show_lr": race.schedule_active,
        "start": [x0, y0], "revision": revision, "theme": {"font_size": font_size},
    }
    if step is not None:
        out["step"] = int(step)
    return out

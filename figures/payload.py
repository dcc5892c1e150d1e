"""The race player's payload: a Race turned into compact JSON-ready data.

Pure (no Streamlit): the app passes the result to ``ui.player.race_player``, which sends the
NumPy arrays as one binary buffer (paths in float64, grids in float32).
"""

from __future__ import annotations

import numpy as np

from landscapes import Surface, grid
from landscapes.data import held_out
from scene.race import Race

from .curves import loss_gap
from .landscape import surface_field
from .mapspec import (
    UNDEFINED_COLOR,
    UNDEFINED_TEXT,
    map_spec,
    racer_dash,
    racer_symbol,
    undefined_mask,
)

GRID_N = 140
GRID3D_N = 90  # as the exported 3-D figure (figures.surface3d)


def surface_payload(surface: Surface, n: int = GRID_N, n3d: int = GRID3D_N) -> dict:
    """Contour grid (log-transformed where the surface asks for it), a coarser grid for 3-D
    on the same scale, minima and saddles, and the map's specification
    (:func:`figures.mapspec.map_spec`: ``colorscale``, ``contour_line``, ``marker_styles``,
    ``markers`` with their kinds, ``map_key`` and ``zscale``), which the player draws as the
    exported figures do."""
    field = surface_field(surface, n)  # the same colour transform as the exported maps
    field3d = surface_field(surface, n3d)  # the same z scale as the exported 3-D figure
    spec = map_spec(surface)
    (x0, x1), (y0, y1) = surface.bounds
    return {
        "title": surface.title,
        "x": field.xs, "y": field.ys, "z": field.z, "log": field.log,
        "zlabel": spec.zscale.axis_label,
        "x3d": field3d.xs, "y3d": field3d.ys, "z3d": field3d.z,
        "minima": [[m.x, m.y, m.f] for m in surface.minima],
        "saddles": [[s.x, s.y, s.f] for s in surface.saddles],
        "xrange": [x0, x1], "yrange": [y0, y1], "axes": list(surface.axes),
        **spec.to_dict(),
        **_undefined(surface, field),
    }


def _undefined(surface: Surface, field) -> dict:
    """A typed formula's map where f is not defined: 1 there, NaN elsewhere (player shades it)."""
    mask = undefined_mask(surface, len(field.xs))
    if mask is None:
        return {}
    return {"undefined": mask, "undefined_color": UNDEFINED_COLOR,
            "undefined_text": UNDEFINED_TEXT}


def test_grid(surface: Surface, shift: tuple[float, float] | None,
              n: int = GRID_N) -> np.ndarray:
    """The test loss on the map's grid and on its colour scale, for the dashed contours the
    player draws over the map: the held-out rows' loss on a data surface with a split, else
    the training surface shifted by ``shift``."""
    field = surface_field(surface, n)
    held = held_out(surface)
    with np.errstate(all="ignore"):
        if held is not None:  # on the training loss's scale: below its f*, at its floor
            f = grid(held, len(field.xs), len(field.ys))[2]
            f = np.maximum(f, map_spec(surface).zscale.f_star)
        else:
            gx, gy = np.meshgrid(field.xs, field.ys)
            f = surface.value(gx - shift[0], gy - shift[1])
        z = map_spec(surface).zscale.transform(f)
    z[~np.isfinite(z)] = np.nan
    return z


def loss_axis(surface: Surface) -> tuple[bool, str]:
    if surface.f_min is not None:
        return True, "loss − f*  (log scale)"
    return False, "loss"


def loss_values(surface: Surface, loss: np.ndarray) -> np.ndarray:
    """What the loss plot shows: the gap to the global minimum (floored for the log axis), or the
    loss itself on surfaces without a global minimum."""
    if surface.f_min is None:
        return loss
    return loss_gap(surface, loss)


def race_payload(race: Race, surface_data: dict, *, arrows: bool = False,
                 step: int | None = None, revision=None, font_size: int = 16) -> dict:
    """Everything the player draws. ``surface_data`` comes from :func:`surface_payload` (kept
    apart so the app can cache it per surface)."""
    surf = race.surface
    log, label = loss_axis(surf)
    paths = []
    for i, r in enumerate(race.racers):
        t = r.traj
        p = {
            "label": r.label, "color": r.color,
            "symbol": racer_symbol(i), "dash": racer_dash(i),
            "x": t.xy[:, 0], "y": t.xy[:, 1], "loss": t.loss,
            "loss_y": loss_values(surf, t.loss),
            "lr": t.lr if race.schedule_active else None,
            "status": t.status, "diverged_at": t.diverged_at, "arrows": None,
            "off_map_at": t.off_map_at,
        }
        if arrows and t.grads is not None:
            p["arrows"] = {"grad": t.grads, "update": t.updates}
        paths.append(p)
    x0, y0 = race.scene.start_point()
    if race.scene.test_shift is not None or held_out(surf) is not None:
        surface_data = {**surface_data, "test_z": test_grid(surf, race.scene.test_shift),
                        **({"test_shift": list(race.scene.test_shift)}
                           if race.scene.test_shift is not None else {})}
    out = {
        "surface": surface_data, "paths": paths, "steps": race.scene.steps,
        "loss_label": label, "loss_log": log, "show_lr": race.schedule_active,
        "start": [x0, y0], "revision": revision, "theme": {"font_size": font_size},
    }
    if step is not None:
        out["step"] = int(step)
    return out

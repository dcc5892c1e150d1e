"""From a scene to results: every racer's trajectory and the numbers the metrics table shows.

Pure numerics (NumPy + the compiled core); the app caches :func:`simulate` and the exporters
call it directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from landscapes import DATA, Surface
from landscapes.data import held_out
from optimizers import Trajectory, run
from optimizers import off_map_since as _off_map_since

from . import Scene

#: "Reached the minimum" means the loss came within this of the surface's global minimum value.
DEFAULT_TOL = 1e-3


@dataclass
class Racer:
    label: str
    color: str
    optimizer: str
    hyper: dict
    traj: Trajectory
    own: dict = field(default_factory=dict)  # its own schedule, noise, sparsity (see Entry)


@dataclass
class Race:
    scene: Scene
    surface: Surface
    racers: list[Racer]

    @property
    def schedule_active(self) -> bool:
        """Whether any racer's learning rate follows a schedule (the scene's or its own)."""
        scheds = [self.scene.schedule] + [r.own["schedule"] for r in self.racers
                                          if "schedule" in r.own]
        return any(s.get("name", "constant") != "constant" for s in scheds)


def simulate(scene: Scene, record: bool = False) -> Race:
    """Run every optimizer of ``scene``. Raises ``ValueError`` for an unusable scene (the
    forgiving readers in :mod:`scene` never produce one)."""
    surf = scene.surface_obj()
    start = scene.start_point()
    racers = []
    for label, color, entry in zip(scene.labels(), scene.colors(), scene.optimizers,
                                   strict=True):
        hp = entry.full_hyper()
        settings = scene.settings_of(entry)  # the racer's own, else the scene's
        sched = dict(settings["schedule"])
        if sched.get("name", "constant") == "constant" and len(sched) == 1:
            sched = None
        traj = run(surf, entry.optimizer, start=start, steps=scene.steps, schedule=sched,
                   noise=settings["noise"], sparsity=settings["sparsity"], seed=scene.seed,
                   batch_size=settings["batch"], record=record, **hp)
        racers.append(Racer(label, color, entry.optimizer, hp, traj, entry.own()))
    return Race(scene, surf, racers)


def steps_to_reach(loss: np.ndarray, f_min: float | None, tol: float) -> int | None:
    """First step at which the loss is within ``tol`` of ``f_min`` (None: never).

    Within means on either side: a surface may fall below its catalogued minimum outside its
    usual domain (McCormick does), and running off there is not reaching the minimum."""
    if f_min is None:
        return None
    hit = np.flatnonzero(np.abs(loss - f_min) <= tol)
    return int(hit[0]) if hit.size else None


def path_length(xy: np.ndarray) -> float:
    return float(np.sum(np.hypot(*np.diff(xy, axis=0).T))) if len(xy) > 1 else 0.0


def off_map_since(surface: Surface, xy: np.ndarray) -> int | None:
    """The step from which the path stays outside the map as drawn (``surface.bounds``), or
    None when it ends on the map. A run stops only far outside the map (at ``surface.limit``,
    50 times its size), so a path can run off the map long before it stops."""
    return _off_map_since(surface.bounds, xy)


def ended_in(surface: Surface, xy: np.ndarray, loss: np.ndarray) -> str:
    """Which listed minimum the run ended in, in words."""
    x, y = xy[-1]
    if off_map_since(surface, xy) is not None:
        return f"off the map, at ({x:.3g}, {y:.3g})"
    scale = max(surface.bounds[0][1] - surface.bounds[0][0],
                surface.bounds[1][1] - surface.bounds[1][0])
    idx = surface.nearest_minimum(x, y, 0.02 * scale)
    if idx is None:
        if len(xy) < 2:
            return "—"
        for s in surface.saddles:
            if math.hypot(x - s.x, y - s.y) <= 0.02 * scale:
                return f"saddle ({s.x:.3g}, {s.y:.3g})"
        if not np.any(xy[1:] != xy[0]):
            return "none (never moved)"
        last = math.hypot(*(xy[-1] - xy[-2]))
        return "none (still moving)" if last > 1e-9 * scale else "none (stopped)"
    m = surface.minima[idx]
    kind = "global" if surface.f_min is not None and abs(m.f - surface.f_min) <= 1e-9 * max(
        1.0, abs(surface.f_min)) else "local"
    return f"{kind} ({m.x:.3g}, {m.y:.3g})"


def has_test(race: Race) -> bool:
    """Whether the race has a test loss: a test surface (the training surface shifted), or a
    data surface with rows held out."""
    return race.scene.test_shift is not None or held_out(race.surface) is not None


def test_losses(race: Race, xy) -> np.ndarray:
    """The test loss at each point of ``xy`` (n, 2): the held-out rows' loss on a data surface
    with a split, else the scene's test surface, the training surface shifted by
    ``test_shift`` (so f_test(x, y) = f(x − dx, y − dy))."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    held = held_out(race.surface)
    with np.errstate(all="ignore"):
        if held is not None:
            return held.value(xy[:, 0], xy[:, 1])
        dx, dy = race.scene.test_shift
        return race.surface.value(xy[:, 0] - dx, xy[:, 1] - dy)


def test_loss(race: Race, point) -> float:
    """The test loss at ``point`` (see :func:`test_losses`)."""
    return float(test_losses(race, point)[0])


def sharpness(surface, point) -> float:
    """The largest eigenvalue of the training loss's exact Hessian at ``point``: how sharply
    the loss curves there, in its steepest direction."""
    hxx, hxy, hyy = surface.hessian(float(point[0]), float(point[1]))
    return float(0.5 * (hxx + hyy) + math.hypot(0.5 * (hxx - hyy), hxy))


def metrics(race: Race, tol: float = DEFAULT_TOL) -> list[dict]:
    """One row per racer: final and best loss, steps to reach the global minimum, the minimum it
    ended in, path length and status."""
    rows = []
    for r in race.racers:
        t = r.traj
        reach = steps_to_reach(t.loss, race.surface.f_min, tol)
        status = t.stop_text or "completed"
        rows.append({
            "optimizer": r.label,
            "final loss": float(t.loss[-1]),
            "best loss": float(np.min(t.loss)),
            "steps to minimum": "never" if reach is None else f"{reach:,}",
            "ended in": ended_in(race.surface, t.xy, t.loss) if t.status == "completed"
            else "— (diverged)" if t.status == "diverged"
            else "— (left the domain)" if t.status == "domain" else "— (left the map)",
            "path length": path_length(t.xy),
            "status": status,
        })
        if has_test(race):
            rows[-1]["test loss"] = test_loss(race, t.xy[-1])
        if race.surface.name == DATA:
            rows[-1]["sharpness"] = sharpness(race.surface, t.xy[-1])
        if race.surface.ray is not None:
            rows[-1]["angle to the max-margin direction"] = angle_to_ray(race.surface, t.xy[-1])
    return rows


def angle_to_ray(surface, point) -> float:
    """The angle in degrees between the weights at ``point`` and the surface's max-margin
    direction (separable data): 0 once the weights point where gradient descent ends up."""
    x, y = float(point[0]), float(point[1])
    if x == 0.0 and y == 0.0:
        return float("nan")
    d = math.atan2(y, x) - surface.ray
    return abs(math.degrees(math.atan2(math.sin(d), math.cos(d))))

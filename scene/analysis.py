"""Beyond one path: the numbers behind the analysis views, each computed by one sweep per racer.

``basins``       where each start of a grid over the map ends up, for every racer
``sensitivity``  final loss and steps to the minimum against the learning rate, from the start
``hyper``        final loss over a grid of learning rate × momentum (or β1), for one racer

Each racer runs with its own settings as in the race (:func:`scene.race.simulate`): its
hyperparameters, schedule, noise, sparsity and the scene's seed and steps; only the swept
quantity changes. Pure numerics (NumPy + the compiled sweep); the app caches these results and
the exporters call them directly. ``progress(fraction)`` is called between chunks of work; a
``False`` answer stops the computation with ``SweepCancelled``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace

import numpy as np

from optimizers import OPTIMIZERS, STATUS_NAMES, sweep
from optimizers._sweep import MAX_WORK  # noqa: F401  (re-exported: the most run-steps at once)

from .model import BASIN_GRID, BASIN_GRIDS, Scene
from .race import DEFAULT_TOL

LR_RANGE = (1e-5, 10.0)
SENSITIVITY_POINTS = 240
HYPER_LRS, HYPER_SECOND = 61, 41  # the hyperparameter map's grid: learning rates × second axis
SECOND_MAX = 0.99

LEFT, DIVERGED = STATUS_NAMES.index("left"), STATUS_NAMES.index("diverged")


def _run_settings(scene: Scene, entry) -> dict:
    """The keyword arguments of a sweep that runs ``entry`` as the race runs it."""
    own = scene.settings_of(entry)
    sched = dict(own["schedule"])
    if sched.get("name", "constant") == "constant" and len(sched) == 1:
        sched = None
    return {"steps": scene.steps, "schedule": sched, "noise": own["noise"],
            "sparsity": own["sparsity"], "seed": scene.seed, "batch_size": own["batch"],
            "tol": DEFAULT_TOL}


def _progress(progress, part: int, parts: int):
    """A sweep's ``progress(done, total)`` reporting the whole computation's fraction."""
    if progress is None:
        return None
    return lambda done, total: progress((part + done / max(total, 1)) / parts)


@dataclass
class RacerOutcome:
    """One racer's runs, in the order of its sweep."""

    label: str
    color: str
    optimizer: str
    hyper: dict
    final_loss: np.ndarray
    reach: np.ndarray  # first step within tol of the minimum it ended at (see below), or -1
    nearest: np.ndarray  # listed minimum ended near, or -1
    status: np.ndarray  # STATUS_NAMES index
    ended_at: np.ndarray
    end: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        arrays = (self.final_loss, self.reach, self.nearest, self.status, self.ended_at,
                  self.end)
        return sum(a.nbytes for a in arrays if a is not None)


@dataclass
class Basins:
    scene: Scene
    surface: object
    xs: np.ndarray  # cell centres along x (n,)
    ys: np.ndarray  # cell centres along y (n,)
    racers: list[RacerOutcome]

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.racers) + self.xs.nbytes + self.ys.nbytes


def grid_centres(bounds, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` cell centres along each side of the map ``bounds``."""
    (x0, x1), (y0, y1) = bounds
    return (x0 + (np.arange(n) + 0.5) * (x1 - x0) / n,
            y0 + (np.arange(n) + 0.5) * (y1 - y0) / n)


def basins(scene: Scene, n: int = BASIN_GRID, progress=None) -> Basins:
    """Every racer from each of n × n starts over the map. ``reach`` is the first step whose
    loss is within the tolerance of the value of the minimum the run ended at (the global
    minimum's value for a global one), so that a local minimum has an arrival time too."""
    surf = scene.surface_obj()
    xs, ys = grid_centres(surf.bounds, n)
    gx, gy = np.meshgrid(xs, ys)
    starts = np.column_stack([gx.ravel(), gy.ravel()])
    out = []
    labels, colors = scene.labels(), scene.colors()
    for i, entry in enumerate(scene.optimizers):
        hp = entry.full_hyper()
        kw = _run_settings(scene, entry)
        res = sweep(surf, entry.optimizer, starts, progress=_progress(progress, i, len(
            scene.optimizers)), **kw, **hp)
        reach = _local_arrivals(surf, entry.optimizer, res, kw, hp)
        out.append(RacerOutcome(labels[i], colors[i], entry.optimizer, hp, res.final_loss,
                                reach, res.nearest.astype(np.int16), res.status,
                                res.ended_at.astype(np.int32), res.end))
    return Basins(scene, surf, xs, ys, out)


def _local_arrivals(surf, optimizer: str, res, kw: dict, hp: dict) -> np.ndarray:
    """``res.reach`` for runs that ended at a global minimum; for a run that ended at a local
    minimum, the first step within the tolerance of that minimum's value (one more sweep of
    those starts only, with the minimum's value as the target)."""
    reach = np.where(res.status == 0, res.reach, -1).astype(np.int32)
    values = {}
    for k, m in enumerate(surf.minima):
        if surf.f_min is None or abs(m.f - surf.f_min) > 1e-9 * max(1.0, abs(surf.f_min)):
            values.setdefault(m.f, []).append(k)
    for f, ks in values.items():
        rows = np.flatnonzero(np.isin(res.nearest, ks) & (res.status == 0))
        reach[rows] = -1
        if rows.size == 0:
            continue
        again = sweep(replace(surf, f_min=f), optimizer, res.starts[rows], **kw, **hp)
        reach[rows] = again.reach
    return reach


# --------------------------------------------------------------------------------------------
# Learning-rate sensitivity


@dataclass
class Sensitivity:
    scene: Scene
    surface: object
    start: tuple[float, float]
    lrs: np.ndarray
    racers: list[RacerOutcome]

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.racers) + self.lrs.nbytes


def lr_points(n: int = SENSITIVITY_POINTS) -> np.ndarray:
    return np.geomspace(*LR_RANGE, n)


def sensitivity(scene: Scene, n: int = SENSITIVITY_POINTS, progress=None) -> Sensitivity:
    """Every racer from the scene's start at ``n`` learning rates, 1e-5 to 10 on a log grid."""
    surf = scene.surface_obj()
    start = tuple(float(v) for v in scene.start_point())
    lrs = lr_points(n)
    out = []
    labels, colors = scene.labels(), scene.colors()
    for i, entry in enumerate(scene.optimizers):
        hp = entry.full_hyper()
        res = sweep(surf, entry.optimizer, start, progress=_progress(
            progress, i, len(scene.optimizers)), **_run_settings(scene, entry),
            **{**hp, "lr": lrs})
        out.append(RacerOutcome(labels[i], colors[i], entry.optimizer, hp, res.final_loss,
                                res.reach.astype(np.int32), res.nearest.astype(np.int16),
                                res.status, res.ended_at.astype(np.int32)))
    return Sensitivity(scene, surf, start, lrs, out)


def ravine_bounds(scene: Scene) -> list[tuple[str, float]]:
    """On the quadratic ravine, the largest stable learning rates of gradient descent,
    2 / L; of heavy ball at each momentum μ a racer uses, 2 (1 + μ) / L; and of Nesterov's
    momentum (torch's form), 2 (1 + μ) / ((1 + 2μ) L); where L = max(1, k) is the largest
    curvature. Empty on any other surface.

    Nesterov's bound: on f = L x² / 2 the pair (x, buffer) evolves by a matrix with trace
    1 + μ − h (1 + μ) and determinant μ (1 − h), h = lr L; both eigenvalues stay inside the
    unit circle exactly while 0 < h < 2 (1 + μ) / (1 + 2μ)."""
    if scene.surface != "ravine":
        return []
    curvature = max(1.0, float(scene.surface_obj().params["condition"]))
    out = [("SGD: 2 / L", 2.0 / curvature)]
    kinds: dict[bool, set[float]] = {False: set(), True: set()}
    for e in scene.optimizers:
        if e.optimizer in ("sgd", "momentum"):
            h = e.full_hyper()
            if h["momentum"] > 0 and h["dampening"] == 0:
                kinds[bool(h["nesterov"])].add(float(h["momentum"]))
    out += [(f"heavy ball μ {mu:g}: 2 (1 + μ) / L", 2.0 * (1.0 + mu) / curvature)
            for mu in sorted(kinds[False])]
    out += [(f"Nesterov μ {mu:g}: 2 (1 + μ) / ((1 + 2μ) L)",
             2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * curvature)) for mu in sorted(kinds[True])]
    return out


# --------------------------------------------------------------------------------------------
# The hyperparameter map


@dataclass
class HyperMap:
    scene: Scene
    surface: object
    racer: int  # index into scene.optimizers
    second: str  # "momentum" or "β1"
    lrs: np.ndarray
    values: np.ndarray  # the second axis
    outcome: RacerOutcome  # runs in row-major order: lrs vary fastest

    @property
    def nbytes(self) -> int:
        return self.outcome.nbytes + self.lrs.nbytes + self.values.nbytes


def second_axis(optimizer: str) -> str | None:
    """The hyperparameter the map sweeps with the learning rate: momentum for SGD's family and
    RMSProp, β1 for Adam's family and Lion, None for Adagrad (it has neither)."""
    spec = OPTIMIZERS[optimizer].spec
    if "betas" in spec:
        return "β1"
    return "momentum" if "momentum" in spec else None


def hyper_racer(scene: Scene, wanted: int | None = None) -> int | None:
    """The racer the map is for: ``wanted`` if it can be mapped, else the first that can."""
    ok = [i for i, e in enumerate(scene.optimizers) if second_axis(e.optimizer)]
    if wanted in ok:
        return wanted
    return ok[0] if ok else None


def hyper_map(scene: Scene, racer: int, n_lr: int = HYPER_LRS, n_second: int = HYPER_SECOND,
              progress=None) -> HyperMap:
    """Final loss of racer ``racer`` over learning rate (log grid) × momentum or β1 (0 to
    0.99; Nesterov's momentum from 0.01, since it needs some)."""
    entry = scene.optimizers[racer]
    second = second_axis(entry.optimizer)
    if second is None:
        raise ValueError(f"{OPTIMIZERS[entry.optimizer].title} has no momentum or β1 to map")
    hp = entry.full_hyper()
    lrs = np.geomspace(*LR_RANGE, n_lr)
    low = 0.01 if entry.optimizer == "nesterov" or hp.get("nesterov") else 0.0
    values = np.linspace(low, SECOND_MAX, n_second)
    grid_lr, grid_v = np.meshgrid(lrs, values)
    swept = {"lr": grid_lr.ravel()}
    if second == "β1":
        swept["betas"] = np.column_stack([grid_v.ravel(),
                                          np.full(grid_v.size, hp["betas"][1])])
    else:
        swept["momentum"] = grid_v.ravel()
    surf = scene.surface_obj()
    res = sweep(surf, entry.optimizer, scene.start_point(), progress=_progress(progress, 0, 1),
                **_run_settings(scene, entry), **{**hp, **swept})
    outcome = RacerOutcome(scene.labels()[racer], scene.colors()[racer], entry.optimizer, hp,
                           res.final_loss, res.reach.astype(np.int32),
                           res.nearest.astype(np.int16), res.status,
                           res.ended_at.astype(np.int32))
    return HyperMap(scene, surf, racer, second, lrs, values, outcome)


def current_second(hmap: HyperMap) -> float:
    hp = hmap.outcome.hyper
    return float(hp["betas"][0]) if hmap.second == "β1" else float(hp["momentum"])


# --------------------------------------------------------------------------------------------
# CSV


def _f(v) -> str:
    v = float(v)
    return repr(v) if math.isfinite(v) else ""


def _outcome_text(r: RacerOutcome, i: int) -> str:
    return STATUS_NAMES[int(r.status[i])]


def _basins_rows(b: Basins):
    """One row per racer and start: where it ended, the listed minimum it ended near (empty:
    none), the first step within the tolerance of that minimum's value, its final loss."""
    yield ("optimizer", "start_x", "start_y", "status", "minimum_x", "minimum_y",
           "steps_to_minimum", "end_x", "end_y", "final_loss")
    n = len(b.xs)
    for r in b.racers:
        for k in range(n * n):
            m = int(r.nearest[k])
            mx, my = (b.surface.minima[m].x, b.surface.minima[m].y) if m >= 0 else ("", "")
            yield (r.label, _f(b.xs[k % n]), _f(b.ys[k // n]), _outcome_text(r, k),
                   _f(mx) if m >= 0 else mx, _f(my) if m >= 0 else my,
                   int(r.reach[k]) if r.reach[k] >= 0 else "", _f(r.end[k, 0]),
                   _f(r.end[k, 1]), _f(r.final_loss[k]))


def _sensitivity_rows(s: Sensitivity):
    """One row per racer and learning rate: final loss, steps to the global minimum (empty:
    never), how the run ended and at which update."""
    yield ("optimizer", "lr", "final_loss", "steps_to_minimum", "status", "ended_at_step")
    for r in s.racers:
        for k, lr in enumerate(s.lrs):
            yield (r.label, _f(lr), _f(r.final_loss[k]),
                   int(r.reach[k]) if r.reach[k] >= 0 else "", _outcome_text(r, k),
                   int(r.ended_at[k]))


def _hyper_rows(h: HyperMap):
    """One row per grid point: learning rate, momentum (or beta1), final loss, status."""
    second = "beta1" if h.second == "β1" else "momentum"
    yield ("optimizer", "lr", second, "final_loss", "steps_to_minimum", "status",
           "ended_at_step")
    r, n = h.outcome, len(h.lrs)
    for k in range(len(r.status)):
        yield (r.label, _f(h.lrs[k % n]), _f(h.values[k // n]), _f(r.final_loss[k]),
               int(r.reach[k]) if r.reach[k] >= 0 else "", _outcome_text(r, k),
               int(r.ended_at[k]))


def basins_rows(b: Basins):
    """The basins' CSV rows (:func:`_basins_rows`) and how many."""
    return _basins_rows(b), 1 + len(b.racers) * len(b.xs) ** 2


def sensitivity_rows(s: Sensitivity):
    """The sensitivity's CSV rows (:func:`_sensitivity_rows`) and how many."""
    return _sensitivity_rows(s), 1 + len(s.racers) * len(s.lrs)


def hyper_rows(h: HyperMap):
    """The map's CSV rows (:func:`_hyper_rows`) and how many."""
    return _hyper_rows(h), 1 + len(h.outcome.status)


def _rows(result):
    from .views import view_of

    return view_of(result).rows(result)


def _write(rows, limit: int | None = None) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for i, row in enumerate(rows):
        if limit is not None and i >= limit:
            break
        w.writerow(row)
    return buf.getvalue().encode("utf-8")


def basins_csv(b: Basins) -> bytes:
    return _write(_basins_rows(b))


def sensitivity_csv(s: Sensitivity) -> bytes:
    return _write(_sensitivity_rows(s))


def hyper_csv(h: HyperMap) -> bytes:
    return _write(_hyper_rows(h))


def estimated_csv_bytes(result, sample: int = 2000) -> int:
    """About how many bytes :func:`to_csv` gives, from its first ``sample`` rows (exact when
    there are no more)."""
    rows, count = _rows(result)
    head = _write(rows, sample)
    return len(head) if count <= sample else round(len(head) * count / sample)


def basin_grid(scene: Scene, wanted: int | None = None) -> int:
    """The basins grid's starts per side: ``wanted`` (by default the scene's ``view["grid"]``),
    or the largest choice below it whose runs fit the views' budget of time and memory
    (:func:`scene.budget.basins_grid`) and the most run-steps a sweep takes."""
    from .budget import basins_grid

    wanted = scene.view.get("grid", BASIN_GRID) if wanted is None else wanted
    return basins_grid(scene, wanted, MAX_WORK) or BASIN_GRIDS[0]


def view_racer(scene: Scene) -> int | None:
    """The index of the racer the hyperparameter map is for: the scene's ``view["racer"]``
    (1 = the first) when it can be mapped, else the first racer that can."""
    wanted = scene.view.get("racer")
    return hyper_racer(scene, None if wanted is None else int(wanted) - 1)


def compute_basins(scene: Scene, grid: int | None = None, progress=None) -> Basins:
    """The basins with ``grid`` starts per side (by default the scene's, reduced to fit)."""
    return basins(scene, basin_grid(scene, grid), progress)


def compute_sensitivity(scene: Scene, progress=None) -> Sensitivity:
    return sensitivity(scene, progress=progress)


def compute_hyper(scene: Scene, racer: int | None = None, progress=None) -> HyperMap:
    """The map of the racer of index ``racer`` (by default the scene's)."""
    index = view_racer(scene) if racer is None else hyper_racer(scene, racer)
    if index is None:
        raise ValueError("the hyperparameter map needs a racer with momentum or β1 (every "
                         "optimizer but Adagrad has one)")
    return hyper_map(scene, index, progress=progress)


def basins_note(scene: Scene) -> str | None:
    """What an export of the basins says when the scene asks for a larger grid than the views'
    budget allows (the basins are then made with the largest that fits, as on the page)."""
    wanted, grid = scene.view.get("grid", BASIN_GRID), basin_grid(scene)
    if grid >= wanted:
        return None
    from .budget import what_to_lower

    return (f"{wanted} × {wanted} starts is more than a view may compute: the basins have "
            f"{grid} × {grid}; lower {what_to_lower(scene, 'basins')} for more")


def compute(scene: Scene, analysis: str, *, progress=None, **options):
    """The result one view of :data:`scene.views.VIEWS` shows, with the view's own settings
    (``grid`` for the basins, ``racer`` for the map; by default the scene's, as the view's
    ``options`` read them). Raises ValueError
    for an unknown view or a scene it cannot be computed for, naming why: one whose runs would
    take more than the views' budget (:func:`scene.budget.view_problem`) names what to lower."""
    from .budget import view_problem
    from .views import VIEWS

    view = VIEWS.get(analysis)
    if view is None:
        raise ValueError(f"unknown view {analysis!r}; choose one of: {', '.join(VIEWS)}")
    if (problem := view_problem(scene, analysis)) is not None:
        raise ValueError(problem)
    own = {**view.options(scene), **{s.key: options[s.key] for s in view.settings
                                     if options.get(s.key) is not None}}
    return view.compute(scene, progress=progress,
                        **{k: v for k, v in own.items() if v is not None})


def to_csv(result) -> bytes:
    """The numbers behind a view's result, one row per run (see each view's rows above)."""
    return _write(_rows(result)[0])

"""Tuning a racer on the scene's surface: the same search, under the same budget, for everyone.

A race between optimizers at their library defaults is not a race between optimizers: Lion at
its default rate of 1e-4 barely moves where Adam at 0.05 is already at the minimum. Tuning
runs each racer from the scene's start, with the scene's steps, schedule, noise, sparsity and
seed, at every rate of a fixed grid, and keeps the rate whose run scores best by a criterion.

The budget is counted in runs and steps and is the same for every racer: :data:`RUNS` runs of
the scene's steps (five times as many for :data:`WORST`, one per nearby start). Tuning the
learning rate alone spends them on :data:`RATES`, the 36 round rates from 1e-5 to 7 that the
rate sliders offer (1, 1.5, 2, 3, 5, 7 per decade); tuning a second hyperparameter as well
(momentum, or Adam's β1) spends the same 36 runs on :data:`PAIR_RATES` × :data:`SECONDS`
(12 rates, two per decade, times 0.5, 0.9 and 0.99).

A run that diverges, steps where a typed formula is undefined, ends off the map, or spends
more than :data:`OFF_MAP_SHARE` of its steps off it (a run that thrashes across the map and
back) scores worst under every criterion, so no criterion can be won by running away. A brief
excursion is allowed: Newton's method at lr 1 on Rosenbrock's banana leaves the map for one
step and is at the minimum in five. "Steps to the minimum" counts the steps
until the run settles within the tolerance of the minimum and stays there to its end: a run
that only passes through does not count as arriving. On a surface
without a lowest point (the saddles) even a run that stays inside would win by heading
downhill fastest, so such a surface cannot be tuned on (:func:`why_not`).

A tuned racer carries a record (``Entry.tuned``): the criterion, what was tuned, and a key
over everything the search depended on and the values it chose. The racer is shown "tuned"
while the key still matches (:func:`mark`): any change of its settings, the surface, the start
or the steps ends it. A racer that could not be tuned when it was added carries the record
with criterion :data:`DEFAULT` and shows "PyTorch default, untuned" the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace

import numpy as np

from optimizers import OPTIMIZERS, run

from .model import Entry, Scene
from .race import DEFAULT_TOL

FINAL, REACH, MEAN, WORST = "final", "reach", "mean", "worst"
#: The criteria, in the order a page offers them, with how each reads.
CRITERIA = {
    FINAL: "lowest final loss",
    REACH: "fewest steps to settle within 0.001 of the minimum",
    MEAN: "lowest mean loss over the run",
    WORST: "lowest worst final loss over five nearby starts",
}
#: The default: the mean loss over the run, the area under the loss curve. It rewards getting
#: low early and staying low. The final loss alone lets a rate win that thrashes across the
#: map and happens to land near the minimum at the last step (Adam at 1.5 on Rosenbrock's
#: banana does); the mean loss of such a run is high. It needs no known minimum and no
#: tolerance, and costs one run per rate (:data:`WORST` costs five).
DEFAULT_CRITERION = MEAN
#: The criterion of a record that says the racer kept the optimizer's default.
DEFAULT = "default"

RUNS = 36
RATES = tuple(round(m * 10.0**e, 12) for e in range(-5, 1) for m in (1, 1.5, 2, 3, 5, 7))
PAIR_RATES = tuple(round(m * 10.0**e, 12) for e in range(-5, 1) for m in (1, 3))
SECONDS = (0.5, 0.9, 0.99)
#: Starts of :data:`WORST`: the scene's, and one step of this fraction of the map's width
#: (or height) to each side.
NEARBY = 0.02
#: The most seconds of computing one tuning of one racer may take, and tuning every racer at
#: once (estimated before it runs, from :mod:`scene.budget`'s costs at worst).
TUNE_BUDGET = 0.5
TUNE_ALL_BUDGET = 3.0
#: The most of its steps a run may spend off the map and still win (it must end on it).
OFF_MAP_SHARE = 0.05
#: Bumped when the search changes, so that an old record no longer reads as tuned.
VERSION = 2

assert len(RATES) == RUNS and len(PAIR_RATES) * len(SECONDS) == RUNS


def second_of(optimizer: str) -> str | None:
    """The second hyperparameter a racer can be tuned in: ``"momentum"`` (Momentum, Nesterov,
    RMSProp), ``"β1"`` (Adam's family, Lion), or None. Plain SGD has none: with momentum it
    would be the Momentum racer under SGD's name."""
    spec = OPTIMIZERS[optimizer].spec
    if "betas" in spec:
        return "β1"
    return "momentum" if "momentum" in spec and optimizer != "sgd" else None


#: What a tuning can set: the rate, or the rate and a second setting.
WHATS = ("lr", "lr+momentum", "lr+β1")


def what_of(optimizer: str, second: bool) -> str:
    """What a tuning sets: ``"lr"``, or ``"lr+momentum"`` / ``"lr+β1"``."""
    name = second_of(optimizer) if second else None
    return f"lr+{name}" if name else "lr"


def runs_of(criterion: str) -> int:
    """Runs a tuning makes under ``criterion``: :data:`RUNS`, five times for :data:`WORST`."""
    return RUNS * (5 if criterion == WORST else 1)


def budget_text(criterion: str, what: str, steps: int) -> str:
    """The budget in words: "36 runs of 500 steps (36 round rates from 1e-05 to 7)"."""
    grid = (f"{RUNS} round rates from {RATES[0]:g} to {RATES[-1]:g}" if what == "lr" else
            f"{len(PAIR_RATES)} rates from {PAIR_RATES[0]:g} to {PAIR_RATES[-1]:g} × "
            f"{what.split('+')[1]} {', '.join(f'{v:g}' for v in SECONDS)}")
    starts = " from each of 5 starts" if criterion == WORST else ""
    return f"{runs_of(criterion)} runs of {steps:,} steps ({grid}{starts})"


def criteria(scene: Scene) -> dict[str, str]:
    """The criteria this scene's surface can be tuned by (empty: none, see :func:`why_not`)."""
    return {} if scene.surface_obj().f_min is None else dict(CRITERIA)


def cost_seconds(scene: Scene, index: int, criterion: str = DEFAULT_CRITERION) -> float:
    """Seconds of computing racer ``index``'s tuning takes at most."""
    from .budget import estimate_seconds

    return estimate_seconds(replace(scene, optimizers=[scene.optimizers[index]])) * runs_of(
        criterion)


def why_not(scene: Scene, index: int, criterion: str = DEFAULT_CRITERION) -> str | None:
    """Why racer ``index`` cannot be tuned on this scene (None: it can)."""

    if scene.surface_obj().f_min is None:
        return ("this surface has no lowest point, so a run that heads downhill fastest would "
                "win any criterion")
    entry = scene.optimizers[index]
    try:
        entry.full_hyper()
    except ValueError as e:
        return f"its settings cannot race ({e})"
    cost = cost_seconds(scene, index, criterion)
    if cost > TUNE_BUDGET:
        return (f"its {runs_of(criterion)} runs of {scene.steps:,} steps would take about "
                f"{cost:,.1f} s of computing, more than the {TUNE_BUDGET:g} s a tuning may "
                "take; shorten the race")
    return None


@dataclass
class Tuning:
    """One racer's search: every run's settings, score and how it ended."""

    label: str
    color: str
    optimizer: str
    criterion: str
    what: str
    steps: int
    lrs: np.ndarray        # per run
    seconds: np.ndarray    # per run: the second hyperparameter's value (NaN: not tuned)
    scores: np.ndarray     # per run, lower is better; inf: the run stopped
    finals: np.ndarray     # per run: the final loss (of the worst start for WORST)
    best: int              # index of the chosen run; -1: every run stopped

    @property
    def lr(self) -> float | None:
        return None if self.best < 0 else float(self.lrs[self.best])

    @property
    def second(self) -> float | None:
        if self.best < 0 or math.isnan(self.seconds[self.best]):
            return None
        return float(self.seconds[self.best])

    @property
    def edge(self) -> str | None:
        """"smallest" or "largest" when the chosen rate is at the grid's edge."""
        if self.best < 0:
            return None
        lr, grid = self.lrs[self.best], (RATES if self.what == "lr" else PAIR_RATES)
        return "smallest" if lr <= grid[0] else "largest" if lr >= grid[-1] else None

    def summary(self) -> str:
        """The outcome in one sentence, with the budget."""
        how = f"by {CRITERIA[self.criterion]}; {budget_text(self.criterion, self.what, self.steps)}"
        if self.best < 0:
            return f"{self.label}: every run stopped, {how}; its settings are kept."
        chosen = f"lr {self.lr:g}"
        if self.second is not None:
            chosen += f", {self.what.split('+')[1]} {self.second:g}"
        flag = (f" — best at the {self.edge} rate tried: the best may lie beyond the grid"
                if self.edge else "")
        if self.criterion == REACH and self.scores[self.best] > self.steps:
            flag += (" — no run settled at the minimum within the race's steps, so the rate "
                     "with the lowest final loss was chosen")
        return f"{self.label}: {chosen}, {how}{flag}"


def _starts(scene: Scene, criterion: str) -> list[tuple[float, float]]:
    x, y = scene.start_point()
    if criterion != WORST:
        return [(x, y)]
    (x0, x1), (y0, y1) = scene.surface_obj().bounds
    (lx0, lx1), (ly0, ly1) = scene.surface_obj().limit
    dx, dy = NEARBY * (x1 - x0), NEARBY * (y1 - y0)
    near = [(x, y), (x - dx, y), (x + dx, y), (x, y - dy), (x, y + dy)]
    return [(min(max(a, lx0), lx1), min(max(b, ly0), ly1)) for a, b in near]


def _candidates(entry: Entry, what: str) -> list[tuple[float, float, dict]]:
    """(lr, second value or NaN, hyperparameters) of each run, in the grid's order."""
    base = entry.full_hyper()
    if what == "lr":
        return [(lr, math.nan, {**base, "lr": lr}) for lr in RATES]
    out = []
    for v in SECONDS:
        for lr in PAIR_RATES:
            hp = {**base, "lr": lr}
            if what.endswith("β1"):
                hp["betas"] = (v, base["betas"][1])
            else:
                hp["momentum"] = v
            out.append((lr, v, hp))
    return out


def _left(xy: np.ndarray, bounds) -> bool:
    """Whether a run that started on the map ended off it, or was off it for more than
    :data:`OFF_MAP_SHARE` of its steps."""
    (x0, x1), (y0, y1) = bounds
    x, y = xy[:, 0], xy[:, 1]
    if not (x0 <= x[0] <= x1 and y0 <= y[0] <= y1):
        return False  # started off the map: only the limits stop it
    off = (x < x0) | (x > x1) | (y < y0) | (y > y1)
    return bool(off[-1] or off.sum() > OFF_MAP_SHARE * (len(off) - 1))


def settled_at(loss: np.ndarray, f_min: float, tol: float = DEFAULT_TOL) -> int | None:
    """The step from which the loss stays within ``tol`` of ``f_min`` to the end (None: it
    does not end there)."""
    near = np.abs(loss - f_min) <= tol
    if not near[-1]:
        return None
    away = np.flatnonzero(~near)
    return int(away[-1]) + 1 if away.size else 0


def _score(traj, criterion: str, surf) -> tuple[float, float]:
    """(primary, final loss) of one run; primary inf when the run stopped or left the map."""
    final = float(traj.loss[-1])
    if (traj.status != "completed" or not math.isfinite(final)
            or _left(np.asarray(traj.xy), surf.bounds)):
        return math.inf, math.inf
    if criterion == MEAN:
        return float(np.mean(traj.loss)), final
    if criterion == REACH:
        hit = settled_at(traj.loss, surf.f_min)
        # never settled: after every run that did, ranked among themselves by final loss
        return (float(hit) if hit is not None else len(traj.loss) + final - surf.f_min), final
    return final, final


def tune(scene: Scene, index: int, criterion: str = DEFAULT_CRITERION,
         second: bool = False) -> Tuning:
    """Search racer ``index``'s rate (and with ``second`` its momentum or β1) on ``scene``.
    Raises ``ValueError`` when it cannot be tuned (:func:`why_not`'s reason)."""
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; choose one of: {', '.join(CRITERIA)}")
    if (reason := why_not(scene, index, criterion)) is not None:
        raise ValueError(reason)
    entry = scene.optimizers[index]
    what = what_of(entry.optimizer, second)
    surf = scene.surface_obj()
    settings = scene.settings_of(entry)
    sched = dict(settings["schedule"])
    if sched.get("name", "constant") == "constant" and len(sched) == 1:
        sched = None
    starts = _starts(scene, criterion)
    cands = _candidates(entry, what)
    scores, finals = np.full(len(cands), np.inf), np.full(len(cands), np.inf)
    for k, (_lr, _v, hp) in enumerate(cands):
        worst = (-math.inf, -math.inf)
        for start in starts:
            try:
                traj = run(surf, entry.optimizer, start=start, steps=scene.steps,
                           schedule=sched, noise=settings["noise"],
                           sparsity=settings["sparsity"], seed=scene.seed,
                           batch_size=settings["batch"], **hp)
                got = _score(traj, criterion, surf)
            except ValueError:  # a combination the optimizer refuses
                got = (math.inf, math.inf)
            worst = max(worst, got)
            if math.isinf(worst[0]):
                break
        scores[k], finals[k] = worst
    ok = np.flatnonzero(np.isfinite(scores))
    # the best score; among equals, the smaller rate (it got there with less)
    best = int(min(ok, key=lambda k: (scores[k], finals[k], cands[k][0]))) if ok.size else -1
    labels, colors = scene.labels(), scene.colors()
    return Tuning(labels[index], colors[index], entry.optimizer, criterion, what, scene.steps,
                  np.array([c[0] for c in cands]), np.array([c[1] for c in cands]), scores,
                  finals, best)


# --------------------------------------------------------------------------------------------
# The record a tuned racer carries, and its mark


def context(scene: Scene) -> str:
    """A digest of what every racer's tuning depends on besides the racer itself: the
    surface, the start, the steps, the seed, the scene's schedule, noise and sparsity and how
    racers are tuned. While it stays the same, a racer whose mark went away was set by hand."""
    parts = [VERSION, scene.surface, sorted(scene.surface_params.items()),
             [float(v) for v in scene.start_point()], scene.steps, scene.seed, scene.schedule,
             scene.noise, scene.sparsity, sorted(scene.tuning.items())]
    return hashlib.sha256(json.dumps(parts, default=repr).encode()).hexdigest()[:10]


def _key(scene: Scene, entry: Entry, criterion: str, what: str) -> str:
    """A digest of what a tuning of ``entry`` depended on and what it set: the surface, the
    start, the steps, the seed, the racer's schedule, noise, sparsity, batch size (when it has
    one) and every hyperparameter (the chosen ones included)."""
    try:
        hp = entry.full_hyper()
    except ValueError:
        hp = dict(entry.hyper)
    settings = scene.settings_of(entry)
    if settings["batch"] is None:  # the whole data, or no data: as before batches existed
        del settings["batch"]
    parts = [VERSION, scene.surface, sorted(scene.surface_params.items()),
             [float(v) for v in scene.start_point()], scene.steps, scene.seed,
             settings, entry.optimizer, sorted(hp.items()), criterion, what]
    text = json.dumps(parts, default=repr, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def record(scene: Scene, entry: Entry, criterion: str, what: str = "lr",
           edge: str | None = None) -> dict:
    """The record ``entry`` carries once tuned (or, with :data:`DEFAULT`, once left at its
    default) on ``scene``; ``edge``: "smallest" or "largest" when the chosen rate is at the
    grid's edge."""
    rec = {"criterion": criterion, "what": what, "key": _key(scene, entry, criterion, what)}
    if edge in ("smallest", "largest"):
        rec["edge"] = edge
    return rec


def mark(scene: Scene, index: int) -> str | None:
    """"tuned", "default" (the optimizer's default, untuned) or None: what racer ``index``'s
    record still says of it on this scene."""
    entry = scene.optimizers[index]
    rec = entry.tuned
    if not rec or rec.get("key") != _key(scene, entry, rec.get("criterion"), rec.get("what")):
        return None
    return "default" if rec["criterion"] == DEFAULT else "tuned"


MARK_TEXT = {"tuned": "tuned", "default": "PyTorch default, untuned"}


def mark_title(scene: Scene, index: int) -> str | None:
    """The mark's longer reading (a tooltip): how it was tuned, or why it was not."""
    m = mark(scene, index)
    if m is None:
        return None
    rec = scene.optimizers[index].tuned
    if m == "default":
        reason = why_not(scene, index) or "every rate tried stopped"
        return f"PyTorch's default rate, untuned: {reason}."
    edge = (f" Best at the {rec['edge']} rate tried: the best may lie beyond the grid."
            if rec.get("edge") else "")
    return (f"Tuned by {CRITERIA[rec['criterion']]}, "
            f"{budget_text(rec['criterion'], rec['what'], scene.steps)}.{edge}")


def applied(scene: Scene, index: int, t: Tuning) -> Scene:
    """The scene with racer ``index`` set to the tuning's choice and carrying its record (the
    scene unchanged when every run stopped)."""
    if t.best < 0:
        return scene
    entry = scene.optimizers[index]
    hyper = {**entry.hyper, "lr": t.lr}
    if t.second is not None:
        if t.what.endswith("β1"):
            hyper["betas"] = (t.second, entry.full_hyper()["betas"][1])
        else:
            hyper["momentum"] = t.second
    new = replace(entry, hyper=hyper)
    new = replace(new, tuned=record(scene, new, t.criterion, t.what, t.edge))
    return _with_entry(scene, index, new)


def left_default(scene: Scene, index: int) -> Scene:
    """The scene with racer ``index`` at its optimizer's default rate, marked untuned."""
    entry = scene.optimizers[index]
    hyper = {k: v for k, v in entry.hyper.items() if k != "lr"}
    new = replace(entry, hyper=hyper)
    new = replace(new, tuned=record(scene, new, DEFAULT))
    return _with_entry(scene, index, new)


def _with_entry(scene: Scene, index: int, entry: Entry) -> Scene:
    entries = list(scene.optimizers)
    entries[index] = entry
    return replace(scene, optimizers=entries)


def tune_all(scene: Scene, criterion: str = DEFAULT_CRITERION, second: bool = False,
             only_stale: bool = False) -> tuple[Scene, list[Tuning | str]]:
    """Tune every racer (``only_stale``: those not marked tuned by this criterion already);
    returns the new scene and, per racer, its :class:`Tuning` or why it was not tuned (None
    for a racer skipped as still tuned)."""
    out: list = []
    todo = []
    for i in range(len(scene.optimizers)):
        rec = scene.optimizers[i].tuned or {}
        todo.append(not (only_stale and mark(scene, i) == "tuned"
                         and rec.get("criterion") == criterion
                         and rec.get("what") == what_of(scene.optimizers[i].optimizer, second)))
    total = 0.0
    for i in range(len(scene.optimizers)):
        try:
            total += cost_seconds(scene, i, criterion) if todo[i] else 0.0
        except ValueError:
            continue
    if total > TUNE_ALL_BUDGET:
        why = (f"tuning these racers at once would take about {total:,.1f} s of computing, more "
               f"than the {TUNE_ALL_BUDGET:g} s it may take; shorten the race or tune one racer "
               "at a time")
        return scene, [why if t else None for t in todo]
    for i in range(len(scene.optimizers)):
        if not todo[i]:
            out.append(None)
            continue
        try:
            t = tune(scene, i, criterion, second)
        except ValueError as e:
            out.append(str(e))
            continue
        scene = applied(scene, i, t)
        out.append(t)
    return scene, out


def start_new(scene: Scene, index: int, criterion: str = DEFAULT_CRITERION) -> Scene:
    """A racer just added at ``index``: tuned when it can be, else at its optimizer's default
    rate, marked untuned."""
    try:
        t = tune(scene, index, criterion)
    except ValueError:
        return left_default(scene, index)
    return applied(scene, index, t) if t.best >= 0 else left_default(scene, index)

"""The Scene: one serializable value describing everything the app shows.

A scene names the surface (and its parameters), the start point, the number of steps, the
optimizers (each with a label, a colour and its hyperparameters), the learning-rate schedule,
gradient noise, sparsity, the seed and a few view settings. A formula typed by the user is the
surface ``"formula"``, its text in ``formula`` and its x and y ranges in ``surface_params``
(``xmin``, ``xmax``, ``ymin``, ``ymax``). The app, the presets in
``assets/scenes/``, the share URL and every exporter read and write this one value.

This module holds the value itself, its limits, its check and its JSON form; reading a scene
from untrusted JSON is :mod:`scene.reader`, the racers' shown labels :mod:`scene.labels`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from landscapes import FORMULA, get_surface
from optimizers import OPTIMIZERS
from optimizers.schedules import resolve

from .labels import OWN, entry_label

# Okabe & Ito's colour-blind-safe palette (yellow left out: unreadable on a light background),
# one colour per racer up to MAX_OPTIMIZERS.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#882255", "#44AA99", "#999933", "#AA4499", "#661100"]  # then Tol's, to twelve

STEPS_LIMIT = 10_000  # what the app offers; the numerical core accepts more
MAX_OPTIMIZERS = 12


@dataclass
class Entry:
    """One racer: an optimizer from the registry with its own settings."""

    optimizer: str
    label: str = ""
    color: str = ""
    hyper: dict = field(default_factory=dict)  # only values that differ from torch's defaults
    # This racer's own schedule, gradient noise and sparsity; None: the scene's. Lets "Adam
    # with warmup" race "Adam without", "SGD with noise" race "SGD without", on one map.
    schedule: dict | None = None
    noise: float | None = None
    sparsity: float | None = None
    # Its minibatch size on a data surface (rows per update); None: the scene's.
    batch: int | None = None
    # How its rate was set by tuning (scene.tune.record): the criterion, what was tuned and a
    # key over what the search depended on; None: set by hand. See scene.tune.mark.
    tuned: dict | None = None

    def own(self) -> dict:
        """The settings this racer has of its own (empty: it follows the scene)."""
        return {k: getattr(self, k) for k in OWN if getattr(self, k) is not None}

    def full_hyper(self) -> dict:
        """All hyperparameters, defaults filled in and validated."""
        return OPTIMIZERS[self.optimizer].validate(self.hyper)


@dataclass
class Scene:
    surface: str = "rosenbrock"
    surface_params: dict = field(default_factory=dict)
    start: tuple[float, float] | None = None  # None: the surface's demonstration start
    steps: int = 500
    optimizers: list[Entry] = field(default_factory=list)
    schedule: dict = field(default_factory=lambda: {"name": "constant"})
    noise: float = 0.0
    sparsity: float | tuple[float, float] = 0.0  # one for both, or (x's, y's): a rare feature
    seed: int = 0
    # On a data surface, the rows of each update's minibatch for every racer without a batch
    # size of its own; None: the whole data (full-batch gradient descent).
    batch: int | None = None
    # A test surface: the training surface shifted by (dx, dy), as data the model never saw
    # would shift it; None: no test surface. Each run's end point then has a test loss too.
    test_shift: tuple[float, float] | None = None
    view: dict = field(default_factory=dict)  # {"step": int|None, "arrows": bool, "tab": str}
    title: str = ""
    claim: str = ""  # for presets: the one claim the scene lets people see
    # How racers are tuned (scene.tune): {"criterion": str, "second": bool, "fair": bool}, each
    # left out at its default ("final", False, False). "fair": every racer kept tuned.
    tuning: dict = field(default_factory=dict)

    def surface_obj(self):
        return get_surface(self.surface, **self.surface_params)

    def start_point(self) -> tuple[float, float]:
        return tuple(self.start) if self.start is not None else tuple(self.surface_obj().start)

    def labels(self) -> list[str]:
        common = {k: getattr(self, k) for k in OWN}
        return [entry_label(e, i, self.optimizers, common) for i, e in enumerate(self.optimizers)]

    def settings_of(self, entry: Entry) -> dict:
        """The schedule, noise, sparsity and batch size a racer runs with: its own, else the
        scene's."""
        return {k: getattr(entry, k) if getattr(entry, k) is not None else getattr(self, k)
                for k in OWN}

    def colors(self) -> list[str]:
        return [e.color or PALETTE[i % len(PALETTE)] for i, e in enumerate(self.optimizers)]


DEFAULT_VIEW = {"step": None, "arrows": False, "tab": "map"}
#: Starts per side of the basins grid: the choices (``view["grid"]``), and the default.
BASIN_GRIDS = (50, 100, 200, 400, 700, 1000)
BASIN_GRID = 200


def default_scene() -> Scene:
    """What a first-time visitor sees: four classics on Rosenbrock's banana."""
    return Scene(
        surface="rosenbrock", start=(-1.2, 1.0), steps=500,
        optimizers=[Entry("sgd", hyper={"lr": 1e-3}), Entry("momentum", hyper={"lr": 1e-3}),
                    Entry("rmsprop", hyper={"lr": 1e-2}), Entry("adam", hyper={"lr": 5e-2})],
        view=dict(DEFAULT_VIEW))


def check(scene: Scene) -> list[str]:
    """Problems with a scene, as messages naming each field (empty when it is usable)."""
    problems = []
    try:
        surf = scene.surface_obj()
    except ValueError as e:
        return [f"surface: {e}"]
    if scene.start is not None:
        (xlo, xhi), (ylo, yhi) = surf.limit
        x, y = scene.start
        if not (xlo <= x <= xhi and ylo <= y <= yhi):
            problems.append(f"start: ({x:g}, {y:g}) is outside x ∈ [{xlo:g}, {xhi:g}], "
                            f"y ∈ [{ylo:g}, {yhi:g}]")
    if not (isinstance(scene.steps, int) and 1 <= scene.steps <= STEPS_LIMIT):
        problems.append(f"steps: {scene.steps!r} must be an integer from 1 to {STEPS_LIMIT}")
    for i, e in enumerate(scene.optimizers):
        try:
            if e.optimizer not in OPTIMIZERS:
                raise ValueError(f"unknown optimizer {e.optimizer!r}")
            e.full_hyper()
        except ValueError as err:
            problems.append(f"optimizer {i + 1}: {err}")
    try:
        params = {k: v for k, v in scene.schedule.items() if k != "name"}
        resolve(scene.schedule.get("name", "constant"), scene.steps if isinstance(scene.steps, int)
                else 500, params)
    except ValueError as err:
        problems.append(f"schedule: {err}")
    if not (isinstance(scene.noise, int | float) and 0 <= scene.noise <= 100):
        problems.append(f"noise: {scene.noise!r} must be between 0 and 100")
    sp = scene.sparsity if isinstance(scene.sparsity, tuple | list) else (scene.sparsity,)
    if not (len(sp) in (1, 2) and all(isinstance(v, int | float) and 0 <= v <= 1 for v in sp)):
        problems.append(f"sparsity: {scene.sparsity!r} must be between 0 and 1 (one value, "
                        "or one for x and one for y)")
    if not (isinstance(scene.seed, int) and 0 <= scene.seed < 2**32):
        problems.append(f"seed: {scene.seed!r} must be an integer from 0 to {2**32 - 1}")
    return problems



# --------------------------------------------------------------------------------------------
# JSON


def to_dict(scene: Scene) -> dict:
    params = dict(scene.surface_params)
    d = {
        "surface": scene.surface,
        **({"formula": params.pop("f", "")} if scene.surface == FORMULA else {}),
        "surface_params": params,
        "start": list(scene.start) if scene.start is not None else None,
        "steps": scene.steps,
        "optimizers": [{"optimizer": e.optimizer, "label": e.label, "color": e.color,
                        "hyper": _non_default(e), **{k: dict(v) if isinstance(v, dict) else v
                                                     for k, v in e.own().items()},
                        **({"tuned": rec} if (rec := _tuned(scene, i)) else {})}
                       for i, e in enumerate(scene.optimizers)],
        "schedule": dict(scene.schedule),
        "noise": scene.noise,
        "sparsity": list(scene.sparsity) if isinstance(scene.sparsity, tuple | list)
        else scene.sparsity,
        "seed": scene.seed,
        **({"batch": scene.batch} if scene.batch is not None else {}),
        **({"test_shift": list(scene.test_shift)} if scene.test_shift is not None else {}),
        "view": dict(scene.view),
    }
    if scene.tuning:
        d["tuning"] = dict(scene.tuning)
    if scene.title:
        d["title"] = scene.title
    if scene.claim:
        d["claim"] = scene.claim
    return d


def _tuned(scene: Scene, index: int) -> dict | None:
    """Racer ``index``'s tuning record as a file keeps it, with its budget in words; None when
    it has none or it no longer holds (a setting changed since: it says nothing then)."""
    from .tune import DEFAULT, budget_text, mark

    entry = scene.optimizers[index]
    if not entry.tuned or mark(scene, index) is None:
        return None
    rec = dict(entry.tuned)
    if rec.get("criterion") != DEFAULT and isinstance(scene.steps, int):
        rec["budget"] = budget_text(rec.get("criterion"), rec.get("what", "lr"), scene.steps)
    return rec


def _non_default(entry: Entry) -> dict:
    """An entry's hyperparameters as plain JSON values, without those equal to the defaults."""
    spec = OPTIMIZERS[entry.optimizer].spec if entry.optimizer in OPTIMIZERS else {}
    out = {}
    for k, v in entry.hyper.items():
        if k in spec and (tuple(v) if isinstance(v, list | tuple) else v) == spec[k].default:
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def to_json(scene: Scene) -> str:
    return json.dumps(to_dict(scene), indent=2, ensure_ascii=False)

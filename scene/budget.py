"""What a race and an analysis view cost, estimated before they start, and the budgets they fit.

Every path in (the page, a share link, a scene file, the live route ``POST /live/race``, the
command line) reads a scene through :func:`scene.from_dict`, which brings each input within its
bound (:mod:`optimizers._spec`, ``STEPS_LIMIT``, ``MAX_OPTIMIZERS``, the basins grids, the
formula's limits). Within those bounds a scene can still ask for hours of computing: twelve
L-BFGS racers with 1000 evaluations a step on a long formula. So each computation is priced
before it starts, from what it will do:

    a race           Σ over racers of  steps × ns per step  (+ a fixed cost per racer)
    an analysis view Σ over racers of  runs × steps × ns per run-step

where a step's cost is the optimizer's own work plus its surface evaluations: one for most,
two for SAM, and for L-BFGS up to ``max_eval`` (the line search's worst case) plus the
two-loop recursion over up to ``history_size`` pairs. A typed formula's evaluation costs in
proportion to its length (the interpreter runs one instruction per part). The figures are
CPU seconds on one core of the two-core machine the benchmarks ran on (``python -m
bench.bench_budget`` prints the estimates beside measured times).

A race over :data:`RACE_BUDGET` runs fewer steps (:func:`fit_race`, used by the scene readers;
the live route refuses it instead, naming ``steps``). An analysis view over
:data:`VIEW_BUDGET`, or whose result would hold more than :data:`VIEW_BYTES`, is reduced where
it can be (the basins view takes a smaller grid: :func:`basins_grid`) and refused otherwise,
naming what to lower (:func:`view_problem`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from landscapes import DATA, FORMULA

from .model import BASIN_GRIDS, Scene

#: CPU seconds a race may take: the page's race, one live request, an export's race.
RACE_BUDGET = 1.0
#: CPU seconds an analysis view may take on the shared server (its kernels use every core:
#: about half of this in wall-clock time on two cores).
VIEW_BUDGET = 3.0
#: Bytes an analysis view's result may hold (the results' cache keeps several).
VIEW_BYTES = 48 * 2**20
#: Bytes a basins result keeps per run (final loss 8, arrival 4, minimum 2, status 1, ended
#: 4, end point 16).
BASINS_RUN_BYTES = 35
#: Runs each view makes per racer (the basins: its grid squared).
SENSITIVITY_RUNS = 240
HYPER_RUNS = 61 * 41

#: ns per step of one trajectory (``optimizers.run``, with its records) on a built-in surface,
#: one core, the surface's evaluation included (CPU time on Rosenbrock, 10,000-step runs, on
#: the two-core machine of the benchmarks while it was busy: rounded up).
RUN_NS = {"sgd": 20.0, "momentum": 27.0, "nesterov": 22.0, "rmsprop": 31.0, "adam": 31.0,
          "adamw": 32.0, "adagrad": 30.0, "nadam": 45.0, "lion": 18.0, "adadelta": 48.0,
          "adamax": 26.0, "radam": 46.0, "rprop": 28.0, "asgd": 32.0, "adabelief": 52.0,
          "lbfgs": 60.0, "sam_sgd": 100.0, "sam_adam": 120.0, "sgd_schedulefree": 120.0,
          "adamw_schedulefree": 135.0, "newton": 120.0, "levenberg_marquardt": 125.0}
RUN_NS_OTHER = 150.0  # an optimizer registered from outside
#: ns per run-step of ``optimizers.sweep`` on one core (CPU time, 4,096 starts × 500 steps on
#: Rosenbrock, measured likewise); the optimizers with loops of their own are swept run by
#: run (:data:`RUN_NS`, plus :data:`CALL_SECONDS` a run).
SWEEP_NS = {"sgd": 2.0, "momentum": 3.0, "nesterov": 3.0, "rmsprop": 4.0, "adam": 4.0,
            "adamw": 12.0, "adagrad": 3.5, "nadam": 15.0, "lion": 2.5, "adadelta": 5.0,
            "adamax": 3.0, "radam": 4.0, "rprop": 24.0, "asgd": 4.0, "adabelief": 15.0}
SWEEP_NS_OTHER = 30.0
#: A block of a sweep's lanes costs as much per step as this many more lanes (the surface
#: call, the loops' set-up): a sweep of one start at 240 learning rates (each its own block of
#: one lane) costs 19 times :data:`SWEEP_NS` a run-step (12 Adam racers, 10,000 steps: 2.3 s).
BLOCK_LANES = 18
#: Fixed cost of one ``optimizers.run`` call (set-up, records), seconds.
CALL_SECONDS = 60e-6
#: What a race adds to its runs per racer and step (losses, metrics, the test surface), ns.
RACE_NS = 35.0
#: One more evaluation of a built-in surface within a step (L-BFGS's line search with its
#: interpolation, SAM's second gradient), ns; one evaluation of a typed formula costs a base
#: and a cost per instruction of its program (one per part of the formula) more than a
#: built-in surface's, ns (``sin(x*y-1)`` in the sum: 7.5 ns per instruction).
EVAL_NS = 25.0
FORMULA_EVAL_NS, FORMULA_OP_NS = 15.0, 8.0
#: One row of a data surface's loss with its gradient, ns (logistic rows, the dearest: 31 ns
#: ones; bench/bench_data.py measures them): a step costs the rows of its minibatch's
#: gradient and, with a minibatch, the loss over every row that the path records.
ROW_NS = 30.0
#: One pair of the L-BFGS two-loop recursion (both loops), ns (default L-BFGS, history 100:
#: 894 ns a step).
HISTORY_NS = 9.0
#: One Newton–Schulz iteration of Muon (bfloat16 emulated in float32), ns: up to 99 a step,
#: where the other optimizers' table above counts Muon's default 5 within its base.
NEWTON_SCHULZ_NS = 8.0


def eval_ns(surface) -> float:
    """ns of one value-and-gradient evaluation of ``surface``."""
    if surface.name == FORMULA:
        return EVAL_NS + FORMULA_EVAL_NS + FORMULA_OP_NS * float(surface.p[0])
    return EVAL_NS


def evaluations_per_step(optimizer: str, hp: dict) -> float:
    """The most surface evaluations one step can make."""
    if optimizer == "lbfgs":
        return 1.0 + ((float(hp["max_eval"]) - 1.0) if hp["line_search_fn"] else 0.0)
    if optimizer.startswith("sam_") or optimizer in ("newton", "levenberg_marquardt"):
        return 2.0  # SAM's second gradient; the Newton methods' Hessian, a second pass
    return 1.0


def data_ns(surface, evals: float, batch=None) -> float:
    """ns a step spends on a data surface's rows beyond one built-in evaluation (0 elsewhere):
    ``evals`` gradients over the minibatch (or every row) and, with a minibatch, the loss over
    every row."""
    from optimizers import batch_size_of, work_per_step

    if surface.name != DATA:
        return 0.0
    whole = work_per_step(surface)  # rows for the loss over all the data (1: from sums)
    size = batch_size_of(surface, batch)
    rows = evals * (size if size is not None else whole) + (whole if size is not None else 0.0)
    return ROW_NS * rows


def step_ns(optimizer: str, hp: dict, surface, steps: int, swept: bool = False,
            batch=None) -> float:
    """ns of one step of one run (``swept``: one lane of a sweep) with minibatches of
    ``batch`` rows on a data surface, at worst."""
    from optimizers import OPTIMIZERS
    from optimizers._driver import families

    extra = eval_ns(surface) - EVAL_NS  # a formula costs more than the built-in surfaces
    evals = evaluations_per_step(optimizer, hp)
    rows = data_ns(surface, evals, batch)
    if swept and OPTIMIZERS[optimizer].family in families():
        base = SWEEP_NS.get(optimizer, SWEEP_NS_OTHER)
        return base + extra + rows
    base = RUN_NS.get(optimizer, RUN_NS_OTHER)
    cost = base + evals * extra + (evals - 1.0) * EVAL_NS
    if optimizer == "lbfgs":
        cost += HISTORY_NS * min(float(hp["history_size"]), float(steps))
    if optimizer == "muon":
        cost += NEWTON_SCHULZ_NS * float(hp["ns_steps"])
    return cost + rows


def _racers(scene: Scene):
    """(entry, validated hyperparameters) of each racer that can race."""
    out = []
    for e in scene.optimizers:
        try:
            out.append((e, e.full_hyper()))
        except ValueError:
            continue
    return out


def estimate_seconds(scene: Scene, steps: int | None = None) -> float:
    """CPU seconds the scene's race takes at most (with ``steps`` instead of the scene's)."""
    steps = scene.steps if steps is None else steps
    surf = scene.surface_obj()
    return sum(CALL_SECONDS + steps * (RACE_NS + step_ns(e.optimizer, hp, surf, steps,
                                                         batch=scene.settings_of(e)["batch"]))
               * 1e-9 for e, hp in _racers(scene))


@dataclass
class Work:
    """What an analysis view runs: each racer's ``runs`` runs (``(entry, hyperparameters)``),
    made ``again`` times at most; ``blocks``: runs of the same settings share a sweep's blocks
    of lanes (a grid of starts), rather than each run making a block of its own (a sweep over a
    setting)."""

    racers: list
    runs: int
    blocks: bool = False
    again: float = 1.0


def basins_work(scene: Scene, grid: int | None = None) -> Work:
    """Every racer from each start of the grid (``grid`` per side, by default the scene's as
    :func:`scene.analysis.basin_grid` reduces it); the runs that end at a local minimum are
    swept once more for their arrival there."""
    from .analysis import basin_grid

    g = basin_grid(scene) if grid is None else grid
    return Work(_racers(scene), g * g, True, 2.0 if _local_minima(scene.surface_obj()) else 1.0)


def sensitivity_work(scene: Scene, grid: int | None = None) -> Work:
    return Work(_racers(scene), SENSITIVITY_RUNS)


def hyper_work(scene: Scene, grid: int | None = None) -> Work:
    from .analysis import view_racer

    index = view_racer(scene)
    if index is None:
        return Work([], 0)
    e = scene.optimizers[index]
    return Work([(e, e.full_hyper())], HYPER_RUNS)


def _work(scene: Scene, view: str, grid: int | None) -> Work:
    from .views import VIEWS

    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    return VIEWS[view].work(scene, grid)


def view_runs(scene: Scene, view: str, grid: int | None = None) -> int:
    """How many runs the view makes in all (every racer's)."""
    work = _work(scene, view, grid)
    return work.runs * len(work.racers)


def _local_minima(surface) -> bool:
    """Whether a basins view sweeps again the runs that ended at a local minimum."""
    fmin = surface.f_min
    return any(fmin is None or abs(m.f - fmin) > 1e-9 * max(1.0, abs(fmin))
               for m in surface.minima)


def estimate_view_seconds(scene: Scene, view: str, grid: int | None = None) -> float:
    """CPU seconds the analysis view ``view`` (``basins``, ``sensitivity``, ``hyper``) takes
    at most for the scene; for the basins with ``grid`` starts per side (by default the one
    the scene's view asks for, as :func:`scene.analysis.basin_grid` reduces it)."""
    from optimizers import OPTIMIZERS
    from optimizers._driver import families
    from optimizers._sweep import BLOCK

    work = _work(scene, view, grid)
    surf = scene.surface_obj()
    steps = max(scene.steps, 1)
    runs = work.runs
    total = 0.0
    for e, hp in work.racers:
        ns = step_ns(e.optimizer, hp, surf, steps, swept=True,
                     batch=scene.settings_of(e)["batch"])
        if OPTIMIZERS[e.optimizer].family in families():
            # runs of the same settings share blocks of BLOCK lanes; a sweep over a setting
            # (the sensitivity, the map) makes a block of each run. A block's own cost (the
            # loops' set-up) does not grow with a data surface's rows, which each lane pays.
            blocks = -(-runs // BLOCK) if work.blocks else runs
            rows = data_ns(surf, evaluations_per_step(e.optimizer, hp),
                           scene.settings_of(e)["batch"])
            total += work.again * (runs * ns + BLOCK_LANES * blocks * (ns - rows)) * steps * 1e-9
        else:  # swept run by run
            total += work.again * runs * (CALL_SECONDS + steps * ns * 1e-9)
    return total


def view_bytes(scene: Scene, view: str, grid: int | None = None) -> int:
    """Bytes the view's result holds (about)."""
    return view_runs(scene, view, grid) * BASINS_RUN_BYTES


def basins_grid(scene: Scene, wanted: int, most_work: float = math.inf) -> int | None:
    """The largest basins grid (of :data:`scene.BASIN_GRIDS`, at most ``wanted``) whose runs fit
    :data:`VIEW_BUDGET` and :data:`VIEW_BYTES` and ``most_work`` run-steps a sweep; None
    when not even the smallest does."""
    steps = max(scene.steps, 1)
    fits = [g for g in BASIN_GRIDS if g <= wanted and g * g * steps <= most_work
            and estimate_view_seconds(scene, "basins", g) <= VIEW_BUDGET
            and view_bytes(scene, "basins", g) <= VIEW_BYTES]
    return max(fits, default=None)


def what_to_lower(scene: Scene, view: str | None = None) -> str:
    """The settings that make this scene's race (or its analysis ``view``) costly, to name in
    a message."""
    from .analysis import view_racer

    parts = [f"the steps ({scene.steps:,})"]
    racers = _racers(scene)
    if view == "hyper" and view_racer(scene) is not None:
        racers = [(e, hp) for e, hp in racers if e is scene.optimizers[view_racer(scene)]]
    lbfgs = [hp for e, hp in racers if e.optimizer == "lbfgs"]
    if any(hp["line_search_fn"] and hp["max_eval"] > 1 for hp in lbfgs):
        most = max(int(hp["max_eval"]) for hp in lbfgs)
        parts.append(f"L-BFGS's max_eval ({most:,})")
    if any(hp["history_size"] > 100 for hp in lbfgs):
        parts.append(f"L-BFGS's history_size ({max(int(hp['history_size']) for hp in lbfgs):,})")
    if scene.surface == FORMULA:
        parts.append("the formula's length")
    if len(racers) > 1:
        parts.append(f"the racers ({len(racers)})")
    return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]


def race_steps(scene: Scene) -> int:
    """The most steps (at most the scene's) whose race fits :data:`RACE_BUDGET`."""
    if estimate_seconds(scene) <= RACE_BUDGET:
        return scene.steps
    lo, hi = 1, scene.steps  # estimate_seconds grows with the steps
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if estimate_seconds(scene, mid) <= RACE_BUDGET:
            lo = mid
        else:
            hi = mid - 1
    return lo


def race_problem(scene: Scene) -> str | None:
    """Why the scene's race is over its budget, naming what to lower; None when it fits."""
    cost = estimate_seconds(scene)
    if cost <= RACE_BUDGET:
        return None
    return (f"{scene.steps:,} steps of these racers would take about {cost:,.1f} s of "
            f"computing, more than the {RACE_BUDGET:g} s a race may take: lower "
            f"{what_to_lower(scene)}")


def fit_race(scene: Scene) -> tuple[Scene, str | None]:
    """The scene with as many steps as fit :data:`RACE_BUDGET`, and a message when that is
    fewer than it asked for (naming what else could be lowered)."""
    from dataclasses import replace

    problem = race_problem(scene)
    if problem is None:
        return scene, None
    steps = race_steps(scene)
    view = dict(scene.view)
    if view.get("step") is not None:
        view["step"] = min(view["step"], steps)
    return replace(scene, steps=steps, view=view), f"{problem}; using {steps:,} steps"


def view_problem(scene: Scene, view: str) -> str | None:
    """Why the analysis view cannot be computed within its budget, naming what to lower;
    None when it can (the basins view by a smaller grid, if need be: :func:`basins_grid`)."""
    if view == "basins":
        if not _racers(scene) or basins_grid(scene, max(BASIN_GRIDS)) is not None:
            return None
        cost = estimate_view_seconds(scene, view, min(BASIN_GRIDS))
        g = min(BASIN_GRIDS)
        return (f"even {g} × {g} starts would take about {cost:,.0f} s of computing, more "
                f"than the {VIEW_BUDGET:g} s a view may take: lower "
                f"{what_to_lower(scene, view)}")
    cost = estimate_view_seconds(scene, view)
    if cost <= VIEW_BUDGET and view_bytes(scene, view) <= VIEW_BYTES:
        return None
    runs = view_runs(scene, view)
    return (f"its {runs:,} runs of {scene.steps:,} steps would take about {cost:,.0f} s of "
            f"computing, more than the {VIEW_BUDGET:g} s a view may take: lower "
            f"{what_to_lower(scene, view)}")

"""The cost model of :mod:`scene.budget` beside measured CPU time: prints figures, asserts nothing.

    python -m bench.bench_budget

For races and analysis views at the edges of what the app accepts (every optimizer at 10,000
steps, L-BFGS with its line search at the bound of ``max_eval``, a formula at the parser's
limits, the basins of twelve racers), prints the estimate made before the computation starts
and the CPU seconds it took (all threads, warm: each is computed once before it is timed).
An estimate is meant to be at least the measured time, give or take the machine's load: it
prices L-BFGS's line search at its worst, every evaluation of ``max_eval`` used.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizers import OPTIMIZERS  # noqa: E402
from scene import from_dict  # noqa: E402
from scene.analysis import basin_grid, compute  # noqa: E402
from scene.budget import (  # noqa: E402
    RACE_BUDGET,
    VIEW_BUDGET,
    estimate_seconds,
    estimate_view_seconds,
    view_problem,
)
from scene.race import simulate  # noqa: E402

FORMULA = "+".join(f"sin(x*y-{k})" for k in range(1, 27))  # about 200 parts


def cpu(fn) -> float:
    fn()
    t = time.process_time()
    fn()
    return time.process_time() - t


def races() -> None:
    print(f"races (budget {RACE_BUDGET:g} s): estimate / measured CPU seconds")
    for name in OPTIMIZERS:
        scene = from_dict({"steps": 10_000, "optimizers": [name] * 12})[0]
        print(f"  12 × {name:<20} 10,000 steps  {estimate_seconds(scene):7.3f} / "
              f"{cpu(lambda s=scene: simulate(s)):7.3f}", flush=True)
    for label, data in (
            ("L-BFGS, Wolfe, max_eval 1000", {"optimizers": [{"optimizer": "lbfgs", "hyper": {
                "line_search_fn": True, "max_eval": 1000}}]}),
            ("L-BFGS, history 1000", {"optimizers": [{"optimizer": "lbfgs", "hyper": {
                "history_size": 1000}}]}),
            ("Adam on a 200-part formula", {"formula": FORMULA, "optimizers": ["adam"]}),
            ("L-BFGS, Wolfe, max_eval 1000, formula", {
                "formula": FORMULA, "optimizers": [{"optimizer": "lbfgs", "hyper": {
                    "line_search_fn": True, "max_eval": 1000}}]}),
            ("the eleven-hour link", {"formula": "-x+sqrt(3-x)", "start": [0, 0], "steps": 10,
                                      "optimizers": [{"optimizer": "lbfgs", "hyper": {
                                          "line_search_fn": True, "max_eval": 1000}}]})):
        scene = from_dict({"steps": 10_000, **data})[0]
        print(f"  {label:<40} {scene.steps:>6,} steps  {estimate_seconds(scene):7.3f} / "
              f"{cpu(lambda s=scene: simulate(s)):7.3f}", flush=True)


def views() -> None:
    print(f"\nanalysis views (budget {VIEW_BUDGET:g} s): estimate / measured CPU seconds")
    for label, link in (
            ("basins, 4 racers, grid 1000 asked", {"view": {"analysis": "basins",
                                                            "grid": 1000}}),
            ("basins, 12 Adam, grid 1000 asked", {"view": {"analysis": "basins", "grid": 1000},
                                                  "optimizers": ["adam"] * 12}),
            ("basins, 2 L-BFGS", {"view": {"analysis": "basins"}, "surface": "himmelblau",
                                  "optimizers": ["lbfgs"] * 2}),
            ("sensitivity, 12 Adam, 10,000 steps", {"view": {"analysis": "sensitivity"},
                                                    "steps": 10_000,
                                                    "optimizers": ["adam"] * 12}),
            ("hyper, Adam, 10,000 steps", {"view": {"analysis": "hyper"}, "steps": 10_000,
                                           "optimizers": ["adam"]})):
        scene = from_dict({"surface": "rosenbrock", **link})[0]
        view = scene.view["analysis"]
        problem = view_problem(scene, view)
        if problem:
            print(f"  {label:<40} refused: {problem}")
            continue
        grid = f" (grid {basin_grid(scene)})" if view == "basins" else ""
        print(f"  {label + grid:<40} {estimate_view_seconds(scene, view):7.3f} / "
              f"{cpu(lambda s=scene, v=view: compute(s, v)):7.3f}", flush=True)


if __name__ == "__main__":
    races()
    views()

"""optimizers.sweep: many runs in one kernel, each equal to the corresponding run()."""

from __future__ import annotations

import numpy as np
import pytest

from landscapes import get_surface
from optimizers import OPTIMIZERS, STATUS_NAMES, SweepCancelled, run, sweep
from optimizers._sweep import BLOCK, SWEEP_ENTRIES
from scene.race import steps_to_reach

TOL = 1e-3


def _grid_starts(surface: str, n: int) -> np.ndarray:
    (x0, x1), (y0, y1) = get_surface(surface).bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.c_[xs.ravel(), ys.ravel()]


def _nearest(surface: str, xy: np.ndarray) -> int:
    surf = get_surface(surface)
    (x0, x1), (y0, y1) = surf.bounds
    idx = surf.nearest_minimum(float(xy[0]), float(xy[1]), 0.02 * max(x1 - x0, y1 - y0))
    return -1 if idx is None else idx


def _check_run(res, i: int, traj, surface: str) -> None:
    """Run ``i`` of a sweep against the trajectory run() gives for the same settings."""
    np.testing.assert_allclose(res.end[i], traj.xy[-1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.final_loss[i], traj.loss[-1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.best_loss[i], traj.loss.min(), rtol=1e-12, atol=1e-12)
    assert STATUS_NAMES[res.status[i]] == traj.status, i
    assert res.ended_at[i] == (traj.diverged_at or traj.steps), i
    reach = steps_to_reach(traj.loss, get_surface(surface).f_min, TOL)
    assert res.reach[i] == (-1 if reach is None else reach), i
    expect = _nearest(surface, traj.xy[-1]) if traj.status == "completed" else -1
    assert res.nearest[i] == expect, i


# One case per swept family, with its optional features on where they change the update.
CASES = [
    ("himmelblau", "sgd", {"lr": 0.01}),
    ("himmelblau", "momentum", {"lr": 0.01, "momentum": 0.9}),
    ("ravine", "nesterov", {"lr": 0.05, "momentum": 0.9}),
    ("rosenbrock", "rmsprop", {"lr": 0.01}),
    ("rosenbrock", "rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("himmelblau", "adam", {"lr": 0.1}),
    ("rosenbrock", "adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    ("himmelblau", "adamw", {"lr": 0.1}),
    ("six_hump_camel", "adagrad", {"lr": 0.5}),
    ("himmelblau", "nadam", {"lr": 0.1}),
    ("himmelblau", "lion", {"lr": 0.05}),
    ("rosenbrock", "adadelta", {"lr": 1.0}),
    ("himmelblau", "adamax", {"lr": 0.1}),
    ("himmelblau", "radam", {"lr": 0.1, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ("ravine", "rprop", {"lr": 0.05}),
    ("himmelblau", "asgd", {"lr": 0.01, "t0": 20.0}),
    ("himmelblau", "adabelief", {"lr": 0.1}),
]


@pytest.mark.parametrize("optimizer", ["lbfgs", "sam_sgd", "sam_adam", "sgd_schedulefree",
                                       "adamw_schedulefree", "newton", "levenberg_marquardt"])
def test_optimizers_with_their_own_loop_are_swept_run_by_run(optimizer):
    lr = {"lbfgs": 0.1, "sam_sgd": 0.01, "sam_adam": 0.05, "newton": 0.5,
          "levenberg_marquardt": 0.5}.get(optimizer, 0.01)
    starts = _grid_starts("himmelblau", 5)
    res = sweep("himmelblau", optimizer, starts, steps=60, lr=np.full(len(starts), lr))
    for i in range(0, len(starts), 3):
        _check_run(res, i, run("himmelblau", optimizer, start=starts[i], steps=60, lr=lr),
                   "himmelblau")


def test_a_typed_formula_ends_runs_where_it_is_not_defined():
    from landscapes import formula_surface

    surf = formula_surface("log(x) + (y - 1)^2", xmin=-1.0, xmax=3.0, ymin=-1.0, ymax=3.0)
    xs, ys = np.meshgrid(np.linspace(0.05, 2.5, 6), np.linspace(-0.5, 2.5, 5))
    starts = np.c_[xs.ravel(), ys.ravel()]
    res = sweep(surf, "sgd", starts, steps=200, lr=0.05)
    assert "domain" in {STATUS_NAMES[s] for s in res.status}
    for i in range(len(starts)):
        traj = run(surf, "sgd", start=starts[i], steps=200, lr=0.05)
        assert STATUS_NAMES[res.status[i]] == traj.status, i
        np.testing.assert_allclose(res.end[i], traj.xy[-1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("surface", "optimizer", "hyper"), CASES)
def test_every_run_of_a_basins_sweep_equals_run(surface, optimizer, hyper):
    starts = _grid_starts(surface, 9)  # 81 runs: one full block and a partial one
    res = sweep(surface, optimizer, starts, steps=200, tol=TOL, **hyper)
    assert len(res) == len(starts)
    for i in range(0, len(starts), 4):
        _check_run(res, i, run(surface, optimizer, start=starts[i], steps=200, **hyper),
                   surface)


def test_every_swept_family_is_tested():
    tested = {OPTIMIZERS[name].family for _, name, _ in CASES}
    assert tested == set(SWEEP_ENTRIES)


def test_schedule_noise_and_sparsity_match_run():
    starts = _grid_starts("himmelblau", 6)
    settings = {"schedule": {"name": "warmup_cosine", "warmup": 20}, "noise": 3.0,
                "sparsity": (0.3, 0.6), "seed": 7}
    res = sweep("himmelblau", "adam", starts, steps=150, tol=TOL, lr=0.2, **settings)
    for i in range(len(starts)):
        _check_run(res, i, run("himmelblau", "adam", start=starts[i], steps=150, lr=0.2,
                               **settings), "himmelblau")


def test_runs_that_stop_are_told_apart_as_run_tells_them():
    # Large rates on the ravine diverge; the saddle is left downhill; both stop early.
    lrs = np.geomspace(1e-3, 10, 40)
    res = sweep("ravine", "sgd", (2.0, 1.5), steps=300, lr=lrs)
    assert {"completed", "diverged"} <= {STATUS_NAMES[s] for s in res.status}
    for i, lr in enumerate(lrs):
        _check_run(res, i, run("ravine", "sgd", start=(2.0, 1.5), steps=300, lr=lr), "ravine")
    starts = np.array([[0.5, 0.1], [0.5, -0.2], [1.0, 0.0]])
    res = sweep("saddle", "sgd", starts, steps=400, lr=0.05)
    assert STATUS_NAMES[res.status[0]] == "left"
    for i in range(len(starts)):
        _check_run(res, i, run("saddle", "sgd", start=starts[i], steps=400, lr=0.05), "saddle")


def test_a_learning_rate_by_momentum_grid_matches_run():
    lr, mu = np.meshgrid(np.geomspace(1e-3, 0.5, 7), np.linspace(0.0, 0.95, 5))
    res = sweep("ravine", "momentum", (2.0, 1.5), steps=250, lr=lr.ravel(), momentum=mu.ravel())
    assert len(res) == lr.size
    for i in range(lr.size):
        traj = run("ravine", "momentum", start=(2.0, 1.5), steps=250, lr=lr.ravel()[i],
                   momentum=mu.ravel()[i])
        _check_run(res, i, traj, "ravine")


def test_betas_per_run():
    betas = np.array([[0.0, 0.999], [0.5, 0.99], [0.9, 0.999], [0.99, 0.9]])
    res = sweep("rosenbrock", "adam", (-1.2, 1.0), steps=300, lr=0.05, betas=betas)
    for i, b in enumerate(betas):
        _check_run(res, i, run("rosenbrock", "adam", start=(-1.2, 1.0), steps=300, lr=0.05,
                               betas=tuple(b)), "rosenbrock")


def test_many_blocks_and_both_starts_and_rates_varying():
    n = 3 * BLOCK + 5
    rng = np.random.default_rng(1)
    starts = np.c_[rng.uniform(-4, 4, n), rng.uniform(-4, 4, n)]
    lrs = rng.choice([0.01, 0.03, 0.1], n)
    res = sweep("himmelblau", "adam", starts, steps=100, lr=lrs)
    for i in rng.choice(n, 12, replace=False):
        _check_run(res, i, run("himmelblau", "adam", start=starts[i], steps=100, lr=lrs[i]),
                   "himmelblau")


def test_basins_of_himmelblau_cover_its_four_minima():
    res = sweep("himmelblau", "sgd", _grid_starts("himmelblau", 40), steps=500, lr=0.01)
    reached = set(res.nearest[res.nearest >= 0].tolist())
    assert reached == {0, 1, 2, 3}


def test_progress_is_reported_and_can_cancel():
    starts = _grid_starts("himmelblau", 120)  # 14,400 runs: several chunks at 2,000 steps
    seen = []
    sweep("himmelblau", "sgd", starts, steps=2000, lr=0.01,
          progress=lambda done, total: seen.append((done, total)))
    assert len(seen) > 1 and seen[-1] == (len(starts), len(starts))
    assert all(a[0] < b[0] for a, b in zip(seen, seen[1:], strict=False))
    with pytest.raises(SweepCancelled):
        sweep("himmelblau", "sgd", starts, steps=2000, lr=0.01, progress=lambda d, t: False)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lr": np.array([0.1, -1.0])}, "Invalid learning rate"),
    ({"lr": np.array([0.1, 0.2]), "momentum": np.array([0.1, 0.2, 0.3])}, "one value per run"),
    ({"starts": np.zeros((3, 2)), "lr": np.array([0.1, 0.2])}, "3 starts"),
    ({"starts": np.array([[0.0, 0.0], [1e6, 0.0]])}, "Invalid start: (1e+06, 0)"),
    ({"starts": np.zeros((4, 3))}, "(N, 2) array"),
    ({"steps": -1}, "Invalid steps"),
    ({"tol": float("nan")}, "Invalid tol"),
    ({"starts": np.zeros((1_000_001, 2))}, "more than this app computes at once"),
    ({"momentum": -0.5}, "Invalid momentum"),
])
def test_bad_arguments_name_what_is_wrong(kwargs, message):
    kwargs = {"starts": (1.0, 1.0), "lr": 0.01, "momentum": 0.9, **kwargs}
    with pytest.raises(ValueError, match=None) as err:
        sweep("himmelblau", "momentum", **kwargs)
    assert message in str(err.value)


def test_unknown_surface_and_optimizer():
    with pytest.raises(ValueError, match="Unknown surface"):
        sweep("nowhere", "sgd", (0.0, 0.0))
    with pytest.raises(ValueError, match="Unknown optimizer"):
        sweep("himmelblau", "nope", (0.0, 0.0))


def test_a_sweep_runs_the_compiled_kernel_without_typing_it_again(monkeypatch):
    """A kernel that reads an argument as a constant is typed again by every plain call from
    Python; the sweep calls its compiled code instead, once it is compiled or loaded."""
    starts = _grid_starts("himmelblau", 3)
    first = sweep("himmelblau", "adam", starts, steps=5, lr=0.1)
    entry = SWEEP_ENTRIES[OPTIMIZERS["adam"].family]
    typed = []
    compile_for_args = entry._compile_for_args
    monkeypatch.setattr(entry, "_compile_for_args",
                        lambda *a, **k: typed.append(a) or compile_for_args(*a, **k))
    again = sweep("himmelblau", "adam", starts, steps=5, lr=0.1)
    assert typed == []
    np.testing.assert_array_equal(again.end, first.end)

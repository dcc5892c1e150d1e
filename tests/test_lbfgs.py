"""L-BFGS: torch's settings and refusals, what one step costs, and how the step behaves."""

from __future__ import annotations

import numpy as np
import pytest

from landscapes import get_surface
from optimizers import OPTIMIZERS, lbfgs, run


@pytest.mark.parametrize(("hyper", "message"), [
    ({"lr": -1.0}, "Invalid learning rate"),
    ({"history_size": 0}, "Invalid history_size"),
    ({"history_size": 2.5}, "whole number"),
    ({"max_eval": 0}, "Invalid max_eval"),
    ({"max_eval": 1.5}, "whole number"),
    ({"tolerance_grad": -1e-7}, "Invalid tolerance_grad"),
    ({"tolerance_change": float("nan")}, "Invalid tolerance_change"),
    ({"line_search_fn": "backtracking"}, "strong_wolfe"),
    ({"max_iter": 20}, "Unknown hyperparameter 'max_iter'"),
])
def test_bad_settings_raise_a_value_error_naming_them(hyper, message):
    with pytest.raises(ValueError, match=message):
        run("rosenbrock", "lbfgs", steps=3, **hyper)


def test_defaults_are_torchs_for_max_iter_1():
    d = OPTIMIZERS["lbfgs"].defaults()
    assert d == {"lr": 1.0, "history_size": 100.0, "tolerance_grad": 1e-7,
                 "tolerance_change": 1e-9, "max_eval": 1.0, "line_search_fn": False}
    assert 1 * 5 // 4 == d["max_eval"]  # torch: max_eval = max_iter * 5 // 4 with max_iter=1
    for value in (None, "strong_wolfe"):
        hp = OPTIMIZERS["lbfgs"].validate({"line_search_fn": value})
        assert hp["line_search_fn"] is (value is not None)


def test_without_line_search_each_step_costs_one_evaluation_and_the_first_is_scaled():
    traj = run("rosenbrock", "lbfgs", steps=10, record=True, lr=0.5)
    assert traj.state["step_func_evals"][:, 0].tolist() == [1] * 10
    assert traj.state["func_evals"][:, 0].tolist() == list(range(1, 11))
    g = traj.grads[0]
    t = 0.5 * min(1.0, 1.0 / np.abs(g).sum())
    np.testing.assert_allclose(traj.updates[0], -t * g, rtol=1e-15)
    np.testing.assert_array_equal(traj.state["t"][1:], 0.5)  # later steps: t = lr


def test_default_line_search_has_one_trial_point_kept_only_if_the_loss_falls():
    """With torch's default max_eval (1) the search evaluates one trial point: 2 evaluations
    per step, and the step is taken when the loss falls, else t = 0 and nothing moves."""
    traj = run("himmelblau", "lbfgs", steps=40, record=True, line_search_fn="strong_wolfe",
               lr=2.0)
    assert set(traj.state["step_func_evals"][:, 0]) == {2.0}
    moved = np.any(traj.updates != 0, axis=1)
    assert np.all(np.diff(traj.loss)[moved] < 0)
    assert np.all(traj.state["t"][~moved, 0] == 0)


def test_a_larger_max_eval_lets_the_line_search_use_more_evaluations():
    few = run("himmelblau", "lbfgs", steps=30, record=True, line_search_fn="strong_wolfe",
              max_eval=25, lr=0.3)
    evals = few.state["step_func_evals"][:, 0]
    assert evals.max() > 2 and evals.max() <= 25
    assert few.state["func_evals"][-1, 0] == evals.sum()


def test_no_step_at_a_minimum_within_tolerance_grad():
    traj = run("rosenbrock", "lbfgs", start=(1.0, 1.0), steps=5, record=True)
    assert np.all(traj.xy == 1.0)
    assert traj.state["n_iter"][:, 0].tolist() == [0] * 5  # torch returns before counting
    assert traj.state["func_evals"][:, 0].tolist() == [1, 2, 3, 4, 5]


def test_history_size_bounds_the_memory_and_changes_the_path():
    surf = get_surface("ravine", condition=10.0, angle=30.0)
    short = run(surf, "lbfgs", steps=30, history_size=1, lr=0.2)
    long = run(surf, "lbfgs", steps=30, history_size=100, lr=0.2)
    assert not np.allclose(short.xy, long.xy)
    assert run(surf, "lbfgs", steps=3, history_size=1, lr=0.2).xy.tolist() == \
        short.xy[:4].tolist()


def test_quadratic_with_line_search_reaches_the_minimum_in_a_few_steps():
    surf = get_surface("ravine", condition=50.0, angle=30.0)
    traj = run(surf, "lbfgs", steps=20, line_search_fn="strong_wolfe", max_eval=25)
    assert traj.loss[7] < 1e-10 < traj.loss[0]  # then max|g| is below tolerance_grad: it stops
    assert np.all(traj.xy[8:] == traj.xy[7])


def test_noise_reaches_every_evaluation_of_a_step():
    quiet = run("himmelblau", "lbfgs", steps=15, line_search_fn="strong_wolfe", max_eval=25,
                lr=0.3)
    noisy = run("himmelblau", "lbfgs", steps=15, line_search_fn="strong_wolfe", max_eval=25,
                lr=0.3, noise=0.5, seed=3)
    again = run("himmelblau", "lbfgs", steps=15, line_search_fn="strong_wolfe", max_eval=25,
                lr=0.3, noise=0.5, seed=3)
    assert not np.allclose(quiet.xy, noisy.xy)
    assert noisy.xy.tolist() == again.xy.tolist()


def test_cubic_interpolation_finds_the_minimum_of_a_cubic():
    # f(x) = (x - 1)^3 / 3 - (x - 1) + 5 has its local minimum at x = 2; interpolating from
    # values and slopes at 0 and 3 must return it exactly (to rounding).
    def f(x):
        return (x - 1) ** 3 / 3 - (x - 1) + 5

    def g(x):
        return (x - 1) ** 2 - 1

    x = lbfgs._cubic_interpolate(0.0, f(0.0), g(0.0), 3.0, f(3.0), g(3.0), False, 0.0, 0.0)
    assert x == pytest.approx(2.0, abs=1e-12)
    clamped = lbfgs._cubic_interpolate(0.0, f(0.0), g(0.0), 3.0, f(3.0), g(3.0), True, 2.5, 3.0)
    assert clamped == 2.5


def test_registry_entry_has_its_parts():
    info = OPTIMIZERS["lbfgs"]
    assert info.family is None and info.entry is lbfgs.loop
    hp = info.validate({"line_search_fn": "strong_wolfe", "max_eval": 25})
    text = "\n".join(info.latex(hp, r"\gamma_t = 1"))
    assert "Wolfe" in text and "25" in text
    assert set(info.held_state(hp)) == set(lbfgs.STATE)

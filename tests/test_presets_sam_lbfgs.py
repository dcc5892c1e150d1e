"""The claims of the SAM and L-BFGS presets, one test per number or comparison, as in
``tests/test_presets.py`` (both races are free of noise, so one run of each is the whole story)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from scene.race import DEFAULT_TOL, simulate, steps_to_reach
from tests.test_presets import _dist, _load, _race, _says

SAM = "18-sam-flat-minimum"
LBFGS = "16-lbfgs-long-steps"


def _sam(record: bool = False):
    race = simulate(_load(SAM), record=record)
    adam, sam = race.racers  # blue, orange
    assert (adam.optimizer, sam.optimizer) == ("adam", "sam_adam")
    sharp, flat = race.surface.minima
    return race, adam, sam, sharp, flat


def _first_for_good(mask: np.ndarray) -> int:
    """The first index from which ``mask`` holds to the end."""
    bad = np.flatnonzero(~mask)
    return 0 if len(bad) == 0 else int(bad[-1]) + 1


# ---- 15: SAM leaves a sharp minimum for a flat one

def test_sam_steps_with_the_gradient_from_rho_uphill():
    _says(SAM, "SAM takes each step with the gradient from a point ρ uphill")
    race, _, sam, _, _ = _sam(record=True)
    e_w = sam.traj.state["e_w"]
    rho = sam.hyper["rho"]
    np.testing.assert_allclose(np.hypot(*e_w.T), rho, rtol=1e-9)
    # uphill: along the gradient at the current point
    grads = np.array([race.surface.grad(x, y) for x, y in sam.traj.xy[:-1]])
    assert np.all(np.sum(grads * e_w, axis=1) > 0)


def test_both_minima_are_equally_deep():
    _says(SAM, "Both minima are equally deep")
    _, _, _, sharp, flat = _sam()
    assert sharp.f == flat.f == 0


def test_adam_settles_in_the_sharp_minimum_within_01_from_step_11():
    _says(SAM, "blue Adam (lr 0.2) settles in the sharp one next to the start, within 0.1 of it "
               "from step 11 on")
    _, adam, _, sharp, flat = _sam()
    assert adam.hyper["lr"] == 0.2
    d = _dist(adam.traj.xy, sharp)
    assert _first_for_good(d < 0.1) == 11
    assert d[0] < _dist(adam.traj.xy[:1], flat)[0]  # the sharp one is next to the start
    assert adam.traj.loss[-1] < 1e-12


def test_sam_runs_at_the_same_rate_with_rho_05():
    _says(SAM, "Orange SAM (Adam) at the same rate, with ρ 0.5")
    _, adam, sam, _, _ = _sam()
    assert sam.hyper["lr"] == adam.hyper["lr"] and sam.hyper["rho"] == 0.5
    assert not sam.hyper["adaptive"]


def test_it_is_the_uphill_gradient_that_throws_sam_out():
    _says(SAM, "is thrown out of the narrow well by the gradient from 0.5 uphill")
    scene = _load(SAM)
    entry = scene.optimizers[1]
    no_rho = replace(scene, optimizers=[replace(entry, hyper={**entry.hyper, "rho": 0.0})])
    race = simulate(no_rho)
    (plain,) = race.racers
    sharp, _ = race.surface.minima
    assert _dist(plain.traj.xy, sharp)[-1] < 1e-3  # with ρ = 0 it stays in the sharp well


def test_sam_crosses_the_middle_at_step_70_and_stays_near_the_flat_minimum_from_step_102():
    _says(SAM, "it crosses the middle at step 70, stays within 0.1 of the flat minimum from "
               "step 102 on")
    _, _, sam, sharp, flat = _sam()
    middle = (sharp.x + flat.x) / 2
    x = sam.traj.xy[:, 0]
    assert _first_for_good(x > middle) == 70 and x[69] <= middle
    assert _first_for_good(_dist(sam.traj.xy, flat) < 0.1) == 102


def test_sam_ends_at_a_loss_below_00001():
    _says(SAM, "ends at a loss below 0.0001")
    _, _, sam, _, _ = _sam()
    assert sam.traj.loss[-1] < 1e-4


# ---- 16: L-BFGS takes few, long steps

def _lbfgs(record: bool = False):
    race = simulate(_load(LBFGS), record=record)
    lbfgs, adam = race.racers  # blue, orange
    assert (lbfgs.optimizer, adam.optimizer) == ("lbfgs", "adam")
    return race, lbfgs, adam


def test_lbfgs_uses_a_strong_wolfe_line_search_and_goes_down_at_every_step():
    _says(LBFGS, "with a strong Wolfe line search")
    _, lbfgs, _ = _lbfgs()
    assert lbfgs.hyper["line_search_fn"] is True
    reached = steps_to_reach(lbfgs.traj.loss, 0.0, DEFAULT_TOL)
    assert np.all(np.diff(lbfgs.traj.loss[: reached + 1]) < 0)


def test_lbfgs_reaches_the_minimum_at_step_29_with_66_evaluations():
    _says(LBFGS, "Blue L-BFGS reaches the minimum (loss below 0.001) at step 29, having evaluated "
                 "the function 66 times")
    _, lbfgs, _ = _lbfgs(record=True)
    assert DEFAULT_TOL == 1e-3
    assert steps_to_reach(lbfgs.traj.loss, 0.0, DEFAULT_TOL) == 29
    evals = lbfgs.traj.state["step_func_evals"][:29, 0]
    assert evals.sum() == lbfgs.traj.state["func_evals"][28, 0] == 66


def test_adam_needs_1090_steps():
    _says(LBFGS, "orange Adam (lr 0.05) needs 1090 steps")
    _, _, adam = _lbfgs()
    assert adam.hyper["lr"] == 0.05
    assert steps_to_reach(adam.traj.loss, 0.0, DEFAULT_TOL) == 1090


def test_lbfgs_first_steps_are_six_times_as_long_as_adams():
    _says(LBFGS, "The median of L-BFGS's first 20 steps is 0.13 long, six times Adam's 0.02")
    _, lbfgs, adam = _lbfgs()
    med = [float(np.median(np.hypot(*np.diff(r.traj.xy[:21], axis=0).T))) for r in (lbfgs, adam)]
    assert round(med[0], 2) == 0.13 and round(med[1], 2) == 0.02
    assert round(med[0] / med[1]) == 6


def test_both_presets_race_without_noise():
    for name in (SAM, LBFGS):
        race = _race(name)
        assert race.scene.noise == 0 and race.scene.sparsity == 0

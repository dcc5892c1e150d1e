"""The claim of the Newton preset (20), one test per number or comparison, as in
``tests/test_presets.py`` (the race is free of noise, so one run of each is the whole story)."""

from __future__ import annotations

import numpy as np

from scene.race import simulate
from tests.test_presets import _dist, _load, _reach, _says

NEWTON = "20-newton-saddle"


def _newton():
    race = simulate(_load(NEWTON))
    newton, lm, sgd = race.racers  # blue, orange, green
    assert (newton.optimizer, lm.optimizer, sgd.optimizer) == (
        "newton", "levenberg_marquardt", "sgd")
    surf = race.surface
    saddle = min(surf.saddles, key=lambda s: np.hypot(s.x - 0.5, s.y - 2.5))
    return race, newton, lm, sgd, saddle


def _first_for_good(mask: np.ndarray) -> int:
    bad = np.flatnonzero(~mask)
    return 0 if len(bad) == 0 else int(bad[-1]) + 1


def test_newton_steps_to_where_its_model_is_flat():
    _says(NEWTON, "Newton's method steps to where its quadratic model is flat")
    race, newton, _, _, _ = _newton()
    surf = race.surface
    x, y = newton.traj.xy[0]
    _, gx, gy = surf.value_grad(x, y)
    hxx, hxy, hyy = surf.hessian(x, y)
    d = -np.linalg.solve([[hxx, hxy], [hxy, hyy]], [gx, gy])
    np.testing.assert_allclose(newton.traj.xy[1], newton.traj.xy[0] + d, rtol=1e-12)


def test_the_start_is_near_one_of_himmelblaus_saddles():
    _says(NEWTON, "Started near one of Himmelblau's saddles")
    race, newton, _, _, saddle = _newton()
    assert race.surface.name == "himmelblau"
    start = newton.traj.xy[0]
    assert _dist(start[None], saddle)[0] < 0.6
    minima = [_dist(start[None], m)[0] for m in race.surface.minima]
    assert _dist(start[None], saddle)[0] < min(minima)  # nearer the saddle than any minimum
    hxx, hxy, hyy = race.surface.hessian(saddle.x, saddle.y)
    assert hxx * hyy - hxy * hxy < 0  # a saddle: curvatures of both signs


def test_newton_is_within_0001_of_the_saddle_from_step_3_and_1e12_from_step_5():
    _says(NEWTON, "blue Newton is within 0.001 of the saddle from step 3 on and within 1e-12 "
                  "from step 5")
    _, newton, _, _, saddle = _newton()
    d = _dist(newton.traj.xy, saddle)
    assert newton.traj.status == "completed"
    assert _first_for_good(d < 1e-3) == 3
    assert _first_for_good(d < 1e-12) == 5


def test_on_the_saddle_the_gradient_is_zero_and_the_loss_stays_at_6772():
    _says(NEWTON, "where the gradient is zero and the loss stays at 67.72")
    race, newton, _, _, saddle = _newton()
    assert np.abs(race.surface.grad(*newton.traj.xy[-1])).max() < 1e-10
    assert round(saddle.f, 2) == 67.72
    np.testing.assert_allclose(newton.traj.loss[5:], saddle.f, rtol=1e-12)


def test_lm_drops_the_sign_of_the_negative_curvature_and_goes_downhill():
    _says(NEWTON, "Orange Newton (LM) (λ 0.01) takes the saddle's negative curvature with its "
                  "sign dropped", "steps downhill off the saddle")
    scene = _load(NEWTON)
    race = simulate(scene, record=True)
    lm = race.racers[1]
    assert lm.hyper["damping"] == 0.01 and lm.hyper["lr"] == 1.0
    assert lm.traj.state["flipped"][0, 0] == 1.0  # the first step sees the saddle's shape
    slope = np.sum(lm.traj.grads * lm.traj.updates, axis=1)
    moving = np.abs(lm.traj.grads).max(axis=1) > 1e-9
    assert moving[:6].all() and np.all(slope[moving] < 0)  # each step while it moves descends
    assert lm.traj.loss[1] < lm.traj.loss[0]


def test_lm_reaches_the_minimum_at_3_2_at_step_6():
    _says(NEWTON, "reaches the minimum at (3, 2) at step 6")
    race, _, lm, _, _ = _newton()
    assert _reach(race, lm) == 6
    np.testing.assert_allclose(lm.traj.xy[-1], (3.0, 2.0), atol=1e-12)
    assert any((m.x, m.y) == (3.0, 2.0) for m in race.surface.minima)


def test_sgd_at_lr_001_reaches_it_at_step_21():
    _says(NEWTON, "green SGD (lr 0.01) reaches it at step 21")
    race, _, _, sgd, _ = _newton()
    assert sgd.hyper["lr"] == 0.01
    assert _reach(race, sgd) == 21
    np.testing.assert_allclose(sgd.traj.xy[-1], (3.0, 2.0), atol=1e-9)


def test_the_caption_says_the_same():
    from scene.presets import preset_captions

    assert preset_captions()[NEWTON] == ("Newton settles on the saddle by step 5; Newton (LM) "
                                         "and SGD leave it and reach the minimum at steps 6 "
                                         "and 21.")


ONE_STEP = "21-newton-one-step"


def test_newton_is_at_the_ravines_minimum_after_one_step_with_loss_exactly_0():
    _says(ONE_STEP, "On the ravine (condition number 50) blue Newton is at the minimum after "
                    "1 step, with the loss exactly 0")
    scene = _load(ONE_STEP)
    assert scene.surface == "ravine" and scene.surface_params["condition"] == 50.0
    race = simulate(scene)
    newton = race.racers[0]
    assert newton.optimizer == "newton" and newton.hyper["lr"] == 1.0
    assert newton.traj.loss[0] > 1.0
    assert np.all(newton.traj.loss[1:] == 0.0)
    assert np.all(newton.traj.xy[1:] == 0.0)


def test_tuned_momentum_and_sgd_first_come_within_0001_at_steps_79_and_152():
    from scene import tune
    from scene.race import DEFAULT_TOL, steps_to_reach

    _says(ONE_STEP, "each at the rate the app's tuning picks for it (fewest steps to settle "
                    "within 0.001 of the minimum)", "first come within 0.001 of it at steps 79 "
                    "and 152")
    scene = _load(ONE_STEP)
    for i in (1, 2):  # the rates are the search's choice, and the file says so
        assert tune.mark(scene, i) == "tuned"
        assert scene.optimizers[i].tuned["criterion"] == tune.REACH
        assert scene.optimizers[i].full_hyper()["lr"] == tune.tune(scene, i, tune.REACH).lr
    race = simulate(scene)
    _, momentum, sgd = race.racers
    assert (momentum.optimizer, sgd.optimizer) == ("momentum", "sgd")
    # the results table's "steps to minimum", which the claim quotes
    assert [steps_to_reach(r.traj.loss, 0.0, DEFAULT_TOL) for r in (momentum, sgd)] == [79, 152]

"""The claims of the data-surface presets (22 to 25), one test per number or comparison each
claim states, as in ``tests/test_presets.py``: every test first checks that the claim still says
it (``_says``), then runs the preset as the app does (``scene.race.simulate``). The minibatch
claim (22) is about random draws, so it is checked for every seed from 0 to 9, as it promises.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from landscapes._data_kernels import batch_rows
from landscapes.data import dataset, standardized
from optimizers import batch_size_of, run
from scene.race import Race, simulate
from tests.test_presets import _dist, _load, _reach, _says

NOISE = "22-minibatch-noise"
NORMALIZE = "23-normalize-inputs"
RUNAWAY = "24-separable-runaway"
VALLEY = "25-sharp-flat-valley"
SEEDS = range(10)


@cache
def _race(name: str, seed: int | None = None) -> Race:
    scene = _load(name)
    return simulate(scene if seed is None else replace(scene, seed=seed))


def _eig(surface, x: float, y: float) -> np.ndarray:
    """The Hessian's eigenvalues at (x, y), smallest first, from the exact Hessian."""
    hxx, hxy, hyy = surface.hessian(float(x), float(y))
    return np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]])


def _sharpness(surface, point) -> float:
    return float(_eig(surface, *point)[-1])


# --------------------------------------------------------------------------------------------
# 22: the minibatch is the noise


def _noise_racers(seed: int | None = None):
    race = _race(NOISE, seed)
    blue, orange, green = race.racers
    return race, blue, orange, green


def _tail_gaps(race: Race, racer, last: int = 500) -> float:
    return float(np.mean(racer.traj.loss[-last:] - race.surface.f_min))


def _tail_dist(race: Race, racer, last: int = 500) -> np.ndarray:
    return _dist(racer.traj.xy[-last:], race.surface.minima[0])


def test_three_sgd_racers_at_lr_005_differ_only_in_their_batch():
    _says(NOISE, "Three SGD racers with the same learning rate (0.05)",
          "only the batch differs")
    scene = _load(NOISE)
    assert [e.optimizer for e in scene.optimizers] == ["sgd"] * 3
    assert all(e.hyper == {"lr": 0.05} for e in scene.optimizers)
    own = [{k: v for k, v in e.own().items() if k != "batch"} for e in scene.optimizers]
    assert own == [{}, {}, {}]  # no schedule, noise or sparsity of their own
    assert scene.noise == 0 and scene.sparsity == 0 and scene.schedule == {"name": "constant"}
    assert [scene.settings_of(e)["batch"] for e in scene.optimizers] == [1, 8, None]


def test_the_line_is_fitted_to_the_standardised_penguin_data():
    _says(NOISE, "fit a line to the standardised penguin data")
    scene = _load(NOISE)
    assert scene.surface == "data"
    assert scene.surface_params == {"model": "linear", "dataset": "penguins-mass",
                                     "standardize": 1, "seed": 0}
    x = standardized(dataset("penguins-mass").rows, "regression")[:, 0]
    assert abs(x.mean()) < 1e-12 and abs(x.std() - 1) < 1e-12


def test_green_uses_all_342_penguins_and_settles_on_the_minimum():
    _says(NOISE, "Green uses all 342 penguins at every step and settles on the minimum")
    race, _, _, green = _noise_racers()
    surf = race.surface
    assert dataset("penguins-mass").n == 342 == int(surf.p[1])
    assert batch_size_of(surf, green.own.get("batch")) is None  # the whole data
    assert green.traj.status == "completed"
    assert _dist(green.traj.xy[-1:], surf.minima[0])[0] < 1e-10
    assert np.hypot(*np.diff(green.traj.xy[-500:], axis=0).T).max() < 1e-10  # it has stopped
    # The full batch is the same for every seed.
    for seed in SEEDS:
        np.testing.assert_array_equal(_noise_racers(seed)[3].traj.xy, green.traj.xy)


def test_orange_averages_over_8_penguins_and_blue_takes_1_a_new_draw_each_step():
    _says(NOISE, "Orange averages over 8 penguins and blue takes 1, a new draw each step")
    race, blue, orange, _ = _noise_racers()
    rows = standardized(dataset("penguins-mass").rows, "regression")
    for racer, size in ((blue, 1), (orange, 8)):
        drawn = batch_rows(rows.shape[0], size, race.scene.seed, 20)
        assert all(len(b) == size for b in drawn)
        assert len({tuple(sorted(b)) for b in drawn}) == 20  # a different draw each step
        for t in range(1, 21):  # each step: SGD on the mean gradient over the drawn rows
            (w, b), (x, target) = racer.traj.xy[t - 1], rows[drawn[t - 1]].T
            err = w * x + b - target
            grad = np.array([2 * np.mean(err * x), 2 * np.mean(err)])
            np.testing.assert_allclose(racer.traj.xy[t], racer.traj.xy[t - 1] - 0.05 * grad,
                                       rtol=0, atol=1e-12)


def test_blue_and_orange_keep_jittering_around_the_minimum():
    _says(NOISE, "so they keep jittering around it")
    for seed in SEEDS:
        race, blue, orange, _ = _noise_racers(seed)
        m = race.surface.minima[0]
        for racer in (blue, orange):
            tail = racer.traj.xy[-500:]
            steps = np.hypot(*np.diff(tail, axis=0).T)
            window = np.convolve(steps, np.ones(10), "valid")  # distance moved in 10 steps
            assert steps.mean() > 1e-3 and window.min() > 1e-3  # never comes to rest
            spread = _tail_dist(race, racer).mean()
            centre = math.hypot(*(tail.mean(axis=0) - (m.x, m.y)))
            assert spread < 0.2 and centre < 0.5 * spread  # around the minimum, not off it


def test_blues_loss_is_over_9_times_as_far_above_the_lowest_as_oranges_for_every_seed():
    _says(NOISE, "Over the last 500 steps, for every seed from 0 to 9, blue's loss stays on "
                 "average over 9 times as far above the lowest as orange's")
    assert _load(NOISE).steps >= 500
    for seed in SEEDS:
        race, blue, orange, green = _noise_racers(seed)
        b, o, g = (_tail_gaps(race, r) for r in (blue, orange, green))
        assert o > 0 and b > 9 * o, (seed, b, o)
        assert abs(g) < 1e-12  # the full batch sits on the lowest loss


def test_blue_strays_over_3_times_as_far_from_the_minimum_for_every_seed():
    _says(NOISE, "for every seed from 0 to 9", "blue strays over 3 times as far from the minimum")
    for seed in SEEDS:
        race, blue, orange, _ = _noise_racers(seed)
        b, o = _tail_dist(race, blue).mean(), _tail_dist(race, orange).mean()
        assert b > 3 * o, (seed, b, o)


# --------------------------------------------------------------------------------------------
# 23: normalise your inputs


def _normalize():
    race = _race(NORMALIZE)
    blue, orange = race.racers
    assert (blue.optimizer, orange.optimizer) == ("sgd", "sgd")
    return race, blue, orange


def _standardised_race() -> Race:
    scene = _load(NORMALIZE)
    return simulate(replace(scene, surface_params={**scene.surface_params, "standardize": 1}))


def test_flipper_lengths_are_about_2_dm_far_from_0():
    _says(NORMALIZE, "Flipper lengths are about 2 dm, far from 0")
    race, _, _ = _normalize()
    assert race.scene.surface_params["standardize"] == 0
    assert race.scene.surface_params["dataset"] == "penguins-mass"
    x = dataset("penguins-mass").rows[:, 0]
    assert round(float(x.mean()), 1) == 2.0
    assert x.min() > 8 * x.std()  # far from 0 for their spread


def test_the_ravine_curves_about_1300_times_more_steeply_across_than_along():
    _says(NORMALIZE, "a ravine that curves about 1300 times more steeply across than along")
    race, _, _ = _normalize()
    m = race.surface.minima[0]
    low, high = _eig(race.surface, m.x, m.y)
    assert round(high / low, -2) == 1300
    np.testing.assert_allclose(_eig(race.surface, 0.0, 0.0), (low, high))  # a quadratic


def test_blue_sgd_at_019_is_just_under_the_largest_stable_rate_about_0198():
    _says(NORMALIZE, "Blue SGD at lr 0.19, just under the largest stable rate (about 0.198)")
    race, blue, _ = _normalize()
    m = race.surface.minima[0]
    largest = 2 / _eig(race.surface, m.x, m.y)[-1]
    assert round(largest, 3) == 0.198
    assert blue.hyper["lr"] == 0.19 < largest and largest - 0.19 < 0.01


def _along_across(race: Race, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = race.surface.minima[0]
    hxx, hxy, hyy = race.surface.hessian(m.x, m.y)
    _, vecs = np.linalg.eigh([[hxx, hxy], [hxy, hyy]])
    d = xy - (m.x, m.y)
    return d @ vecs[:, 0], d @ vecs[:, 1]


def test_blue_zig_zags_across_then_crawls_along_the_floor():
    _says(NORMALIZE, "zig-zags across, then crawls along the floor")
    race, blue, _ = _normalize()
    along, across = _along_across(race, blue.traj.xy)
    assert np.all(np.sign(across[1:51]) == -np.sign(across[:50]))  # wall to wall, 50 steps
    assert np.abs(across[100:]).max() < 1e-3  # then on the floor ...
    shrink = np.abs(along[101:]) / np.abs(along[100:-1])
    assert np.all(shrink > 0.998)  # ... closing in by under 0.2% a step
    assert abs(along[1000]) > 1.0  # still over 1 from the minimum halfway through


def test_blue_needs_1807_steps_to_come_within_0001_of_the_lowest_loss():
    _says(NORMALIZE, "needs 1807 steps to come within 0.001 of the lowest loss")
    race, blue, _ = _normalize()
    assert blue.traj.status == "completed"
    assert _reach(race, blue) == 1807
    assert race.scene.steps >= 1807


def test_orange_sgd_at_02_blows_up():
    _says(NORMALIZE, "orange SGD at lr 0.2 blows up")
    race, _, orange = _normalize()
    assert orange.hyper["lr"] == 0.2
    assert orange.traj.status == "diverged"
    assert _reach(race, orange) is None
    assert orange.traj.loss[-1] > 1e4 * orange.traj.loss[0]


def test_the_standardise_switch_makes_a_round_bowl():
    _says(NORMALIZE, "Switch on \"standardise the inputs\" and the map becomes a round bowl")
    ui = (Path(__file__).parents[1] / "ui" / "data_ui.py").read_text(encoding="utf-8")
    assert '"standardise the inputs"' in ui  # the sidebar switch's label
    race = _standardised_race()
    for point in [(0.0, 0.0), (race.surface.minima[0].x, race.surface.minima[0].y)]:
        low, high = _eig(race.surface, *point)
        assert abs(high - low) < 1e-12 and abs(high - 2) < 1e-12  # one curvature every way


def test_standardised_lr_019_needs_11_steps():
    _says(NORMALIZE, "lr 0.19 then needs 11 steps")
    race = _standardised_race()
    blue = race.racers[0]
    assert blue.hyper["lr"] == 0.19 and blue.traj.status == "completed"
    assert _reach(race, blue) == 11
    assert _reach(race, blue) < _reach(*_normalize()[:2]) / 100  # far fewer than raw


# --------------------------------------------------------------------------------------------
# 24: separable data, a path that never ends


def _runaway():
    race = _race(RUNAWAY)
    blue, orange, green = race.racers
    assert (blue.optimizer, orange.optimizer, green.optimizer) == ("sgd", "momentum", "adam")
    return race, (blue, orange, green)


def _wrong(xy: np.ndarray) -> np.ndarray:
    """How many penguins the weights at each point classify wrongly (or on the line)."""
    rows = dataset("penguins-bills").rows
    margins = (xy[:, :1] * rows[:, 0] + xy[:, 1:] * rows[:, 1]) * rows[:, 2]
    return (margins <= 0).sum(axis=1)


def _angles(xy: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(xy[:, 1], xy[:, 0]))


def test_a_line_through_the_origin_separates_the_penguins_so_there_is_no_lowest_point():
    _says(RUNAWAY, "A line through the origin can separate these Gentoo and Adélie penguins by "
                   "their bills, so the loss has no lowest point")
    race, _ = _runaway()
    surf = race.surface
    assert race.scene.surface_params["model"] == "logistic"
    assert race.scene.surface_params["dataset"] == "penguins-bills"
    assert dataset("penguins-bills").columns[:2] == ("bill length (cm)", "bill depth (cm)")
    assert surf.minima == [] and surf.f_min is None
    theta = surf.ray  # a separating direction: every penguin on its own side
    assert _wrong(np.array([[math.cos(theta), math.sin(theta)]]))[0] == 0
    # The loss falls without end along that direction.
    values = [surf.value(r * math.cos(theta), r * math.sin(theta)) for r in (1, 10, 100, 1000)]
    assert np.all(np.diff(values) < 0) and values[-1] < 1e-10


def test_every_racers_loss_falls_and_weights_grow_at_every_step():
    _says(RUNAWAY, "For blue SGD, orange Momentum and green Adam alike, the loss falls and the "
                   "weights grow at every step")
    _, racers = _runaway()
    for r in racers:
        assert r.traj.status == "completed"
        assert np.all(np.diff(r.traj.loss) < 0), r.label
        assert np.all(np.diff(np.hypot(*r.traj.xy.T)) > 0), r.label


def test_from_step_100_all_three_point_within_04_degrees_of_one_another():
    _says(RUNAWAY, "from step 100 on all three point within 0.4° of one another")
    _, racers = _runaway()
    angles = np.array([_angles(r.traj.xy[100:]) for r in racers])
    assert (angles.max(axis=0) - angles.min(axis=0)).max() < 0.4


def test_they_point_about_69_degrees_below_the_w1_axis():
    _says(RUNAWAY, "about 69° below the w₁ axis")
    _, racers = _runaway()
    for r in racers:
        assert np.all(np.round(_angles(r.traj.xy[100:])) == -69), r.label


def test_only_their_lengths_differ_67_125_and_105_at_the_end():
    _says(RUNAWAY, "Only their length differs: 6.7, 12.5 and 10.5 at the end")
    _, racers = _runaway()
    assert [round(float(np.hypot(*r.traj.xy[-1])), 1) for r in racers] == [6.7, 12.5, 10.5]


def test_each_still_gets_one_penguin_wrong():
    _says(RUNAWAY, "Each still gets one penguin wrong")
    _, racers = _runaway()
    assert [int(_wrong(r.traj.xy[-1:])[0]) for r in racers] == [1, 1, 1]


def test_the_directions_that_separate_every_penguin_form_a_window_under_1_degree_wide():
    _says(RUNAWAY, "the directions that separate them all form a window under 1° wide")
    # Every direction, a thousandth of a degree apart: which ones classify all 274 rightly?
    deg = np.arange(-180.0, 180.0, 0.001)
    ok = np.flatnonzero(_wrong(np.column_stack([np.cos(np.radians(deg)),
                                                np.sin(np.radians(deg))])) == 0)
    assert ok.size and np.all(np.diff(ok) == 1)  # one window
    width = deg[ok[-1]] - deg[ok[0]]
    assert 0.5 < width < 1.0
    _, racers = _runaway()
    for r in racers:  # and no racer is pointing inside it yet
        assert not deg[ok[0]] <= _angles(r.traj.xy[-1:])[0] <= deg[ok[-1]]


# --------------------------------------------------------------------------------------------
# 25: flat and sharp minima on one valley


def _valley():
    race = _race(VALLEY)
    blue, orange, green = race.racers
    assert (blue.optimizer, orange.optimizer, green.optimizer) == ("sgd", "sgd", "adam")
    return race, (blue, orange, green)


def _slope() -> float:
    """The best line through the origin for the data: ŷ = c·x with c = Σxt / Σx²."""
    x, t = dataset("line", 0).rows.T
    return float(np.sum(x * t) / np.sum(x * x))


def test_every_point_of_the_valley_w1w2_148_computes_the_same_line_and_loss():
    _says(VALLEY, "Every point of this valley, where w₁·w₂ = 1.48, computes the same line "
                  "ŷ = 1.48·x, so all have the same loss")
    race, _ = _valley()
    surf, c = race.surface, _slope()
    assert race.scene.surface_params["model"] == "product"
    assert round(c, 2) == 1.48
    for w1 in (0.3, 0.5, 1.0, math.sqrt(c), 2.0, 3.0, -1.0):
        assert abs(surf.value(w1, c / w1) - surf.f_min) < 1e-12
        assert np.abs(surf.grad(w1, c / w1)).max() < 1e-12  # each point a minimum


def _settled(racer) -> bool:
    return np.abs(np.diff(racer.traj.xy[-100:], axis=0)).max() < 1e-8


def test_blue_settles_where_the_valley_is_sharp_largest_curvature_203():
    _says(VALLEY, "Blue SGD (lr 0.01) settles where the valley is sharp: its largest curvature "
                  "there is 20.3")
    race, (blue, _, _) = _valley()
    assert blue.hyper["lr"] == 0.01 and blue.traj.status == "completed" and _settled(blue)
    assert abs(blue.traj.loss[-1] - race.surface.f_min) < 1e-12
    assert round(_sharpness(race.surface, blue.traj.xy[-1]), 1) == 20.3


def test_orange_cannot_settle_where_the_curvature_exceeds_2_over_015_about_13():
    _says(VALLEY, "Orange SGD (lr 0.15) cannot settle where the curvature exceeds 2/0.15 ≈ 13")
    race, (blue, orange, green) = _valley()
    surf, lr = race.surface, orange.hyper["lr"]
    assert lr == 0.15 and round(2 / lr) == 13
    assert _sharpness(surf, orange.traj.xy[-1]) < 2 / lr
    # Put on blue's or green's end point (sharper than 2/0.15), a hair off it, it is thrown out
    # and settles somewhere flat enough.
    for other in (blue, green):
        x, y = other.traj.xy[-1]
        assert _sharpness(surf, (x, y)) > 2 / lr
        t = run(surf, "sgd", start=(x + 1e-6, y), steps=500, lr=lr)
        assert t.status == "completed"
        assert math.hypot(*(t.xy[-1] - (x, y))) > 0.3
        assert _sharpness(surf, t.xy[-1]) < 2 / lr


def test_orange_ends_at_90_near_the_flattest_point_87():
    _says(VALLEY, "so it ends at 9.0, near the flattest point (8.7)")
    race, (_, orange, _) = _valley()
    surf, c = race.surface, _slope()
    assert orange.traj.status == "completed" and _settled(orange)
    assert abs(orange.traj.loss[-1] - surf.f_min) < 1e-12
    assert round(_sharpness(surf, orange.traj.xy[-1]), 1) == 9.0
    # The flattest point of the valley, by a scan along it: where w₁ = w₂.
    w1 = np.linspace(0.2, 5.0, 4801)
    sharp = np.array([_sharpness(surf, (a, c / a)) for a in w1])
    flattest = w1[np.argmin(sharp)]
    assert abs(flattest - math.sqrt(c)) < 2e-3
    assert round(float(sharp.min()), 1) == 8.7
    assert _dist(orange.traj.xy[-1:], (flattest, c / flattest))[0] < 0.2
    ends = [_sharpness(surf, r.traj.xy[-1]) for r in race.racers]
    assert min(ends) == ends[1]  # the flattest of the three ends


def test_green_adam_ends_at_247():
    _says(VALLEY, "Green Adam ends at 24.7")
    race, (_, _, green) = _valley()
    assert green.traj.status == "completed" and _settled(green)
    assert abs(green.traj.loss[-1] - race.surface.f_min) < 1e-12
    assert round(_sharpness(race.surface, green.traj.xy[-1]), 1) == 24.7


def test_all_three_predict_the_same_for_any_new_input():
    _says(VALLEY, "All three predict the same for any new input",
          "sharpness says nothing about generalisation (Dinh et al. 2017)")
    race, racers = _valley()
    products = [float(np.prod(r.traj.xy[-1])) for r in racers]
    np.testing.assert_allclose(products, _slope(), rtol=1e-10)
    x_new = np.linspace(-10, 10, 41)  # inputs the data never had
    preds = [p * x_new for p in products]
    for p in preds[1:]:
        np.testing.assert_allclose(p, preds[0], rtol=0, atol=1e-9)
    # Fresh data from the same source: the same test loss for all three, whatever their
    # sharpness.
    x, t = dataset("line", 1).rows.T
    test_losses = [float(np.mean((p * x - t) ** 2)) for p in products]
    np.testing.assert_allclose(test_losses, test_losses[0], rtol=1e-9)
    sharp = [_sharpness(race.surface, r.traj.xy[-1]) for r in racers]
    assert max(sharp) / min(sharp) > 2.5


RARE = "26-rare-feature-data"


def _rare_ends(seed: int):
    race = _race(RARE, seed)
    assert [r.optimizer for r in race.racers] == ["sgd", "adagrad", "adam"]
    return race, [r.traj.xy[-1] for r in race.racers]


def test_rare_five_rows_in_1000_and_96_percent_of_batches_lack_it():
    _says(RARE, "Five rows in 1,000 have the rare input v, so 96 % of the batches of 8 lack it")
    race, _ = _rare_ends(0)
    rows = race.surface.p[10:].reshape(-1, 3)
    assert len(rows) == 1000 and int((rows[:, 1] != 0).sum()) == 5
    assert batch_size_of(race.surface, race.scene.batch) == 8
    batches = batch_rows(1000, 8, 0, 1000)
    lacking = np.mean([not (rows[b, 1] != 0).any() for b in batches])
    assert round(100 * lacking) == 96


def test_rare_every_common_weight_is_within_003_of_its_best():
    _says(RARE, "all three have the common weight within 0.03 of its best value (1.00)")
    for seed in SEEDS:
        race, ends = _rare_ends(seed)
        best = race.surface.minima[0]
        assert round(best.x, 2) == 1.00
        assert all(abs(e[0] - best.x) < 0.03 for e in ends), seed


def test_rare_sgd_lags_and_adagrad_and_adam_keep_up():
    _says(RARE, "blue SGD's rare weight is still below 0.8 (best: 2.00), while orange "
                "Adagrad's is within 0.02 of it and green Adam's within 0.11")
    for seed in SEEDS:
        race, (sgd, adagrad, adam) = _rare_ends(seed)
        best = race.surface.minima[0]
        assert round(best.y, 2) == 2.00
        assert sgd[1] < 0.8, seed
        assert abs(adagrad[1] - best.y) < 0.02, seed
        assert abs(adam[1] - best.y) < 0.11, seed


LEAP = "27-rmsprop-rare-leap"


def _leap(seed: int):
    race = _race(LEAP, seed)
    assert [r.optimizer for r in race.racers] == ["rmsprop", "adam"]
    assert [r.hyper["lr"] for r in race.racers] == [0.05, 0.05]
    return race, [np.abs(np.diff(r.traj.xy[:, 1])) for r in race.racers]


def test_leap_the_rare_input_is_in_5_rows_of_1000():
    _says(LEAP, "The rare input v is in 5 rows of 1,000")
    race, _ = _leap(0)
    rows = race.surface.p[10:].reshape(-1, 3)
    assert len(rows) == 1000 and int((rows[:, 1] != 0).sum()) == 5


def test_leap_rmsprop_moves_the_rare_weight_by_05_in_one_step():
    _says(LEAP, "the next one moves the weight by 0.5 in a single step, ten times the "
                "learning rate (for every seed from 0 to 9)")
    for seed in SEEDS:
        _, (rms, _) = _leap(seed)
        assert round(float(rms.max()), 3) == 0.5 == 10 * 0.05, seed


def test_leap_adams_steps_stay_below_005_and_it_stays_closer():
    _says(LEAP, "Orange Adam's bias correction and momentum keep every step below 0.05, and "
                "over the last 500 steps its rare weight stays on average within 0.04 of the "
                "best value, RMSProp's 0.08 or more away")
    for seed in SEEDS:
        race, (_, adam) = _leap(seed)
        assert adam.max() < 0.05, seed
        best = race.surface.minima[0].y
        rms_xy, adam_xy = (r.traj.xy[-500:, 1] for r in race.racers)
        assert np.abs(adam_xy - best).mean() < 0.04 <= 0.08 <= np.abs(rms_xy - best).mean(), seed

"""The Rprop preset's claim, one test per number or comparison it states (as tests/test_presets.py
does for the others); the random starts are drawn with seeds 0 to 19."""

from __future__ import annotations

import numpy as np
import pytest

from landscapes import get_surface
from optimizers import run
from scene.presets import load_presets
from scene.race import DEFAULT_TOL, simulate, steps_to_reach

RPROP = "17-rprop-sign-steps"
SEEDS = range(20)


@pytest.fixture(scope="module")
def race():
    return simulate(load_presets()[RPROP])


def _says(*phrases: str) -> None:
    claim = load_presets()[RPROP].claim
    for phrase in phrases:
        assert phrase in claim, f"the claim no longer says {phrase!r}"


def _racer(race, name):
    return next(r for r in race.racers if r.optimizer == name)


def _reach(loss) -> int | None:
    return steps_to_reach(loss, 0.0, DEFAULT_TOL)


def test_the_ravine_is_100_times_steeper_across_than_along(race):
    _says("In a ravine 100 times steeper across than along")
    surf = race.surface
    h = 1e-4
    along = (surf.grad(h, 0.0)[0] - surf.grad(-h, 0.0)[0]) / (2 * h)
    across = (surf.grad(0.0, h)[1] - surf.grad(0.0, -h)[1]) / (2 * h)
    assert across / along == pytest.approx(100.0, rel=1e-6)


def test_sgd_must_stay_below_2_over_100_or_it_blows_up(race):
    _says("blue SGD must keep its learning rate below 2/100 or it blows up")
    sgd = _racer(race, "sgd")
    assert race.racers[0] is sgd and sgd.hyper["lr"] < 2 / 100
    above = run(race.surface, "sgd", start=race.scene.start_point(), steps=300, lr=0.021)
    assert above.status == "diverged" or above.loss[-1] > 1e3 * above.loss[0]


def test_sgd_bounces_from_wall_to_wall_and_creeps_along_needing_241_steps(race):
    _says("at 0.019 it bounces from wall to wall and creeps along the flat floor, needing 241 "
          "steps")
    sgd = _racer(race, "sgd")
    assert sgd.hyper["lr"] == 0.019
    across = sgd.traj.xy[:60, 1]
    assert np.all(across[1:] * across[:-1] < 0)  # a wall-to-wall bounce at every step
    along = np.abs(np.diff(sgd.traj.xy[:, 0]))
    assert along.max() <= 0.019 * 4.5 + 1e-12  # never more than lr × the floor's slope
    assert _reach(sgd.traj.loss) == 241


def test_rprop_grows_a_steps_while_its_sign_holds_and_halves_it_on_a_flip(race):
    _says("Orange Rprop looks only at the sign of each gradient coordinate",
          "while a sign holds, that coordinate's step grows by 1.2 at every update; when it "
          "flips, the step halves")
    assert race.racers[1].optimizer == "rprop"
    lr = _racer(race, "rprop").hyper["lr"]
    traj = run(race.surface, "rprop", start=race.scene.start_point(), steps=29, lr=lr,
               record=True)
    sizes = np.vstack([[lr, lr], traj.step_size])
    prev = np.vstack([[0.0, 0.0], traj.state["prev"][:-1]])
    holds = traj.grads * prev > 0
    flips = traj.grads * prev < 0
    assert holds.sum() > 30 and flips.sum() >= 4
    np.testing.assert_allclose(sizes[1:][holds], 1.2 * sizes[:-1][holds], rtol=1e-12)
    np.testing.assert_allclose(sizes[1:][flips], 0.5 * sizes[:-1][flips], rtol=1e-12)
    # only the sign: on a ravine ten times steeper across, Rprop takes the very same path
    steep = get_surface("ravine", condition=1000.0, angle=0.0)
    same = run(steep, "rprop", start=race.scene.start_point(), steps=29, lr=lr)
    np.testing.assert_array_equal(same.xy, traj.xy)


def test_rprop_arrives_in_29_steps(race):
    _says("Steep wall and flat floor alike, Rprop arrives in 29 steps")
    assert _reach(_racer(race, "rprop").traj.loss) == 29


def test_from_20_random_starts_rprop_takes_22_to_38_steps_and_sgd_62_to_242(race):
    _says("in 22 to 38 from each of 20 random starts (SGD: 62 to 242)")
    surf = race.surface
    (xlo, xhi), (ylo, yhi) = surf.bounds
    sgd_lr, rprop_lr = _racer(race, "sgd").hyper["lr"], _racer(race, "rprop").hyper["lr"]
    r_steps, s_steps = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        start = (rng.uniform(xlo, xhi), rng.uniform(ylo, yhi))
        r_steps.append(_reach(run(surf, "rprop", start=start, steps=3000, lr=rprop_lr).loss))
        s_steps.append(_reach(run(surf, "sgd", start=start, steps=3000, lr=sgd_lr).loss))
    assert (min(r_steps), max(r_steps)) == (22, 38)
    assert (min(s_steps), max(s_steps)) == (62, 242)

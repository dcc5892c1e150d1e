"""The SparseAdam preset's claim, one test per number or comparison, as in
``tests/test_presets.py``; the claims about sparse runs hold for every seed from 0 to 19."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from optimizers import stochastic
from scene.race import simulate
from tests import naive
from tests.test_presets import _load, _says

PRESET = "19-sparse-adam-lazy"
SEEDS = range(20)


def _race(seed: int = 0, **changes):
    scene = replace(_load(PRESET), seed=seed, **changes)
    race = simulate(scene, record=True)
    adam, lazy = race.racers  # blue, orange
    assert (adam.optimizer, lazy.optimizer) == ("adam", "sparse_adam")
    return race, adam, lazy


def test_scene_x_present_one_step_in_ten_y_always():
    _says(PRESET, "x's gradient is present one step in ten, y's always")
    scene = _load(PRESET)
    assert scene.sparsity == (0.9, 0.0) and scene.steps == 300 and scene.noise == 0.0
    assert scene.surface == "ravine" and scene.surface_params["angle"] == 0.0
    race, adam, lazy = _race()
    assert race.surface.minima[0].x == race.surface.minima[0].y == 0.0
    assert adam.hyper["lr"] == lazy.hyper["lr"] == 0.1  # "the rate"


@pytest.mark.parametrize("seed", SEEDS)
def test_adam_decays_and_drifts_every_step_never_more_than_01_and_ends_within_016(seed):
    _says(PRESET, "Blue Adam gets a zero for a missing x: its moments decay and it drifts along "
                  "x every step, never more than 0.1, ending within 0.16 of the minimum")
    _, adam, _ = _race(seed)
    _, drop = stochastic(300, 0.0, (0.9, 0.0), seed)
    absent = drop[:, 0] != 0
    first = int(np.argmax(~absent))  # x's first gradient
    assert np.all(adam.traj.grads[absent, 0] == 0.0)
    m = adam.traj.state["exp_avg"][:, 0]
    v = adam.traj.state["exp_avg_sq"][:, 0]
    later = absent & (np.arange(300) > first)
    assert np.all(np.abs(m[later]) < np.abs(m[np.flatnonzero(later) - 1]))
    assert np.all(v[later] < v[np.flatnonzero(later) - 1])
    dx = np.diff(adam.traj.xy[:, 0])
    assert np.all(dx[first:] != 0.0)  # every step from x's first gradient on
    assert np.abs(dx).max() <= 0.1
    assert abs(adam.traj.xy[-1, 0]) < 0.16


@pytest.mark.parametrize("seed", SEEDS)
def test_sparse_adam_moves_x_only_on_its_23_to_40_present_steps(seed):
    _says(PRESET, "Orange SparseAdam treats it as absent: it moves x only on the 23 to 40 steps "
                  "(of 300, seeds 0 to 19) that have it")
    _, _, lazy = _race(seed)
    _, drop = stochastic(300, 0.0, (0.9, 0.0), seed)
    present = drop[:, 0] == 0
    assert 23 <= present.sum() <= 40
    np.testing.assert_array_equal(np.diff(lazy.traj.xy[:, 0]) != 0.0, present)
    for name in ("exp_avg", "exp_avg_sq"):  # moments untouched when x is absent
        s = np.vstack([np.zeros((1, 2)), lazy.traj.state[name]])[:, 0]
        np.testing.assert_array_equal(np.diff(s) != 0.0, present)


def test_the_present_counts_span_23_to_40_over_the_seeds():
    counts = [int((stochastic(300, 0.0, (0.9, 0.0), s)[1][:, 0] == 0).sum()) for s in SEEDS]
    assert min(counts) == 23 and max(counts) == 40


@pytest.mark.parametrize("seed", SEEDS)
def test_sparse_adam_hops_reach_18_to_27_times_the_rate_and_end_008_to_073_past(seed):
    _says(PRESET, "its hops reach 1.8 to 2.7 times the rate: it ends 0.08 to 0.73 past the "
                  "minimum")
    _, adam, lazy = _race(seed)
    hop = np.abs(np.diff(lazy.traj.xy[:, 0])).max()
    assert 1.8 * 0.1 <= hop <= 2.7 * 0.1
    start = lazy.traj.xy[0, 0]
    end = lazy.traj.xy[-1, 0]
    assert start < 0 and 0.08 <= end <= 0.73  # past the minimum x = 0, on the far side


@pytest.mark.parametrize("seed", [0, 7, 19])
def test_the_long_hops_come_from_counting_every_step_in_the_bias_correction(seed):
    """"as its bias correction counts every step, not x's few": the same lazy updates with each
    coordinate's own count in the bias correction never hop further than the rate, nor pass
    the minimum."""
    _says(PRESET, "as its bias correction counts every step, not x's few")
    race, _, lazy = _race(seed)
    _, drop = stochastic(300, 0.0, (0.9, 0.0), seed)
    ref = naive.sparse_adam(race.surface.grad, race.surface.start, 300, [0.1] * 300,
                            drop=drop.astype(bool))
    np.testing.assert_allclose(lazy.traj.xy, np.array(ref), rtol=1e-9, atol=1e-12)
    theta, m, v, k, hops = list(race.surface.start), [0.0, 0.0], [0.0, 0.0], [0, 0], []
    for t in range(300):
        g = race.surface.grad(*theta)
        for i in range(2):
            if drop[t, i]:
                continue
            k[i] += 1
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
            step = 0.1 * math.sqrt(1 - 0.999 ** k[i]) / (1 - 0.9 ** k[i]) * m[i] / (
                math.sqrt(v[i]) + 1e-8)
            theta[i] -= step
            if i == 0:
                hops.append(abs(step))
    assert max(hops) <= 0.1 and theta[0] < 0


def test_without_sparsity_the_paths_stay_within_1e_7():
    _says(PRESET, "Without sparsity the paths stay within 1e-7")
    _, adam, lazy = _race(0, sparsity=0.0)
    assert np.abs(adam.traj.xy - lazy.traj.xy).max() < 1e-7

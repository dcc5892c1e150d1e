"""The teaching presets: every file is a clean scene, and every scene shows what its claim says.

Each claim test runs the preset exactly as the app does (``scene.race.simulate``) and, where the
claim is a contrast the scene itself cannot carry (a schedule, noise or sparsity applies to every
racer), also the same scene with that one setting changed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from dataclasses import replace

import numpy as np
import pytest

from landscapes import Surface
from optimizers import OPTIMIZERS, run
from scene import check, from_json, to_dict, to_json
from scene.presets import PRESETS_DIR, PROBLEMS, load_presets, preset_files, preset_names
from scene.race import Race, Racer, simulate, steps_to_reach

NAMES = [p.stem for p in preset_files()]
COLOUR_WORDS = ["blue", "orange", "green", "pink"]  # the palette's first four, as claims say


def _load(name: str):
    scene, warnings = from_json((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert warnings == []
    return scene


def _race(name: str, **changes) -> Race:
    scene = _load(name)
    return simulate(replace(scene, **changes) if changes else scene)


def _racer(race: Race, key: str) -> Racer:
    """The racer whose label is ``key``, or the only racer running optimizer ``key``."""
    found = [r for r in race.racers if r.label == key] or [
        r for r in race.racers if r.optimizer == key]
    assert len(found) == 1, f"no single racer {key!r} in {[r.label for r in race.racers]}"
    return found[0]


def _step_lengths(xy: np.ndarray) -> np.ndarray:
    return np.hypot(*np.diff(xy, axis=0).T)


def _dist(xy: np.ndarray, point) -> np.ndarray:
    return np.hypot(xy[:, 0] - point[0], xy[:, 1] - point[1])


def _max_curvature(surface: Surface, x: float, y: float, h: float = 1e-5) -> float:
    """Largest Hessian eigenvalue at (x, y), by central differences of the exact gradient."""
    gxp, gyp = surface.grad(x + h, y)
    gxm, gym = surface.grad(x - h, y)
    hxp, hyp = surface.grad(x, y + h)
    hxm, hym = surface.grad(x, y - h)
    hess = np.array([[(gxp - gxm) / (2 * h), (hxp - hxm) / (2 * h)],
                     [(gyp - gym) / (2 * h), (hyp - hym) / (2 * h)]])
    return float(np.linalg.eigvalsh(0.5 * (hess + hess.T)).max())


def _basin(surface: Surface, point) -> int | None:
    """Index of the listed minimum that noise-free gradient descent from ``point`` ends in."""
    t = run(surface, "sgd", start=tuple(point), steps=3000, lr=0.01)
    return surface.nearest_minimum(*t.xy[-1], 1e-3) if t.status == "completed" else None


# --------------------------------------------------------------------------------------------
# The files


def test_there_are_enough_presets_in_display_order():
    assert len(NAMES) >= 8
    assert all(re.fullmatch(r"\d{2}-[a-z0-9]+(-[a-z0-9]+)*", n) for n in NAMES), NAMES
    prefixes = [int(n[:2]) for n in NAMES]
    assert prefixes == sorted(prefixes) and len(set(prefixes)) == len(prefixes)
    presets = load_presets()
    assert PROBLEMS == []
    assert list(presets) == NAMES == preset_names()


@pytest.mark.parametrize("name", NAMES)
def test_preset_file_is_a_clean_scene_that_round_trips(name):
    text = (PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8")
    scene, warnings = from_json(text)
    assert warnings == []
    assert check(scene) == []
    # Nothing in the file was ignored or normalised away: it is exactly what the model writes.
    assert json.loads(text) == to_dict(scene)
    again, warnings = from_json(to_json(scene))
    assert warnings == [] and again == scene
    assert scene.title.strip() and len(scene.title) <= 60
    assert scene.claim.strip() and len(scene.claim) <= 500  # the reader keeps 500 characters


@pytest.mark.parametrize("name", NAMES)
def test_preset_claim_matches_its_racers(name):
    scene = _load(name)
    assert 1 <= len(scene.optimizers) <= len(COLOUR_WORDS)
    assert scene.steps <= 3000
    # Claims name racers by palette colour, so no preset may override a colour ...
    assert all(e.color == "" for e in scene.optimizers)
    # ... and only the colours of racers that exist may be mentioned.
    claim = scene.claim.lower()
    for i, word in enumerate(COLOUR_WORDS):
        if re.search(rf"\b{word}\b", claim):
            assert i < len(scene.optimizers), f"{name} mentions {word} but has no racer {i + 1}"
    for e in scene.optimizers:
        assert OPTIMIZERS[e.optimizer].title in scene.claim
    (xlo, xhi), (ylo, yhi) = scene.surface_obj().bounds
    x, y = scene.start_point()
    assert xlo <= x <= xhi and ylo <= y <= yhi


def test_broken_preset_files_are_skipped_with_a_message(tmp_path):
    shutil.copy(PRESETS_DIR / f"{NAMES[0]}.json", tmp_path / "9-good.json")
    shutil.copy(PRESETS_DIR / f"{NAMES[0]}.json", tmp_path / "10-also-good.json")
    (tmp_path / "02-not-json.json").write_text("{ not json", encoding="utf-8")
    (tmp_path / "03-bad-field.json").write_text('{"surface": "nowhere"}', encoding="utf-8")
    (tmp_path / "04-not-utf8.json").write_bytes(b"\xff\xfe\x00{")
    (tmp_path / "notes.txt").write_text("not a preset", encoding="utf-8")
    presets = load_presets(tmp_path)
    assert list(presets) == ["9-good", "10-also-good"]  # numeric order, not string order
    assert len(PROBLEMS) == 3
    for bad in ("02-not-json.json", "03-bad-field.json", "04-not-utf8.json"):
        assert sum(bad in p for p in PROBLEMS) == 1
    assert load_presets(tmp_path / "missing") == {} and len(PROBLEMS) == 1
    load_presets()
    assert PROBLEMS == []


# --------------------------------------------------------------------------------------------
# The claims


def test_momentum_calms_the_zig_zag_in_a_ravine():
    race = _race("01-momentum-ravine")
    sgd, mom = _racer(race, "sgd"), _racer(race, "momentum")
    assert sgd.hyper["lr"] == mom.hyper["lr"]
    theta = math.radians(race.scene.surface_params["angle"])

    def across(xy):  # coordinate along the steep direction of the valley
        return -xy[:, 0] * math.sin(theta) + xy[:, 1] * math.cos(theta)

    # SGD really zig-zags: its across-valley motion flips direction at nearly every step.
    flips = np.sum(np.diff(np.sign(np.diff(across(sgd.traj.xy)[:21]))) != 0)
    assert flips >= 15
    reach_sgd = steps_to_reach(sgd.traj.loss, race.surface.f_min, 1e-3)
    reach_mom = steps_to_reach(mom.traj.loss, race.surface.f_min, 1e-3)
    assert reach_sgd is not None and reach_mom is not None
    assert reach_mom < reach_sgd / 3
    travel_sgd = np.abs(np.diff(across(sgd.traj.xy[:reach_sgd + 1]))).sum()
    travel_mom = np.abs(np.diff(across(mom.traj.xy[:reach_mom + 1]))).sum()
    assert travel_mom < 0.6 * travel_sgd


def test_heavy_momentum_overshoots_the_bend():
    race = _race("02-momentum-overshoot")
    m = race.surface.minima[0]
    sgd = _racer(race, "sgd")
    light = _racer(race, "Momentum (μ 0.9)")
    heavy = _racer(race, "Momentum (μ 0.97)")
    assert light.hyper["momentum"] < heavy.hyper["momentum"]
    for r in (sgd, light, heavy):
        assert r.traj.xy[0, 0] < m.x  # every path approaches the minimum from the left
    # Heavy momentum flies well past the minimum and dips below the floor of the bend ...
    assert heavy.traj.xy[:, 0].max() - m.x > 0.2
    assert heavy.traj.xy[:, 1].min() < -0.05
    # ... and still comes back to it.
    assert _dist(heavy.traj.xy, m)[-1] < 0.01
    # Lighter momentum and plain SGD never pass it, nor leave the floor at the bend.
    for r in (sgd, light):
        assert r.traj.xy[:, 0].max() - m.x < 0.02
        assert r.traj.xy[:, 1].min() > -0.02
    assert _dist(light.traj.xy, m)[-1] < 0.05


def test_adaptive_methods_keep_moving_when_gradients_are_sparse():
    name = "03-sparse-gradients"
    sparse, dense = _race(name), _race(name, sparsity=0.0)
    assert sparse.scene.sparsity >= 0.8
    f_min = sparse.surface.f_min

    def reach(race, key):
        s = steps_to_reach(_racer(race, key).traj.loss, f_min, 1e-3)
        assert s is not None, key
        return s

    keys = ("sgd", "adam", "rmsprop")
    fast = {k: reach(dense, k) for k in keys}
    slow = {k: reach(sparse, k) for k in keys}
    # Without sparsity the three are about equally fast ...
    assert max(fast.values()) <= 1.5 * min(fast.values())
    # ... with it SGD slows down about as much as its gradients thin out, the others far less.
    slowdown = {k: slow[k] / fast[k] for k in keys}
    assert slowdown["sgd"] >= 7
    for k in ("adam", "rmsprop"):
        assert slowdown[k] <= 0.6 * slowdown["sgd"], (k, slowdown)
        assert slow[k] <= 0.6 * slow["sgd"]


def test_too_large_a_learning_rate_makes_sgd_diverge_but_not_adam():
    race = _race("04-sgd-diverges")
    sgd, adam = _racer(race, "sgd"), _racer(race, "adam")
    lr = sgd.hyper["lr"]
    assert adam.hyper["lr"] == lr
    m = race.surface.minima[0]
    # The learning rate is past gradient descent's stability limit 2 / (largest curvature).
    assert lr > 2 / _max_curvature(race.surface, m.x, m.y)
    assert sgd.traj.status == "diverged"
    d = _dist(sgd.traj.xy, m)
    assert d[10] < d[20] < d[30] and d[30] > 5 * d[0]  # every bounce lands further out
    assert adam.traj.status == "completed"
    (xlo, xhi), (ylo, yhi) = race.surface.bounds
    xy = adam.traj.xy
    assert np.all((xy[:, 0] >= xlo) & (xy[:, 0] <= xhi) & (xy[:, 1] >= ylo) & (xy[:, 1] <= yhi))
    assert _step_lengths(xy).max() <= 1.5 * lr * math.sqrt(2)
    assert steps_to_reach(adam.traj.loss, race.surface.f_min, 1e-3) is not None


def test_warmup_keeps_adams_first_steps_small():
    name = "05-adam-warmup"
    warm = _race(name)
    assert warm.scene.schedule["name"].startswith("warmup")
    cold = _race(name, schedule={"name": "constant"})
    w, c = _racer(warm, "adam"), _racer(cold, "adam")
    lr = w.hyper["lr"]
    first_cold = _step_lengths(c.traj.xy)[0]
    assert first_cold > 0.9 * lr  # without warmup the very first step is about lr per coordinate
    assert _step_lengths(w.traj.xy)[:10].max() < 0.15 * first_cold
    f_min = warm.surface.f_min
    assert w.traj.status == c.traj.status == "completed"
    assert w.traj.loss[-1] - f_min < 1e-3  # warmed up: the global minimum
    assert c.traj.loss[-1] - f_min > 100  # not warmed up: a far, poor basin


def test_noise_lets_sgd_escape_a_poor_local_minimum():
    name = "06-noise-escape"
    noisy = _race(name)
    assert noisy.scene.noise > 0
    quiet = _race(name, noise=0.0)
    surf = noisy.surface

    def ends_in(race):
        t = _racer(race, "sgd").traj
        assert t.status == "completed"
        i = _basin(surf, t.xy[-1])
        assert i is not None
        return surf.minima[i].f

    assert ends_in(quiet) > surf.f_min + 0.5  # without noise: a poor local minimum
    assert ends_in(noisy) == pytest.approx(surf.f_min, abs=1e-9)  # with it: a global one
    # Not a lucky seed: most seeds escape.
    escaped = sum(ends_in(_race(name, seed=s)) == pytest.approx(surf.f_min, abs=1e-9)
                  for s in range(20))
    assert escaped >= 14


def test_a_saddle_point_stalls_plain_gradient_descent():
    race = _race("07-saddle")
    s = race.surface.saddles[0]

    def escape(r):  # first step that is 1 below the saddle's value
        hit = np.flatnonzero(r.traj.loss <= s.f - 1.0)
        return int(hit[0]) if hit.size else None

    def near(r):  # steps spent close to the saddle
        return int(np.sum(_dist(r.traj.xy, s) < 0.2))

    sgd = _racer(race, "sgd")
    assert escape(sgd) is not None and near(sgd) >= 100
    for key in ("momentum", "adam"):
        r = _racer(race, key)
        assert r.hyper["lr"] == sgd.hyper["lr"]
        assert escape(r) is not None and escape(r) < escape(sgd) / 3, key
        assert near(r) <= near(sgd) / 3, key


def test_adam_step_length_follows_its_learning_rate():
    race = _race("08-adam-two-rates")
    small, large = sorted(race.racers, key=lambda r: r.hyper["lr"])
    assert small.optimizer == large.optimizer == "adam"
    lr_ratio = large.hyper["lr"] / small.hyper["lr"]
    assert lr_ratio >= 5
    step_ratio = (np.median(_step_lengths(large.traj.xy)[:20])
                  / np.median(_step_lengths(small.traj.xy)[:20]))
    assert 0.7 * lr_ratio < step_ratio < 1.3 * lr_ratio
    i = race.surface.nearest_minimum(*small.traj.xy[-1])
    assert i is not None and race.surface.nearest_minimum(*large.traj.xy[-1]) == i
    m = race.surface.minima[i]
    d_small, d_large = _dist(small.traj.xy, m), _dist(large.traj.xy, m)
    near_small = int(np.flatnonzero(d_small < 0.1)[0])
    near_large = int(np.flatnonzero(d_large < 0.1)[0])
    assert near_small >= 4 * near_large
    assert d_large[near_large:].max() > 0.15  # the large rate overshoots a little
    assert d_small[near_small:].max() < 0.1  # the small one does not
    reach_small = steps_to_reach(small.traj.loss, race.surface.f_min, 1e-3)
    reach_large = steps_to_reach(large.traj.loss, race.surface.f_min, 1e-3)
    assert reach_small is not None and reach_large is not None and reach_large < reach_small


def test_large_steps_cannot_stay_in_a_sharp_minimum():
    race = _race("09-sharp-vs-flat")
    surf = race.surface
    small, large = sorted(race.racers, key=lambda r: r.hyper["lr"])
    assert small.optimizer == large.optimizer == "sgd"
    h_sharp = _max_curvature(surf, surf.minima[0].x, surf.minima[0].y)
    h_flat = _max_curvature(surf, surf.minima[1].x, surf.minima[1].y)
    assert h_sharp > 5 * h_flat
    assert small.hyper["lr"] < 2 / h_sharp < large.hyper["lr"] < 2 / h_flat
    # Both start in the sharp minimum's basin ...
    assert _basin(surf, race.scene.start_point()) == 0
    # ... small steps settle there, large ones are thrown out into the wide minimum.
    assert surf.nearest_minimum(*small.traj.xy[-1]) == 0
    assert surf.nearest_minimum(*large.traj.xy[-1]) == 1
    for r in (small, large):
        assert r.traj.loss[-1] - surf.f_min < 1e-6


def test_adagrad_steps_shrink_while_rmsprop_keeps_its_pace():
    race = _race("10-adagrad-stalls")
    ada, rms = _racer(race, "adagrad"), _racer(race, "rmsprop")
    s_ada, s_rms = _step_lengths(ada.traj.xy), _step_lengths(rms.traj.xy)
    assert s_ada[-100:].mean() < s_ada[:100].mean() / 10
    assert s_rms[-100:].mean() > s_rms[:100].mean() / 2
    f_min = race.surface.f_min
    assert ada.traj.loss[-1] - f_min > 1e-2  # Adagrad is still far from the minimum
    assert rms.traj.loss[-1] - f_min < 0.2 * (ada.traj.loss[-1] - f_min)


def test_lion_steps_all_have_the_same_length():
    race = _race("11-lion-steps")
    lion, adam = _racer(race, "lion"), _racer(race, "adam")
    lr = lion.hyper["lr"]
    s = _step_lengths(lion.traj.xy)
    diagonal = np.isclose(s, lr * math.sqrt(2), rtol=1e-9)
    straight = np.isclose(s, lr, rtol=1e-9)  # one coordinate's sign was exactly zero
    assert np.all(diagonal | straight) and diagonal.mean() > 0.9
    a = _step_lengths(adam.traj.xy)
    assert a[-100:].mean() < 1e-3 * a[:20].mean()  # Adam slows down ...
    f_min = race.surface.f_min
    assert adam.traj.loss[-1] - f_min < 1e-9  # ... and settles precisely
    # Lion keeps hopping around the minimum, never settling within reach of it.
    m = race.surface.minima[0]
    assert np.all(lion.traj.loss[-200:] - f_min > 1e-3)
    assert _dist(lion.traj.xy[-200:], m).max() < 2 * lr * math.sqrt(2)

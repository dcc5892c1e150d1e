"""The teaching presets: every file is a clean scene, and every scene shows what its claim says.

Each claim test checks one number or comparison its preset's claim states, as a reader of the
page would: it runs the preset exactly as the app does (``scene.race.simulate``) and, where the
claim is a contrast the scene itself cannot carry ("set the schedule to constant", "set noise to
0"), also the same scene with that one setting changed. Claims about noisy or sparse runs are
checked for every seed from 0 to 19.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import threading
from dataclasses import replace

import numpy as np
import pytest

from landscapes import Surface
from optimizers import OPTIMIZERS, run, stochastic
from scene import check, from_json, to_dict, to_json
from scene.presets import PRESETS_DIR, load_presets, preset_files, preset_names
from scene.race import DEFAULT_TOL, Race, Racer, metrics, off_map_since, simulate, steps_to_reach

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


def _hessian(surface: Surface, x: float, y: float, h: float = 1e-5) -> np.ndarray:
    """The Hessian at (x, y), by central differences of the exact gradient."""
    gxp, gyp = surface.grad(x + h, y)
    gxm, gym = surface.grad(x - h, y)
    hxp, hyp = surface.grad(x, y + h)
    hxm, hym = surface.grad(x, y - h)
    hess = np.array([[(gxp - gxm) / (2 * h), (hxp - hxm) / (2 * h)],
                     [(gyp - gym) / (2 * h), (hyp - hym) / (2 * h)]])
    return 0.5 * (hess + hess.T)


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
    assert presets.problems == ()
    assert list(presets) == NAMES == preset_names()


@pytest.mark.parametrize("name", NAMES)
def test_preset_file_is_a_clean_scene_that_round_trips(name):
    text = (PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8")
    scene, warnings = from_json(text)
    assert warnings == []
    assert check(scene) == []
    # Nothing in the file was ignored or normalised away: it is exactly what the model writes
    # (and the caption for projectors, read by preset_captions).
    data = json.loads(text)
    assert isinstance(data.pop("caption", ""), str)
    assert data == to_dict(scene)
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
    assert len(presets.problems) == 3
    for bad in ("02-not-json.json", "03-bad-field.json", "04-not-utf8.json"):
        assert sum(bad in p for p in presets.problems) == 1
    missing = load_presets(tmp_path / "missing")
    assert missing == {} and len(missing.problems) == 1
    assert load_presets().problems == ()
    assert len(presets.problems) == 3  # a later call leaves this one's problems alone


def test_callers_loading_at_once_each_get_their_own_problems(tmp_path):
    """Presets and lessons loaded from several threads at the same time: each call returns
    exactly the problems of the folder it read, however the calls interleave."""
    from scene.lessons import load_lessons

    threads, rounds = 6, 15
    good = (PRESETS_DIR / f"{NAMES[0]}.json").read_text(encoding="utf-8")
    lesson = json.dumps({"title": "T", "slides": [{"preset": "01-good", "text": "Look."}]})
    for i in range(threads):  # caller i's folders: i + 1 broken files, named after it
        presets, lessons = tmp_path / f"presets{i}", tmp_path / f"lessons{i}"
        presets.mkdir()
        lessons.mkdir()
        (presets / "01-good.json").write_text(good, encoding="utf-8")
        (lessons / "good.json").write_text(lesson, encoding="utf-8")
        for j in range(i + 1):
            (presets / f"{j + 2:02d}-bad-of-{i}.json").write_text("{ not", encoding="utf-8")
            (lessons / f"bad-of-{i}-{j}.json").write_text("[]", encoding="utf-8")
    start = threading.Barrier(threads)
    seen: dict[int, list] = {}

    def load(i: int) -> None:
        start.wait()
        got = []
        for _ in range(rounds):
            presets = load_presets(tmp_path / f"presets{i}")
            lessons = load_lessons(tmp_path / f"lessons{i}", presets=list(presets))
            got.append((list(presets), presets.problems, list(lessons), lessons.problems))
        seen[i] = got

    workers = [threading.Thread(target=load, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for i in range(threads):
        assert len(seen[i]) == rounds
        for presets, preset_problems, lessons, lesson_problems in seen[i]:
            assert presets == ["01-good"] and lessons == ["good"]
            assert sorted(p.split(":")[0] for p in preset_problems) == [
                f"{j + 2:02d}-bad-of-{i}.json" for j in range(i + 1)], preset_problems
            assert sorted(p.split(":")[0] for p in lesson_problems) == [
                f"bad-of-{i}-{j}" for j in range(i + 1)], lesson_problems


# --------------------------------------------------------------------------------------------
# The claims
#
# One test per number or comparison a claim states, each first checking that the claim still
# says it (so text and test cannot drift apart). Where noise or sparsity is involved, the test
# runs every seed from 0 to 19, as the claims promise.

SEEDS = range(20)


def _says(name: str, *phrases: str) -> None:
    claim = _load(name).claim
    for phrase in phrases:
        assert phrase in claim, f"{name}'s claim no longer says {phrase!r}"


def _reach(race: Race, racer: Racer) -> int | None:
    return steps_to_reach(racer.traj.loss, race.surface.f_min, DEFAULT_TOL)


def _off_map(surface: Surface, xy: np.ndarray) -> np.ndarray:
    """Steps whose point lies outside the drawn map."""
    (xlo, xhi), (ylo, yhi) = surface.bounds
    return np.flatnonzero((xy[:, 0] < xlo) | (xy[:, 0] > xhi) | (xy[:, 1] < ylo) | (xy[:, 1] > yhi))


# ---- 01: momentum in a ravine

RAVINE = "01-momentum-ravine"


def _along_across(race: Race, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    theta = math.radians(race.scene.surface_params["angle"])
    along = xy[:, 0] * math.cos(theta) + xy[:, 1] * math.sin(theta)
    across = -xy[:, 0] * math.sin(theta) + xy[:, 1] * math.cos(theta)
    return along, across


def test_ravine_curves_50_times_more_across_than_along():
    _says(RAVINE, "curves 50 times more steeply across than along")
    race = _race(RAVINE)
    low, high = np.linalg.eigvalsh(_hessian(race.surface, 0.3, -0.2))
    assert high / low == pytest.approx(50, rel=1e-4)


def test_sgd_crosses_the_ravine_at_every_step_and_inches_along():
    _says(RAVINE, "blue SGD crosses from wall to wall at every step and only inches along")
    race = _race(RAVINE)
    along, across = _along_across(race, _racer(race, "sgd").traj.xy)
    assert np.all(np.sign(across[1:]) == -np.sign(across[:-1]))  # every step changes wall
    # While the bouncing is plain to see, each step goes over five times further across than
    # along, and no step moves along the floor by more than a fiftieth of the map's length.
    assert np.all(np.abs(np.diff(along))[:10] < 0.2 * np.abs(np.diff(across))[:10])
    (xlo, xhi), _ = race.surface.bounds
    assert np.abs(np.diff(along)).max() < (xhi - xlo) / 50


def test_momentum_bounces_cancel_out_after_a_few_wide_swings():
    _says(RAVINE, "same learning rate", "bounces cancel out after a few wide swings")
    race = _race(RAVINE)
    sgd, mom = _racer(race, "sgd"), _racer(race, "momentum")
    assert sgd.hyper["lr"] == mom.hyper["lr"]
    _, a_sgd = _along_across(race, sgd.traj.xy)
    _, a_mom = _along_across(race, mom.traj.xy)
    width = abs(a_mom[0])
    assert np.sum(np.abs(a_mom[1:20]) > 0.3 * width) <= 6  # a few wide swings ...
    assert np.abs(a_mom[20:]).max() < 0.1 * width  # ... then they have died out,
    assert abs(a_sgd[20]) > 0.1 * width  # while SGD is still bouncing


def test_momentum_more_than_doubles_its_speed_along_the_floor():
    _says(RAVINE, "more than doubles its speed along the floor")
    race = _race(RAVINE)
    along, _ = _along_across(race, _racer(race, "momentum").traj.xy)
    speed = np.abs(np.diff(along))
    assert speed.max() > 2 * speed[0]


def test_momentum_reaches_the_minimum_in_30_steps_instead_of_120():
    _says(RAVINE, "reaches the minimum in 30 steps instead of 120")
    race = _race(RAVINE)
    assert _reach(race, _racer(race, "momentum")) == 30
    assert _reach(race, _racer(race, "sgd")) == 120


# ---- 02: heavy momentum on Rosenbrock

BANANA = "02-momentum-overshoot"


def _banana():
    race = _race(BANANA)
    return (race, _racer(race, "sgd"), _racer(race, "Momentum (μ 0.9)"),
            _racer(race, "Momentum (μ 0.97)"))


def test_light_momentum_reaches_the_minimum_at_step_666_without_passing_it():
    _says(BANANA, "Orange Momentum (μ 0.9)", "reaches the minimum at step 666 without passing it")
    race, _, light, _ = _banana()
    assert _reach(race, light) == 666
    m = race.surface.minima[0]
    assert light.traj.xy[:, 0].max() < m.x  # approaching from the left, never beyond


def test_sgd_is_still_crawling_along_the_left_arm_after_1000_steps():
    _says(BANANA, "blue SGD is still crawling along the left arm after 1000 steps")
    race, sgd, _, _ = _banana()
    assert race.scene.steps == 1000 and sgd.traj.status == "completed"
    x, y = sgd.traj.xy[-1]
    assert x < 0 and abs(y - x * x) < 0.05  # on the valley floor, left of the bend
    assert _reach(race, sgd) is None
    assert 0 < np.hypot(*(sgd.traj.xy[-1] - sgd.traj.xy[-2])) < 0.01  # still moving, slowly


def test_heavy_momentum_swings_below_the_valley_floor_at_the_bend():
    _says(BANANA, "Green Momentum (μ 0.97) keeps more of its speed",
          "swings below the valley floor at the bend")
    _, _, light, heavy = _banana()
    assert heavy.hyper["momentum"] > light.hyper["momentum"]
    x, y = heavy.traj.xy.T
    at_bend = np.abs(x) < 0.3
    assert (y - x * x)[at_bend].min() < -0.1
    lx, ly = light.traj.xy.T
    assert (ly - lx * lx)[np.abs(lx) < 0.3].min() > -0.03  # orange stays on it


def test_heavy_momentum_flies_about_04_past_the_minimum_up_the_far_arm_and_comes_back():
    _says(BANANA, "flies about 0.4 past the minimum up the far arm and comes back")
    race, _, _, heavy = _banana()
    m = race.surface.minima[0]
    i = int(np.argmax(heavy.traj.xy[:, 0]))
    x, y = heavy.traj.xy[i]
    assert 0.35 <= x - m.x < 0.45
    assert abs(y - x * x) < 0.1  # up the valley's far arm, not off to the side
    assert _dist(heavy.traj.xy, m)[-1] < 1e-3


def test_heavy_momentum_still_arrives_first_at_step_334():
    _says(BANANA, "still arrives first, at step 334")
    race, sgd, light, heavy = _banana()
    assert _reach(race, heavy) == 334
    assert all(r is None or r > 334 for r in (_reach(race, sgd), _reach(race, light)))


# ---- 03: sparse gradients

SPARSE = "03-sparse-gradients"


def _dense_reach() -> dict[str, int]:
    dense = _race(SPARSE, sparsity=0.0)
    return {k: _reach(dense, _racer(dense, k)) for k in ("sgd", "adam")}


def _sparse_reach(seed: int) -> dict[str, int]:
    race = _race(SPARSE, seed=seed)
    return {k: _reach(race, _racer(race, k)) for k in ("sgd", "adam")}


def test_sparsity_09_zeroes_nine_in_ten_gradient_entries():
    _says(SPARSE, "Nine in ten gradient entries are zero (sparsity 0.9)")
    scene = _load(SPARSE)
    assert scene.sparsity == 0.9 and scene.noise == 0.0
    for seed in SEEDS:
        _, dropped = stochastic(scene.steps, 0.0, scene.sparsity, seed)
        assert dropped.mean() == pytest.approx(0.9, abs=0.02)


@pytest.mark.parametrize("seed", SEEDS)
def test_sgd_moves_only_on_steps_that_get_a_gradient(seed):
    _says(SPARSE, "blue SGD moves only on steps that get a gradient")
    scene = replace(_load(SPARSE), seed=seed)
    sgd = _racer(simulate(scene, record=True), "sgd")
    zero = sgd.traj.grads == 0
    assert zero.mean() > 0.85
    assert np.all(sgd.traj.updates[zero] == 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_sparse_gradients_give_adam_a_larger_step_size_per_coordinate(seed):
    _says(SPARSE, "orange Adam divides by its typical gradient size, which the zeros shrink too, "
                  "so the gradients it does get move it further")
    dense = _racer(simulate(replace(_load(SPARSE), sparsity=0.0), record=True), "adam")
    sparse = _racer(simulate(replace(_load(SPARSE), seed=seed), record=True), "adam")
    # Updates 2-50, both runs still far from the minimum (update 1 may see no gradient at all).
    assert np.all(sparse.traj.step_size[1:50] > dense.traj.step_size[1:50])


@pytest.mark.parametrize("seed", SEEDS)
def test_sparse_gradients_make_sgd_need_8_to_11_times_as_many_steps(seed):
    _says(SPARSE, "needs 8 to 11 times as many steps as with sparsity 0")
    dense, sparse = _dense_reach(), _sparse_reach(seed)
    assert sparse["sgd"] is not None, "SGD must arrive within the run for every seed"
    assert 7.5 <= sparse["sgd"] / dense["sgd"] < 11.5


@pytest.mark.parametrize("seed", SEEDS)
def test_sparse_gradients_make_adam_need_only_2_5_to_4_times_as_many_steps(seed):
    _says(SPARSE, "needs only 2.5 to 4 times as many")
    dense, sparse = _dense_reach(), _sparse_reach(seed)
    assert sparse["adam"] is not None
    assert 2.5 <= sparse["adam"] / dense["adam"] <= 4.0


@pytest.mark.parametrize("seed", SEEDS)
def test_adam_reaches_the_minimum_hundreds_of_steps_before_sgd_and_stays(seed):
    _says(SPARSE, "Adam reaches the minimum hundreds of steps before SGD and stays there",
          "for every seed from 0 to 19")
    race = _race(SPARSE, seed=seed)
    sgd, adam = _racer(race, "sgd"), _racer(race, "adam")
    r_sgd, r_adam = _reach(race, sgd), _reach(race, adam)
    assert r_sgd - r_adam >= 200
    assert np.all(adam.traj.loss[r_adam:] - race.surface.f_min <= DEFAULT_TOL)


def test_sgd_and_adam_are_about_equally_fast_without_sparsity():
    # The claim's "as with sparsity 0" baseline: without sparsity neither racer is handicapped.
    dense = _dense_reach()
    assert max(dense.values()) <= 1.2 * min(dense.values())


# ---- 04: too large a learning rate

BOWL = "04-sgd-diverges"


def test_learning_rate_012_is_above_sgds_stability_limit_of_about_011():
    _says(BOWL, "Both use 0.12", "2 divided by the steepest curvature (18), about 0.11")
    race = _race(BOWL)
    sgd, adam = _racer(race, "sgd"), _racer(race, "adam")
    assert sgd.hyper["lr"] == adam.hyper["lr"] == 0.12
    m = race.surface.minima[0]
    steepest = np.linalg.eigvalsh(_hessian(race.surface, m.x, m.y)).max()
    assert steepest == pytest.approx(18, rel=1e-5)
    assert round(2 / steepest, 2) == 0.11 < sgd.hyper["lr"]


def test_sgd_is_thrown_further_out_on_every_bounce_and_diverges_at_step_36():
    _says(BOWL, "blue SGD is thrown further out on every bounce and diverges at step 36")
    race = _race(BOWL)
    sgd = _racer(race, "sgd")
    m = race.surface.minima[0]
    _, vecs = np.linalg.eigh(_hessian(race.surface, m.x, m.y))
    out = (sgd.traj.xy - [m.x, m.y]) @ vecs[:, -1]  # along the steepest direction
    assert np.all(np.sign(out[1:]) == -np.sign(out[:-1]))  # a bounce at every step ...
    assert np.all(np.abs(out[1:]) > np.abs(out[:-1]))  # ... each one further out
    assert sgd.traj.status == "diverged" and sgd.traj.stop_text == "diverged at step 36"


def test_adam_never_moves_a_coordinate_by_more_than_its_learning_rate():
    _says(BOWL, "Orange Adam never moves a coordinate by more than its learning rate per step")
    race = _race(BOWL)
    adam = _racer(race, "adam")
    assert np.abs(np.diff(adam.traj.xy, axis=0)).max() <= adam.hyper["lr"] * (1 + 1e-9)


def test_adam_stays_on_the_map_and_reaches_the_minimum_at_step_254():
    _says(BOWL, "stays on the map and reaches the minimum at step 254")
    race = _race(BOWL)
    adam = _racer(race, "adam")
    assert adam.traj.status == "completed" and _off_map(race.surface, adam.traj.xy).size == 0
    assert _reach(race, adam) == 254


# ---- 05: warmup

WARMUP = "05-adam-warmup"


def _warm_cold():
    warm = _race(WARMUP)
    cold = _race(WARMUP, schedule={"name": "constant"})
    return warm, _racer(warm, "adam"), cold, _racer(cold, "adam")


def test_without_warmup_adams_first_step_moves_each_coordinate_by_the_whole_rate():
    _says(WARMUP, "first step moves each coordinate by the whole learning rate, here 0.5 on a "
                  "map 4 wide")
    warm, _, _, c = _warm_cold()
    assert c.hyper["lr"] == 0.5
    assert np.allclose(np.abs(c.traj.xy[1] - c.traj.xy[0]), 0.5, rtol=1e-6)
    (xlo, xhi), (ylo, yhi) = warm.surface.bounds
    assert xhi - xlo == yhi - ylo == 4


def test_linear_warmup_raises_the_rate_from_0_to_05_over_100_steps():
    _says(WARMUP, "linear warmup raises the rate from 0 to 0.5 over 100 steps")
    _, w, _, _ = _warm_cold()
    sched = _load(WARMUP).schedule
    assert sched["name"] == "warmup_linear" and sched["warmup"] == 100
    assert w.traj.lr[0] == 0 and w.traj.lr[100] == w.traj.lr.max() == 0.5
    assert np.all(np.diff(w.traj.lr[:101]) > 0)


def test_warmed_up_adam_creeps_out_of_the_corner():
    _says(WARMUP, "blue Adam creeps out of the corner")
    warm, w, _, c = _warm_cold()
    (xlo, xhi), (ylo, yhi) = warm.surface.bounds
    x, y = w.traj.xy[0]
    assert x - xlo <= 0.15 * (xhi - xlo) and y - ylo <= 0.15 * (yhi - ylo)  # a corner
    assert _step_lengths(w.traj.xy)[:10].max() < 0.1 * _step_lengths(c.traj.xy)[0]


def test_warmed_up_adam_settles_in_the_global_minimum_loss_3():
    _says(WARMUP, "settles in the global minimum (loss 3)")
    warm, w, _, _ = _warm_cold()
    assert warm.surface.f_min == 3
    assert w.traj.status == "completed"
    assert np.all(w.traj.loss[-100:] - 3 < DEFAULT_TOL)
    assert metrics(warm)[0]["ended in"].startswith("global")


def test_without_warmup_adam_jumps_past_the_middle_within_five_steps():
    _says(WARMUP, "within five steps Adam jumps from the corner past the middle of the map")
    warm, _, _, c = _warm_cold()
    (xlo, xhi), (ylo, yhi) = warm.surface.bounds
    x, y = c.traj.xy[5]
    assert x > (xlo + xhi) / 2 and y > (ylo + yhi) / 2


def test_without_warmup_adam_ends_in_the_worst_basin_loss_840():
    _says(WARMUP, "ends in the worst basin, loss 840")
    warm, _, cold, c = _warm_cold()
    worst = max(warm.surface.minima, key=lambda m: m.f)
    assert worst.f == 840
    assert c.traj.status == "completed"
    assert c.traj.loss[-1] == pytest.approx(840, abs=DEFAULT_TOL)
    assert warm.surface.nearest_minimum(*c.traj.xy[-1]) == warm.surface.minima.index(worst)


# ---- 06: noise

NOISE = "06-noise-escape"


def _ends_in(race: Race) -> int | None:
    t = race.racers[0].traj
    assert t.status == "completed"
    return _basin(race.surface, t.xy[-1])


def test_without_noise_sgd_rolls_into_the_upper_left_minimum_and_stays():
    _says(NOISE, "Without noise (set it to 0), SGD rolls from this start into the upper-left "
                 "minimum (loss −0.22) and stays")
    quiet = _race(NOISE, noise=0.0)
    surf = quiet.surface
    i = _ends_in(quiet)
    m = surf.minima[i]
    assert m.x < 0 < m.y and round(m.f, 2) == -0.22
    assert m.f > surf.f_min + 0.5  # a shallow minimum
    assert np.all(np.abs(quiet.racers[0].traj.loss[-200:] - m.f) < DEFAULT_TOL)


def test_every_gradient_gets_noise_and_the_cosine_schedule_cools_the_rate():
    _says(NOISE, "every gradient gets random noise", "the cosine schedule cools the rate")
    race = _race(NOISE)
    assert race.scene.noise > 0 and race.scene.schedule["name"] == "cosine"
    lr = race.racers[0].traj.lr
    assert np.all(np.diff(lr) <= 0) and lr[-1] < 1e-3 * lr[0]


def test_the_two_deepest_minima_have_loss_minus_103():
    _says(NOISE, "one of the two deepest minima (loss −1.03)")
    surf = _load(NOISE).surface_obj()
    deepest = [m for m in surf.minima if m.f == pytest.approx(surf.f_min, abs=1e-9)]
    assert len(deepest) == 2 and round(surf.f_min, 2) == -1.03


@pytest.mark.parametrize("seed", SEEDS)
def test_noisy_sgd_comes_to_rest_in_a_deepest_minimum_below_minus_097(seed):
    _says(NOISE, "blue SGD does not stay there", "comes to rest near the bottom",
          "Every seed from 0 to 19 ends there, with a final loss below −0.97")
    race = _race(NOISE, seed=seed)
    surf, t = race.surface, race.racers[0].traj
    i = _ends_in(race)
    assert surf.minima[i].f == pytest.approx(surf.f_min, abs=1e-9)
    assert metrics(race)[0]["ended in"].startswith("global")  # what the results table says
    assert t.loss[-1] < -0.97
    assert _step_lengths(t.xy)[-20:].sum() < 0.01  # at rest


# ---- 07: saddle

SADDLE = "07-saddle"


def _escape(race: Race, racer: Racer) -> int:
    """First step whose point lies beyond the drawn map (all three run off it downhill)."""
    out = _off_map(race.surface, racer.traj.xy)
    assert out.size, racer.label
    return int(out[0])


def test_saddle_surface_is_x2_minus_y2_with_no_minimum():
    _says(SADDLE, "the saddle of x² − y², a surface with no minimum")
    surf = _load(SADDLE).surface_obj()
    for x, y in [(0.3, -1.2), (1.5, 0.7), (-2.0, 2.0)]:
        assert surf.value(x, y) == pytest.approx(x * x - y * y)
    assert surf.minima == [] and surf.f_min is None
    assert [(s.x, s.y) for s in surf.saddles] == [(0.0, 0.0)]


def test_start_lies_0001_off_the_ridge_into_the_saddle():
    _says(SADDLE, "The start lies 0.001 off the ridge that runs into the saddle")
    x, y = _load(SADDLE).start_point()
    # The ridge is y = 0: across it the surface falls away (-y²), along it it falls to the saddle.
    assert x != 0 and abs(y) == pytest.approx(0.001)


def test_sgd_lingers_within_02_of_the_saddle_for_about_190_steps():
    _says(SADDLE, "blue SGD lingers within 0.2 of the saddle for about 190 steps")
    race = _race(SADDLE)
    near = int(np.sum(_dist(_racer(race, "sgd").traj.xy, race.surface.saddles[0]) < 0.2))
    assert 180 <= near <= 200


def test_momentum_reaches_the_maps_edge_about_five_times_sooner_than_sgd():
    _says(SADDLE, "orange Momentum reaches the map's edge about five times sooner")
    race = _race(SADDLE)
    sgd, mom = _racer(race, "sgd"), _racer(race, "momentum")
    assert mom.hyper["lr"] == sgd.hyper["lr"]
    assert 4.5 <= _escape(race, sgd) / _escape(race, mom) <= 5.5


def test_adam_turns_aside_from_its_first_step_and_never_comes_near_the_saddle():
    _says(SADDLE, "green Adam turns aside from its first step and never comes near it")
    race = _race(SADDLE)
    adam = _racer(race, "adam")
    dx, dy = np.abs(adam.traj.xy[1] - adam.traj.xy[0])
    assert dy == pytest.approx(dx, rel=1e-3)  # as far sideways as towards the saddle
    assert _dist(adam.traj.xy, race.surface.saddles[0]).min() > 0.5  # never within 0.2, nor 0.5
    assert _escape(race, adam) < _escape(race, _racer(race, "sgd")) / 2  # much sooner too


def test_left_the_map_means_running_off_downhill():
    _says(SADDLE, "Running off downhill is the escape here", "\"left the map\"")
    race = _race(SADDLE)
    mom = _racer(race, "momentum")
    assert mom.traj.status == "left" and mom.traj.stop_text.startswith("left the map at step")
    # It stops far outside the map (50 times its size); the table says where it left the map.
    off = off_map_since(race.surface, mom.traj.xy)
    assert off < mom.traj.diverged_at
    assert metrics(race)[1]["status"] == f"left the map at step {off}" == mom.traj.stop_text
    assert mom.traj.off_map_at == off
    assert all(r.traj.status != "diverged" for r in race.racers)
    assert np.all(np.diff(mom.traj.loss[_escape(race, mom):]) < 0)  # downhill all the way out


# ---- 08: Adam at two learning rates

TWO_RATES = "08-adam-two-rates"


def _two_rates():
    race = _race(TWO_RATES)
    small, large = sorted(race.racers, key=lambda r: r.hyper["lr"])
    assert small.optimizer == large.optimizer == "adam"
    assert (small.label, large.label) == ("Adam (lr 0.01)", "Adam (lr 0.1)")
    return race, small, large


def test_each_adam_step_moves_every_coordinate_by_about_the_learning_rate():
    _says(TWO_RATES, "each step moves every coordinate by about the learning rate")
    _, small, large = _two_rates()
    for r in (small, large):
        moves = np.abs(np.diff(r.traj.xy, axis=0))[:20] / r.hyper["lr"]
        assert np.all((moves > 0.9) & (moves < 1.1)), r.label


def test_adam_at_lr_01_takes_steps_ten_times_longer():
    _says(TWO_RATES, "Orange Adam (lr 0.1) takes steps ten times longer than blue Adam (lr 0.01)")
    _, small, large = _two_rates()
    ratio = np.median(_step_lengths(large.traj.xy)[:20]) / np.median(
        _step_lengths(small.traj.xy)[:20])
    assert ratio == pytest.approx(10, rel=0.05)


def test_adam_at_lr_01_reaches_the_minimum_at_step_110_instead_of_516():
    _says(TWO_RATES, "reaches the minimum at step 110 instead of 516")
    race, small, large = _two_rates()
    assert (_reach(race, large), _reach(race, small)) == (110, 516)
    i = race.surface.nearest_minimum(*large.traj.xy[-1])
    assert i is not None and race.surface.nearest_minimum(*small.traj.xy[-1]) == i


def test_adam_at_lr_01_overshoots_by_about_02_and_curls_back():
    _says(TWO_RATES, "overshoots by about 0.2 and curls back")
    race, _, large = _two_rates()
    d = _dist(large.traj.xy, race.surface.minima[race.surface.nearest_minimum(*large.traj.xy[-1])])
    near = int(np.flatnonzero(d < 0.1)[0])
    assert 0.15 <= d[near:].max() < 0.25
    assert d[-1] < 1e-6


def test_adam_at_lr_001_gets_closer_to_the_minimum_at_every_step():
    _says(TWO_RATES, "blue gets closer to the minimum at every step")
    race, small, _ = _two_rates()
    d = _dist(small.traj.xy, race.surface.minima[race.surface.nearest_minimum(*small.traj.xy[-1])])
    assert np.all(np.diff(d) < 0)


# ---- 09: sharp and flat minima

SHARP = "09-sharp-vs-flat"


def _sharp_flat():
    race = _race(SHARP)
    small, large = sorted(race.racers, key=lambda r: r.hyper["lr"])
    assert small.optimizer == large.optimizer == "sgd"
    assert (small.hyper["lr"], large.hyper["lr"]) == (0.05, 0.4)
    sharp, flat = race.surface.minima
    return race, small, large, sharp, flat


def _curvature(surface: Surface, m) -> float:
    return float(np.linalg.eigvalsh(_hessian(surface, m.x, m.y)).max())


def test_both_minima_are_equally_deep_at_loss_0():
    _says(SHARP, "Both minima are equally deep (loss 0)")
    _, _, _, sharp, flat = _sharp_flat()
    assert sharp.f == flat.f == 0


def test_left_minimum_curves_25_times_more_sharply_than_the_right():
    _says(SHARP, "the left one curves 25 times more sharply than the right one")
    race, _, _, sharp, flat = _sharp_flat()
    assert sharp.x < flat.x
    assert round(_curvature(race.surface, sharp) / _curvature(race.surface, flat)) == 25


def test_small_rate_slides_straight_into_the_sharp_minimum_next_to_the_start():
    _says(SHARP, "Blue SGD (lr 0.05) slides straight into the sharp minimum next to the start")
    race, small, _, sharp, _ = _sharp_flat()
    assert _basin(race.surface, race.scene.start_point()) == 0  # the start is in its basin
    d = _dist(small.traj.xy, sharp)
    moving = d > 1e-9
    assert np.all(np.diff(d)[moving[1:]] < 0)  # closer at every step until it is there
    assert small.traj.loss[-1] < 1e-12


def test_large_rate_is_above_2_over_the_sharp_curvature_about_008():
    _says(SHARP, "orange SGD (lr 0.4) is above 2 divided by that curvature (about 0.08)")
    race, small, large, sharp, flat = _sharp_flat()
    limit = 2 / _curvature(race.surface, sharp)
    assert round(limit, 2) == 0.08
    assert small.hyper["lr"] < limit < large.hyper["lr"] < 2 / _curvature(race.surface, flat)


def test_large_rate_overshoots_is_thrown_out_and_settles_in_the_wide_minimum():
    _says(SHARP, "so it overshoots, is thrown out and settles in the wide minimum instead")
    race, _, large, sharp, flat = _sharp_flat()
    xy = large.traj.xy
    basins = [_basin(race.surface, p) for p in xy[:10]]
    first_out = basins.index(1)
    assert set(basins[:first_out]) == {0}
    # While still in the sharp basin it jumps right over the minimum ...
    off = xy[:first_out] - [sharp.x, sharp.y]
    assert np.any(np.sum(off[1:] * off[:-1], axis=1) < 0)
    # ... then is thrown out and comes to rest at the wide one.
    assert _dist(xy, flat)[-1] < 1e-9 and large.traj.loss[-1] < 1e-12


# ---- 10: Adagrad and RMSProp

ADAGRAD = "10-adagrad-stalls"


def _ada_rms():
    race = simulate(_load(ADAGRAD), record=True)
    return race, _racer(race, "adagrad"), _racer(race, "rmsprop")


def test_both_racers_start_where_the_gradient_is_over_100():
    _says(ADAGRAD, "Both racers start on a steep wall, where the gradient is over 100")
    _, ada, rms = _ada_rms()
    for r in (ada, rms):
        assert np.hypot(*r.traj.grads[0]) > 100


def test_adagrad_step_size_stays_near_00007_and_00016_from_its_third_update():
    _says(ADAGRAD, "from its third update on its step size per coordinate (Step inspector) stays "
                   "near 0.0007 and 0.0016")
    _, ada, _ = _ada_rms()
    # The inspector shows update k's step size, step_size[k - 1]: update 3 is index 2.
    assert np.allclose(ada.traj.step_size[2:], [0.0007, 0.0016], rtol=0.1)
    assert np.all(np.diff(ada.traj.step_size, axis=0) <= 0)  # the sum only grows


def test_adagrad_is_still_creeping_along_the_valley_floor_after_3000_steps_at_loss_0047():
    _says(ADAGRAD, "after 3000 steps it is still creeping along the valley floor (final loss "
                   "0.047)")
    race, ada, _ = _ada_rms()
    assert race.scene.steps == 3000
    t = ada.traj
    x, y = t.xy[-1]
    assert abs(y - x * x) < 0.01  # on the floor ...
    assert t.loss[-1] < t.loss[-500] and _step_lengths(t.xy)[-1] > 0  # ... still moving ...
    assert _dist(t.xy, race.surface.minima[0])[-1] > 0.3  # ... far from the minimum
    assert round(t.loss[-1], 3) == 0.047


def test_rmsprop_step_size_grows_to_two_to_three_times_adagrads():
    _says(ADAGRAD, "Blue RMSProp's moving average forgets: its step size grows to two to three "
                   "times Adagrad's")
    _, ada, rms = _ada_rms()
    assert np.all(rms.traj.step_size[-1] > 5 * rms.traj.step_size[2])  # it grows back
    ratio = rms.traj.step_size[-1] / ada.traj.step_size[-1]
    assert np.all((ratio >= 2) & (ratio <= 3))


def test_rmsprop_ends_at_loss_00026():
    _says(ADAGRAD, "it ends at loss 0.0026")
    _, _, rms = _ada_rms()
    assert round(rms.traj.loss[-1], 4) == 0.0026


# ---- 11: Lion

LION = "11-lion-steps"


def test_every_lion_step_moves_each_coordinate_by_exactly_its_learning_rate():
    _says(LION, "moves every coordinate by exactly its learning rate (0.035)",
          "every orange Lion step runs at 45 degrees")
    race = _race(LION)
    lion = _racer(race, "lion")
    assert lion.hyper["lr"] == 0.035
    moves = np.abs(np.diff(lion.traj.xy, axis=0))
    assert np.allclose(moves, 0.035, rtol=1e-9, atol=0)  # hence equal lengths, at 45 degrees


def test_adam_steps_shrink_and_it_settles_on_the_minimum():
    _says(LION, "Blue Adam's steps shrink as the slope flattens and it settles on the minimum")
    race = _race(LION)
    adam = _racer(race, "adam")
    a = _step_lengths(adam.traj.xy)
    assert a[-100:].mean() < 1e-3 * a[:20].mean()
    assert adam.traj.loss[-1] - race.surface.f_min < 1e-9


def test_lion_overshoots_and_ends_hopping_around_the_minimum_its_loss_never_below_0004():
    _says(LION, "it overshoots, comes back and ends up hopping around the minimum, its loss "
                "never below 0.004")
    race = _race(LION)
    lion = _racer(race, "lion")
    m = race.surface.minima[0]
    off = lion.traj.xy - [m.x, m.y]
    assert np.sum(np.diff(np.sign(off), axis=0) != 0) > 100  # passes the minimum again and again
    assert _dist(lion.traj.xy[-200:], m).max() < 2 * lion.hyper["lr"] * math.sqrt(2)
    assert lion.traj.loss.min() - race.surface.f_min > 0.004
    assert metrics(race)[1]["steps to minimum"] == "never"


def test_readme_lists_every_preset_by_its_title_in_order():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = [r for r in re.findall(r"^  \| ([^|]+?) \| ", readme, re.M) if r != "Preset"]
    assert rows == [p.title for p in load_presets().values()]

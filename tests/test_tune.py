"""Tuning: the same search for every racer, its choice, its record and mark, the fair race, the
new racer that starts tuned, and the command line's --tune."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest

from optimizers import OPTIMIZERS, run
from scene import Entry, Scene, default_scene, from_dict, to_dict, tune
from scene.presets import load_presets
from scene.race import path_length, simulate
from scene.url import from_query, to_query_string
from tests.test_app import _app

ROOT = Path(__file__).resolve().parents[1]


def _mean_losses(scene: Scene, index: int) -> np.ndarray:
    """Each grid rate's mean loss, by plain runs (inf for a run that stopped or went off the
    map at any step)."""
    e = scene.optimizers[index]
    (x0, x1), (y0, y1) = scene.surface_obj().bounds
    out = []
    for lr in tune.RATES:
        t = run(scene.surface_obj(), e.optimizer, start=scene.start_point(), steps=scene.steps,
                seed=scene.seed, **{**e.full_hyper(), "lr": lr})
        off = [not (x0 <= x <= x1 and y0 <= y <= y1) for x, y in t.xy]
        on_map = not off[-1] and sum(off) <= 0.05 * scene.steps
        out.append(np.mean(t.loss) if t.status == "completed" and on_map else math.inf)
    return np.array(out)


@pytest.mark.parametrize("index", range(4))
def test_the_chosen_rate_has_the_lowest_mean_loss_of_the_grid(index):
    scene = default_scene()
    t = tune.tune(scene, index)  # the default criterion
    assert t.criterion == tune.MEAN == tune.DEFAULT_CRITERION
    means = _mean_losses(scene, index)
    assert np.isfinite(means).any()
    assert t.lr == tune.RATES[int(np.argmin(means))]
    assert np.allclose(t.scores[np.isfinite(t.scores)], means[np.isfinite(means)], rtol=0,
                       atol=0)


def test_the_race_after_tuning_is_the_search_s_best_run():
    scene = default_scene()
    tuned, results = tune.tune_all(scene, tune.FINAL)
    race = simulate(tuned)
    for racer, t in zip(race.racers, results, strict=True):
        assert racer.hyper["lr"] == t.lr
        assert racer.traj.loss[-1] == t.finals[t.best]


def test_a_run_that_passes_through_the_minimum_has_not_arrived():
    loss = np.array([5.0, 1e-4, 2.0, 1e-4, 1e-5, 0.0])
    assert tune.settled_at(loss, 0.0) == 3
    assert tune.settled_at(np.array([5.0, 1e-4, 2.0]), 0.0) is None


def test_a_run_that_ends_off_the_map_or_thrashes_across_it_never_wins():
    # Lion tuned with β1 on Rosenbrock: its fast rates thrash across the map and back.
    scene = default_scene()
    scene = replace(scene, optimizers=[Entry("lion")])
    (x0, x1), (y0, y1) = scene.surface_obj().bounds
    for criterion in tune.CRITERIA:
        t = tune.tune(scene, 0, criterion, second=True)
        traj = simulate(tune.applied(scene, 0, t)).racers[0].traj
        off = [not (x0 <= x <= x1 and y0 <= y <= y1) for x, y in traj.xy]
        assert not off[-1] and sum(off) <= 0.05 * scene.steps, criterion
        stopped = t.lrs[~np.isfinite(t.scores)]
        assert stopped.size  # some rates did thrash, and lost


def test_newtons_brief_excursion_off_the_map_does_not_rule_out_its_rate():
    # At lr 1 Newton leaves Rosenbrock's map for one step and is at the minimum in five.
    scene = replace(default_scene(), optimizers=[Entry("newton")])
    (x0, x1), (y0, y1) = scene.surface_obj().bounds
    traj = simulate(scene).racers[0].traj
    off = [not (x0 <= x <= x1 and y0 <= y <= y1) for x, y in traj.xy]
    assert sum(off) == 1 and not off[-1]
    t = tune.tune(scene, 0, tune.REACH)
    assert np.isfinite(t.scores[list(tune.RATES).index(1.0)])
    assert t.lr == 1.0 and t.scores[t.best] <= 6


def test_plain_sgd_is_not_turned_into_momentum():
    assert tune.second_of("sgd") is None and tune.what_of("sgd", True) == "lr"
    assert tune.second_of("momentum") == "momentum" and tune.second_of("adam") == "β1"


def test_a_diverging_rate_never_wins_and_stopped_runs_score_worst():
    # On the ravine (largest curvature k = 25) SGD diverges above 2 / 25 = 0.08.
    scene = Scene(surface="ravine", surface_params={"condition": 25.0}, steps=200,
                  optimizers=[Entry("sgd")])
    for criterion in tune.CRITERIA:
        t = tune.tune(scene, 0, criterion)
        assert t.lr < 2 / 25
        stopped = t.lrs[~np.isfinite(t.scores)]
        assert stopped.size and stopped.min() > 2 / 25 * 0.99


def test_every_racer_gets_the_same_budget_of_runs():
    scene = default_scene()
    for second in (False, True):
        for criterion in tune.CRITERIA:
            for i, e in enumerate(scene.optimizers):
                t = tune.tune(scene, i, criterion, second)
                assert len(t.lrs) == tune.RUNS  # the grid: 36 rates, or 12 × 3
                assert tune.runs_of(criterion) == tune.RUNS * (5 if criterion == "worst" else 1)
                if second and tune.second_of(e.optimizer):
                    assert set(t.seconds) == set(tune.SECONDS)
                    assert len(set(t.lrs)) == len(tune.PAIR_RATES)


def test_tuning_momentum_sets_it_and_the_link_carries_it():
    scene = default_scene()
    t = tune.tune(scene, 1, tune.MEAN, second=True)  # momentum SGD
    new = tune.applied(scene, 1, t)
    assert new.optimizers[1].full_hyper()["momentum"] == t.second in tune.SECONDS
    back, warnings = from_query(parse_qs(to_query_string(new)))
    assert not warnings and tune.mark(back, 1) == "tuned"
    assert back.optimizers[1].full_hyper()["momentum"] == t.second
    t3 = tune.tune(scene, 3, tune.MEAN, second=True)  # Adam: β1
    assert tune.applied(scene, 3, t3).optimizers[3].full_hyper()["betas"][0] == t3.second


def test_steps_to_the_minimum_ranks_runs_that_settle_there_first():
    scene = Scene(surface="booth", start=(-5.0, 5.0), steps=300, optimizers=[Entry("adam")])
    t = tune.tune(scene, 0, tune.REACH)
    reached = t.scores[t.scores <= scene.steps]
    assert reached.size and t.scores[t.best] == reached.min()
    traj = simulate(tune.applied(scene, 0, t)).racers[0].traj
    away = np.flatnonzero(np.abs(traj.loss) > 1e-3)  # settled: within 0.001 from here on
    assert abs(traj.loss[-1]) <= 1e-3 and away[-1] + 1 == t.scores[t.best]


def test_worst_of_nearby_starts_runs_from_five_starts_inside_the_limits():
    scene = default_scene()
    starts = tune._starts(scene, tune.WORST)
    assert len(set(starts)) == 5 and starts[0] == scene.start_point()
    (xlo, xhi), (ylo, yhi) = scene.surface_obj().limit
    assert all(xlo <= x <= xhi and ylo <= y <= yhi for x, y in starts)
    t = tune.tune(scene, 3, tune.WORST)
    one = tune.tune(scene, 3, tune.FINAL)
    assert np.all(t.scores[np.isfinite(one.scores)] >= one.scores[np.isfinite(one.scores)])


def test_the_mark_holds_until_a_setting_changes():
    scene, _ = tune.tune_all(default_scene())
    assert [tune.mark(scene, i) for i in range(4)] == ["tuned"] * 4
    moved = replace(scene, start=(-1.0, 1.5))
    assert [tune.mark(moved, i) for i in range(4)] == [None] * 4
    longer = replace(scene, steps=600)
    assert tune.mark(longer, 0) is None
    by_hand = list(scene.optimizers)
    by_hand[2] = replace(by_hand[2], hyper={**by_hand[2].hyper, "lr": 0.5})
    marks = [tune.mark(replace(scene, optimizers=by_hand), i) for i in range(4)]
    assert marks == ["tuned", "tuned", None, "tuned"]
    # a file keeps the record, its budget and criterion in words, and reads back tuned
    d = to_dict(scene)
    rec = d["optimizers"][0]["tuned"]
    assert rec["criterion"] == "mean" and rec["budget"].startswith("36 runs of 500 steps")
    back, warnings = from_dict(json.loads(json.dumps(d)))
    assert not warnings and [tune.mark(back, i) for i in range(4)] == ["tuned"] * 4


def test_a_surface_without_a_lowest_point_is_not_tuned_and_a_new_racer_keeps_the_default():
    scene = Scene(surface="saddle", optimizers=[Entry("lion", hyper={"lr": 0.05})])
    assert tune.criteria(scene) == {}
    assert "no lowest point" in tune.why_not(scene, 0)
    with pytest.raises(ValueError, match="no lowest point"):
        tune.tune(scene, 0)
    new = tune.start_new(scene, 0)
    assert new.optimizers[0].full_hyper()["lr"] == OPTIMIZERS["lion"].spec["lr"].default
    assert tune.mark(new, 0) == "default"
    assert "untuned" in tune.mark_title(new, 0)


def test_a_race_too_long_to_tune_says_so_before_it_runs():
    wolfe = Entry("lbfgs", hyper={"line_search_fn": "strong_wolfe"})
    scene = Scene(surface="rosenbrock", steps=10_000, optimizers=[wolfe])
    reason = tune.why_not(scene, 0, tune.WORST)
    assert reason is not None and "shorten the race" in reason
    assert tune.why_not(replace(scene, steps=500), 0, tune.WORST) is None
    # twelve racers that fit one at a time, but not all at once
    many = Scene(surface="rosenbrock", steps=10_000, optimizers=[Entry("sam_adam")] * 12)
    assert tune.why_not(many, 0) is None
    same, results = tune.tune_all(many, tune.WORST)
    assert same is many and all("at once" in r for r in results)


def test_a_new_lion_beside_a_tuned_adam_moves():
    scene = default_scene()
    scene = replace(scene, optimizers=[*scene.optimizers, Entry("lion")])
    started = tune.start_new(scene, 4)
    assert tune.mark(started, 4) == "tuned"
    race = simulate(started)
    untuned = simulate(scene)
    lion, still = race.racers[4].traj, untuned.racers[4].traj
    assert path_length(still.xy) < 0.1  # at its default 1e-4 it barely moves
    assert path_length(lion.xy) > 1.0 and lion.loss[-1] < 0.05 * still.loss[-1]


def test_an_edge_choice_is_flagged():
    # Adadelta's steps are tiny at every rate here: the best is the largest rate tried.
    scene = Scene(surface="rosenbrock", steps=100, optimizers=[Entry("adadelta")])
    t = tune.tune(scene, 0, tune.FINAL)
    assert t.lr == tune.RATES[-1] and t.edge == "largest"
    assert "largest rate tried" in t.summary()


def _ids(at):
    return list(at.session_state["entry_ids"])


def test_the_page_s_add_tunes_the_new_racer_and_tune_all_tunes_everyone():
    at = _app()
    at.selectbox(key="add_which").set_value("lion").run()
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception
    new = _ids(at)[-1]
    assert at.session_state[f"e{new}_lr"] != OPTIMIZERS["lion"].spec["lr"].default
    assert at.session_state[f"e{new}_tuned"]["criterion"] == tune.DEFAULT_CRITERION
    assert any("starts tuned" in t.value for t in at.toast) or any(
        "starts tuned" in n for n in at.session_state["notices"] or [])
    next(b for b in at.button if b.label == "Tune all").click().run()
    assert not at.exception
    assert all(at.session_state[f"e{i}_tuned"] for i in _ids(at))
    assert any("How the racers were tuned" in e.label for e in at.expander)
    assert "tuned=mean" in at.query_params["opt"][0]


def test_the_fair_race_retunes_on_a_new_start_and_stops_when_a_rate_is_set_by_hand():
    at = _app()
    at.toggle(key="fair").set_value(True).run()
    assert not at.exception
    ids = _ids(at)
    scene = from_query({k: at.query_params[k] for k in at.query_params})[0]
    assert [tune.mark(scene, i) for i in range(4)] == ["tuned"] * 4
    assert at.query_params["tune"] in ("mean/fair", ["mean/fair"])
    at.number_input(key="x0").set_value(0.5).run()
    assert not at.exception and at.session_state["fair"]
    scene = from_query({k: at.query_params[k] for k in at.query_params})[0]
    assert scene.start == (0.5, 1.0)
    assert [tune.mark(scene, i) for i in range(4)] == ["tuned"] * 4
    at.session_state[f"e{ids[0]}_lr"] = 0.5  # as the chip's slider does
    at.run()
    assert not at.exception and not at.session_state["fair"]
    notices = " ".join(str(t.value) for t in at.toast)
    assert "Fair race off" in notices


def test_tuning_a_preset_s_racer_makes_it_the_user_s_scene():
    name, preset = next((n, s) for n, s in load_presets().items() if s.claim)
    at = _app({"preset": name})
    assert not at.session_state["claim_stale"]
    next(b for b in at.button if b.label == "Tune all").click().run()
    assert not at.exception
    if [tune.mark(preset, i) for i in range(len(preset.optimizers))]:
        assert at.session_state["claim_stale"]


def test_the_command_line_tunes_and_records_how(tmp_path):
    out = tmp_path / "tuned.scene.json"
    done = subprocess.run([sys.executable, "-m", "export", "?surface=rosenbrock&opt=lion&opt=adam",
                           "--tune", "worst", "-o", str(out)], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("tuned: ") == 2
    scene, warnings = from_dict(json.loads(out.read_text()))
    assert not warnings
    assert [tune.mark(scene, i) for i in range(2)] == ["tuned", "tuned"]
    assert all(e.tuned["criterion"] == "worst" for e in scene.optimizers)
    assert json.loads(out.read_text())["optimizers"][0]["tuned"]["budget"].startswith("180 runs")
    bad = subprocess.run([sys.executable, "-m", "export", "?surface=saddle&opt=sgd", "--tune",
                          "-o", str(tmp_path / "x.json")], cwd=ROOT, capture_output=True,
                         text=True)
    assert bad.returncode != 0 and "no lowest point" in bad.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_notebook_api_tunes_too():
    import optrace

    r = optrace.race("?surface=rosenbrock&opt=lion&opt=adam", tune=True)
    scene = r.to_scene()
    assert [tune.mark(scene, i) for i in range(2)] == ["tuned", "tuned"]
    assert scene.optimizers[0].hyper["lr"] == tune.tune(scene, 0).lr
    with pytest.warns(UserWarning, match="no lowest point"):
        optrace.race("?surface=saddle&opt=lion", tune="worst")
    with pytest.raises(ValueError, match="tune="):
        optrace.race(tune="fastest")


def test_a_fair_race_s_drag_answer_is_tuned_to_the_dragged_start():
    from ui.live import answer, unpack

    scene, _ = tune.tune_all(replace(default_scene(), tuning={"fair": True}))
    live = {k: v for k, v in to_dict(scene).items() if k not in ("title", "claim", "view")}
    status, body = answer(json.dumps({"scene": live, "start": [0.5, 2.0]}).encode())
    assert status == 200
    moved = replace(scene, start=(0.5, 2.0))
    assert [tune.mark(moved, i) for i in range(4)] == [None] * 4  # the old rates are stale
    want = simulate(tune.tune_all(moved, only_stale=True)[0])
    got = unpack(body)["paths"]
    for path, racer in zip(got, want.racers, strict=True):
        assert np.array_equal(path["x"], racer.traj.xy[:, 0].astype(np.float32))
    untuned = simulate(moved)
    assert any(not np.array_equal(p["x"], r.traj.xy[:, 0].astype(np.float32))
               for p, r in zip(got, untuned.racers, strict=True))
    # a chip's rate moved by hand is answered as asked, not tuned away
    status, body = answer(json.dumps({"scene": live, "racer": 0, "lr": 0.5}).encode())
    assert status == 200
    by_hand = simulate(replace(scene, optimizers=[
        replace(scene.optimizers[0], hyper={"lr": 0.5}), *scene.optimizers[1:]])).racers[0]
    assert np.array_equal(unpack(body)["paths"][0]["x"], by_hand.traj.xy[:, 0].astype(np.float32))


def test_a_stale_record_is_not_written_and_a_bad_one_is_named():
    scene, _ = tune.tune_all(default_scene())
    by_hand = list(scene.optimizers)
    by_hand[1] = replace(by_hand[1], hyper={"lr": 0.5})
    d = to_dict(replace(scene, optimizers=by_hand))
    assert "tuned" not in d["optimizers"][1] and "tuned" in d["optimizers"][0]
    for bad in ("mean/lr/zzzz", "<script>alert(1)</script>", "x" * 5000, "////",
                "fastest/lr/0123456789"):
        got, warnings = from_query({"opt": [f"adam;lr=0.1;tuned={bad}"]})
        assert got.optimizers[0].tuned is None and got.optimizers[0].hyper == {"lr": 0.1}
        assert any("not a tuning record" in w for w in warnings), bad
    _, warnings = from_query({"tune": ["mean/zzz/fair"]})
    assert any("zzz" in w and "not a tuning option" in w for w in warnings)


def test_an_edge_choice_travels_with_the_link():
    scene = Scene(surface="rosenbrock", steps=100, optimizers=[Entry("adadelta")])
    tuned = tune.applied(scene, 0, tune.tune(scene, 0, tune.FINAL))
    assert tuned.optimizers[0].tuned["edge"] == "largest"
    back, warnings = from_query(parse_qs(to_query_string(tuned)))
    assert not warnings and back.optimizers[0].tuned == tuned.optimizers[0].tuned
    assert "largest rate tried" in tune.mark_title(back, 0)

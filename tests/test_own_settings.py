"""Per-racer schedule, noise and sparsity: "Adam with warmup" beside "Adam without", "SGD with
noise" beside "SGD without", on one map."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from optimizers import run
from scene import Entry, Scene, from_dict, from_json, to_dict, to_json
from scene.race import simulate
from scene.url import encode, from_query, to_query

APP = str(Path(__file__).resolve().parents[1] / "app.py")
WARMUP = {"name": "warmup_linear", "warmup": 100}


def _scene() -> Scene:
    return Scene(surface="goldstein_price", steps=300, optimizers=[
        Entry("adam", hyper={"lr": 0.5}, schedule=WARMUP), Entry("adam", hyper={"lr": 0.5}),
        Entry("sgd", hyper={"lr": 1e-4}, noise=20.0), Entry("sgd", hyper={"lr": 1e-4})])


def test_each_racer_runs_with_its_own_settings_and_the_others_with_the_scenes():
    race = simulate(_scene())
    warm, plain, noisy, clean = race.racers
    assert warm.traj.lr[0] == 0.0 and plain.traj.lr[0] == 0.5  # warmup starts at 0
    assert race.schedule_active  # the learning-rate panel is shown
    ref = run("goldstein_price", "adam", steps=300, lr=0.5, schedule=WARMUP)
    np.testing.assert_array_equal(warm.traj.xy, ref.xy)
    ref = run("goldstein_price", "sgd", steps=300, lr=1e-4, noise=20.0)
    np.testing.assert_array_equal(noisy.traj.xy, ref.xy)
    assert not np.array_equal(noisy.traj.xy, clean.traj.xy)
    # Same optimizer and settings, told apart by what is their own.
    assert [r.label for r in race.racers] == [
        "Adam (warmup linear)", "Adam (constant lr)", "SGD (σ 20)", "SGD (σ 0)"]


def test_own_settings_travel_through_files_links_and_back():
    scene = _scene()
    assert from_json(to_json(scene))[0].optimizers == scene.optimizers
    q = encode(to_query(scene))
    assert "opt=adam;lr=0.5;sched=warmup_linear/warmup:100" in q and "noise=20" in q
    back, warnings = from_query(parse_qs(q))
    assert not warnings and back.optimizers == scene.optimizers


def test_bad_own_settings_fall_back_to_the_scenes_with_a_warning():
    scene, warnings = from_dict({"optimizers": [
        {"optimizer": "sgd", "noise": -1, "sparsity": 3, "schedule": {"name": "nope"}}]})
    assert scene.optimizers[0].own() == {"schedule": {"name": "constant"}}
    assert len(warnings) == 3 and all("optimizer 1" in w for w in warnings)
    d = to_dict(scene)
    assert "noise" not in d["optimizers"][0]


def test_legend_states_a_racers_own_settings():
    from figures._text import legend_label

    warm, _, noisy, _ = simulate(_scene()).racers
    assert "linear warmup" in legend_label(warm).lower()
    text = legend_label(noisy)
    assert "σ 20" in text and text.count("20") == 1  # stated once, by the derived label


def test_app_gives_a_racer_its_own_noise():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    eid = at.session_state["entry_ids"][0]
    at.session_state[f"open{eid}"] = True
    at.run()
    at.toggle(key=f"e{eid}_own").set_value(True).run()
    at.number_input(key=f"e{eid}_noise").set_value(2.0).run()
    assert not at.exception
    opts = at.query_params["opt"]
    opts = [opts] if isinstance(opts, str) else list(opts)
    assert "noise=2" in opts[0] and "sched=constant" in opts[0]
    assert all("noise" not in o for o in opts[1:])
    # a link with a racer's own settings opens with them
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["opt"] = ["adam;lr=0.5;sched=warmup_linear/warmup:100", "adam;lr=0.5"]
    at.query_params["surface"] = "goldstein_price"
    at.run()
    first = at.session_state["entry_ids"][0]
    assert at.session_state[f"e{first}_own"] and at.session_state[f"e{first}_sched"] == \
        "warmup_linear"

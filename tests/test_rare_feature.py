"""A rare feature: sparsity per coordinate, and the preset that shows adaptive steps finding it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from optimizers import run, stochastic
from scene import from_dict, to_dict
from scene.presets import load_presets
from scene.race import simulate
from scene.url import from_query, to_query

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PRESET = "12-rare-feature"
SEEDS = range(20)


def test_equal_pair_drops_exactly_what_one_value_drops():
    _, one = stochastic(500, 0.0, 0.3, seed=4)
    _, pair = stochastic(500, 0.0, (0.3, 0.3), seed=4)
    np.testing.assert_array_equal(one, pair)


def test_each_coordinate_has_its_own_sparsity():
    _, drop = stochastic(20_000, 0.0, (0.9, 0.0), seed=1)
    assert drop[:, 1].sum() == 0
    assert drop[:, 0].mean() == pytest.approx(0.9, abs=0.01)
    with pytest.raises(ValueError, match="sparsity"):
        stochastic(10, 0.0, (0.5, 1.5), seed=0)
    # run() takes the pair too, and a missing x gradient leaves x where it was
    t = run("booth", "sgd", start=(0.0, 0.0), steps=50, lr=0.01, sparsity=(1.0, 0.0))
    assert np.all(t.xy[:, 0] == 0.0) and t.xy[-1, 1] != 0.0


def test_pair_travels_through_scene_files_and_links():
    scene = replace(load_presets()[PRESET], title="", claim="")
    assert scene.sparsity == (0.9, 0.0)
    assert from_dict(to_dict(scene))[0].sparsity == (0.9, 0.0)
    q = to_query(scene)
    assert q["sparsity"] == "0.9,0"
    assert from_query({"sparsity": "0.9,0", "surface": "ravine"})[0].sparsity == (0.9, 0.0)
    back, warnings = from_query({"sparsity": "0.9,2"})
    assert warnings and back.sparsity == 0.0


def _ends(seed: int, sparsity=(0.9, 0.0)) -> dict[str, float]:
    scene = replace(load_presets()[PRESET], seed=seed, sparsity=sparsity)
    return {r.label: abs(float(r.traj.xy[-1, 0])) for r in simulate(scene).racers}


@pytest.mark.parametrize("seed", SEEDS)
def test_preset_adaptive_steps_find_the_rare_feature(seed):
    ends = _ends(seed)
    assert ends["SGD"] > 1.0  # "still more than 1 away from the minimum along x"
    assert ends["Adagrad"] < 0.16 and ends["Adam"] < 0.16  # "within 0.16 of it"


def test_preset_claim_numbers():
    scene = load_presets()[PRESET]
    assert scene.surface_params["condition"] == 50  # "50 times flatter than its walls"
    assert scene.steps == 300
    _, drop = stochastic(scene.steps, 0.0, scene.sparsity, scene.seed)
    assert 0.07 < 1 - drop[:, 0].mean() < 0.13  # x's gradient present about one step in ten
    assert drop[:, 1].sum() == 0  # y's always there
    assert [r.label for r in simulate(scene).racers] == ["SGD", "Adagrad", "Adam"]
    colors = [r.color for r in simulate(scene).racers]
    assert colors == ["#0072B2", "#D55E00", "#009E73"]  # blue, orange, green


def test_preset_without_sparsity_all_three_arrive():
    ends = _ends(0, sparsity=0.0)
    assert max(ends.values()) < 1e-3


def test_app_sets_x_and_y_apart():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["open_noise"] = True  # the folded "Stochastic gradients" part
    at.run()
    at.toggle(key="sparsity_split").set_value(True).run()
    at.slider(key="sparsity_x").set_value(0.9).run()
    assert not at.exception
    assert at.query_params["sparsity"] in ("0.9,0", ["0.9,0"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["sparsity"] = "0.9,0"
    at.run()
    assert at.session_state["sparsity_split"] and at.session_state["sparsity_x"] == 0.9

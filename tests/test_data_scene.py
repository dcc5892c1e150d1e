"""Scenes on data surfaces: links and files carry the model, the dataset and the batch sizes,
the race runs them, the budget prices their rows, and bad values are named, never run."""

from __future__ import annotations

import numpy as np
import pytest

from landscapes import get_surface
from optimizers import run
from scene.budget import estimate_seconds
from scene.labels import MAX_BATCH
from scene.model import Entry, Scene, default_scene, to_dict
from scene.race import simulate
from scene.reader import from_dict
from scene.url import from_query, to_query

TANH = {"model": "tanh", "dataset": "wave", "standardize": 0, "seed": 0}


def _scene(**kw) -> Scene:
    base = dict(surface="data", surface_params=dict(TANH), steps=120,
                optimizers=[Entry("sgd", hyper={"lr": 0.1}, batch=8),
                            Entry("sgd", hyper={"lr": 0.1}, batch=1),
                            Entry("adam", hyper={"lr": 0.05})],
                batch=32, view={"step": None, "arrows": False, "tab": "map"})
    base.update(kw)
    return Scene(**base)


def test_links_and_files_carry_the_data_and_every_batch_size():
    scene = _scene()
    back, warnings = from_query(to_query(scene))
    assert warnings == [] and to_dict(back) == to_dict(scene)
    again, warnings = from_dict(to_dict(scene))
    assert warnings == [] and to_dict(again) == to_dict(scene)
    q = to_query(scene)
    assert q["batch"] == "32" and "batch=8" in q["opt"][0] and "batch=1" in q["opt"][1]
    assert "batch" not in q["opt"][2]  # the third follows the scene


def test_the_race_runs_each_racer_at_its_batch_size():
    scene = _scene()
    race = simulate(scene)
    surf = get_surface("data", **TANH)
    for racer, batch in zip(race.racers, (8, 1, 32), strict=True):
        alone = run(surf, racer.optimizer, start=surf.start, steps=120, batch_size=batch,
                    seed=0, **racer.hyper)
        np.testing.assert_array_equal(racer.traj.xy, alone.xy)
    assert [r.label for r in race.racers] == ["SGD (batch 8)", "SGD (batch 1)", "Adam"]
    whole = simulate(_scene(batch=None, optimizers=[Entry("sgd", hyper={"lr": 0.1}),
                                                   Entry("sgd", hyper={"lr": 0.1},
                                                         batch=MAX_BATCH)]))
    np.testing.assert_array_equal(whole.racers[0].traj.xy, whole.racers[1].traj.xy)
    assert whole.racers[1].label == "SGD #2"  # the same run: nothing tells them apart


def test_the_budget_prices_the_rows():
    linear = _scene(surface_params={"model": "linear", "dataset": "line"}, batch=None,
                    optimizers=[Entry("sgd")], steps=5000)
    tanh = _scene(batch=None, optimizers=[Entry("sgd")], steps=5000)
    batched = _scene(batch=8, optimizers=[Entry("sgd")], steps=5000)
    rosen = Scene(surface="rosenbrock", optimizers=[Entry("sgd")], steps=5000)
    assert estimate_seconds(linear) < 2 * estimate_seconds(rosen)  # its loss is a few sums
    assert estimate_seconds(tanh) > 50 * estimate_seconds(rosen)  # 200 rows a step
    assert estimate_seconds(batched) > estimate_seconds(tanh)  # 8 rows more, and the loss


@pytest.mark.parametrize("params,words", [
    ({"model": "<script>alert(1)</script>"}, "Unknown model"),
    ({"model": "linear", "dataset": "../../etc/passwd"}, "Unknown dataset"),
    ({"model": "linear", "dataset": "penguins-bills"}, "needs regression data"),
    ("not a mapping", "is not a mapping"),
])
def test_an_unusable_data_surface_is_named_and_the_rest_of_the_scene_kept(params, words):
    d = to_dict(_scene())
    d["surface_params"] = params
    scene, warnings = from_dict(d)
    assert scene.surface == default_scene().surface
    assert any(words in w for w in warnings), warnings
    assert scene.steps == 120 and [e.optimizer for e in scene.optimizers] == ["sgd", "sgd",
                                                                             "adam"]


@pytest.mark.parametrize("value", [0, -3, 1.5, "x", 10**12, float("nan"), [8]])
def test_an_unusable_batch_size_is_named_and_falls_back(value):
    d = to_dict(_scene())
    d["batch"] = value
    d["optimizers"][0]["batch"] = value
    scene, warnings = from_dict(d)
    assert scene.batch is None and scene.optimizers[0].batch is None
    assert any(w.startswith("batch:") for w in warnings), warnings
    assert any(w.startswith("optimizer 1 batch:") for w in warnings), warnings
    assert scene.optimizers[1].batch == 1  # the others keep theirs


def test_bad_data_parameters_in_a_link_are_named_and_the_surface_kept():
    q = to_query(_scene())
    q["sp"] = "model:tanh;dataset:wave;seed:99999999999;standardize:7"
    scene, warnings = from_query(q)
    assert scene.surface == "data" and scene.surface_params["model"] == "tanh"
    assert "seed" not in scene.surface_params and "standardize" not in scene.surface_params
    assert sum("surface_params." in w for w in warnings) == 2, warnings


def test_exports_views_and_the_command_line_work_on_data(tmp_path):
    import json

    from export import __main__ as cli
    from export import export_bytes
    from scene.analysis import compute

    scene = _scene(steps=60, optimizers=[Entry("sgd", hyper={"lr": 0.1}, batch=8),
                                         Entry("adam", hyper={"lr": 0.05})])
    svg = export_bytes(scene, "svg").decode()
    assert "w₁" in svg and "w₂" in svg  # the axes named after the weights
    rows = export_bytes(scene, "csv").decode().splitlines()
    assert rows[0].startswith("step") and len(rows) == 1 + 2 * 61
    sens = compute(scene, "sensitivity")
    assert len(sens.racers) == 2
    path = tmp_path / "data.scene.json"
    path.write_text(json.dumps(to_dict(scene)), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert cli.main([str(path), "-o", str(out)]) == 0
    assert out.read_text().splitlines() == rows


def test_the_page_races_on_data_with_batch_sizes_and_keeps_a_bad_split_out():
    from streamlit.testing.v1 import AppTest

    from tests.test_own_settings import APP

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["surface"] = "data"
    at.query_params["sp"] = "model:tanh;dataset:wave"
    at.query_params["opt"] = ["sgd;lr=0.1;batch=8", "adam;lr=0.05"]
    at.query_params["steps"] = "100"
    at.run()
    assert not at.exception
    assert at.selectbox(key="batch_choice").value == "full"
    at.selectbox(key="batch_choice").set_value(16).run()
    assert not at.exception and at.query_params["batch"] in ("16", ["16"])
    first = at.session_state["entry_ids"][0]
    at.session_state[f"open{first}"] = True
    at.run()
    assert at.selectbox(key=f"e{first}_batch_choice").value == 8
    at.selectbox(key="data_model").set_value("logistic").run()  # data of its kind follow
    assert not at.exception and at.session_state["data_dataset"] == "penguins-bills"
    at.selectbox(key="data_model").set_value("linear").run()
    assert not at.exception and at.session_state["data_dataset"] == "penguins-mass"
    # data of one's own: three rows cannot hold half out; the page says so and holds none out
    at.selectbox(key="data_dataset").set_value("custom").run()
    at.session_state["data_rows"] = "0,1_1,2_2,2.5"
    at.slider(key="data_test").set_value(50).run()
    assert not at.exception
    assert at.session_state["data_test"] == 0
    assert any("leaves 1 to train on" in e.value for e in at.error)


def test_the_inspector_shows_the_batch_an_update_used():
    from figures.minibatch import GRID, batch_figure, batch_of
    from landscapes import grid
    from landscapes._data_kernels import batch_rows
    from landscapes.data import surface_from_rows

    scene = _scene(steps=30, optimizers=[Entry("sgd", hyper={"lr": 0.1}, batch=8)], seed=4)
    race = simulate(scene, record=True)
    surf = race.surface
    assert batch_of(surf, 8, 4, 12).tolist() == batch_rows(200, 8, 4, 12)[11].tolist()
    fig = batch_figure(race, 12, 8, [0])
    rows = surf.p[10:].reshape(200, 2)[batch_of(surf, 8, 4, 12)]
    mine = surface_from_rows("tanh", rows, "", "", {})
    _, _, z = grid(mine, GRID, GRID, bounds=surf.bounds)
    shown = np.asarray(fig.data[0].z)
    lo, hi = np.nanmin(z), np.nanmax(z)
    np.testing.assert_allclose(shown, np.log10(z - lo + 1e-3 * (hi - lo)), rtol=1e-10)
    seg = fig.data[2]
    np.testing.assert_array_equal([seg.x, seg.y], race.racers[0].traj.xy[11:13].T)
    # the step it took is the batch's gradient times the rate
    g = np.array(mine.grad(*race.racers[0].traj.xy[11]))
    np.testing.assert_allclose(race.racers[0].traj.xy[12] - race.racers[0].traj.xy[11], -0.1 * g,
                               rtol=1e-12)

"""The analysis views' own settings (the basins grid, the hyperparameter map's racer): kept in
the scene and its link, honoured by the exports, kept across tab switches on the page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from export import export_bytes
from scene import BASIN_GRID, Entry, Scene, from_dict, to_dict
from scene.analysis import basin_grid, compute, estimated_csv_bytes, to_csv, view_racer
from scene.url import from_query, to_query

ROOT = Path(__file__).resolve().parents[1]


def _scene(**view) -> Scene:
    return Scene(surface="himmelblau", start=(0.0, 0.0), steps=40,
                 optimizers=[Entry("adagrad", hyper={"lr": 0.5}),
                             Entry("sgd", hyper={"lr": 0.01}),
                             Entry("adam", label="Adam fast", hyper={"lr": 0.1})],
                 view={"step": None, "arrows": False, "tab": "map", **view})


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


@pytest.mark.parametrize("view", [{"analysis": "basins", "grid": 50},
                                  {"analysis": "hyper", "racer": 3}])
def test_view_settings_survive_the_scene_file_and_the_link(view):
    scene = _scene(**view)
    again, warnings = from_dict(to_dict(scene))
    assert not warnings and again.view == scene.view
    query = to_query(scene)
    assert all(query[k] == str(v) for k, v in view.items() if k != "analysis")
    linked, warnings = from_query(query)
    assert not warnings and linked.view == scene.view


@pytest.mark.parametrize("key, value, said", [("grid", 300, "is not a basins grid"),
                                              ("grid", "many", "is not a basins grid"),
                                              ("racer", 4, "is not the number of a racer"),
                                              ("racer", 0, "is not the number of a racer")])
def test_a_bad_view_setting_is_named_and_the_default_kept(key, value, said):
    d = to_dict(_scene(analysis="basins"))
    d["view"][key] = value
    scene, warnings = from_dict(d)
    assert key not in scene.view and scene.view["analysis"] == "basins"
    assert any(f"view.{key}" in w and said in w for w in warnings), warnings


def test_the_default_grid_is_not_written_into_the_scene():
    d = to_dict(_scene())
    d["view"]["grid"] = BASIN_GRID
    scene, _ = from_dict(d)
    assert "grid" not in scene.view and "grid" not in to_query(scene)


def test_basin_grid_is_the_scene_s_unless_its_runs_are_too_many():
    assert basin_grid(_scene()) == BASIN_GRID
    assert basin_grid(_scene(grid=1000)) == 1000  # 10^6 runs of 40 steps
    long = Scene(**{**_scene(grid=1000).__dict__, "steps": 2000})
    assert basin_grid(long) == 400  # 700² × 2000 is more than a sweep runs at once


def test_view_racer_is_the_scene_s_when_it_can_be_mapped():
    assert view_racer(_scene()) == 1  # Adagrad has no momentum or β1: the first that can
    assert view_racer(_scene(racer=3)) == 2
    assert view_racer(_scene(racer=1)) == 1  # Adagrad again: the first that can


def test_exports_show_the_scene_s_grid_and_racer():
    rows = _rows(export_bytes(_scene(grid=50), "csv", figure="basins"))
    assert len(rows) == 3 * 50 * 50
    hyper = _rows(export_bytes(_scene(racer=3), "csv", figure="hyper"))
    assert {r["optimizer"] for r in hyper} == {"Adam fast"} and "beta1" in hyper[0]
    assert "ended_at_step" in hyper[0]
    first = _rows(export_bytes(_scene(), "csv", figure="hyper"))
    assert {r["optimizer"] for r in first} == {"SGD"} and "momentum" in first[0]


def test_an_export_given_the_page_s_result_draws_that_result():
    scene = _scene(grid=50)
    shown = compute(scene, "basins", grid=100)  # what a page had computed
    assert len(_rows(export_bytes(scene, "csv", figure="basins", result=shown))) == 3 * 100 ** 2


def test_the_cli_reads_the_racer_from_a_link(tmp_path):
    import subprocess
    import sys

    link = ("?surface=himmelblau&start=0,0&steps=40&opt=sgd;lr=0.01&opt=adam;lr=0.1"
            "&view=hyper&racer=2")
    out = tmp_path / "hyper.csv"
    done = subprocess.run([sys.executable, "-m", "export", link, "-o", str(out), "--figure",
                           "hyper"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = _rows(out.read_bytes())
    assert {r["optimizer"] for r in rows} == {"Adam"} and "beta1" in rows[0]


def test_the_csv_size_estimate_is_close_and_exact_when_small():
    result = compute(_scene(grid=100), "basins")
    size = len(to_csv(result))
    assert abs(estimated_csv_bytes(result) - size) <= 0.05 * size
    small = compute(_scene(grid=50), "sensitivity")
    assert estimated_csv_bytes(small, sample=10_000) == len(to_csv(small))


# --------------------------------------------------------------------------------------------
# The page


def _app(query: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _qp(at, key: str):
    v = at.query_params.get(key)
    return v[-1] if isinstance(v, list) else v


def test_a_link_s_racer_opens_the_map_for_it_and_survives_a_tab_switch():
    at = _app({"surface": "himmelblau", "start": "0,0", "steps": "40",
               "opt": ["sgd;lr=0.01", "adam;lr=0.1"], "view": "hyper", "racer": "2"})
    assert at.session_state["tab"] == "Hyperparameter map"
    assert at.selectbox(key="hyper_racer").value == 1
    at.session_state["tab"] = "Share & export"
    at.run()
    assert _qp(at, "racer") == "2"
    at.session_state["tab"] = "Hyperparameter map"
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="hyper_racer").value == 1
    at.selectbox(key="hyper_racer").set_value(0).run()  # back to the first: no racer= left
    assert _qp(at, "racer") is None


def test_the_basins_grid_is_in_the_link_and_survives_a_tab_switch():
    at = _app({"surface": "himmelblau", "start": "0,0", "steps": "20",
               "opt": "sgd;lr=0.01", "view": "basins"})
    assert _qp(at, "grid") is None
    at.select_slider(key="basins_grid").set_value(50).run()
    assert not at.exception, at.exception
    assert _qp(at, "grid") == "50"
    at.session_state["tab"] = "Step inspector"
    at.run()
    at.session_state["tab"] = "Basins"
    at.run()
    assert at.select_slider(key="basins_grid").value == 50
    assert _qp(at, "grid") == "50"

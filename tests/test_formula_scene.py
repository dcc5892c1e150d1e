"""A typed formula wherever a surface is accepted: scene files, share links, the CLI, the page."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scene import from_dict, from_json, to_json
from scene.race import simulate
from scene.url import from_url, to_query_string

ROOT = Path(__file__).resolve().parents[1]
SCENE = {"formula": "x^4 - 2*x^2 + y^2 + x*y/2", "surface_params": {"xmin": -2, "xmax": 2},
         "start": [0.2, 1.5], "steps": 200,
         "optimizers": [{"optimizer": "sgd", "hyper": {"lr": 0.05}},
                        {"optimizer": "adam", "hyper": {"lr": 0.05}}]}


def test_scene_file_and_link_round_trip():
    scene, warnings = from_dict(SCENE)
    assert warnings == []
    assert scene.surface == "formula"
    assert scene.surface_params == {"f": SCENE["formula"], "xmin": -2.0, "xmax": 2.0}
    again, w2 = from_json(to_json(scene))
    assert w2 == [] and again == scene
    assert json.loads(to_json(scene))["formula"] == SCENE["formula"]
    q = to_query_string(scene)
    assert "f=" in q and "surface=formula" in q
    linked, w3 = from_url("https://example.org/?" + q)
    assert w3 == [] and linked.surface_params == scene.surface_params
    # surface=formula may be left out of a hand-written link
    short, w4 = from_url("?f=x%5E2%2B3*y%5E2&sp=ymin:-1;ymax:1&opt=adam;lr=0.1")
    assert w4 == [] and short.surface_obj().bounds == ((-3.0, 3.0), (-1.0, 1.0))


@pytest.mark.parametrize("bad,field", [
    ({"formula": "x^2 + z"}, "unknown name 'z' at column 7"),
    ({"formula": "__import__('os')"}, "unexpected character"),
    ({"formula": 42}, "is not text"),
    ({"formula": "x^2", "surface_params": {"xmin": 5}}, "surface_params.xmin"),
    ({"formula": "x^2", "surface_params": {"zmax": 1}}, "surface_params.zmax"),
    ({"formula": "log(-1 - x^2)"}, "not defined anywhere"),
])
def test_bad_formula_fields_fall_back_with_a_warning(bad, field):
    scene, warnings = from_dict({**bad, "steps": 100})
    assert any(field in w for w in warnings), warnings
    assert scene.steps == 100  # the rest of the scene is kept
    scene.surface_obj()  # and what is left is usable


def test_a_link_with_a_bad_formula_keeps_the_rest():
    scene, warnings = from_url("?f=sin(x)%2Bq&steps=123&opt=adam;lr=0.1")
    assert scene.surface == "rosenbrock" and scene.steps == 123
    assert len(warnings) == 1 and "unknown name 'q' at column 8" in warnings[0]


def test_race_metrics_use_the_lowest_minimum_found():
    scene, _ = from_dict(SCENE)
    race = simulate(scene)
    assert race.surface.f_min == pytest.approx(race.surface.minima[0].f)
    assert all(r.traj.status == "completed" for r in race.racers)
    assert min(r.traj.loss[-1] for r in race.racers) == pytest.approx(race.surface.f_min,
                                                                       abs=1e-6)


def test_cli_exports_a_formula_link(tmp_path):
    out = tmp_path / "paths.csv"
    link = ("?f=log(x)%2By%5E2&sp=xmin:-1;xmax:3&start=0.3,1&steps=50&opt=sgd;lr=0.5"
            "&opt=adam;lr=0.02")
    done = subprocess.run([sys.executable, "-m", "export", link, "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert {r["optimizer"] for r in rows} == {"SGD", "Adam"}
    sgd = [r for r in rows if r["optimizer"] == "SGD"]
    assert len(sgd) == 1  # its first step left the domain (x < 0)
    scene_out = tmp_path / "scene.scene.json"
    subprocess.run([sys.executable, "-m", "export", link, "-o", str(scene_out)], cwd=ROOT,
                   check=True, capture_output=True, timeout=300)
    assert json.loads(scene_out.read_text())["formula"] == "log(x)+y^2"


def test_typing_a_formula_in_the_page_races_on_it():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    at.selectbox(key="surface").set_value("formula").run()
    assert not at.exception
    at.text_input(key="formula_text").set_value("x^2 + 3*y^2 + q").run()
    assert any("unknown name 'q' at column 15" in e.value for e in at.error)
    assert at.text_input(key="formula_text").value == "x^2 + 3*y^2 + q"  # kept as typed
    at.text_input(key="formula_text").set_value("(x - 1)^2 + 3*y^2").run()
    assert not at.exception and not any("column" in e.value for e in at.error)
    f = at.query_params["f"]
    assert (f if isinstance(f, str) else f[-1]) == "(x - 1)^2 + 3*y^2"
    assert any("Your formula" in e.label for e in at.expander)


def test_live_route_races_a_formula_and_refuses_a_bad_one():
    from scene import to_dict
    from ui.live import answer, unpack

    scene, _ = from_dict({**SCENE, "formula": "x - log(x) + y^2", "start": [0.3, 1.0],
                          "surface_params": {"xmin": -1, "xmax": 3}})
    status, body = answer(json.dumps({"scene": to_dict(scene), "start": [2.0, 1.0]}).encode())
    assert status == 200
    paths = unpack(body)["paths"]
    assert [p["status"] for p in paths] == ["completed", "completed"]
    status, body = answer(json.dumps({"scene": to_dict(scene), "start": [3.0, 1.0], "racer": 0,
                                      "lr": 5.0}).encode())
    assert status == 200 and unpack(body)["paths"][0]["status"] == "domain"
    bad = {**to_dict(scene), "formula": "x.__class__"}
    status, err = answer(json.dumps({"scene": bad}).encode())
    assert status == 400 and err["field"] == "formula" and "column 2" in err["error"]

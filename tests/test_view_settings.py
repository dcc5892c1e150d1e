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
    from scene import BASIN_GRIDS
    from scene.budget import VIEW_BYTES, view_bytes

    assert basin_grid(_scene()) == BASIN_GRID
    one = Scene(**{**_scene(grid=1000).__dict__, "optimizers": _scene().optimizers[:1]})
    assert basin_grid(one) == 1000  # 10^6 runs of 40 steps, one racer: within the budgets
    # Three racers' 10^6 runs each would hold more than a view may keep: the largest grid
    # whose results fit is taken instead.
    three = _scene(grid=1000)
    got = basin_grid(three)
    assert got < 1000 and view_bytes(three, "basins", got) <= VIEW_BYTES
    larger = [g for g in BASIN_GRIDS if g > got]
    assert view_bytes(three, "basins", larger[0]) > VIEW_BYTES or basin_grid(
        Scene(**{**three.__dict__, "steps": 1})) > got
    long = Scene(**{**one.__dict__, "steps": 2000})
    assert basin_grid(long) < 1000  # 10^6 × 2000 run-steps are more than a sweep runs at once


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


# --------------------------------------------------------------------------------------------
# What the views say


def test_a_run_that_ends_outside_the_map_is_grey_in_the_basins():
    from figures.analysis import LEVELS, basin_codes

    scene = Scene(surface="monkey_saddle", start=(0.2, 0.1), steps=60,
                  optimizers=[Entry("adam", hyper={"lr": 0.1})], view={})
    result = compute(scene, "basins", grid=50)
    r = result.racers[0]
    (x0, x1), (y0, y1) = result.surface.bounds
    off = ~((r.end[:, 0] >= x0) & (r.end[:, 0] <= x1) & (r.end[:, 1] >= y0)
            & (r.end[:, 1] <= y1))
    completed_off = off & (r.status == 0)
    assert completed_off.any()  # within the stopping box, outside the map as drawn
    codes = basin_codes(r, scene.steps, result.surface.bounds)
    assert (codes[completed_off] == LEVELS).all()  # grey: left the map
    assert (basin_codes(r, scene.steps)[completed_off] == 0).all()  # not without the bounds


def test_the_sensitivity_figure_says_why_a_surface_without_minimum_has_no_steps():
    from figures.analysis import sensitivity_figure

    scene = Scene(surface="monkey_saddle", start=(0.2, 0.1), steps=40,
                  optimizers=[Entry("sgd", hyper={"lr": 0.01})], view={})
    fig = sensitivity_figure(compute(scene, "sensitivity"))
    said = [a.text for a in fig.layout.annotations if a.name == "no minimum"]
    assert said == ["Monkey saddle has no minimum, so no run has one to reach"]
    with_min = sensitivity_figure(compute(_scene(), "sensitivity"))
    assert not [a for a in with_min.layout.annotations if a.name == "no minimum"]


def test_the_exported_basins_draw_each_racer_s_path():
    from figures.analysis import PATH_LABEL, basins_figure
    from scene.race import simulate

    scene = _scene(grid=50)
    race = simulate(scene)
    paths = [r.traj.xy for r in race.racers]
    fig = basins_figure(compute(scene, "basins"), paths=paths, height=None)
    for i, xy in enumerate(paths):
        axis = "x" if i == 0 else f"x{i + 1}"
        lines = [t for t in fig.data if t.type == "scatter" and t.mode == "lines"
                 and t.xaxis == axis and t.x is not None and t.x[0] is not None]
        assert lines and all(list(t.x) == list(xy[:, 0]) for t in lines)
    assert PATH_LABEL in [t.name for t in fig.data]
    plain = basins_figure(compute(scene, "basins"), height=None)
    assert PATH_LABEL not in [t.name for t in plain.data]


def test_the_hover_words_match_the_pictures_colours():
    from figures.analysis import LEVELS, basin_codes, basin_outcomes, basin_palette

    scene = _scene(grid=50)
    result = compute(scene, "basins")
    surf = result.surface
    words = basin_outcomes(surf, scene.steps)
    pal = basin_palette(len(surf.minima))
    assert [rgb for rgb, _ in words] == pal.tolist()
    r = result.racers[1]
    codes = basin_codes(r, scene.steps, surf.bounds)
    k = int(next(i for i, c in enumerate(codes) if c >= 2 * LEVELS and c % LEVELS == 0))
    m = surf.minima[int(r.nearest[k])]
    assert words[codes[k]][1].startswith("reaches (") and int(r.reach[k]) <= scene.steps / 16
    assert f"{m.x:g}"[:3].replace("-", "−") in words[codes[k]][1]
    assert words[0][1] == "ends at none of the listed minima"
    assert words[LEVELS][1] == "leaves the map or diverges"


def test_a_map_s_file_is_named_after_its_racer():
    from export import file_name

    assert file_name(_scene(racer=3), "csv", "hyper") == "himmelblau-hyper-adam-fast.csv"
    assert file_name(_scene(), "png", "hyper") == "himmelblau-hyper-sgd.png"
    assert file_name(_scene(), "png", "basins") == "himmelblau-basins.png"


def test_a_preset_that_opens_a_view_says_where_it_is(monkeypatch):
    at = _app({})
    at.selectbox(key="preset").set_value("15-himmelblau-basins").run()
    assert not at.exception, at.exception
    assert any("Basins view is open below the race" in t.value for t in at.toast)


def test_a_csv_too_large_for_a_shared_server_is_offered_from_the_command_line(monkeypatch):
    import ui.analysis

    at = _app({"surface": "himmelblau", "start": "0,0", "steps": "20",
               "opt": "sgd;lr=0.01", "view": "basins", "grid": "50"})
    assert [b for b in at.get("download_button") if "CSV" in b.proto.label]
    monkeypatch.setattr(ui.analysis, "MAX_CSV_BYTES", 1000)
    at.run()
    assert not at.exception, at.exception
    assert not [b for b in at.get("download_button") if "CSV" in b.proto.label]
    said = " ".join(c.value for c in at.caption)
    assert "python -m export" in said and "--figure basins" in said


@pytest.mark.parametrize("figure", ["sensitivity", "hyper", "basins"])
def test_titles_keep_their_place_when_the_page_draws_a_figure_wider(figure):
    """The app lets a chart fill its column, wider than it was made: the title and subtitle
    must stay inside the figure, at the same distance from its left edge."""
    from figures._layout import TEXT_INSET
    from figures.analysis import analysis_figure

    fig = analysis_figure(compute(_scene(grid=50), figure), width=900)
    lay = fig.layout
    for name in ("title", "subtitle"):
        a = next(a for a in lay.annotations if a.name == name)
        for plot_w in (600.0, 1500.0):  # where the text's left edge lands, in px
            assert lay.margin.l + a.x * plot_w + (a.xshift or 0) == pytest.approx(TEXT_INSET)

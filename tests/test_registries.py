"""A new export format is one encoder plus one line of export.formats.FORMATS; a new analysis
view is its module plus one entry of scene.views.VIEWS: the exporter, the command line, the
scene, the share link, the budgets and the page all take their lists from there."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from export import FORMATS, Format, export_bytes, figures, file_name, format_for_path
from export import __main__ as cli
from scene import default_scene, from_dict, to_dict
from scene import views as V
from scene.budget import Work, estimate_view_seconds, view_problem, view_runs
from scene.url import encode, from_query, link_query, to_query


def _encode_text(job) -> bytes:
    return f"{job.figure} of {job.scene.surface}, {job.width}×{job.height}".encode()


@pytest.fixture()
def text_format(monkeypatch):
    fmt = Format("txt", ".txt", "text/plain", "image", _encode_text, "plain text")
    monkeypatch.setitem(FORMATS, "txt", fmt)
    return fmt


def test_a_format_is_one_line(text_format, tmp_path, capsys):
    scene = replace(default_scene(), steps=20)
    assert export_bytes(scene, "txt", figure="loss", width=300, height=200) == (
        b"loss of rosenbrock, 300\xc3\x97200")
    assert format_for_path("figure.TXT") == "txt"
    assert file_name(scene, "txt", "loss") == "rosenbrock-loss.txt"
    assert ".txt" in cli._parser().format_help()
    out = tmp_path / "race.txt"
    assert cli.main(["?surface=booth&steps=10", "-o", str(out)]) == 0
    assert out.read_bytes() == b"landscape of booth, 900\xc3\x97700"
    assert "wrote" in capsys.readouterr().out


def test_the_page_offers_the_table_s_figure_formats(text_format):
    from ui.views import export_kinds

    kinds = export_kinds()
    assert kinds["txt"] == "plain text"
    assert list(kinds)[:5] == ["png", "svg", "pdf", "gif", "mp4"]
    assert "csv" not in kinds and "scene" not in kinds  # data has buttons of its own


# -- a view ------------------------------------------------------------------------------------


@dataclass
class Ends:
    """The dummy view's result: each racer's final loss."""

    scene: object
    losses: list
    nbytes: int = 100


def _compute(scene, depth=None, progress=None) -> Ends:
    from scene.race import simulate

    race = simulate(scene)
    return Ends(scene, [float(r.traj.loss[-1]) * (depth or 1) for r in race.racers])


def _rows(result: Ends):
    rows = [("racer", "final_loss"), *((i, v) for i, v in enumerate(result.losses))]
    return iter(rows), len(rows)


def ends_figure(result: Ends, *, theme="article", width=900, height=700, **kw):
    import plotly.graph_objects as go

    return go.Figure(go.Bar(y=result.losses), layout={"width": width, "height": height})


def draw_ends(race_scene, race=None) -> None:
    draw_ends.calls.append(race_scene)


draw_ends.calls = []


def _read_depth(raw, scene) -> int | None:
    depth = int(raw)
    if not 1 <= depth <= 9:
        raise ValueError
    return None if depth == 1 else depth


DEPTH = V.Setting("depth", _read_depth, lambda scene: "is not a depth (1 to 9)")


@pytest.fixture()
def ends_view(monkeypatch):
    view = V.View(
        name="ends", label="Where they end", title="final losses", result=Ends,
        compute=_compute, options=lambda scene: {"depth": scene.view.get("depth")},
        rows=_rows, figure=f"{__name__}:ends_figure", draw=f"{__name__}:draw_ends",
        work=lambda scene, grid=None: Work([(e, e.full_hyper()) for e in scene.optimizers], 1),
        settings=(DEPTH,))
    monkeypatch.setitem(V.VIEWS, "ends", view)
    return view


def test_a_view_is_one_entry_for_the_scene_and_its_link(ends_view):
    scene, warnings = from_dict({"view": {"analysis": "ends", "depth": 3}})
    assert warnings == []
    assert scene.view["analysis"] == "ends" and scene.view["depth"] == 3
    query = to_query(scene)
    assert query["view"] == "ends" and query["depth"] == "3"
    back, warnings = from_query(link_query("?" + encode(query)))
    assert warnings == [] and to_dict(back)["view"] == to_dict(scene)["view"]
    assert "depth=3" in encode(query)
    _, warnings = from_dict({"view": {"analysis": "ends", "depth": 12}})
    assert warnings == ["view.depth: `12` is not a depth (1 to 9); using the default"]
    _, warnings = from_dict({"view": {"analysis": "nowhere"}})
    assert "ends" in warnings[0] and "basins" in warnings[0]


def test_a_view_is_one_entry_for_the_exports_and_the_budget(ends_view, tmp_path):
    from scene.analysis import compute, to_csv

    scene, _ = from_dict({"steps": 30, "view": {"analysis": "ends", "depth": 2}})
    assert "ends" in figures() and figures()["ends"] == "final losses"
    assert "ends" in cli._parser().format_help()
    result = compute(scene, "ends", depth=2)
    assert V.view_of(result) is ends_view
    assert to_csv(result).decode().splitlines()[0] == "racer,final_loss"
    assert export_bytes(scene, "csv", figure="ends") == to_csv(result)
    assert file_name(scene, "csv", "ends") == "rosenbrock-ends.csv"
    assert view_runs(scene, "ends") == 4
    assert 0 < estimate_view_seconds(scene, "ends") < 1 and view_problem(scene, "ends") is None


def test_a_view_is_one_entry_for_the_page(ends_view):
    from ui import analysis as page

    assert page.tab_labels()["ends"] == "Where they end"
    assert page.analysis_of("Where they end") == "ends"
    assert page.tab_of({"analysis": "ends"}) == "Where they end"
    scene, _ = from_dict({"steps": 30})
    page.draw("ends", scene)
    assert draw_ends.calls[-1] is scene
    assert page.result_key(scene, "ends")[0] == "ends"


def test_the_built_in_views_follow_their_entries():
    from figures.analysis import analysis_figure
    from ui import analysis as page

    assert list(V.VIEWS) == ["basins", "sensitivity", "hyper"]
    for view in V.VIEWS.values():
        assert callable(view.figure_function()) and callable(view.draw_function())
        assert page.tab_labels()[view.name] == view.label
    assert analysis_figure.__module__ == "figures.analysis"

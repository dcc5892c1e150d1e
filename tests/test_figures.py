"""The Plotly figures: one trace per racer in its colour, hyperparameters in the legend, a
marked divergence, axes fixed to the surface, readable text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from figures import (
    get_theme,
    hyper_text,
    landscape_figure,
    legend_label,
    loss_figure,
    lr_figure,
    lr_preview_figure,
    surface3d_figure,
)
from figures.curves import CURVE_MARKS, log_axis, log_label_width
from figures.landscape import end_mark
from figures.mapspec import racer_style
from scene import default_scene, from_dict, from_json
from scene.race import simulate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def race():
    return simulate(default_scene())


@pytest.fixture(scope="module")
def diverging():
    scene, warnings = from_dict({
        "surface": "ravine", "surface_params": {"condition": 50, "angle": 30}, "steps": 200,
        "optimizers": [{"optimizer": "sgd", "hyper": {"lr": 0.045}},
                       {"optimizer": "adam", "hyper": {"lr": 0.3}}]})
    assert not warnings
    r = simulate(scene)
    assert r.racers[0].traj.status == "diverged"
    return r


def _paths(fig):
    """The racers' paths (map) or curves (loss, learning rate)."""
    return [tr for tr in fig.data if isinstance(tr.meta, dict)
            and tr.meta.get("role") in ("path", "curve")]


def test_landscape_has_one_path_per_racer_in_its_colour(race):
    fig = landscape_figure(race)
    paths = _paths(fig)
    assert len(paths) == len(race.racers)
    for tr, racer, color in zip(paths, race.racers, race.scene.colors(), strict=True):
        assert tr.line.color == color == racer.color
        assert tr.name.startswith(racer.label)
        assert len(tr.x) == racer.traj.n
        np.testing.assert_array_equal(tr.x, racer.traj.xy[:, 0])
    # a current-position marker per racer, in its colour and its own symbol
    dots = [tr for tr in fig.data if (tr.meta or {}).get("role") == "end"]
    assert [d.marker.color for d in dots] == race.scene.colors()
    assert [d.marker.symbol for d in dots] == [racer_style(i).symbol for i in range(4)]


def _role(fig, role):
    return [tr for tr in fig.data if isinstance(tr.meta, dict) and tr.meta.get("role") == role]


def test_racers_differ_by_more_than_colour_everywhere(race):
    """Each racer has its own dash pattern and marker symbol, from the map's specification,
    on the map, the loss and learning-rate curves and in their legends; every racer's stroke
    has the same width."""
    styles = [racer_style(i) for i in range(len(race.racers))]
    assert len({(st.symbol, st.dash) for st in styles}) == len(styles)
    t = get_theme("article")
    for fig, line_role in ((landscape_figure(race), "path"), (loss_figure(race), "curve"),
                           (lr_figure(race), "curve")):
        legend = _role(fig, "legend")
        assert [tr.name for tr in legend] == [tr.name for tr in fig.data
                                              if tr.showlegend is not False and tr.name
                                              and (tr.meta or {}).get("racer") is not None]
        assert len(legend) == len(race.racers)
        for i, tr in enumerate(legend):
            assert tr.mode == "lines+markers" and tr.marker.symbol == styles[i].symbol
            assert tr.line.dash == styles[i].plotly_dash(t.line_width)
        lines = _role(fig, line_role)
        assert [tr.line.dash for tr in lines] == [st.plotly_dash(t.line_width) for st in styles]
        assert {tr.line.width for tr in lines} == {t.line_width}
    marks = _role(loss_figure(race), "marks")
    assert [tr.marker.symbol for tr in marks] == [st.symbol for st in styles]
    assert all(2 <= len(tr.x) <= CURVE_MARKS for tr in marks)


def test_log_axes_label_whole_decades_only(race):
    fig = loss_figure(race)
    y = fig.layout.yaxis
    assert y.type == "log" and y.tickmode == "linear" and y.tick0 == 0
    assert float(y.dtick) == int(y.dtick) >= 1  # powers of ten, never 2 × or 5 × one
    lo, hi = y.range
    data = np.concatenate([np.asarray(tr.y, float) for tr in _role(fig, "curve")])
    assert 10 ** lo <= data.min() and data.max() <= 10 ** hi
    assert hi - lo <= 1.1 * (np.ceil(np.log10(data.max())) - np.floor(np.log10(data.min())))
    wide = log_axis([np.array([1e-16, 1e3])])
    assert wide["dtick"] == 3 and wide["minor"]["dtick"] == 1  # 19 decades: every third
    assert log_axis([np.array([0.2, 0.3])])["range"][1] - log_axis(
        [np.array([0.2, 0.3])])["range"][0] >= 1  # a whole decade even for a narrow range


def test_loss_figure_leaves_room_for_tick_labels_and_axis_title(race):
    """The y axis title stands clear of the widest tick label (10⁻¹⁶): the left margin holds
    the labels, the standoff and the title, in both themes."""
    for theme in ("article", "screen"):
        t = get_theme(theme)
        fig = loss_figure(race, theme=theme)
        widest = log_label_width(log_axis([np.array([1e-16, 10.0])]), t)
        assert fig.layout.margin.l >= widest + 5 + fig.layout.yaxis.title.standoff \
            + 1.2 * t.axis_title_size
        assert fig.layout.margin.l <= widest + 110  # and no wide empty band


def test_landscape_axes_are_the_surface_bounds(race, diverging):
    for r in (race, diverging):
        fig = landscape_figure(r)
        (x0, x1), (y0, y1) = r.surface.bounds
        assert tuple(fig.layout.xaxis.range) == (x0, x1)
        assert tuple(fig.layout.yaxis.range) == (y0, y1)
        assert fig.layout.xaxis.autorange is False and fig.layout.yaxis.autorange is False
        # equal scales: the plot area has the surface's aspect ratio
        left, top, w, h = fig.layout.meta["plot_area"]
        assert w / h == pytest.approx((x1 - x0) / (y1 - y0), rel=1e-9)
        assert fig.layout.margin.autoexpand is False


def test_legend_states_hyperparameters(race):
    names = [tr.name.replace("<br>", " — ") for tr in _role(landscape_figure(race), "legend")]
    adam = next(n for n in names if n.startswith("Adam"))
    assert "lr 0.05" in adam and "β=(0.9, 0.999)" in adam
    momentum = next(n for n in names if n.startswith("Momentum"))
    assert "lr 0.001" in momentum and "μ=0.9" in momentum


def test_diverged_racer_is_marked(diverging):
    fig = landscape_figure(diverging)
    traj = diverging.racers[0].traj
    assert f"diverged at step {traj.diverged_at}" in _role(fig, "legend")[0].name
    crosses = [tr for tr in fig.data if tr.type == "scatter" and tr.marker.symbol == "x"]
    assert len(crosses) == 1 and crosses[0].marker.color == diverging.racers[0].color
    path = next(tr for tr in _paths(fig) if tr.meta["racer"] == 0)
    # drawn to its last finite point
    assert len(path.x) == traj.n and np.isfinite(path.x).all()
    # the ✕ sits on the map: at the last point or where the path left the map
    (x0, x1), (y0, y1) = diverging.surface.bounds
    assert x0 <= crosses[0].x[0] <= x1 and y0 <= crosses[0].y[0] <= y1
    # the loss plot marks it too
    lf = loss_figure(diverging)
    assert any(tr.marker.symbol == "x" for tr in lf.data if tr.mode == "markers")


def test_step_draws_paths_so_far(diverging):
    fig = landscape_figure(diverging, step=10)
    assert all(len(tr.x) == 11 for tr in _paths(fig))
    # not diverged yet at step 10
    assert "diverged" not in _role(fig, "legend")[0].name
    assert not any(tr.marker.symbol == "x" for tr in fig.data if tr.type == "scatter")


def test_background_keeps_legend_entries(race):
    fig = landscape_figure(race, paths=False)
    assert not _paths(fig)
    legend = _role(fig, "legend")
    assert len(legend) == len(race.racers)
    (x0, x1), _ = race.surface.bounds
    assert all(len(tr.x) == 1 and not x0 <= tr.x[0] <= x1 for tr in legend)


def test_minima_saddles_and_start_are_drawn():
    r = simulate(from_dict({"surface": "himmelblau", "steps": 20})[0])
    names = {tr.name for tr in landscape_figure(r).data}
    assert {"global minima", "saddle points", "start"} <= names


def test_log_colour_scale_where_the_surface_asks(race):
    bands = landscape_figure(race).data[0]
    assert bands.type == "heatmap"
    assert "log" in bands.colorbar.title.text
    assert bands.colorbar.ticktext  # powers of ten
    saddle = simulate(from_dict({"surface": "saddle", "steps": 20})[0])
    plain = landscape_figure(saddle).data[0]
    assert "log" not in plain.colorbar.title.text


def test_article_text_is_print_sized(race):
    t = get_theme("article")
    assert t.font_size >= 16  # 12 pt at the natural size (1 px = 0.75 pt)
    fig = landscape_figure(race)
    assert fig.layout.font.size >= 16
    assert fig.layout.legend.font.size >= 16
    assert fig.layout.xaxis.tickfont.size >= 16
    assert fig.layout.paper_bgcolor == "#ffffff"
    screen = landscape_figure(race, theme="screen")
    assert screen.layout.font.size > fig.layout.font.size


def test_loss_figure_uses_gap_to_minimum_on_log_axis(race):
    fig = loss_figure(race)
    assert fig.layout.yaxis.type == "log"
    assert "f*" in fig.layout.yaxis.title.text and "log" in fig.layout.yaxis.title.text
    lines = _paths(fig)
    assert [tr.line.color for tr in lines] == race.scene.colors()
    assert (np.asarray(lines[0].y) > 0).all()
    flat = loss_figure(race, log=False)
    assert flat.layout.yaxis.type == "linear"
    saddle = simulate(from_dict({"surface": "saddle", "steps": 20})[0])
    assert loss_figure(saddle).layout.yaxis.type == "linear"  # no f*: the loss itself


def test_lr_figures(race):
    fig = lr_figure(race)
    assert len(_paths(fig)) == len(race.racers)
    assert len(_paths(fig)[0].y) == race.racers[0].traj.n - 1
    one = lr_figure(np.linspace(0.1, 0.0, 50))
    assert len(one.data) == 1 and one.layout.showlegend is False
    preview = lr_preview_figure(np.linspace(0.1, 0.0, 50))
    assert preview.layout.height == 160
    assert preview.layout.showlegend is False
    assert preview.layout.margin.t <= 10 and preview.layout.margin.l <= 50


def test_surface3d_figure(race):
    fig = surface3d_figure(race)
    assert fig.data[0].type == "surface"
    assert sum(tr.type == "scatter3d" and tr.mode == "lines" for tr in fig.data) == 4


def test_hyper_text():
    assert hyper_text("adam", {"lr": 0.05}) == "lr 0.05, β=(0.9, 0.999)"
    assert hyper_text("sgd", {"lr": 0.1}) == "lr 0.1"
    assert hyper_text("sgd", {"lr": 0.1, "weight_decay": 0.01}) == "lr 0.1, wd 0.01"
    assert hyper_text("adamw", {"lr": 1e-3}) == "lr 0.001, β=(0.9, 0.999), wd 0.01"
    assert hyper_text("rmsprop", {"lr": 0.01, "centered": True}) == "lr 0.01, α=0.99, centered"


def test_legend_label_drops_the_duplicate_lr(race):
    scene = from_dict({"optimizers": [{"optimizer": "sgd", "hyper": {"lr": 0.001}},
                                      {"optimizer": "sgd", "hyper": {"lr": 0.002}}],
                       "steps": 5})[0]
    r = simulate(scene)
    assert r.racers[0].label == "SGD (lr 0.001)"
    assert legend_label(r.racers[0]) == "SGD — lr 0.001"


def test_end_mark():
    bounds = ((-1.0, 1.0), (-1.0, 1.0))
    inside = np.array([[0.0, 0.0], [0.5, 0.5]])
    assert end_mark(inside, bounds) == ((0.5, 0.5), True)
    leaving = np.array([[0.0, 0.0], [0.5, 0.0], [3.0, 0.0], [9.0, 9.0]])
    (x, y), inside_flag = end_mark(leaving, bounds)
    assert not inside_flag and (x, y) == pytest.approx((1.0, 0.0))
    # a diverging zig-zag: its last segments cross the map with both ends far outside it;
    # the cross goes where the drawn path last leaves the map, on that segment
    zigzag = np.array([[0.0, 0.0], [0.5, 0.5], [-4.0, -3.0], [20.0, 18.0], [-1e6, -9e5]])
    (x, y), inside_flag = end_mark(zigzag, bounds)
    assert not inside_flag
    p, q = zigzag[3], zigzag[4]
    assert abs(_cross(q - p, np.array([x, y]) - p)) <= 1e-9 * np.linalg.norm(q - p) ** 2
    assert max(abs(x), abs(y)) == pytest.approx(1.0)  # on the map's edge


def _cross(u, v) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def test_diverged_cross_sits_on_its_path_at_the_maps_edge():
    """Too big a step on Booth: SGD's last segments cross the map from corner to corner. The
    ✕ is on the last segment that crosses the map, at its edge: whole on the map, touching the
    edge (Plotly would clip a marker centred on it)."""
    scene, _ = from_json((ROOT / "assets" / "scenes" / "04-sgd-diverges.json").read_text())
    r = simulate(scene)
    fig = landscape_figure(r)
    cross = next(tr for tr in fig.data if tr.type == "scatter" and tr.marker.symbol == "x")
    x, y = cross.x[0], cross.y[0]
    (x0, x1), (y0, y1) = r.surface.bounds
    left, top, plot_w, plot_h = fig.layout.meta["plot_area"]
    gap_px = min((x - x0) / (x1 - x0) * plot_w, (x1 - x) / (x1 - x0) * plot_w,
                 (y - y0) / (y1 - y0) * plot_h, (y1 - y) / (y1 - y0) * plot_h)
    radius = cross.marker.size / 2
    assert radius <= gap_px <= radius + 3  # whole on the map, and at its edge
    xy = r.racers[0].traj.xy
    seg = [(xy[j], xy[j + 1]) for j in range(len(xy) - 1)]
    dist = min(abs(_cross(b - a, np.array([x, y]) - a)) / np.linalg.norm(b - a)
               for a, b in seg if np.linalg.norm(b - a) > 0
               and min(a[0], b[0]) - 1e-9 <= x <= max(a[0], b[0]) + 1e-9)
    assert dist < 1e-6 * (x1 - x0)


def test_no_streamlit_in_figures_or_export():
    code = ("import sys, figures, export, export.animate, export.static, export.data; "
            "sys.exit('streamlit' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_legends_never_repeat_a_value():
    from types import SimpleNamespace

    from figures._text import legend_label

    done = SimpleNamespace(status="completed", diverged_at=None)

    def racer(label, optimizer, hyper):
        return SimpleNamespace(label=label, optimizer=optimizer, hyper=hyper, traj=done)

    derived = legend_label(racer("Momentum (μ 0.7)", "momentum", {"lr": 0.038, "momentum": 0.7}))
    assert derived == "Momentum — lr 0.038, μ=0.7"
    typed = legend_label(racer("heavy μ 0.7", "momentum", {"lr": 0.038, "momentum": 0.7}))
    assert typed == "heavy μ 0.7 — lr 0.038"
    assert legend_label(racer("Adam (lr 0.1)", "adam", {"lr": 0.1, "betas": (0.9, 0.999)})) \
        == "Adam — lr 0.1, β=(0.9, 0.999)"


def test_charts_on_the_page_have_no_modebar():
    """Every Plotly chart the page shows is drawn without Plotly's toolbar."""
    import ast

    found = 0
    for path in sorted((ROOT / "ui").glob("*.py")) + [ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "plotly_chart":
                found += 1
                config = next((k.value for k in node.keywords if k.arg == "config"), None)
                assert isinstance(config, ast.Dict), f"{path.name}:{node.lineno}"
                pairs = {ast.literal_eval(k): v for k, v in zip(config.keys, config.values,
                                                                strict=True)}
                assert ast.literal_eval(pairs["displayModeBar"]) is False, path.name
    assert found >= 1

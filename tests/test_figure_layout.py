"""Layout of the exported figures, read from the Plotly figure objects (no pixels): the 3-D
figure's ticks and camera keep every label inside the scene, the map uses the height of the
slides theme, and every path and end marker stays visible where paths overlap."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from figures import get_theme, landscape_figure, surface3d_figure
from figures._layout import text_px
from figures.mapspec import racer_style
from scene import from_dict, from_json
from scene.race import simulate

SCENES = Path(__file__).resolve().parents[1] / "assets" / "scenes"
PRESETS = sorted(p.name for p in SCENES.glob("*.json"))


def _preset(name: str):
    scene, _ = from_json((SCENES / name).read_text(encoding="utf-8"))
    return simulate(scene)


@pytest.fixture(scope="module")
def sharp_flat():
    return _preset("09-sharp-vs-flat.json")


# -- 3-D figure: ticks and camera ----------------------------------------------------------------


def _project(scene, width: float, height: float) -> np.ndarray:
    """The box's corners in pixels, as Plotly's 3-D camera shows them: a perspective view
    (vertical field of view 45°) from ``camera.eye`` towards ``camera.center``, z up, the box
    spanning ±aspectratio/2 (checked against Chromium renders to half a pixel)."""
    cam = scene.camera
    eye = np.array([cam.eye.x, cam.eye.y, cam.eye.z], dtype=float)
    center = np.array([cam.center.x or 0, cam.center.y or 0, cam.center.z or 0], dtype=float)
    f = (center - eye) / np.linalg.norm(center - eye)
    r = np.cross(f, [0, 0, 1.0])
    r /= np.linalg.norm(r)
    u = np.cross(r, f)
    ar = scene.aspectratio
    half = 0.5 * np.array([ar.x, ar.y, ar.z])
    out = []
    for sx in (-1, 1):
        for sy in (-1, 1):
            for sz in (-1, 1):
                p = np.array([sx, sy, sz]) * half - eye
                d = p @ f * math.tan(math.pi / 8)
                out.append((width / 2 * (1 + (p @ r) / d * height / width),
                            height / 2 * (1 - (p @ u) / d)))
    return np.array(out)


CASES_3D = [("09-sharp-vs-flat.json", None), (None, "styblinski_tang"), (None, "mccormick"),
            (None, "levi13"), (None, "monkey_saddle")]


@pytest.mark.parametrize("theme", ["article", "screen"])
@pytest.mark.parametrize("preset, surface", CASES_3D)
def test_3d_labels_stay_inside_the_scene(preset, surface, theme):
    """Plotly cuts off the tick labels and axis titles of a 3-D scene at the edge of the
    scene's rectangle ("00" was left of 3000): the box, seen by the figure's camera, keeps
    room for a label and a title on every side but the top, and the legend stays below."""
    race = _preset(preset) if preset else simulate(from_dict({"surface": surface,
                                                              "steps": 50})[0])
    t = get_theme(theme)
    fig = surface3d_figure(race, theme=theme)
    lay, sc = fig.layout, fig.layout.scene
    w = lay.width - lay.margin.l - lay.margin.r
    plot_h = lay.height - lay.margin.t - lay.margin.b
    h = plot_h * (sc.domain.y[1] - sc.domain.y[0])
    pts = _project(sc, w, h)
    labels = [s for ax in (sc.xaxis, sc.yaxis, sc.zaxis) for s in ax.ticktext]
    room = max(text_px(s, sc.xaxis.tickfont.size) for s in labels) + t.axis_title_size
    assert pts[:, 0].min() >= room and pts[:, 0].max() <= w - room
    assert pts[:, 1].max() <= h - room and pts[:, 1].min() >= 0
    # the legend (at the bottom of the plot area) lies below the scene's rectangle
    legend_rows = math.ceil(sum(tr.showlegend is not False for tr in fig.data if tr.name) / 2)
    assert sc.domain.y[0] * plot_h >= min(legend_rows, 2) * t.font_size


@pytest.mark.parametrize("theme", ["article", "screen"])
@pytest.mark.parametrize("preset, surface", CASES_3D)
def test_3d_ticks_are_round_short_level_and_clear_of_the_corners(preset, surface, theme):
    race = _preset(preset) if preset else simulate(from_dict({"surface": surface,
                                                              "steps": 50})[0])
    fig = surface3d_figure(race, theme=theme)
    sc = fig.layout.scene
    (x0, x1), (y0, y1) = race.surface.bounds
    z = fig.data[0].z
    ranges = {"xaxis": (x0, x1), "yaxis": (y0, y1),
              "zaxis": (float(np.nanmin(z)), float(np.nanmax(z)))}
    for name, (lo, hi) in ranges.items():
        ax = sc[name]
        assert ax.tickmode == "array" and ax.tickangle == 0
        assert 1 <= len(ax.tickvals) <= 5 and len(ax.ticktext) == len(ax.tickvals)
        span = hi - lo
        # away from the ends, where the axes of the box meet and their labels collide
        assert all(lo + 0.1 * span <= v <= hi - 0.1 * span for v in ax.tickvals), name
        assert all(len(s) <= 5 for s in ax.ticktext), ax.ticktext
        for v, s in zip(ax.tickvals, ax.ticktext, strict=True):
            assert float(s.replace("−", "-").replace("k", "e3")) == pytest.approx(v, rel=0.01)
    # the z labels are narrow enough to stay clear of the z title Plotly puts beside them
    z_ax = sc.zaxis
    assert max(text_px(s, z_ax.tickfont.size) for s in z_ax.ticktext) <= 31
    assert z_ax.title.text  # the title stays


def test_3d_tick_labels_of_large_values_are_short():
    from figures.surface3d import axis_ticks, short_number

    vals, text = axis_ticks(0.0, 3000.0)
    assert text == [short_number(v) for v in vals] and "1000" in text
    assert short_number(25000) == "25k" and short_number(-2) == "−2" and short_number(0) == "0"
    assert axis_ticks(0.0, 123456.0)[1] == ["25k", "50k", "75k", "100k"]


# -- the map in the slides theme uses the figure's height ---------------------------------------


def _spare_bands(fig, theme: str) -> tuple[float, float]:
    """Empty height above the title and below the legend (or the x axis), in px."""
    t = get_theme(theme)
    lay = fig.layout
    m = lay.margin
    lines = 1 + (len(lay.annotations) > 1)
    title_block = 12 + 1.3 * t.title_size + 2 + (1.3 * t.font_size if lines > 1 else 0) + 16
    below_axis = 1.4 * t.font_size + 1.4 * t.axis_title_size + 10
    if lay.legend.orientation == "v" or lay.showlegend is False:
        need = below_axis + 12
    else:
        names = [tr.name for tr in fig.data if tr.showlegend is not False and tr.name]
        fs = lay.legend.font.size
        room = lay.width - m.r - 14
        cols = max(1, min(len(names), int(room // (lay.legend.entrywidth + 52))))
        heights = [n.count("<br>") + 1 for n in names]
        n_lines = sum(max(heights[i: i + cols]) for i in range(0, len(names), cols))
        rows = math.ceil(len(names) / cols)
        need = below_axis + n_lines * 1.25 * fs + rows * 6 + 16
    return m.t - title_block, m.b - need


@pytest.mark.parametrize("theme", ["screen", "article"])
@pytest.mark.parametrize("preset", PRESETS)
def test_map_leaves_no_empty_band_at_the_bottom(preset, theme):
    """A plot narrower than the figure leaves height over: it is split above the title and
    below the legend, and the title moves down with the plot (the slides theme used to leave
    the bottom third of the figure empty)."""
    fig = landscape_figure(_preset(preset), theme=theme)
    top, bottom = _spare_bands(fig, theme)
    assert bottom <= max(top, 0) + 4, (top, bottom)
    assert bottom <= 0.2 * fig.layout.height
    # the title sits 12 px plus the band above it from the top of the figure
    lay = fig.layout
    plot_h = lay.height - lay.margin.t - lay.margin.b
    title = next(a for a in lay.annotations if a.name == "title")
    title_px = lay.margin.t - (title.y - 1) * plot_h
    assert title_px == pytest.approx(12 + max(top, 0), abs=1.5)


def test_slides_map_with_a_legend_of_long_entries_is_not_squeezed_beside_it():
    """Adam at two learning rates (square surface, long legend entries): the legend goes
    under the plot in two columns of two-line entries, not beside a narrow plot."""
    fig = landscape_figure(_preset("08-adam-two-rates.json"), theme="screen")
    left, top, w, h = fig.layout.meta["plot_area"]
    assert fig.layout.legend.orientation == "h"
    assert w >= 0.5 * fig.layout.height  # it was 341 of 700 beside the legend


# -- overlapping paths and end markers -------------------------------------------------------------


def _paths(fig):
    return [tr for tr in fig.data if isinstance(tr.meta, dict) and tr.meta.get("role") == "path"]


def _ends(fig, race):
    names = {r.label for r in race.racers} | {f"{r.label}: diverged" for r in race.racers}
    return [tr for tr in fig.data
            if tr.type == "scatter" and tr.mode == "markers" and tr.name in names]


def _marks(fig):
    return [tr for tr in fig.data
            if tr.type == "scatter" and tr.mode == "markers" and (tr.meta or {}).get("kind")]


@pytest.mark.parametrize("theme", ["article", "screen"])
def test_overlapping_paths_are_equally_wide_and_the_upper_one_dashed(sharp_flat, theme):
    """Sharp vs flat: the lr 0.05 path lies on the first segment of the lr 0.4 path. Both are
    drawn at the theme's width (a path drawn wider below another made one racer look three
    times heavier); the dashed one is drawn above the solid one, which shows through its
    gaps."""
    fig = landscape_figure(sharp_flat, theme=theme)
    solid, dashed = _paths(fig)  # traces (and the legend) keep the racers' order
    assert solid.name.startswith("SGD — lr 0.05") and dashed.name.startswith("SGD — lr 0.4")
    assert solid.line.width == dashed.line.width == get_theme(theme).line_width
    assert solid.line.dash == "solid" and dashed.line.dash != "solid"
    assert dashed.zorder > solid.zorder


def test_end_markers_are_drawn_above_minima_and_every_path(sharp_flat):
    """Both racers end in a minimum: their end markers must be drawn over the stars."""
    fig = landscape_figure(sharp_flat)
    ends, marks, paths = _ends(fig, sharp_flat), _marks(fig), _paths(fig)
    assert len(ends) == 2 and {m.meta["kind"] for m in marks} >= {"global", "start"}
    stars = next(m for m in marks if m.meta["kind"] == "global")
    for e in ends:  # each end sits on a star
        assert min(math.hypot(e.x[0] - x, e.y[0] - y) for x, y in zip(stars.x, stars.y,
                                                                         strict=True)) < 0.05
    assert min(e.zorder for e in ends) > max(m.zorder for m in marks)
    assert min(m.zorder for m in marks) > max(p.zorder for p in paths)
    assert min(p.zorder for p in paths) > (fig.data[0].zorder or 0)  # the contours
    # ends far apart keep the theme's size
    assert all(e.marker.size == get_theme("article").marker_size for e in ends)


def test_end_markers_at_the_same_point_show_as_rings():
    """Adam at two learning rates: both end in the same minimum. The marker drawn first is
    larger, so both show."""
    race = _preset("08-adam-two-rates.json")
    fig = landscape_figure(race)
    a, b = _ends(fig, race)
    assert math.hypot(a.x[0] - b.x[0], a.y[0] - b.y[0]) < 0.1
    lower, upper = sorted((a, b), key=lambda e: e.zorder)
    assert lower.marker.size >= upper.marker.size + 4


@pytest.mark.parametrize("preset", PRESETS)
def test_draw_order_is_by_path_length_for_every_preset(preset):
    """Solid paths lie below dashed ones (which show them through their gaps); otherwise the
    longer path lies below. Every path has the theme's width."""
    race = _preset(preset)
    fig = landscape_figure(race)
    paths = _paths(fig)
    (x0, x1), (y0, y1) = race.surface.bounds
    lengths = []
    for r in race.racers:
        d = np.diff(r.traj.xy, axis=0) / [x1 - x0, y1 - y0]
        lengths.append(np.hypot(d[:, 0], d[:, 1]).sum())
    z = [p.zorder for p in paths]
    solid = [racer_style(i).solid for i in range(len(paths))]
    assert len(set(z)) == len(z)
    for i in range(len(paths)):
        for j in range(len(paths)):
            if solid[i] and not solid[j]:
                assert z[i] < z[j]
            elif solid[i] == solid[j] and lengths[i] > lengths[j] + 1e-9:
                assert z[i] < z[j]
    assert {p.line.width for p in paths} == {get_theme("article").line_width}


def test_a_legend_beside_the_map_keeps_the_figures_height():
    """Twelve racers on a square surface: the legend goes beside the colour bar, and the
    figure is not cut shorter than its entries need (the height stays as asked)."""
    names = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "adagrad", "nadam",
             "lion", "adamax", "radam", "adabelief"]
    race = simulate(from_dict({"surface": "rosenbrock", "steps": 30,
                               "optimizers": [{"optimizer": n} for n in names]})[0])
    fig = landscape_figure(race)
    assert fig.layout.legend.orientation == "v"
    assert fig.layout.height == 700

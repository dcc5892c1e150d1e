"""How the analysis views' figures read: the sensitivity plot's labels, bounds and marks of each
racer's own rate, the hyperparameter map's grey and ring, the basins figure's layout and the
words for white cells."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from figures._layout import text_px
from figures.analysis import (
    NOT_THERE_COLOR,
    STOPPED_COLOR,
    basins_figure,
    basins_view,
    hyper_figure,
    sensitivity_figure,
)
from optimizers import run
from scene import analysis as A
from scene import from_dict, from_json
from scene.presets import PRESETS_DIR


def _scene(**d):
    scene, warnings = from_dict(d)
    assert warnings == []
    return scene


def _preset(name: str):
    scene, warnings = from_json((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert warnings == []
    return scene


SHARED_RATE = _preset("14-momentum-rate-range")  # SGD and Momentum, both at lr 0.02
THREE_BOUNDS = _scene(surface="ravine", surface_params={"condition": 50}, start=[-4.5, 1.5],
                      steps=300, optimizers=[
                          {"optimizer": "sgd", "hyper": {"lr": 0.02}},
                          {"optimizer": "momentum", "hyper": {"lr": 0.005}},
                          {"optimizer": "momentum",
                           "hyper": {"lr": 0.01, "momentum": 0.9, "nesterov": True}}])
HIMMELBLAU = _scene(surface="himmelblau", start=[0.0, 0.0], steps=200,
                    optimizers=[{"optimizer": "sgd", "hyper": {"lr": 0.01}},
                                {"optimizer": "adam", "hyper": {"lr": 0.1}}])


@pytest.fixture(scope="module")
def shared():
    return A.sensitivity(SHARED_RATE)


def _bound_labels(fig):
    return [a for a in fig.layout.annotations if a.name == "bound label"]


def _label_extent(fig, a, px_of):
    """The label's left and right edge, px from the figure's left edge."""
    w = text_px(a.text, a.font.size)
    x = px_of(10.0 ** a.x) + (a.xshift or 0)
    return {"left": (x, x + w), "right": (x - w, x), "center": (x - w / 2, x + w / 2)}[
        a.xanchor]


def _px_of(fig):
    m, xa = fig.layout.margin, fig.layout.xaxis
    plot_w = fig.layout.width - m.l - m.r
    lo, hi = xa.range
    return lambda v: m.l + (np.log10(v) - lo) / (hi - lo) * plot_w


# --------------------------------------------------------------------------------------------
# Learning-rate sensitivity


@pytest.mark.parametrize("theme,width,height", [("article", 900, 700), ("screen", 900, 700),
                                                ("article", 1200, 640)])
@pytest.mark.parametrize("scene", [SHARED_RATE, THREE_BOUNDS], ids=["two", "three"])
def test_bound_labels_are_horizontal_above_the_plot_in_the_tick_font_and_apart(scene, theme,
                                                                               width, height):
    s = A.sensitivity(scene, n=40)
    fig = sensitivity_figure(s, theme=theme, width=width, height=height)
    labels = _bound_labels(fig)
    bounds = A.ravine_bounds(scene)
    assert sorted(a.text for a in labels) == sorted(t for t, _ in bounds)
    tick = fig.layout.xaxis2.tickfont.size
    for a in labels:
        assert a.textangle in (None, 0)
        assert a.font.size == tick
        assert a.yref == "paper" and a.y > 1 and a.yanchor == "bottom"  # above the curves
    px_of = _px_of(fig)
    boxes = [(a.y, *_label_extent(fig, a, px_of)) for a in labels]
    for i, (y, a0, a1) in enumerate(boxes):
        assert 0 <= a0 and a1 <= width
        for y2, b0, b1 in boxes[i + 1:]:
            assert y != y2 or a1 <= b0 or b1 <= a0  # side by side in a row, never overlapping
    # each line rises from the panel to its own label, and crosses no other label
    lines = [s for s in fig.layout.shapes if s.name == "bound line"]
    assert len(lines) == len(bounds)
    for line in lines:
        own = next(a for a in labels if dict(bounds)[a.text] == line.x0)
        assert line.y1 == pytest.approx(own.y)
        x = px_of(line.x0)
        for y, a0, a1 in boxes:
            if y < own.y:
                assert not a0 - 1 <= x <= a1 + 1


def test_both_panels_tick_labels_are_the_same_size_and_written_out(shared):
    fig = sensitivity_figure(shared)
    sizes = {fig.layout[k].tickfont.size for k in ("xaxis", "xaxis2", "yaxis", "yaxis2")}
    assert len(sizes) == 1
    # Plotly would draw a log axis' own powers of ten a quarter larger: they are given as text
    y = fig.layout.yaxis
    assert y.type == "log" and y.ticktext and len(y.ticktext) == len(y.tickvals) >= 3
    assert all("<sup>" not in t for t in y.ticktext)
    assert "10⁻¹²" in y.ticktext or "10⁻⁸" in y.ticktext


def test_each_racer_has_its_own_mark_at_its_rate_on_each_of_its_curves(shared):
    fig = sensitivity_figure(shared)
    for i, r in enumerate(shared.racers):
        marks = [t for t in fig.data if t.mode == "markers" and t.legendgroup == r.label
                 and t.x is not None and list(t.x) == [0.02]]
        assert {(t.yaxis or "y") for t in marks} == {"y", "y2"}  # both panels
        assert all(t.marker.color == r.color for t in marks)
        top = next(t for t in marks if (t.yaxis or "y") == "y")
        curve = fig.data[[t.name for t in fig.data].index(r.label)]
        j = int(np.searchsorted(shared.lrs, 0.02))
        lo, hi = sorted([curve.y[j - 1], curve.y[j]])
        assert lo <= top.y[0] <= hi, i  # on the racer's own curve
    tops = [t.y[0] for t in fig.data if t.mode == "markers" and t.x is not None
            and list(t.x) == [0.02] and (t.yaxis or "y") == "y"]
    assert len(tops) == 2 and tops[0] / tops[1] > 1e3  # two marks, far apart, both visible


def test_a_rate_whose_runs_diverge_is_marked_on_the_row_of_crosses():
    scene = replace(SHARED_RATE, optimizers=[replace(SHARED_RATE.optimizers[0],
                                                     hyper={"lr": 0.5})])
    s = A.sensitivity(scene, n=40)
    fig = sensitivity_figure(s)
    marks = [t for t in fig.data if t.mode == "markers" and t.x is not None
             and list(t.x) == [0.5]]
    assert len(marks) == 1 and marks[0].yaxis == "y3"  # not on the curve, which ends before


# --------------------------------------------------------------------------------------------
# The hyperparameter map


@pytest.fixture(scope="module")
def hmap():
    return A.compute(SHARED_RATE, "hyper", racer=1)  # Momentum: diverges at large rates


def test_only_diverged_cells_are_grey(hmap):
    fig = hyper_figure(hmap)
    assert STOPPED_COLOR not in (fig.layout.plot_bgcolor, fig.layout.paper_bgcolor)
    heat = [t for t in fig.data if t.type == "heatmap"]
    grey = [t for t in heat if t.colorscale and all(c == STOPPED_COLOR for _, c in t.colorscale)]
    assert len(grey) == 1
    painted = np.isfinite(np.asarray(grey[0].z, np.float64)).ravel()
    stopped = hmap.outcome.status != 0
    assert stopped.any() and (~stopped).any()
    assert np.array_equal(painted, stopped)
    main = next(t for t in heat if t is not grey[0])
    assert np.array_equal(np.isfinite(np.asarray(main.z, np.float64)).ravel(), ~stopped)


def test_the_ring_is_white_edged_in_black(hmap):
    fig = hyper_figure(hmap)
    at = [t for t in fig.data if t.type == "scatter" and t.x and t.x[0] is not None]
    assert [t.marker.symbol for t in at] == ["circle-open", "circle-open"]
    under, over = at  # the black edge first, the white ring over it, narrower
    assert under.marker.color == "#000000" and over.marker.color == "#ffffff"
    assert under.marker.line.width > over.marker.line.width + 2  # black shows on both sides
    assert under.marker.size == over.marker.size
    assert (under.x[0], under.y[0]) == (over.x[0], over.y[0]) == (0.02, 0.9)


# --------------------------------------------------------------------------------------------
# Basins


@pytest.fixture(scope="module")
def himmelblau():
    return A.basins(HIMMELBLAU, 12)


@pytest.mark.parametrize("height", [700, 900, 1100])
@pytest.mark.parametrize("theme", ["article", "screen"])
@pytest.mark.parametrize("racers", [1, 2, 3])
def test_basins_panels_sit_right_under_the_subtitle_whatever_the_height(himmelblau, racers,
                                                                       theme, height):
    b = replace(himmelblau, racers=[himmelblau.racers[i % 2] for i in range(racers)])
    fig = basins_figure(b, theme=theme, height=height)
    h = fig.layout.height
    sub = next(a for a in fig.layout.annotations if a.name == "subtitle")
    title = next(a for a in fig.layout.annotations if a.name == "title")
    sub_bottom = (1 - sub.y) * h + 1.3 * sub.font.size
    panel_top = min((1 - fig.layout[f"yaxis{'' if i == 0 else i + 1}"].domain[1]) * h
                    for i in range(racers))
    # only the panels' own titles (one line) between the subtitle and the panels
    assert 0 < panel_top - sub_bottom < 2.2 * (sub.font.size + 1) + 16
    assert (1 - title.y) * h < 20  # the title at the top, as in every figure


def test_basins_figure_at_its_natural_height_has_no_spare_room(himmelblau):
    fig = basins_figure(himmelblau, height=None)
    legend_px = (1 - fig.layout.legend.y) * fig.layout.height
    assert fig.layout.height - legend_px < 140  # the legend's rows, and no band under them


# --------------------------------------------------------------------------------------------
# White cells


def test_white_cells_are_said_to_be_at_none_of_the_listed_minima(himmelblau):
    view = basins_view(himmelblau)
    white = [e["label"] for e in view["legend"] if e["color"] == NOT_THERE_COLOR]
    assert white == ["at none of the listed minima"]
    fig = basins_figure(himmelblau)
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert "at none of the listed minima" in names
    words = " ".join([*names, *(a.text for a in fig.layout.annotations)]).lower()
    assert "yet" not in words and "no minimum" not in words


def test_on_rastrigin_white_cells_include_runs_settled_at_an_unlisted_minimum():
    # why the words: a white cell can be a run that has stopped moving, not one on its way
    scene = _scene(surface="rastrigin", steps=400,
                   optimizers=[{"optimizer": "sgd", "hyper": {"lr": 0.0031}}])
    b = A.basins(scene, 30)
    r = b.racers[0]
    white = (r.status == 0) & (r.nearest < 0)
    assert white.mean() > 0.5
    surf = b.surface
    settled = 0
    for k in np.flatnonzero(white)[:: max(1, int(white.sum()) // 12)][:12]:
        x0, y0 = b.xs[k % len(b.xs)], b.ys[k // len(b.xs)]
        path = run(surf, "sgd", (float(x0), float(y0)), steps=400, lr=0.0031)
        g = np.asarray(surf.grad(*path.xy[-1]), np.float64)
        settled += bool(np.hypot(*g) < 1e-3)
    assert settled >= 6

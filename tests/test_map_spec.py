"""One specification of the map (figures/mapspec.py): the player's payload, the static figures
and the Pillow sketch of the animations draw the same colour scale, the same kinds of marked
points (a global minimum unlike a local one) and the same z scale; and export.animate and
export.sketch import each other in one direction only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from figures import landscape_figure, surface3d_figure, surface_field
from figures.mapspec import COLORSCALE, MARKER_STYLES, map_spec
from figures.payload import surface_payload
from landscapes import SURFACES, get_surface
from scene import from_dict
from scene.race import simulate

ROOT = Path(__file__).resolve().parents[1]


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _scale(colorscale) -> list[list]:
    return [[float(s), str(c).lower()] for s, c in colorscale]


@pytest.fixture(scope="module")
def ackley():
    scene, warnings = from_dict({"surface": "ackley", "steps": 40,
                                 "optimizers": [{"optimizer": "adam", "hyper": {"lr": 0.1}}]})
    assert not warnings
    return simulate(scene)


def _mark_traces(fig) -> dict[str, object]:
    """The figure's traces of marked points, by kind (from each trace's ``meta``)."""
    out = {}
    for tr in fig.data:
        kind = (tr.meta or {}).get("kind") if isinstance(tr.meta, dict) else None
        if kind:
            assert kind not in out, f"two traces of kind {kind}"
            out[kind] = tr
    return out


# ------------------------------------------------------------------------------ colour scale

def test_payload_and_static_figures_share_the_colour_scale(ackley):
    payload = surface_payload(ackley.surface)
    assert _scale(payload["colorscale"]) == _scale(COLORSCALE)
    assert payload["contour_line"] == map_spec(ackley.surface).contour_line
    fig = landscape_figure(ackley)
    bands, contour = fig.data[0], fig.data[1]
    assert bands.type == "heatmap" and contour.type == "contour"
    assert _scale(bands.colorscale) == _scale(COLORSCALE)
    assert contour.line.color == payload["contour_line"]
    surface = surface3d_figure(ackley).data[0]
    assert surface.type == "surface" and _scale(surface.colorscale) == _scale(COLORSCALE)


def test_sketch_draws_the_same_colour_scale_and_marker_kinds(ackley):
    from export.animate import plot_area
    from export.sketch import sketch_stage

    w, h, s = 500, 420, 1
    stage = sketch_stage(ackley, "article", w, h, s)
    img = np.asarray(stage.background, dtype=float)
    left, top, right, bottom = (int(round(v)) for v in stage.area)
    assert (left, top, right, bottom) == tuple(
        int(round(v)) for v in plot_area(landscape_figure(ackley, width=w, height=h,
                                                          paths=False), s))
    # the colour bar right of the plot runs from the scale's last stop (top) to its first
    bar_x = right + 16 * s + 7 * s
    top_rgb, bottom_rgb = img[top + 2, bar_x], img[bottom - 2, bar_x]
    assert np.abs(top_rgb - _rgb(COLORSCALE[-1][1])).max() <= 8
    assert np.abs(bottom_rgb - _rgb(COLORSCALE[0][1])).max() <= 8

    # each marked point is filled as its kind's style says: gold global, grey local minima
    over = np.asarray(stage.overlay, dtype=float)
    (x0, x1), (y0, y1) = stage.xrange, stage.yrange
    spec = map_spec(ackley.surface)
    seen = set()
    for m in spec.markers:
        if not (x0 <= m.x <= x1 and y0 <= m.y <= y1):
            continue
        px = int(round(left + (m.x - x0) / (x1 - x0) * (right - left)))
        py = int(round(bottom - (m.y - y0) / (y1 - y0) * (bottom - top)))
        rgba = over[py, px]
        assert rgba[3] == 255, (m, rgba)
        assert np.abs(rgba[:3] - _rgb(spec.styles[m.kind].fill)).max() <= 2, (m, rgba)
        seen.add(m.kind)
    assert seen == {"global", "local"}


# ------------------------------------------------------------------------------ markers

def test_ackley_global_minimum_differs_from_its_local_minima_in_the_payload():
    surf = get_surface("ackley")
    payload = surface_payload(surf)
    kinds = [m["kind"] for m in payload["markers"]]
    assert kinds.count("global") == 1 and kinds.count("local") == len(surf.minima) - 1
    glob = next(m for m in payload["markers"] if m["kind"] == "global")
    assert (glob["x"], glob["y"]) == (0.0, 0.0)
    styles = payload["marker_styles"]
    assert styles["global"]["fill"] != styles["local"]["fill"]
    assert styles["global"]["size"] > styles["local"]["size"]
    assert styles["saddle"]["symbol"] != styles["global"]["symbol"]
    # the key above the player's map tells them apart too
    assert payload["map_key"] == [{"kind": "global", "label": "global minimum"},
                                  {"kind": "local", "label": "local minimum"}]
    # the old keys stay for older readers
    assert len(payload["minima"]) == len(surf.minima)


def test_ackley_global_minimum_differs_from_its_local_minima_in_the_static_figure(ackley):
    marks = _mark_traces(landscape_figure(ackley))
    assert set(marks) == {"global", "local", "start"}
    glob, local = marks["global"], marks["local"]
    assert (tuple(glob.x), tuple(glob.y)) == ((0.0,), (0.0,))
    assert len(local.x) == len(ackley.surface.minima) - 1
    assert glob.marker.color != local.marker.color
    assert glob.marker.size > local.marker.size
    assert glob.name == "global minimum" and local.name == "local minima"


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_payload_and_figure_mark_the_same_points_the_same_way(name):
    """For every surface: the payload's markers and the static map's traces agree on which
    point is which kind, and both draw each kind with the specification's style."""
    surf = get_surface(name)
    race = simulate(from_dict({"surface": name, "steps": 5})[0])
    payload = surface_payload(surf)
    spec = map_spec(surf)
    assert payload["marker_styles"] == {k: {**vars(s)} for k, s in MARKER_STYLES.items()}
    by_kind: dict[str, set] = {}
    for m in payload["markers"]:
        by_kind.setdefault(m["kind"], set()).add((m["x"], m["y"]))
    fig = landscape_figure(race)
    marks = _mark_traces(fig)
    assert set(marks) - {"start"} == set(by_kind)
    t_point = 15  # the article theme's point size
    for kind, pts in by_kind.items():
        tr = marks[kind]
        assert set(zip(tr.x, tr.y, strict=True)) == pts
        style = spec.styles[kind]
        assert tr.marker.symbol == style.symbol
        assert tr.marker.size == pytest.approx(style.size * t_point)
        assert tr.marker.line.color == style.line
        if style.fill:
            assert tr.marker.color == style.fill
    # the player's key names exactly the kinds it shows
    assert [k["kind"] for k in payload["map_key"]] == spec.kinds()
    if "global" in by_kind and "local" not in by_kind:
        assert payload["map_key"][0]["label"] == "minimum"


# ------------------------------------------------------------------------------ z scale

@pytest.mark.parametrize("name", ["rosenbrock", "ackley", "saddle"])
def test_3d_views_share_the_z_scale(name):
    surf = get_surface(name)
    race = simulate(from_dict({"surface": name, "steps": 5})[0])
    payload = surface_payload(surf)
    zs = map_spec(surf).zscale
    assert payload["zscale"]["log"] == zs.log == bool(surf.log_scale and surf.f_min is not None)
    # the player's 3-D grid is the loss on the z scale
    from landscapes import grid
    n3 = len(payload["x3d"])
    _, _, f = grid(surf, n3, n3)
    np.testing.assert_allclose(payload["z3d"], zs.transform(f), rtol=1e-12, equal_nan=True)
    # ... and so is the exported 3-D figure's surface, at the same floor
    fig = surface3d_figure(race)
    n = len(fig.data[0].x)
    assert surface_field(surf, n).floor == zs.floor == payload["zscale"]["floor"]
    _, _, f = grid(surf, n, n)
    np.testing.assert_allclose(np.asarray(fig.data[0].z, dtype=float), zs.transform(f),
                               rtol=1e-12, equal_nan=True)
    assert fig.layout.scene.zaxis.title.text == zs.axis_label == payload["zlabel"]
    # the marked points' heights are on it too
    for m in payload["markers"]:
        assert m["z"] == pytest.approx(float(zs.transform(m["f"])))


# ------------------------------------------------------------------------------ imports

def _export_imports() -> dict[str, set[str]]:
    """Modules of the export package each module imports (at any depth of its code)."""
    pkg = ROOT / "export"
    names = {p.stem for p in pkg.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in pkg.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    deps.add(node.module.split(".")[0])
                elif node.level == 1:
                    deps.update(a.name for a in node.names)
                elif node.module and node.module.startswith("export."):
                    deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps.update(a.name.split(".")[1] for a in node.names
                            if a.name.startswith("export."))
        graph[path.stem] = deps & names - {path.stem}
    return graph


def test_no_import_cycle_between_animate_and_sketch():
    graph = _export_imports()
    assert "sketch" in graph["animate"]
    assert "animate" not in graph["sketch"]
    # and no cycle anywhere among the modules of the package (__init__ aside: it is the
    # package itself, which every submodule's import runs first)
    g = {k: v - {"__init__"} for k, v in graph.items() if k != "__init__"}
    state: dict[str, int] = {}

    def visit(n, trail):
        state[n] = 1
        for d in g.get(n, ()):
            assert state.get(d) != 1, f"import cycle: {' -> '.join(trail + [n, d])}"
            if d not in state:
                visit(d, trail + [n])
        state[n] = 2

    for n in g:
        if n not in state:
            visit(n, [])


@pytest.mark.parametrize("first", ["export.sketch", "export.animate"])
def test_sketch_and_animate_import_alone(first):
    code = f"import {first}, export.animate, export.sketch"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_each_racer_has_its_own_marker_shape_in_the_payload():
    """Twelve racers (the most a scene allows) are told apart by shape as well as colour: each
    path of the player's payload carries its racer's symbol and dash from the specification."""
    from figures.mapspec import RACER_DASHES, RACER_SYMBOLS
    from figures.payload import race_payload
    from scene import MAX_OPTIMIZERS

    names = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "adagrad", "nadam",
             "lion", "adamax", "radam", "adabelief"]
    scene, warnings = from_dict({"surface": "booth", "steps": 5, "optimizers": [
        {"optimizer": n, "hyper": {"lr": 0.01}} for n in names]})
    assert not warnings and len(scene.optimizers) == MAX_OPTIMIZERS
    race = simulate(scene)
    paths = race_payload(race, surface_payload(race.surface))["paths"]
    assert [p["symbol"] for p in paths] == list(RACER_SYMBOLS[:MAX_OPTIMIZERS])
    assert [p["dash"] for p in paths] == list(RACER_DASHES[:MAX_OPTIMIZERS])
    assert len(set(RACER_SYMBOLS[:MAX_OPTIMIZERS])) == MAX_OPTIMIZERS
    # ✕ marks a diverged run and stars the minima: no racer looks like either.
    assert not {"x", "star"} & {s.split("-")[0] for s in RACER_SYMBOLS}

"""The analysis views: basins, learning-rate sensitivity and the hyperparameter map, their
figures, CSV, command line, share link, page tabs and the presets that open them."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from figures.analysis import LEVELS, basin_codes, basins_figure, hyper_figure, sensitivity_figure
from optimizers import run
from scene import analysis as A
from scene import from_dict, from_json
from scene.presets import PRESETS_DIR
from scene.url import from_url, to_query_string

ROOT = Path(__file__).resolve().parents[1]


def _scene(**d):
    scene, warnings = from_dict(d)
    assert warnings == []
    return scene


RAVINE = _scene(surface="ravine", surface_params={"condition": 50}, start=[-4.5, 1.5],
                steps=300, optimizers=[{"optimizer": "sgd", "hyper": {"lr": 0.02}},
                                       {"optimizer": "momentum", "hyper": {"lr": 0.02}}])
HIMMELBLAU = _scene(surface="himmelblau", start=[0.0, 0.0], steps=200,
                    optimizers=[{"optimizer": "sgd", "hyper": {"lr": 0.01}},
                                {"optimizer": "adam", "hyper": {"lr": 0.1},
                                 "noise": 0.5, "schedule": {"name": "cosine"}}], seed=3)


def _preset(name: str):
    scene, warnings = from_json((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert warnings == []
    return scene


# --------------------------------------------------------------------------------------------
# The numbers


def test_each_basin_cell_is_the_run_from_its_start_with_the_racers_own_settings():
    b = A.basins(HIMMELBLAU, 12)
    surf = HIMMELBLAU.surface_obj()
    for i, entry in enumerate(HIMMELBLAU.optimizers):
        own = HIMMELBLAU.settings_of(entry)
        sched = None if own["schedule"] == {"name": "constant"} else own["schedule"]
        for k in (0, 37, 77, 143):
            start = (b.xs[k % 12], b.ys[k // 12])
            t = run(surf, entry.optimizer, start=start, steps=HIMMELBLAU.steps, schedule=sched,
                    noise=own["noise"], sparsity=own["sparsity"], seed=HIMMELBLAU.seed,
                    **entry.full_hyper())
            np.testing.assert_allclose(b.racers[i].end[k], t.xy[-1], rtol=0, atol=1e-12)
            assert b.racers[i].final_loss[k] == pytest.approx(t.loss[-1], abs=1e-12)


def test_a_local_minimum_has_an_arrival_step_too():
    scene = _scene(surface="three_hump_camel", steps=400,
                   optimizers=[{"optimizer": "sgd", "hyper": {"lr": 0.01}}])
    b = A.basins(scene, 30)
    r, surf = b.racers[0], scene.surface_obj()
    local = [k for k, m in enumerate(surf.minima) if m.f > surf.f_min + 1e-9]
    rows = np.flatnonzero(np.isin(r.nearest, local))
    assert rows.size > 0
    k = rows[0]
    t = run(surf, "sgd", start=(b.xs[k % 30], b.ys[k // 30]), steps=400, lr=0.01)
    target = surf.minima[r.nearest[k]].f
    first = int(np.flatnonzero(np.abs(t.loss - target) <= 1e-3)[0])
    assert r.reach[k] == first


def test_sensitivity_sweeps_at_least_200_rates_from_1e_5_to_10_from_the_start():
    s = A.sensitivity(RAVINE)
    assert len(s.lrs) >= 200 and s.lrs[0] == pytest.approx(1e-5) and s.lrs[-1] == \
        pytest.approx(10)
    assert np.all(np.diff(np.log(s.lrs)) > 0)
    k = 100
    t = run(RAVINE.surface_obj(), "momentum", start=RAVINE.start, steps=300, lr=s.lrs[k],
            momentum=0.9)
    assert s.racers[1].final_loss[k] == pytest.approx(t.loss[-1], abs=1e-12)


def test_ravine_bounds_are_2_over_L_and_2_1_plus_mu_over_L():
    bounds = dict(A.ravine_bounds(RAVINE))
    assert bounds["SGD: 2 / L"] == pytest.approx(2 / 50)
    assert bounds["heavy ball μ 0.9: 2 (1 + μ) / L"] == pytest.approx(2 * 1.9 / 50)
    assert A.ravine_bounds(HIMMELBLAU) == []
    steeper = replace(RAVINE, surface_params={"condition": 200})
    assert dict(A.ravine_bounds(steeper))["SGD: 2 / L"] == pytest.approx(2 / 200)


def test_nesterov_bound_is_where_its_runs_on_the_ravine_turn_unstable():
    scene = _scene(surface="ravine", surface_params={"condition": 50}, start=[-4.5, 1.5],
                   optimizers=[{"optimizer": "sgd",
                                "hyper": {"lr": 0.01, "momentum": 0.9, "nesterov": True}}])
    bound = dict(A.ravine_bounds(scene))["Nesterov μ 0.9: 2 (1 + μ) / ((1 + 2μ) L)"]
    assert bound == pytest.approx(2 * 1.9 / (2.8 * 50))
    surf = scene.surface_obj()

    def grows(lr):  # far past the transient: does the loss still shrink or grow?
        t = run(surf, "sgd", start=(0.1, 0.1), steps=3000, lr=lr, momentum=0.9, nesterov=True)
        return t.status != "completed" or t.loss[-1] > t.loss[-1000]

    assert not grows(0.98 * bound) and grows(1.02 * bound)


def test_hyper_map_sweeps_lr_and_momentum_or_beta1():
    h = A.compute(RAVINE, "hyper")
    assert h.second == "momentum" and len(h.outcome.status) == len(h.lrs) * len(h.values)
    k = 5 * len(h.lrs) + 30  # row 5 (a momentum), column 30 (a learning rate)
    t = run(RAVINE.surface_obj(), "sgd", start=RAVINE.start, steps=300, lr=h.lrs[30],
            momentum=h.values[5])
    assert h.outcome.final_loss[k] == pytest.approx(t.loss[-1], abs=1e-12)
    assert A.second_axis("adam") == "β1" and A.second_axis("adagrad") is None
    with pytest.raises(ValueError, match="momentum or β1"):
        A.compute(_scene(surface="booth", optimizers=["adagrad"]), "hyper")


# --------------------------------------------------------------------------------------------
# Figures and CSV


def test_basin_codes_give_one_hue_band_per_minimum_lighter_for_later_arrival():
    r = A.RacerOutcome("x", "#000000", "sgd", {}, final_loss=np.zeros(5),
                       reach=np.array([0, 90, -1, 5, -1]), nearest=np.array([0, 0, 1, -1, -1]),
                       status=np.array([0, 0, 0, 0, 2], np.int8),
                       ended_at=np.full(5, 100))
    code = basin_codes(r, 100)
    assert code[3] == 0 and code[4] == LEVELS  # white: at no listed minimum; grey: stopped
    assert code[0] // LEVELS == 2 and code[1] // LEVELS == 2 and code[2] // LEVELS == 3
    assert code[0] < code[1]  # the later arrival is a lighter shade of the same hue
    assert code[2] % LEVELS == LEVELS - 1  # never within tolerance yet: the lightest


def test_basins_figure_has_a_panel_per_racer_with_the_minima_marked():
    b = A.basins(HIMMELBLAU, 20)
    fig = basins_figure(b, start=HIMMELBLAU.start)
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert len(heat) == 2 and heat[0].xaxis != heat[1].xaxis
    stars = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "star"
             and t.x[0] is not None]
    assert len(stars) == 2 and all(len(t.x) == 4 for t in stars)
    assert {t.xaxis for t in stars} == {h.xaxis for h in heat}
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert "left the map or diverged" in names and "at none of the listed minima" in names
    assert "the race's start" in names and "global minima" in names  # the markers' keys
    titles = [a.text for a in fig.layout.annotations if a.name == "panel title"]
    assert titles == ["<b>SGD</b>", "<b>Adam</b>"]


@pytest.mark.parametrize("racers,height", [(2, 700), (2, 1100), (3, 700), (1, None)])
def test_basins_figure_labels_its_axes_and_puts_the_legend_right_under_the_panels(racers,
                                                                                 height):
    scene = replace(HIMMELBLAU, optimizers=[HIMMELBLAU.optimizers[i % 2] for i in range(racers)])
    fig = basins_figure(A.basins(scene, 10), height=height)
    h = fig.layout.height
    xs = [fig.layout[f"xaxis{'' if i == 0 else i + 1}"] for i in range(racers)]
    ys = [fig.layout[f"yaxis{'' if i == 0 else i + 1}"] for i in range(racers)]
    assert all(x.title.text == "x" for x in xs) and ys[0].title.text == "y"
    panels_bottom = min(y.domain[0] for y in ys) * h  # px above the figure's bottom edge
    legend_top = fig.layout.legend.y * h
    # tick labels and the "x" fit between them, and no more
    assert 30 < panels_bottom - legend_top < 80
    for x, y in zip(xs, ys, strict=True):  # the map's scale is the same along x and y
        w_px = (x.domain[1] - x.domain[0]) * fig.layout.width
        assert (y.domain[1] - y.domain[0]) * h == pytest.approx(w_px, rel=1e-6)


def test_basins_view_pictures_are_the_runs_in_the_exported_figures_colours():
    from PIL import Image

    from figures.analysis import basin_colorscale, basin_palette, basins_view

    n = 20
    b = A.basins(HIMMELBLAU, n)
    view = basins_view(b, start=(1.5, -2.0))
    assert [p["title"] for p in view["panels"]] == ["SGD", "Adam"]
    assert view["start"] == [1.5, -2.0] and view["n"] == n
    minima = len(b.surface.minima)
    palette = basin_palette(minima)
    total = LEVELS * (2 + minima)
    stops = [(s, np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], float))
             for s, c in basin_colorscale(minima)]
    for c in range(total):  # what the export's heatmap paints for code c: linear between stops
        v = (c + 0.5) / total
        (sa, ca), (sb, cb) = next((a, b) for a, b in zip(stops[:-1], stops[1:], strict=True)
                                  if a[0] <= v <= b[0])
        want = ca + (cb - ca) * (v - sa) / (sb - sa)
        assert np.abs(palette[c] - want).max() <= 1
    for panel, r in zip(view["panels"], b.racers, strict=True):
        png = __import__("base64").b64decode(panel["png"].split(",", 1)[1])
        img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        assert img.shape == (n, n, 3)
        codes = basin_codes(r, HIMMELBLAU.steps)
        for k in (0, 7, 150, n * n - 1):  # start k is at column k % n, row k // n from below
            assert tuple(img[n - 1 - k // n, k % n]) == tuple(palette[codes[k]])
    labels = [e["label"] for e in view["legend"]]
    assert labels[-2:] == ["left the map or diverged", "at none of the listed minima"]
    assert len(labels) == minima + 2
    (x0, x1), (y0, y1) = b.surface.bounds
    assert all(x0 <= v <= x1 for v, _ in view["ticks"]["x"]) and len(view["ticks"]["x"]) >= 3
    assert [t for _, t in view["ticks"]["y"]][0].startswith("−")


def test_sensitivity_figure_marks_each_rate_and_the_ravine_bounds():
    fig = sensitivity_figure(A.sensitivity(RAVINE))
    assert {round(s.x0, 6) for s in fig.layout.shapes} == {0.02, 0.04, 0.076}
    assert fig.layout.xaxis2.type == "log"


def test_hyper_figure_rings_the_racers_setting():
    fig = hyper_figure(A.compute(RAVINE, "hyper", racer=1))
    ring = [t for t in fig.data if t.type == "scatter" and t.x and t.x[0] is not None]
    assert ring and ring[0].x[0] == 0.02 and ring[0].y[0] == 0.9
    assert all(t.cliponaxis is False for t in ring)  # whole even at momentum 0, on the axis


def test_csv_has_one_row_per_run_and_parses():
    b = A.basins(HIMMELBLAU, 10)
    rows = list(csv.DictReader(io.StringIO(A.basins_csv(b).decode())))
    assert len(rows) == 2 * 100
    assert {r["status"] for r in rows} <= {"completed", "left", "diverged"}
    assert float(rows[0]["start_x"]) == pytest.approx(b.xs[0])
    s = list(csv.DictReader(io.StringIO(A.sensitivity_csv(A.sensitivity(RAVINE)).decode())))
    assert len(s) == 2 * A.SENSITIVITY_POINTS and float(s[0]["lr"]) == pytest.approx(1e-5)


# --------------------------------------------------------------------------------------------
# The link, the command line, the cache


def test_link_says_which_view_is_open_and_a_bad_one_falls_back_with_a_warning():
    scene, warnings = from_url("?surface=himmelblau&opt=sgd;lr=0.01&view=basins")
    assert warnings == [] and scene.view["analysis"] == "basins"
    assert "view=basins" in to_query_string(scene)
    again, _ = from_url("?" + to_query_string(scene))
    assert again == scene
    scene, warnings = from_url("?surface=himmelblau&view=nonsense")
    assert "analysis" not in scene.view
    assert len(warnings) == 1 and warnings[0].startswith("view: `nonsense`")


def test_cli_writes_the_views_csv(tmp_path):
    out = tmp_path / "s.csv"
    done = subprocess.run([sys.executable, "-m", "export",
                           str(PRESETS_DIR / "14-momentum-rate-range.json"), "-o", str(out),
                           "--figure", "sensitivity"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 2 * A.SENSITIVITY_POINTS and rows[0]["optimizer"] == "SGD"


def test_cli_says_when_a_view_cannot_be_made(tmp_path):
    done = subprocess.run([sys.executable, "-m", "export", "?surface=booth&opt=adagrad",
                           "-o", str(tmp_path / "h.csv"), "--figure", "hyper"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr and "β1" in done.stderr


# --------------------------------------------------------------------------------------------
# The presets' claims


def test_momentum_preset_sgd_works_from_0015_to_0039_and_diverges_above_2_over_L():
    s = A.sensitivity(_preset("14-momentum-rate-range"))
    sgd, mom = s.racers
    reached = s.lrs[sgd.reach >= 0]
    assert 0.0140 <= reached.min() <= 0.0165 and 0.037 <= reached.max() < 0.04
    assert reached.max() / reached.min() == pytest.approx(2.5, abs=0.15)
    assert np.all(sgd.status[s.lrs > 0.0401] == 2) and np.all(sgd.status[s.lrs < 0.04] == 0)


def test_momentum_preset_momentum_works_from_00014_to_0073_up_to_2_1_plus_mu_over_L():
    s = A.sensitivity(_preset("14-momentum-rate-range"))
    mom = s.racers[1]
    reached = s.lrs[mom.reach >= 0]
    assert 0.0012 <= reached.min() <= 0.0015 and 0.072 <= reached.max() < 0.076
    assert 45 <= reached.max() / reached.min() <= 60  # "a factor of 50"
    # every rate in between reaches the minimum: the range has no hole
    inside = (s.lrs >= reached.min()) & (s.lrs <= reached.max())
    assert np.all(mom.reach[inside] >= 0)
    assert np.all(mom.status[s.lrs > 0.0761] == 2) and np.all(mom.status[s.lrs < 0.076] == 0)


def test_himmelblau_preset_sgd_and_adam_differ_from_about_7_in_100_starts_near_sgds_borders():
    scene = _preset("15-himmelblau-basins")
    b = A.basins(scene, 200)
    sgd, adam = b.racers
    assert len(scene.surface_obj().minima) == 4
    assert all(np.all(r.status == 0) for r in b.racers)  # neither leaves the map
    differ = sgd.nearest != adam.nearest
    assert 0.06 <= differ.mean() <= 0.08
    n = 200
    s = sgd.nearest.reshape(n, n)
    edge = np.zeros((n, n), bool)
    edge[:-1] |= s[:-1] != s[1:]
    edge[1:] |= s[1:] != s[:-1]
    edge[:, :-1] |= s[:, :-1] != s[:, 1:]
    edge[:, 1:] |= s[:, 1:] != s[:, :-1]
    ey, ex = np.nonzero(edge)
    dy, dx = np.nonzero(differ.reshape(n, n))
    dist = np.min(np.hypot((b.xs[dx][:, None] - b.xs[ex][None, :]),
                           (b.ys[dy][:, None] - b.ys[ey][None, :])), axis=1)
    assert np.mean(dist <= 1.0) > 0.5  # most of them within 1 of a line where SGD's meet


@pytest.mark.parametrize("name,view", [("14-momentum-rate-range", "sensitivity"),
                                       ("15-himmelblau-basins", "basins")])
def test_view_presets_open_their_view(name, view):
    assert _preset(name).view["analysis"] == view


# --------------------------------------------------------------------------------------------
# The page


def test_a_link_with_a_view_opens_its_tab_and_the_link_follows_the_tab():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for k, v in {"surface": "himmelblau", "steps": "100", "opt": "sgd;lr=0.01",
                 "view": "basins"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["tab"] == "Basins"
    assert at.query_params.get("view") in ("basins", ["basins"])
    at.session_state["tab"] = "Learning-rate sensitivity"
    at.run()
    assert not at.exception, at.exception
    assert at.query_params.get("view") in ("sensitivity", ["sensitivity"])
    at.session_state["tab"] = "Update rules"
    at.run()
    assert at.query_params.get("view") is None


def test_the_share_tab_shares_the_view_just_seen_and_a_preset_without_one_closes_it():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["preset"] = "15-himmelblau-basins"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["tab"] == "Basins"
    at.session_state["tab"] = "Share & export"  # sharing what was just looked at
    at.run()
    assert at.query_params.get("view") in ("basins", ["basins"])
    shown = " ".join(c.value for c in at.code)
    assert "view=basins" in shown
    at.session_state["tab"] = "Basins"
    at.run()
    at.selectbox(key="preset").set_value("16-lbfgs-long-steps").run()
    assert not at.exception, at.exception
    assert at.session_state["tab"] == "Step inspector"
    assert at.query_params.get("view") is None


def test_a_click_on_a_basins_cell_starts_the_race_there():
    from tests.browser import chromium, require_chromium, serve, settled_box

    require_chromium()
    link = "/?surface=himmelblau&start=0,0&steps=200&opt=sgd;lr=0.01&view=basins"
    with serve() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(url + link)
        page.wait_for_selector(".bv-painted .bv-plot img", timeout=240_000)
        plot = page.locator(".bv-plot").first
        tip = page.locator(".bv-tip")
        box = settled_box(page, plot)
        x, y = box["x"] + 0.8 * box["width"], box["y"] + 0.8 * box["height"]  # (3, -3)
        for k in range(60):  # a pointer that moves a pixel until the tip shows
            page.mouse.move(x + k % 2, y)
            try:
                tip.wait_for(state="visible", timeout=500)
                break
            except Exception:  # noqa: BLE001 - Playwright's timeout: move again
                continue
        tip.wait_for(state="visible", timeout=5_000)
        said = tip.inner_text()
        assert "Click to race from here" in said
        # the hovered start's outcome, in the legend's words: SGD from (3, -3) slides to the
        # minimum at (3.584, -1.848) (the yellow basin)
        assert said.startswith("SGD from (") and "reaches (3.584, −1.848) in " in said
        page.mouse.click(x, y)
        page.wait_for_function("() => location.search.includes('start=3')", timeout=60_000)
        start = page.evaluate("() => new URLSearchParams(location.search).get('start')")
        sx, sy = (float(v) for v in start.split(","))
        assert abs(sx - 3) <= 0.05 and abs(sy + 3) <= 0.05
        # the basins stay (they do not depend on the start); the start's ring moves there
        box = settled_box(page, plot)
        ring = page.locator(".bv-start").first.bounding_box()
        assert abs(ring["x"] + ring["width"] / 2 - (box["x"] + 0.8 * box["width"])) < 6
        assert abs(ring["y"] + ring["height"] / 2 - (box["y"] + 0.8 * box["height"])) < 6


def test_progress_reaches_1_over_all_racers_and_false_cancels():
    from optimizers import SweepCancelled

    seen = []
    A.basins(HIMMELBLAU, 30, progress=lambda f: seen.append(f) or True)
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    assert any(f <= 0.5 for f in seen)  # the first racer's part is reported before the second
    with pytest.raises(SweepCancelled):
        A.basins(HIMMELBLAU, 30, progress=lambda f: False)

"""Every input bounded, every computation budgeted: the worst value of each field, on every path
in (a link, a scene file, the live route, the command line, the page), gets an answer (computed,
reduced or refused) with a message naming the field; and every cache is bounded in bytes.

A hard timeout (pytest-timeout) on each test is the guard against a computation that runs for
hours; the figures of how long each path takes are printed by ``python -m bench.bench_budget``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from landscapes.formula import MAX_LENGTH, FormulaError, parse
from optimizers import OPTIMIZERS
from scene import (
    BASIN_GRIDS,
    MAX_OPTIMIZERS,
    STEPS_LIMIT,
    budget,
    from_dict,
    to_dict,
)
from scene.analysis import basin_grid, compute
from scene.race import simulate
from scene.url import from_query, from_url, to_query
from ui.cache import BoundedCache

ROOT = Path(__file__).resolve().parents[1]

#: The link that computed for about eleven hours before L-BFGS's max_eval had a bound.
ELEVEN_HOURS = ("?f=-x%2Bsqrt(3-x)&start=0,0&steps=10&opt=lbfgs;lr=1;line_search_fn=1;"
                "max_eval=1000000000000")


def _longest_formula() -> str:
    """A formula at the parser's limits: as many parts as it takes, within its length."""
    text = "x"
    for k in range(1, 200):
        trial = text + f"+sin(x*y-{k % 10})"
        try:
            if len(trial) > MAX_LENGTH:
                break
            parse(trial)
        except FormulaError:
            break
        text = trial
    return text


LONGEST = _longest_formula()


def _worst(h):
    """The worst value torch accepts for a hyperparameter: far above the app's bound."""
    if h.kind == "bool":
        return True
    big = 1e300
    if h.kind == "pair":
        hi = h.high if math.isfinite(h.high) else big
        return [min(hi, big) - (1e-12 if h.high_open else 0)] * 2
    if math.isfinite(h.high):
        return h.high - (1e-12 if h.high_open else 0)
    return 1e12 if h.whole else big


def _hyper_cases():
    for name, info in OPTIMIZERS.items():
        for key, h in info.spec.items():
            if h.kind != "bool":
                yield pytest.param(name, key, _worst(h), id=f"{name}-{key}")


# --------------------------------------------------------------------------------------------
# The bounds, from the specs


def test_every_hyperparameter_has_finite_bounds_that_hold_its_default():
    for name, info in OPTIMIZERS.items():
        for key, h in info.spec.items():
            if h.kind == "bool":
                continue
            assert math.isfinite(h.upper) and math.isfinite(h.lower), (name, key)
            default = h.default if h.kind == "pair" else (h.default,)
            assert all(h.lower <= v <= h.upper for v in default), (name, key)
            assert h.ui_high <= h.upper, (name, key)  # the widgets offer no more


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("name", "key", "value"), list(_hyper_cases()))
def test_worst_hyperparameter_in_a_link_and_a_scene_file(name, key, value):
    """Above the bound: the link and the scene file keep the value at the bound and say so
    (or fall back to the default where torch refuses the value), and the race answers."""
    info = OPTIMIZERS[name]
    h = info.spec[key]
    others = {"line_search_fn": True} if name == "lbfgs" and key != "line_search_fn" else {}
    data = {"surface": "formula", "formula": LONGEST, "steps": STEPS_LIMIT,
            "optimizers": [{"optimizer": name, "hyper": {**others, key: value}}] * MAX_OPTIMIZERS}
    scene, warnings = from_dict(data)
    query = {**to_query(scene), "steps": str(STEPS_LIMIT)}
    shown = value if h.kind != "pair" else ",".join(map(repr, value))
    query["opt"] = [f"{name};{key}={shown}" + "".join(f";{k}={int(v)}" for k, v in
                                                         others.items())] * MAX_OPTIMIZERS
    linked, link_warnings = from_query(query)
    for got, said in ((scene, warnings), (linked, link_warnings)):
        hp = got.optimizers[0].full_hyper()
        v = hp[key]
        assert all(h.lower <= x <= h.upper for x in (v if h.kind == "pair" else (v,)))
        if any(w.startswith("optimizer 1") for w in said):
            assert any(key in w for w in said if w.startswith("optimizer 1")), said
        assert budget.estimate_seconds(got) <= budget.RACE_BUDGET
        if got.steps < STEPS_LIMIT:  # over the race's budget: fewer steps, said so
            assert any(w.startswith("steps:") for w in said), said
    race = simulate(linked)
    assert len(race.racers) == MAX_OPTIMIZERS


@pytest.mark.timeout(60)
@pytest.mark.parametrize("link", [
    ELEVEN_HOURS,
    "?steps=" + "9" * 30,
    "?steps=10001&opt=adam",
    "?" + "&".join(["opt=adam"] * 40),
    "?f=" + "x*" * 400 + "x",
    "?f=" + LONGEST.replace("+", "%2B") + "&steps=10000&" + "&".join(
        ["opt=lbfgs;line_search_fn=1;max_eval=99999999;history_size=99999999"] * 12),
    "?steps=500&view=basins&grid=1000&" + "&".join(["opt=lbfgs;line_search_fn=1"] * 12),
    "?steps=500&view=basins&grid=5000",
])
def test_worst_links_answer_within_their_bounds(link):
    scene, warnings = from_url(link)
    assert scene.steps <= STEPS_LIMIT and len(scene.optimizers) <= MAX_OPTIMIZERS
    assert budget.estimate_seconds(scene) <= budget.RACE_BUDGET
    for e in scene.optimizers:
        hp = e.full_hyper()
        if e.optimizer == "lbfgs":
            assert hp["max_eval"] <= 1000 and hp["history_size"] <= 1000
    simulate(scene)
    assert all(len(w) < 400 for w in warnings)


def test_the_eleven_hour_link_names_max_eval():
    scene, warnings = from_url(ELEVEN_HOURS)
    assert scene.optimizers[0].full_hyper()["max_eval"] == 1000
    assert any("max_eval" in w and "at most 1000" in w for w in warnings), warnings
    assert to_query(scene)["opt"] == ["lbfgs;max_eval=1000;line_search_fn=1"]


def test_a_race_over_its_budget_runs_fewer_steps_and_says_what_to_lower():
    data = {"surface": "formula", "formula": LONGEST, "steps": STEPS_LIMIT,
            "optimizers": [{"optimizer": "lbfgs", "hyper": {"line_search_fn": True,
                                                            "max_eval": 1000}}] * 12}
    assert budget.estimate_seconds(from_dict({**data, "steps": 1})[0]) < budget.RACE_BUDGET
    scene, warnings = from_dict(data)
    assert 1 <= scene.steps < STEPS_LIMIT
    said = [w for w in warnings if w.startswith("steps:")]
    assert len(said) == 1 and "max_eval" in said[0] and "steps" in said[0], warnings
    assert f"using {scene.steps:,} steps" in said[0]
    # read again (the link the page then shows), it fits and says nothing more
    again, more = from_dict(to_dict(scene))
    assert again.steps == scene.steps and not more


def test_the_estimate_grows_with_what_costs():
    base = from_dict({"steps": 5000, "optimizers": ["adam"]})[0]
    more = from_dict({"steps": 10_000, "optimizers": ["adam", "adam"]})[0]
    assert budget.estimate_seconds(more) > 3 * budget.estimate_seconds(base)
    lb = from_dict({"steps": 1000, "optimizers": [
        {"optimizer": "lbfgs", "hyper": {"line_search_fn": True, "max_eval": 25}}]})[0]
    lb_more = from_dict({"steps": 1000, "optimizers": [
        {"optimizer": "lbfgs", "hyper": {"line_search_fn": True, "max_eval": 1000}}]})[0]
    assert budget.estimate_seconds(lb_more) > 5 * budget.estimate_seconds(lb)
    plain = from_dict({"steps": 1000, "optimizers": ["adam"]})[0]
    typed = from_dict({"steps": 1000, "optimizers": ["adam"], "formula": LONGEST})[0]
    assert budget.estimate_seconds(typed) > 3 * budget.estimate_seconds(plain)


# --------------------------------------------------------------------------------------------
# The analysis views


@pytest.mark.timeout(120)
def test_basins_of_twelve_racers_reduce_the_grid_within_time_and_memory():
    scene, _ = from_url("?steps=500&view=basins&grid=1000&" + "&".join(["opt=adam"] * 12))
    grid = basin_grid(scene)
    assert grid < 1000 and grid in BASIN_GRIDS
    assert budget.estimate_view_seconds(scene, "basins", grid) <= budget.VIEW_BUDGET
    assert budget.estimate_view_seconds(scene, "basins", 1000) > budget.VIEW_BUDGET
    assert budget.view_bytes(scene, "basins", grid) <= budget.VIEW_BYTES
    result = compute(scene, "basins")
    assert len(result.xs) == grid and result.nbytes <= budget.VIEW_BYTES


@pytest.mark.timeout(60)
@pytest.mark.parametrize("view", ["basins", "sensitivity", "hyper"])
def test_a_view_over_its_budget_is_refused_naming_what_to_lower(view):
    scene, _ = from_url("?f=" + LONGEST.replace("+", "%2B") + "&steps=2000&" + "&".join(
        ["opt=lbfgs;line_search_fn=1;max_eval=1000"] * 11 + ["opt=adam"]) + f"&view={view}")
    problem = budget.view_problem(scene, view)
    assert problem is not None and "steps" in problem and "formula" in problem
    if view == "hyper":  # the map is Adam's: L-BFGS's settings do not matter to it
        assert "max_eval" not in problem
    else:
        assert "max_eval" in problem and "racers (12)" in problem
    with pytest.raises(ValueError, match="lower"):
        compute(scene, view)


def test_a_view_within_its_budget_is_computed_as_asked():
    scene, _ = from_url("?surface=himmelblau&steps=200&opt=sgd;lr=0.01&view=basins&grid=400")
    assert budget.view_problem(scene, "basins") is None and basin_grid(scene) == 400
    for view in ("sensitivity", "hyper"):
        assert budget.view_problem(scene, view) is None


# --------------------------------------------------------------------------------------------
# The live route


def _answer(data):
    from ui.live import answer

    return answer(json.dumps(data).encode())


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("name", "key", "value"), list(_hyper_cases()))
def test_live_route_refuses_each_worst_hyperparameter_naming_it(name, key, value):
    scene = {"surface": "rosenbrock", "steps": 100,
             "optimizers": [{"optimizer": name, "hyper": {key: value}}]}
    status, out = _answer({"scene": scene})
    if status == 200:  # the worst value torch accepts is within the app's bound
        h = OPTIMIZERS[name].spec[key]
        assert all(v <= h.upper for v in (value if h.kind == "pair" else (value,)))
        return
    assert status == 400 and out["field"].startswith("optimizer 1"), out
    assert key in out["error"], out


@pytest.mark.timeout(60)
def test_live_route_refuses_a_race_over_its_budget_naming_steps_and_max_eval():
    scene = {"formula": LONGEST, "steps": STEPS_LIMIT,
             "optimizers": [{"optimizer": "lbfgs", "hyper": {"line_search_fn": True,
                                                             "max_eval": 1000}}] * 12}
    status, out = _answer({"scene": scene})
    assert status == 400 and out["field"] == "steps", out
    assert "max_eval" in out["error"] and "steps" in out["error"]
    status, out = _answer({"scene": to_dict(from_url(ELEVEN_HOURS)[0])})
    assert status == 200  # at the bound, within the budget: computed
    status, out = _answer({"scene": {**to_dict(from_url(ELEVEN_HOURS)[0]), "optimizers": [
        {"optimizer": "lbfgs", "hyper": {"line_search_fn": True, "max_eval": 10**12}}]}})
    assert status == 400 and "max_eval" in out["error"], out


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("scene", "field"), [
    ({"steps": 10**12}, "steps"),
    ({"optimizers": ["adam"] * 13}, "optimizers"),
    ({"formula": "x*" * 300 + "x"}, "formula"),
    ({"formula": LONGEST + "+x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y*x*y"}, "formula"),
    ({"view": {"analysis": "basins", "grid": 10**6}}, "view.grid"),
])
def test_live_route_refuses_each_worst_field(scene, field):
    status, out = _answer({"scene": scene})
    assert status == 400 and out["field"] == field, out


# --------------------------------------------------------------------------------------------
# The command line


def _cli(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "export", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.timeout(300)
def test_cli_answers_the_worst_links(tmp_path):
    worst = ("?f=" + LONGEST.replace("+", "%2B") + "&steps=10000&" + "&".join(
        ["opt=lbfgs;line_search_fn=1;max_eval=1000000000000;history_size=99999999"] * 12))
    done = _cli(worst, "-o", str(tmp_path / "w.json"))
    assert done.returncode == 0, done.stderr
    assert "max_eval" in done.stderr and "warning: steps:" in done.stderr
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["scene"]["steps"] < STEPS_LIMIT
    big = "?steps=500&view=basins&grid=1000&" + "&".join(["opt=lbfgs;line_search_fn=1"] * 12)
    done = _cli(big, "-o", str(tmp_path / "b.csv"), "--figure", "basins")
    assert done.returncode == 2 and "lower" in done.stderr and "Traceback" not in done.stderr
    many = "?steps=500&view=basins&grid=1000&" + "&".join(["opt=adam"] * 12)
    done = _cli(many, "-o", str(tmp_path / "m.csv"), "--figure", "basins")
    assert done.returncode == 0, done.stderr
    assert "note: 1000 × 1000 starts" in done.stderr and "the racers (12)" in done.stderr
    rows = (tmp_path / "m.csv").read_text().count("\n") - 1
    grid = int(done.stderr.split("the basins have ")[1].split(" ")[0])
    assert grid < 1000 and rows == 12 * grid * grid


# --------------------------------------------------------------------------------------------
# The page


@pytest.mark.timeout(300)
@pytest.mark.parametrize("link", [
    ELEVEN_HOURS,
    "?steps=500&view=basins&grid=1000&" + "&".join(["opt=adam"] * 12),
    "?steps=2000&view=sensitivity&" + "&".join(["opt=lbfgs;line_search_fn=1;max_eval=1000"] * 12),
])
def test_the_page_answers_the_worst_links(link):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    for k, v in parse_qs(link[1:], keep_blank_values=True).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    said = " ".join(str(getattr(e, "value", "")) for e in [*at.warning, *at.info]) + " ".join(
        e.label for e in at.expander)
    if "max_eval=1000000000000" in link:
        assert at.session_state[f"e{at.session_state['entry_ids'][0]}_max_eval"] == 1000
    if "grid=1000" in link:
        assert "showing 200 × 200" in said or "showing 400 × 400" in said, said
    if "sensitivity" in link:
        assert "not computed" in said and "max_eval" in said, said


# --------------------------------------------------------------------------------------------
# The caches


def test_bounded_cache_keeps_at_most_its_bytes_least_recently_used_out():
    c = BoundedCache(1000)
    for i in range(10):
        assert c.put(i, str(i), 200)
        c.get(0)  # used again and again: kept
    assert c.nbytes <= 1000 and len(c) == 5
    assert c.get(0) == "0" and c.get(9) == "9" and c.get(1) is None
    assert not c.put("big", "x", 251)  # over a quarter of the cache: not kept
    assert c.get("big") is None
    c.put(9, "nine", 100)  # replaced: its size counted once
    assert c.get(9) == "nine" and c.nbytes <= 1000


def test_bounded_cache_releases_what_it_evicts():
    import gc
    import weakref

    class Big:
        pass

    c = BoundedCache(100, max_item=100)
    first = Big()
    gone = weakref.ref(first)
    c.put("a", first, 60)
    del first
    c.put("b", Big(), 60)
    gc.collect()
    assert gone() is None and "a" not in c


def test_bounded_cache_is_thread_safe():
    c = BoundedCache(10_000, max_item=100)

    def work(k):
        for i in range(2000):
            c.put((k, i % 300), i, 1 + i % 50)
            c.get((k, (i * 7) % 300))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < c.nbytes <= 10_000
    assert c.nbytes == sum(size for _, size in c._items.values())


def test_every_server_cache_is_the_bounded_cache():
    from ui import analysis, basins_view, live

    for cache in (analysis.CACHE, analysis._CSV_SIZES, basins_view._VIEWS, live._cache):
        assert isinstance(cache, BoundedCache) and cache.max_bytes < 2**30


def test_csv_sizes_keep_sizes_not_results():
    from ui import analysis

    scene, _ = from_url("?surface=himmelblau&steps=50&opt=sgd;lr=0.01&view=sensitivity")
    result = compute(scene, "sensitivity")
    key = analysis.result_key(scene, "sensitivity")
    size = analysis._csv_size(result, key)
    assert analysis._CSV_SIZES.get(key) == size and isinstance(size, int)

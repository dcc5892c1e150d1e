"""The Scene: JSON and share-URL round trips, forgiving readers, fuzzed links, metrics."""

from __future__ import annotations

import json
import math
from urllib.parse import quote, urlencode

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscapes import SURFACES
from optimizers import OPTIMIZERS, run
from optimizers.schedules import SCHEDULES, resolve
from scene import (
    PALETTE,
    Entry,
    Scene,
    check,
    default_scene,
    from_dict,
    from_json,
    to_dict,
    to_json,
)
from scene.presets import load_presets
from scene.race import metrics, simulate, steps_to_reach
from scene.url import from_query, from_url, to_query, to_query_string

PRESETS = load_presets()


def _same(a: Scene, b: Scene) -> None:
    assert to_dict(a) == to_dict(b)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_round_trips_through_json_and_url(name):
    scene = PRESETS[name]
    back, warnings = from_json(to_json(scene))
    assert not warnings
    _same(back, scene)
    via_url, warnings = from_url("http://localhost:8501/?" + to_query_string(scene))
    assert not warnings
    # The URL carries everything but the preset's own title and claim.
    expected = to_dict(scene)
    expected.pop("title", None), expected.pop("claim", None)
    assert to_dict(via_url) == expected


def test_default_scene_url_is_compact_and_readable():
    q = to_query_string(default_scene())
    assert q.startswith("surface=rosenbrock&start=-1.2,1&steps=500&opt=sgd&opt=momentum")
    assert "adam;lr=0.05" in q
    assert len(q) < 120


def _floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def hyper_values(draw, name):
    info = OPTIMIZERS[name]
    out = {}
    for key, h in info.spec.items():
        if not draw(st.booleans()):
            continue
        if h.kind == "bool":
            out[key] = draw(st.booleans())
        elif h.kind == "pair":
            out[key] = (draw(_floats(0, 0.9999)), draw(_floats(0, 0.9999)))
        else:
            hi = h.high if math.isfinite(h.high) else 1e3
            out[key] = draw(_floats(h.low, hi).filter(lambda v, h=h: not (h.high_open and
                                                                          v == h.high)))
    if out.get("nesterov") or (name == "nesterov" and "momentum" in out):
        out["momentum"] = max(out.get("momentum", 0.9), 0.05)
        out["dampening"] = 0.0
    return out


@st.composite
def scenes(draw):
    surface = draw(st.sampled_from(sorted(SURFACES)))
    surf = SURFACES[surface]
    params = {k: draw(_floats(p.low, p.high)) for k, p in surf.param_spec.items()
              if draw(st.booleans())}
    (x0, x1), (y0, y1) = surf.bounds
    start = draw(st.none() | st.tuples(_floats(x0, x1), _floats(y0, y1)))
    steps = draw(st.integers(1, 10_000))
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(sorted(OPTIMIZERS)))
        label = draw(st.sampled_from(["", "fast", "Adam (μ 0.7)", "a;b=c&d"]))
        color = draw(st.sampled_from(["", *PALETTE, "#abcdef"]))
        entries.append(Entry(name, label, color, draw(hyper_values(name))))
    sname = draw(st.sampled_from(sorted(SCHEDULES)))
    schedule = {"name": sname}
    if sname in ("step", "exponential"):
        schedule["gamma"] = draw(_floats(0.01, 1.0))
    if sname == "cosine":
        schedule["T_max"] = draw(st.integers(1, 20_000))
    if sname in ("warmup_linear", "warmup_cosine"):
        total = draw(st.integers(1, 20_000))
        schedule.update(total=total, warmup=draw(st.integers(0, total)))
    schedule = {"name": sname, **resolve(sname, steps, {k: v for k, v in schedule.items()
                                                        if k != "name"})}
    return Scene(surface=surface, surface_params=params, start=start, steps=steps,
                 optimizers=entries, schedule=schedule,
                 noise=draw(_floats(0, 100)), sparsity=draw(_floats(0, 1)),
                 seed=draw(st.integers(0, 2**32 - 1)),
                 view={"step": None, "arrows": draw(st.booleans()), "tab": "map"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_random_scenes_round_trip_exactly(scene):
    scene = from_dict(to_dict(scene))[0]  # compact form (defaults dropped)
    assert check(scene) == []
    back, warnings = from_json(to_json(scene))
    assert not warnings
    _same(back, scene)
    via_url, warnings = from_url("?" + to_query_string(scene))
    assert not warnings, warnings
    _same(via_url, scene)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(
    st.sampled_from(["surface", "sp", "start", "steps", "opt", "sched", "noise", "sparsity",
                     "seed", "step", "arrows", "tab", "zzz"]),
    st.one_of(st.text(max_size=40), st.lists(st.text(max_size=30), max_size=4)),
    max_size=8))
def test_fuzzed_query_parameters_never_raise(params):
    scene, warnings = from_query(params)
    assert isinstance(scene, Scene) and isinstance(warnings, list)
    assert check(scene) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzzed_urls_and_json_never_raise(text):
    for reader in (from_url, from_json):
        scene, warnings = reader(text)
        assert isinstance(scene, Scene) and check(scene) == []


@pytest.mark.parametrize(("query", "field"), [
    ({"surface": "nowhere"}, "surface"),
    ({"steps": "-3"}, "steps"),
    ({"steps": "2.5"}, "steps"),
    ({"noise": "lots"}, "noise"),
    ({"sparsity": "2"}, "sparsity"),
    ({"seed": "-1"}, "seed"),
    ({"start": "1e999,2"}, "start"),
    ({"start": "1,2,3"}, "start"),
    ({"sched": "cosine;T_max=0"}, "schedule.T_max"),
    ({"sched": "zigzag"}, "schedule"),
    ({"surface": "ravine", "sp": "condition:0"}, "surface_params.condition"),
    ({"opt": "adam;lr=-1"}, "optimizer 1 (Adam): lr"),
    ({"opt": "adam;betas=0.9"}, "optimizer 1 (Adam): betas"),
    ({"opt": "bogus"}, "optimizer 1"),
    ({"opt": "sgd;nesterov=1"}, "optimizer 1 (SGD)"),
    ({"opt": "sgd;color=red"}, "colour"),
    ({"tab": "map", "unknown": "1"}, "`unknown`"),
])
def test_each_bad_field_falls_back_and_is_named(query, field):
    scene, warnings = from_query(query)
    assert any(field in w for w in warnings), warnings
    assert check(scene) == []


def test_bad_fields_keep_the_good_ones():
    scene, warnings = from_query({"surface": "himmelblau", "steps": "abc",
                                  "opt": ["adam;lr=0.1;eps=-1", "sgd;lr=0.02"]})
    assert scene.surface == "himmelblau" and scene.steps == 500
    assert [e.optimizer for e in scene.optimizers] == ["adam", "sgd"]
    assert scene.optimizers[0].hyper == {"lr": 0.1}  # eps fell back, lr kept
    assert len(warnings) == 2


def test_json_reader_names_what_is_wrong():
    _, w = from_json("{not json")
    assert w and "not valid JSON" in w[0]
    _, w = from_json("[1, 2]")
    assert w and "JSON object" in w[0]
    scene, w = from_json(json.dumps({"surface": "booth", "optimizers": [{"optimizer": "lion",
                                     "hyper": {"betas": [2, 0.5]}}]}))
    assert scene.surface == "booth" and scene.optimizers[0].optimizer == "lion"
    assert any("betas" in x for x in w)


def test_labels_tell_repeated_optimizers_apart():
    s = Scene(optimizers=[Entry("adam", hyper={"lr": 0.01}), Entry("adam", hyper={"lr": 0.1}),
                          Entry("sgd"), Entry("sgd", label="mine")])
    assert s.labels() == ["Adam (lr 0.01)", "Adam (lr 0.1)", "SGD", "mine"]
    assert s.colors()[:2] == PALETTE[:2]


def test_metrics_rows():
    scene = Scene(surface="booth", start=(-8.0, 7.0), steps=400,
                  optimizers=[Entry("adam", hyper={"lr": 0.3}), Entry("sgd",
                                                                     hyper={"lr": 0.2})])
    race = simulate(scene)
    rows = metrics(race, tol=1e-3)
    adam, sgd = rows
    assert adam["status"] == "completed" and adam["ended in"].startswith("global (1, 3)")
    assert adam["steps to minimum"] != "never"
    assert adam["best loss"] <= adam["final loss"] + 1e-12
    xy = race.racers[0].traj.xy
    assert adam["path length"] == pytest.approx(np.sum(np.hypot(*np.diff(xy, axis=0).T)))
    assert sgd["status"].startswith("diverged at step")
    assert sgd["steps to minimum"] == "never"


def test_steps_to_reach_counts_both_sides_of_the_minimum():
    loss = np.array([5.0, 1.0, -3.0, 0.0005])
    assert steps_to_reach(loss, 0.0, 1e-3) == 3
    assert steps_to_reach(loss, None, 1e-3) is None


def test_quoted_unicode_labels_survive_the_url():
    scene = Scene(optimizers=[Entry("momentum", label="Momentum (μ 0.7) & co")])
    url = "?" + urlencode({"opt": "momentum;label=" + quote("Momentum (μ 0.7) & co")})
    assert from_url(url)[0].optimizers[0].label == "Momentum (μ 0.7) & co"
    assert from_url("?" + to_query_string(scene))[0].optimizers[0].label == scene.optimizers[
        0].label
    assert to_query(scene)["opt"] == ["momentum;label=Momentum (μ 0.7) & co"]


def test_ended_in_tells_a_saddle_a_stop_and_a_run_that_never_moved_apart():
    from landscapes import get_surface
    from scene.race import ended_in

    saddle = get_surface("saddle")
    s = saddle.saddles[0]
    stuck = run("saddle", "sgd", start=(s.x, s.y), steps=20, lr=0.01)  # zero gradient there
    assert ended_in(saddle, stuck.xy, stuck.loss) == f"saddle ({s.x:.3g}, {s.y:.3g})"

    rosen = get_surface("rosenbrock")
    frozen = run("rosenbrock", "sgd", start=(-1.5, 2.0), steps=20, lr=0.0)
    assert ended_in(rosen, frozen.xy, frozen.loss) == "none (never moved)"
    moving = run("rosenbrock", "sgd", start=(-1.5, 2.0), steps=20, lr=1e-4)
    assert ended_in(rosen, moving.xy, moving.loss) == "none (still moving)"
    halted = np.vstack([moving.xy, moving.xy[-1:]])  # the last step went nowhere
    assert ended_in(rosen, halted, np.append(moving.loss, moving.loss[-1])) == "none (stopped)"


def test_a_racer_setting_in_the_wrong_place_is_named_not_silently_dropped():
    scene, warnings = from_dict({"surface": "ravine", "optimizers": [
        {"optimizer": "sgd", "lr": 0.5, "hyper": {"momentum": 0.9}, "colour": "#123456"}]})
    assert scene.optimizers[0].hyper == {"momentum": 0.9}
    assert any("`lr` belongs under \"hyper\"" in w for w in warnings)
    assert any("`colour` is not a racer's setting" in w for w in warnings)
    assert len(warnings) == 2


def test_runs_off_the_drawn_map_are_said_to_be_there():
    from scene.presets import load_presets
    from scene.race import off_map_since

    race = simulate(load_presets()["07-saddle"])
    rows = {row["optimizer"]: row for row in metrics(race)}
    (x0, x1), (y0, y1) = race.surface.bounds
    for r in race.racers:
        xy = r.traj.xy
        off = off_map_since(race.surface, xy)
        outside = ~((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1))
        if off is None:
            assert not outside[-1]
            continue
        assert outside[off:].all() and (off == 0 or not outside[off - 1])
        if r.traj.status == "left":  # stopped far outside, but left the map where drawn
            assert rows[r.label]["status"] == f"left the map at step {off}"
            assert off < r.traj.diverged_at
        else:
            assert rows[r.label]["ended in"].startswith("off the map, at (")
    assert any(off_map_since(race.surface, r.traj.xy) for r in race.racers)


@pytest.mark.parametrize(("query", "words"), [
    ({"steps": "1e999"}, "not a whole number"), ({"noise": "abc"}, "not a number"),
    ({"start": "a,b"}, "not a number"), ({"seed": "x"}, "not a whole number")])
def test_warnings_use_plain_words_not_pythons(query, words):
    _, warnings = from_query(query)
    assert len(warnings) == 1 and f"({words})" in warnings[0], warnings
    assert not any(s in warnings[0] for s in ("literal", "base 10", "convert string"))

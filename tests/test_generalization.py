"""The test surface: the training surface shifted, each run's test loss, and the preset where
a flat minimum keeps its loss on new data while an equally deep sharp one does not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest

from figures.payload import race_payload, surface_payload
from figures.payload import test_grid as shifted_grid
from scene import from_dict, to_dict
from scene.presets import load_presets
from scene.race import metrics, simulate
from scene.race import test_loss as loss_on_test
from scene.url import encode, from_query, to_query

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PRESET = "13-flat-generalizes"


def test_test_loss_is_the_training_surface_shifted():
    race = simulate(load_presets()[PRESET])
    surf = race.surface
    assert loss_on_test(race, (1.7, 0.1)) == pytest.approx(surf.value(1.5, 0.0))
    z = shifted_grid(surf, (0.2, 0.1))
    field = surface_payload(surf)
    assert z.shape == np.asarray(field["z"]).shape
    payload = race_payload(race, field)
    assert payload["surface"]["test_shift"] == [0.2, 0.1]


def test_shift_travels_through_files_and_links_and_bad_ones_fall_back():
    scene = load_presets()[PRESET]
    assert from_dict(to_dict(scene))[0].test_shift == (0.2, 0.1)
    q = encode(to_query(scene))
    assert "test=0.2,0.1" in q
    assert from_query(parse_qs(q))[0].test_shift == (0.2, 0.1)
    for bad in ("0.2", "a,b", "100,0", "inf,0"):
        back, warnings = from_query({"surface": "sharp_flat", "test": bad})
        assert back.test_shift is None and any("test_shift" in w for w in warnings)


def test_preset_flat_minimum_keeps_its_loss_on_new_data():
    scene = load_presets()[PRESET]
    assert scene.test_shift == (0.2, 0.1)
    race = simulate(scene)
    rows = {r["optimizer"]: r for r in metrics(race)}
    sharp, flat = rows["SGD (lr 0.05)"], rows["SGD (lr 0.4)"]
    assert [r.color for r in race.racers] == ["#0072B2", "#D55E00"]  # blue, orange
    assert sharp["final loss"] < 1e-3 and flat["final loss"] < 1e-3  # "below 0.001"
    assert sharp["ended in"] == "global (-1.5, 0)"  # the sharp minimum
    assert flat["ended in"] == "global (1.5, 0)"  # the flat one
    assert round(sharp["test loss"], 2) == 0.46
    assert flat["test loss"] == pytest.approx(0.025, abs=5e-4)
    assert sharp["test loss"] > 15 * flat["test loss"]  # "more than fifteen times lower"


def test_app_shows_test_loss_and_keeps_the_shift_in_the_link():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="preset").set_value(PRESET).run()
    assert not at.exception
    assert any("test loss" in m.value for m in at.markdown if m.value.startswith("| optimizer"))
    assert at.query_params["test"] in ("0.2,0.1", ["0.2,0.1"])
    at.session_state["open_test"] = True  # the folded "Test surface" part of the sidebar
    at.run()
    at.toggle(key="test_on").set_value(False).run()
    assert "test" not in at.query_params
    assert not any("test loss" in m.value for m in at.markdown)


def test_live_route_accepts_a_test_shift():
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from ui.guard import TOKEN_HEADER, issue_token
    from ui.live import routes

    scene = replace(load_presets()[PRESET], title="", claim="")
    with TestClient(Starlette(routes=routes())) as c:
        r = c.post("/live/race", json={"scene": to_dict(scene)},
                   headers={TOKEN_HEADER: issue_token("test")})
    assert r.status_code == 200


def test_a_shift_drawn_from_the_seed_is_small_and_repeatable():
    from streamlit.testing.v1 import AppTest

    def drawn(seed: int) -> tuple[float, float]:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["surface"] = "sharp_flat"
        at.query_params["test"] = "0.2,0.1"
        at.query_params["seed"] = str(seed)
        at.session_state["open_test"] = True  # the folded "Test surface" part of the sidebar
        at.run()
        next(b for b in at.button if b.label == "Draw a shift from the seed").click().run()
        assert not at.exception
        return at.session_state["test_dx"], at.session_state["test_dy"]

    a, b = drawn(3), drawn(3)
    assert a == b and a != (0.2, 0.1) and a != drawn(4)
    assert all(abs(v) < 8 / 4 for v in a)  # well inside a quarter of the 8-wide map

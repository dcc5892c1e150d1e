"""The live routes (``ui.live``): their contract, their answers to bad input, their caching."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from figures.payload import loss_values
from scene import Entry, default_scene, to_dict
from scene.race import simulate
from ui.live import MAX_BODY, asset_version, routes, unpack

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    with TestClient(Starlette(routes=routes())) as c:
        yield c


def body(scene=None, **extra) -> dict:
    return {"scene": to_dict(scene or default_scene()), **extra}


def post(client, data) -> object:
    """A request as the app's page sends it: JSON, with the token the page was given."""
    from ui.guard import TOKEN_HEADER, issue_token

    raw = data if isinstance(data, bytes | str) else json.dumps(data)
    return client.post("/live/race", content=raw, headers={"Content-Type": "application/json",
                                                           TOKEN_HEADER: issue_token("test")})


def test_answer_matches_the_compiled_core(client):
    scene = replace(default_scene(), steps=300)
    r = post(client, body(scene))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    out = unpack(r.content)
    race = simulate(scene)
    assert out["steps"] == 300
    assert len(out["paths"]) == len(race.racers) == 4
    for got, want in zip(out["paths"], race.racers, strict=True):
        assert got["label"] == want.label and got["color"] == want.color
        assert got["status"] == want.traj.status
        assert got["x"].dtype == np.float32 and got["loss"].dtype == np.float32
        assert len(got["x"]) == len(want.traj.xy)
        np.testing.assert_array_equal(got["x"], want.traj.xy[:, 0].astype(np.float32))
        np.testing.assert_array_equal(got["y"], want.traj.xy[:, 1].astype(np.float32))
        # The legend prints three digits: float32 holds them, and the loss plot's values (the
        # gap to f*) travel apart, so that float32 keeps them near f* too.
        np.testing.assert_array_equal(got["loss"], want.traj.loss.astype(np.float32))
        np.testing.assert_array_equal(
            got["loss_y"], loss_values(race.surface, want.traj.loss).astype(np.float32))
        assert got["lr"] is None  # constant learning rate: no lr panel


def test_dragged_start_and_learning_rate(client):
    scene = default_scene()
    out = unpack(post(client, body(scene, start=[0.5, 2.0])).content)
    moved = simulate(replace(scene, start=(0.5, 2.0)))
    assert out["start"] == [0.5, 2.0]
    for got, want in zip(out["paths"], moved.racers, strict=True):
        np.testing.assert_array_equal(got["loss"], want.traj.loss.astype(np.float32))

    out = unpack(post(client, body(scene, racer=3, lr=0.01)).content)
    entries = list(scene.optimizers)
    entries[3] = Entry("adam", hyper={"lr": 0.01})
    slower = simulate(replace(scene, optimizers=entries))
    np.testing.assert_array_equal(out["paths"][3]["loss"],
                                  slower.racers[3].traj.loss.astype(np.float32))
    assert not np.array_equal(out["paths"][3]["loss"],
                              simulate(scene).racers[3].traj.loss.astype(np.float32))


def test_schedule_sends_learning_rates_and_divergence_is_reported(client):
    scene = replace(default_scene(), optimizers=[Entry("sgd", hyper={"lr": 0.5})],
                    schedule={"name": "cosine"})
    out = unpack(post(client, body(scene)).content)
    path = out["paths"][0]
    assert path["status"] == "diverged" and isinstance(path["diverged_at"], int)
    assert path["lr"] is not None and path["lr"].dtype == np.float32


@pytest.mark.parametrize(("data", "status", "field"), [
    (b"{not json", 400, "body"),
    ([1, 2], 400, "body"),
    ({}, 400, "scene"),
    ({"scene": "rosenbrock"}, 400, "scene"),
    ({"scene": {"surface": "nowhere"}}, 400, "surface"),
    ({"scene": {"surface": "rosenbrock", "steps": 10_001}}, 400, "steps"),
    ({"scene": {"steps": int("9" * 400)}}, 400, "steps"),
    ({"scene": {"surface": "rosenbrock", "start": [1e6, 0]}}, 400, "start"),
    ({"scene": {"steps": 10}, "start": [0.1]}, 400, "start"),
    ({"scene": {"steps": 10}, "start": ["a", 1]}, 400, "start"),
    (b'{"scene": {"steps": 10}, "start": [NaN, 1]}', 400, "start"),
    ({"scene": {"steps": 10}, "start": [1e400, 1]}, 400, "start"),
    ({"scene": {"optimizers": ["sgd"]}, "racer": 1, "lr": 0.1}, 400, "racer"),
    ({"scene": {"optimizers": ["sgd"]}, "racer": True, "lr": 0.1}, 400, "racer"),
    ({"scene": {"optimizers": ["sgd"]}, "racer": 0, "lr": "fast"}, 400, "lr"),
    ({"scene": {"optimizers": ["sgd"]}, "racer": 0, "lr": -1}, 400, "optimizer 1 (SGD)"),
    ({"scene": {"optimizers": ["sgd"] * 13}}, 400, "optimizers"),
    ({"scene": {"optimizers": [{"optimizer": "sgd", "label": "x" * 61}]}}, 400, "optimizer 1"),
    ({"scene": {"optimizers": ["gradient_flow"]}}, 400, "optimizer 1"),
    ({"scene": {"noise": -1}}, 400, "noise"),
    ({"scene": {"schedule": {"name": "step", "step_size": "inf"}}}, 400, "schedule.step_size"),
    ({"scene": {"colour": "red"}}, 400, "scene.colour"),
    ({"scene": {}, "evil": 1}, 400, "evil"),
    (b"[" * 5000 + b"]" * 5000, 400, "body"),
    (b"x" * (MAX_BODY + 1), 413, "body"),
])
def test_bad_requests_name_the_field(client, data, status, field):
    r = post(client, data)
    assert r.status_code == status, r.text
    out = r.json()
    assert out["field"] == field, out
    assert out["error"] and "Traceback" not in out["error"]
    assert "using the default" not in out["error"]  # the route refuses; it does not fall back


def test_only_post(client):
    assert client.get("/live/race").status_code == 405


def test_player_files_are_served_under_their_hash_for_good(client):
    version = asset_version()
    r = client.get(f"/live/player/{version}/main.js")
    assert r.status_code == 200
    assert "immutable" in r.headers["cache-control"] and "max-age=31536000" in r.headers[
        "cache-control"]
    assert r.content == (ROOT / "ui" / "player_frontend" / "main.js").read_bytes()
    assert client.get(f"/live/player/{version}/plotly-race.min.js").status_code == 200
    assert client.get("/live/player/0123456789ab/main.js").status_code == 404  # old version
    assert client.get(f"/live/player/{version}/index.html").status_code == 404
    assert client.get(f"/live/player/{version}/..%2F..%2Fapp.py").status_code == 404


def test_player_files_are_sent_compressed_once(client):
    version = asset_version()
    plain = (ROOT / "ui" / "player_frontend" / "plotly-race.min.js").read_bytes()
    r = client.get(f"/live/player/{version}/plotly-race.min.js",
                   headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.content == plain
    assert int(r.headers["content-length"]) < len(plain) / 2.5
    again = client.get(f"/live/player/{version}/plotly-race.min.js",
                       headers={"Accept-Encoding": "gzip"})
    assert again.headers["content-length"] == r.headers["content-length"]
    r = client.get(f"/live/player/{version}/main.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers
    assert r.content == (ROOT / "ui" / "player_frontend" / "main.js").read_bytes()


def test_the_player_modules_are_served_as_one_script(client):
    """The page loads the player's modules inlined into one script (one request, one
    compressed text): the route serves exactly the inliner's output, as JavaScript, under the
    files' hash, and the page asks for it."""
    from ui.player_inline import inline_script

    version = asset_version()
    r = client.get(f"/live/player/{version}/player.bundle.js",
                   headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert r.content.decode() == inline_script()
    assert "immutable" in r.headers["cache-control"]
    assert client.get("/live/player/0123456789ab/player.bundle.js").status_code == 404
    page = (ROOT / "ui" / "player_frontend" / "index.html").read_text()
    assert '"player.bundle.js"' in page


def test_player_page_asks_for_the_hashed_files():
    from ui.player import frontend_dir

    page = (frontend_dir() / "index.html").read_text()
    assert f"../../live/player/{asset_version()}/" in page


def test_streamlit_run_finds_the_server_with_its_routes():
    """`streamlit run app.py` serves the st.App defined in app.py, live routes included."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"
    import importlib.util

    spec = importlib.util.spec_from_file_location("app_module_under_test", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    paths = {getattr(r, "path", None) for r in module.app._user_routes}
    assert {"/live/race", "/live/player/{version}/{name}"} <= paths

"""The surface's grids travel by address, once per surface: the player's arguments carry the
paths and the address, and any server rebuilds the same grids from the address alone."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from figures import payload as figure_payload
from figures.payload import race_payload, surface_payload
from scene import default_scene, from_dict
from scene.race import simulate
from ui import grid
from ui.live import unpack
from ui.wire import encode as _encode


@pytest.fixture(scope="module")
def client():
    from ui.guard import TOKEN_HEADER, issue_token
    from ui.live import routes

    return TestClient(Starlette(routes=routes()), headers={TOKEN_HEADER: issue_token("grid")})


def test_only_the_apps_own_pages_get_grids():
    from ui.live import routes

    bare = TestClient(Starlette(routes=routes()))
    url = _encoded(default_scene())[0]["surface"]["grid"]["url"]
    r = bare.get("/" + url)
    assert r.status_code == 403 and r.json()["field"]
    r = bare.get("/" + url, headers={"X-Race-Token": "forged.0.abc"})
    assert r.status_code == 403


def _payload(scene):
    race = simulate(scene)
    return race_payload(race, surface_payload(race.surface))


def _encoded(scene):
    return _encode(_payload(scene), grid.grid_query(scene))


def test_a_change_carries_the_paths_and_the_grids_address_only():
    scene = replace(default_scene(), steps=200)
    meta, blob = _encoded(scene)
    surf = meta["surface"]
    assert not set(grid.GRID_KEYS) & set(surf)
    assert surf["grid"]["url"].startswith("live/grid?")
    _, plain_blob = _encode(_payload(scene))
    # The grids were the bulk of the arguments; without them the paths remain.
    assert len(blob) < len(plain_blob) / 3
    # Another learning rate: the same grids' address; another surface: another address.
    faster = replace(scene, optimizers=[replace(e, hyper={"lr": 2e-3})
                                        for e in scene.optimizers])
    assert _encoded(faster)[0]["surface"]["grid"] == surf["grid"]
    other, _ = from_dict({"surface": "himmelblau"})
    assert _encoded(other)[0]["surface"]["grid"]["sig"] != surf["grid"]["sig"]


@pytest.mark.parametrize("link", [
    {"surface": "rosenbrock"},
    {"surface": "ravine", "surface_params": {"condition": 50, "angle": 30}},
    {"surface": "sharp_flat", "test_shift": [0.3, -0.2]},
    {"formula": "log(x) + y^2", "surface_params": {"xmin": -2, "xmax": 3}},
])
def test_any_server_rebuilds_the_grids_the_page_announced(client, link):
    scene, warnings = from_dict(link)
    assert not warnings
    meta, _ = _encoded(scene)
    url = meta["surface"]["grid"]["url"]
    grid._answers.clear()  # another replica: nothing kept from building the page
    r = client.get("/" + url)
    assert r.status_code == 200
    assert "immutable" in r.headers["cache-control"]
    got = unpack(r.content)
    assert got["sig"] == meta["surface"]["grid"]["sig"]
    want = surface_payload(scene.surface_obj())
    if scene.test_shift is not None:
        want["test_z"] = figure_payload.test_grid(scene.surface_obj(), scene.test_shift)
    for key in grid.GRID_KEYS:
        if want.get(key) is None:
            assert key not in got["grids"]
            continue
        expect = np.asarray(want[key], dtype=np.float64)
        gotten = got["grids"][key]
        assert gotten.shape == expect.shape
        np.testing.assert_array_equal(np.isnan(gotten), ~np.isfinite(expect))
        finite = np.isfinite(expect)
        if key in ("x", "y", "x3d", "y3d"):
            np.testing.assert_array_equal(gotten, expect)
        elif finite.any():  # 16 bits: within half a step of 65,534 across the grid's range
            span = np.ptp(expect[finite])
            assert np.abs(gotten[finite] - expect[finite]).max() <= span / 65534 * 0.51 + 1e-6
    if "undefined" in want:  # a typed formula's undefined part travels with the grids
        assert np.isnan(got["grids"]["undefined"]).any()


def test_a_digest_this_server_would_not_give_is_not_kept(client):
    scene = default_scene()
    url = _encoded(scene)[0]["surface"]["grid"]["url"]
    q = parse_qs(urlsplit(url).query)
    r = client.get("/live/grid", params={"s": q["s"][0], "g": "0" * 20})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("s, status, field", [
    ("", 400, "s"),
    ("not json", 400, "s"),
    (json.dumps({"surface": "rosenbrock", "steps": 5}), 400, "s"),
    (json.dumps({"surface": "no-such-surface"}), 400, "s"),
    (json.dumps({"formula": "import os"}), 400, "s"),
    (json.dumps({"surface": "rosenbrock", "pad": "x" * 5000}), 414, "s"),
    ("[" * 5000, 414, "s"),
])
def test_a_bad_address_is_refused_by_name(client, s, status, field):
    r = client.get("/live/grid", params={"s": s} if s else {})
    assert r.status_code == status
    assert r.json()["field"] == field and r.json()["error"]


def test_a_new_surface_under_a_drawn_page_travels_with_the_render(client, monkeypatch):
    """The first render names the grids only (the browser may hold them); a rerun on the same
    surface carries nothing more; a new surface under a page already drawn carries its grids,
    the very bytes its address answers, so the page draws it without a request of its own."""
    from ui import player

    monkeypatch.setattr(player.st, "session_state", {})
    scene = replace(default_scene(), steps=50)

    def render(scene):
        extras: dict = {}
        meta, _ = _encode(_payload(scene), grid.grid_query(scene), extras)
        return meta, player._grids_to_send("race", meta, extras)

    meta, sent = render(scene)
    assert sent is None                                    # first render: the address only
    faster = replace(scene, optimizers=[replace(e, hyper={"lr": 2e-3})
                                        for e in scene.optimizers])
    assert render(faster)[1] is None                       # same surface: nothing more
    other, _ = from_dict({"surface": "himmelblau", "steps": 50})
    meta, sent = render(other)
    assert sent is not None
    answer = client.get("/" + meta["surface"]["grid"]["url"])
    assert answer.status_code == 200 and answer.content == sent
    assert render(other)[1] is None                        # drawn: not again
    assert render(scene)[1] is not None                    # back to the first surface: sent

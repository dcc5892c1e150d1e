"""End-to-end check of the race player in a real browser.

Starts ``tests/player_demo_app.py`` with ``streamlit run`` and drives it with
headless Chromium: the player must draw its plots, advance while playing,
report the step where playback stops, and send map clicks back to Python in
data coordinates. Screenshots go to ``tests/artifacts/`` (or to
``$PLAYER_ARTIFACTS_DIR`` when set).

Skipped when Chromium or Playwright is missing, unless ``CI=true``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser import chromium, require_chromium, serve, wait_settled

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "tests" / "player_demo_app.py"
IFRAME = "iframe[title='ui.player.race_player']"


@pytest.fixture(scope="module")
def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or require_chromium()


@pytest.fixture(scope="module")
def demo_url(chromium_path):
    with serve(DEMO) as url:
        yield url


@pytest.fixture(scope="module")
def artifacts() -> Path:
    env = os.environ.get("PLAYER_ARTIFACTS_DIR")
    path = Path(env) if env else ROOT / "tests" / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {path}")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    with chromium(chromium_path) as b:
        yield b


def _open(browser, url: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 1500})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    frame_el = page.wait_for_selector(IFRAME, timeout=90_000)
    frame = frame_el.content_frame()
    frame.wait_for_function(
        "window.__racePlayer && window.__racePlayer.stats.renders >= 1", timeout=90_000
    )
    return page, frame_el, frame, errors


def _overlay_ink(frame, plot_id: str) -> int:
    """Number of painted pixels on a plot's animation layer."""
    return frame.evaluate(
        """(id) => {
          const c = document.getElementById(id).querySelector('canvas.overlay');
          if (!c) return 0;
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          return n;
        }""",
        plot_id,
    )


def _step(frame) -> tuple[int, int]:
    text = frame.inner_text("#readout")
    m = re.fullmatch(r"step (\d+) / (\d+)", text.strip())
    assert m, text
    return int(m.group(1)), int(m.group(2))


def _wait_for_event(page, prefix: str, not_containing: str | None = None) -> None:
    """Wait until the demo app echoes an event line starting with ``prefix``."""
    page.wait_for_function(
        """([prefix, avoid]) => [...document.querySelectorAll('p')].some(
             p => p.innerText.startsWith(prefix) && !(avoid && p.innerText.includes(avoid)))""",
        arg=[prefix, not_containing],
        timeout=30_000,
    )


def _last_event(page) -> str:
    loc = page.get_by_text(re.compile(r"^Last event:"))
    return loc.first.inner_text()


def test_player_draws_plays_and_reports_events(browser, demo_url, artifacts):
    page, frame_el, frame, errors = _open(browser, demo_url)

    # Plots are drawn: contour map, loss axes, and the animated paths.
    frame.wait_for_selector(
        "#map svg.main-svg .contourlayer path", state="attached", timeout=30_000
    )
    frame.wait_for_selector("#loss svg.main-svg .xtick", state="attached", timeout=30_000)
    assert frame.locator("#legend .chip").count() == 5
    assert _overlay_ink(frame, "map") > 500
    assert _overlay_ink(frame, "loss") > 500
    box = frame_el.bounding_box()
    assert box["height"] > 700, "the frame height follows the content"
    assert _step(frame) == (10000, 10000)
    wait_settled(page)
    page.screenshot(path=str(artifacts / "player-initial.png"), full_page=True)

    # Play restarts from the beginning at the end of the run and advances.
    frame.click("#play")
    frame.wait_for_function(  # started again from 0, and moved on
        "() => { const k = +document.getElementById('readout').textContent.split(' ')[1];"
        " return k > 0 && k < 10000; }", timeout=30_000)
    k1, n = _step(frame)
    assert n == 10000 and 0 < k1 < n
    frame.wait_for_function(
        "(k) => +document.getElementById('readout').textContent.split(' ')[1] !== k", arg=k1,
        timeout=30_000)
    k2, _ = _step(frame)
    assert k2 > k1
    page.screenshot(path=str(artifacts / "player-playing.png"), full_page=True)

    # Pausing reports the step to Python (the demo echoes it).
    frame.click("#play")
    k_paused, _ = _step(frame)
    _wait_for_event(page, "Last event: step")
    assert _last_event(page).startswith(f"Last event: step at step {k_paused} ")

    # A click anywhere on the map moves the start point there.
    geo = frame.evaluate(
        """() => {
          const gd = document.getElementById('map'), fl = gd._fullLayout;
          const r = gd.getBoundingClientRect();
          return {left: r.left, top: r.top, l: fl.xaxis._offset, w: fl.xaxis._length,
                  t: fl.yaxis._offset, h: fl.yaxis._length,
                  xr: fl.xaxis.range, yr: fl.yaxis.range};
        }"""
    )
    fx, fy = 0.8, 0.25
    want_x = geo["xr"][0] + fx * (geo["xr"][1] - geo["xr"][0])
    want_y = geo["yr"][1] - fy * (geo["yr"][1] - geo["yr"][0])
    box = frame_el.bounding_box()
    page.mouse.click(
        box["x"] + geo["left"] + geo["l"] + fx * geo["w"],
        box["y"] + geo["top"] + geo["t"] + fy * geo["h"],
    )
    _wait_for_event(page, "Last event: click")
    m = re.search(r"click at x = (-?[\d.]+), y = (-?[\d.]+) \(nonce (\d+)\)", _last_event(page))
    assert m, _last_event(page)
    got_x, got_y = float(m.group(1)), float(m.group(2))
    tol_x = 0.01 * (geo["xr"][1] - geo["xr"][0])
    tol_y = 0.01 * (geo["yr"][1] - geo["yr"][0])
    assert abs(got_x - want_x) < tol_x and abs(got_y - want_y) < tol_y, (
        got_x,
        got_y,
        want_x,
        want_y,
    )

    # The app sent new paths from the new start point; the player redrew them.
    frame.wait_for_function("window.__racePlayer.stats.renders >= 2", timeout=30_000)
    start = frame.evaluate("window.__racePlayer.payload.start")
    assert abs(start[0] - want_x) < tol_x and abs(start[1] - want_y) < tol_y
    first_x = frame.evaluate("window.__racePlayer.paths[0].x[0]")
    assert abs(first_x - want_x) < tol_x
    wait_settled(page)
    page.screenshot(path=str(artifacts / "player-after-click.png"), full_page=True)

    # Two clicks at the same spot are two distinct events.
    nonce1 = int(m.group(3))
    page.wait_for_timeout(400)  # apart by more than Plotly's double-click delay (300 ms)
    page.mouse.click(
        box["x"] + geo["left"] + geo["l"] + fx * geo["w"],
        box["y"] + geo["top"] + geo["t"] + fy * geo["h"],
    )
    _wait_for_event(page, "Last event: click", not_containing=f"nonce {nonce1})")

    # The 3-D tab renders the surface.
    frame.click(".tab[data-view=surf]")
    frame.wait_for_function("window.__racePlayer.built.surf", timeout=30_000)
    frame.wait_for_selector("#surf .gl-container canvas", state="attached", timeout=30_000)
    wait_settled(page, "#surf .gl-container canvas")
    page.screenshot(path=str(artifacts / "player-3d.png"), full_page=True)

    assert not errors, errors
    page.close()


def test_player_side_by_side(browser, demo_url, artifacts):
    page, frame_el, frame, errors = _open(browser, demo_url + "/?wide=1", width=1600)
    frame.wait_for_function("window.__racePlayer.built.surf", timeout=60_000)
    assert frame.evaluate("window.__racePlayer.wide")
    map_w = frame.evaluate("document.getElementById('map')._fullLayout.width")
    pane_w = frame.evaluate("document.getElementById('pane-map').clientWidth")
    map_h = frame.evaluate("document.getElementById('map')._fullLayout.height")
    panel_h = frame.evaluate("window.__racePlayer.panelHeight")
    # The map fills its pane: its whole width, or (equal axis scales) its whole height.
    assert map_w <= pane_w + 2
    assert abs(map_w - pane_w) <= 2 or abs(map_h - panel_h) <= 2, (map_w, pane_w, map_h, panel_h)
    frame.evaluate(
        "(() => { const s = document.getElementById('scrub'); s.value = 1500;"
        " s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); })()"
    )
    frame.wait_for_function(
        "document.getElementById('readout').textContent === 'step 1500 / 10000'", timeout=10_000
    )
    wait_settled(page)
    page.screenshot(path=str(artifacts / "player-wide.png"), full_page=True)
    assert not errors, errors
    page.close()


def test_payload_encoding_round_trip():
    """Arrays travel in one binary buffer; everything else stays JSON."""
    import json

    import numpy as np

    from ui.packing import read
    from ui.wire import encode as _encode

    nan = float("nan")
    payload = {
        "surface": {
            "title": "bowl",
            "x": [0.0, 1.0, 2.0],
            "y": [0.0, 1.0],
            "z": np.arange(6.0).reshape(2, 3),
            "log": False,
            "zlabel": "f",
            "minima": [[0.0, 0.0, 0.0]],
            "saddles": [],
            "xrange": [0, 2],
            "yrange": [0, 1],
        },
        "paths": [
            {
                "label": "GD",
                "color": "#1f77b4",
                "x": [1.0, 0.5, nan],
                "y": [1.0, 0.5, nan],
                "loss": [2.0, 0.5, float("inf")],
                "lr": None,
                "status": "diverged",
                "diverged_at": 2,
                "arrows": {"grad": [[1.0, 1.0], [2.0, 2.0]], "update": [[-0.5, -0.5], [nan, nan]]},
            }
        ],
        "steps": 2,
        "loss_label": "f",
        "loss_log": True,
        "show_lr": False,
        "start": (1.0, 1.0),
        "revision": 3,
        "extra": np.float64(nan),
    }
    meta, blob = _encode(payload)
    json.dumps(meta, allow_nan=False)  # valid JSON for the browser

    def unpack(ref):
        return read(blob, ref)

    assert meta["extra"] is None and meta["start"] == [1.0, 1.0]
    assert unpack(meta["surface"]["z"]).tolist() == [[0, 1, 2], [3, 4, 5]]
    path = meta["paths"][0]
    assert path["lr"] is None and path["status"] == "diverged"
    assert unpack(path["loss_y"]).tolist()[:2] == [2.0, 0.5]  # defaults to loss
    assert np.isnan(unpack(path["x"])[2]) and np.isinf(unpack(path["loss"])[2])
    assert unpack(path["arrows"]["grad"]).shape == (2, 2)
    assert meta["_sig"] == _encode(payload)[0]["_sig"]

    with pytest.raises(ValueError):
        _encode({**payload, "paths": [{**payload["paths"][0], "y": [1.0]}]})

"""The race player's pure modules checked on their own in Chromium (decoding, paths, figure
specifications), and the player inlined into one HTML file (``ui.player_inline``) drawing a
scene from ``file://``, where module imports are blocked.

Skipped when Chromium or Playwright is missing, unless ``CI=true``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser import chromium, require_chromium
from ui.player_inline import FRONTEND, inline_page
from ui.wire import encode as _encode

pytestmark = [pytest.mark.browser]

ORIGIN = "http://player.test"


def _payload(n: int = 60) -> dict:
    x, y = np.linspace(-2, 2, 41), np.linspace(-1, 1, 21)
    z = x[None, :] ** 2 + 3 * y[:, None] ** 2
    t = np.arange(n)
    px, py = 1.8 * 0.95 ** t * np.cos(t / 3), 0.9 * 0.95 ** t * np.sin(t / 3)
    bad = np.array([1.0, 5.0, 40.0, float("nan")])
    return {
        "surface": {"title": "bowl", "x": x, "y": y, "z": z, "log": False, "zlabel": "f",
                    "minima": [[0.0, 0.0, 0.0]], "saddles": [], "xrange": [-2, 2],
                    "yrange": [-1, 1]},
        "paths": [
            {"label": "GD", "color": "#1f77b4", "x": px, "y": py, "loss": px ** 2 + 3 * py ** 2,
             "lr": np.full(n - 1, 0.1), "status": "completed", "diverged_at": None,
             "arrows": None},
            {"label": "big <lr>", "color": "#d62728", "symbol": "square", "x": bad, "y": bad,
             "loss": bad ** 2, "lr": None, "status": "diverged", "diverged_at": 3,
             "arrows": None},
        ],
        "steps": n - 1, "loss_label": "f", "loss_log": True, "show_lr": False,
        "start": [1.8, 0.0], "revision": 1,
    }


@pytest.fixture(scope="module")
def browser():
    path = require_chromium()
    with chromium(path) as b:
        yield b


@pytest.fixture
def page(browser):
    """A page on a made-up origin whose files are this folder's: modules import there."""
    page = browser.new_page()

    def serve(route):
        name = route.request.url[len(ORIGIN) + 1:].split("?")[0] or "blank.html"
        path = FRONTEND / name
        if name == "blank.html":
            route.fulfill(body="<!doctype html><title>modules</title>", content_type="text/html")
        elif path.is_file() and path.suffix == ".js" and path.parent == FRONTEND:
            route.fulfill(body=path.read_bytes(), content_type="text/javascript")
        else:
            route.fulfill(status=404, body="")

    page.route(ORIGIN + "/**", serve)
    page.goto(ORIGIN + "/blank.html")
    yield page
    page.close()


def _args(payload: dict) -> dict:
    meta, blob = _encode(payload)
    return {"meta": meta, "blob": list(blob)}


DECODE_JS = """async (args) => {
    const { decode, toBuffer } = await import("./decode.js");
    const { preparePath, pointAt, statusOf } = await import("./paths.js");
    const p = decode(args.meta, toBuffer(new Uint8Array(args.blob)));
    const paths = p.paths.map((q, i) => preparePath(q, i, p.paths));
    return {
        x: Array.from(p.paths[0].x), z1: Array.from(p.surface.z[1]), nz: p.surface.z.length,
        lr: Array.from(p.paths[0].lr).slice(0, 3), start: p.start,
        gd: { last: paths[0].last, n: paths[0].n, symbol: paths[0].symbol },
        big: { last: paths[1].last, divergedAt: paths[1].divergedAt, diverged: paths[1].diverged,
               symbol: paths[1].symbol, status: statusOf(paths[1], 3) },
        half: pointAt(paths[0], 0.5),
    };
}"""


def test_decoding_and_paths(page):
    payload = _payload()
    got = page.evaluate(DECODE_JS, _args(payload))
    assert np.allclose(got["x"], payload["paths"][0]["x"], rtol=1e-6, atol=1e-7)  # float32
    assert np.allclose(got["z1"], payload["surface"]["z"][1], rtol=1e-6)
    assert got["nz"] == 21 and got["lr"] == pytest.approx([0.1] * 3)
    assert got["start"] == [1.8, 0.0]
    assert got["gd"] == {"last": 59, "n": 60, "symbol": "circle"}
    assert got["big"]["last"] == 2 and got["big"]["divergedAt"] == 3 and got["big"]["diverged"]
    assert got["big"]["symbol"] == "square"
    assert got["big"]["status"]["words"] == "diverged at step "
    x = payload["paths"][0]["x"]
    assert got["half"]["x"] == pytest.approx((x[0] + x[1]) / 2, rel=1e-6)


SPECS_JS = """async (args) => {
    const { decode, toBuffer } = await import("./decode.js");
    const { preparePath } = await import("./paths.js");
    const specs = await import("./specs.js");
    const p = decode(args.meta, toBuffer(new Uint8Array(args.blob)));
    const paths = p.paths.map((q, i) => preparePath(q, i, p.paths));
    const map = specs.mapFigure(p, { height: 400, fontSize: 16, button: null });
    const loss = specs.lossFigure(p, paths, { steps: p.steps, fontSize: 16, button: null });
    const surf = specs.surfFigure(p, paths, { height: 400, fontSize: 16, t: 10,
                                             visible: (q) => q.label !== "GD" });
    const again = specs.mapFigure(p, { height: 400, fontSize: 16, button: null });
    return {
        map: { types: map.data.map(t => t.type), scaleanchor: map.layout.yaxis.scaleanchor,
               xrange: map.layout.xaxis.range, height: map.layout.height,
               marker: map.data[1].marker.symbol, uirevision: map.layout.uirevision,
               noZoom: map.config.modeBarButtonsToRemove.includes("zoom2d"),
               sameArrays: map.data[0].z === again.data[0].z },
        loss: { type: loss.layout.yaxis.type, range: loss.layout.xaxis.range, n: loss.data.length },
        surf: { types: surf.data.map(t => t.type), first: surf.geom.firstPath,
                names: surf.data.slice(surf.geom.firstPath).map(t => t.name),
                visible: surf.data.slice(surf.geom.firstPath, -1).map(t => t.visible),
                gdPoints: surf.data[surf.geom.firstPath].x.length,
                now: surf.data[surf.data.length - 1].x.length },
        name: specs.surfFigure(p, paths, { height: 1, fontSize: 1, t: 0, visible: () => true })
            .data[surf.geom.firstPath + 1].name,
    };
}"""


def test_figure_specs_are_pure_functions_of_the_scene(page):
    got = page.evaluate(SPECS_JS, _args(_payload()))
    m = got["map"]
    assert m["types"] == ["contour", "scatter"] and m["marker"] == "star"
    assert m["scaleanchor"] == "x" and m["xrange"] == [-2, 2] and m["height"] == 400
    assert m["uirevision"] == "1" and m["noZoom"] and m["sameArrays"]  # grids copied once
    assert got["loss"] == {"type": "log", "range": [-0.01 * 59, 1.02 * 59], "n": 1}
    s = got["surf"]
    assert s["types"] == ["surface", "scatter3d", "scatter3d", "scatter3d", "scatter3d"]
    assert s["first"] == 2 and s["names"] == ["GD", "big &#60;lr&#62;", "now"]
    assert s["visible"] == [False, True]
    assert s["gdPoints"] == 11 and s["now"] == 1  # up to step 10; only the visible racer's point


def test_the_inlined_player_draws_a_scene_from_a_file(browser, tmp_path):
    html = tmp_path / "player.html"
    html.write_text(inline_page(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(html.as_uri())
    page.evaluate("""(args) => window.postMessage({type: "streamlit:render", args: {
        meta: args.meta, blob: new Uint8Array(args.blob)}}, "*")""", _args(_payload()))
    page.wait_for_function("window.__racePlayer.stats.renders >= 1 && "
                           "window.__racePlayer.drawnSig === window.__racePlayer.sig",
                           timeout=60_000)
    ink = page.evaluate("""() => {
        const c = document.querySelector('#map canvas.overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
    }""")
    assert ink > 500  # the paths, the start ring and the markers
    view = page.evaluate("Object.keys(window.__racePlayer)")
    assert {"sig", "paths", "pos", "stats", "mapMarks"} <= set(view)
    assert page.evaluate("window.__racePlayer.mapMarks.length") == 2
    assert page.locator("#readout").inner_text() == "step 59 / 59"
    page.click("#play")
    page.wait_for_function("window.__racePlayer.pos < 59 || !window.__racePlayer.playing")
    assert not errors, errors
    page.close()


RENDER_JS = """(args) => window.postMessage({type: "streamlit:render", args: {
    meta: args.meta, blob: new Uint8Array(args.blob)}}, "*")"""


def test_the_echo_of_a_reported_step_does_not_move_the_scrubber(browser, tmp_path):
    """The reader pauses at a step (the player reports it), then scrubs back to 0 before the
    app's next run arrives; that run carries the reported step: the scrubber stays where the
    reader put it. A step the page did not report (a link's, say) still moves it."""
    html = tmp_path / "player.html"
    html.write_text(inline_page(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    sent: list[dict] = []
    page.expose_function("__sent", lambda v: sent.append(v))
    page.add_init_script("""window.addEventListener('message', (e) => {
        if (e.data && e.data.type === 'streamlit:setComponentValue') window.__sent(e.data.value);
    });""")
    page.goto(html.as_uri())
    payload = _payload()
    page.evaluate(RENDER_JS, _args({**payload, "step": None}))
    page.wait_for_function("window.__racePlayer.drawnSig === window.__racePlayer.sig")
    page.locator("#scrub").fill("40")           # the reader picks step 40 (reported)
    page.wait_for_function("() => Math.floor(window.__racePlayer.pos) === 40")
    page.wait_for_timeout(600)                  # the report goes out (debounced)
    assert any(v.get("step") == 40 for v in sent), sent
    page.locator("#scrub").fill("0")            # ... and scrubs back before the app answers
    page.wait_for_timeout(600)                  # (that report goes out too)
    page.evaluate(RENDER_JS, _args({**payload, "step": 40, "revision": 2}))  # the echo
    page.wait_for_function("window.__racePlayer.sig !== null && "
                           "window.__racePlayer.payload.revision === 2")
    assert page.evaluate("Math.floor(window.__racePlayer.pos)") == 0
    page.evaluate(RENDER_JS, _args({**payload, "step": 25, "revision": 3}))  # not an echo
    page.wait_for_function("window.__racePlayer.payload.revision === 3")
    assert page.evaluate("Math.floor(window.__racePlayer.pos)") == 25
    page.close()


def test_a_minimum_shows_over_a_path_that_runs_through_it(browser, tmp_path):
    """A path straight through the minimum: the minimum's star is painted over it (gold at
    the star's centre, not the path's blue)."""
    html = tmp_path / "player.html"
    html.write_text(inline_page(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    page.goto(html.as_uri())
    n = 40
    through = np.linspace(-1.5, 1.5, n)
    payload = _payload()
    path = {**payload["paths"][0], "x": through, "y": np.zeros(n), "loss": through ** 2,
            "lr": np.full(n - 1, 0.1)}
    page.evaluate(RENDER_JS, _args({**payload, "paths": [path], "steps": n - 1}))
    page.wait_for_function("window.__racePlayer.drawnSig === window.__racePlayer.sig")
    page.wait_for_timeout(300)
    rgba = page.evaluate("""() => {
        const gd = document.getElementById('map'), fl = gd._fullLayout;
        const c = gd.querySelector('canvas.overlay'), k = c.width / c.clientWidth;
        const x = fl.xaxis._offset + fl.xaxis.l2p(0), y = fl.yaxis._offset + fl.yaxis.l2p(0);
        return Array.from(c.getContext('2d').getImageData(Math.round(x * k),
                                                          Math.round(y * k), 1, 1).data);
    }""")
    r, g, b, a = rgba
    assert a > 200 and r > 200 and g > 150 and b < 120, rgba  # the star's gold
    page.close()

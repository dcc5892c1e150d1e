"""The race player's legend chips, their learning-rate sliders, touch on the map and where a
diverged run's ✕ goes, in the app served by ``streamlit run`` and driven in headless Chromium.

Skipped when Chromium or Playwright is missing, unless ``CI=true``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from figures.mapspec import RACER_DASHES, RACER_SYMBOLS
from scene import MAX_OPTIMIZERS
from tests.browser import PATHS_JS, app_in_chromium, player_frame, wait_settled

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PLAYER = "iframe[title*='player']"

#: Twelve racers (the most a scene allows) on a surface where a large learning rate takes
#: every run out of f's domain (x ≤ 0) or off the map: every chip shows a status.
TWELVE = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "adagrad", "nadam", "lion",
          "lbfgs", "sam_sgd", "sgd_schedulefree"]
TWELVE_LINK = ("/?f=" + quote("log(x)+y^2", safe="") + "&start=1.5,1&steps=200&"
               + "&".join(f"opt={o};lr=2" for o in TWELVE))


@pytest.fixture(scope="module")
def app():
    with app_in_chromium(ARTIFACTS) as served:
        yield served


def _open(browser, url: str, w: int = 1280, h: int = 720, touch: bool = False):
    context = browser.new_context(viewport={"width": w, "height": h}, has_touch=touch)
    page = context.new_page()
    page.goto(url)
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page)  # the map settles to the window's height
    return context, page, frame


CHIPS_JS = """() => Array.from(document.querySelectorAll('#legend .chip')).map(chip => {
    const name = chip.querySelector('.name'), flag = chip.querySelector('.flag');
    const text = name.firstChild;
    const right = name.getBoundingClientRect().right;
    // Characters drawn whole inside the name's box, leaving room for the ellipsis when cut.
    const cut = name.scrollWidth > name.clientWidth + 1;
    const room = right - (cut ? 0.7 * parseFloat(getComputedStyle(name).fontSize) : 0);
    let shown = 0;
    const r = document.createRange();
    for (let k = 1; k <= text.length; k++) {
        r.setStart(text, 0); r.setEnd(text, k);
        if (r.getBoundingClientRect().right <= room + 0.5) shown = k; else break;
    }
    const lineHeight = parseFloat(getComputedStyle(chip).fontSize) * 1.35;
    const box = chip.getBoundingClientRect();
    const fb = flag.hidden ? null : flag.getBoundingClientRect();
    return {label: name.textContent, title: name.title, shown, cut,
            nameWidth: name.getBoundingClientRect().width,
            chipHeight: box.height, lineHeight,
            flagShown: !flag.hidden && fb.width > 0, flagTitle: flag.title,
            flagText: flag.innerText,
            flagInside: fb ? fb.right <= box.right + 0.5 && fb.top >= box.top - 0.5
                             && fb.bottom <= box.bottom + 0.5 : true,
            sample: chip.querySelector('.swatch svg').innerHTML};
})"""


def test_twelve_chips_keep_their_names_and_their_shapes(app):
    url, browser = app
    context, page, frame = _open(browser, url + TWELVE_LINK)
    chips = frame.locator("body").evaluate(CHIPS_JS)
    page.screenshot(path=str(ARTIFACTS / "chips-12-1280x720.png"))
    assert len(chips) == MAX_OPTIMIZERS
    labels = frame.locator("body").evaluate("() => window.__racePlayer.paths.map(p => p.label)")
    statuses = 0
    for chip, label in zip(chips, labels, strict=True):
        assert chip["label"] == label and chip["title"] == label, chip
        # The name whole, or at least its first eight characters before the ellipsis.
        assert chip["shown"] >= min(8, len(label)), chip
        assert not chip["cut"] or chip["shown"] >= 8, chip
        # One line: a status never wraps the chip nor pushes the name out.
        assert chip["chipHeight"] < 1.9 * chip["lineHeight"], chip
        assert chip["flagInside"], chip
        if chip["flagShown"]:
            statuses += 1
            assert re.fullmatch(r"(diverged at|left the domain at|left the map at|"
                                r"off the map since) step \d+", chip["flagTitle"]), chip
            step = chip["flagTitle"].rsplit(" ", 1)[1]
            assert chip["flagText"].split()[-1] == step, chip  # the badge names the step
    assert statuses == MAX_OPTIMIZERS, [c["flagTitle"] for c in chips]

    # Racers are told apart by shape (and dash) too: each chip's sample differs from every
    # other's, and the paths carry the shapes and dashes of the exported figures.
    assert len({c["sample"] for c in chips}) == MAX_OPTIMIZERS
    styles = frame.locator("body").evaluate(
        "() => window.__racePlayer.paths.map(p => [p.symbol, p.dash])")
    assert styles == [[RACER_SYMBOLS[i], RACER_DASHES[i]] for i in range(MAX_OPTIMIZERS)]

    # Hovering a cut name shows it whole.
    cut = next((i for i, c in enumerate(chips) if c["cut"]), None)
    if cut is not None:
        name = frame.locator("#legend .chip .name").nth(cut)
        assert name.get_attribute("title") == labels[cut]
    context.close()


def _slider_geometry(frame, racer: int) -> dict:
    return frame.locator(f'#legend .chip[data-i="{racer}"] .lr').evaluate(
        """el => { const r = el.getBoundingClientRect(); const s = el.querySelector('.lr-slider');
                   return {x: r.left + r.width / 2, y: r.top + r.height / 2,
                           value: +s.value, max: +s.max}; }""")


def _frame_origin(page) -> tuple[float, float]:
    box = page.locator(PLAYER).bounding_box()
    return box["x"], box["y"]


def _value(frame, racer: int) -> int:
    return int(frame.locator(f'#legend .chip[data-i="{racer}"] .lr-slider').input_value())


@pytest.mark.parametrize("crowded", [False, True])
def test_chip_slider_moves_one_step_per_8_px_of_mouse_drag(app, crowded):
    url, browser = app
    link = url + (TWELVE_LINK if crowded else "")
    context, page, frame = _open(browser, link, 1600, 1000)
    ox, oy = _frame_origin(page)
    g = _slider_geometry(frame, 0)
    v0 = g["value"]
    assert 4 <= v0 <= g["max"] - 4
    x, y = ox + g["x"], oy + g["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    for dx in range(2, 31, 2):  # 30 px to the right, 2 px at a time
        page.mouse.move(x + dx, y)
    moved = _value(frame, 0) - v0
    assert 3 <= moved <= 4, moved  # one round step per 8 px
    for dx in range(28, -17, -2):  # back, and 16 px past the start to the left
        page.mouse.move(x + dx, y)
    assert _value(frame, 0) - v0 == -2
    page.mouse.up()
    want = frame.locator('#legend .chip[data-i="0"] .lr-text').inner_text().split()[-1]
    # On release the scene takes the new rate (the link says it).
    page.wait_for_function(
        "(lr) => decodeURIComponent(location.search).includes('lr=' + lr)", arg=want,
        timeout=30_000)

    # The arrow keys still move it one step per press (once the scene's new race is drawn).
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page, "#legend .chip")
    slider = frame.locator('#legend .chip[data-i="0"] .lr-slider')
    slider.focus()
    before = _value(frame, 0)
    slider.press("ArrowRight")
    assert _value(frame, 0) == before + 1
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")
    assert _value(frame, 0) == before - 1
    page.screenshot(path=str(ARTIFACTS / f"chips-slider-{'12' if crowded else '4'}.png"))
    context.close()


def _touch(cdp, kind: str, x: float | None = None, y: float | None = None) -> None:
    points = [] if x is None else [{"x": x, "y": y, "id": 1, "radiusX": 4, "radiusY": 4,
                                    "force": 1}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_a_finger_drags_the_chip_slider_and_the_start(app):
    url, browser = app
    context, page, frame = _open(browser, url, 1280, 800, touch=True)
    cdp = context.new_cdp_session(page)
    ox, oy = _frame_origin(page)

    # The chip's rate: a 30 px swipe moves it three or four steps, not thirty.
    frame.locator("body").evaluate(
        "() => { window.__types = []; addEventListener('pointerdown',"
        " e => __types.push(e.pointerType), true); }")
    g = _slider_geometry(frame, 1)
    x, y = ox + g["x"], oy + g["y"]
    _touch(cdp, "touchStart", x, y)
    for dx in range(3, 31, 3):
        _touch(cdp, "touchMove", x + dx, y)
    moved = _value(frame, 1) - g["value"]
    _touch(cdp, "touchEnd")
    assert frame.locator("body").evaluate("() => window.__types") == ["touch"]
    assert 3 <= moved <= 4, moved
    want = frame.locator('#legend .chip[data-i="1"] .lr-text').inner_text().split()[-1]
    page.wait_for_function(
        "(lr) => decodeURIComponent(location.search).includes('opt=momentum;lr=' + lr)",
        arg=want, timeout=30_000)
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page)

    # The start: a finger pressed on the map and dragged moves it, the paths follow while the
    # finger is down, and the scene takes the new start when it lifts.
    start0 = frame.locator("body").evaluate("() => window.__racePlayer.start")
    live0 = frame.locator("body").evaluate("() => window.__racePlayer.liveDrawn")
    drag = frame.locator("#map .nsewdrag").first
    box = drag.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    _touch(cdp, "touchStart", x0, y0)
    for i in range(1, 16):
        _touch(cdp, "touchMove", x0 + box["width"] * 0.025 * i, y0 + box["height"] * 0.02 * i)
        page.wait_for_timeout(40)  # a finger's pace: the player draws between the moves
    page.wait_for_function(
        "() => document.querySelector(\"iframe[title*='player']\").contentWindow"
        ".__racePlayer.liveDrawn > " + str(live0), timeout=10_000)
    dragged = frame.locator("body").evaluate("() => window.__racePlayer.start")
    assert dragged[0] > start0[0] and dragged[1] < start0[1], (start0, dragged)
    _touch(cdp, "touchEnd")
    page.wait_for_function(
        """([x, y]) => {
            const m = location.search.match(/start=([-\\d.e]+)(?:,|%2C)([-\\d.e]+)/);
            return m && Math.abs(+m[1] - x) < 0.01 && Math.abs(+m[2] - y) < 0.01;
        }""", arg=dragged, timeout=30_000)
    context.close()


#: SGD far above 2/L on the ravine: it blows up, its last finite point far off the map, and its
#: last step crosses the map again after its first step left it.
DIVERGING_LINK = "/?surface=ravine&start=2,1.5&steps=100&opt=sgd;lr=0.5&opt=adam;lr=0.1"


def _edge_crossing(xs, ys, rect):
    """Where a path's line last leaves the rectangle ``rect`` (x0, x1, y0, y1): the exit of the
    last step that crosses it."""
    x0, x1, y0, y1 = rect
    for k in range(len(xs) - 2, -1, -1):
        ax, ay, bx, by = xs[k], ys[k], xs[k + 1], ys[k + 1]
        t0, t1 = 0.0, 1.0
        for p, q in ((ax - bx, ax - x0), (bx - ax, x1 - ax), (ay - by, ay - y0),
                     (by - ay, y1 - ay)):
            if p == 0:
                if q < 0:
                    t0, t1 = 1.0, 0.0
                continue
            r = q / p
            if p < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
        if t0 <= t1:
            return ax + t1 * (bx - ax), ay + t1 * (by - ay)
    raise AssertionError("the path never crosses the map")


def test_a_diverged_runs_cross_sits_where_its_path_left_the_map(app):
    url, browser = app
    context, page, frame = _open(browser, url + DIVERGING_LINK, 1600, 1000)
    info = frame.locator("body").evaluate("""() => {
        const S = window.__racePlayer, p = S.paths[0];
        const fl = document.getElementById('map')._fullLayout;
        const n = p.last + 1;
        return {status: S.payload.paths[0].status, xs: Array.from(p.x.slice(0, n)),
                ys: Array.from(p.y.slice(0, n)), xr: fl.xaxis.range, yr: fl.yaxis.range,
                xo: fl.xaxis._offset, xl: fl.xaxis._length, yo: fl.yaxis._offset,
                yl: fl.yaxis._length, marks: S.mapMarks, color: p.color,
                dpr: window.devicePixelRatio};
    }""")
    assert info["status"] == "diverged"
    (x0, x1), (y0, y1) = sorted(info["xr"]), sorted(info["yr"])
    last_x, last_y = info["xs"][-1], info["ys"][-1]
    assert not (x0 <= last_x <= x1 and y0 <= last_y <= y1)  # its last finite point is off the map
    ex, ey = _edge_crossing(info["xs"], info["ys"], (x0, x1, y0, y1))
    px = info["xo"] + (ex - info["xr"][0]) / (info["xr"][1] - info["xr"][0]) * info["xl"]
    py = info["yo"] + (info["yr"][1] - ey) / (info["yr"][1] - info["yr"][0]) * info["yl"]
    mark = next(m for m in info["marks"] if m["racer"] == 0)
    assert mark["cross"]
    assert abs(mark["x"] - px) < 1 and abs(mark["y"] - py) < 1, (mark, px, py)
    # On the map's edge, not in a corner.
    on_x_edge = min(abs(px - info["xo"]), abs(px - info["xo"] - info["xl"])) < 1
    on_y_edge = min(abs(py - info["yo"]), abs(py - info["yo"] - info["yl"])) < 1
    assert on_x_edge != on_y_edge
    # And drawn there, in the run's colour.
    rgb = frame.locator("#map canvas.overlay").evaluate(
        """(c, [x, y, dpr]) => {
            const d = c.getContext('2d').getImageData(Math.round(x * dpr) - 2,
                                                      Math.round(y * dpr) - 2, 5, 5).data;
            const out = [];
            for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] > 200) out.push([d[i], d[i + 1], d[i + 2]]);
            }
            return out;
        }""", [mark["x"], mark["y"], info["dpr"]])
    want = tuple(int(info["color"][k:k + 2], 16) for k in (1, 3, 5))
    assert any(max(abs(a - b) for a, b in zip(c, want, strict=True)) < 40 for c in rgb), rgb
    frame.locator("#map").screenshot(path=str(ARTIFACTS / "chips-diverged-cross.png"))
    context.close()


def test_tuned_and_untuned_racers_say_so_on_their_chips_until_a_rate_is_set_by_hand(app):
    """A link with one racer tuned, one at PyTorch's default marked untuned and one set by
    hand: the chips show "tuned", "PyTorch default, untuned" and nothing; moving the tuned
    chip's rate takes its mark away."""
    from dataclasses import replace

    from scene import Entry, Scene, tune
    from scene.url import to_query_string

    scene = Scene(surface="rosenbrock", start=(-1.2, 1.0), steps=300,
                  optimizers=[Entry("adam"), Entry("lion"), Entry("sgd", hyper={"lr": 1e-3})])
    scene = tune.applied(scene, 0, tune.tune(scene, 0))
    scene = tune.left_default(scene, 1)
    scene = replace(scene, view={"step": None, "arrows": False, "tab": "map"})
    url, browser = app
    context, page, frame = _open(browser, url + "/?" + to_query_string(scene), 1600, 1000)
    marks = frame.locator("body").evaluate("""() => Array.from(
        document.querySelectorAll('#legend .chip')).map(c => {
            const m = c.querySelector('.mark');
            return m ? [m.textContent, m.title] : null; })""")
    assert marks[0][0] == "tuned" and "36 runs of 300 steps" in marks[0][1]
    assert marks[1][0] == "PyTorch default, untuned"
    assert marks[2] is None
    frame.locator(".chip .mark").first.screenshot(path=str(ARTIFACTS / "chip-tuned.png"))
    slider = frame.locator('.chip[data-i="0"] .lr-slider')
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_function("""() => {
        const f = document.querySelector("iframe[title*='player']");
        const c = f && f.contentDocument.querySelector('#legend .chip[data-i="0"]');
        return c && !c.querySelector('.mark');
    }""", timeout=30_000)
    context.close()

"""The app served by ``streamlit run``, driven in headless Chromium: what only a browser shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import (
    FRAME_PATHS_JS,
    PATHS_JS,
    app_in_chromium,
    expect,
    open_lr_slider,
    player_frame,
    player_in,
    step_chip_slider,
    wait_paths_change,
    wait_settled,
    wait_step_change,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def app():
    """One app server and one Chromium for the module: each test opens a page (a session) of
    its own."""
    with app_in_chromium(ARTIFACTS) as served:
        yield served


def _readout_step(frame) -> int:
    text = frame.locator("#readout").inner_text()
    return int(re.search(r"(\d[\d,]*)", text).group(1).replace(",", ""))


def _start_x(page) -> float:
    return float(page.get_by_label("start x").input_value())


def test_app_in_chromium_plays_redraws_and_moves_the_start(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(url, wait_until="domcontentloaded")
    frame = player_frame(page)
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    wait_settled(page)
    page.screenshot(path=str(ARTIFACTS / "app-first-load.png"), full_page=True)
    assert not page.get_by_text("Traceback").count()

    # Play: the step readout advances (Play at the end of a run starts it again from 0).
    at_end = frame.locator("#readout").inner_text()
    frame.locator("#play").click()
    wait_step_change(frame, at_end)  # it starts again from 0
    early = _readout_step(frame)
    wait_step_change(frame)
    wait_step_change(frame)
    later = _readout_step(frame)
    assert later > early
    page.screenshot(path=str(ARTIFACTS / "app-playing.png"))
    frame.locator("#play").click()  # pause
    expect(frame.locator("#play")).not_to_have_text(re.compile(r"^\s*Pause"))

    # A learning-rate change redraws the paths.
    before = page.evaluate(PATHS_JS)
    assert before is not None
    slider = open_lr_slider(page, 4, "Adam")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_function(f"(b) => {{ const now = ({PATHS_JS})(); "
                           "return now !== null && now !== b; }", arg=before,
                           timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "app-lr-changed.png"))

    # A click on the map moves the start point there.
    x_before = _start_x(page)
    drag = frame.locator("#map .nsewdrag").first
    drag.wait_for(state="attached")
    box = drag.bounding_box()
    drag.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.25})
    page.wait_for_function(
        """(x0) => {
            const el = document.querySelector('input[aria-label="start x"]');
            return el && Math.abs(parseFloat(el.value) - x0) > 1e-6;
        }""", arg=x_before, timeout=30_000)
    x_after = _start_x(page)
    assert x_after > x_before  # clicked right of the old start (x = -1.2)
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page)
    page.screenshot(path=str(ARTIFACTS / "app-new-start.png"), full_page=True)
    start = re.search(r"start=([-\d.e]+)(?:,|%2C)([-\d.e]+)", page.url)
    assert start and float(start.group(1)) == pytest.approx(x_after, abs=1e-9)
    page.close()


LIVE_JS = "() => { const f = document.querySelector(\"iframe[title*='player']\"); " \
          "return f.contentWindow.__racePlayer.liveDrawn; }"


def _query_start(page) -> tuple[float, float] | None:
    search = page.evaluate("location.search")
    m = re.search(r"start=([-\d.e]+)(?:,|%2C)([-\d.e]+)", search)
    return (float(m.group(1)), float(m.group(2))) if m else None


def test_drag_on_the_map_and_on_a_chip_moves_every_path_live(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(url, wait_until="domcontentloaded")
    frame = player_frame(page)
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page)
    start_before = _query_start(page)
    paths_before = page.evaluate(PATHS_JS)
    map_before = frame.locator("#map").screenshot()

    # Press on the map and drag: the paths follow while the pointer is still down.
    drag = frame.locator("#map .nsewdrag").first
    box = drag.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x0 + box["width"] * 0.02 * i, y0 + box["height"] * 0.015 * i)
        page.wait_for_timeout(30)  # a hand's pace: the player draws between the moves
    page.wait_for_function(f"(b) => {{ const now = ({PATHS_JS})(); "
                           "return now !== null && now !== b; }", arg=paths_before,
                           timeout=10_000)
    assert page.evaluate(LIVE_JS) > 0
    assert frame.locator("#map").screenshot() != map_before  # pixels changed
    assert _query_start(page) == start_before  # nothing committed while dragging
    page.screenshot(path=str(ARTIFACTS / "app-dragging.png"))
    dragged = frame.locator("body").evaluate("() => window.__racePlayer.start")
    page.mouse.up()

    # On release the start is committed to the scene and the share link.
    page.wait_for_function(
        """([x, y]) => {
            const m = location.search.match(/start=([-\\d.e]+)(?:,|%2C)([-\\d.e]+)/);
            return m && Math.abs(+m[1] - x) < 0.01 && Math.abs(+m[2] - y) < 0.01;
        }""", arg=dragged, timeout=30_000)
    page.wait_for_function(
        """(x) => {
            const el = document.querySelector('input[aria-label="start x"]');
            return el && Math.abs(parseFloat(el.value) - x) < 0.01;
        }""", arg=dragged[0], timeout=30_000)

    # The learning rate on Adam's chip: arrow keys step it, the paths follow, and the
    # scene and the sidebar take the new rate.
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page, "#legend .chip")
    before = page.evaluate(PATHS_JS)
    chip = frame.get_by_role("slider", name="learning rate of Adam")
    chip.focus()
    chip.press("ArrowLeft")
    page.wait_for_function(f"(b) => {{ const now = ({PATHS_JS})(); "
                           "return now !== null && now !== b; }", arg=before,
                           timeout=10_000)
    assert frame.locator(".chip", has_text="Adam").locator(".lr-text").inner_text() == \
        "lr 0.03"
    page.wait_for_function("() => location.search.includes('opt=adam%3Blr%3D0.03')",
                           timeout=30_000)
    page.get_by_text(re.compile(r"^4\. Adam · lr 0\.03")).wait_for(timeout=30_000)
    # The slider keeps the keyboard focus when the scene takes the new rate: the next
    # press goes on stepping it.
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)
    wait_settled(page, "#legend .chip")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('opt=adam%3Blr%3D0.02')",
                           timeout=30_000)
    # A flag that appears on a chip never moves its slider: it comes after it.
    order = frame.locator(".chip").first.evaluate(
        "c => Array.from(c.children).map(e => e.className)")
    assert order.index("lr") < order.index("flag"), order
    page.screenshot(path=str(ARTIFACTS / "app-chip-lr.png"))
    assert not page.get_by_text("Traceback").count()
    page.close()


SURFACE_SIG_JS = """() => {
    const f = document.querySelector("iframe[title*='player']");
    const S = f && f.contentWindow && f.contentWindow.__racePlayer;
    const s = S && S.payload && S.payload.surface;
    return s && s.z ? [s._sig, S.drawnSig === S.sig, s.z.length] : null;
}"""


def test_a_new_surface_is_drawn_without_a_request_for_its_grids(app):
    """A surface's parameter changed in the sidebar: the render that brings the new race
    brings the new surface's grids too, so the page draws it without asking for them."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/live/grid" in r.url else None)
    page.goto(url, wait_until="domcontentloaded")
    player_frame(page)
    slider = page.get_by_role("slider", name=re.compile("valley steepness"))
    slider.wait_for(timeout=60_000)
    page.wait_for_function(f"() => !!({SURFACE_SIG_JS})()", timeout=60_000)
    wait_settled(page)
    first = page.evaluate(SURFACE_SIG_JS)
    assert len(asked) == 1  # the first surface: by its address (the browser keeps it)
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_function(f"(s) => {{ const n = ({SURFACE_SIG_JS})(); "
                           "return !!n && n[0] !== s && n[1]; }", arg=first[0], timeout=30_000)
    now = page.evaluate(SURFACE_SIG_JS)
    assert now[2] == first[2] > 0  # the new surface's grid, decoded
    assert len(asked) == 1, asked
    page.close()


@pytest.mark.parametrize(("w", "h"), [(640, 400), (960, 540)])
def test_an_embedded_page_is_the_player_alone_and_still_live(app, w, h):
    """Streamlit's embed=true, in another site's frame: the map, the player and the legend fill
    the frame (no sidebar, no header, no tabs under the race), a link opens the same scene on
    the full page, and a drag on the map and a chip's slider still redraw every path."""
    url, browser = app
    page = browser.new_page(viewport={"width": w + 40, "height": h + 60})
    page.set_content(f'<iframe id="host" src="{url}/?embed=true&preset=01-momentum-ravine" '
                     f'width="{w}" height="{h}" style="border:0"></iframe>')
    app_frame = page.frame_locator("#host")
    player = app_frame.frame_locator("iframe[title*='player']")
    player.locator("#map .main-svg").first.wait_for(timeout=60_000)
    frame = player_in(page)
    frame.wait_for_function(f"() => ({FRAME_PATHS_JS})() !== null", timeout=60_000)
    page.wait_for_timeout(800)  # the map settles to the frame's height
    page.screenshot(path=str(ARTIFACTS / f"app-embedded-{w}x{h}.png"))
    host = page.locator("#host").bounding_box()
    plot = player.locator("#map .nsewdrag").first.bounding_box()
    assert plot["y"] + plot["height"] <= host["y"] + host["height"] + 1, (plot, host)
    for part in ("#play", "#legend .chip"):
        box = player.locator(part).first.bounding_box()
        assert box["y"] + box["height"] <= host["y"] + host["height"], part
    assert not app_frame.locator("[data-testid='stSidebar']").is_visible()
    assert not app_frame.locator("[data-testid='stHeader']").is_visible()
    assert app_frame.get_by_text("Results").count() == 0
    link = player.locator("#full-page")
    assert link.is_visible()
    href = link.get_attribute("href")
    assert "embed" not in href and "preset=01-momentum-ravine" in href
    assert not player.locator("#loss").is_visible()

    # A drag on the map: every path follows, live.
    before = frame.evaluate(FRAME_PATHS_JS)
    x0, y0 = plot["x"] + plot["width"] * 0.3, plot["y"] + plot["height"] * 0.4
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x0 + plot["width"] * 0.03 * i, y0 + plot["height"] * 0.02 * i)
        page.wait_for_timeout(30)
    page.mouse.up()
    wait_paths_change(frame, before)
    # A chip's learning-rate slider: one step, and the paths follow again.
    page.wait_for_timeout(1500)  # the released drag's run is drawn
    step_chip_slider(frame, player)
    # The address keeps embed=true: the page stays embedded.
    assert "embed=true" in app_frame.locator("body").evaluate("() => location.search")
    page.close()

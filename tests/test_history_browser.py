"""The browser's history in headless Chromium: the address names what the page shows, a preset,
a slide or a surface is an entry of its own, the tweaks after it share one, and Back, Forward
and a reload show the scene the address names."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs

import pytest

from landscapes import SURFACES
from scene.url import from_query
from tests.browser import PATHS_JS, app_in_chromium, open_lr_slider, player_frame

pytestmark = pytest.mark.browser

LINK = "/?surface=booth&steps=200&opt=sgd;lr=0.05&opt=lion;lr=0.03"
LESSON = "/?lesson=ravine-to-flat-minima&slide=1"


@pytest.fixture(scope="module")
def app():
    """One app server and one Chromium for the module: each test opens a page (a session and
    a history) of its own."""
    with app_in_chromium() as served:
        yield served


def _search(page) -> str:
    return page.evaluate("location.search")


def _lr3(lr: float) -> float:
    return float(f"{lr:.3g}")  # as a chip writes it


def _named(page) -> dict:
    """The scene the address names, as the page would show it."""
    scene, _ = from_query(parse_qs(_search(page).removeprefix("?"), keep_blank_values=True))
    return {"surface": SURFACES[scene.surface].title,
            "start": tuple(float(f"{v:.4g}") for v in scene.start_point()),
            "racers": [(label, _lr3(e.full_hyper()["lr"]))
                       for label, e in zip(scene.labels(), scene.optimizers, strict=True)]}


def _shown(page, frame) -> dict:
    """What the page shows: the surface chosen in the sidebar, the start in its fields, and
    each chip's name and learning rate above the map."""
    chips = frame.locator(".chip").evaluate_all(
        "cs => cs.map(c => [c.querySelector('.name').textContent,"
        " (c.querySelector('.lr-text') || {textContent: ''}).textContent])")
    return {"surface": page.get_by_role("combobox", name="Loss surface").input_value(),
            "start": tuple(float(f"{float(page.get_by_label(f'start {c}').input_value()):.4g}")
                           for c in "xy"),
            "racers": [(name, _lr3(float(text.removeprefix("lr ")))) for name, text in chips
                       if text]}


def _settled(page, frame, timeout: float = 45.0) -> dict:
    """What the page shows once it has drawn the scene its address names (two looks in a
    row agree), and the address's query; fails with both when they never agree."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        page.wait_for_timeout(400)  # a poll: look again until two looks agree
        try:
            drawn = page.evaluate(PATHS_JS) is not None
            now = (_search(page), _shown(page, frame), _named(page))
        except Exception:  # noqa: BLE001 - the page is being redrawn: look again
            now, drawn = None, False
        if drawn and now is not None and now[1] == now[2] and now == last:
            return {"search": now[0], "shown": now[1]}
        last = now
        if time.monotonic() > deadline:
            assert now is not None and now[1] == now[2], f"page shows {now and now[1]}, " \
                f"address {now and now[0]} names {now and now[2]}"
            raise AssertionError(f"the page did not settle: {now}")


def _history_length(page) -> int:
    return page.evaluate("history.length")


def _press(page, locator, key: str, times: int, pause_ms: int) -> None:
    locator.focus()
    for _ in range(times):
        locator.press(key)
        page.wait_for_timeout(pause_ms)


def _drag_start(page, frame) -> None:
    """Press on the map and drag: the start follows, and is kept on release."""
    drag = frame.locator("#map .nsewdrag").first
    box = drag.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.35
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x0 + box["width"] * 0.02 * i, y0 + box["height"] * 0.01 * i)
        page.wait_for_timeout(40)  # a hand's pace: the player draws between the moves
    page.mouse.up()


def _choose(page, box_label: str, option: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text=box_label).first.click()
    page.get_by_role("option", name=re.compile(option)).first.click()


def test_back_forward_and_reload_show_the_scene_the_address_names(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(url + LINK, wait_until="domcontentloaded")
    frame = player_frame(page)
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    link = _settled(page, frame)
    assert link["shown"]["surface"] == "Booth"
    assert [lr for _, lr in link["shown"]["racers"]] == [0.05, 0.03]
    opened = _history_length(page)  # the blank tab and the link: the app added nothing

    # A preset is an entry of its own.
    _choose(page, "Preset", "Momentum calms the zig-zag")
    page.wait_for_function("() => location.search.includes('preset=01-momentum-ravine')",
                           timeout=60_000)
    preset = _settled(page, frame)
    assert preset["shown"]["surface"] == "Ill-conditioned ravine"
    assert _history_length(page) == opened + 1

    # Tweaks: a burst of arrow presses on a chip's slider, two on a sidebar slider, a drag
    # of the start. The address follows each, in one entry above the preset's.
    chip = frame.locator(".lr-slider").first
    _press(page, chip, "ArrowRight", 3, 120)  # a burst: quicker than the page redraws
    page.wait_for_function("(s) => location.search !== s", arg=preset["search"],
                           timeout=30_000)
    after_chip = _settled(page, frame)
    assert after_chip["shown"]["racers"][0][1] > preset["shown"]["racers"][0][1]
    second = preset["shown"]["racers"][1][0]
    slider = open_lr_slider(page, 2, re.escape(second.split(" ")[0]))
    slider.focus()
    for _ in range(2):  # each press once the page has taken the one before
        before = _search(page)
        slider.press("ArrowRight")
        page.wait_for_function("(s) => location.search !== s", arg=before, timeout=30_000)
    after_sidebar = _settled(page, frame)
    assert after_sidebar["shown"]["racers"][1][1] > preset["shown"]["racers"][1][1]
    _drag_start(page, frame)
    page.wait_for_function("(s) => location.search !== s", arg=after_sidebar["search"],
                           timeout=30_000)
    tweaked = _settled(page, frame)
    assert tweaked["shown"]["start"] != preset["shown"]["start"]
    assert "preset=" not in tweaked["search"]  # the race is no longer the preset's
    assert _history_length(page) == opened + 2

    # Back: the preset's scene, and the address names it.
    page.go_back()
    back = _settled(page, frame)
    assert back == preset
    # Forward: the tweaked scene again.
    page.go_forward()
    assert _settled(page, frame) == tweaked
    # Back, then reload: the same scene.
    page.go_back()
    assert _settled(page, frame) == preset
    page.reload(wait_until="domcontentloaded")
    frame = player_frame(page)
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    assert _settled(page, frame) == preset
    # Back once more: the link first opened.
    page.go_back()
    assert _settled(page, frame) == link
    assert _history_length(page) == opened + 2  # nothing added on the way
    assert not page.get_by_text("Traceback").count()
    page.close()


def test_steps_are_entries_and_a_tweak_never_leaves_the_app(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(url + LESSON, wait_until="domcontentloaded")
    frame = player_frame(page)
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    slide1 = _settled(page, frame)
    assert "slide=1" in slide1["search"] and "preset=01-momentum-ravine" in slide1["search"]
    opened = _history_length(page)

    # A tweak right after the page opened, then Back: the app, at the scene it opened with.
    _press(page, frame.locator(".lr-slider").first, "ArrowLeft", 1, 0)
    page.wait_for_function("(s) => location.search !== s", arg=slide1["search"],
                           timeout=30_000)
    _settled(page, frame)
    assert _history_length(page) == opened + 1
    page.go_back()
    assert _settled(page, frame) == slide1
    assert page.evaluate("location.origin") == url

    # The lesson's next slide and another surface are entries of their own.
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function("() => location.search.includes('slide=2')", timeout=60_000)
    slide2 = _settled(page, frame)
    assert slide2["shown"]["surface"] == "Rosenbrock"
    assert _history_length(page) == opened + 1  # the tweak's entry was left behind
    _choose(page, "Loss surface", "^Himmelblau$")
    page.wait_for_function("() => location.search.includes('surface=himmelblau')",
                           timeout=60_000)
    himmelblau = _settled(page, frame)
    assert himmelblau["shown"]["surface"] == "Himmelblau"
    assert _history_length(page) == opened + 2
    page.go_back()
    assert _settled(page, frame) == slide2
    page.go_back()
    assert _settled(page, frame) == slide1

    # Should Streamlit's rerun for Back not come, the page sends the address itself.
    page.evaluate("""(search) => {
        const S = window.__optimizerRaceHistory;
        History.prototype.replaceState.call(history, history.state, "", search);
        S.committed = location.pathname + location.search;
        S.awaiting = true;
        S.loadAtPop = S.load;
        S.send("link", {query: location.search});
    }""", LINK.removeprefix("/"))
    sent = _settled(page, frame)
    assert sent["shown"]["surface"] == "Booth"
    assert _history_length(page) == opened + 2
    assert not page.get_by_text("Traceback").count()
    page.close()


def test_back_from_a_short_link_leaves_in_one_press_and_forward_returns(app):
    """A preset's short link opened from another page: the page writes the preset's whole
    scene into the address (Streamlit may add it as an entry of its own before the page's
    script is loaded), and one Back returns to the page before, with no entry in between
    that shows the same scene again or a blank app; Forward shows the preset again."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(url + "/_stcore/health")
    before = page.url
    page.goto(url + "/?preset=08-adam-two-rates", wait_until="domcontentloaded")
    frame = player_frame(page)
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    opened = _settled(page, frame)
    assert "preset=08-adam-two-rates" in opened["search"]
    assert "opt=adam" in opened["search"]  # the whole scene, not only its name
    page.go_back()
    page.wait_for_function("(u) => location.href === u", arg=before, timeout=30_000)
    page.go_forward()
    frame = player_frame(page)
    assert _settled(page, frame)["shown"] == opened["shown"]
    assert not page.get_by_text("Traceback").count()
    page.close()

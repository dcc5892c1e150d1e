"""The stage in headless Chromium: at classroom screen sizes Play, the legend and the whole map
are on screen at once; presentation mode; the page's rough edges."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import chromium, open_lr_slider, player_frame, require_chromium, serve

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = [(1280, 720), (1600, 1000), (1920, 1080)]


@pytest.fixture(scope="module")
def app():
    path = require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with serve() as url, chromium(path) as browser:
        yield url, browser


def _inside(box: dict, w: int, h: int) -> bool:
    """Whether a box (in the page's viewport coordinates) lies wholly on screen."""
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= w + 1 and \
        box["y"] + box["height"] <= h + 1


@pytest.mark.parametrize(("w", "h"), SIZES)
def test_play_legend_and_the_whole_map_fit_the_screen(app, w, h):
    url, browser = app
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(url)
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    page.wait_for_timeout(2500)  # the map settles to the window's height
    play = frame.locator("#play").bounding_box()
    legend = frame.locator("#legend").bounding_box()
    figure = frame.locator("#map .main-svg").first.bounding_box()
    main = page.locator("iframe[title*='player']").bounding_box()  # the main column's width
    page.screenshot(path=str(ARTIFACTS / f"stage-{w}x{h}.png"))
    for name, box in (("Play", play), ("legend", legend), ("map", figure)):
        assert _inside(box, w, h), f"{name} is not on screen at {w}×{h}: {box}"
    assert frame.locator(".chip .value").first.inner_text().startswith("f = ")
    assert figure["width"] >= 0.5 * main["width"], (figure, main)
    assert figure["height"] >= 0.5 * h, (figure, h)
    page.close()


def test_closing_the_sidebar_keeps_the_loss_plot(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    frame = player_frame(page)
    slider = open_lr_slider(page, 4, "Adam")
    for _ in range(3):
        slider.focus()
        slider.press("ArrowRight")
        page.wait_for_timeout(700)
    page.wait_for_timeout(1500)
    page.locator("[data-testid='stSidebarHeader'] button").first.click()
    page.wait_for_timeout(2500)
    assert frame.locator("#loss").bounding_box()["height"] > 200
    page.close()


def test_presentation_mode_from_a_link(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + "/?present=1")
    frame = player_frame(page)
    page.wait_for_timeout(2000)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    figure = frame.locator("#map .main-svg").first.bounding_box()
    page.screenshot(path=str(ARTIFACTS / "stage-present-1280x720.png"))
    assert _inside(figure, 1280, 720) and figure["height"] >= 0.55 * 720
    page.keyboard.press("Space")  # focus is on the page, not the player: still plays
    page.wait_for_timeout(800)
    step = int(re.search(r"step (\d+)", frame.locator("#readout").inner_text()).group(1))
    assert 0 < step < 500
    page.keyboard.press("Escape")
    page.locator("[data-testid='stSidebar']").wait_for(state="visible", timeout=30_000)
    assert "present" not in page.evaluate("location.search")
    page.close()


def test_no_share_to_cloud_button_on_any_plot(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(url)
    frame = player_frame(page)
    frame.locator("#surf .main-svg").first.wait_for(timeout=60_000)
    for plot in ("#map", "#loss", "#surf"):
        frame.locator(plot).first.hover()
        page.wait_for_timeout(300)
        titles = frame.locator(f"{plot} .modebar-btn").evaluate_all(
            "els => els.map(e => e.getAttribute('data-title') || '')")
        assert titles, f"no modebar on {plot}"
        assert not [t for t in titles if "Share" in t or "Cloud" in t], titles
        assert not [t for t in titles if t.startswith("Zoom") and plot == "#map"
                    and "in" not in t and "out" not in t], titles  # no zoom box on the map
    page.close()


ELEVEN = ("/?opt=sgd&opt=sgd;momentum=0.9&opt=rmsprop&opt=adam&opt=adagrad&opt=nadam"
          "&opt=lion;lr=0.0001&opt=adadelta&opt=adamax&opt=radam&opt=rprop")


def test_eleven_racers_leave_the_map_its_height(app):
    """Many racers: the legend packs narrower chips in even columns, so at 1280 × 720 the
    map keeps most of the screen and every chip still shows its learning rate and value."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + ELEVEN)
    frame = player_frame(page)
    frame.locator(".chip .value").nth(10).wait_for()
    page.wait_for_timeout(2500)
    chips = frame.locator(".chip")
    assert chips.count() == 11
    tops = {round(chips.nth(i).bounding_box()["y"]) for i in range(11)}
    assert len(tops) <= 4, f"the legend takes {len(tops)} rows"
    for i in range(11):
        assert chips.nth(i).locator(".value").inner_text().startswith("f = ")
        assert chips.nth(i).locator(".lr-text").is_visible()
    figure = frame.locator("#map .main-svg").first.bounding_box()
    assert _inside(figure, 1280, 720) and figure["height"] >= 0.45 * 720, figure
    page.screenshot(path=str(ARTIFACTS / "stage-eleven-1280x720.png"))
    page.close()


def test_the_map_key_names_where_a_formula_is_not_defined(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + "/?f=log(x)%2By%5E2&opt=adam")
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    assert frame.get_by_text("f is not defined here").is_visible()
    page.goto(url + "/?f=x%5E2%2By%5E2&opt=adam")  # defined everywhere: no such entry
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    page.wait_for_timeout(1000)
    assert frame.get_by_text("f is not defined here").count() == 0
    page.close()


def test_space_after_next_plays_instead_of_pressing_next_again(app):
    """In presentation mode a teacher clicks Next, then presses Space to play: the slide stays
    and the race plays."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + "/?lesson=ravine-to-flat-minima&slide=1&present=1")
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function("location.search.includes('slide=2')", timeout=30_000)
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    page.wait_for_timeout(1500)
    page.keyboard.press("Space")
    page.wait_for_timeout(1500)
    assert "slide=2" in page.evaluate("location.search")  # not pressed again: still slide 2
    assert frame.locator("#play").inner_text().strip().startswith("Pause")
    page.close()

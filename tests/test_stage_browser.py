"""The stage in headless Chromium: at classroom screen sizes Play, the legend and the whole map
are on screen at once; presentation mode; the page's rough edges."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import (
    PATHS_JS,
    app_in_chromium,
    expect,
    open_lr_slider,
    player_frame,
    wait_settled,
    wait_step_change,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = [(1280, 720), (1600, 1000), (1920, 1080)]


@pytest.fixture(scope="module")
def app():
    with app_in_chromium(ARTIFACTS) as served:
        yield served


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
    wait_settled(page)  # the map settles to the window's height
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
        before = page.evaluate(PATHS_JS)
        slider.focus()
        slider.press("ArrowRight")
        page.wait_for_function(f"(b) => {{ const now = ({PATHS_JS})(); "
                               "return now !== null && now !== b; }", arg=before,
                               timeout=30_000)  # the race ran again with the new rate
    wait_settled(page, "#map .main-svg, #loss")
    page.locator("[data-testid='stSidebarHeader'] button").first.click()
    page.locator("[data-testid='stExpandSidebarButton'], "
                 "[data-testid='stSidebarCollapsedControl'] button").first.wait_for()  # closed
    wait_settled(page, "#map .main-svg, #loss")  # the player fits the wider column
    assert frame.locator("#loss").bounding_box()["height"] > 200
    page.close()


def test_presentation_mode_from_a_link(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + "/?present=1")
    frame = player_frame(page)
    wait_settled(page)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    figure = frame.locator("#map .main-svg").first.bounding_box()
    page.screenshot(path=str(ARTIFACTS / "stage-present-1280x720.png"))
    assert _inside(figure, 1280, 720) and figure["height"] >= 0.55 * 720
    page.keyboard.press("Space")  # focus is on the page, not the player: still plays
    expect(frame.locator("#play")).to_have_text(re.compile(r"^\s*Pause"))
    expect(frame.locator("#readout")).to_have_text(re.compile(r"^step ([1-9]|[1-9]\d|[1-4]\d\d) /"))
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
        frame.locator(f"{plot} .modebar-btn").first.wait_for(state="attached")
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
    wait_settled(page, "#map .main-svg, #legend .chip")
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
    page.wait_for_function(f"() => ({PATHS_JS})() !== null", timeout=60_000)  # drawn, key too
    wait_settled(page)
    assert frame.get_by_text("f is not defined here").count() == 0
    page.close()


def test_space_after_next_plays_instead_of_pressing_next_again(app):
    """In presentation mode a teacher clicks Next, then presses Space to play: the slide stays
    and the race plays."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + "/?lesson=ravine-to-flat-minima&slide=1&present=1")
    frame = player_frame(page)
    frame.locator("#readouts .val").first.wait_for()
    frame.locator("#slide-next").click()
    page.wait_for_function("location.search.includes('slide=2')", timeout=30_000)
    frame = player_frame(page)
    frame.locator("#slide-count").filter(has_text="2 / 8").wait_for()
    wait_settled(page)
    page.keyboard.press("Space")
    expect(frame.locator("#play")).to_have_text(re.compile(r"^\s*Pause"))  # it plays
    assert "slide=2" in page.evaluate("location.search")  # not pressed again: still slide 2
    assert frame.locator("#slide-count").inner_text() == "2 / 8"
    page.close()


# --- presentation mode: a stage ------------------------------------------------------------

LESSON = "/?lesson=ravine-to-flat-minima&slide={}&present=1"


def _stage(page, url: str, slide: int):
    page.goto(url + LESSON.format(slide))
    frame = player_frame(page)
    frame.locator("#readouts .val").first.wait_for()
    page.wait_for_function(f"location.search.includes('slide={slide}')", timeout=30_000)
    wait_settled(page, "#map .nsewdrag, #stage-text, #readouts, #play")  # the stage fits
    return frame


def _plot_area(frame) -> dict:
    """The map's plot area (inside its axes), in the page's viewport coordinates."""
    return frame.locator("#map .nsewdrag").first.bounding_box()


def _font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def _uncovered(frame, selector: str) -> bool:
    """Whether the element's centre is the element itself (or inside it): no tooltip, button
    or other layer lies over it."""
    return frame.locator(selector).evaluate("""e => {
        const r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2,
                                              r.top + Math.min(r.height / 2, 12));
        return !!hit && e.contains(hit);
    }""")


@pytest.mark.parametrize(("w", "h"), SIZES)
def test_presentation_mode_is_a_stage(app, w, h):
    """The map as large as its aspect allows, the claim and the lesson whole in large type
    beside it, read-outs, the slide counter and the key hint, nothing covering them, and no
    change on scroll. Every slide at 1280 × 720, the smallest projector; at the larger sizes
    slide 1, the ravine (wider than tall), slide 4, a ravine two and a half times wider than
    tall (its text goes under it), and slide 8, a square map."""
    url, browser = app
    page = browser.new_page(viewport={"width": w, "height": h})
    for slide in range(1, 9) if (w, h) == (1280, 720) else (1, 4, 8):
        frame = _stage(page, url, slide)
        plot = _plot_area(frame)
        page.screenshot(path=str(ARTIFACTS / f"stage-present-{w}x{h}-slide{slide}.png"))
        assert _inside(plot, w, h), plot
        if plot["height"] / plot["width"] < h / w:
            # The limiting side: the width for a map flatter than the screen, else the height.
            assert plot["width"] >= 0.8 * w, (slide, plot)
        else:
            assert plot["height"] >= 0.8 * h, (slide, plot)
        for part in ("#stage-text .claim", "#stage-text .lesson", "#readouts", "#slide-count",
                     "#key-hint", "#play", "#readout"):
            box = frame.locator(part).bounding_box()
            assert box and _inside(box, w, h), (part, box)
            assert _uncovered(frame, part), f"{part} is covered"
        for part in ("#stage-text .claim", "#stage-text .lesson"):
            assert _font_px(frame.locator(part)) >= 20
        text = frame.locator("#stage-text").evaluate("e => [e.scrollHeight, e.clientHeight]")
        assert text[0] <= text[1] + 1, text  # nothing cut
        assert frame.locator("#slide-count").inner_text() == f"{slide} / 8"
        assert "PgDn" in frame.locator("#key-hint").inner_text()
        page.mouse.wheel(0, 300)
        # The point is that nothing moves: give a scroll (and a smooth one) time to show.
        page.wait_for_timeout(800)
        assert _plot_area(frame) == plot, "the map moved or changed size on scroll"
    page.close()


def test_a_wide_map_spans_the_screen_in_presentation_mode(app):
    """A ravine 100 times steeper across than along: the map takes the whole width, the
    claim above it."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url + "/?preset=17-rprop-sign-steps&present=1")
    frame = player_frame(page)
    frame.locator("#readouts .val").first.wait_for()
    wait_settled(page, "#map .nsewdrag, #stage-text")
    plot = _plot_area(frame)
    assert plot["width"] >= 0.8 * 1280 and _inside(plot, 1280, 720), plot
    claim = frame.locator("#stage-text .claim").bounding_box()
    assert _inside(claim, 1280, 720) and claim["y"] + claim["height"] <= plot["y"]
    page.close()


def _readouts(frame) -> list[str]:
    return frame.locator("#readouts .num").all_inner_texts()


def test_read_outs_say_the_claims_numbers(app):
    """Slide 1 claims 30 steps against 120, slide 8 a test loss of 0.46 against 0.025: the
    read-outs beside the caption show the race's own numbers (as the results table computes
    them), and they are the caption's."""
    from scene.presets import load_presets
    from scene.race import DEFAULT_TOL, metrics, simulate

    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    for slide, preset, wanted in ((1, "01-momentum-ravine", ["120", "30"]),
                                  (8, "13-flat-generalizes", ["0.46", "0.025"])):
        frame = _stage(page, url, slide)
        rows = metrics(simulate(load_presets()[preset]), tol=DEFAULT_TOL)
        shown = _readouts(frame)
        caption = frame.locator("#stage-text .claim").inner_text()
        assert len(shown) == len(rows) == 2
        for text, row, number in zip(shown, rows, wanted, strict=True):
            if slide == 1:
                assert text == f"minimum at step {row['steps to minimum']}", text
                assert row["steps to minimum"] == number
            else:
                assert f"test loss {number}" in text and float(number) == pytest.approx(
                    row["test loss"], rel=0.05), (text, row)
            assert re.search(rf"\b{re.escape(number)}\b", caption), (number, caption)
    # Live: at step 0 no run is at the minimum yet.
    frame = _stage(page, url, 1)
    page.keyboard.press("Space")
    expect(frame.locator("#play")).to_have_text(re.compile(r"^\s*Pause"))
    page.keyboard.press("Space")
    expect(frame.locator("#play")).not_to_have_text(re.compile(r"^\s*Pause"))
    frame.locator("#scrub").evaluate("e => { e.value = 0; e.dispatchEvent(new Event('input')); }")
    expect(frame.locator("#readout")).to_have_text(re.compile(r"^step 0 /"))
    expect(frame.locator("#readouts .num")).to_have_text(["not at the minimum"] * 2)
    assert all(t == "not at the minimum" for t in _readouts(frame)), _readouts(frame)
    page.close()


def test_presentation_keys_move_slides(app):
    """PageDown / PageUp (a clicker), the arrows, Home and End move the lesson's slides, with
    the counter; ',' and '.' step the race; D shows the 3-D view."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    frame = _stage(page, url, 1)
    for key, slide in (("PageDown", 2), ("PageUp", 1), ("ArrowRight", 2), ("End", 8),
                       ("ArrowLeft", 7), ("Home", 1)):
        page.keyboard.press(key)
        page.wait_for_function(f"location.search.includes('slide={slide}&') || "
                               f"location.search.endsWith('slide={slide}')", timeout=30_000)
        frame = player_frame(page)
        page.wait_for_function(  # the player shows the new slide's scene
            "() => { const f = document.querySelector(\"iframe[title*='player']\");"
            " const S = f && f.contentWindow.__racePlayer;"
            f" return !!S && !!S.payload && S.payload.stage.lesson.slide === {slide - 1}; }}",
            timeout=30_000)
        assert frame.locator("#slide-count").inner_text() == f"{slide} / 8"
    wait_settled(page)
    before = frame.locator("#readout").inner_text()
    page.keyboard.press(",")
    assert wait_step_change(frame, before) != before
    assert "slide=1" in page.evaluate("location.search")
    page.keyboard.press("d")
    frame.locator("#surf .main-svg").first.wait_for(timeout=60_000)
    assert frame.locator("#pane-surf").is_visible()
    page.close()


SLIDE_SHOWN_JS = """() => { const f = document.querySelector("iframe[title*='player']");
    const S = f && f.contentWindow.__racePlayer;
    const lesson = S && S.payload && S.payload.stage && S.payload.stage.lesson;
    return lesson ? lesson.slide + 1 : null; }"""


def test_a_clicker_pressed_fast_goes_as_many_slides_on(app):
    """Presses that come faster than the page answers each move one slide, and the lesson is
    kept: the page ends on the slide counted, with that slide's scene, its counter and its
    address (an event sent mid-run once carried the sidebar's values from before it, which
    read as a choice of preset and left the lesson)."""
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    frame = _stage(page, url, 1)
    for presses, gap_ms, key, slide in ((6, 40, "PageDown", 7), (4, 120, "PageUp", 3)):
        for _ in range(presses):
            page.keyboard.press(key)
            page.wait_for_timeout(gap_ms)  # a clicker's pace: faster than the page answers
        assert frame.locator("#slide-count").inner_text() == f"{slide} / 8"  # at once
        page.wait_for_function(f"() => ({SLIDE_SHOWN_JS})() === {slide}", timeout=60_000)
        page.wait_for_function(
            "() => document.querySelector('[data-test-script-state]')"
            ".getAttribute('data-test-script-state') !== 'running'", timeout=60_000)
        search = page.evaluate("location.search")
        assert "lesson=ravine-to-flat-minima" in search and f"slide={slide}&" in search
        assert frame.locator("#slide-count").inner_text() == f"{slide} / 8"
    page.close()


# --- normal mode: every preset at 1600×1000 ----------------------------------------------------

PRESETS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "assets" /
                                  "scenes").glob("*.json"))


#: The signature of the scene the player has drawn (None while a newer one is on its way).
DRAWN_SIG_JS = """() => {
    const f = document.querySelector("iframe[title*='player']");
    const S = f && f.contentWindow && f.contentWindow.__racePlayer;
    return S && S.sig && S.drawnSig === S.sig ? S.sig : null;
}"""


def test_every_presets_map_is_large_and_high_on_the_page(app):
    """At 1600×1000 each preset's map is at least 500 px tall or spans its column, wholly on
    screen with Play and the legend, and starts within the top fifth of the screen. The first
    is opened from its link, the others picked in the sidebar's Preset box (the same page as
    their links give, without loading the app again for each)."""
    from scene.presets import load_presets

    url, browser = app
    titles = {name: scene.title for name, scene in load_presets().items()}
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(url + f"/?preset={PRESETS[0]}")
    frame = player_frame(page)
    chooser = page.get_by_role("combobox", name="Preset")
    for i, name in enumerate(PRESETS):
        if i:
            before = page.evaluate(DRAWN_SIG_JS)
            chooser.click()
            # a long list shows only its first options: typing the title brings it up
            page.keyboard.type(titles[name][:24])
            page.get_by_role("option", name=titles[name], exact=True).click()
            page.wait_for_function(f"() => location.search.includes('preset={name}')",
                                   timeout=30_000)
            page.wait_for_function(f"(b) => {{ const s = ({DRAWN_SIG_JS})(); "
                                   "return s !== null && s !== b; }", arg=before,
                                   timeout=30_000)
        frame.locator(".chip .value").first.wait_for()
        wait_settled(page, "#map .main-svg, #pane-map, #legend, #play")
        figure = frame.locator("#map .main-svg").first.bounding_box()
        column = frame.locator("#pane-map").bounding_box()
        for part, box in (("Play", frame.locator("#play").bounding_box()),
                          ("legend", frame.locator("#legend").bounding_box()),
                          ("map", figure)):
            assert _inside(box, 1600, 1000), (name, part, box)
        assert figure["height"] >= 500 or figure["width"] >= column["width"] - 4, (name, figure)
        assert figure["y"] <= 210, (name, figure)
    page.screenshot(path=str(ARTIFACTS / "stage-last-preset-1600x1000.png"))
    page.close()


# --- small screens -------------------------------------------------------------------------------


def _whole(locator) -> bool:
    """Shown and not cut: its text fits its box."""
    return locator.is_visible() and locator.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


@pytest.mark.parametrize(("w", "h"), [(800, 600), (390, 844)])
def test_small_screens_watch_scrub_and_read(app, w, h):
    url, browser = app
    page = browser.new_page(viewport={"width": w, "height": h}, has_touch=w < 500)
    page.goto(url)
    frame = player_frame(page)
    frame.locator(".chip .value").first.wait_for()
    wait_settled(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    if w < 500:  # a phone opens on the race, the sidebar closed
        assert not sidebar.locator("[data-testid='stSidebarUserContent']").is_visible() or \
            sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 1
    else:
        sidebar.hover()  # the close button shows while the pointer is over the sidebar
        page.locator("[data-testid='stSidebarHeader'] button").first.click()
        page.locator("[data-testid='stExpandSidebarButton'], "
                     "[data-testid='stSidebarCollapsedControl'] button").first.wait_for()
        wait_settled(page, "#map .main-svg, #readout, #legend")
    page.screenshot(path=str(ARTIFACTS / f"stage-small-{w}x{h}.png"))
    readout = frame.locator("#readout")
    assert _whole(readout) and _inside(readout.bounding_box(), w, h)
    assert frame.locator("#scrub").is_visible()
    chips = frame.locator(".chip")
    for i in range(chips.count()):
        for part in (".name", ".value"):
            loc = chips.nth(i).locator(part)
            assert _whole(loc) and _inside(loc.bounding_box(), w, 100_000), (i, part)
        assert chips.nth(i).locator(".value").inner_text().startswith("f = ")
    frame.locator("#scrub").evaluate("e => { e.value = 3; e.dispatchEvent(new Event('input')); }")
    expect(frame.locator("#readout")).to_have_text(re.compile(r"^step 3 /"))
    assert frame.locator("#readout").inner_text().startswith("step 3 /")
    # The formula opens whole, within the screen's width.
    page.locator("[data-testid='stExpander'] summary").filter(has_text="Rosenbrock").first.click()
    formula = page.locator("[data-testid='stExpander'] .katex-display").first
    formula.wait_for()
    box = formula.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= w + 1, box
    assert page.evaluate("document.scrollingElement.scrollWidth") <= w + 1  # no sideways page
    # The sidebar opens and closes, and the way back stays on screen each time.
    page.locator("[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapsedControl'] "
                 "button").first.click()
    sidebar.locator("[data-testid='stSidebarUserContent']").wait_for()
    sidebar.hover()
    close = page.locator("[data-testid='stSidebarHeader'] button").first
    close.wait_for()
    assert _inside(close.bounding_box(), w, h)
    close.click()
    reopen = page.locator("[data-testid='stExpandSidebarButton'], "
                          "[data-testid='stSidebarCollapsedControl'] button").first
    reopen.wait_for()
    assert _inside(reopen.bounding_box(), w, h)
    page.close()

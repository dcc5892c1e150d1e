"""The analysis views in a real browser: a preset that opens one keeps the page where it was,
and the basins view draws each racer's path from the race's start."""

from __future__ import annotations

import pytest

from tests.browser import chromium, expect, require_chromium, serve, settled_box, wait_settled

MAIN_SCROLL = "() => document.querySelector('[data-testid=stMain]').scrollTop"


@pytest.fixture(scope="module")
def page():
    require_chromium()
    with serve() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.base = url
        yield page


def _selected_tab(page) -> str:
    return page.evaluate("() => document.querySelector('[data-testid=stTabs] "
                         "[role=tab][aria-selected=true]').textContent")


def test_a_preset_that_opens_a_view_keeps_the_page_where_it_was(page):
    page.goto(page.base + "/")
    page.wait_for_selector('[data-testid="stTabs"] [role="tab"]', timeout=240_000)
    wait_settled(page)
    assert page.evaluate(MAIN_SCROLL) == 0
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Preset").first
    box.click()
    page.keyboard.type("basins on Himmelblau")
    page.keyboard.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stTabs] "
                           "[role=tab][aria-selected=true]')].some(t => "
                           "t.textContent.includes('Basins'))", timeout=120_000)
    # The point is that the page does not move: wait longer than the smooth scroll Streamlit
    # starts would take.
    page.wait_for_timeout(2500)
    assert page.evaluate(MAIN_SCROLL) == 0
    # a tab the reader picks is theirs: the page is not held
    page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTo(0, 300)")
    page.locator('[role="tab"]', has_text="Learning-rate sensitivity").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stTabs] "
                           "[role=tab][aria-selected=true]')].some(t => "
                           "t.textContent.includes('sensitivity'))", timeout=60_000)
    assert "sensitivity" in _selected_tab(page)


def test_the_basins_panels_draw_each_racer_s_path_and_follow_a_click(page):
    link = ("/?surface=himmelblau&start=0,0&steps=200&opt=sgd;lr=0.01&opt=adam;lr=0.1"
            "&view=basins")
    page.goto(page.base + link)
    page.wait_for_selector(".bv-painted .bv-plot img", timeout=240_000)
    paths = page.locator(".bv-path")
    paths.first.wait_for(state="attached", timeout=30_000)
    assert paths.count() == 2  # one per racer, each on its own panel
    before = paths.first.get_attribute("points")
    assert len(before.split()) > 10
    plot = page.locator(".bv-plot").first
    pic = settled_box(page, plot)
    # the cell near (-3.5, -3.5)
    page.mouse.click(pic["x"] + 0.15 * pic["width"], pic["y"] + 0.85 * pic["height"])
    page.wait_for_function("() => new URLSearchParams(location.search).get('start')"
                           ".startsWith('-3.')", timeout=60_000)
    # the view is in a shadow root: read it through the locator
    expect(page.locator(".bv-path").first).not_to_have_attribute("points", before,
                                                                 timeout=30_000)
    now = page.locator(".bv-path").first.get_attribute("points")
    assert now != before, "the path did not follow the click"
    first = now.split()[0]
    x, y = (float(v) for v in first.split(","))
    pic = settled_box(page, plot)
    ring = page.locator(".bv-start").first.bounding_box()
    # the path starts at the start's ring (its coordinates are in the panel's own units)
    assert 0 <= x <= 1 and 0 <= y <= 1
    assert abs(pic["x"] + x * pic["width"] - (ring["x"] + ring["width"] / 2)) < 4
    assert abs(pic["y"] + y * pic["height"] - (ring["y"] + ring["height"] / 2)) < 4

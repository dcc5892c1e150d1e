"""The app served by ``streamlit run``, driven in headless Chromium: what only a browser shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import (
    PATHS_JS,
    chromium,
    open_lr_slider,
    player_frame,
    require_chromium,
    serve,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _readout_step(frame) -> int:
    text = frame.locator("#readout").inner_text()
    return int(re.search(r"(\d[\d,]*)", text).group(1).replace(",", ""))


def _start_x(page) -> float:
    return float(page.get_by_label("start x").input_value())


def test_app_in_chromium_plays_redraws_and_moves_the_start():
    path = require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with serve() as url, chromium(path) as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url, wait_until="domcontentloaded")
        frame = player_frame(page)
        page.get_by_text("Results").first.wait_for(timeout=60_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / "app-first-load.png"), full_page=True)
        assert not page.get_by_text("Traceback").count()

        # Play: the step readout advances (Play at the end of a run starts it again from 0).
        frame.locator("#play").click()
        page.wait_for_timeout(400)
        early = _readout_step(frame)
        page.wait_for_timeout(1200)
        later = _readout_step(frame)
        assert later > early
        page.screenshot(path=str(ARTIFACTS / "app-playing.png"))
        frame.locator("#play").click()  # pause
        page.wait_for_timeout(500)

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
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "app-new-start.png"), full_page=True)
        start = re.search(r"start=([-\d.e]+)(?:,|%2C)([-\d.e]+)", page.url)
        assert start and float(start.group(1)) == pytest.approx(x_after, abs=1e-9)

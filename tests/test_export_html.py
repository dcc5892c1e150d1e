"""The interactive export: one HTML file with the app's player and the race in it, that opens
offline (from ``file://`` and in an ``<iframe>``), asks the network for nothing, plays, and
shows every string of the scene as text."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from export import export_bytes, file_name, format_for_path
from export.formats import FORMATS
from scene import default_scene, from_dict
from scene.presets import load_presets
from tests.browser import chromium, expect, offline_context, require_chromium

ROOT = Path(__file__).resolve().parents[1]
SCENES = sorted((ROOT / "assets" / "scenes").glob("*.json"))

#: A title that would be markup if a page wrote it as HTML.
HOSTILE = "</title><script>window.__owned = 1</script><b>bold</b> & co"

PLAYER_JS = "() => window.__racePlayer && window.__racePlayer.stats.renders > 0"


def test_html_is_a_format_of_its_own():
    fmt = FORMATS["html"]
    assert fmt.kind == "page" and fmt.mime == "text/html"
    assert format_for_path("race.html") == "html"
    scene, _ = from_dict({"surface": "rosenbrock"})
    assert file_name(scene, "html").endswith("-race.html")


@pytest.mark.parametrize("preset", sorted(load_presets()))
def test_every_presets_page_is_under_a_megabyte(preset):
    scene = load_presets()[preset]
    data = export_bytes(scene, "html")
    assert data.startswith(b"<!doctype html>") or data.lower().startswith(b"<!doctype html>")
    assert len(data) < 1_000_000, (preset, len(data))
    # Self-contained: no script, style or image is fetched from anywhere.
    text = data.decode()
    for ref in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert ref not in text, ref


def test_the_file_plays_offline_and_in_an_iframe(tmp_path):
    require_chromium()
    scene = load_presets()["01-momentum-ravine"]
    page_file = tmp_path / "race.html"
    page_file.write_bytes(export_bytes(scene, "html", width=640))
    host = tmp_path / "article.html"
    host.write_text('<!doctype html><p>An article.</p>'
                    '<iframe src="race.html" width="640" height="720"></iframe>')
    with chromium() as browser:
        ctx, asked = offline_context(browser)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(page_file.as_uri())
        page.wait_for_function(PLAYER_JS, timeout=20_000)
        opened = time.perf_counter() - t0
        assert page.locator("#map .main-svg").first.is_visible()
        # The race as written: every racer's path, to its last step.
        player = page.evaluate("() => ({n: __racePlayer.paths.length, pos: __racePlayer.pos,"
                               " steps: __racePlayer.steps})")
        assert player["n"] == 2 and player["pos"] == player["steps"] == scene.steps
        names = page.locator(".chip .name").all_inner_texts()
        assert names == [e.label for e in simulate_labels(scene)]
        # The keys work: Space replays from the start, Space pauses, ← and . step back and on.
        page.keyboard.press("Space")
        page.wait_for_function("() => __racePlayer.playing && __racePlayer.pos > 5",
                               timeout=10_000)
        page.keyboard.press("Space")
        page.wait_for_function("() => !__racePlayer.playing", timeout=5_000)
        at = page.evaluate("() => Math.floor(__racePlayer.pos)")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(f"() => Math.floor(__racePlayer.pos) === {at - 1}", timeout=5_000)
        page.keyboard.press(".")  # as the key hint says: , and . step too
        page.wait_for_function(f"() => Math.floor(__racePlayer.pos) === {at}", timeout=5_000)
        # The scrubber moves the dots: step 50 of 200, the racers' markers where their paths
        # were at step 50, and the step read-out says so.
        page.locator("#scrub").fill("50")
        page.wait_for_function("() => Math.floor(__racePlayer.pos) === 50", timeout=5_000)
        # (the read-out follows on the next animation frame)
        expect(page.locator("#readout")).to_have_text(re.compile(r"^\s*step 50 /"))
        # Hover reads out a point of the map: its x, y and loss.
        box = page.locator("#map .nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.85)
        tip = page.locator(".hoverlayer .hovertext").first
        tip.wait_for(timeout=5_000)
        text = tip.text_content()
        assert "x =" in text and "y =" in text, text
        # The 3-D view is a tab away.
        page.locator(".tab[data-view='surf']").click()
        page.wait_for_function("() => __racePlayer.built.surf", timeout=20_000)
        assert not errors and not asked, (errors, asked)

        # Inside an article's iframe, as wide as the column it is given.
        frame_page = ctx.new_page()
        frame_page.goto(host.as_uri())
        frame = frame_page.frame_locator("iframe")
        frame.locator("#map .main-svg").first.wait_for(timeout=20_000)
        width = frame.locator("#player").evaluate("e => e.getBoundingClientRect().width")
        assert 560 <= width <= 640
        assert not asked, asked
        ctx.close()
    print(f"opened to a painted map in {opened:.2f} s")


def simulate_labels(scene):
    from scene.race import simulate

    return simulate(scene).racers


def test_every_string_of_the_scene_is_text_not_markup(tmp_path):
    require_chromium()
    scene = default_scene()
    racers = [replace(scene.optimizers[0], label="<img src=x onerror='window.__owned=2'>"),
              *scene.optimizers[1:]]
    scene = replace(scene, title=HOSTILE, steps=60, optimizers=racers)
    data = export_bytes(scene, "html")
    assert b"<script>window.__owned" not in data
    out = tmp_path / "hostile.html"
    out.write_bytes(data)
    with chromium() as browser:
        ctx, asked = offline_context(browser)
        page = ctx.new_page()
        page.goto(out.as_uri())
        page.wait_for_function(PLAYER_JS, timeout=20_000)
        assert page.evaluate("() => window.__owned") is None
        assert page.title() == HOSTILE
        assert page.locator("b").count() == 0 and page.locator("img").count() == 0
        assert "<img src=x" in page.locator(".chip .name").first.inner_text()
        ctx.close()


def test_the_cli_writes_a_page_and_refuses_another_figure(tmp_path):
    out = tmp_path / "ravine.html"
    done = subprocess.run([sys.executable, "-m", "export", "?preset=01-momentum-ravine",
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 100_000 and "HTML" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "export", "?preset=01-momentum-ravine",
                          "-o", str(tmp_path / "x.html"), "--figure", "loss"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "--figure" in bad.stderr


def test_the_cli_makes_a_16_9_slide(tmp_path):
    from PIL import Image

    require_chromium()
    png = tmp_path / "slide.png"
    for figure in ("landscape", "loss"):  # a square map: centred on the 16:9 canvas
        done = subprocess.run([sys.executable, "-m", "export", "?preset=07-saddle", "-o",
                               str(png), "--slide", "--figure", figure, "--scale", "1"],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert Image.open(png).size == (1920, 1080), figure
    gif = subprocess.run([sys.executable, "-m", "export", "?preset=07-saddle",
                          "-o", str(tmp_path / "x.gif"), "--slide"],
                         cwd=ROOT, capture_output=True, text=True)
    assert gif.returncode == 2 and "--slide" in gif.stderr

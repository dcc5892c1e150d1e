"""Measure the race player in headless Chromium.

Starts the demo app (``tests/player_demo_app.py``: four 10,000-step paths and
one short diverging path), then prints

* the animation frame rate while playing: redraws per second counted by the
  player's own requestAnimationFrame loop over about three seconds, with the
  Map tab shown, and again with the map and the 3-D view side by side (there
  the rate of 3-D updates is printed too);
* the time to redraw after a new payload: the user clicks the map, the app
  reruns and sends new paths; "client" is the time from the payload's
  arrival in the page to the finished redraw, "round trip" runs from the
  click to the finished redraw.

Usage: ``python bench/bench_player.py [--chromium PATH] [--clicks N]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, chromium_path, serve  # noqa: E402

DEMO = ROOT / "tests" / "player_demo_app.py"


def open_player(page, url: str):
    page.goto(url)
    frame_el = page.wait_for_selector("iframe[title*='race_player']", timeout=60_000)
    frame = frame_el.content_frame()
    frame.wait_for_function(
        "window.__racePlayer && window.__racePlayer.stats.renders >= 1", timeout=60_000
    )
    page.wait_for_timeout(800)
    return frame_el, frame


MEASURE_JS = """async (seconds) => {
  const S = window.__racePlayer;
  // Independent check: how often does the browser run animation frames?
  let ticks = 0, run = true;
  const tick = () => { ticks++; if (run) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const r0 = S.stats.redraws, s0 = S.stats.surfUpdates, p0 = S.pos, t0 = performance.now();
  await new Promise(res => setTimeout(res, seconds * 1000));
  run = false;
  const dt = (performance.now() - t0) / 1000;
  return {
    redraw_fps: (S.stats.redraws - r0) / dt,
    surf_fps: (S.stats.surfUpdates - s0) / dt,
    browser_fps: ticks / dt,
    steps_advanced: S.pos - p0,
    playing: S.playing,
  };
}"""


def measure_playback(frame, seconds: float = 3.0) -> dict:
    frame.evaluate(
        "(() => { if (window.__racePlayer.playing) document.getElementById('play').click(); })()"
    )
    frame.select_option("#speed", "0.25")  # a 10,000-step run then lasts ~32 s
    frame.evaluate(
        "(() => { const s = document.getElementById('scrub'); s.value = 0;"
        " s.dispatchEvent(new Event('input')); })()"
    )
    frame.click("#play")
    frame.wait_for_timeout(500)
    result = frame.evaluate(MEASURE_JS, seconds)
    frame.click("#play")  # pause
    return result


def measure_payload_redraw(page, frame_el, frame, clicks: int) -> tuple[list, list]:
    client, round_trip = [], []
    for i in range(clicks):
        xa = frame.evaluate(
            "(() => { const gd = document.getElementById('map'); const fl = gd._fullLayout;"
            " return {l: fl.xaxis._offset, w: fl.xaxis._length,"
            " t: fl.yaxis._offset, h: fl.yaxis._length}; })()"
        )
        fx, fy = 0.2 + 0.6 * ((i * 0.37) % 1.0), 0.2 + 0.6 * ((i * 0.61) % 1.0)
        box_map = frame.eval_on_selector(
            "#map", "e => { const r = e.getBoundingClientRect(); return {x: r.left, y: r.top}; }"
        )
        box = frame_el.bounding_box()
        before = frame.evaluate("window.__racePlayer.stats.renders")
        t0 = time.perf_counter()
        page.mouse.click(
            box["x"] + box_map["x"] + xa["l"] + fx * xa["w"],
            box["y"] + box_map["y"] + xa["t"] + fy * xa["h"],
        )
        frame.wait_for_function(f"window.__racePlayer.stats.renders > {before}", timeout=60_000)
        # The click is sent after the double-click window (320 ms); leave it out.
        round_trip.append((time.perf_counter() - t0) * 1000 - 320)
        client.append(frame.evaluate("window.__racePlayer.stats.renderMs.slice(-1)[0]"))
        page.wait_for_timeout(300)
    return client, round_trip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=chromium_path())
    parser.add_argument("--clicks", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    with serve(DEMO) as url, chromium(args.chromium) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        frame_el, frame = open_player(page, url)
        meta = frame.evaluate(
            "(() => { const S = window.__racePlayer; return {steps: S.steps,"
            " points: S.paths.map(p => p.n)}; })()"
        )
        print(
            f"scene: {len(meta['points'])} paths, points per path {meta['points']},"
            f" steps {meta['steps']}"
        )

        r = measure_playback(frame, args.seconds)
        print(
            f"Map tab, playing:      {r['redraw_fps']:5.1f} redraws/s "
            f"(browser animation frames {r['browser_fps']:.1f}/s, "
            f"{r['steps_advanced']:.0f} steps in {args.seconds:.0f} s)"
        )

        client, trip = measure_payload_redraw(page, frame_el, frame, args.clicks)
        print(
            f"new payload redraw:    median {statistics.median(client):.0f} ms in the page, "
            f"median {statistics.median(trip):.0f} ms from click to redrawn "
            f"({len(client)} clicks)"
        )
        page.close()

        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        frame_el, frame = open_player(page, url + "/?wide=1")
        frame.wait_for_function("window.__racePlayer.built.surf", timeout=60_000)
        page.wait_for_timeout(1500)
        r = measure_playback(frame, args.seconds)
        print(
            f"Map + 3-D side by side: {r['redraw_fps']:5.1f} redraws/s, "
            f"3-D updates {r['surf_fps']:.1f}/s "
            f"(browser animation frames {r['browser_fps']:.1f}/s)"
        )


if __name__ == "__main__":
    main()

"""The app in headless Chromium: prints figures, asserts nothing.

    python -m bench.bench_app

Serves ``app.py`` with ``streamlit run`` on localhost, warms its caches with one visit, then
measures:

1. time from opening the page to the first drawn figure (the map's paths in the player), in a
   fresh browser context each time (no browser cache), median of 5;
2. time from a learning-rate change (a key press on Adam's slider) to the player having
   drawn the new paths,
   median of 12 changes;
3. bytes the browser receives for the default scene on a first visit: everything (encoded
   size on the wire, as Chromium counts it), split into the page's static files (which the
   browser caches) and the scene's own data (the websocket messages and anything else); the
   static files split again into Streamlit's own front end (which Streamlit serves
   uncompressed; its gzip size is printed too, as a compressing proxy would serve it) and the
   race player with its plotting library; and on a second visit with a warm browser cache.
"""

from __future__ import annotations

import gzip
import re
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import (  # noqa: E402
    PATHS_JS,
    chromium,
    open_lr_slider,
    player_frame,
    serve,
)


def first_figure(browser, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(PATHS_JS, timeout=120_000, polling="raf")
    dt = time.perf_counter() - t
    ctx.close()
    return dt


def redraws(browser, url: str, n: int = 12) -> list[float]:
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(url)
    player_frame(page)
    slider = open_lr_slider(page, 4, "Adam")
    times = []
    for i in range(n):
        before = page.evaluate(PATHS_JS)
        slider.focus()
        t = time.perf_counter()
        slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(f"(b) => {{ const now = ({PATHS_JS})(); "
                               "return now !== null && now !== b; }", arg=before,
                               timeout=60_000, polling="raf")
        times.append(time.perf_counter() - t)
        page.wait_for_timeout(300)
    page.close()
    return times


def traffic(browser, url: str) -> dict:
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes = {"static": 0, "data": 0, "ws": 0, "streamlit": 0, "player": 0}
    kinds: dict[str, str] = {}
    parts: dict[str, str] = {}
    plain: set[str] = set()  # Streamlit's front-end files, which it serves uncompressed

    def on_response(e):
        url_ = e["response"]["url"]
        static = re.search(r"\.(js|css|woff2?|ttf|svg|png|ico|html)(\?|$)", url_) is not None
        kinds[e["requestId"]] = "static" if static else "data"
        if static:
            parts[e["requestId"]] = "player" if "/component/" in url_ else "streamlit"
            headers = {k.lower(): v for k, v in e["response"]["headers"].items()}
            if "/static/" in url_ and not headers.get("content-encoding"):
                plain.add(url_)

    def on_finished(e):
        sizes[kinds.get(e["requestId"], "data")] += e["encodedDataLength"]
        if e["requestId"] in parts:
            sizes[parts[e["requestId"]]] += e["encodedDataLength"]

    def on_ws(e):
        payload = e["response"]["payloadData"]
        size = len(payload) * 3 // 4 if e["response"]["opcode"] == 2 else len(payload)
        sizes["ws"] += size

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.webSocketFrameReceived", on_ws)
    page.goto(url)
    player_frame(page)
    page.wait_for_timeout(3000)
    first = dict(sizes)
    for k in sizes:
        sizes[k] = 0
    page.reload()
    player_frame(page)
    page.wait_for_timeout(3000)
    second = dict(sizes)
    ctx.close()
    # What Streamlit's front end would weigh behind a reverse proxy that compresses it.
    gz = 0
    for u in plain:
        with urllib.request.urlopen(u) as r:
            body = r.read()
        gz += len(gzip.compress(body, 6)) if not u.endswith((".woff2", ".png")) else len(body)
    return {"first": first, "second": second, "streamlit_gzip": gz}


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def main() -> None:
    with serve() as url, chromium() as browser:
        first_figure(browser, url)  # warm the server's caches and compiled kernels
        loads = [first_figure(browser, url) for _ in range(5)]
        print(f"open page → first drawn figure: median {statistics.median(loads):.2f} s "
              f"(runs: {', '.join(f'{x:.2f}' for x in loads)})")
        r = redraws(browser, url)
        print(f"learning-rate change → redrawn paths: median {statistics.median(r) * 1e3:.0f} ms "
              f"over {len(r)} changes (min {min(r) * 1e3:.0f}, max {max(r) * 1e3:.0f})")
        t = traffic(browser, url)
        f, s = t["first"], t["second"]
        print(f"bytes received, first visit: {_mb(f['static'] + f['data'] + f['ws'])} in all = "
              f"{_mb(f['static'])} static files (cached by the browser) + "
              f"{_mb(f['ws'] + f['data'])} scene data")
        print(f"  static files: Streamlit's own front end {_mb(f['streamlit'])} (served "
              f"uncompressed by Streamlit; {_mb(t['streamlit_gzip'])} if a proxy compressed it), "
              f"the race player with its plotting library {_mb(f['player'])}")
        print(f"bytes received, second visit (browser cache warm): "
              f"{_mb(s['static'] + s['data'] + s['ws'])} in all, of which scene data "
              f"{_mb(s['ws'] + s['data'])}")


if __name__ == "__main__":
    main()

"""How fast the app feels in headless Chromium, judged by pixels on screen: prints figures,
asserts nothing.

    python -m bench.bench_live [--root PATH] [--sizes 1600x1000,1280x800]
                               [--only first,drag,lr,surface,preset,bytes] [--data MODEL]

Serves the checkout at ``--root`` (this repository by default) with ``streamlit run`` on
localhost and drives it in headless Chromium, with the sidebar open, at each window size.

How a repaint is seen: a script installed before the page's own scripts
(``add_init_script``) runs a ``requestAnimationFrame`` loop in the page. Each frame it draws
the canvas on which the race player paints the paths over its Plotly map
(``#map canvas.overlay``, in the player's same-origin frame), scaled down to 160×120, into an
offscreen canvas, hashes the pixels and appends ``{t, h}`` (epoch milliseconds) to the player
frame's ``window.__paints`` whenever the hash changes (and the canvas is not blank). So a
repaint counts only when the pixels on screen changed, whatever the player's internal state
says; it is timed to the animation frame in which it is first seen (about 16 ms resolution).
The loop runs in the top page rather than in the player's frame because Chromium does not run
an init script again when a frame's first, empty document hands its window on to the page
loaded into it, as the player's frame does. The same script records the pointer and key events
the player's frame and the top page receive (``pointermove``, ``pointerdown``, ``pointerup``,
``keydown``, ``click``; capture listeners on ``window``) in each one's ``window.__inputs``,
timed by the event's own time stamp (when the browser received the input, so time the input
waits for a busy page counts). Browser and script share the machine's clock.

Measured, at each size:

1. first figure: after one visit to warm the server, the time from starting to open the page,
   in a fresh browser context (no browser cache) each time, to the first repaint of the map
   (the paths drawn); median of 5;
2. dragging on the map from the start point, in the default scene with 1,000 and with 10,000
   steps, once the player has drawn and settled: (a) a continuous drag, a pointer move every
   ~16 ms along a smooth loop across the plot area for 2 s: distinct repaints per second
   between the first move and the release; (b) 20 separate moves, 200 ms apart, each to a
   clearly different point, with the button held: for each move the time to the first repaint
   after it; a move without a repaint before the next move (or, for the last, within 1 s)
   counts as missed. The page is opened afresh before (a), before (b) and for each scene.
   Where the map does not follow a drag (Plotly draws a zoom box), these are 0 repaints/s and
   20 missed moves. Where the 3-D view is on screen, also the time from the release to the
   3-D view showing the new paths (the player's own count of 3-D updates: a WebGL canvas
   cannot be read back);
3. a learning-rate change in the sidebar (Adam's slider, ArrowRight and ArrowLeft in turn):
   time from the key press to the first repaint after it; median of 10, ~800 ms apart;
4. a surface's parameter changed in the sidebar (the default Rosenbrock's valley steepness,
   ArrowLeft ten times, each a surface not shown before): time from the key press until
   both the paths (the overlay's pixels) and the contours (the first animation frame after
   the map's Plotly layers changed) are repainted; median of 10, ~1.5 s apart; where the
   3-D view is on screen, also until it shows the new surface's paths (the player's count);
5. a preset picked from the sidebar's "Preset" box: time from the click on the option to the
   first repaint after it; median over 5 different presets;
6. bytes received on a second visit with the browser cache warm (a new tab in the same
   browser context, after the first visit was drawn and left for 3 s): every response's
   encoded size on the wire, as Chromium counts it, plus the websocket frames; and the same
   for the first visit.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import statistics
import subprocess
import sys
import time
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

IFRAME = "iframe[title*='player']"

#: Installed before the page's scripts (in every frame; it does its work in the top page,
#: reaching into the player's same-origin frame: see the module's docstring).
INIT_JS = r"""
(() => {
  if (window.top !== window || window.__inputs) return;
  const now = () => performance.timeOrigin + performance.now();
  const TYPES = ["pointermove", "pointerdown", "pointerup", "keydown", "click"];
  // Record the inputs a window receives, in window.__inputs, timed by the events' own stamps.
  function listen(w) {
    if (w.__benchDoc === w.document) return;
    for (const [type, fn] of w.__benchHandlers || []) w.removeEventListener(type, fn, true);
    w.__benchDoc = w.document;
    w.__inputs = w.__inputs || [];
    w.__paints = w.__paints || [];
    w.__benchHandlers = TYPES.map((type) => [type, (e) => {
      const t = now();
      let ts = w.performance.timeOrigin + e.timeStamp;
      if (!(ts <= t + 1 && ts > t - 10000)) ts = t;
      w.__inputs.push({type: type, t: ts, handled: t});
    }]);
    for (const [type, fn] of w.__benchHandlers) w.addEventListener(type, fn, true);
  }
  listen(window);
  // Each animation frame: hash the map's overlay canvas, scaled down, and note each change.
  const W = 160, H = 120;
  let small = null, sctx = null, last = null, lastWin = null;
  function tick() {
    requestAnimationFrame(tick);
    const f = document.querySelector("iframe[title*='player']");
    const w = f && f.contentWindow;
    if (!w || !w.document) return;
    listen(w);
    if (w !== lastWin) { lastWin = w; last = null; }
    // The map's Plotly layers (contours, axes): each change of them is noted, in the frame's
    // window.__mapChanges, when the animation frame after it starts (it is painted in it).
    const mapSvg = w.document.querySelector("#map .main-svg");
    if (mapSvg && w.__benchMap !== mapSvg) {
      w.__benchMap = mapSvg;
      w.__mapChanges = w.__mapChanges || [];
      new w.MutationObserver(() => { w.__mapDirty = true; })
        .observe(w.document.getElementById("map"), {subtree: true, childList: true,
                                                     attributes: true, characterData: true});
    }
    if (w.__mapDirty) { w.__mapDirty = false; w.__mapChanges.push(now()); }
    const ov = w.document.querySelector("#map canvas.overlay");
    if (!ov || ov.width < 2 || ov.height < 2) return;
    if (!small) {
      small = document.createElement("canvas");
      small.width = W; small.height = H;
      sctx = small.getContext("2d", {willReadFrequently: true});
    }
    sctx.clearRect(0, 0, W, H);
    sctx.drawImage(ov, 0, 0, W, H);
    const px = new Uint32Array(sctx.getImageData(0, 0, W, H).data.buffer);
    let h = 0x811c9dc5, inked = 0;
    for (let i = 0; i < px.length; i++) {
      const v = px[i];
      if (v !== 0) inked++;
      h = Math.imul(h ^ v, 16777619);
    }
    if (inked > 0 && h !== last) {
      last = h;
      w.__paints.push({t: now(), h: h >>> 0});
    }
  }
  requestAnimationFrame(tick);
})();
"""

#: Repaint times (epoch ms) in the player's frame after ``since``; [] before it exists.
PAINTS_JS = """(since) => {
    const f = document.querySelector("iframe[title*='player']");
    const w = f && f.contentWindow;
    if (!w || !w.__paints) return [];
    return w.__paints.filter(p => p.t > since).map(p => p.t);
}"""

#: Times (epoch ms) of the animation frames after ``since`` that painted a change of the map's
#: Plotly layers (the contours, the axes).
MAP_CHANGES_JS = """(since) => {
    const f = document.querySelector("iframe[title*='player']");
    const w = f && f.contentWindow;
    if (!w || !w.__mapChanges) return [];
    return w.__mapChanges.filter(t => t > since);
}"""

#: Inputs in the player's frame (where="player") or the top page, after ``since``.
INPUTS_JS = """([where, since]) => {
    let w = window;
    if (where === "player") {
        const f = document.querySelector("iframe[title*='player']");
        w = f && f.contentWindow;
    }
    if (!w || !w.__inputs) return [];
    return w.__inputs.filter(e => e.t > since);
}"""

#: The start point's position in the player's frame (client px), or null.
START_JS = """() => {
    const gd = document.getElementById("map"), S = window.__racePlayer;
    const fl = gd && gd._fullLayout;
    if (!fl || !fl.xaxis || !S || !S.payload || !S.payload.start) return null;
    const r = gd.getBoundingClientRect(), xa = fl.xaxis, ya = fl.yaxis;
    return [r.left + xa._offset + xa.l2p(S.payload.start[0]),
            r.top + ya._offset + ya.l2p(S.payload.start[1])];
}"""


def epoch_ms() -> float:
    return time.time() * 1000


def paints(page, since: float = 0.0) -> list[float]:
    return page.evaluate(PAINTS_JS, since)


def inputs(page, where: str, since: float, kind: str) -> list[float]:
    return [e["t"] for e in page.evaluate(INPUTS_JS, [where, since]) if e["type"] == kind]


def first_paint_after(page, since: float, timeout: float = 30_000) -> float | None:
    """Epoch ms of the first repaint after ``since``, waiting up to ``timeout`` ms."""
    try:
        page.wait_for_function(f"(s) => ({PAINTS_JS})(s).length > 0", arg=since,
                               timeout=timeout, polling=20)
    except Exception:  # noqa: BLE001 - no repaint
        return None
    p = paints(page, since)
    return p[0] if p else None


def settle(page, quiet: float = 1000, cap: float = 10_000) -> None:
    """Wait until the player has drawn the current scene and the map has not been repainted
    for ``quiet`` ms (at most ``cap`` ms)."""
    page.wait_for_function(PATHS_JS, timeout=120_000, polling=50)
    end = time.monotonic() + cap / 1000
    while time.monotonic() < end:
        p = paints(page)
        if p and epoch_ms() - p[-1] >= quiet:
            return
        page.wait_for_timeout(100)


#: Page loads on which the player stayed blank (it was never given its scene) and that were
#: opened again.
BLANK: list[str] = []


def load(page, url: str, tries: int = 3, timeout: float = 45_000) -> None:
    """Open ``url`` and wait for the player's first drawing; open it again (up to ``tries``
    times in all) when the player stays blank for ``timeout`` ms."""
    for i in range(tries):
        page.goto(url)
        try:
            player_frame(page, timeout=timeout)
            page.wait_for_function(PATHS_JS, timeout=timeout, polling=50)
            return
        except Exception:  # noqa: BLE001 - a blank player: count it and load again
            if i == tries - 1:
                raise
            BLANK.append(url)


def open_scene(browser, size: tuple[int, int], url: str, timeout: float = 45_000):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    ctx.add_init_script(INIT_JS)
    page = ctx.new_page()
    load(page, url, timeout=timeout)
    settle(page)
    return ctx, page


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def p90(xs: list[float]) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


# ------------------------------------------------------------------------- measurements

def first_figure(browser, size, url: str, tries: int = 3) -> float:
    for i in range(tries):
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        ctx.add_init_script(INIT_JS)
        page = ctx.new_page()
        t0 = epoch_ms()
        page.goto(url, wait_until="commit")
        try:
            page.wait_for_function(f"() => ({PAINTS_JS})(0).length > 0", timeout=60_000,
                                   polling=20)
            return paints(page)[0] - t0
        except Exception:  # noqa: BLE001 - a blank player: count it and measure again
            if i == tries - 1:
                raise
            BLANK.append(url)
        finally:
            ctx.close()
    raise AssertionError("unreachable")


def plot_area(page) -> dict:
    """The map's plot area in page coordinates (scrolled into view, clipped to the window),
    and the start point in it."""
    frame = page.frame_locator(IFRAME)
    drag = frame.locator("#map .nsewdrag").first
    drag.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = drag.bounding_box()
    if box is None:  # fall back on the overlay canvas less the map's margins
        ov = frame.locator("#map canvas.overlay").first.bounding_box()
        box = {"x": ov["x"] + 64, "y": ov["y"] + 12, "width": ov["width"] - 190,
               "height": ov["height"] - 68}
    vp = page.viewport_size
    x0, y0 = max(box["x"], 0), max(box["y"], 0)
    x1 = min(box["x"] + box["width"], vp["width"])
    y1 = min(box["y"] + box["height"], vp["height"])
    area = {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}
    start = None
    with contextlib.suppress(Exception):
        start = frame.locator("#map").evaluate(f"() => ({START_JS})()")
    ibox = page.locator(IFRAME).bounding_box()
    if start and ibox:
        sx, sy = ibox["x"] + start[0], ibox["y"] + start[1]
        if x0 + 4 <= sx <= x1 - 4 and y0 + 4 <= sy <= y1 - 4:
            area["start"] = (sx, sy)
    area.setdefault("start", (x0 + area["w"] * 0.3, y0 + area["h"] * 0.4))
    return area


def _loop_point(area: dict, s: float) -> tuple[float, float]:
    """A smooth path: from the start point onto a loop around the plot area's centre."""
    cx, cy = area["x"] + area["w"] / 2, area["y"] + area["h"] / 2
    sx, sy = area["start"]
    a = 2 * math.pi * s / 2.0
    ex, ey = cx + 0.35 * area["w"] * math.cos(a + math.pi), cy + 0.35 * area["h"] * math.sin(a)
    k = min(1.0, s / 0.4)
    k = k * k * (3 - 2 * k)
    return sx + (ex - sx) * k, sy + (ey - sy) * k


def drag_continuous(browser, size, url: str, seconds: float = 2.0) -> dict:
    ctx, page = open_scene(browser, size, url)
    area = plot_area(page)
    page.mouse.move(*area["start"])
    page.wait_for_timeout(200)
    t_down = epoch_ms()
    page.mouse.down()
    t0 = time.perf_counter()
    n = 0
    while (s := time.perf_counter() - t0) < seconds:
        page.mouse.move(*_loop_point(area, s))
        n += 1
        wait = t0 + n * 0.016 - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
    surf_before = page.evaluate(SURF_UPDATES_JS)
    page.mouse.up()
    t_release = time.perf_counter()
    surf_ms = None
    if surf_before is not None:  # the 3-D view is on screen: how soon it shows the new paths
        try:
            page.wait_for_function(f"(b) => {{ const n = ({SURF_UPDATES_JS})(); "
                                   "return n !== null && n > b; }", arg=surf_before,
                                   timeout=5000, polling=10)
            surf_ms = (time.perf_counter() - t_release) * 1000
        except Exception:  # noqa: BLE001 - not updated within 5 s
            surf_ms = math.inf
    page.wait_for_timeout(300)
    moves = inputs(page, "player", t_down - 5, "pointermove")
    ups = inputs(page, "player", t_down - 5, "pointerup")
    t_first = moves[0] if moves else t_down
    t_up = ups[0] if ups else epoch_ms()
    got = [t for t in paints(page, t_first) if t <= t_up]
    dur = max(t_up - t_first, 1.0) / 1000
    ctx.close()
    return {"rate": len(got) / dur, "moves": len(moves) / dur, "paints": len(got), "dur": dur,
            "surf_ms": surf_ms}


#: How many times the player has redrawn its 3-D view's paths (None while the 3-D view is not
#: on screen): the WebGL canvas cannot be read back, so this is the player's own count.
SURF_UPDATES_JS = """() => {
    const f = document.querySelector("iframe[title*='player']");
    const S = f && f.contentWindow && f.contentWindow.__racePlayer;
    if (!S || !S.wide || !S.built || !S.built.surf) return null;
    return S.stats.surfUpdates;
}"""


def drag_moves(browser, size, url: str, n: int = 20, gap: float = 0.2) -> dict:
    ctx, page = open_scene(browser, size, url)
    area = plot_area(page)
    cx, cy = area["x"] + area["w"] / 2, area["y"] + area["h"] / 2
    page.mouse.move(*area["start"])
    page.wait_for_timeout(200)
    t_down = epoch_ms()
    page.mouse.down()
    page.wait_for_timeout(300)
    sent = []
    t0 = time.perf_counter()
    for k in range(n):
        wait = t0 + k * gap - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        a = 2.4 * k  # the golden angle: every point far from the one before
        sent.append(epoch_ms())
        page.mouse.move(cx + 0.3 * area["w"] * math.cos(a), cy + 0.3 * area["h"] * math.sin(a))
    page.wait_for_timeout(1000)
    page.mouse.up()
    page.wait_for_timeout(200)
    moves = inputs(page, "player", t_down, "pointermove")
    ups = inputs(page, "player", t_down, "pointerup")
    # The in-frame time of each move: the first pointermove the frame saw after it was sent.
    times = []
    for k, ts in enumerate(sent):
        nxt = sent[k + 1] if k + 1 < n else math.inf
        seen = [m for m in moves if ts - 5 <= m < nxt]
        times.append(seen[0] if seen else ts)
    t_up = ups[0] if ups else epoch_ms()
    got = paints(page, t_down)
    lat, missed = [], 0
    for k, ts in enumerate(times):
        end = times[k + 1] if k + 1 < n else min(ts + 1000, t_up)
        after = [p for p in got if ts < p <= end]
        if after:
            lat.append(after[0] - ts)
        else:
            missed += 1
    ctx.close()
    return {"lat": lat, "missed": missed, "n": n}


def lr_changes(browser, size, url: str, n: int = 10) -> dict:
    ctx, page = open_scene(browser, size, url)
    slider = open_lr_slider(page, 4, "Adam")
    settle(page)
    lat, missed = [], 0
    for i in range(n):
        slider.focus()
        t0 = epoch_ms()
        slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        keys = inputs(page, "top", t0 - 5, "keydown")
        tk = keys[0] if keys else t0
        tp = first_paint_after(page, tk, timeout=30_000)
        if tp is None:
            missed += 1
        else:
            lat.append(tp - tk)
        page.wait_for_timeout(800)
    ctx.close()
    return {"lat": lat, "missed": missed}


def surface_changes(browser, size, url: str, n: int = 10) -> dict:
    """The default surface's parameter slider in the sidebar (Rosenbrock's valley steepness),
    ArrowLeft ``n`` times, ~1.5 s apart, so that each press asks for a surface the page has not
    shown before (its grid is computed and sent): for each key press, the time to the first
    repaint of the paths and to the first painted change of the map's contours; the change is
    on screen when both are (and, where the 3-D view is on screen, when it shows the new
    surface's paths: the player's own count)."""
    ctx, page = open_scene(browser, size, url)
    slider = page.get_by_role("slider", name=re.compile("valley steepness"))
    slider.wait_for(timeout=30_000)
    settle(page)
    paths, contours, both, surf, missed = [], [], [], [], 0
    for _ in range(n):
        slider.focus()
        surf_before = page.evaluate(SURF_UPDATES_JS)
        t0 = epoch_ms()
        slider.press("ArrowLeft")
        keys = inputs(page, "top", t0 - 5, "keydown")
        tk = keys[0] if keys else t0
        tp = first_paint_after(page, tk, timeout=30_000)
        try:
            page.wait_for_function(f"(s) => ({MAP_CHANGES_JS})(s).length > 0", arg=tk,
                                   timeout=30_000, polling=20)
            tc = page.evaluate(MAP_CHANGES_JS, tk)[0]
        except Exception:  # noqa: BLE001 - the contours did not change
            tc = None
        if tp is None or tc is None:
            missed += 1
        else:
            paths.append(tp - tk)
            contours.append(tc - tk)
            both.append(max(tp, tc) - tk)
        if surf_before is not None:
            try:
                page.wait_for_function(f"(b) => {{ const n = ({SURF_UPDATES_JS})(); "
                                       "return n !== null && n > b; }", arg=surf_before,
                                       timeout=10_000, polling=10)
                surf.append(epoch_ms() - tk)
            except Exception:  # noqa: BLE001 - not updated within 10 s
                surf.append(math.inf)
        settle(page, quiet=600, cap=5000)
        page.wait_for_timeout(500)
    ctx.close()
    return {"paths": paths, "contours": contours, "both": both, "surf": surf,
            "missed": missed, "n": n}


def preset_switches(browser, size, url: str, n: int = 5) -> dict:
    ctx, page = open_scene(browser, size, url)
    box = page.get_by_role("combobox", name="Preset")
    box.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    titles = [t.strip() for t in options.all_inner_texts()][1:n + 1]  # the first is "custom"
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    lat, names = [], []
    for title in titles:
        box.click()
        opt = page.get_by_role("option", name=title, exact=True)
        opt.wait_for(timeout=10_000)
        t0 = epoch_ms()
        opt.click()
        clicks = inputs(page, "top", t0 - 5, "click")
        tc = clicks[0] if clicks else t0
        tp = first_paint_after(page, tc, timeout=60_000)
        names.append(title)
        lat.append(math.nan if tp is None else tp - tc)
        settle(page)
    ctx.close()
    return {"lat": lat, "names": names}


def traffic(browser, size, url: str) -> dict:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    ctx.add_init_script(INIT_JS)
    visits = []
    for _ in range(2):
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes = {"http": 0, "ws": 0}

        def on_finished(e, sizes=sizes):
            sizes["http"] += e["encodedDataLength"]

        def on_ws(e, sizes=sizes):
            payload = e["response"]["payloadData"]
            sizes["ws"] += len(payload) * 3 // 4 if e["response"]["opcode"] == 2 else len(payload)

        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.webSocketFrameReceived", on_ws)
        page.goto(url)
        player_frame(page, timeout=60_000)
        page.wait_for_function(PATHS_JS, timeout=60_000, polling=50)
        page.wait_for_timeout(3000)
        visits.append(dict(sizes))
        cdp.detach()
        page.close()
    ctx.close()
    return {"first": visits[0], "second": visits[1]}


# ----------------------------------------------------------------------------- running

def scene_query(root: Path, steps: int, data: str = "") -> str:
    """The default scene with ``steps`` steps as a share-URL query, written by the served
    checkout's own ``scene`` package (run in a separate Python, so the two never mix); with
    ``data`` (a model), its racers on that model's data surface at batch 32 instead."""
    code = ("import sys; from dataclasses import replace; from scene import default_scene; "
            "from scene.url import to_query_string; s = default_scene(); "
            "s = s if not sys.argv[2] else replace(s, surface='data', start=None, batch=32, "
            "surface_params={'model': sys.argv[2]}); "
            "print(to_query_string(replace(s, steps=int(sys.argv[1]))))")
    out = subprocess.run([sys.executable, "-c", code, str(steps), data], cwd=root, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def _ms(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.0f}"


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def run_size(browser, size, url: str, queries: dict[int, str], only: set[str]) -> None:
    tag = f"{size[0]}×{size[1]}"

    def say(text: str) -> None:
        print(f"{tag}  {text}", flush=True)

    def attempt(name: str, fn) -> None:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - a benchmark reports and goes on
            say(f"{name}: failed ({type(e).__name__}: {str(e).splitlines()[0][:160]})")

    if "first" in only:
        def first():
            runs = [first_figure(browser, size, url) / 1000 for _ in range(5)]
            say(f"first figure (warm server, fresh browser): median {median(runs):.2f} s "
                f"(runs {', '.join(f'{x:.2f}' for x in runs)})")
        attempt("first figure", first)
    if "drag" in only:
        for steps, q in queries.items():
            def drag(steps=steps, q=q):
                c = drag_continuous(browser, size, f"{url}/?{q}")
                m = drag_moves(browser, size, f"{url}/?{q}")
                lat = m["lat"]
                moved = (f"move→repaint median {_ms(median(lat))} ms (p90 {_ms(p90(lat))}, "
                         f"{m['missed']} of {m['n']} missed)" if lat
                         else f"move→repaint: no repaint ({m['missed']} of {m['n']} missed)")
                surf = ("" if c["surf_ms"] is None else
                        f"; 3-D view current {_ms(c['surf_ms'])} ms after release")
                say(f"drag {steps:,} steps: {c['rate']:.1f} repaints/s "
                    f"({c['paints']} in {c['dur']:.2f} s, {c['moves']:.0f} moves/s); {moved}"
                    + surf)
            attempt(f"drag {steps:,} steps", drag)
    if "lr" in only:
        def lr():
            r = lr_changes(browser, size, url)
            lat = r["lat"]
            say(f"learning-rate key → repaint: median {_ms(median(lat))} ms "
                f"(p90 {_ms(p90(lat))}, min {_ms(min(lat, default=math.nan))}, "
                f"max {_ms(max(lat, default=math.nan))}; {r['missed']} of 10 missed)")
        attempt("learning-rate change", lr)
    if "surface" in only:
        def surface():
            r = surface_changes(browser, size, url)
            surf = (f"; 3-D view current: median {_ms(median(r['surf']))} ms"
                    if r["surf"] else "")
            say(f"surface-parameter key → paths and contours repainted: median "
                f"{_ms(median(r['both']))} ms (p90 {_ms(p90(r['both']))}; paths "
                f"{_ms(median(r['paths']))}, contours {_ms(median(r['contours']))}; "
                f"{r['missed']} of {r['n']} missed)" + surf)
        attempt("surface-parameter change", surface)
    if "preset" in only:
        def preset():
            r = preset_switches(browser, size, url)
            ok = [x for x in r["lat"] if not math.isnan(x)]
            say(f"preset → new map painted: median {_ms(median(ok))} ms "
                f"(runs {', '.join(_ms(x) for x in r['lat'])})")
        attempt("preset switch", preset)
    if "bytes" in only:
        def nbytes():
            t = traffic(browser, size, url)
            f, s = t["first"], t["second"]
            say(f"bytes, second visit (warm browser cache): {_mb(s['http'] + s['ws'])} "
                f"(http {_mb(s['http'])} + websocket {_mb(s['ws'])}); first visit "
                f"{_mb(f['http'] + f['ws'])} (http {_mb(f['http'])} + websocket "
                f"{_mb(f['ws'])})")
        attempt("bytes", nbytes)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout of the app to serve")
    ap.add_argument("--sizes", default="1600x1000,1280x800", help="window sizes, WxH,WxH")
    ap.add_argument("--only", default="first,drag,lr,surface,preset,bytes",
                    help="measurements to run: first,drag,lr,surface,preset,bytes")
    ap.add_argument("--data", default="",
                    help="drag on this model's data surface (linear, logistic, product, tanh) "
                         "at batch 32 instead of the default scene")
    ap.add_argument("--fair", action="store_true",
                    help="drag with the fair race on: every answer tunes the racers to the "
                         "dragged start")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    sizes = [tuple(int(v) for v in re.split("[x×]", s.strip())) for s in args.sizes.split(",")]
    only = {s.strip() for s in args.only.split(",")}
    queries = ({n: scene_query(root, n, args.data) for n in (1000, 10_000)} if "drag" in only
               else {})
    if args.fair:
        queries = {n: q + "&tune=mean/fair" for n, q in queries.items()}
    print(f"serving {root.name} at commit {_head(root)}", flush=True)
    t0 = time.monotonic()
    with serve(root / "app.py", cwd=root) as url, chromium() as browser:
        # Warm the server: compiled kernels (a first run may compile them for minutes),
        # cached surfaces and both drag scenes.
        for q in ["", *(f"/?{q}" for q in queries.values())]:
            ctx, _ = open_scene(browser, (1600, 1000), url + q, timeout=240_000)
            ctx.close()
        for size in sizes:
            run_size(browser, size, url, queries, only)
    if BLANK:
        print(f"note: the player stayed blank (never drew its scene) on {len(BLANK)} page "
              "load(s), which were opened again")
    print(f"({time.monotonic() - t0:.0f} s in all)")


def _head(root: Path) -> str:
    out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                            "--untracked-files=no"], capture_output=True, text=True)
    return (out.stdout.strip() or "?") + (" + uncommitted changes" if dirty.stdout.strip()
                                          else "")


if __name__ == "__main__":
    main()

"""Helpers for tests and benchmarks that drive the app in headless Chromium.

``serve(script)`` starts ``streamlit run`` on a free localhost port and stops it afterwards;
``chromium()`` launches Debian's Chromium through Playwright. Browser tests skip when Chromium
is missing on a developer's machine, but fail when the environment variable ``CI`` is "true".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    return None


def require_chromium():
    """Skip the calling test without Chromium, unless running in CI (then fail)."""
    import pytest

    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("playwright is not installed (pip install -r requirements-dev.txt)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(script: str | Path = ROOT / "app.py", timeout: float = 90.0,
          cwd: str | Path | None = None):
    """Run ``streamlit run script`` on localhost (in ``cwd``, this repository by default);
    yield its base URL; stop it afterwards (with everything it started)."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=cwd or ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                out = log.read().decode(errors="replace")
                raise RuntimeError(f"streamlit did not start:\n{out[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@contextlib.contextmanager
def chromium(path: str | None = None):
    """A headless Chromium browser (Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path or chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def app_in_chromium(artifacts: Path | None = None):
    """The app served on a free port and a Chromium to open it in, as ``(url, browser)``;
    skips without Chromium (except in CI). ``artifacts``: a folder for screenshots, made."""
    path = require_chromium()
    if artifacts is not None:
        artifacts.mkdir(exist_ok=True)
    with serve() as url, chromium(path) as browser:
        yield url, browser


#: A signature of the paths the race player has drawn on its map (None until the paths of
#: the latest scene are painted): it changes when the player draws new paths.
PATHS_JS = """() => {
    const f = document.querySelector("iframe[title*='player']");
    const S = f && f.contentWindow && f.contentWindow.__racePlayer;
    if (!S || !S.stats.renders || !S.paths || !S.paths.length) return null;
    if (S.drawnSig !== S.sig) return null;
    return JSON.stringify(S.paths.map(p => [p.x.length, p.x[p.x.length - 1],
                                            p.y[p.y.length - 1]]));
}"""


def player_frame(page, timeout: float = 60_000):
    """The race player's iframe, once its map has been drawn."""
    page.wait_for_selector("iframe[title*='player']", timeout=timeout)
    frame = page.frame_locator("iframe[title*='player']")
    frame.locator("#map .main-svg").first.wait_for(timeout=timeout)
    return frame


def open_lr_slider(page, position: int, title: str):
    """Open one optimizer's panel in the sidebar and return its learning-rate slider."""
    page.get_by_text("Results").first.wait_for(timeout=60_000)
    panel = page.get_by_text(re.compile(rf"^{position}\. {title}"))
    slider = page.get_by_role("slider", name=re.compile("learning rate")).first
    for _ in range(3):
        if not slider.is_visible():
            panel.click()  # an open panel draws its widgets after a rerun
        try:
            slider.wait_for(timeout=15_000)
            return slider
        except Exception:  # noqa: BLE001 - try the click again
            continue
    slider.wait_for(timeout=5_000)
    return slider


def settled_box(page, locator, quiet_ms: int = 300, timeout: float = 18_000) -> dict:
    """``locator``'s box once it is on screen and has stopped moving (the race above an
    analysis view may still be growing the page when the view first paints): the same box for
    ``quiet_ms``, polled every 100 ms; the last box seen when it never settles."""
    deadline = time.monotonic() + timeout / 1000
    box, since = None, time.monotonic()
    while True:
        locator.scroll_into_view_if_needed()
        now = locator.bounding_box()
        if now is None or now != box:
            box, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_ms / 1000:
            return box
        if time.monotonic() > deadline:
            return box
        time.sleep(0.1)


#: True once the player's iframe (in the page) and the elements ``sel`` inside it have kept the
#: same boxes for ``quiet`` ms; polled, it keeps what it saw on ``window``.
SETTLED_JS = """([sel, quiet]) => {
    const f = document.querySelector("iframe[title*='player']");
    const doc = f && f.contentDocument;
    if (!doc) return false;
    const els = [f, ...doc.querySelectorAll(sel)];
    if (els.length < 2) return false;
    const key = JSON.stringify(els.map(e => {
        const r = e.getBoundingClientRect();
        return [r.x, r.y, r.width, r.height];
    }));
    const now = performance.now(), seen = window.__settled || (window.__settled = {});
    if (!seen[sel] || seen[sel].key !== key) {
        seen[sel] = {key, since: now};
        return false;
    }
    return now - seen[sel].since >= quiet;
}"""


def wait_settled(page, selector: str = "#map .main-svg, #legend, #play", quiet_ms: int = 600,
                 timeout: float = 30_000) -> None:
    """Wait until the player's frame and ``selector`` in it have stopped moving: the map
    settles to the window's height after the first paint and after each resize of the frame.
    A condition, not a fixed wait: it returns once the boxes have kept still for
    ``quiet_ms``."""
    page.evaluate("() => { window.__settled = {}; }")
    page.wait_for_function(SETTLED_JS, arg=[selector, quiet_ms], polling=100, timeout=timeout)


def expect(target, *args, **kwargs):
    """Playwright's ``expect`` (imported when first used, so that this module loads without
    Playwright): an assertion that waits for its condition."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target, *args, **kwargs)


def wait_step_change(frame, before: str | None = None, timeout: float = 30_000) -> str:
    """Wait until the player's step read-out differs from ``before`` (its text now when None);
    return the new text."""
    readout = frame.locator("#readout")
    if before is None:
        before = readout.inner_text()
    expect(readout).not_to_have_text(before, timeout=timeout)
    return readout.inner_text()


#: The race player's paths, read in whichever frame of the page holds it (an embedded app is
#: a frame in another page: the player is a frame within that one).
FRAME_PATHS_JS = """() => {
    const S = window.__racePlayer;
    if (!S || !S.paths || !S.paths.length || S.drawnSig !== S.sig) return null;
    return JSON.stringify(S.paths.map(p => [p.x.length, p.x[p.x.length - 1],
                                            p.y[p.y.length - 1]]));
}"""


def player_in(page):
    """The race player's frame, wherever it is nested."""
    for _ in range(600):
        for f in page.frames:
            try:
                if f.evaluate("() => !!(window.__racePlayer && window.__racePlayer.stats.renders)"):
                    return f
            except Exception:  # noqa: BLE001 - a frame still loading
                pass
        page.wait_for_timeout(100)
    raise AssertionError("no race player in the page")


def wait_paths_change(frame, before: str | None, timeout: float = 30_000) -> None:
    """Wait until the player in ``frame`` has drawn paths other than ``before``
    (:data:`FRAME_PATHS_JS`)."""
    frame.wait_for_function(f"(b) => {{ const n = ({FRAME_PATHS_JS})(); "
                            "return n !== null && n !== b; }", arg=before, timeout=timeout)


def step_chip_slider(frame, locator_root) -> None:
    """Press ArrowRight on the first chip's learning-rate slider (in ``locator_root``, a frame
    or a frame locator) and wait until the player in ``frame`` has drawn the new paths."""
    before = frame.evaluate(FRAME_PATHS_JS)
    slider = locator_root.locator(".chip .lr-slider").first
    slider.focus()
    slider.press("ArrowRight")
    wait_paths_change(frame, before)


def offline_context(browser, width: int = 900, height: int = 900):
    """A browser context in which every request but for ``file:`` addresses is refused; the
    refused addresses are collected in the list returned beside it."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    refused: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    return ctx, refused

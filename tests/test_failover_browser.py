"""When the server behind a page stops and another takes its place (a replica that died behind
nginx), the page is drawn again from its link as soon as its websocket reconnects, and the
user's first change afterwards is kept."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.browser import (
    ROOT,
    chromium,
    free_port,
    open_lr_slider,
    player_frame,
    require_chromium,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

#: The token of the session that drew the page, as the player's live client holds it.
TOKEN = """() => {
    const f = document.querySelector("iframe[title*='player']");
    return f && f.contentWindow.__racePlayer ? f.contentWindow.__racePlayer.liveToken : null;
}"""


def _start(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    _stop(proc)
    pytest.fail("the app did not start")


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_page_whose_server_died_is_redrawn_and_keeps_its_first_change():
    path = require_chromium()
    port = free_port()
    first = _start(port)
    second = None
    try:
        with chromium(path) as browser:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/?surface=rosenbrock&steps=300"
                      "&opt=sgd&opt=adam;lr=0.05")
            player_frame(page)
            before = page.evaluate(TOKEN)
            assert before
            _stop(first, signal.SIGKILL)   # the replica dies
            second = _start(port)          # and the page's next connection reaches another
            # Without any action, the page runs on the new server (a new session, so the
            # player gets a new token) and is drawn from its link.
            page.wait_for_function(f"() => ({TOKEN})() && ({TOKEN})() !== {before!r}",
                                   timeout=90_000)
            player_frame(page)
            slider = open_lr_slider(page, 2, "Adam")
            slider.focus()
            page.keyboard.press("ArrowRight")   # 0.05 → 0.07, the first change
            page.wait_for_function("() => location.search.includes('lr%3D0.07')",
                                   timeout=30_000)
            page.wait_for_timeout(3000)         # and nothing undoes it afterwards
            assert "lr%3D0.07" in page.url
            assert slider.get_attribute("aria-valuetext") == "0.07"
    finally:
        _stop(first)
        if second is not None:
            _stop(second)

"""Bytes on the wire: what one change costs a class's network, as sent (after compression).

    python -m bench.bench_wire --start-server [--changes 10]
    python -m bench.bench_wire --url http://127.0.0.1:8080      # e.g. the deploy setup

One session over Streamlit's own protocol (``bench.bench_load``'s client) talks to the app
through a counting relay on this machine, so the figures are the bytes that crossed the
socket: with websocket compression when the server offers it, as a browser would get them.
For each scene it prints the bytes of the first page run (the websocket only), of each
learning-rate change (median and largest), and of the grids the player fetches once per
surface (``GET /live/grid``). With ``--first-visit`` it also opens the page in headless
Chromium at 1600×1000 through the same relay, with an empty cache, and prints every byte a
first visit costs (the page, Streamlit's front end, the player's scripts, the grids and the
websocket) once the map and the 3-D view are drawn.

Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import urllib.request
from urllib.parse import urlsplit

from bench.bench_load import ROOT, Session, start_server, stop_server

SCENES = {
    "default scene (4 racers × 500 steps)": "",
    "4 racers × 10,000 steps": "steps=10000",
    "12 racers × 10,000 steps": "steps=10000&" + "&".join(
        f"opt=adam;lr={0.001 * (k + 1):g}" for k in range(12)),
}


class Relay:
    """A TCP relay that counts the bytes the server sends."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.down = 0

    async def _pipe(self, reader, writer, count: bool) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    self.down += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, creader, cwriter) -> None:
        sreader, swriter = await asyncio.open_connection(self.host, self.port)
        await asyncio.gather(self._pipe(creader, swriter, False),
                             self._pipe(sreader, cwriter, True))

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


async def one(base: str, query: str, changes: int) -> dict:
    u = urlsplit(base)
    relay = Relay(u.hostname, u.port or 80)
    s = Session(await relay.start(), query, seed=1, timeout=120)
    await s.load()
    first = relay.down
    entry = await s.open_panel()
    per = []
    for _ in range(changes):
        before = relay.down
        await s.change_lr(entry, 1)
        per.append(relay.down - before)
    _, player = s._find("player", "ComponentInstance")
    args = json.loads(player.json_args)
    grid = args["meta"]["surface"].get("grid")
    grid_bytes = None
    if grid:
        req = urllib.request.Request(f"{base}/{grid['url']}",
                                     headers={"Accept-Encoding": "gzip",
                                              "X-Race-Token": args.get("token") or ""})
        with urllib.request.urlopen(req, timeout=60) as r:
            grid_bytes = len(r.read())
    await s.ws.close()
    relay.server.close()
    return {"first_run_kb": first / 1e3, "change_kb_p50": statistics.median(per) / 1e3,
            "change_kb_max": max(per) / 1e3, "grid_kb": None if grid_bytes is None
            else grid_bytes / 1e3}


FIRST_DRAWN_JS = """() => {
    const f = document.querySelector("iframe[title*='player']");
    const S = f && f.contentWindow && f.contentWindow.__racePlayer;
    return !!(S && S.built && S.built.map && (!S.wide || S.built.surf));
}"""


async def first_visit(base: str, settle: float = 3.0) -> float:
    """Bytes (MB) a first visit in Chromium draws from the server, through a counting relay."""
    from playwright.async_api import async_playwright

    u = urlsplit(base)
    relay = Relay(u.hostname, u.port or 80)
    url = await relay.start()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})
        await page.goto(url + "/")
        await page.wait_for_function(FIRST_DRAWN_JS, timeout=120_000, polling=200)
        await asyncio.sleep(settle)
        await browser.close()
    relay.server.close()
    return relay.down / 1e6


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--url")
    where.add_argument("--start-server", action="store_true")
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--first-visit", action="store_true",
                    help="also measure a first visit in headless Chromium (1600×1000)")
    args = ap.parse_args(argv)
    proc = None
    if args.start_server:
        proc, base = start_server(ROOT)
    else:
        base = args.url.rstrip("/")
    try:
        print(f"{'scene':<38} | {'first run':>9} | {'a change p50':>12} | {'largest':>8} | "
              f"{'grids once':>10}")
        for name, query in SCENES.items():
            row = asyncio.run(one(base, query, args.changes))
            grid = "-" if row["grid_kb"] is None else f"{row['grid_kb']:.0f} kB"
            print(f"{name:<38} | {row['first_run_kb']:>6.0f} kB | "
                  f"{row['change_kb_p50']:>9.1f} kB | {row['change_kb_max']:>5.1f} kB | "
                  f"{grid:>10}", flush=True)
        if args.first_visit:
            mb = asyncio.run(first_visit(base))
            print(f"a first visit (page, front end, player, grids, websocket): {mb:.2f} MB")
    finally:
        if proc is not None:
            stop_server(proc)


if __name__ == "__main__":
    sys.exit(main())

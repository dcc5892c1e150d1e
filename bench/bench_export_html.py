"""The interactive page export: how large the file is and how soon it shows the race.

    python -m bench.bench_export_html [--runs 3] [--width 900]

For each of the README's scenes and presets it writes the one-file page (timing the export),
then opens it from ``file://`` in headless Chromium with every other request refused, in a
fresh browser context each time, and times from the start of navigation to the first
animation frame in which the map's paths are painted (the overlay canvas over the map has
ink: pixels on screen, not a flag); median of ``--runs``. It also counts the requests the
page tried to make (there should be none).

Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, offline_context  # noqa: E402

SCENES = [
    "assets/scenes/01-momentum-ravine.json", "assets/scenes/04-sgd-diverges.json",
    "assets/scenes/08-adam-two-rates.json", "assets/scenes/10-adagrad-stalls.json",
    "?surface=ravine&sp=condition:50;angle:30&steps=300&opt=sgd;lr=0.02&opt=adam;lr=0.3",
    "?surface=booth&steps=200&opt=sgd;lr=0.05&opt=lion;lr=0.03",
]

#: Runs in the page before its scripts: each animation frame, whether the map's overlay canvas
#: (where the player paints the paths) has any ink; the first such frame's time is kept.
INK_JS = r"""
(() => {
  window.__inked = null;
  function tick() {
    const c = document.querySelector("#map canvas.overlay");
    if (c && c.width > 1 && c.height > 1) {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 16) {
        if (d[i]) { window.__inked = performance.now(); return; }
      }
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""


def _scene(source: str):
    from export.source import read_scene

    return read_scene(source if source.startswith("?") else str(ROOT / source))[0]


def open_times(browser, path: Path, runs: int, width: int) -> tuple[list[float], int]:
    times, asked = [], 0
    for _ in range(runs):
        ctx, refused = offline_context(browser, width, 900)
        ctx.add_init_script(INK_JS)
        page = ctx.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.__inked !== null", timeout=60_000, polling=20)
        times.append(page.evaluate("() => window.__inked"))
        asked += len(refused)
        ctx.close()
    return times, asked


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--width", type=int, default=900)
    ap.add_argument("--presets", action="store_true", help="every preset too")
    args = ap.parse_args(argv)
    from export import export_bytes

    sources = list(SCENES)
    if args.presets:
        presets = sorted((ROOT / "assets" / "scenes").glob("*.json"))
        sources += [f"?preset={p.stem}" for p in presets]
    out = Path(tempfile.mkdtemp(prefix="race-html-"))
    print(f"{'scene':<72} {'bytes':>10} {'export':>8} {'painted (median)':>17} requests")
    with chromium() as browser:
        for i, source in enumerate(sources):
            scene = _scene(source)
            t0 = time.perf_counter()
            data = export_bytes(scene, "html", width=args.width)
            made = time.perf_counter() - t0
            path = out / f"race-{i}.html"
            path.write_bytes(data)
            times, asked = open_times(browser, path, args.runs, args.width)
            print(f"{source[:72]:<72} {len(data):>10,} {made:>7.2f}s "
                  f"{statistics.median(times) / 1000:>16.2f}s {asked:>8}")


if __name__ == "__main__":
    main()

"""Warm timings of the exporters on the default scene.

Run ``python bench/bench_export.py``; prints the median PNG export time (900 × 700 at scale 2,
the browser already running) and the time of a 120-frame GIF and MP4 at the same size.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from export import export_bytes, static, static_available  # noqa: E402
from scene import default_scene  # noqa: E402
from scene.race import simulate  # noqa: E402

REPEATS = 7


def _time(fn, repeats: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times), size


def _row(what: str, seconds: float, note: str) -> None:
    print(f"{what:28s} {seconds:7.3f} s  ({note})")


def main() -> None:
    scene = default_scene()
    race = simulate(scene)
    print(f"default scene: {scene.surface}, {len(scene.optimizers)} optimizers, "
          f"{scene.steps} steps")
    if static_available():
        t0 = time.perf_counter()
        static.warm_up()
        _row("browser start", time.perf_counter() - t0, "once per process")
        t, size = _time(lambda: export_bytes(scene, "png", race=race), REPEATS)
        _row("PNG 1800x1400", t, f"median of {REPEATS}, {size:,} bytes")
        t, size = _time(lambda: export_bytes(scene, "svg", race=race), 3)
        _row("SVG", t, f"median of 3, {size:,} bytes")
        t, size = _time(lambda: export_bytes(scene, "pdf", race=race), 3)
        _row("PDF", t, f"median of 3, {size:,} bytes")
    else:
        print("Chromium not found: no PNG/SVG/PDF timings, animations use the Pillow map")
    for fmt in ("gif", "mp4"):
        t, size = _time(lambda fmt=fmt: export_bytes(scene, fmt, race=race, frames=120), 3)
        _row(f"{fmt.upper()} 120 frames 1800x1400", t, f"median of 3, {size:,} bytes")
    t, size = _time(lambda: export_bytes(scene, "gif", race=race, frames=120, scale=1), 3)
    _row("GIF 120 frames 900x700", t, f"median of 3, {size:,} bytes")
    t, size = _time(lambda: export_bytes(scene, "csv", race=race), 5)
    _row("CSV", t, f"median of 5, {size:,} bytes")


if __name__ == "__main__":
    main()

"""Peak memory of exporting a long race as an animation.

Run ``python bench/bench_export_memory.py [SURFACE]`` (default ``rosenbrock``; the map is cut
to what it draws, so a wide surface such as ``ravine`` makes wider frames than a square one);
each export runs in a fresh process, which
reports its own peak resident set (``ru_maxrss``) and that of the largest process it started
and waited for (the video encoder, ffmpeg; the browser that renders the map, when there is
one, is counted there too). The race: 12 racers of 10,000 steps on Rosenbrock, exported as a
120-frame GIF and MP4 at 900 × 700, scale 2 (at most 1800 × 1400 pixels; the frame size
made is printed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from export import export_bytes, static
from scene import from_dict
from scene.race import simulate

names = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "adagrad", "nadam",
         "lion", "adamax", "radam", "adabelief"]
scene, _ = from_dict({{"surface": {surface!r}, "steps": 10_000,
                      "optimizers": [{{"optimizer": n}} for n in names]}})
race = simulate(scene)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
data = export_bytes(scene, {fmt!r}, race=race, frames=120, fps=20)
seconds = time.perf_counter() - t0
static.shutdown()
if data[:3] == b"GIF":
    size = (int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little"))
else:
    from export.__main__ import _mp4_size
    size = _mp4_size(data)
print(json.dumps({{"bytes": len(data), "seconds": seconds, "before_kb": base, "size": size,
                  "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}}))
"""


def measure(fmt: str, surface: str) -> dict:
    t0 = time.perf_counter()
    code = CHILD.format(root=str(ROOT), fmt=fmt, surface=surface)
    out = subprocess.run([sys.executable, "-c", code],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall"] = time.perf_counter() - t0
    return res


def main() -> None:
    surface = sys.argv[1] if len(sys.argv) > 1 else "rosenbrock"
    print(f"12 racers × 10,000 steps on {surface}, 120 frames")
    for fmt in ("gif", "mp4"):
        r = measure(fmt, surface)
        w, h = r["size"]
        print(f"{fmt.upper():4s} {w}×{h}: peak {r['self_kb'] / 1024:4.0f} MB in Python "
              f"({r['before_kb'] / 1024:.0f} MB with the race computed, before the export), "
              f"largest helper process {r['children_kb'] / 1024:6.0f} MB; "
              f"export {r['seconds']:.1f} s, {r['bytes']:,} bytes")


if __name__ == "__main__":
    main()

"""Numerical core benchmark: prints figures, asserts nothing.

    python -m bench.bench_core

1. ns/step of every optimizer for 10,000-step trajectories on Rosenbrock and Rastrigin (warm,
   median of 15 runs, the fixed per-call cost of a 0-step run subtracted and also shown);
2. ``grid`` on 400 × 400 (warm, median of 30 runs, one thread);
3. cold start: a fresh Python process that imports the core and computes the default scene
   (Rosenbrock; SGD, Momentum, RMSProp, Adam; 500 steps each), (a) with an empty Numba cache,
   as on the very first run with no install-time warm-up, and (b) with the cache that
   ``python -m optimizers`` (part of the install command) leaves behind. Median of 5 runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landscapes import SURFACES, grid  # noqa: E402
from optimizers import OPTIMIZERS, run  # noqa: E402

STEPS = 10_000


def _median(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def per_step():
    print(f"ns/step, {STEPS:,}-step trajectories (warm, median of 15; fixed cost per call aside)")
    print(f"{'optimizer':<18} {'rosenbrock':>11} {'rastrigin':>11} {'per call':>10}")
    for name in OPTIMIZERS:
        row = []
        fixed = 0.0
        for surf in ("rosenbrock", "rastrigin"):
            lr = 1e-4 if name != "lion" else 1e-5
            run(surf, name, steps=STEPS, lr=lr)
            full = _median(lambda s=surf, n=name, lr=lr: run(s, n, steps=STEPS, lr=lr), 15)
            fixed = _median(lambda s=surf, n=name, lr=lr: run(s, n, steps=0, lr=lr), 15)
            row.append((full - fixed) / STEPS * 1e9)
        print(f"{name:<18} {row[0]:>11.1f} {row[1]:>11.1f} {fixed * 1e6:>8.0f} µs")


def grids():
    print("\ngrid(surface, 400, 400), warm, median of 30")
    for name in ("rosenbrock", "rastrigin", "ackley", "goldstein_price"):
        s = SURFACES[name]
        grid(s, 400, 400)
        print(f"  {name:<16} {_median(lambda s=s: grid(s, 400, 400), 30) * 1e3:6.2f} ms")


COLD = """
import time; t = time.perf_counter()
from scene import default_scene
from scene.race import simulate
race = simulate(default_scene())
assert len(race.racers) == 4
print(time.perf_counter() - t)
"""


def cold_start():
    print("\ncold start: new process, import + default scene (median of 5, wall clock)")

    def once(cache_dir):
        env = dict(os.environ)
        if cache_dir is not None:
            env["NUMBA_CACHE_DIR"] = cache_dir
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        return time.perf_counter() - t

    empty = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as d:
            empty.append(once(d))
    print(f"  empty Numba cache (no install-time warm-up): {statistics.median(empty):.2f} s")
    subprocess.run([sys.executable, "-m", "optimizers"], cwd=ROOT, check=True,
                   capture_output=True)
    warm = [once(None) for _ in range(5)]
    print(f"  after `python -m optimizers` (first and later processes): "
          f"{statistics.median(warm):.2f} s")


if __name__ == "__main__":
    per_step()
    grids()
    cold_start()

"""Warm timing of ``landscapes.grid`` on a 400 x 400 mesh.

Run ``python bench/bench_grid.py``; prints the median of several warm runs per surface, in ms.
"""

from __future__ import annotations

import statistics
import time

from landscapes import SURFACES, grid

NAMES = ("rosenbrock", "rastrigin", "ackley", "goldstein_price", "levi13", "sharp_flat")
N, REPEATS = 400, 25


def main() -> None:
    for name in NAMES:
        surface = SURFACES[name]
        grid(surface, N, N)  # compile or load from cache, start the thread pool
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            grid(surface, N, N)
            times.append(time.perf_counter() - t0)
        print(f"{name:16s} {N}x{N}: median {1e3 * statistics.median(times):6.2f} ms "
              f"(min {1e3 * min(times):.2f} ms, {REPEATS} runs)")


if __name__ == "__main__":
    main()

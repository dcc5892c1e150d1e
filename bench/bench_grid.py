"""Warm timing of ``landscapes.grid`` on a 400 x 400 mesh.

Run ``python bench/bench_grid.py``. For each surface it prints the median and the minimum of
several warm runs, in ms, with Numba's full thread pool and with one thread. On a machine
shared with other busy processes the median of the threaded runs includes waits for a
descheduled worker thread; the minimum shows the cost of the computation itself.
"""

from __future__ import annotations

import statistics
import time

import numba

from landscapes import SURFACES, grid

NAMES = ("rosenbrock", "rastrigin", "ackley", "goldstein_price", "levi13", "sharp_flat",
         "mccormick")
N, REPEATS = 400, 25


def _time(surface) -> list[float]:
    grid(surface, N, N)  # compile or load from the cache, start the thread pool
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        grid(surface, N, N)
        times.append(1e3 * (time.perf_counter() - t0))
    return times


def main() -> None:
    threads = numba.config.NUMBA_NUM_THREADS
    print(f"grid({N}x{N}), {REPEATS} warm runs, ms as median (min)")
    print(f"{'surface':16s} {threads} threads{'':8s} 1 thread")
    for name in NAMES:  # compile or load every kernel before timing any
        grid(SURFACES[name], N, N)
    for name in NAMES:
        numba.set_num_threads(threads)
        par = _time(SURFACES[name])
        numba.set_num_threads(1)
        ser = _time(SURFACES[name])
        print(f"{name:16s} {statistics.median(par):6.2f} ({min(par):5.2f})    "
              f"{statistics.median(ser):6.2f} ({min(ser):5.2f})")
    numba.set_num_threads(threads)


if __name__ == "__main__":
    main()

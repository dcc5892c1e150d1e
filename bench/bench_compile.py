"""Compile times of the per-coordinate optimizers' kernels: prints figures, asserts nothing.

    python -m bench.bench_compile [--runs 3] [--names sgd,adam]

For each optimizer, a fresh Python process with an empty Numba cache runs it once (its
trajectory loop compiles) and then sweeps it once (its sweep compiles); the median of several
processes is printed. Each process also pays Numba's own start-up once, which is part of the
first figure. Then a new process with the install-time cache (``python -m optimizers``): every
optimizer's first run and four sweeps, which should load, not compile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ONE = """
import time, numpy as np
from optimizers import run, sweep
t = time.perf_counter(); run("rosenbrock", {name!r}, steps=2); a = time.perf_counter() - t
t = time.perf_counter(); sweep("himmelblau", {name!r}, np.zeros((2, 2)), steps=2)
print(a, time.perf_counter() - t)
"""

WARM = """
import time, numpy as np
t = time.perf_counter()
from optimizers import OPTIMIZERS, run, sweep
a = time.perf_counter(); [run("rosenbrock", n, steps=2) for n in OPTIMIZERS]
b = time.perf_counter()
for n in ("sgd", "momentum", "rmsprop", "adam"):
    sweep("himmelblau", n, np.zeros((2, 2)), steps=2)
print(a - t, b - a, time.perf_counter() - b)
"""


def _python(code: str, env=None) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return [float(v) for v in out.split()]


def cold(names: list[str], runs: int) -> None:
    print(f"empty cache, fresh process per optimizer (median of {runs}, wall clock)")
    print(f"{'optimizer':<12} {'run: loop':>10} {'sweep':>8}")
    for name in names:
        times = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as d:
                times.append(_python(ONE.format(name=name), dict(os.environ, NUMBA_CACHE_DIR=d)))
        loop, swp = (statistics.median(t[i] for t in times) for i in (0, 1))
        print(f"{name:<12} {loop:>9.1f}s {swp:>7.1f}s")


def warm(runs: int) -> None:
    subprocess.run([sys.executable, "-m", "optimizers"], cwd=ROOT, check=True)
    times = [_python(WARM) for _ in range(runs)]
    imp, first, swp = (statistics.median(t[i] for t in times) for i in (0, 1, 2))
    print(f"\nafter `python -m optimizers`, a new process (median of {runs}): import {imp:.2f} s, "
          f"every optimizer's first run {first:.2f} s, four sweeps {swp:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--names", default="sgd,momentum,adam,rmsprop,adabelief,nadam")
    args = parser.parse_args()
    cold(args.names.split(","), args.runs)
    warm(args.runs)

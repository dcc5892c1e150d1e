"""ns per run-step of ``optimizers.sweep`` against the same runs vectorised with NumPy.

    python -m bench.bench_sweep [--starts 65536] [--steps 1000] [--repeat 3]

For each case (Adam on Rosenbrock and on Himmelblau, SGD with momentum on the ravine), the
same starts and steps are run by the compiled sweep on one core and on all cores, and by a
NumPy implementation that updates every start at once with array operations (the usual way
to run many trajectories in Python). Figures are medians of ``--repeat`` runs, warm; the
compile of a new kernel is reported on its own line.

The last line is a floor no Adam sweep can beat on this CPU: each run-step of Adam takes two
square roots and two divisions (one of each per coordinate, exactly rounded, as torch computes
them), and the line times those alone, vectorized over 64 lanes, on one core.
"""

from __future__ import annotations

import argparse
import math
import time
from functools import partial

import numba
import numpy as np

from landscapes import get_surface
from optimizers import sweep


def _grad_numpy(name: str, p: np.ndarray, x: np.ndarray, y: np.ndarray):
    if name == "rosenbrock":
        d = y - x * x
        return -2.0 * (1.0 - x) - 4.0 * p[0] * x * d, 2.0 * p[0] * d
    if name == "himmelblau":
        a = x * x + y - 11.0
        b = x + y * y - 7.0
        return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b
    k, c, s = p
    u = c * x + s * y
    v = c * y - s * x
    return c * u - s * k * v, s * u + c * k * v


def _numpy_adam(name, p, x, y, steps, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = np.zeros((2, len(x)))
    v = np.zeros((2, len(x)))
    pos = np.stack([x, y])
    for t in range(1, steps + 1):
        g = np.stack(_grad_numpy(name, p, pos[0], pos[1]))
        m += (g - m) * (1.0 - b1)
        v = v * b2 + (1.0 - b2) * g * g
        c = np.sqrt(1.0 - b2 ** t)
        pos -= (lr * c / (1.0 - b1 ** t)) * m / (np.sqrt(v) + c * eps)
    return pos


def _numpy_momentum(name, p, x, y, steps, lr, mu=0.9):
    buf = np.zeros((2, len(x)))
    pos = np.stack([x, y])
    for _ in range(steps):
        g = np.stack(_grad_numpy(name, p, pos[0], pos[1]))
        buf = buf * mu + g
        pos -= lr * buf
    return pos


@numba.njit(error_model="numpy")
def _roots_and_quotients(v, a, b, reps):
    out = np.empty_like(v)
    for _ in range(reps):
        for j in range(v.shape[0]):
            out[j] = a[j] / (math.sqrt(v[j]) + b)
        v[0] += out[-1] * 1e-300  # each round depends on the last, so none is skipped
    return out


def _adam_floor(repeat: int) -> float:
    """ns per Adam run-step for its square roots and divisions alone, on one core."""
    v = np.random.default_rng(1).uniform(1.0, 2.0, 128)  # 64 lanes × (x, y)
    a = v[::-1].copy()
    reps = 200_000
    _roots_and_quotients(v, a, 1e-8, 1)
    numba.set_num_threads(1)
    t = _median_time(lambda: _roots_and_quotients(v, a, 1e-8, reps), repeat)
    return t * 1e9 / (reps * 64)


CASES = [
    ("rosenbrock", "adam", {"lr": 0.01}, _numpy_adam),
    ("himmelblau", "adam", {"lr": 0.05}, _numpy_adam),
    ("ravine", "momentum", {"lr": 0.01, "momentum": 0.9}, _numpy_momentum),
]


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=65_536)
    ap.add_argument("--steps", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    n, steps = args.starts, args.steps
    cores = numba.config.NUMBA_NUM_THREADS
    print(f"ns per run-step, {n:,} starts × {steps:,} steps, warm, median of {args.repeat}")
    print(f"{'case':28s} {'sweep 1 core':>13s} {'sweep ' + str(cores) + ' cores':>14s} "
          f"{'per core':>9s} {'NumPy':>8s}")
    rng = np.random.default_rng(0)
    for surface, optimizer, hyper, numpy_run in CASES:
        surf = get_surface(surface)
        (x0, x1), (y0, y1) = surf.bounds
        starts = np.c_[rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)]
        t = time.perf_counter()
        sweep(surface, optimizer, starts[:64], steps=2, **hyper)
        first = time.perf_counter() - t
        per = {}
        call = partial(sweep, surface, optimizer, starts, steps=steps, **hyper)
        for threads in (1, cores):
            numba.set_num_threads(threads)
            per[threads] = _median_time(call, args.repeat)
        numba.set_num_threads(cores)
        m = max(1, n // 8)  # NumPy on an eighth of the starts: the cost is linear in them
        extra = {"mu": hyper["momentum"]} if "momentum" in hyper else {}
        call = partial(numpy_run, surface, surf.p, starts[:m, 0].copy(), starts[:m, 1].copy(),
                       steps, hyper["lr"], **extra)
        t_np = _median_time(call, args.repeat) * n / m
        scale = 1e9 / (n * steps)
        name = f"{optimizer} on {surface}"
        print(f"{name:28s} {per[1] * scale:13.2f} {per[cores] * scale:14.2f} "
              f"{per[cores] * scale * cores:9.2f} {t_np * scale:8.2f}")
        print(f"{'':28s} first call {first:.2f} s (loads or compiles the kernel)")
    print(f"Adam's floor on this CPU: its 2 square roots and 2 divisions per run-step alone take "
          f"{_adam_floor(max(3, args.repeat)):.2f} ns on one core")
    numba.set_num_threads(cores)


if __name__ == "__main__":
    main()

"""Data surfaces: prints figures, asserts nothing.

    python -m bench.bench_data [--rows 1000] [--repeat 7]

For each model (linear, logistic, product, tanh) over ``--rows`` generated points:

1. a race of 4 racers (SGD, momentum, RMSProp, Adam) × 1,000 steps at batch 32, on one core
   (the goal: at most 100 ms), and the same at full batch;
2. a 200 × 200 map of the full-batch loss on both cores (the goal: at most 0.5 s), with the
   rate in row evaluations per second and how far that is from the floor of one exp or tanh
   per row (measured here as NumPy's vectorised tanh over the same count);
3. ns per row of the loss with its gradient, the figure ``scene.budget.ROW_NS`` stands for.

Medians of ``--repeat`` runs after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landscapes import _data_kernels as D  # noqa: E402
from landscapes import grid  # noqa: E402
from landscapes.data import surface_from_rows  # noqa: E402
from optimizers import run  # noqa: E402

REPS = 2000  # batch gradients over every row, per timing
RACERS = (("sgd", {"lr": 0.05}), ("momentum", {"lr": 0.02}), ("rmsprop", {"lr": 0.01}),
          ("adam", {"lr": 0.05}))


def rows_for(model: str, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if model == "logistic":
        u = rng.normal(size=(n, 2)) + np.array([1.0, 0.5])
        s = np.where(u[:, 0] - 0.8 * u[:, 1] + 0.5 * rng.normal(size=n) > 0, 1.0, -1.0)
        return np.column_stack([u, s])
    x = rng.uniform(-2.0, 2.0, n)
    t = 1.2 * np.tanh(1.5 * x) if model == "tanh" else 1.5 * x
    return np.column_stack([x, t + 0.2 * rng.normal(size=n)])


def median(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    n = args.rows
    floor_x = np.random.default_rng(1).normal(size=n * 200 * 200 // 10)
    floor = median(lambda: np.tanh(floor_x), args.repeat) * 10  # one core, vectorised
    print(f"{n:,} rows; medians of {args.repeat}; floor: NumPy tanh over 4e7 values "
          f"{floor * 1e3:.0f} ms on one core")
    print(f"{'model':<9} {'race b32':>9} {'race full':>10} {'map 200²':>9} {'rows/s':>9} "
          f"{'vs floor':>9} {'ns/row':>7}")
    for model in ("linear", "logistic", "product", "tanh"):
        surf = surface_from_rows(model, rows_for(model, n), model, "bench", {"model": model})

        def race(batch, surf=surf):
            for name, hp in RACERS:
                run(surf, name, steps=1000, batch_size=batch, seed=0, **hp)

        b32 = median(lambda race=race: race(32), args.repeat)
        full = median(lambda race=race: race(None), args.repeat)
        gmap = median(lambda surf=surf: grid(surf, 200, 200), args.repeat)
        rate = 200 * 200 * n / gmap
        state = D.new_batches(n, n - 1, 0)
        state[0] = n
        row = median(lambda surf=surf, state=state: [D.batch_grad(surf.p, 0.3, 0.7, state, 1)
                                                     for _ in range(REPS)], args.repeat)
        print(f"{model:<9} {b32 * 1e3:>7.1f}ms {full * 1e3:>8.1f}ms {gmap * 1e3:>7.0f}ms "
              f"{rate:>9.2e} {gmap / floor:>8.2f}x {row / REPS / n * 1e9:>7.2f}")


if __name__ == "__main__":
    main()

"""Compile every kernel once for this install: ``python -m optimizers``.

Numba keeps compiled code in each package's ``__pycache__``; after this, every new process
(the app, the CLI, the tests) loads it instead of compiling. Compiled code left by an earlier
version of the kernels is removed when the packages are imported (``landscapes._jit.
refresh_cache``); a current cache is loaded, not rebuilt, so running this again takes seconds.
"""

from __future__ import annotations

import time

import numpy as np

from landscapes import SURFACES, formula_surface, grid
from optimizers import OPTIMIZERS, run, sweep


def main() -> None:
    t0 = time.perf_counter()
    for name in OPTIMIZERS:
        run("rosenbrock", name, steps=2, record=True)
    grid(SURFACES["rosenbrock"], 4, 4)
    SURFACES["rosenbrock"].value_grad([0.0, 1.0], [0.0, 1.0])
    formula_surface("x^2 + y^2")
    # The analysis views' sweeps of the optimizers every new scene starts with (the other
    # optimizers' sweeps compile when first asked for, in a few seconds each).
    for name, hyper in (("sgd", {}), ("momentum", {"momentum": 0.9}), ("rmsprop", {}),
                        ("adam", {})):
        sweep("himmelblau", name, np.zeros((2, 2)), steps=2, **hyper)
    print(f"optimizer kernels ready ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()

"""Compile every kernel once for this install: ``python -m optimizers``.

Numba keeps compiled code in each package's ``__pycache__``; after this, every new process
(the app, the CLI, the tests) loads it instead of compiling. Compiled code left by an earlier
version is removed first.
"""

from __future__ import annotations

import time

from landscapes import SURFACES, grid
from landscapes._jit import clear_cache
from optimizers import OPTIMIZERS, run


def main() -> None:
    clear_cache()  # before the first call: Numba reads its cache when a kernel is first called
    t0 = time.perf_counter()
    for name in OPTIMIZERS:
        run("rosenbrock", name, steps=2, record=True)
    grid(SURFACES["rosenbrock"], 4, 4)
    SURFACES["rosenbrock"].value_grad([0.0, 1.0], [0.0, 1.0])
    print(f"optimizer kernels ready ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()

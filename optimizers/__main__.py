"""Compile every kernel once for this install: ``python -m optimizers``.

Numba keeps compiled code in each package's ``__pycache__``; after this, every new process
(the app, the CLI, the tests) loads it instead of compiling. Compiled code left by an earlier
version is removed first: Numba would not notice that a step function or a surface it inlined
has changed.
"""

from __future__ import annotations

import time
from pathlib import Path

from landscapes import SURFACES, grid
from optimizers import OPTIMIZERS, run


def clear_cache() -> int:
    """Remove Numba's cached machine code of this project's packages; return the files removed."""
    root = Path(__file__).resolve().parents[1]
    removed = 0
    for package in ("landscapes", "optimizers"):
        for path in (root / package / "__pycache__").glob("*.nb[ic]"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


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

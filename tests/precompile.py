"""Compile the kernels the tests use in several processes at once, before the tests start:

    python -m tests.precompile PART PARTS

compiles the share ``PART`` (0 … PARTS - 1) of what ``python -m optimizers`` compiles, plus
the basins sweeps of every optimizer family (``python -m optimizers`` compiles only those the
app's first scene needs; the tests sweep them all). ``tests/conftest.py`` runs one process per
test worker, each with its own share of the optimizer families, after one process has checked
the cache stamp (so that no two clear the cache at once), and ``python -m optimizers``
afterwards, which then only loads what they compiled and compiles anything they missed.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def families() -> list[list[str]]:
    """The registry's optimizers grouped by the module that holds their kernels (one compiled
    loop and one sweep each), in a fixed order."""
    from optimizers import OPTIMIZERS

    groups: dict[str, list[str]] = {}
    for name, info in OPTIMIZERS.items():
        groups.setdefault(info.module.__name__, []).append(name)
    return sorted(groups.values(), key=lambda names: (-len(names), names[0]))


def compile_part(part: int, parts: int) -> None:
    from landscapes import SURFACES, formula_surface, grid
    from optimizers import OPTIMIZERS, run, sweep

    t0 = time.perf_counter()
    mine = [names for i, names in enumerate(families()) if i % parts == part]
    for names in mine:
        for name in names:
            run("rosenbrock", name, steps=2, record=True)
        if OPTIMIZERS[names[0]].family is not None:  # per-coordinate: a compiled sweep
            sweep("himmelblau", names[0], np.zeros((2, 2)), steps=2)
    if part == parts - 1:
        grid(SURFACES["rosenbrock"], 4, 4)
        SURFACES["rosenbrock"].value_grad([0.0, 1.0], [0.0, 1.0])
        formula_surface("x^2 + y^2")
    if part == 0:
        from optimizers.__main__ import warm_data

        warm_data()
    print(f"part {part + 1}/{parts}: {', '.join(n for names in mine for n in names)} "
          f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    compile_part(int(sys.argv[1]), int(sys.argv[2]))

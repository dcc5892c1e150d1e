"""Compile every kernel once for this install: ``python -m optimizers``.

Numba keeps compiled code in each package's ``__pycache__``; after this, every new process
(the app, the CLI, the tests) loads it instead of compiling. Compiled code left by an earlier
version of the kernels is removed when the packages are imported (``landscapes._cache.
refresh_cache``, which keeps what the change does not reach). When nothing that compiles has
changed since the last run here (the files with kernels, the cache, Numba's version), this
returns at once; otherwise it loads or compiles the kernels the app uses first.
"""

from __future__ import annotations

import json
import sys
import time

import numba
import numpy as np

from landscapes import SURFACES, formula_surface, grid
from landscapes._cache import _PACKAGES, _ROOT, module_stamps, stamp_path
from optimizers import OPTIMIZERS, run, sweep

#: What the last complete run here saw (see :func:`_snapshot`).
WARM = _ROOT / "optimizers" / "__pycache__" / "warm.json"


def _snapshot() -> dict:
    """What the compiled code here depends on, by size and time only (no file is read): every
    file with kernels, every cache file, Numba's and Python's versions, and the optimizers."""
    try:  # the files as refresh_cache read them when the packages were imported, just now
        known = json.loads(stamp_path().read_text()).get("files")
    except (OSError, ValueError, AttributeError):
        known = None
    stamps, _ = module_stamps(known=known)
    files = {name: [(st := (_ROOT / name).stat()).st_mtime_ns, st.st_size] for name in stamps}
    cache = {f"{p.parent.parent.name}/{p.name}": p.stat().st_mtime_ns for package in _PACKAGES
             for p in sorted((_ROOT / package / "__pycache__").glob("*.nb[ic]"))}
    return {"numba": numba.__version__, "python": sys.version, "files": files, "cache": cache,
            "optimizers": sorted(OPTIMIZERS)}


def _current() -> bool:
    """Whether the last complete run here saw what is here now: the same files with kernels
    and versions, and each cache file it left still there, unchanged (others may have been
    compiled since, by the app or the tests)."""
    try:
        saved = json.loads(WARM.read_text())
        now = _snapshot()
        cache = now.pop("cache")
        return (isinstance(saved, dict) and saved.pop("cache").items() <= cache.items()
                and saved == now)
    except (OSError, ValueError, KeyError, AttributeError):
        return False


def warm_data() -> None:
    """The data surfaces' kernels that the page calls directly (the map's grid on both cores,
    the minimum's search, the minibatch order), so that a first data surface opens at once:
    the loops compiled above already hold the rest."""
    from landscapes import MODELS, get_surface
    from landscapes._data_kernels import batch_rows

    for model in MODELS:
        grid(get_surface("data", model=model), 4, 4)
    batch_rows(10, 3, 0, 2)
    # the data surfaces' loops of the families the presets race there (others compile when a
    # racer of theirs first runs on data, in a few seconds)
    surf = get_surface("data", model="tanh")
    for name in ("sgd", "adam", "rmsprop", "adagrad"):
        run(surf, name, steps=2, batch_size=8)


def warm_up() -> None:
    """Run (and so load or compile) every kernel a first page uses."""
    for name in OPTIMIZERS:
        run("rosenbrock", name, steps=2, record=True)
    grid(SURFACES["rosenbrock"], 4, 4)
    SURFACES["rosenbrock"].value_grad([0.0, 1.0], [0.0, 1.0])
    formula_surface("x^2 + y^2")
    warm_data()
    # The analysis views' sweeps of the optimizers every new scene starts with (the other
    # optimizers' sweeps compile when first asked for, in a few seconds each).
    for name, hyper in (("sgd", {}), ("momentum", {"momentum": 0.9}), ("rmsprop", {}),
                        ("adam", {})):
        sweep("himmelblau", name, np.zeros((2, 2)), steps=2, **hyper)


def main() -> None:
    t0 = time.perf_counter()
    if _current():
        print(f"optimizer kernels ready: current ({time.perf_counter() - t0:.1f} s)")
        return
    warm_up()
    try:
        WARM.write_text(json.dumps(_snapshot()))
    except OSError:
        pass  # a read-only install: checked again next time
    print(f"optimizer kernels ready ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()

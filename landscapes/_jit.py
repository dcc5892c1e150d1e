"""The project's Numba settings, kept in one place.

Every compiled kernel of the project (surfaces here, optimizer steps in ``optimizers``) is
decorated with :func:`kernel`, so the flags below are the only ones in use:

* ``cache=True``: compiled machine code is stored next to the module and reused by later
  processes, so a fresh Streamlit or pytest process does not recompile.
* ``error_model="numpy"``: a float division by zero gives ``inf``/``nan`` like NumPy instead of
  raising ``ZeroDivisionError``; this also removes the zero checks from inner loops. Diverging
  optimizer runs are expected in this app and are detected from the values, not from exceptions.
* ``nogil=True``: kernels release the GIL, so callers may run them from several threads.
* No ``fastmath``: results must agree with plain IEEE float64 arithmetic (and with torch.optim)
  to round-off.

``parallel=True`` is for grid evaluation and batches of independent runs only; a single
trajectory is a sequential loop.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba import njit

_ROOT = Path(__file__).resolve().parents[1]
_PACKAGES = ("landscapes", "optimizers")

_FLAGS = {"cache": True, "error_model": "numpy", "nogil": True}


def kernel(fn=None, *, parallel: bool = False, inline: bool = False, cache: bool = True):
    """Compile ``fn`` with the project's Numba flags.

    Use as ``@kernel`` or, for loops over independent items with ``numba.prange``,
    ``@kernel(parallel=True)``. ``@kernel(inline=True)`` has Numba inline a small function
    into its callers before optimising them (the optimizer steps, inside the trajectory loop).
    ``cache=False`` is for kernels built from code outside the packages, whose changes
    :func:`refresh_cache` would not see.
    """
    opts = dict(_FLAGS, cache=cache, parallel=parallel, inline="always" if inline else "never")
    if fn is None:
        return lambda f: njit(**opts)(f)
    return njit(**opts)(fn)


def clear_cache() -> int:
    """Remove the compiled machine code of the project's kernels; return the files removed."""
    removed = 0
    for package in _PACKAGES:
        for path in (_ROOT / package / "__pycache__").glob("*.nb[ic]"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def refresh_cache() -> bool:
    """Clear the compiled code when any kernel source changed since it was compiled.

    Numba checks only the source file of the function it loads, not the files of the kernels
    that function inlined (an optimizer step, a surface), so an edited step would otherwise keep
    running its old machine code. Returns True when the cache was cleared. Read-only installs
    are left alone.
    """
    sources = sorted(p for package in _PACKAGES for p in (_ROOT / package).glob("*.py"))
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    stamp = _ROOT / "optimizers" / "__pycache__" / "kernels.stamp"
    try:
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return False
        clear_cache()
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest.hexdigest())
    except OSError:
        return False
    return True

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

from numba import njit

_FLAGS = {"cache": True, "error_model": "numpy", "nogil": True}


def kernel(fn=None, *, parallel: bool = False, inline: bool = False, cache: bool = True):
    """Compile ``fn`` with the project's Numba flags.

    Use as ``@kernel`` or, for loops over independent items with ``numba.prange``,
    ``@kernel(parallel=True)``. ``@kernel(inline=True)`` has Numba inline a small function
    into its callers before optimising them (the optimizer steps, inside the trajectory loop).
    ``cache=False`` is for kernels built from code outside the packages, whose changes
    :func:`landscapes._cache.refresh_cache` would not see.
    """
    opts = dict(_FLAGS, cache=cache, parallel=parallel, inline="always" if inline else "never")
    if fn is None:
        return lambda f: njit(**opts)(f)
    return njit(**opts)(fn)

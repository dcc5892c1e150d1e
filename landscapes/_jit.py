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

import ast
import hashlib
import json
import re
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


#: What marks a file whose code is compiled (or builds compiled code).
_COMPILED = re.compile(r"@kernel\b|\bkernel\(|\bfamily_kernel\b|\bnjit\b|@intrinsic")


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _code_digest(text: str) -> str | None:
    if not _COMPILED.search(text):
        return None
    return hashlib.sha256(ast.dump(_without_docstrings(ast.parse(text))).encode()).hexdigest()


def code_stamp(root: Path = _ROOT, known: dict | None = None) -> tuple[str, dict]:
    """A digest of what compiles: the code (not the docstrings, comments or layout) of every
    file in the packages that defines or builds a kernel. Editing a surface's lesson, an
    optimizer's docstring, the catalogue or any module without kernels leaves it unchanged.

    Also returns each file's ``[mtime_ns, size, digest]``; a file whose entry in ``known``
    matches its size and time is not read again (reading every file's code takes a few
    hundred milliseconds, which every new process would pay)."""
    known = known or {}
    files, digest = {}, hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted((root / package).glob("*.py")):
            name = f"{package}/{path.name}"
            st = path.stat()
            entry = known.get(name)
            if not (isinstance(entry, list) and entry[:2] == [st.st_mtime_ns, st.st_size]):
                entry = [st.st_mtime_ns, st.st_size,
                         _code_digest(path.read_text(encoding="utf-8"))]
            files[name] = entry
            if entry[2] is not None:
                digest.update(f"{name}\0{entry[2]}\0".encode())
    return digest.hexdigest(), files


def refresh_cache() -> bool:
    """Clear the compiled code when the code of any kernel changed since it was compiled.

    Numba checks only the source file of the function it loads, not the files of the kernels
    that function inlined (an optimizer step, a surface), so an edited step would otherwise keep
    running its old machine code. The check is by :func:`code_stamp`: a change that compiles
    to the same code (a docstring, a comment, a lesson's text) keeps every kernel; Numba
    itself recompiles the kernels of a file whose text changed. Returns True when the cache
    was cleared. Read-only installs are left alone.
    """
    path = _ROOT / "optimizers" / "__pycache__" / "kernels.stamp"
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    if not isinstance(saved, dict):
        saved = {}
    now, files = code_stamp(known=saved.get("files") if isinstance(saved.get("files"), dict)
                            else None)
    try:
        if saved.get("stamp") == now:
            if saved.get("files") != files:  # a file touched without a change in its code
                path.write_text(json.dumps({"stamp": now, "files": files}))
            return False
        clear_cache()
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"stamp": now, "files": files}))
    except OSError:
        return False
    return True

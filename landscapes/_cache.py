"""When compiled code is stale: a digest of what each kernel file's compiled code depends on,
and the removal of the cached machine code an edit reaches (:func:`refresh_cache`).

Numba keeps each kernel's machine code next to its module and checks only that module's file
when it loads it, not the files of the kernels it inlined (an optimizer step, a surface). So
each file's digest here covers its own code and that of the kernel files it imports, and an
edit removes the cached code of what depends on it. This module holds no kernel: editing it
recompiles nothing.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_PACKAGES = ("landscapes", "optimizers")


def clear_cache() -> int:
    """Remove the compiled machine code of the project's kernels; return the files removed."""
    removed = 0
    for package in _PACKAGES:
        for path in (_ROOT / package / "__pycache__").glob("*.nb[ic]"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


#: What may mark a file whose code is compiled (or builds compiled code): a quick look before
#: :func:`_compiles` reads the file's code.
_COMPILED = re.compile(r"@kernel\b|\bkernel\(|\bfamily_kernel\b|\bnjit\b|@intrinsic")
#: The decorators and calls that compile: ``@kernel``, ``kernel(fn)``, ``family_kernel(...)``,
#: ``njit(...)``, ``@intrinsic``.
_COMPILERS = {"kernel", "family_kernel", "njit", "intrinsic"}


def _compiles(tree: ast.AST) -> bool:
    """Whether a module defines or builds compiled code: a decorator or a call of
    :data:`_COMPILERS` (a name in a string or a comment does not count)."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.FunctionDef):
            targets = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
        elif isinstance(node, ast.Call):
            targets = [node.func]
        for t in targets:
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(
                t, ast.Attribute) else None
            if name in _COMPILERS:
                return True
    return False


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _code_digest(text: str) -> str | None:
    """The digest of a module's code without its docstrings; None for a module that does not
    compile anything."""
    if not _COMPILED.search(text):
        return None
    tree = ast.parse(text)
    if not _compiles(tree):
        return None
    return hashlib.sha256(ast.dump(_without_docstrings(tree)).encode()).hexdigest()


def _imports(tree: ast.AST, name: str, root: Path) -> set[str]:
    """The files of the packages that module ``name`` (``"optimizers/adam.py"``) imports from."""
    package = name.split("/")[0]
    out = set()

    def add(dotted: str) -> None:
        parts = dotted.split(".")
        if parts[0] in _PACKAGES:
            path = "/".join(parts) + ".py" if len(parts) > 1 else f"{parts[0]}/__init__.py"
            if (root / path).is_file():
                out.add(path)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = (package + (f".{node.module}" if node.module else "") if node.level
                    else node.module or "")
            add(base)
            for alias in node.names:  # from . import adam, from landscapes import _kernels
                add(f"{base}.{alias.name}")
    out.discard(name)
    return out


def _scan(root: Path, known: dict | None) -> dict[str, list]:
    """Each file of the packages: ``[mtime_ns, size, digest or None, imports]``; a file whose
    entry in ``known`` matches its size and time is not read again (reading every file's code
    takes a few hundred milliseconds, which every new process would pay)."""
    known = known or {}
    files = {}
    for package in _PACKAGES:
        for path in sorted((root / package).glob("*.py")):
            name = f"{package}/{path.name}"
            st = path.stat()
            entry = known.get(name)
            if not (isinstance(entry, list) and len(entry) == 4
                    and entry[:2] == [st.st_mtime_ns, st.st_size]):
                text = path.read_text(encoding="utf-8")
                digest = _code_digest(text)
                imports = sorted(_imports(ast.parse(text), name, root)) if digest else []
                entry = [st.st_mtime_ns, st.st_size, digest, imports]
            files[name] = entry
    return files


def module_stamps(root: Path = _ROOT, known: dict | None = None) -> tuple[dict, dict]:
    """A digest of what each file's compiled code depends on: for every file of the packages
    that defines or builds a kernel, its own code (not its docstrings, comments or layout) and
    that of every file with kernels it imports from, through their imports in turn. A file
    without kernels is in no digest: compiled code calls only compiled code, so a lesson, the
    catalogue, a hyperparameter's help or the UI can be edited without a recompile (a kernel
    reads no value from such a file: tests/test_kernel_cache.py checks it).

    Returns ``({file: digest}, files)``, ``files`` being what :func:`_scan` read, for the next
    call's ``known``."""
    files = _scan(root, known)
    kernels = {name for name, entry in files.items() if entry[2] is not None}
    stamps = {}
    for name in sorted(kernels):
        seen, todo = {name}, [name]
        while todo:
            for dep in files[todo.pop()][3]:
                if dep in kernels and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        digest = hashlib.sha256()
        for dep in sorted(seen):
            digest.update(f"{dep}\0{files[dep][2]}\0".encode())
        stamps[name] = digest.hexdigest()
    return stamps, files


def code_stamp(root: Path = _ROOT, known: dict | None = None) -> tuple[str, dict]:
    """One digest of every file's :func:`module_stamps`: unchanged while no compiled code
    changed anywhere. Also returns the files read, for the next call's ``known``."""
    stamps, files = module_stamps(root, known)
    digest = hashlib.sha256()
    for name, stamp in sorted(stamps.items()):
        digest.update(f"{name}\0{stamp}\0".encode())
    return digest.hexdigest(), files


def _owners(cache_file: Path, package: str, stamps: dict) -> set[str]:
    """The files whose compiled code a cache file holds: the module it is named after and, for
    a family's copy of a template (``_driver._loop_adam-134.py311.nbi``), the family's module."""
    stem, _, rest = cache_file.name.partition(".")
    qualname = rest.split("-", 1)[0]
    owners = {f"{package}/{stem}.py"}
    for name in stamps:
        pkg, _, module = name.partition("/")
        module = module.removesuffix(".py")
        if pkg == package and module != stem and qualname.endswith("_" + module):
            owners.add(name)
    return owners


def stale_cache_files(root: Path, stamps: dict, saved: dict | None) -> list[Path]:
    """The cache files compiled from code that changed since ``saved`` (an earlier
    :func:`module_stamps`): each file's whose module's stamp changed, or whose family's did.
    Every cache file when nothing was saved."""
    found = [path for package in _PACKAGES
             for path in sorted((root / package / "__pycache__").glob("*.nb[ic]"))]
    if not isinstance(saved, dict):
        return found
    changed = {name for name in stamps.keys() | saved.keys()
               if stamps.get(name) != saved.get(name)}
    return [path for path in found
            if _owners(path, path.parent.parent.name, stamps) & changed]


def stamp_path(root: Path = _ROOT) -> Path:
    """Where :func:`refresh_cache` keeps what it last saw."""
    return root / "optimizers" / "__pycache__" / "kernels.stamp"


def refresh_cache(root: Path = _ROOT) -> int:
    """Remove the compiled code of every kernel whose code, or the code of a kernel it calls,
    changed since it was compiled; return how many cache files were removed.

    Numba checks only the source file of the function it loads, not the files of the kernels
    that function inlined (an optimizer step, a surface), so an edited step would otherwise keep
    running its old machine code. The check is by :func:`module_stamps`: a change that compiles
    to the same code (a docstring, a comment, a lesson's text) keeps every kernel, and an edited
    kernel takes with it only the compiled code that depends on it (an edited Adam recompiles
    Adam's loops and SAM over Adam, not SGD's); Numba itself recompiles the kernels of a file
    whose text changed. Read-only installs are left alone.
    """
    path = stamp_path(root)
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    if not isinstance(saved, dict):
        saved = {}
    known = saved.get("files") if isinstance(saved.get("files"), dict) else None
    stamps, files = module_stamps(root, known)
    if saved.get("modules") == stamps:
        if saved.get("files") != files:  # a file touched without a change in its code
            _write(path, stamps, files)
        return 0
    removed = 0
    for stale in stale_cache_files(root, stamps, saved.get("modules")):
        try:
            stale.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            return removed
    _write(path, stamps, files)
    return removed


def _write(path: Path, stamps: dict, files: dict) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"modules": stamps, "files": files}))
    except OSError:
        pass

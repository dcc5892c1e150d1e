"""The compiled kernels are kept as long as what compiles is unchanged: a docstring, a lesson's
text or a module without kernels can be edited without a recompile; an edited kernel takes with
it the compiled code that depends on it, and only that."""

from __future__ import annotations

import ast
import importlib
import shutil
from pathlib import Path

import pytest
from numba.core.registry import CPUDispatcher

from landscapes._cache import (
    _PACKAGES,
    code_stamp,
    module_stamps,
    refresh_cache,
    stale_cache_files,
)

ROOT = Path(__file__).resolve().parents[1]

#: Cache files as Numba names them: a module's kernels, and each family's copies of the loops.
CACHED = ["landscapes/_kernels.value_grad-127", "landscapes/_formula_kernels.guarded-221",
          "optimizers/_driver._loop_adam-134", "optimizers/_driver._loop_sgd-134",
          "optimizers/_driver._loop_nadam-134", "optimizers/_sweep._lanes_adam-102",
          "optimizers/_sweep._sweep_sgd-233", "optimizers/lbfgs.loop-319",
          "optimizers/sam.loop-118", "optimizers/schedulefree.loop-187"]


@pytest.fixture()
def tree(tmp_path):
    for package in _PACKAGES:
        (tmp_path / package / "__pycache__").mkdir(parents=True)
        for path in (ROOT / package).glob("*.py"):
            shutil.copy(path, tmp_path / package / path.name)
    for name in CACHED:
        package, stem = name.split("/")
        for ext in (".py311.nbi", ".py311.1.nbc"):
            (tmp_path / package / "__pycache__" / (stem + ext)).write_bytes(b"")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _stale(tree, edit) -> set[str]:
    """The cached kernels an edit makes stale (by the names in CACHED)."""
    before, _ = module_stamps(tree)
    edit()
    after, _ = module_stamps(tree)
    return {f"{p.parent.parent.name}/{p.name.split('.py311')[0]}"
            for p in stale_cache_files(tree, after, before)}


def test_text_that_does_not_compile_keeps_every_kernel(tree):
    def edit():
        # An optimizer's docstring (its update rule), a comment, blank lines.
        _edit(tree / "optimizers" / "adam.py", '"""', '"""Edited. ')
        _edit(tree / "optimizers" / "sgd.py", "\nimport", "\n# a comment\n\n\nimport")
        # Modules without kernels: the catalogue (each surface's lesson), a hyperparameter's
        # help, the update rules' LaTeX, a typed formula's lesson.
        _edit(tree / "landscapes" / "catalogue.py", "Rosenbrock", "Rosenbrock's banana")
        _edit(tree / "landscapes" / "catalogue.py", "lesson=(\"", "lesson=(\"Edited. ")
        _edit(tree / "optimizers" / "_spec.py", "\"\"\"", "\"\"\"Edited. ")
        _edit(tree / "landscapes" / "typed.py", "A formula of your own.", "Your formula.")
        # The cache's own book-keeping and the dispatch's generator hold no kernel either.
        _edit(tree / "landscapes" / "_cache.py", "import ast", "import ast\nX = 1")
        _edit(tree / "landscapes" / "_generate.py", "import sys", "import sys\nX = 1")

    before, files = code_stamp(tree)
    assert _stale(tree, edit) == set()
    after, new_files = code_stamp(tree)
    assert after == before
    assert new_files["landscapes/catalogue.py"][2] is None  # holds no kernel: never read as code
    assert new_files["optimizers/adam.py"][2] is not None


def test_an_edited_kernel_takes_what_depends_on_it_and_only_that(tree):
    adam = _stale(tree, lambda: _edit(tree / "optimizers" / "adam.py", "import math",
                                      "import math\nX = 1"))
    assert adam == {"optimizers/_driver._loop_adam-134", "optimizers/_sweep._lanes_adam-102",
                    "optimizers/sam.loop-118"}  # SAM over Adam inlines Adam's step
    lbfgs = _stale(tree, lambda: _edit(tree / "optimizers" / "lbfgs.py", "import math",
                                       "import math\nX = 1"))
    assert lbfgs == {"optimizers/lbfgs.loop-319"}
    # RMSProp's helper is inlined by Adam, NAdam and Schedule-Free too.
    rmsprop = _stale(tree, lambda: _edit(tree / "optimizers" / "rmsprop.py", "import math",
                                         "import math\nX = 1"))
    assert {"optimizers/_driver._loop_nadam-134", "optimizers/schedulefree.loop-187",
            "optimizers/_driver._loop_adam-134"} <= rmsprop
    assert "optimizers/_driver._loop_sgd-134" not in rmsprop


@pytest.mark.parametrize("path, old", [("landscapes/_surfaces.py", "import math"),
                                       ("landscapes/_kernels.py", "import math"),
                                       ("landscapes/_jit.py", "from numba import njit")])
def test_an_edited_surface_takes_every_compiled_loop(tree, path, old):
    stale = _stale(tree, lambda: _edit(tree / path, old, old + "\nX = 1"))
    assert stale >= set(CACHED) - {"landscapes/_formula_kernels.guarded-221"}


def test_refresh_removes_the_stale_files_and_keeps_the_others(tree):
    refresh_cache(tree)  # no stamp yet: everything goes
    assert not list((tree / "optimizers" / "__pycache__").glob("*.nb[ic]"))
    for name in CACHED:
        package, stem = name.split("/")
        (tree / package / "__pycache__" / (stem + ".py311.nbi")).write_bytes(b"")
    assert refresh_cache(tree) == 0  # nothing changed
    _edit(tree / "optimizers" / "lbfgs.py", "import math", "import math\nX = 1")
    assert refresh_cache(tree) == 1
    left = {p.name for p in (tree / "optimizers" / "__pycache__").glob("*.nbi")}
    assert "lbfgs.loop-319.py311.nbi" not in left and "sam.loop-118.py311.nbi" in left


def test_a_file_known_by_size_and_time_is_not_read_again(tree):
    stamp, files = code_stamp(tree)
    # A recorded digest is trusted while the file's size and time are the same: a wrong one
    # shows that the file was not read.
    forged = {k: [*v[:2], "0" * 64 if v[2] else None, v[3]] for k, v in files.items()}
    assert code_stamp(tree, forged)[0] != stamp
    assert code_stamp(tree, files)[0] == stamp


def _imported_from_files_without_kernels(tree: ast.Module, name: str, kernels: set[str]):
    """Names a module binds from the packages' files that hold no kernel."""
    package = name.split("/")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = (package + (f".{node.module}" if node.module else "") if node.level
                    else node.module or "")
            if base.split(".")[0] not in _PACKAGES:
                continue
            for alias in node.names:
                for dotted in (f"{base}.{alias.name}", base):
                    parts = dotted.split(".")
                    path = ("/".join(parts) + ".py" if len(parts) > 1
                            else f"{parts[0]}/__init__.py")
                    if (ROOT / path).is_file():
                        if path not in kernels:
                            out.add(alias.asname or alias.name)
                        break
    return out


def test_compiled_code_reads_nothing_from_files_without_kernels():
    """The stamp leaves out the files without kernels; that is sound while no compiled
    function (a kernel, or a template each family compiles) reads a name bound from one."""
    stamps, files = module_stamps()
    kernels = set(stamps)
    checked = 0
    for name in sorted(kernels):
        module = importlib.import_module(name.removesuffix(".py").replace("/", "."))
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        foreign = _imported_from_files_without_kernels(tree, name, kernels)
        templates = {n.args[0].id for n in ast.walk(tree) if isinstance(n, ast.Call)
                     and getattr(n.func, "id", None) == "family_kernel" and n.args
                     and isinstance(n.args[0], ast.Name)}
        compiled = {k for k, v in vars(module).items() if isinstance(v, CPUDispatcher)
                    and v.py_func.__module__ == module.__name__} | templates
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name in compiled:
                used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
                assert not used & foreign, f"{name}:{fn.name} reads {used & foreign}"
                checked += 1
    assert checked > 50

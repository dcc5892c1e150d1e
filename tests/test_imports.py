"""The import structure: no cycle among the project's modules, and the page's modules import
each other only at the top of the file.

A cycle dodged by an import inside a function still ties the modules together (neither can be
read, tested or moved alone) and fails only at run time when the order changes; so the page's
modules (``ui``) may not import each other inside functions at all, and the graph of
module-level imports across every package must have no cycle. The graph is read from the
source (the AST), so it sees every import, including ones a test never runs.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ui", "scene", "figures", "export", "landscapes", "optimizers", "optrace")


def _modules() -> dict[str, Path]:
    """Every module of the packages, by its dotted name."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project's modules an import statement in ``module`` imports (a name imported from
    a package that is one of its submodules counts as that submodule)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in MODULES}
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if MODULES[module].name != "__init__.py":
            package = package[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    out = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            out.add(f"{base}.{alias.name}")
        elif base in MODULES:
            out.add(base)
    return out


def _imports(module: str) -> tuple[set[str], set[str]]:
    """The project's modules ``module`` imports at its top level and inside functions (imports
    under ``if TYPE_CHECKING:`` are not run, and are left out)."""
    top, deferred = set(), set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                (deferred if in_function else top).update(_targets(module, child))
            visit(child, in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")), False)
    top.discard(module)
    deferred.discard(module)
    return top, deferred


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one module (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_module_level_imports_have_no_cycle():
    graph = {m: _imports(m)[0] for m in MODULES}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_page_modules_import_each_other_at_the_top_only():
    deferred = {m: sorted(d for d in _imports(m)[1] if d.split(".")[0] == "ui")
                for m in MODULES if m.split(".")[0] == "ui"}
    assert {m: d for m, d in deferred.items() if d} == {}


def test_the_keys_module_is_a_leaf_of_the_page():
    top, deferred = _imports("ui.keys")
    assert not {m for m in top | deferred if m.split(".")[0] == "ui"}


def _import_alone(module: str) -> tuple[str, int, str]:
    run = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    return module, run.returncode, run.stderr[-2000:]


def test_each_page_module_imports_alone():
    """Imported first in a fresh interpreter, each page module finds what it needs (an order of
    imports that works only when another module was imported before would fail here). The
    interpreters run a few at a time: each spends most of its second waiting on the disk."""
    page = sorted(m for m in MODULES if m.split(".")[0] == "ui")
    with ThreadPoolExecutor(max_workers=4) as pool:
        failed = {m: err for m, code, err in pool.map(_import_alone, page) if code != 0}
    assert failed == {}

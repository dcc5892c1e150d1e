"""No module-level state of the page, the scene, the figures or the exports is written while the
app runs, except the few process-wide things every session shares on purpose, each behind a
lock (or a bounded cache, which has its own).

One server process runs every session's script on threads of its own: a module's dict or list
that a function writes is seen, and can be lost, by every other session. The scan reads the
source (the AST): a ``global`` statement, or a call that changes a module-level name in place
(``.append``, ``.update``, ``.put``, ``[k] = v``...), inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ui", "scene", "figures", "export")
CHANGES = {"append", "extend", "update", "add", "pop", "clear", "setdefault", "insert", "remove",
           "discard", "popitem", "put", "sort", "reverse"}

#: Shared on purpose, and why each is safe (the module says so beside it).
SHARED = {
    # bounded caches of results, each with its own lock (ui.cache.BoundedCache)
    ("ui/analysis.py", "CACHE"), ("ui/analysis.py", "_CSV_SIZES"),
    ("ui/basins_view.py", "_VIEWS"), ("ui/grid.py", "_answers"), ("ui/live.py", "_cache"),
    # the process's gate for the live route and the views, made once under a lock
    ("ui/guard.py", "_gate"),
    # the directory the player's files are served from, rebuilt under a lock
    ("ui/player.py", "_FRONTEND_DIR"), ("ui/player.py", "_SYNCED_STAMP"),
    # a thread's own last scene and its JSON (threading.local)
    ("ui/views.py", "_LAST_JSON"),
    # the optimizers seen compiled (the process's compiled loops), under a lock
    ("ui/views.py", "_COMPILED"),
}


def _written(path: Path) -> set[str]:
    """The module-level names of ``path`` that a function writes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    written = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Global):
                written.update(node.names)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and isinstance(node.func.value, ast.Name) and node.func.value.id in names
                  and node.func.attr in CHANGES):
                written.add(node.func.value.id)
            elif isinstance(node, ast.Assign | ast.AugAssign):
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if (isinstance(t, ast.Subscript | ast.Attribute)
                            and isinstance(t.value, ast.Name) and t.value.id in names):
                        written.add(t.value.id)
    return written


def test_module_state_is_written_only_where_it_is_shared_on_purpose():
    found = {(str(p.relative_to(ROOT)), name)
             for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))
             for name in _written(p)}
    assert found - SHARED == set()


def test_the_scan_sees_a_module_dict_written_by_a_function(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("SEEN = {}\nN = 0\n\ndef f(k):\n    SEEN[k] = 1\n\n"
                      "def g():\n    global N\n    N += 1\n")
    assert _written(source) == {"SEEN", "N"}

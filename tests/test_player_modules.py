"""The race player's modules (``ui/player_frontend/*.js``) as modules: what keeps them one graph
without cycles that ``ui.player_inline`` can turn into one classic script, and the store as the
only writer of the state. Pure Python: runs everywhere."""

from __future__ import annotations

import re

import pytest

from ui.player_inline import ENTRY, FRONTEND, InlineError, inline_script, module_order

MODULES = sorted(p.name for p in FRONTEND.glob("*.js") if p.name != "plotly-race.min.js")


def test_every_module_is_in_the_graph_and_none_imports_another_back():
    order = module_order()
    assert order[-1] == ENTRY
    assert sorted(order) == MODULES  # no module left out of main's graph
    assert order.index("store.js") < order.index("bridge.js") < order.index("main.js")


def test_only_the_store_writes_the_state():
    write = re.compile(r"\bstate\.[\w.\[\]\"']+\s*(?:[-+*/]?=(?!=)|\+\+|--)")
    for name in MODULES:
        if name == "store.js":
            continue
        text = (FRONTEND / name).read_text()
        assert not write.search(text), f"{name} writes the state: {write.search(text).group(0)}"


def test_the_inlined_script_has_no_import_or_export_left():
    script = inline_script()
    assert not re.search(r"^\s*(import|export)\b", script, re.M)
    for name in MODULES:
        assert f"// ---- {name}" in script
    assert "</script" not in script


def _graph(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_inliner_refuses_what_it_cannot_rewrite(tmp_path):
    folder = _graph(tmp_path, {"main.js": 'import { a } from "./a.js";\n',
                               "a.js": 'import { m } from "./main.js";\nexport var a = 1;\n'})
    with pytest.raises(InlineError, match="import each other"):
        module_order(folder=folder)
    folder = _graph(tmp_path, {"main.js": 'import a from "./a.js";\n', "a.js": ""})
    with pytest.raises(InlineError):
        inline_script(folder=folder)
    folder = _graph(tmp_path, {"main.js": 'export default 3;\n'})
    with pytest.raises(InlineError):
        inline_script(folder=folder)


def test_the_inliner_keeps_each_module_in_its_own_scope(tmp_path):
    folder = _graph(tmp_path, {
        "main.js": 'import { twice as double, n } from "./a.js";\nimport * as b from "./b.js";\n'
                   "globalThis.out = [double(n), b.n];\n",
        "a.js": "var n = 2;\nexport function twice(v) { return 2 * v; }\nexport { n };\n",
        "b.js": "export const n = 5;\n"})
    script = inline_script(folder=folder)
    assert script.index("// ---- a.js") < script.index("// ---- main.js")
    assert "var double = __modules['a.js'].twice;" in script


def test_the_debug_views_fields_are_the_documented_ones():
    fields = set(re.findall(r"^    (\w+): \{ get:", (FRONTEND / "debug.js").read_text(), re.M))
    readme = (FRONTEND / "README.md").read_text().split("## Debug view", 1)[1]
    documented = set(re.findall(r"^\| `(\w+)` \|", readme, re.M))
    assert fields and fields == documented

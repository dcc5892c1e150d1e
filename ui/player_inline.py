"""The race player's ES modules as one classic script, and the player as one HTML page.

The player (``ui/player_frontend``) is a graph of native ES modules that the browser loads from
the app. A page opened from ``file://`` cannot import modules, so a page that carries the
player itself (an interactive export) needs them as one classic script: :func:`inline_script`
puts each module in a function scope of its own, in dependency order, its ``import`` lines
turned into reads of the modules before it and its ``export`` lines into the object it returns.
No bundler: the modules keep to a small, checked subset of the syntax -

* ``import { a, b as c } from "./name.js";`` or ``import * as ns from "./name.js";`` at the
  start of a line, from a module in the same folder;
* ``export function f``, ``export var|let|const x`` (never reassigned after the module
  has run: what it exported is read once), ``export { a, b }``;
* no cycles between modules, no ``import()`` and no ``import.meta``.

Anything else at the start of a line that looks like an import or an export raises
:class:`InlineError` rather than being passed through.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["InlineError", "FRONTEND", "ENTRY", "module_order", "inline_script", "plotly_script",
           "page_with", "inline_page"]

FRONTEND = Path(__file__).resolve().with_name("player_frontend")
ENTRY = "main.js"
PLOTLY = "plotly-race.min.js"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w-]+\.js)";[ \t]*\n', re.M)
_IMPORT_NS = re.compile(r'^import\s+\*\s+as\s+(\w+)\s+from\s*"\./([\w-]+\.js)";[ \t]*\n', re.M)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?[ \t]*\n", re.M)
_EXPORT_DECL = re.compile(r"^export\s+((?:async\s+)?(?:function\*?|var|let|const|class)\s+(\w+))",
                          re.M)
_LEFTOVER = re.compile(r"^(?:import|export)\b.*$|\bimport\s*\(|\bimport\.meta\b", re.M)
_NAME = re.compile(r"^\w+$")


class InlineError(ValueError):
    """A module uses syntax the inliner does not turn into a classic script."""


def _names(spec: str, where: str) -> list[tuple[str, str]]:
    """``a, b as c`` as [(exported, local)]."""
    out = []
    for part in spec.split(","):
        part = " ".join(part.split())
        if not part:
            continue
        bits = part.split(" as ")
        if len(bits) == 1:
            bits = [bits[0], bits[0]]
        if len(bits) != 2 or not all(_NAME.match(b) for b in bits):
            raise InlineError(f"{where}: cannot read the names {part!r}")
        out.append((bits[0], bits[1]))
    return out


def _read(name: str, folder: Path) -> tuple[list[str], str]:
    """A module's dependencies, and its body as a function body (imports, exports rewritten)."""
    path = folder / name
    if not path.is_file():
        raise InlineError(f"no module {name} in {folder.name}")
    src = path.read_text(encoding="utf-8")
    deps: list[str] = []
    exports: list[tuple[str, str]] = []

    def imp(m: re.Match) -> str:
        dep = m.group(2)
        deps.append(dep)
        return "".join(f"var {local} = __modules[{dep!r}].{exported};\n"
                       for exported, local in _names(m.group(1), name))

    def imp_ns(m: re.Match) -> str:
        deps.append(m.group(2))
        return f"var {m.group(1)} = __modules[{m.group(2)!r}];\n"

    def exp_list(m: re.Match) -> str:
        exports.extend((local, exported) for local, exported in _names(m.group(1), name))
        return ""

    def exp_decl(m: re.Match) -> str:
        exports.append((m.group(2), m.group(2)))
        return m.group(1)

    body = _IMPORT.sub(imp, src)
    body = _IMPORT_NS.sub(imp_ns, body)
    body = _EXPORT_LIST.sub(exp_list, body)
    body = _EXPORT_DECL.sub(exp_decl, body)
    left = _LEFTOVER.search(body)
    if left:
        line = body[:left.start()].count("\n") + 1
        raise InlineError(f"{name}, line {line} of the rewritten text: {left.group(0)[:60]!r}")
    returned = ", ".join(f"{exported}: {local}" for local, exported in exports)
    return deps, body.rstrip() + f"\nreturn {{{returned}}};\n"


def module_order(entry: str = ENTRY, folder: Path = FRONTEND) -> list[str]:
    """The modules ``entry`` needs, each after the ones it imports (the entry last)."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            raise InlineError("modules import each other: " + " -> ".join(chain + [name]))
        state[name] = "open"
        for dep in _read(name, folder)[0]:
            visit(dep, chain + [name])
        state[name] = "done"
        order.append(name)

    visit(entry, [])
    return order


def inline_script(entry: str = ENTRY, folder: Path = FRONTEND) -> str:
    """The module graph from ``entry`` as one classic script (strict mode, as modules are)."""
    parts = ['(function () {\n"use strict";\nvar __modules = {};\n']
    for name in module_order(entry, folder):
        body = _read(name, folder)[1]
        parts.append(f"// ---- {name}\n__modules[{name!r}] = (function () {{\n{body}}})();\n")
    parts.append("})();\n")
    # Safe inside an HTML <script> element.
    return "".join(parts).replace("</script", "<\\/script")


def plotly_script(folder: Path = FRONTEND) -> str:
    """The Plotly bundle the player draws with (a classic script)."""
    return (folder / PLOTLY).read_text(encoding="utf-8")


def page_with(scripts: str, folder: Path = FRONTEND) -> str:
    """The player's page with its styles written into it and ``scripts`` (HTML) in place of
    the script that loads the player from the app."""
    page = (folder / "index.html").read_text(encoding="utf-8")
    css = (folder / "player.css").read_text(encoding="utf-8")
    head = re.compile(r'<link rel="stylesheet" href="player\.css[^"]*">')
    loader = re.compile(r"<script>.*?</script>", re.S)
    if not head.search(page) or len(loader.findall(page)) != 1:
        raise InlineError("index.html no longer has one stylesheet link and one loader script")
    page = head.sub(lambda m: "<style>\n" + css + "</style>", page)
    return loader.sub(lambda m: scripts, page)


def inline_page(folder: Path = FRONTEND) -> str:
    """The player's page with its styles, Plotly and the player written into it: one file
    that works from ``file://``. It shows nothing until it is sent a render as Streamlit
    would send it (``window.postMessage({type: "streamlit:render", args: {...}})``)."""
    plotly = plotly_script(folder).replace("</script", "<\\/script")
    return page_with(f"<script>\n{plotly}\n</script>\n<script>\n{inline_script(folder=folder)}"
                     "</script>", folder)

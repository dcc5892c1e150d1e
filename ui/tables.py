"""Small tables as Markdown (no Streamlit): the app renders them with ``st.markdown``.

Markdown tables keep the page light (no data-grid code to download) and read well at projector
distance. Optimizer names carry a dot in their colour so each row matches its path.
"""

from __future__ import annotations

import html
import re

# Markdown's (and Streamlit's) syntax characters: links and images ([ ] ( ) !), emphasis
# (* _ ~), code (`), HTML and entities (< > &), headings (#), tables (|), math ($), colour
# directives and emoji shortcodes (:), and the escape itself.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]{}()<>#|~$!&:])")
_LIST_START = re.compile(r"^([-+=]|\d+(?=\.))")  # a list item, or a heading's underline
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
_WORD_JOINER = "\u2060"  # invisible; breaks what GFM would turn into a link by itself


def md_literal(text) -> str:
    """``text`` as Markdown that shows exactly that text: every syntax character escaped, on
    one line (a line break in a label is a space), and no address left for GFM to link on its
    own (``https://``, ``www.``, ``a@b`` get an invisible word joiner). Use it for every user
    text (labels, link warnings, titles and claims from a link) that reaches ``st.markdown``,
    a caption, an alert, a toast, an expander's label or a table cell."""
    text = " ".join(str(text).split())
    text = "".join(c for c in text if c.isprintable() or c == "\u200d")  # no controls
    text = _AUTOLINK.sub(_WORD_JOINER, text)
    text = _MD_SYNTAX.sub(r"\\\1", text)
    return _LIST_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], text)


def _cell(value) -> str:
    text = value if isinstance(value, str) else f"{value:.4g}" if isinstance(value, float) \
        else str(value)
    # a pipe ends the cell unless escaped (md_literal's text comes escaped already)
    return re.sub(r"(?<!\\)\|", r"\\|", text.replace("\n", " "))


def swatch(label: str, color: str) -> str:
    """The label (literal text) after a dot in its colour."""
    return f'<span style="color:{html.escape(color)}">●</span> {md_literal(label)}'


def markdown_table(header: list[str], rows: list[list], align: list[str] | None = None) -> str:
    """A Markdown table; ``align`` holds "l" or "r" per column."""
    align = align or ["l"] * len(header)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)

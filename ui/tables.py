"""Small tables as Markdown (no Streamlit): the app renders them with ``st.markdown``.

Markdown tables keep the page light (no data-grid code to download) and read well at projector
distance. Optimizer names carry a dot in their colour so each row matches its path.
"""

from __future__ import annotations

import html


def _cell(value) -> str:
    text = value if isinstance(value, str) else f"{value:.4g}" if isinstance(value, float) \
        else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def swatch(label: str, color: str) -> str:
    return f'<span style="color:{html.escape(color)}">●</span> {html.escape(label)}'


def markdown_table(header: list[str], rows: list[list], align: list[str] | None = None) -> str:
    """A Markdown table; ``align`` holds "l" or "r" per column."""
    align = align or ["l"] * len(header)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)

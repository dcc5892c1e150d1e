"""Laying out text before Plotly renders it: widths, legend grids, titles."""

from __future__ import annotations

import math

from ._style import Theme

TEXT_INSET = 14  # px from the left edge of the figure to the title and a legend below

# Advance widths of Arial/Helvetica (per 1000 em), for laying out legends before rendering.
_WIDTHS = dict(zip(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:()=-+·/'*",
    [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333,
     500, 278, 556, 500, 722, 500, 500, 500, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500,
     667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,
     *[556] * 10, 278, 278, 278, 278, 278, 333, 333, 584, 333, 584, 278, 278, 191, 389],
    strict=True))


def text_px(text: str, size: float) -> float:
    """The rendered width of ``text`` in Arial at ``size`` px, a little generously."""
    return 1.06 * size * sum(_WIDTHS.get(c, 620) for c in text) / 1000 + 2


def legend_grid(labels: list[str], size: float, room: float,
                max_cols: int | None = None) -> tuple[int, int, float]:
    """Columns, rows and entry width (px, symbol included) of a legend laid out as a grid of
    equal columns across ``room`` pixels (an entry on several lines, split by ``<br>``, is as
    wide as its longest line)."""
    if not labels:
        return 1, 0, 0.0
    item_w = max(text_px(line, size) for s in labels for line in s.split("<br>")) + 50
    cols = max(1, min(len(labels), max_cols or len(labels), int(room // item_w)))
    return cols, math.ceil(len(labels) / cols), item_w


def title_annotations(title: str, subtitle: str, t: Theme, *, left: float, top: float,
                      plot_h: float, x_px: float) -> list[dict]:
    """A title and a smaller subtitle placed ``x_px`` from the left edge and 14 px below the
    top edge of the figure (annotations, because layout titles with several lines drift).
    The horizontal place is a shift in pixels from the plot's left edge, not a fraction of the
    plot's width, so the text keeps its place when a page draws the figure wider than it was
    made (a chart that fills its column)."""
    shift = x_px - left
    y_title = 1 + (top - 12) / plot_h
    out = [{"text": _html(title), "xref": "paper", "yref": "paper", "x": 0, "xshift": shift,
            "y": y_title, "xanchor": "left", "yanchor": "top", "showarrow": False,
            "font": t.font(t.title_size), "name": "title"}]
    if subtitle:
        y_sub = 1 + (top - 12 - 1.3 * t.title_size - 2) / plot_h
        out.append({"text": _html(subtitle), "xref": "paper", "yref": "paper", "x": 0,
                    "xshift": shift, "y": y_sub, "xanchor": "left", "yanchor": "top",
                    "showarrow": False, "font": t.font(), "name": "subtitle"})
    return out


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")



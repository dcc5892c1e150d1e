"""What the animator and both map renderers share: the rendered stage and small drawing helpers.

:mod:`export.animate` draws the race on a :class:`Stage` made by Chromium (Kaleido) or, without
it, by :mod:`export.sketch` (Pillow). Both import from here, and ``animate`` imports ``sketch``,
never the other way round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageFont


@dataclass
class Stage:
    """A rendered background and where the plot area lies on it (output pixels)."""

    background: Image.Image  # RGB
    overlay: Image.Image | None  # RGBA markers kept above the paths, same size
    area: tuple[float, float, float, float]  # left, top, right, bottom
    xrange: tuple[float, float]
    yrange: tuple[float, float]
    scale: float


def plot_area(fig, scale: float) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of the plot area in output pixels, from the figure's layout.

    Plotly rounds each margin to whole CSS pixels and fills the rest of width × height with
    the plot area; the landscape figure fixes its margins (``autoexpand`` off) and its axis
    ranges, so this is exact.
    """
    m = fig.layout.margin
    left, right = round(m.l), round(m.r)
    top, bottom = round(m.t), round(m.b)
    w, h = round(fig.layout.width), round(fig.layout.height)
    return (left * scale, top * scale, (w - right) * scale, (h - bottom) * scale)


def _font(size: float, names: tuple[str, ...] = ("LiberationSans-Regular.ttf", "Arial.ttf",
                                                 "DejaVuSans.ttf")):
    """A TrueType font at ``size`` px: the first of ``names`` found, else Pillow's own."""
    for name in names:
        try:
            return ImageFont.truetype(name, int(round(size)))
        except OSError:
            continue
    return ImageFont.load_default(size=int(round(size)))


def _hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def symbol_polygon(symbol: str, x: float, y: float, r: float) -> list[tuple[float, float]] | None:
    """The outline of a Plotly marker ``symbol`` of radius ``r`` (half its size) centred at
    (x, y), as Plotly draws it; None for a circle."""
    s3 = 3 ** 0.5
    if symbol == "square":
        pts = [(r, r), (-r, r), (-r, -r), (r, -r)]
    elif symbol == "diamond":
        d = 1.3 * r
        pts = [(d, 0), (0, d), (-d, 0), (0, -d)]
    elif symbol == "triangle-up":
        pts = [(-2 * r / s3, r / 2), (2 * r / s3, r / 2), (0, -r)]
    elif symbol == "triangle-down":
        pts = [(-2 * r / s3, -r / 2), (2 * r / s3, -r / 2), (0, r)]
    elif symbol == "triangle-right":
        pts = [(-r / 2, -2 * r / s3), (-r / 2, 2 * r / s3), (r, 0)]
    elif symbol == "triangle-left":
        pts = [(r / 2, -2 * r / s3), (r / 2, 2 * r / s3), (-r, 0)]
    elif symbol == "hexagon":
        h = r * s3 / 2
        pts = [(h, -r / 2), (h, r / 2), (0, r), (-h, r / 2), (-h, -r / 2), (0, -r)]
    elif symbol == "pentagon":
        pts = [(r * math.sin(2 * math.pi * k / 5), -r * math.cos(2 * math.pi * k / 5))
               for k in range(5)]
    elif symbol == "cross":  # a plus sign, as Plotly's "cross"
        w = 0.4 * r
        pts = [(w, -r), (w, -w), (r, -w), (r, w), (w, w), (w, r), (-w, r), (-w, w), (-r, w),
               (-r, -w), (-w, -w), (-w, -r)]
    elif symbol == "bowtie":
        pts = [(-r, -r), (r, r), (r, -r), (-r, r)]
    elif symbol == "hourglass":
        pts = [(-r, -r), (r, -r), (-r, r), (r, r)]
    else:
        return None
    return [(x + a, y + b) for a, b in pts]


def draw_symbol(draw, symbol: str, x: float, y: float, diameter: float, fill,
                rim: float = 0.0, rim_fill=(255, 255, 255, 255)) -> None:
    """A racer's marker as Plotly draws it (``diameter`` is Plotly's marker size), with a rim
    ``rim`` pixels wide around it."""
    for r, color in (((diameter / 2 + rim), rim_fill), (diameter / 2, fill)):
        if r <= 0 or (color is rim_fill and rim <= 0):
            continue
        poly = symbol_polygon(symbol, x, y, r)
        if poly is None:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=color)
        else:
            draw.polygon(poly, fill=color)


def dashes(line, pattern: list[float], phase: float) -> tuple[list, float]:
    """The dashes of the polyline ``line`` (n × 2, pixels) with ``pattern`` (dash, gap, …
    lengths in pixels), starting ``phase`` pixels into the pattern. Returns the dashes as
    polylines and the phase at the line's end, so a path drawn in pieces keeps its rhythm.
    Returns ``None`` instead of the dashes when they would be too many to draw (a line whose
    length is more than 20,000 patterns): such a line is drawn solid."""
    import numpy as np

    seg = np.hypot(*np.diff(line, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    total = float(s[-1])
    period = float(sum(pattern))
    if total / period > 20_000:
        return None, (phase + total) % period
    starts = np.concatenate([[0.0], np.cumsum(pattern)])[:-1:2]
    lengths = np.asarray(pattern[0::2], dtype=np.float64)
    base = -(phase % period)
    out = []
    while base < total:
        for a, n in zip(starts, lengths, strict=True):
            u, v = max(base + a, 0.0), min(base + a + n, total)
            if u >= v:
                continue
            i0, i1 = int(np.searchsorted(s, u, "right")), int(np.searchsorted(s, v, "left"))
            pu = np.array([np.interp(u, s, line[:, 0]), np.interp(u, s, line[:, 1])])
            pv = np.array([np.interp(v, s, line[:, 0]), np.interp(v, s, line[:, 1])])
            out.append(np.vstack([pu, line[i0:i1], pv]))
        base += period
    return out, (phase + total) % period

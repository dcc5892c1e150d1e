"""What the animator and both map renderers share: the rendered stage and small drawing helpers.

:mod:`export.animate` draws the race on a :class:`Stage` made by Chromium (Kaleido) or, without
it, by :mod:`export.sketch` (Pillow). Both import from here, and ``animate`` imports ``sketch``,
never the other way round.
"""

from __future__ import annotations

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

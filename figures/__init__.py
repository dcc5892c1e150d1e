"""Plotly figures of a race, for the app and for static exports.

Pure: no Streamlit. Every builder takes a :class:`scene.race.Race` and a theme, ``"article"``
(white, print-sized text) or ``"screen"`` (large text for projectors).
"""

from __future__ import annotations

from ._style import THEMES, Theme, get_theme
from ._text import hyper_text, legend_label
from .landscape import SurfaceField, landscape_figure, surface_field

__all__ = ["THEMES", "Theme", "get_theme", "hyper_text", "legend_label", "landscape_figure",
           "surface_field", "SurfaceField"]

"""Plotly figures of a race, for the app and for static exports.

Pure: no Streamlit. Every builder takes a :class:`scene.race.Race` and a theme, ``"article"``
(white, print-sized text, at least 12 pt when exported at its natural size) or ``"screen"``
(large text for projectors). Colours are the racers' own (the scene's colour-blind-safe
palette unless a racer sets one).

``landscape_figure``  contour map with the paths, minima, saddles and start
``loss_figure``       loss (or its gap to the minimum, on a log axis) against step
``lr_figure``         learning rate against step
``lr_preview_figure`` a compact learning-rate curve for a sidebar
``surface3d_figure``  the surface in 3-D with the paths on it
"""

from __future__ import annotations

from ._style import SURFACE_COLORSCALE, THEMES, Theme, get_theme
from ._text import hyper_text, legend_label
from .curves import loss_figure, lr_figure, lr_preview_figure
from .landscape import SurfaceField, end_mark, landscape_figure, surface_field
from .surface3d import surface3d_figure

__all__ = ["SURFACE_COLORSCALE", "THEMES", "Theme", "get_theme", "hyper_text", "legend_label",
           "landscape_figure", "loss_figure", "lr_figure", "lr_preview_figure",
           "surface3d_figure", "surface_field", "SurfaceField", "end_mark"]

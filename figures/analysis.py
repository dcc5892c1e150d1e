"""Figures of the analysis views, for the app and for static exports (pure: no Streamlit):
one module per view (:mod:`figures.basins`, :mod:`figures.sensitivity`, :mod:`figures.hyper`),
each named by its view's entry in :data:`scene.views.VIEWS`.

Each builder takes the result of :mod:`scene.analysis` and a theme, as the race's figures do.
The listed minima are marked as on the map (:mod:`figures.mapspec`).
"""

from __future__ import annotations

import plotly.graph_objects as go

from .basins import (
    LEVELS,
    LOSS_FLOOR,
    MINIMUM_COLORS,
    NOT_THERE_COLOR,
    NOT_THERE_LABEL,
    PATH_LABEL,
    STOPPED_COLOR,
    STOPPED_LABEL,
    basin_codes,
    basin_colorscale,
    basin_outcomes,
    basin_palette,
    basin_png,
    basins_figure,
    basins_view,
    ended_at,
    minimum_color,
    nice_ticks,
    tick_text,
)
from .hyper import hyper_figure
from .sensitivity import sensitivity_figure

__all__ = ["LEVELS", "LOSS_FLOOR", "MINIMUM_COLORS", "NOT_THERE_COLOR", "NOT_THERE_LABEL",
           "PATH_LABEL", "STOPPED_COLOR", "STOPPED_LABEL", "analysis_figure", "basin_codes",
           "basin_colorscale", "basin_outcomes", "basin_palette", "basin_png", "basins_figure",
           "basins_view", "ended_at", "hyper_figure", "minimum_color", "nice_ticks",
           "sensitivity_figure", "tick_text"]


def analysis_figure(result, **kw) -> go.Figure:
    """The figure of any result of :func:`scene.analysis.compute`: its view's
    (:func:`scene.views.view_of`)."""
    from scene.views import view_of

    return view_of(result).figure_function()(result, **kw)

"""The basins view on the page: each racer's grid of starts as a picture of one pixel per
start, with the map's axes, the listed minima, the start and a legend; a click on a cell moves
the race's start there.

It is drawn by a small script in the page itself (``basins_view.js`` and ``basins_view.css``,
a Streamlit component without a frame) rather than by a Plotly chart: the view then paints as
soon as its data arrives, without first loading and starting Plotly's library in the browser
(about two seconds on a two-core machine). The exports still draw the basins with Plotly
(:func:`figures.analysis.basins_figure`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from figures.basins import basins_view
from ui.cache import BoundedCache
from ui.state import set_start

_HERE = Path(__file__).resolve().parent
KEY = "basins_view"

_component = st.components.v2.component(
    "optimizer_race_basins",
    js=(_HERE / "basins_view.js").read_text(encoding="utf-8"),
    css=(_HERE / "basins_view.css").read_text(encoding="utf-8"),
)


def on_click() -> None:
    """A click on a cell: the race starts at the cell's start (as a click on the map does)."""
    try:
        point = st.session_state[KEY]["click"]
        x, y = float(point["x"]), float(point["y"])
    except (KeyError, TypeError, ValueError):
        return
    set_start(x, y, exact=True)
    st.toast(f"The race starts at ({x:.4g}, {y:.4g}) now.")


def prepare() -> None:
    """An empty instance of the view, drawn while the basins are computed: the browser loads
    and starts the view's script meanwhile, instead of after the result arrives."""
    _component(key=KEY + "_prepare", data=None)


#: The pictures of the last few results, by their key, bounded in bytes (a 1000 × 1000
#: racer's picture is a few hundred kB of PNG).
_VIEWS = BoundedCache(32 * 2**20)


def _size(view: dict) -> int:
    return 1024 + sum(len(p["png"]) + len(p["title"]) for p in view["panels"])


def _view(result, key) -> dict:
    """The view's data without the start: made once per result, so that a click (which
    moves only the start) sends the same pictures again without encoding them again."""
    view = _VIEWS.get(key)
    if view is None:
        view = basins_view(result)
        _VIEWS.put(key, view, _size(view))
    return view


#: Most points of a racer's path drawn on its panel (a longer path is thinned evenly, its
#: first and last points kept).
PATH_POINTS = 400


def path_points(xy: np.ndarray, most: int = PATH_POINTS) -> list[float]:
    """A path as flat [x0, y0, x1, y1, ...] of at most ``most`` points, rounded to what a
    panel can show; non-finite points are dropped."""
    xy = np.asarray(xy, dtype=float)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) > most:
        xy = xy[np.unique(np.linspace(0, len(xy) - 1, most).round().astype(int))]
    return [float(f"{v:.6g}") for v in xy.ravel()]


def draw(result, start, key, race=None) -> None:
    """Show a :class:`scene.analysis.Basins` result, with the race's start marked and, given
    the race, each racer's path on its panel; ``key`` names the result (as the results' cache
    does)."""
    data = {**_view(result, key), "start": [float(start[0]), float(start[1])],
            "paths": [] if race is None else [path_points(r.traj.xy) for r in race.racers]}
    _component(key=KEY, data=data, on_click_change=on_click)

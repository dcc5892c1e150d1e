"""The analysis views, one declaration each: what the scene, the exports, the command line and
the page know of a view comes from here.

A view is computed from a scene by many runs (:mod:`scene.analysis`), drawn as a figure (for
exports) and drawn on the page (a tab under the map). :data:`VIEWS` lists them in the order of
the page's tabs. The scene reads a view's name (``view["analysis"]``) and its own settings
(``view["grid"]``, ``view["racer"]``) through it, the share link writes and reads them, the
exporter and ``python -m export --figure`` offer each view's figure and numbers, and the page
draws one tab per view. A new view is one module (its computation, result and figure; a
drawer for the page) plus one entry here.

The figure and the page drawer are named ``"module:function"`` and imported when first used,
so that this layer imports neither Plotly nor Streamlit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import analysis as A
from . import budget as B
from .model import BASIN_GRID, BASIN_GRIDS, Scene
from .reader import _num


@dataclass(frozen=True)
class Setting:
    """A view's own setting, kept in the scene's ``view`` and the share link under ``key``.

    ``read(raw, scene)`` gives the value to keep (None: the default, which is not written) or
    raises ValueError or TypeError; ``why(scene)`` is then the warning's reason."""

    key: str
    read: Callable[[Any, Scene], Any]
    why: Callable[[Scene], str]


@dataclass(frozen=True)
class View:
    """One analysis view.

    Attributes
    ----------
    name : the name the scene, the share link and ``--figure`` use
    label : the page's tab
    title : what the export page calls its figure
    result : the type of its result
    compute : ``compute(scene, progress=None, **options)`` → result
    options : ``options(scene)`` → the view's own settings as the scene has them, resolved
        (passed to ``compute``; a result is kept by them)
    rows : ``rows(result)`` → ``(rows, count)``: the CSV rows of a result, the header first
    figure : ``"module:function"``, ``function(result, *, theme, width, height, ...)`` → a
        Plotly figure
    draw : ``"module:function"``, ``function(race_scene, race)`` draws the tab on the page
    work : ``work(scene, grid)`` → what it runs (:class:`scene.budget.Work`), for its budget
    settings : its own settings in the scene's ``view``
    uses_start : whether its result depends on the race's start (the basins do not)
    with_race : whether its figure also draws the race's start and paths (``start=``,
        ``paths=``); its height then follows its panels unless one is asked for
    file_tag : ``file_tag(scene)`` → words for its file names ("hyper-adam"), in order of
        preference: the first that gives a file name is used
    note : ``note(scene)`` → what an export should say about settings it could not follow
    """

    name: str
    label: str
    title: str
    result: type
    compute: Callable[..., Any]
    options: Callable[[Scene], dict]
    rows: Callable[[Any], tuple]
    figure: str
    draw: str
    work: Callable[..., B.Work]
    settings: tuple[Setting, ...] = ()
    uses_start: bool = True
    with_race: bool = False
    file_tag: Callable[[Scene], tuple[str, ...]] | None = None
    note: Callable[[Scene], str | None] | None = None

    def figure_function(self) -> Callable:
        return _load(self.figure)

    def draw_function(self) -> Callable:
        return _load(self.draw)


def _load(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# -- the basins' and the map's own settings ------------------------------------------------------


def _read_grid(raw, scene: Scene) -> int | None:
    grid = _num(raw, integer=True)
    if grid not in BASIN_GRIDS:
        raise ValueError
    return None if grid == BASIN_GRID else grid


def _read_racer(raw, scene: Scene) -> int:
    racer = _num(raw, integer=True)
    if not 1 <= racer <= len(scene.optimizers):
        raise ValueError
    return racer


GRID = Setting("grid", _read_grid, lambda scene: "is not a basins grid (choose one of: "
               f"{', '.join(map(str, BASIN_GRIDS))})")
RACER = Setting("racer", _read_racer, lambda scene: "is not the number of a racer (1 to "
                f"{len(scene.optimizers)})")


def _hyper_tag(scene: Scene) -> tuple[str, ...]:
    """Whose map it is: the racer's label (or, when it has no letters or digits, its
    number)."""
    index = A.view_racer(scene)
    if index is None or not scene.optimizers:
        return ()
    return scene.labels()[index], str(index + 1)


VIEWS: dict[str, View] = {
    "basins": View(
        name="basins", label="Basins", title="basins of attraction", result=A.Basins,
        compute=A.compute_basins, options=lambda scene: {"grid": A.basin_grid(scene)},
        rows=A.basins_rows, figure="figures.basins:basins_figure",
        draw="ui.analysis:draw_basins", settings=(GRID,), uses_start=False, with_race=True,
        note=A.basins_note, work=B.basins_work),
    "sensitivity": View(
        name="sensitivity", label="Learning-rate sensitivity",
        title="learning-rate sensitivity", result=A.Sensitivity,
        compute=A.compute_sensitivity, options=lambda scene: {},
        rows=A.sensitivity_rows, figure="figures.sensitivity:sensitivity_figure",
        draw="ui.analysis:draw_sensitivity", work=B.sensitivity_work),
    "hyper": View(
        name="hyper", label="Hyperparameter map", title="hyperparameter map",
        result=A.HyperMap, compute=A.compute_hyper,
        options=lambda scene: {"racer": A.view_racer(scene)}, rows=A.hyper_rows,
        figure="figures.hyper:hyper_figure", draw="ui.analysis:draw_hyper",
        settings=(RACER,), file_tag=_hyper_tag, work=B.hyper_work),
}


def view_of(result) -> View:
    """The view a result of :func:`scene.analysis.compute` belongs to."""
    for view in VIEWS.values():
        if isinstance(result, view.result):
            return view
    raise TypeError(f"{type(result).__name__} is not the result of an analysis view")


def settings() -> list[Setting]:
    """Every view's own settings."""
    return [s for view in VIEWS.values() for s in view.settings]

"""The analysis views under the map: basins of attraction, learning-rate sensitivity and the
hyperparameter map, each a tab of :func:`ui.views.draw_tabs`.

Results are cached for every session in :data:`CACHE`, bounded in bytes. A computation that
takes more than half a second shows a progress bar; the bar's updates between chunks of work
are where a change on the page stops a computation in flight (Streamlit interrupts the script
at its next call), so a stale result is never finished.
"""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from figures.hyper import hyper_figure
from figures.sensitivity import sensitivity_figure
from scene import BASIN_GRID, BASIN_GRIDS, Scene, to_json
from scene.analysis import (
    basin_grid,
    compute,
    estimated_csv_bytes,
    second_axis,
    to_csv,
    view_racer,
)
from scene.budget import view_problem, what_to_lower
from scene.views import VIEWS
from ui import basins_view
from ui.cache import BoundedCache
from ui.guard import view_slot
from ui.keys import analysis_of, csv_button_key, tab_labels, tab_of  # noqa: F401

SHOW_PROGRESS_AFTER = 0.5  # seconds


#: Bytes of results kept for every session (a view's result holds at most
#: :data:`scene.budget.VIEW_BYTES`).
CACHE_BYTES = 192 * 2**20
CACHE = BoundedCache(CACHE_BYTES, max_item=CACHE_BYTES)


def _key(scene: Scene, analysis: str, options: dict) -> tuple:
    """What a result depends on: the view's own settings (``options``), not the title, the
    claim or the view; for a view that does not use the start (the basins) not the start
    either (a click on a cell moves the start and keeps the basins)."""
    plain = replace(scene, view={}, title="", claim="")
    if not VIEWS[analysis].uses_start:
        plain = replace(plain, start=None)
    return analysis, to_json(plain), tuple(sorted(options.items()))


def result_key(scene: Scene, analysis: str) -> tuple:
    """The key of the view's result for the scene, with the view's own settings."""
    return _key(scene, analysis, VIEWS[analysis].options(scene))


def cached_result(scene: Scene, analysis: str, meanwhile=None):
    """The result of the view ``analysis`` for the scene, with its own settings (the basins
    grid, the map's racer) as the scene's view has them: from the cache, or computed with a
    progress bar. ``meanwhile()``, when given, draws something in the progress bar's place
    while the computation runs. None, with a message on the page naming what to lower, when
    the view's runs would take more than a view's budget (:mod:`scene.budget`)."""
    options = VIEWS[analysis].options(scene)
    key = _key(scene, analysis, options)
    hit = CACHE.get(key)
    if hit is not None:
        return hit
    problem = view_problem(scene, analysis)
    if problem is not None:
        st.warning(f"This view is not computed: {problem}.")
        return None
    bar = st.empty()
    if meanwhile is not None:
        with bar:
            meanwhile()
    began = time.monotonic()

    def progress(fraction: float) -> bool:
        if time.monotonic() - began > SHOW_PROGRESS_AFTER:
            bar.progress(min(1.0, fraction), text=f"Running the optimizers: {fraction:.0%}")
        return True

    note = st.empty()
    with view_slot(lambda: note.caption("Other views are being computed on this server: "
                                        "this one starts in turn.")):
        note.empty()
        began = time.monotonic()
        result = compute(scene, analysis, progress=progress, **options)
    bar.empty()
    CACHE.put(key, result, result.nbytes)
    return result


def _size_text(size: float) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"


#: The largest CSV the page offers: a file is made in the server's memory when its button is
#: pressed, and a class shares one server. Larger data comes from the command line.
MAX_CSV_BYTES = 64 * 2**20


#: Each result's CSV size, by the result's key: a few bytes each, never the result itself.
_CSV_SIZES = BoundedCache(256 * 1024)


def _csv_size(result, key) -> int:
    """:func:`estimated_csv_bytes` of ``result``, worked out once per result: formatting its
    sample rows costs more than the rest of a page run, which happens at every change."""
    size = _CSV_SIZES.get(key)
    if size is None:
        size = estimated_csv_bytes(result)
        _CSV_SIZES.put(key, size, 100 + len(key[1]))  # the key (a scene's JSON) and an int
    return size


def _csv_button(result, scene: Scene, analysis: str) -> None:
    """The view's numbers as CSV; the button says how large the file is when it is large, and
    a file too large to make on a shared server is offered from the command line instead."""
    from export import file_name

    size = _csv_size(result, result_key(scene, analysis))
    name = file_name(scene, "csv", analysis)
    if size > MAX_CSV_BYTES:
        st.caption(f"The data of this view would be a file of about {_size_text(size)}, more "
                   "than the page makes on a shared server: choose fewer starts per side, or "
                   "write it from the command line with the share link: "
                   f"`python -m export \"LINK\" -o {name} --figure {analysis}`.")
        return
    label = "Data (CSV)" if size < 2**20 else f"Data (CSV, about {_size_text(size)})"
    st.download_button(label, lambda: to_csv(result), file_name=name, mime="text/csv",
                       key=csv_button_key(analysis))


def draw_basins(race_scene: Scene, race=None) -> None:
    if not race_scene.optimizers:
        st.info("Add an optimizer in the sidebar to see where each start leads it.")
        return
    c1, c2 = st.columns([2, 3])
    st.session_state.setdefault("basins_grid", BASIN_GRID)
    wanted = c1.select_slider("starts per side", BASIN_GRIDS, key="basins_grid",
                              help="The grid of starts over the map: 200 gives 40,000 runs "
                                   "per optimizer.")
    grid = basin_grid(race_scene)
    if grid < wanted:
        c2.info(f"{wanted} × {wanted} starts of {race_scene.steps:,} steps for "
                f"{len(race_scene.optimizers)} racer{'s' * (len(race_scene.optimizers) > 1)} "
                f"is more than a view may compute on a shared server: showing {grid} × {grid}. "
                f"Lower {what_to_lower(race_scene)} for more starts.")
    elif race_scene.surface_obj().minima:
        c2.caption("Each cell is a start, coloured by the minimum its run reached: lighter "
                   "took longer. **Click a cell to start the race there**; each panel draws "
                   "its racer's path from the race's start.")
    else:
        c2.caption("This surface has no minimum: each start's run either leaves the map "
                   "(grey) or is still on it when the steps run out (white). **Click a cell "
                   "to start the race there.**")
    st.session_state.setdefault("basins_paths", True)
    paths = c1.toggle("show the race's paths", key="basins_paths",
                      help="Each racer's path in the race, drawn on its panel.")
    result = cached_result(race_scene, "basins", meanwhile=basins_view.prepare)
    if result is None:
        return
    basins_view.draw(result, race_scene.start_point(),
                     _key(race_scene, "basins", {"grid": grid}), race if paths else None)
    _csv_button(result, race_scene, "basins")


def draw_sensitivity(race_scene: Scene, race=None) -> None:
    if not race_scene.optimizers:
        st.info("Add an optimizer in the sidebar to see how its learning rate matters.")
        return
    st.caption("Each racer from the current start at 240 learning rates from 0.00001 to 10, "
               "everything else as in the race. A gap in a curve: those runs diverged or "
               "left the map (✕ along the top).")
    result = cached_result(race_scene, "sensitivity")
    if result is None:
        return
    fig = sensitivity_figure(result, theme="article", width=1200, height=640, title="")
    st.plotly_chart(fig, key="sensitivity_chart", config={"displayModeBar": False})
    _csv_button(result, race_scene, "sensitivity")


def draw_hyper(race_scene: Scene, race=None) -> None:
    ss = st.session_state
    able = [i for i, e in enumerate(race_scene.optimizers) if second_axis(e.optimizer)]
    if not able:
        st.info("The map sweeps the learning rate with momentum or β1: add an optimizer "
                "other than Adagrad.")
        return
    labels = race_scene.labels()
    racer = view_racer(race_scene)
    if ss.get("hyper_racer") != racer:  # the scene's racer (a link's, or the first that fits)
        ss["hyper_racer"] = racer
    c1, c2 = st.columns([2, 3])
    c1.selectbox("optimizer", able, format_func=lambda i: labels[i], key="hyper_racer")
    second = second_axis(race_scene.optimizers[racer].optimizer)
    c2.caption(f"Final loss for 61 learning rates × 41 values of {second}, from the current "
               "start; the ring is the racer's own setting, grey cells diverged or left the "
               "map.")
    result = cached_result(race_scene, "hyper")
    if result is None:
        return
    fig = hyper_figure(result, theme="article", width=1200, height=620, title="")
    st.plotly_chart(fig, key="hyper_chart", config={"displayModeBar": False})
    _csv_button(result, race_scene, "hyper")


def draw(analysis: str, race_scene: Scene, race=None) -> None:
    """The tab of the view ``analysis``: its page drawer (:data:`scene.views.VIEWS`)."""
    VIEWS[analysis].draw_function()(race_scene, race)

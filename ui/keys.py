"""The session's keys and the page's shared constants, in one place.

Every widget keeps its value in ``st.session_state`` under a key; the keys that name a racer, a
surface parameter or a schedule's setting are built by the helpers here and nowhere else, so
the sidebar that draws a widget, the state that reads it into a scene and the callbacks that
change it agree on its name. The choices the select boxes add to their lists (no lesson, a
scene of one's own) and the tabs' labels live here too.

A leaf: it imports nothing from ``ui``, so any part of the page can import it.
"""

from __future__ import annotations

from scene.views import VIEWS

__all__ = ["CUSTOM", "NO_LESSON", "FIRST_TAB", "SHARE_TAB", "tab_labels",
           "analysis_of", "tab_of", "entry_prefix", "entry_key", "hyper_key", "open_key",
           "panel_key", "duplicate_key", "remove_key", "tune_key", "surface_param_key",
           "schedule_key",
           "formula_range_key", "section_key", "section_open_key", "header_line_key",
           "csv_button_key", "grids_sent_key"]

#: The Preset box's choice of no preset, and the Lesson box's choice of no lesson.
CUSTOM = "— your own scene —"
NO_LESSON = "— no lesson —"

#: Labels of two of the tabs under the race (``ui.views``).
FIRST_TAB, SHARE_TAB = "Step inspector", "Share & export"

#: Tab label of each analysis view, and back.
def tab_labels() -> dict[str, str]:
    """The tab label of each analysis view, by the view's name (read from the views'
    registry, :data:`scene.views.VIEWS`, each time: a view registered later is there too)."""
    return {name: view.label for name, view in VIEWS.items()}


def tab_of(view: dict) -> str | None:
    """The tab label a scene's view opens (None: none of the analysis tabs)."""
    return tab_labels().get(view.get("analysis"))


def analysis_of(tab) -> str | None:
    """The analysis view a tab shows (None: the tab is not an analysis view's)."""
    return next((name for name, label in tab_labels().items() if label == tab), None)


# A racer's settings: every key of racer ``eid`` starts with its prefix, so that removing the
# racer removes them all.


def entry_prefix(eid: int) -> str:
    """What every session key of racer ``eid``'s settings starts with."""
    return f"e{eid}_"


def entry_key(eid: int, field: str) -> str:
    """Racer ``eid``'s ``field``: ``opt`` (the optimizer), ``label``, ``color``, ``own`` (its
    own schedule, noise and sparsity are on), ``sched``, ``noise``, ``sparsity``."""
    return f"{entry_prefix(eid)}{field}"


def hyper_key(eid: int, name: str, part: int | None = None) -> str:
    """Racer ``eid``'s hyperparameter ``name``; ``part`` 0 or 1 for one number of a pair
    (β1 and β2)."""
    key = entry_key(eid, name)
    return key if part is None else f"{key}_{part}"


def open_key(eid: int) -> str:
    """Whether racer ``eid``'s panel in the sidebar is open."""
    return f"open{eid}"


def panel_key(eid: int) -> str:
    """Racer ``eid``'s panel (an expander) in the sidebar."""
    return f"exp{eid}"


def duplicate_key(eid: int) -> str:
    """Racer ``eid``'s Duplicate button."""
    return f"dup{eid}"


def tune_key(eid: int) -> str:
    """Racer ``eid``'s Tune button."""
    return f"tune{eid}"


def remove_key(eid: int) -> str:
    """Racer ``eid``'s Remove button."""
    return f"rm{eid}"


def surface_param_key(surface: str, param: str) -> str:
    """Parameter ``param`` of catalogue surface ``surface`` (each surface keeps its own)."""
    return f"sp_{surface}_{param}"


def schedule_key(schedule: str, param: str, eid: int | None = None) -> str:
    """Setting ``param`` of learning-rate schedule ``schedule``: the scene's, or with ``eid``
    racer ``eid``'s own (each schedule keeps its own settings)."""
    key = f"sched_{schedule}_{param}"
    return key if eid is None else entry_key(eid, key)


def formula_range_key(bound: str) -> str:
    """One of the formula surface's range inputs: ``xmin``, ``xmax``, ``ymin``, ``ymax``."""
    return f"formula_{bound}"


def section_key(name: str) -> str:
    """A folding section of the sidebar (an expander): ``sched``, ``noise``, ``test``."""
    return f"sec_{name}"


def section_open_key(name: str) -> str:
    """Whether the sidebar's section ``name`` is open."""
    return f"open_{name}"


def header_line_key(name: str) -> str:
    """A line of the header above the map that opens for its whole text (an expander)."""
    return f"head_{name}"


def csv_button_key(view: str) -> str:
    """The download button of analysis view ``view``'s numbers."""
    return f"{view}_csv"


def grids_sent_key(player: str) -> str:
    """The digest of the last surface grids the race player ``player`` (its widget key) was
    given or told of in this session."""
    return f"_{player}_grid_sig"

"""The sidebar's formula field: a surface of the user's own, f(x, y) with x and y ranges.

The session keeps what is typed (``formula_text`` and the four range inputs) apart from the
last formula that could be used (``formula_ok``, the surface's parameters): a formula that
cannot be read shows its error under the field, with the column, and the race keeps the last
good one until the text is fixed. Nothing typed is lost. What a change to the field does is
the page's callback (:func:`ui.callbacks.on_formula`), passed in to
:func:`draw_formula_controls`.
"""

from __future__ import annotations

import streamlit as st

from scene.link import default_formula_params as default_params
from ui.keys import formula_range_key
from ui.tables import md_literal

RANGE_KEYS = ("xmin", "xmax", "ymin", "ymax")


def formula_params() -> dict:
    """The surface parameters of the last usable formula (the default one before any)."""
    ss = st.session_state
    if "formula_ok" not in ss:
        write_formula(default_params())
    return dict(ss["formula_ok"])


def write_formula(params: dict) -> None:
    """Put a formula surface's parameters into the field and the range inputs."""
    ss = st.session_state
    full = {**default_params(), **params}
    ss["formula_ok"] = full
    ss["formula_text"] = full["f"]
    for k in RANGE_KEYS:
        ss[formula_range_key(k)] = float(full[k])
    ss["formula_error"] = ""


def draw_formula_controls(on_change) -> None:
    """The formula field, its error in place, the x and y ranges, and the gradient."""
    ss = st.session_state
    formula_params()
    st.text_input("f(x, y) =", key="formula_text", on_change=on_change, max_chars=500,
                  help="Numbers (1e-3 too), x, y, pi, e, + - * / ^, brackets, and sin cos tan "
                       "asin acos atan sinh cosh tanh exp log log10 sqrt abs min max. "
                       "Press Enter to race on it.")
    if ss.get("formula_error"):
        st.error(md_literal(ss["formula_error"]) + " — the race keeps the last formula "
                 "that worked.", icon="✏️")
    c = st.columns(4)
    for col, k, label in zip(c, RANGE_KEYS, ("x from", "x to", "y from", "y to"), strict=True):
        col.number_input(label, key=formula_range_key(k), format="%g", step=0.5,
                         on_change=on_change)

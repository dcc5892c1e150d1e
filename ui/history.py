"""The browser's history, true to the page: a script in the page (``history.js``) that alone
decides what becomes an entry of the browser's history, and Back and Forward that load the
scene their address names.

A preset, a lesson's slide or another surface is a step of its own: its link gets a new entry.
The tweaks after it (a learning rate, a drag of the start, a pause of the player, a burst of
arrow presses) share one entry above it, each overwriting the last, so Back first undoes the
tweaks, then the step, and never leaves the app from a tweak. Streamlit's own writes of the
address (``st.query_params``, which it would add as one entry each) only overwrite the current
entry. On Back or Forward Streamlit reruns the page with the restored address, and
:func:`follow` reads it as a first visit does (:func:`ui.state.load_link`); should that rerun
not come, the script sends the address itself (:func:`_on_link`). The script draws nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.state import load_link, notify

KEY = "history_keeper"
#: The longest address query read on Back or Forward (a scene's link is a few hundred
#: characters; twenty racers with labels and their own schedules stay under 8,000).
MAX_QUERY = 32_768

_component = st.components.v2.component(
    "optimizer_race_history",
    js=(Path(__file__).resolve().parent / "history.js").read_text(encoding="utf-8"),
)


def navigation() -> None:
    """This change is a step of its own (a preset, a slide, a surface): its link gets a new
    entry in the browser's history, whatever the entry before it was."""
    ss = st.session_state
    ss["history_nav"] = int(ss.get("history_nav", 0)) + 1


def _load(params: dict[str, list[str]]) -> None:
    """Show the scene of a restored address, and tell the page's script which address that
    was (a token new for each load tells this load from an earlier one)."""
    ss = st.session_state
    query = urlencode(params, doseq=True)
    ss["history_load"] = secrets.token_hex(8)
    ss["history_loaded"] = query
    # Written again even when the scene is the one shown, so that Streamlit's copy of the
    # address is the restored one.
    ss.pop("last_query", None)
    load_link(params)


def follow() -> None:
    """Back or Forward: Streamlit reruns the page with the restored address and says so; the
    scene it names is loaded before anything is drawn. (The first run of a session reads the
    address in ``ui.state.init_session``.)"""
    ctx = get_script_run_ctx()
    if ("entry_ids" not in st.session_state or ctx is None
            or not getattr(ctx, "is_history_navigation", False)):
        return
    _load({k: st.query_params.get_all(k) for k in st.query_params})


def _on_link() -> None:
    """The page's script sends the restored address itself when no rerun loaded it."""
    try:
        value = st.session_state[KEY]["link"]
        query = value["query"]
    except (KeyError, TypeError):
        return
    if not isinstance(query, str):
        return
    if len(query) > MAX_QUERY:  # the page keeps its scene; its script then writes it
        notify(f"The address is longer than the {MAX_QUERY:,} characters a link can have; "
               "the page keeps its scene.")
        return
    _load(parse_qs(query.removeprefix("?"), keep_blank_values=True))


def draw(query: dict) -> None:
    """Give the page's history script this run's link (before ``ui.state.write_link`` puts it
    in Streamlit's copy of the address, so that Streamlit never adds it as an entry)."""
    ss = st.session_state
    # Encoded as Streamlit writes the address, so that its write finds the address there.
    _component(key=KEY, data={"query": urlencode(query, doseq=True),
                              "nav": int(ss.get("history_nav", 0)),
                              "load": ss.get("history_load"), "loaded": ss.get("history_loaded")},
               on_link_change=_on_link)

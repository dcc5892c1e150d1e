"""A script in the page that keeps the scroll position when the app switches the tab below the
race (see ``tab_keeper.js``). It draws nothing."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_component = st.components.v2.component(
    "optimizer_race_tab_keeper",
    js=(Path(__file__).resolve().parent / "tab_keeper.js").read_text(encoding="utf-8"),
)


def draw() -> None:
    _component(data=None)

"""Cached computations of the page: pure functions of hashable arguments, no widgets inside.

Bounded by entry count (Streamlit's ``max_entries``), each entry kept small: a race keeps its
paths and losses only (under 1.3 MB for twelve 10,000-step racers); the per-step details the
step inspector and the arrows need (gradients, updates, optimizer state, about ten times
more) are recorded in a separate cache of two. The live routes keep their own cache, bounded
in bytes. Presets and lessons, read-only, are loaded once and shared (no copy per call).
"""

from __future__ import annotations

import streamlit as st

from landscapes import get_surface
from scene import from_json
from scene.presets import load_presets
from scene.race import simulate


@st.cache_data(max_entries=32, show_spinner=False)
def cached_race(scene_json: str):
    scene, _ = from_json(scene_json)
    return simulate(scene)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_tunings(scene_json: str):
    """The search behind each racer marked tuned (None for the others): the same search again,
    which chooses the same rate. Each is a few kilobytes."""
    from scene import tune

    scene, _ = from_json(scene_json)
    out = []
    for i, e in enumerate(scene.optimizers):
        if e.tuned and tune.mark(scene, i) == "tuned":
            try:
                out.append(tune.tune(scene, i, e.tuned["criterion"], "+" in e.tuned["what"]))
            except ValueError:
                out.append(None)
        else:
            out.append(None)
    return out


@st.cache_data(max_entries=2, show_spinner=False)
def cached_recorded(scene_json: str):
    """The race with every step's gradient, update and state: for the step inspector and the
    arrows on the map only."""
    scene, _ = from_json(scene_json)
    return simulate(scene, record=True)


@st.cache_data(max_entries=24, show_spinner=False)
def cached_surface(name: str, params: tuple) -> dict:
    from figures.payload import surface_payload

    return surface_payload(get_surface(name, **dict(params)))


@st.cache_data(max_entries=32, show_spinner=False)
def cached_payload(scene_json: str, arrows: bool, revision: str) -> dict:
    from figures.payload import race_payload

    race = cached_recorded(scene_json) if arrows else cached_race(scene_json)
    surf = cached_surface(race.scene.surface, tuple(sorted(race.scene.surface_params.items())))
    return race_payload(race, surf, arrows=arrows, revision=revision, font_size=16)


# Presets and lessons are read from disk once per server and shared, never changed: several
# calls a run would otherwise each unpickle a copy of every preset and lesson.
@st.cache_resource(show_spinner=False)
def cached_presets_and_problems():
    presets = load_presets()
    return presets, list(presets.problems)


def cached_presets():
    return cached_presets_and_problems()[0]


@st.cache_resource(show_spinner=False)
def cached_lessons_and_problems():
    from scene.lessons import load_lessons

    lessons = load_lessons(presets=list(cached_presets()))
    return lessons, list(lessons.problems)


def cached_lessons():
    return cached_lessons_and_problems()[0]

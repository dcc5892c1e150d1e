"""Lessons: an ordered walk through presets, with a short text for each stop, so a teacher can
take a class through an argument one scene at a time.

Every lesson is a JSON file in ``assets/lessons/``; the name without ``.json`` is its key (the
``lesson=`` of a share link)::

    {"title": "From ravines to flat minima",
     "slides": [{"preset": "01-momentum-ravine", "text": "What to look at, and why now."},
                ...]}

A slide names a preset (a file stem in ``assets/scenes/``) and says in one to three sentences
what to look at and how it follows from the slide before.

Loading never raises: a file that cannot be read or is not a lesson is left out, a slide whose
preset is unknown (or that has no text) is left out of its lesson, and a message naming each
is returned with the lessons (their ``problems``) for the app to show: each call gets its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .presets import Loaded

#: The folder holding the lesson files.
LESSONS_DIR = Path(__file__).resolve().parent.parent / "assets" / "lessons"

MAX_TITLE_CHARS = 120
MAX_TEXT_CHARS = 600


@dataclass(frozen=True)
class Slide:
    preset: str  # a preset's key (its file stem)
    text: str


@dataclass(frozen=True)
class Lesson:
    name: str  # the file stem: the lesson's key in a link
    title: str
    slides: tuple[Slide, ...]


def _clean(value) -> str:
    """A text field on one line (a lesson file may wrap its sentences)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def lesson_files(directory: str | Path | None = None) -> list[Path]:
    """The lesson JSON files, by name (empty if the folder is missing)."""
    folder = Path(directory) if directory is not None else LESSONS_DIR
    try:
        return sorted((p for p in folder.iterdir() if p.suffix == ".json" and p.is_file()),
                      key=lambda p: p.stem)
    except OSError:
        return []


def parse_lesson(name: str, text: str, presets: Iterable[str]) -> tuple[Lesson | None, list[str]]:
    """A lesson from a file's text, and what in it could not be used. The lesson is None when
    nothing usable is left (not JSON, no title, no usable slide). Never raises."""
    known = set(presets)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        return None, [f"{name}: not valid JSON ({e}); left out"]
    if not isinstance(data, dict):
        return None, [f"{name}: not a lesson (a JSON object with a title and slides); left out"]
    problems = []
    title = _clean(data.get("title"))[:MAX_TITLE_CHARS]
    if not title:
        return None, [f"{name}: has no title; left out"]
    raw = data.get("slides")
    if not isinstance(raw, list):
        return None, [f"{name}: has no list of slides; left out"]
    slides = []
    for i, s in enumerate(raw, start=1):
        if not isinstance(s, dict):
            problems.append(f"{name}: slide {i} is not an object with a preset and a text; "
                            "left out")
            continue
        preset, words = s.get("preset"), _clean(s.get("text"))[:MAX_TEXT_CHARS]
        if not isinstance(preset, str) or preset not in known:
            shown = preset if isinstance(preset, str) else type(preset).__name__
            problems.append(f"{name}: slide {i} names no known preset ({shown[:60]!r}); "
                            "left out")
            continue
        if not words:
            problems.append(f"{name}: slide {i} ({preset}) has no text; left out")
            continue
        slides.append(Slide(preset, words))
    if not slides:
        return None, [*problems, f"{name}: no usable slide; left out"]
    return Lesson(name, title, tuple(slides)), problems


def load_lessons(directory: str | Path | None = None,
                 presets: Iterable[str] | None = None) -> Loaded:
    """Every usable lesson as ``{file stem: Lesson}``, by name. ``presets`` are the preset keys
    a slide may name (default: the presets that load).

    Files and slides that cannot be used are skipped; the result's ``problems`` say which and
    why.
    """
    if presets is None:
        from .presets import load_presets

        presets = list(load_presets())
    presets = list(presets)
    problems: list[str] = []
    lessons: dict[str, Lesson] = {}
    for path in lesson_files(directory):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(f"{path.name}: cannot be read ({e}); left out")
            continue
        lesson, found = parse_lesson(path.stem, text, presets)
        problems.extend(found)
        if lesson is not None:
            lessons[path.stem] = lesson
    return Loaded(lessons, problems)

"""Lessons: the loader (files in ``assets/lessons/``), and a lesson in the app: the sidebar's
Lesson box, Previous / Next above the map, and the link that opens a lesson at a slide."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scene.lessons import LESSONS_DIR, load_lessons, parse_lesson
from scene.presets import load_presets
from tests.test_app import _app

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TOUR = "ravine-to-flat-minima"
N = 8  # its slides
PRESETS = ["01-momentum-ravine", "05-adam-warmup"]


def _write(folder: Path, name: str, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    (folder / f"{name}.json").write_text(text, encoding="utf-8")


# --- the loader ---------------------------------------------------------------------------


def test_a_valid_lesson_loads_in_order(tmp_path):
    _write(tmp_path, "short", {"title": "  Two\n steps ", "slides": [
        {"preset": "05-adam-warmup", "text": "First this."},
        {"preset": "01-momentum-ravine", "text": "Then   that,\nbecause of the first."}]})
    lessons = load_lessons(tmp_path, presets=PRESETS)
    assert lessons.problems == ()
    lesson = lessons["short"]
    assert lesson.name == "short" and lesson.title == "Two steps"
    assert [s.preset for s in lesson.slides] == ["05-adam-warmup", "01-momentum-ravine"]
    assert lesson.slides[1].text == "Then that, because of the first."


def test_an_unknown_preset_leaves_out_its_slide_and_says_so(tmp_path):
    _write(tmp_path, "gap", {"title": "Gap", "slides": [
        {"preset": "01-momentum-ravine", "text": "Kept."},
        {"preset": "99-no-such-preset", "text": "Left out."},
        {"preset": 7, "text": "Not a name."},
        "not a slide",
        {"preset": "05-adam-warmup", "text": ""},
        {"preset": "05-adam-warmup", "text": "Kept too."}]})
    lessons = load_lessons(tmp_path, presets=PRESETS)
    assert [s.text for s in lessons["gap"].slides] == ["Kept.", "Kept too."]
    assert len(lessons.problems) == 4
    assert any("slide 2" in p and "99-no-such-preset" in p for p in lessons.problems)
    # No usable slide at all: the lesson is left out, and that is said too.
    _write(tmp_path, "gap", {"title": "Gap", "slides": [{"preset": "nope", "text": "x"}]})
    lessons = load_lessons(tmp_path, presets=PRESETS)
    assert lessons == {}
    assert any("no usable slide" in p for p in lessons.problems)


@pytest.mark.parametrize("text", [
    '{"title": "Broken", "slides": [', "", "[1, 2]", '"just a string"', "{" * 100_000,
    '{"slides": [{"preset": "01-momentum-ravine", "text": "No title."}]}',
    '{"title": "No slides"}', '{"title": "Slides not a list", "slides": {}}',
])
def test_a_malformed_file_is_left_out_never_a_crash(tmp_path, text):
    _write(tmp_path, "bad", text)
    _write(tmp_path, "good", {"title": "Good", "slides": [
        {"preset": "01-momentum-ravine", "text": "Fine."}]})
    lessons = load_lessons(tmp_path, presets=PRESETS)
    assert list(lessons) == ["good"]
    assert len(lessons.problems) == 1 and lessons.problems[0].startswith("bad")


def test_unreadable_files_and_a_missing_folder(tmp_path):
    (tmp_path / "latin1.json").write_bytes(b'{"title": "\xe9"}')
    lessons = load_lessons(tmp_path, presets=PRESETS)
    assert lessons == {}
    assert lessons.problems and "cannot be read" in lessons.problems[0]
    assert load_lessons(tmp_path / "missing", presets=PRESETS) == {}
    assert parse_lesson("x", "null", PRESETS)[0] is None


def test_the_shipped_lesson_follows_the_argument():
    """Ravine → momentum → adaptive steps → rare features → warmup → noise → sharp and flat
    minima (and why flat ones matter), every slide a preset that loads and a text of one to
    three sentences, at most 200 characters."""
    presets = load_presets()
    lessons = load_lessons()
    assert lessons.problems == ()
    assert sorted(p.stem for p in LESSONS_DIR.glob("*.json")) == sorted(lessons)
    tour = lessons[TOUR]
    assert [s.preset for s in tour.slides] == [
        "01-momentum-ravine", "02-momentum-overshoot", "04-sgd-diverges", "12-rare-feature",
        "05-adam-warmup", "06-noise-escape", "09-sharp-vs-flat", "13-flat-generalizes"]
    for slide in tour.slides:
        assert slide.preset in presets
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", slide.text) if s]
        assert 1 <= len(sentences) <= 3, slide.text
        # Short enough to stand whole beside (or under) the map on a 1280 x 720 projector in
        # 20 px type, with the preset's claim above it (the stage's browser test measures it).
        assert len(slide.text) <= 200, (len(slide.text), slide.text)


# --- in the app ---------------------------------------------------------------------------


def _all(at: AppTest, key: str) -> list[str]:
    """All values of one query parameter the app wrote."""
    v = at.query_params.get(key)
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def _qp(at: AppTest, key: str) -> str | None:
    return (_all(at, key) or [None])[-1]


def _lesson_line(at: AppTest) -> str | None:
    lines = [e.label for e in at.expander if "Lesson: " in e.label]
    assert len(lines) <= 1
    return lines[0] if lines else None


def _click(at: AppTest, label: str) -> AppTest:
    at = next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def _link_warned(at: AppTest) -> bool:
    return any("could not be used" in e.label for e in at.expander)


def _on_slide(at: AppTest, k: int, present: bool = False) -> None:
    """The app shows slide ``k`` (1-based) of the tour: its preset's scene and claim, the
    lesson's line (in presentation mode the stage in the player shows it) and the link's
    lesson and slide."""
    slide = load_lessons()[TOUR].slides[k - 1]
    preset = load_presets()[slide.preset]
    ss = at.session_state
    assert ss["lesson"] == TOUR and ss["preset"] == slide.preset
    assert ss["surface"] == preset.surface and ss["steps"] == preset.steps
    assert [ss[f"e{e}_opt"] for e in ss["entry_ids"]] == [
        e.optimizer for e in preset.optimizers]
    assert not ss["claim_stale"] and ss["scene_claim"] == preset.claim
    if present:
        assert _lesson_line(at) is None and at.session_state["lesson_slide"] == k - 1
    else:
        assert f"slide {k} of {N}" in _lesson_line(at)
    assert _qp(at, "lesson") == TOUR and _qp(at, "slide") == str(k)
    assert _qp(at, "preset") == slide.preset


def test_choosing_a_lesson_loads_its_first_slide_and_next_the_second():
    at = _app()
    assert _lesson_line(at) is None and _qp(at, "lesson") is None
    at.selectbox(key="lesson").set_value(TOUR).run()
    _on_slide(at, 1)
    assert next(b for b in at.button if b.label == "◀ Previous").disabled
    at = _click(at, "Next ▶")
    _on_slide(at, 2)
    at = _click(at, "◀ Previous")
    _on_slide(at, 1)


def test_the_last_slide_has_no_next():
    at = _app({"lesson": TOUR, "slide": str(N)})
    _on_slide(at, N)
    assert next(b for b in at.button if b.label == "Next ▶").disabled


def test_a_lesson_link_opens_its_slide():
    at = _app({"lesson": TOUR, "slide": "3"})
    _on_slide(at, 3)
    assert not _link_warned(at)
    at = _click(at, "Next ▶")
    _on_slide(at, 4)
    # The link the app wrote opens the same slide and the same race.
    again = _app({k: _all(at, k) for k in at.query_params})
    _on_slide(again, 4)
    assert not _link_warned(again)


@pytest.mark.parametrize("slide", ["99", "0", "-2", "two", "2.5", ""])
def test_a_bad_slide_number_falls_back_to_slide_one_with_a_warning(slide):
    at = _app({"lesson": TOUR, "slide": slide})
    _on_slide(at, 1)
    assert _link_warned(at)


def test_an_unknown_lesson_opens_none_with_a_warning():
    at = _app({"lesson": "no-such-lesson", "slide": "2"})
    assert at.session_state["lesson"] == "— no lesson —" and _lesson_line(at) is None
    assert _link_warned(at)
    assert _qp(at, "lesson") is None and _qp(at, "slide") is None


def test_the_lesson_shows_in_presentation_mode():
    """The stage's keys and buttons send the slide they ask for: its preset is loaded, shown
    whole (not paused at the step the last slide was at), and the link stays in the mode."""
    at = _app({"lesson": TOUR, "slide": "2", "present": "1"})
    assert at.session_state["present"]
    _on_slide(at, 2, present=True)
    at.session_state["player"] = {"event": "slide", "slide": 2, "step": 7, "nonce": 11}
    at.run()
    assert not at.exception, at.exception
    _on_slide(at, 3, present=True)
    assert at.session_state["view_step"] is None
    assert _qp(at, "present") == "1"
    at.session_state["player"] = {"event": "slide", "slide": 99, "nonce": 12}  # the last
    at.run()
    _on_slide(at, N, present=True)


def test_leaving_the_lesson():
    at = _app({"lesson": TOUR, "slide": "2"})
    # A change to the race keeps the lesson (Next still goes on); the claim steps aside.
    at.session_state["steps"] = 123
    at.run()
    assert at.session_state["claim_stale"] and _qp(at, "slide") == "2"
    at = _click(at, "Back to the preset's race")
    _on_slide(at, 2)
    # Another preset from the Preset box leaves the lesson; the scene is that preset's.
    at.selectbox(key="preset").set_value("07-saddle").run()
    assert at.session_state["lesson"] == "— no lesson —" and _lesson_line(at) is None
    assert _qp(at, "lesson") is None and _qp(at, "preset") == "07-saddle"
    # Choosing "no lesson" keeps the scene on the screen.
    at.selectbox(key="lesson").set_value(TOUR).run()
    _on_slide(at, 1)
    at.selectbox(key="lesson").set_value("— no lesson —").run()
    assert _lesson_line(at) is None and at.session_state["preset"] == "01-momentum-ravine"


def test_the_interview_lesson_answers_its_five_questions_on_presets_that_load():
    presets = load_presets()
    lesson = load_lessons()["interview-questions"]
    questions = [s.text.split("?")[0] + "?" for s in lesson.slides if "?" in s.text]
    assert questions == [
        "Why does momentum converge faster than SGD?",
        "Why Adam rather than RMSProp for sparse features?",
        "Does converging faster mean generalising better?",
        "How do optimizers handle sparse gradients?"]
    assert any(s.text.startswith("A production schedule: warm up") for s in lesson.slides)
    for slide in lesson.slides:
        assert slide.preset in presets
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", slide.text) if s]
        assert 1 <= len(sentences) <= 3 and len(slide.text) <= 200, slide.text

"""One link, one race: the page and ``python -m export`` read a share link the same way
(:func:`scene.link.read_link`), presets, lessons and slides included.

The page is driven through Streamlit's test harness and its scene read back from the link it
writes; the command line is run in-process and its scene read back from the ``.scene.json``
it writes. Every link in the README, every preset's and every lesson slide's link, and links
that mix them with scene keys or name what does not exist, must give the same race, view,
title, claim and warnings in both.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from export import __main__ as cli
from scene import default_scene, from_json, to_dict
from scene.lessons import load_lessons
from scene.link import LinkScene, race_key, read_link
from scene.presets import load_presets
from scene.url import from_query, link_query, to_query, to_query_string

ROOT = Path(__file__).resolve().parents[1]
PRESETS = load_presets()
LESSONS = load_lessons(presets=list(PRESETS))
TOUR = "ravine-to-flat-minima"

#: A share link in the README: ``?key=…`` or ``https://…?key=…``, in code or in the text.
README_LINK = re.compile(r"(?:https?://[^\s\"'`<>()?]*)?\?[a-z_]+=[^\s\"'`<>]*")


def _readme_links() -> list[str]:
    links = README_LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(links) >= 5, links  # the command line's examples, a formula, a lesson
    return list(dict.fromkeys(links))


def _cases() -> list[str]:
    ravine = PRESETS["01-momentum-ravine"]
    return [
        *_readme_links(),
        *(f"?preset={name}" for name in PRESETS),
        *(f"?lesson={name}&slide={k}" for name, lesson in LESSONS.items()
          for k in range(1, len(lesson.slides) + 1)),
        f"?lesson={TOUR}",
        f"?lesson={TOUR}&slide=99",  # not a slide: the first, with a warning
        f"?lesson={TOUR}&slide=2&surface=booth&steps=40",  # a slide, the link's own scene
        "?lesson=no-such-lesson&slide=2",
        "?slide=4",
        "?preset=no-such-preset&surface=booth",
        "?preset=07-saddle&steps=37",  # a preset's name on a changed race: no claim
        "?preset=01-momentum-ravine&" + to_query_string(ravine),  # the page's own preset link
        "?f=x^2%20%2B%20z*(&steps=60",  # an unusable formula: the default one races
        "?surface=nowhere&steps=-3&opt=adam;lr=-1",
    ]


def _page(link: str):
    """The scene the page shows for ``link`` (rebuilt from the link it then writes), with the
    title and claim it shows, and its warnings about the link."""
    from tests.test_app import _app, _qp

    at = _app(link_query(link))
    shown, warnings = from_query({k: _qp(at, k) for k in at.query_params})
    assert not warnings, warnings  # the page's own link is always clean
    ss = at.session_state
    if not ss["claim_stale"]:
        shown.title, shown.claim = ss["scene_title"], ss["scene_claim"]
    return shown, list(ss["link_warnings"])


def _command_line(link: str, tmp_path: Path, capsys):
    """The scene ``python -m export LINK -o x.scene.json`` writes, and its warnings."""
    out = tmp_path / "x.scene.json"
    capsys.readouterr()
    assert cli.main([link, "-o", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert all(line.startswith("warning: ") for line in err), err
    scene, problems = from_json(out.read_text(encoding="utf-8"))
    assert not problems, problems
    return scene, [line.removeprefix("warning: ") for line in err]


def _view(scene) -> dict:
    """What a scene's view puts in a link: the paused step, the arrows, the tab, the
    analysis view open and its settings."""
    keys = ("step", "arrows", "tab", "view", "grid", "racer")
    return {k: v for k, v in to_query(scene).items() if k in keys}


@pytest.mark.parametrize("link", _cases())
def test_the_page_and_the_command_line_open_the_same_race(link, tmp_path, capsys):
    page, page_warnings = _page(link)
    exported, cli_warnings = _command_line(link, tmp_path, capsys)
    assert race_key(exported) == race_key(page), link
    assert _view(exported) == _view(page), link
    assert (exported.title, exported.claim) == (page.title, page.claim), link
    assert cli_warnings == page_warnings


def test_the_cases_cover_what_a_link_can_name():
    links = _cases()
    assert {f"?preset={name}" for name in PRESETS} <= set(links)
    assert sum(link.startswith(f"?lesson={TOUR}&slide=") for link in links) >= len(
        LESSONS[TOUR].slides)
    assert any(link.startswith("https://") for link in links)


# ---- the shared reader alone -----------------------------------------------------------------


def test_a_preset_name_alone_opens_the_preset_with_its_claim():
    link = read_link({"preset": "01-momentum-ravine"})
    preset = PRESETS["01-momentum-ravine"]
    assert link.preset == "01-momentum-ravine" and link.warnings == []
    assert to_dict(link.shown()) == to_dict(preset)
    assert link.shown().claim == preset.claim != ""


def test_a_preset_with_scene_keys_shows_the_link_scene_and_claims_only_the_preset_race():
    saddle = PRESETS["07-saddle"]
    same = read_link({"preset": "07-saddle", **to_query(saddle)})
    assert race_key(same.scene) == race_key(saddle)
    assert same.shown().claim == saddle.claim
    changed = read_link({"preset": "07-saddle", **to_query(saddle), "steps": "37"})
    assert changed.scene.steps == 37 and changed.scene.claim == saddle.claim  # kept for later
    assert changed.preset == "07-saddle" and changed.shown().claim == ""  # not this race's
    assert changed.shown().title == ""


def test_a_lesson_link_opens_the_slide_and_its_preset():
    tour = LESSONS[TOUR]
    link = read_link({"lesson": TOUR, "slide": "3"})
    third = tour.slides[2].preset
    assert (link.lesson, link.slide, link.preset) == (TOUR, 2, third)
    assert race_key(link.scene) == race_key(PRESETS[third])
    assert link.shown().claim == PRESETS[third].claim
    # with a scene of its own, the link's scene at that slide
    own = read_link({"lesson": TOUR, "slide": "3", "surface": "booth"})
    assert own.lesson == TOUR and own.slide == 2 and own.scene.surface == "booth"
    assert own.preset is None and own.shown().claim == ""


@pytest.mark.parametrize(("query", "words", "opens"), [
    ({"preset": "../../etc"}, "preset: `../../etc` is not a preset", None),
    ({"lesson": "nope", "slide": "2"}, "lesson: `nope` is not a lesson", None),
    ({"lesson": TOUR, "slide": "0"}, "slide: `0` is not a slide of this lesson (1 to 8)", TOUR),
    ({"lesson": TOUR, "slide": "two"}, "slide: `two` is not a slide of this lesson", TOUR),
    ({"slide": "2"}, "slide: `2` without a lesson; ignored", None),
])
def test_what_a_link_names_that_does_not_exist_is_warned_about(query, words, opens):
    """An unknown name opens the scene the rest of the link describes (here: the default); a
    slide that is not one of the lesson's opens its first."""
    link = read_link(query)
    assert any(words in w for w in link.warnings), link.warnings
    assert link.lesson == opens and link.slide == 0
    first = PRESETS[LESSONS[opens].slides[0].preset] if opens else default_scene()
    assert race_key(link.shown()) == race_key(first)


def test_an_unusable_formula_races_the_default_one_and_keeps_its_text():
    link = read_link({"f": "x^2 + z*(", "steps": "60"})
    assert link.scene.surface == "formula" and link.scene.steps == 60
    assert link.scene.surface_params["f"] == "x^4 - 2*x^2 + y^2 + x*y/2"
    assert link.formula_text == "x^2 + z*(" and "column" in link.formula_error
    assert any("formula" in w for w in link.warnings)
    assert read_link({"f": "x^2 + y^2"}).formula_text is None


def test_presentation_mode_and_lists_or_single_values():
    assert read_link({"present": ["1"], "surface": "booth"}).present
    assert not read_link({"present": "0"}).present
    one = read_link({"surface": "booth", "opt": "adam;lr=0.1"})
    many = read_link({"surface": ["booth"], "opt": ["adam;lr=0.1"]})
    assert to_dict(one.scene) == to_dict(many.scene)
    assert isinstance(one, LinkScene) and read_link({}).scene == default_scene()


# ---- the command line ------------------------------------------------------------------------


def test_the_command_line_exports_the_preset_a_link_names(tmp_path, capsys):
    scene, warnings = _command_line("?preset=01-momentum-ravine", tmp_path, capsys)
    assert scene.surface == "ravine" and warnings == []
    assert race_key(scene) == race_key(PRESETS["01-momentum-ravine"])
    assert scene.claim == PRESETS["01-momentum-ravine"].claim


@pytest.mark.parametrize("link", [
    "?preset=01-momentum-ravine&present=1",
    f"https://example.org/?lesson={TOUR}&slide=2&present=1",
    "?surface=booth&present=0",
])
def test_the_command_line_refuses_presentation_mode(link, tmp_path, capsys):
    out = tmp_path / "x.png"
    assert cli.main([link, "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "present=" in err[0], err
    assert not out.exists()


def test_the_command_line_warns_about_unknown_names_and_exports_the_rest(tmp_path, capsys):
    scene, warnings = _command_line("?preset=nope&lesson=none&surface=booth&steps=12",
                                    tmp_path, capsys)
    assert scene.surface == "booth" and scene.steps == 12 and scene.claim == ""
    assert warnings == ["lesson: `none` is not a lesson; none opened",
                        "preset: `nope` is not a preset; showing the scene the link describes"]

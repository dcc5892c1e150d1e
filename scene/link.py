"""What a share link opens: its scene, and the preset, lesson and slide it names.

The page (:func:`ui.state.init_session`) and the command line (``python -m export``) both read
a link with :func:`read_link`, so one link opens the same race in both:

- ``?preset=01-momentum-ravine`` alone opens that preset, its title and claim with it;
- a preset's name with scene keys (``?preset=07-saddle&surface=…&opt=…``) opens the scene the
  link describes, with the preset's title and claim; the claim is shown only while the race
  is the preset's (:meth:`LinkScene.shown`);
- ``?lesson=ravine-to-flat-minima&slide=3`` alone opens the slide's preset; with scene keys,
  the scene the link describes at that slide;
- an unknown preset or lesson, or a slide that is not one of the lesson's, is named in the
  warnings and the rest of the link is used;
- ``present=1`` asks for presentation mode (the page's; a file has no such mode);
- a formula that cannot be read leaves the race on the default formula, and the text is kept
  (:attr:`LinkScene.formula_text`) for the page to show with its error.

Reading never raises: everything that cannot be used is named in the returned warnings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from landscapes import FORMULA, FORMULA_RANGE, get_surface
from optimizers.schedules import resolve

from . import Scene, default_scene, normalized, quote, to_dict
from .url import from_query

#: A link's keys that say which preset, lesson, slide and mode, not what the scene is
#: (``embed`` and ``embed_options`` are Streamlit's own: the page in another site's frame).
LESSON_LINK_KEYS = frozenset({"lesson", "slide", "preset", "present", "embed", "embed_options"})
#: The formula offered when "Your own formula" is first chosen, and the one a link's unusable
#: formula falls back to: two wells and a saddle.
DEFAULT_FORMULA = "x^4 - 2*x^2 + y^2 + x*y/2"
#: Longest formula text kept from a link (what the formula field takes).
MAX_FORMULA_CHARS = 500


def default_formula_params() -> dict:
    """The default formula's surface parameters: its text and its x and y ranges."""
    lo, hi = FORMULA_RANGE
    return {"f": DEFAULT_FORMULA, "xmin": lo, "xmax": hi, "ymin": lo, "ymax": hi}


@dataclass
class LinkScene:
    """What a link opens. ``scene`` carries the preset's title and claim when the link names a
    preset (or opens a lesson's slide); :meth:`shown` is the scene as it is shown and
    exported."""

    scene: Scene
    warnings: list[str] = field(default_factory=list)
    preset: str | None = None  # the preset whose title and claim the scene carries
    preset_key: str | None = None  # that preset's race (:func:`race_key`)
    lesson: str | None = None  # the lesson open (None: none)
    slide: int = 0  # the index of its slide (0: the first)
    present: bool = False  # presentation mode asked for (present=1)
    formula_text: str | None = None  # a formula the link gave that could not be used
    formula_error: str = ""  # why not

    def shown(self) -> Scene:
        """The scene as it is shown, shared and exported: a preset's title and claim go with it
        only while its race is the preset's (they describe that race)."""
        if self.scene.claim and race_key(self.scene) != self.preset_key:
            return replace(self.scene, title="", claim="")
        return self.scene


def query_lists(params: Mapping) -> dict[str, list[str]]:
    """A link's query as ``{key: [values, …]}`` (values given one by one become lists)."""
    out = {}
    for k, v in params.items():
        values = list(v) if isinstance(v, list | tuple) else [v]
        out[str(k)] = [str(x) for x in values]
    return out


def _last(params: dict[str, list[str]], key: str) -> str | None:
    return (params.get(key) or [None])[-1]


def read_link(params: Mapping, presets: Mapping[str, Scene] | None = None,
              lessons: Mapping | None = None) -> LinkScene:
    """What the link with this query (``{key: value or [values]}``) opens. ``presets`` and
    ``lessons`` are the ones a link may name (default: those in ``assets/``, loaded only when
    the link names one). Never raises."""
    params = query_lists(params)
    if params:
        first, warnings = from_query(params)
    else:
        first, warnings = default_scene(), []
    named = set(params) & {"preset", "lesson"}
    if presets is None:
        from .presets import load_presets

        presets = load_presets() if named else {}
    if lessons is None:
        from .lessons import load_lessons

        lessons = load_lessons(presets=list(presets)) if "lesson" in params else {}
    shared_preset = _last(params, "preset")
    lesson, slide, lesson_warnings = read_lesson_link(params, lessons)
    warnings = [*warnings, *lesson_warnings]
    scene_keys = set(params) - LESSON_LINK_KEYS
    on_slide = lessons[lesson].slides[slide].preset if lesson is not None else None
    if on_slide in presets and not scene_keys:
        # A lesson's link without a scene: the slide's preset, as Next would load it.
        shared_preset = on_slide
        first = replace(presets[shared_preset])
    elif shared_preset in presets and not scene_keys:
        # A preset's name alone (?preset=01-momentum-ravine): the preset's scene.
        first = replace(presets[shared_preset])
    if shared_preset is not None and shared_preset not in presets:
        warnings.append(f"preset: {quote(shared_preset)} is not a preset; showing the scene "
                        "the link describes")
    known = shared_preset in presets
    if known:
        # A preset's link: its title and claim with the scene the link describes.
        first.title = presets[shared_preset].title
        first.claim = presets[shared_preset].claim
    opened = LinkScene(first, warnings, preset=shared_preset if known else None,
                       preset_key=race_key(presets[shared_preset]) if known else None,
                       lesson=lesson, slide=slide, present=_last(params, "present") == "1")
    _unusable_formula(params, opened)
    return opened


def _unusable_formula(params: dict[str, list[str]], opened: LinkScene) -> None:
    """A link's formula that cannot be read: the race runs on the default formula (from its
    own start), and the text is kept with its error, to be fixed rather than typed again."""
    text = _last(params, "f")
    if text is None or opened.scene.surface == FORMULA:
        return
    fallback = get_surface(FORMULA, **default_formula_params())
    opened.scene = replace(opened.scene, surface=FORMULA, surface_params=default_formula_params(),
                           start=tuple(float(v) for v in fallback.start))
    opened.formula_text = text[:MAX_FORMULA_CHARS]
    try:
        get_surface(FORMULA, **{**default_formula_params(), "f": opened.formula_text})
    except ValueError as e:
        opened.formula_error = str(e)


def read_lesson_link(params: Mapping, lessons: Mapping) -> tuple[str | None, int, list[str]]:
    """The lesson a link opens (None: none) and its slide's index, and what in the link's
    ``lesson`` and ``slide`` could not be used: an unknown lesson opens none, a slide that
    is not one of the lesson's opens its first."""
    params = query_lists(params)
    name = _last(params, "lesson")
    number = _last(params, "slide")
    if name is None:
        return None, 0, [] if number is None else [
            f"slide: {quote(number)} without a lesson; ignored"]
    if name not in lessons:
        return None, 0, [f"lesson: {quote(name)} is not a lesson; none opened"]
    if number is None:
        return name, 0, []
    n = len(lessons[name].slides)
    try:
        k = int(number)
    except ValueError:
        k = 0
    if not 1 <= k <= n:
        return name, 0, [f"slide: {quote(number)} is not a slide of this lesson (1 to {n}); "
                         "showing slide 1"]
    return name, k - 1, []


def race_key(scene: Scene) -> str:
    """What makes a race the race it is (not its title, claim or where it is paused)."""
    d = to_dict(normalized(replace(scene, view={}, title="", claim="")))
    d.pop("view", None)
    # The same race however it is written: the start as the page keeps it, every surface
    # parameter and schedule setting spelled out.
    d["start"] = [float(f"{v:.6g}") for v in scene.start_point()]
    d["surface_params"] = dict(scene.surface_obj().params)
    sched = dict(scene.schedule)
    name = sched.pop("name", "constant")
    try:
        d["schedule"] = {"name": name, **resolve(name, scene.steps, sched)}
    except ValueError:
        pass
    return json.dumps(d, sort_keys=True)

"""The session's state ⇄ the scene: the widgets' values are the scene, read and written here.

Every widget has a key in ``st.session_state``; :func:`read_scene` turns them into a
:class:`scene.Scene` and :func:`write_scene` puts a scene (a preset, a link) into them before
the widgets are drawn. The keys are built by :mod:`ui.keys`; the values a widget offers come
from :mod:`ui.choices`. Whatever must call back up into the page (going to a lesson's slide)
is passed in by the caller, so this module imports no part of the page that imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from landscapes import DATA, FORMULA, SURFACES, get_surface
from optimizers import OPTIMIZERS
from optimizers.schedules import SCHEDULES, resolve
from scene import BASIN_GRID, BASIN_GRIDS, PALETTE, Entry, Scene, tune
from scene.analysis import second_axis
from scene.budget import fit_race
from scene.link import LinkScene, race_key, read_link
from scene.tune import DEFAULT_CRITERION
from scene.url import to_query
from ui.choices import beta2_grid, eps_grid, lr_grid, snap
from ui.compute import cached_lessons, cached_presets
from ui.data_ui import data_params, write_data
from ui.formula_ui import formula_params, write_formula
from ui.keys import (
    CUSTOM,
    FIRST_TAB,
    NO_LESSON,
    SHARE_TAB,
    analysis_of,
    entry_key,
    entry_prefix,
    hyper_key,
    schedule_key,
    surface_param_key,
    tab_of,
)


def entry_keys(*eids: int) -> list[str]:
    """The session-state keys of these racers' settings (one pass over the state, which
    Streamlit rebuilds for every pass)."""
    prefixes = tuple(entry_prefix(eid) for eid in eids)
    return [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]


def write_entry(eid: int, entry: Entry) -> None:
    info = OPTIMIZERS[entry.optimizer]
    hp = info.validate(entry.hyper)
    ss = st.session_state
    ss[entry_key(eid, "opt")] = entry.optimizer
    ss[entry_key(eid, "label")] = entry.label
    ss[entry_key(eid, "color")] = (entry.color or ss.get(entry_key(eid, "color"))
                                   or PALETTE[len(ss.get("entry_ids", [])) % len(PALETTE)])
    for name, h in info.spec.items():
        v = hp[name]
        if h.kind == "pair":
            ss[hyper_key(eid, name, 0)] = float(v[0])
            ss[hyper_key(eid, name, 1)] = snap(beta2_grid(h), float(v[1]))
        elif name == "lr":
            ss[hyper_key(eid, "lr")] = snap(lr_grid(h), float(v))
        elif h.log:
            ss[hyper_key(eid, name)] = snap(eps_grid(h), float(v))
        else:
            ss[hyper_key(eid, name)] = v
    write_own(eid, entry.own())
    ss[entry_key(eid, "tuned")] = dict(entry.tuned) if entry.tuned else None


def write_own(eid: int, own: dict, steps: int | None = None) -> None:
    """A racer's own schedule, noise, sparsity and batch size into its widgets (the toggle
    off when it has none of the first three)."""
    ss = st.session_state
    ss[entry_key(eid, "own")] = bool(set(own) - {"batch"})  # the batch has a box of its own
    sched = dict(own.get("schedule") or {"name": "constant"})
    name = sched.pop("name", "constant")
    ss[entry_key(eid, "sched")] = name
    steps = steps or int(ss.get("steps", 500))
    for key, value in resolve(name, steps, sched).items():
        ss[schedule_key(name, key, eid)] = value
    ss[entry_key(eid, "noise")] = float(own.get("noise") or 0.0)
    ss[entry_key(eid, "sparsity")] = float(own.get("sparsity") or 0.0)
    ss[entry_key(eid, "batch")] = own.get("batch")


def read_own(eid: int) -> dict:
    """A racer's own schedule, noise, sparsity and batch size, as its widgets hold them."""
    ss = st.session_state
    batch = {"batch": ss[entry_key(eid, "batch")]} if ss.get(entry_key(eid, "batch")) else {}
    if not ss.get(entry_key(eid, "own")):
        return batch
    name = ss.get(entry_key(eid, "sched"), "constant")
    sched = {"name": name}
    for key in SCHEDULES[name].params:
        if schedule_key(name, key, eid) in ss:
            sched[key] = ss[schedule_key(name, key, eid)]
    return {"schedule": sched, "noise": float(ss.get(entry_key(eid, "noise"), 0.0)),
            "sparsity": float(ss.get(entry_key(eid, "sparsity"), 0.0)), **batch}


def write_scene(scene: Scene) -> None:
    """Put a scene into the widgets' session state (before the widgets are drawn)."""
    ss = st.session_state
    for k in entry_keys(*ss.get("entry_ids", [])):
        del ss[k]
    ss["surface"] = scene.surface
    surf = get_surface(scene.surface, **scene.surface_params)
    if scene.surface == FORMULA:
        write_formula(surf.params)
    if scene.surface == DATA:
        write_data(surf.params)
    ss["batch"] = scene.batch
    for name, spec in surf.param_spec.items():
        ss[surface_param_key(scene.surface, name)] = float(surf.params.get(name, spec.default))
    x0, y0 = scene.start_point()
    ss["x0"], ss["y0"] = float(x0), float(y0)
    ss["steps"] = int(scene.steps)
    ss["entry_ids"] = []
    next_id = ss.get("next_id", 0)
    for i, e in enumerate(scene.optimizers):
        eid = next_id + i
        ss["entry_ids"].append(eid)
        write_entry(eid, replace(e, color=e.color or PALETTE[i % len(PALETTE)]))
    ss["next_id"] = next_id + len(scene.optimizers)
    sched = dict(scene.schedule)
    name = sched.pop("name", "constant")
    ss["sched"] = name
    for key, value in resolve(name, scene.steps, sched).items():
        ss[schedule_key(name, key)] = value
    split = isinstance(scene.sparsity, tuple | list)
    sx, sy = (scene.sparsity if split else (scene.sparsity, scene.sparsity))
    ss["sparsity_split"], ss["sparsity_x"], ss["sparsity_y"] = split, float(sx), float(sy)
    ss["noise"], ss["sparsity"], ss["seed"] = float(scene.noise), float(max(sx, sy)), int(
        scene.seed)
    ss["arrows"] = bool(scene.view.get("arrows", False))
    ss["test_on"] = scene.test_shift is not None
    ss["test_dx"], ss["test_dy"] = map(float, scene.test_shift or (0.2, 0.1))
    ss["view_step"] = scene.view.get("step")  # None: the end of the run
    ss["view_tab"] = scene.view.get("tab", "map")
    ss.pop("last_analysis", None)
    # the analysis views' own settings (kept while their tab is closed: keep_undrawn_widgets)
    ss["basins_grid"] = scene.view.get("grid", BASIN_GRID)
    racer = scene.view.get("racer")
    if racer is None:
        ss.pop("hyper_racer", None)  # the map's first racer, when its tab opens
    else:
        ss["hyper_racer"] = int(racer) - 1
    if scene.view.get("analysis"):  # the scene opens an analysis view
        ss["tab"] = tab_of(scene.view)
        notify(f"The {tab_of(scene.view)} view is open below the race: scroll down to see it.")
    elif analysis_of(ss.get("tab")):  # a scene without one closes the open one
        ss["tab"] = FIRST_TAB
    ss["scene_title"], ss["scene_claim"] = scene.title, scene.claim
    ss["tune_criterion"] = scene.tuning.get("criterion", DEFAULT_CRITERION)
    ss["tune_second"] = bool(scene.tuning.get("second"))
    ss["fair"] = bool(scene.tuning.get("fair"))


def read_entry(eid: int) -> Entry:
    ss = st.session_state
    name = ss[entry_key(eid, "opt")]
    info = OPTIMIZERS[name]
    hyper = {}
    for key, h in info.spec.items():
        if h.kind == "pair":
            hyper[key] = (ss[hyper_key(eid, key, 0)], ss[hyper_key(eid, key, 1)])
        else:
            hyper[key] = ss[hyper_key(eid, key)]
    defaults = info.defaults()
    compact = {k: v for k, v in hyper.items() if v != defaults[k]}
    color = ss.get(entry_key(eid, "color"), "")
    pos = ss["entry_ids"].index(eid)
    if color.upper() == PALETTE[pos % len(PALETTE)].upper():
        color = ""  # the palette's colour for this position: nothing to remember
    return Entry(name, ss.get(entry_key(eid, "label"), "").strip(), color, compact, **read_own(eid),
                 tuned=ss.get(entry_key(eid, "tuned")))


def _view_settings(view: dict, entries: list[Entry]) -> None:
    """Add the analysis views' own settings to ``view`` where they differ from the defaults:
    the basins grid (``grid``) and the hyperparameter map's racer (``racer``, 1 = the first)."""
    ss = st.session_state
    grid = ss.get("basins_grid", BASIN_GRID)
    if grid in BASIN_GRIDS and grid != BASIN_GRID:
        view["grid"] = int(grid)
    able = [i for i, e in enumerate(entries) if second_axis(e.optimizer)]
    racer = ss.get("hyper_racer")
    if racer in able and racer != able[0]:
        view["racer"] = racer + 1


def read_scene() -> Scene:
    ss = st.session_state
    name = ss["surface"]
    surf = SURFACES.get(name)
    params = {k: ss[surface_param_key(name, k)] for k, spec in surf.param_spec.items()
              if ss.get(surface_param_key(name, k), spec.default) != spec.default} if surf else {}
    if name == FORMULA:
        params = formula_params()
    on_data = name == DATA
    if on_data:
        params = data_params()
    sname = ss.get("sched", "constant")
    sched = {"name": sname}
    for key in SCHEDULES[sname].params:
        if schedule_key(sname, key) in ss:
            sched[key] = ss[schedule_key(sname, key)]
    steps = int(ss["steps"])
    step = ss.get("view_step")
    view = {"step": None if step is None else max(0, min(steps, int(step))),
            "arrows": bool(ss.get("arrows")), "tab": ss.get("view_tab", "map")}
    tab = ss.get("tab")
    if analysis_of(tab):  # an analysis tab is open: the link says which
        view["analysis"] = ss["last_analysis"] = analysis_of(tab)
    elif tab == SHARE_TAB and ss.get("last_analysis"):  # sharing what was just looked at
        view["analysis"] = ss["last_analysis"]
    else:
        ss.pop("last_analysis", None)
    entries = [read_entry(e) for e in ss["entry_ids"]]
    if not on_data:  # a batch size means nothing without rows: the link does not carry it
        entries = [replace(e, batch=None) for e in entries]
    _view_settings(view, entries)
    # A start typed or stepped in the sidebar carries float noise (-1.0999999999999999): the
    # scene keeps six significant digits, as many as anyone can see or type.
    start = (float(f"{ss['x0']:.6g}"), float(f"{ss['y0']:.6g}"))
    return Scene(surface=name, surface_params=params, start=start,
                 steps=steps, optimizers=entries,
                 schedule=sched, noise=float(ss["noise"]), sparsity=read_sparsity(),
                 seed=int(ss["seed"]), batch=ss.get("batch") if on_data else None, view=view,
                 test_shift=(float(ss["test_dx"]), float(ss["test_dy"]))
                 if ss.get("test_on") else None,
                 title=ss.get("scene_title", ""), claim=ss.get("scene_claim", ""),
                 tuning=read_tuning())


def read_tuning() -> dict:
    """How the page tunes racers (the Tuning controls), the defaults left out."""
    ss = st.session_state
    out: dict = {}
    if ss.get("tune_criterion", DEFAULT_CRITERION) != DEFAULT_CRITERION:
        out["criterion"] = ss["tune_criterion"]
    for key, name in (("tune_second", "second"), ("fair", "fair")):
        if ss.get(key):
            out[name] = True
    return out


def read_sparsity() -> float | tuple[float, float]:
    """One sparsity for both coordinates, or (x's, y's) when they are set apart."""
    ss = st.session_state
    if ss.get("sparsity_split"):
        sx, sy = float(ss["sparsity_x"]), float(ss["sparsity_y"])
        return sx if sx == sy else (sx, sy)
    return float(ss["sparsity"])


def racing_ids() -> list[int]:
    """The ids of the racers whose settings are usable (the ones the player shows)."""
    ids = []
    for eid in st.session_state["entry_ids"]:
        try:
            read_entry(eid).full_hyper()
            ids.append(eid)
        except ValueError:
            continue
    return ids


def free_color(ids: list[int], skip: int | None = None) -> str:
    """The first palette colour no racer in ``ids`` (but ``skip``) shows."""
    ss = st.session_state
    used = set()
    for pos, eid in enumerate(ids):
        if eid != skip:
            used.add((ss.get(entry_key(eid, "color")) or PALETTE[pos % len(PALETTE)]).upper())
    for c in PALETTE:
        if c.upper() not in used:
            return c
    return PALETTE[len(ids) % len(PALETTE)]


def notify(text: str) -> None:
    """A short message shown once, over the page (it never moves the map)."""
    st.session_state.setdefault("notices", []).append(text)


def unusual_values(scene: Scene) -> list[str]:
    """Values a link may hold that are allowed but far outside what the controls offer."""
    notes = []
    for i, e in enumerate(scene.optimizers):
        info = OPTIMIZERS[e.optimizer]
        for key, v in e.hyper.items():
            h = info.spec.get(key)
            if h is None or h.kind in ("pair", "bool") or not isinstance(v, int | float):
                continue
            if v > 10 * h.ui_high:
                notes.append(f"{scene.labels()[i]}: {h.label} {v:g} is far above what the "
                             f"controls offer (up to {h.ui_high:g}); kept as the link has it.")
    return notes


def set_start(x: float, y: float, exact: bool = False) -> None:
    """Move the start to (x, y), rounded to a thousandth of the map's larger side's order of
    magnitude (a click on the map), or with ``exact`` to the six significant digits a scene
    keeps (a cell of the basins: the race then runs from the very start the cell shows); a
    point off the limits is ignored."""
    ss = st.session_state
    surf = read_scene().surface_obj()
    if exact:
        x, y = float(f"{x:.6g}"), float(f"{y:.6g}")
    else:
        (bx0, bx1), (by0, by1) = surf.bounds
        quantum = 10.0 ** (math.floor(math.log10(max(bx1 - bx0, by1 - by0))) - 3)
        x = float(f"{round(x / quantum) * quantum:.10g}")
        y = float(f"{round(y / quantum) * quantum:.10g}")
    (lx0, lx1), (ly0, ly1) = surf.limit
    if lx0 <= x <= lx1 and ly0 <= y <= ly1:
        ss["x0"], ss["y0"] = x, y


def apply_player_event(on_slide: Callable[[int], None]) -> None:
    """Take the player's latest event into the scene, before anything is drawn: a start set by
    a click or a drag on the map, a learning rate set on a chip, the step the player stopped
    at. The player's value is in the session state when the script starts, so the page is
    drawn once, already with the change. ``on_slide(index)`` goes to a slide of the lesson
    (a key or a button of presentation mode's stage): the page's callback, passed in."""
    ss = st.session_state
    event = ss.get("player")
    if not isinstance(event, dict) or event.get("nonce") == ss.get("last_nonce"):
        return
    ss["last_nonce"] = event.get("nonce")
    try:
        kind = event.get("event")
        if kind == "click":
            set_start(float(event["x"]), float(event["y"]))
        elif kind == "lr":
            ids = racing_ids()
            racer, lr = int(event["racer"]), float(event["lr"])
            if 0 <= racer < len(ids) and math.isfinite(lr) and lr > 0:
                spec = OPTIMIZERS[ss[entry_key(ids[racer], "opt")]].spec["lr"]
                ss[hyper_key(ids[racer], "lr")] = snap(lr_grid(spec), lr)
        elif kind == "step":
            ss["view_step"] = max(0, int(event["step"]))
            ss["inspect_step"] = max(1, ss["view_step"])
        elif kind == "tab" and event.get("tab") in ("map", "3d"):
            ss["view_tab"] = event["tab"]
        elif kind == "present":
            ss["present"] = bool(event.get("on"))
        elif kind == "slide":  # a key or a button of presentation mode's stage
            on_slide(int(event["slide"]))
        if kind not in ("step", "slide") and isinstance(event.get("step"), int):
            # Every event carries the step shown: a step report the player folded into this
            # event is kept (a run shown to its end stays "the end").
            step = max(0, event["step"])
            if not (ss.get("view_step") is None and step >= int(ss.get("steps", 0))):
                ss["view_step"] = step
                ss["inspect_step"] = max(1, step)
    except (KeyError, TypeError, ValueError, OverflowError):
        return  # a malformed event changes nothing


def init_session() -> None:
    """First run of a session: the scene comes from the share link, or the default scene."""
    ss = st.session_state
    if "entry_ids" in ss:
        return
    load_link({k: st.query_params.get_all(k) for k in st.query_params})
    ss["last_nonce"] = None


def load_link(params: dict[str, list[str]]) -> None:
    """Show the scene a link names (its query as a mapping of keys to lists of values): the
    scene, the preset whose title and claim it brings, the lesson's slide, presentation mode,
    and a warning for each field that could not be used. A first visit and Back or Forward
    (``ui.history``) both read the address here, with the reader the command line uses
    (:func:`scene.link.read_link`)."""
    ss = st.session_state
    link = read_link(params, cached_presets(), cached_lessons())
    write_scene(link.scene)
    _keep_unusable_formula(link)
    if link.preset is not None:
        ss["preset_key"] = link.preset_key
    ss["link_warnings"] = link.warnings
    for note in unusual_values(link.scene):
        notify(note)
    ss["present"] = link.present
    ss["preset"] = link.preset or CUSTOM
    ss["lesson"], ss["lesson_slide"] = link.lesson or NO_LESSON, link.slide
    # A link paused at a step opens the inspector at that update (the one the arrows show).
    ss["inspect_step"] = max(1, int(ss.get("view_step") or 1))


def _keep_unusable_formula(link: LinkScene) -> None:
    """A link's formula that cannot be read stays in the formula field, its error under it,
    while the race runs on the default formula: the text can be fixed, not typed again."""
    if link.formula_text is None:
        return
    ss = st.session_state
    ss["formula_text"] = link.formula_text
    ss["formula_error"] = link.formula_error


def keep_undrawn_widgets() -> None:
    """The optimizers' widgets are drawn only while their panel is open, the export choices
    and the analysis views' settings only while their tab is: re-asserting their values keeps
    Streamlit from discarding the values of widgets that were not drawn."""
    ss = st.session_state
    for key in entry_keys(*ss["entry_ids"]):
        ss[key] = ss[key]
    for key in ("export_format", "export_figure", "export_theme", "export_scale", "sparsity",
                "sparsity_x", "sparsity_y", "test_dx", "test_dy", "sched", "noise", "seed",
                "sparsity_split", "test_on", "basins_grid", "basins_paths", "hyper_racer",
                "tune_criterion", "tune_second", "fair"):
        if key in ss:
            ss[key] = ss[key]
    sched = ss.get("sched")
    if sched in SCHEDULES:  # the scene's schedule's settings, while their section is closed
        for key in SCHEDULES[sched].params:
            if schedule_key(sched, key) in ss:
                ss[schedule_key(sched, key)] = ss[schedule_key(sched, key)]


def keep_fair() -> None:
    """With the fair race on, every racer stays tuned: when the surface, the start, the steps
    or the race's settings change, the racers are tuned again; a racer whose rate was set by
    hand meanwhile turns the fair race off (said so), since it no longer is one."""
    ss = st.session_state
    if not ss.get("fair"):
        return
    scene = read_scene()
    now = tune.context(scene)
    criterion = ss.get("tune_criterion", DEFAULT_CRITERION)
    second = bool(ss.get("tune_second"))
    stale = [i for i, e in enumerate(scene.optimizers)
             if tune.mark(scene, i) != "tuned" or e.tuned.get("criterion") != criterion
             or e.tuned.get("what") != tune.what_of(e.optimizer, second)]
    if not stale:
        ss["fair_context"] = now
        return
    by_hand = [i for i in stale if scene.optimizers[i].tuned
               and tune.mark(scene, i) is None and ss.get("fair_context") == now]
    if by_hand:
        ss["fair"] = False
        names = ", ".join(scene.labels()[i] for i in by_hand)
        notify(f"Fair race off: {names} now races with settings set by hand. Turn it on again "
               "to tune every racer.")
        return
    new, results = tune.tune_all(scene, criterion, second, only_stale=True)
    untuned: dict[str, list[str]] = {}
    for eid, entry, got, label in zip(ss["entry_ids"], new.optimizers, results, new.labels(),
                                      strict=True):
        if isinstance(got, str):  # not tunable here: keeps its rate, without a stale record
            write_entry(eid, replace(entry, tuned=None))
            untuned.setdefault(got, []).append(label)
        elif got is not None:
            write_entry(eid, entry)
    said = (scene.surface, tuple(sorted(scene.surface_params.items())), tuple(untuned))
    if untuned and ss.get("fair_untuned_said") != said:  # once for each surface and reason
        for reason, names in untuned.items():
            notify(f"Fair race: {', '.join(names)} keep their rates, untuned: {reason}.")
    ss["fair_untuned_said"] = said
    ss["fair_context"] = now


def current_scene() -> tuple[Scene, Scene, list[str]]:
    """The scene the widgets hold, the scene that races (racers whose settings are unusable sit
    out, an unusable schedule is constant meanwhile), and what sits out and why."""
    scene = read_scene()
    good, bad = [], []
    for i, e in enumerate(scene.optimizers):
        try:
            e.full_hyper()
            good.append(e)
        except ValueError as err:
            bad.append(f"Optimizer {i + 1} ({scene.labels()[i]}): {err}. It sits out this race "
                       "until that is fixed; its settings are kept.")
    try:
        resolve(scene.schedule["name"], scene.steps,
                {k: v for k, v in scene.schedule.items() if k != "name"})
    except ValueError as err:
        bad.append(f"Schedule: {err}. Running with a constant learning rate meanwhile.")
        scene = replace(scene, schedule={"name": "constant"})
    ss = st.session_state
    ss["shown_surface"] = (scene.surface, tuple(sorted(scene.surface_params.items())))
    # A preset's claim belongs to the preset's race: once this race differs, the claim no
    # longer titles it, its link or its exports.
    ss["claim_stale"] = bool(scene.claim) and race_key(scene) != ss.get("preset_key")
    if ss["claim_stale"]:
        scene = replace(scene, title="", claim="")
    racing, over = fit_race(replace(scene, optimizers=good))  # a race within its time
    if over is not None:
        bad.append(f"Steps: {over}.")
    return scene, racing, bad


def sync_link(scene: Scene) -> dict:
    """The share link of the scene, as a query; :func:`write_link` puts it in the address bar
    at the end of the run."""
    ss = st.session_state
    query = to_query(scene)
    if ss.get("lesson", NO_LESSON) in cached_lessons():
        query = {"lesson": ss["lesson"], "slide": str(ss.get("lesson_slide", 0) + 1), **query}
    if ss.get("preset", CUSTOM) != CUSTOM and scene.claim:
        query["preset"] = ss["preset"]
    if ss.get("present"):
        query["present"] = "1"
    return query


def write_link(query: dict) -> None:
    """Keep the address bar's share link in step with the scene (Streamlit's copy of the
    address, ``st.query_params``, which a reconnecting page sends back). Called last in a run:
    by then the page's history script (``ui.history``) has the run's link and decides whether
    it is a new entry of the browser's history or replaces the current one."""
    ss = st.session_state
    if ss.get("last_query") != query:
        st.query_params.from_dict(query)
        ss["last_query"] = query

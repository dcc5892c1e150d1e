"""Widget callbacks: each changes the session's state before the next run draws the page."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from landscapes import FORMULA, SURFACES, get_surface
from scene import MAX_OPTIMIZERS, STEPS_LIMIT, Entry, tune
from scene.link import default_formula_params
from ui import history
from ui.compute import cached_lessons, cached_presets
from ui.data_ui import FULL, batch_value
from ui.formula_ui import RANGE_KEYS
from ui.keys import (
    CUSTOM,
    NO_LESSON,
    entry_key,
    formula_range_key,
    hyper_key,
    open_key,
    surface_param_key,
)
from ui.state import (
    entry_keys,
    free_color,
    notify,
    race_key,
    read_entry,
    read_own,
    read_scene,
    write_entry,
    write_own,
    write_scene,
)


def on_preset() -> None:
    """The Preset box: its preset's scene. Another preset than the lesson's slide's leaves the
    lesson (its line would speak of a scene no longer shown)."""
    if slide_preset() not in (None, st.session_state["preset"]):
        st.session_state["lesson"] = NO_LESSON
    load_preset()


def load_preset() -> None:
    """The chosen preset's scene into the widgets, its race the one its claim is about."""
    choice = st.session_state["preset"]
    presets = cached_presets()
    if choice in presets:
        history.navigation()
        write_scene(presets[choice])
        st.session_state["preset_key"] = race_key(presets[choice])
        st.session_state["inspect_step"] = 1


def on_split() -> None:
    """Setting x and y apart starts both at the one sparsity; joining them keeps x's."""
    ss = st.session_state
    if ss["sparsity_split"]:
        ss["sparsity_x"] = ss["sparsity_y"] = float(ss["sparsity"])
    else:
        ss["sparsity"] = float(ss["sparsity_x"])


def on_seeded_shift() -> None:
    """A test surface's shift drawn from the scene's seed: about a twentieth of the map in a
    random direction, the same for the same seed."""
    ss = st.session_state
    surf = read_scene().surface_obj()
    (x0, x1), (y0, y1) = surf.bounds
    dx, dy = np.random.default_rng([int(ss["seed"]), 2]).normal(0.0, 1.0, 2)
    ss["test_dx"] = float(f"{dx * (x1 - x0) / 20:.3g}")
    ss["test_dy"] = float(f"{dy * (y1 - y0) / 20:.3g}")


def restore_preset() -> None:
    """Put the preset's own race back (its claim describes that race)."""
    on_preset()


def on_surface() -> None:
    history.navigation()
    surf = read_scene().surface_obj()
    st.session_state["x0"], st.session_state["y0"] = map(float, surf.start)
    st.session_state["preset"] = CUSTOM
    st.session_state["scene_title"] = st.session_state["scene_claim"] = ""


def on_batch() -> None:
    """The scene's minibatch size, from its box."""
    ss = st.session_state
    ss["batch"] = None if ss["batch_choice"] == FULL else batch_value(ss["batch_choice"])


def on_racer_batch(eid: int) -> None:
    """A racer's minibatch size, from its box (the scene's: None)."""
    ss = st.session_state
    ss[entry_key(eid, "batch")] = batch_value(ss[entry_key(eid, "batch_choice")])


def on_surface_param() -> None:
    """A new surface parameter keeps a start the user chose (while it lies on the map); a start
    that was the surface's own follows the surface."""
    ss = st.session_state
    name = ss["surface"]
    surf = SURFACES[name]
    params = {k: ss[surface_param_key(name, k)] for k in surf.param_spec}
    new = get_surface(name, **params)
    old = ss.get("shown_surface")
    was_default = True
    if old and old[0] == name:
        ox, oy = get_surface(name, **dict(old[1])).start
        was_default = math.isclose(ss["x0"], ox, abs_tol=1e-9) and math.isclose(
            ss["y0"], oy, abs_tol=1e-9)
    (lx0, lx1), (ly0, ly1) = new.limit
    if was_default or not (lx0 <= ss["x0"] <= lx1 and ly0 <= ss["y0"] <= ly1):
        ss["x0"], ss["y0"] = map(float, new.start)


def on_formula() -> None:
    """A changed formula or range: used when it can be, else its error is shown in place and
    the last good formula stays in the race."""
    ss = st.session_state
    params = {"f": ss.get("formula_text", ""),
              **{k: ss.get(formula_range_key(k), default_formula_params()[k]) for k in RANGE_KEYS}}
    try:
        surf = get_surface(FORMULA, **params)
    except ValueError as e:
        ss["formula_error"] = str(e)
        return
    old = ss.get("formula_ok")
    ss["formula_ok"] = dict(surf.params)
    ss["formula_error"] = ""
    (x0, x1), (y0, y1) = surf.bounds
    moved = old is None or old.get("f") != surf.params["f"]
    if moved:  # another surface: a step of its own in the browser's history
        history.navigation()
    if moved or not (x0 <= ss.get("x0", 0.0) <= x1 and y0 <= ss.get("y0", 0.0) <= y1):
        ss["x0"], ss["y0"] = map(float, surf.start)
    ss["preset"] = CUSTOM
    ss["scene_title"] = ss["scene_claim"] = ""


def on_steps() -> None:
    ss = st.session_state
    if ss["steps"] > STEPS_LIMIT:
        notify(f"steps: {ss['steps']:,} is more than the {STEPS_LIMIT:,} a race can have; "
               f"using {STEPS_LIMIT:,}.")
        ss["steps"] = STEPS_LIMIT


def on_start() -> None:
    """A typed start that lies off the map is brought to the map's edge, and said so."""
    ss = st.session_state
    surf = read_scene().surface_obj()
    for key, (lo, hi) in (("x0", surf.bounds[0]), ("y0", surf.bounds[1])):
        v = float(ss[key])
        if not lo <= v <= hi:
            kept = min(max(v, lo), hi)
            notify(f"start {key[0]}: {v:g} is off the map ({key[0]} from {lo:g} to {hi:g}); "
                   f"using {kept:g}.")
            ss[key] = float(kept)


def on_inspect_step() -> None:
    """The player follows the step inspector."""
    st.session_state["view_step"] = int(st.session_state["inspect_step"])


def on_reset_start() -> None:
    name = st.session_state["surface"]
    if name == FORMULA:
        surf = read_scene().surface_obj()
        st.session_state["x0"], st.session_state["y0"] = map(float, surf.start)
        return
    surf = SURFACES[name]
    params = {k: st.session_state.get(surface_param_key(name, k), s.default)
              for k, s in surf.param_spec.items()}
    st.session_state["x0"], st.session_state["y0"] = map(float, get_surface(name, **params).start)


def on_add() -> None:
    ss = st.session_state
    if len(ss["entry_ids"]) >= MAX_OPTIMIZERS:
        return
    eid = ss["next_id"]
    ss["next_id"] += 1
    color = free_color(ss["entry_ids"])
    ss["entry_ids"] = [*ss["entry_ids"], eid]
    write_entry(eid, Entry(ss["add_which"], color=color))
    ss[open_key(eid)] = True  # a new racer opens its panel, ready to be tuned
    # It starts tuned to the surface under the page's budget (or at its optimizer's default,
    # marked untuned, where it cannot be): a Lion added beside a tuned Adam does not sit still.
    scene = read_scene()
    index = len(scene.optimizers) - 1
    started = tune.start_new(scene, index, ss.get("tune_criterion", tune.DEFAULT_CRITERION))
    write_entry(eid, started.optimizers[index])
    label = started.labels()[index]
    if tune.mark(started, index) == "tuned":
        runs = tune.runs_of(ss.get("tune_criterion", tune.DEFAULT_CRITERION))
        notify(f"{label} starts tuned to this surface: lr "
               f"{started.optimizers[index].hyper['lr']:g}, the best of {runs} runs (its "
               "chip's mark tells how).")
    else:
        notify(f"{label} starts at PyTorch's default rate, untuned: "
               f"{tune.why_not(scene, index) or 'every rate tried stopped'}.")


def _tuned_into_state(scene, results) -> None:
    """Write the racers a tuning set into their widgets, and say in one short notice what it
    chose (the search and the reasons once each; the details are under the results)."""
    ss = st.session_state
    chosen, why_not = [], {}
    for eid, entry, got, label in zip(ss["entry_ids"], scene.optimizers, results,
                                      scene.labels(), strict=True):
        if got is None:
            continue
        if isinstance(got, str):
            why_not.setdefault(got, []).append(label)
            continue
        write_entry(eid, entry)
        if got.best >= 0:
            second = (f", {got.what.split('+')[1]} {got.second:g}" if got.second is not None
                      else "")
            edge = f" (at the {got.edge} rate tried)" if got.edge else ""
            chosen.append(f"{label} lr {got.lr:g}{second}{edge}")
        else:
            why_not.setdefault("every rate tried stopped", []).append(label)
    said = []
    first = next((g for g in results if g is not None and not isinstance(g, str)), None)
    if chosen and first is not None:
        said.append(f"Tuned by {tune.CRITERIA[first.criterion]}, "
                    f"{tune.runs_of(first.criterion)} runs each: " + "; ".join(chosen)
                    + ". The search is under the results.")
    said += [f"Not tuned ({reason}): {', '.join(names)}." for reason, names in why_not.items()]
    if said:
        notify(" ".join(said))
    ss["tuning_shown"] = bool(chosen)


def on_tune(eid: int) -> None:
    """Tune one racer by the page's criterion."""
    ss = st.session_state
    scene = read_scene()
    index = ss["entry_ids"].index(eid)
    try:
        t = tune.tune(scene, index, ss.get("tune_criterion", tune.DEFAULT_CRITERION),
                      bool(ss.get("tune_second")))
    except ValueError as e:
        notify(f"{scene.labels()[index]} cannot be tuned here: {e}.")
        return
    new = tune.applied(scene, index, t)
    _tuned_into_state(new, [t if i == index else None for i in range(len(scene.optimizers))])


def on_tune_all() -> None:
    """Tune every racer by the page's criterion, under the same budget each."""
    ss = st.session_state
    new, results = tune.tune_all(read_scene(), ss.get("tune_criterion", tune.DEFAULT_CRITERION),
                                 bool(ss.get("tune_second")))
    _tuned_into_state(new, results)


def on_fair() -> None:
    """The fair race turned on: every racer not tuned by this criterion is tuned now."""
    ss = st.session_state
    if not ss.get("fair"):
        return
    new, results = tune.tune_all(read_scene(), ss.get("tune_criterion", tune.DEFAULT_CRITERION),
                                 bool(ss.get("tune_second")), only_stale=True)
    _tuned_into_state(new, results)
    ss["fair_context"] = tune.context(new)


def on_duplicate(eid: int) -> None:
    ss = st.session_state
    if len(ss["entry_ids"]) >= MAX_OPTIMIZERS:
        return
    entry = read_entry(eid)
    new = ss["next_id"]
    ss["next_id"] += 1
    ids = list(ss["entry_ids"])
    ids.insert(ids.index(eid) + 1, new)
    ss["entry_ids"] = ids
    write_entry(new, replace(entry, label="", color=free_color(ids, skip=new)))
    ss[open_key(new)] = True


def on_remove(eid: int) -> None:
    ss = st.session_state
    ss["entry_ids"] = [e for e in ss["entry_ids"] if e != eid]
    for k in entry_keys(eid):
        del ss[k]


def on_change_type(eid: int) -> None:
    ss = st.session_state
    name = ss[entry_key(eid, "opt")]
    label, color = ss.get(entry_key(eid, "label"), ""), ss.get(entry_key(eid, "color"), "")
    old_lr = ss.get(hyper_key(eid, "lr"))
    own = read_own(eid)  # a racer's own schedule, noise and sparsity survive the change
    for k in entry_keys(eid):
        del ss[k]
    hyper = {"lr": old_lr} if old_lr is not None else {}
    write_entry(eid, Entry(name, label, color, hyper, **own))


def on_own(eid: int) -> None:
    """A racer given its own schedule, noise and sparsity starts from the scene's."""
    ss = st.session_state
    if not ss[entry_key(eid, "own")]:
        return
    scene = read_scene()
    write_own(eid, {"schedule": scene.schedule, "noise": scene.noise,
                    "sparsity": max(scene.sparsity) if isinstance(scene.sparsity, tuple)
                    else scene.sparsity})
    ss[entry_key(eid, "own")] = True


def slide_preset() -> str | None:
    """The preset of the lesson's current slide (None: no lesson is on)."""
    ss = st.session_state
    lesson = cached_lessons().get(ss.get("lesson", NO_LESSON))
    if lesson is None:
        return None
    return lesson.slides[min(max(0, int(ss.get("lesson_slide", 0))), len(lesson.slides) - 1)].preset


def load_slide(index: int) -> None:
    """Go to a slide of the lesson that is on: its preset is loaded as the Preset box would."""
    ss = st.session_state
    lesson = cached_lessons().get(ss.get("lesson", NO_LESSON))
    if lesson is None:
        return
    ss["lesson_slide"] = min(max(0, index), len(lesson.slides) - 1)
    ss["preset"] = lesson.slides[ss["lesson_slide"]].preset
    load_preset()


def on_lesson() -> None:
    """A lesson chosen: its first slide. No lesson: the scene stays as it is."""
    load_slide(0)


def on_slide_step(delta: int) -> None:
    """Previous (-1) or Next (+1)."""
    load_slide(int(st.session_state.get("lesson_slide", 0)) + delta)

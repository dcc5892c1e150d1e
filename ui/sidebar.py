"""The sidebar: the scene's controls. Every widget's key is a field of the session's state
(:mod:`ui.state`); the ranges of the optimizers' widgets come from their hyperparameter specs.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from landscapes import DATA, FORMULA, SURFACES, get_surface
from optimizers import OPTIMIZERS, learning_rates
from optimizers.schedules import MOST as SCHEDULE_MOST
from optimizers.schedules import SCHEDULES, resolve
from scene import MAX_OPTIMIZERS, STEPS_LIMIT, tune
from ui.callbacks import (
    on_add,
    on_batch,
    on_change_type,
    on_duplicate,
    on_fair,
    on_formula,
    on_lesson,
    on_own,
    on_preset,
    on_racer_batch,
    on_remove,
    on_reset_start,
    on_seeded_shift,
    on_split,
    on_start,
    on_steps,
    on_surface,
    on_surface_param,
    on_tune,
    on_tune_all,
)
from ui.choices import beta2_grid, eps_grid, lr_grid, round_step
from ui.choices import with_value as _with
from ui.compute import cached_lessons_and_problems, cached_presets, cached_presets_and_problems
from ui.data_ui import batch_box, data_params, draw_data_controls, rows_of
from ui.formula_ui import draw_formula_controls
from ui.keys import (
    CUSTOM,
    NO_LESSON,
    duplicate_key,
    entry_key,
    hyper_key,
    open_key,
    panel_key,
    remove_key,
    schedule_key,
    section_key,
    section_open_key,
    surface_param_key,
    tune_key,
)
from ui.tables import md_literal


def draw_sidebar(scene) -> None:
    """The scene's controls. Drawn after the race player, so that a changed setting reaches
    the player before the rest of the page is rebuilt; the widgets' values are already in
    the session state when the script starts. ``scene``: the scene they hold (as this run read
    it), for the racers' tuning marks."""
    presets = cached_presets()
    with st.sidebar:
        st.toggle("Presentation mode", key="present",
                  help="The map as large as the screen allows, large type, no sidebar: for a "
                       "projector. Space plays and pauses, the arrow keys step, Esc leaves.")
        st.header("Scene")
        lessons, lesson_problems = cached_lessons_and_problems()
        st.selectbox("Lesson", [NO_LESSON, *lessons], key="lesson", on_change=on_lesson,
                     format_func=lambda k: k if k == NO_LESSON else lessons[k].title,
                     help="Presets in an order that makes an argument, a short text for each: "
                          "step through them with Previous and Next above the map.")
        for problem in lesson_problems:
            st.text(f"⚠ A lesson could not be used whole: {problem}")
        st.selectbox("Preset", [CUSTOM, *presets], key="preset", on_change=on_preset,
                     format_func=lambda k: k if k == CUSTOM else presets[k].title,
                     help="Ready-made scenes, each showing one thing about optimizers.")
        for problem in cached_presets_and_problems()[1]:
            st.text(f"⚠ A preset could not be loaded: {problem}")
        _surface_controls()
        _start_controls()
        _racers(scene)
        st.subheader("Training conditions")
        _schedule_controls()
        _noise_controls()


def _surface_controls() -> None:
    ss = st.session_state
    st.subheader("Surface")
    st.selectbox("Loss surface", [*SURFACES, FORMULA, DATA], key="surface",
                 on_change=on_surface,
                 format_func=lambda k: SURFACES[k].title if k in SURFACES
                 else "Your own formula f(x, y)" if k == FORMULA
                 else "A model's loss on data (real minibatches)")
    if ss["surface"] == FORMULA:
        draw_formula_controls(on_formula)
        return
    if ss["surface"] == DATA:
        draw_data_controls(on_surface)
        params = data_params()
        batch_box("minibatch size", "batch_choice", ss.get("batch"), rows_of(params),
                  racer=False, on_change=on_batch,
                  help="Rows per update, drawn as a shuffling DataLoader draws them: each "
                          "epoch a new order, cut into batches, the last one smaller. Every "
                          "racer with the same size sees the same batches. A racer may have a "
                          "size of its own (its panel).")
        st.caption(get_surface(DATA, **params).lesson)
        return
    base = SURFACES[ss["surface"]]
    for pname, spec in base.param_spec.items():
        key = surface_param_key(base.name, pname)
        ss.setdefault(key, float(spec.default))
        if spec.log:
            grid = sorted({float(f"{v:.3g}") for v in np.geomspace(spec.low, spec.high, 31)})
            st.select_slider(spec.label, _with(grid, float(ss[key])), key=key, help=spec.help,
                             on_change=on_surface_param, format_func=lambda v: f"{v:g}")
        else:
            st.slider(spec.label, float(spec.low), float(spec.high), key=key, help=spec.help,
                      on_change=on_surface_param, step=round_step(spec.high - spec.low))
    surface = get_surface(base.name, **{k: ss[surface_param_key(base.name, k)]
                                        for k in base.param_spec})
    st.caption(surface.lesson)


def _start_controls() -> None:
    st.subheader("Start and length")
    c1, c2 = st.columns(2)
    c1.number_input("start x", key="x0", format="%.4g", step=0.1, on_change=on_start)
    c2.number_input("start y", key="y0", format="%.4g", step=0.1, on_change=on_start)
    st.button("Reset to the surface's start", on_click=on_reset_start,
              help="Or drag on the map to start from anywhere.")
    st.number_input("steps", min_value=1, max_value=None, step=50, key="steps",
                    on_change=on_steps, help=f"Number of updates, up to {STEPS_LIMIT:,}.")


def _racers(scene) -> None:
    ss = st.session_state
    st.subheader("Optimizers")
    tunable = bool(tune.criteria(scene))
    for pos, eid in enumerate(list(ss["entry_ids"])):
        _racer_panel(pos, eid, scene, tunable)
    c1, c2 = st.columns([3, 2])
    ss.setdefault("add_which", "adam")
    c1.selectbox("add", list(OPTIMIZERS), key="add_which", label_visibility="collapsed",
                 format_func=lambda k: OPTIMIZERS[k].title)
    c2.button("Add", on_click=on_add, disabled=len(ss["entry_ids"]) >= MAX_OPTIMIZERS,
              width="stretch", help="A new racer starts tuned to the surface (see Tuning).")
    _tuning(scene)


def _tuning(scene) -> None:
    """Tune every racer the same way: the criterion, the budget in words, Tune all and the
    fair race that keeps them tuned."""
    ss = st.session_state
    offered = tune.criteria(scene)
    st.markdown("**Tuning**")
    if not offered:
        st.caption("No tuning on this surface: it has no lowest point, so a run that heads "
                   "downhill fastest would win any criterion. Racers keep the rates they have.")
        return
    ss.setdefault("tune_criterion", tune.DEFAULT_CRITERION)
    st.selectbox("tune by", list(offered), key="tune_criterion", format_func=offered.get,
                 help="What makes a rate best. Runs that diverge or leave the map never win.")
    st.checkbox("also tune momentum or β1", key="tune_second",
                help="The same number of runs, spread over fewer rates and three values of "
                     "the second setting.")
    what = "lr+momentum" if ss.get("tune_second") else "lr"
    start = "" if ss["tune_criterion"] == tune.WORST else ", from this start"
    st.caption("Each racer gets the same search: "
               f"{tune.budget_text(ss['tune_criterion'], what, scene.steps)}{start}.")
    c1, c2 = st.columns([2, 3])
    c1.button("Tune all", on_click=on_tune_all, width="stretch",
              disabled=not scene.optimizers, help="Tune every racer's rate now.")
    c2.toggle("Fair race", key="fair", on_change=on_fair,
              help="Keep every racer tuned as the surface, the start or the steps change.")


def _racer_panel(pos: int, eid: int, scene, tunable: bool) -> None:
    """One racer's panel. Only an open panel draws its widgets (their values are kept in the
    session state either way): a rerun then rebuilds a handful of widgets, not every
    optimizer's. A closed panel's label shows its learning rate. A new label is a new expander
    to Streamlit, so which panels are open is remembered here."""
    ss = st.session_state
    info = OPTIMIZERS[ss[entry_key(eid, "opt")]]
    title = ss.get(entry_key(eid, "label")) or info.title
    lr_now = ss.get(hyper_key(eid, "lr"), info.spec["lr"].default)
    label = f"{pos + 1}. {md_literal(title)}"
    marked = tune.mark(scene, pos) if ss.get(entry_key(eid, "tuned")) else None
    closed = f"{label} · lr {lr_now:g}" + (f" · {tune.MARK_TEXT[marked]}" if marked else "")
    panel = _folding(panel_key(eid), open_key(eid), label, closed)
    if panel is None:
        return
    with panel:
        c1, c2 = st.columns([3, 1])
        c1.selectbox("optimizer", list(OPTIMIZERS), key=entry_key(eid, "opt"),
                     format_func=lambda k: OPTIMIZERS[k].title, on_change=on_change_type,
                     args=(eid,))
        c2.color_picker("colour", key=entry_key(eid, "color"))
        st.text_input("label", key=entry_key(eid, "label"), max_chars=60,
                      placeholder=f"{info.title} (automatic)")
        st.caption(info.summary)
        for key, h in info.spec.items():
            _hyper_widget(eid, key, h)
        if scene.surface == DATA:
            _batch_setting(eid, rows_of(scene.surface_params))
        _own_settings(eid)
        if marked:
            st.caption(tune.mark_title(scene, pos))
        st.button("Tune this racer", key=tune_key(eid), on_click=on_tune, args=(eid,),
                  disabled=not tunable, width="stretch",
                  help="Set this racer's rate to the best of the tuning search (see Tuning).")
        b1, b2 = st.columns(2)
        b1.button("Duplicate", key=duplicate_key(eid), on_click=on_duplicate, args=(eid,),
                  disabled=len(ss["entry_ids"]) >= MAX_OPTIMIZERS,
                  help="Race a copy of this optimizer with other settings.")
        b2.button("Remove", key=remove_key(eid), on_click=on_remove, args=(eid,))


def _hyper_widget(eid: int, key: str, h) -> None:
    """The widget for racer ``eid``'s hyperparameter ``key``, its range from the spec
    validation uses (a value a link brought from outside that range widens it rather than
    breaking the widget)."""
    ss = st.session_state
    wkey = hyper_key(eid, key)
    if h.kind == "bool":
        st.checkbox(h.label, key=wkey, help=h.help)
    elif h.kind == "pair" and h.name != "betas":  # Rprop's etas and step sizes: two numbers
        c1, c2 = st.columns(2)
        lo, hi = float(h.lower), float(h.upper)
        c1.number_input(h.labels[0], lo, hi, key=hyper_key(eid, key, 0), format="%.4g", step=0.1,
                        help=h.help)
        c2.number_input(h.labels[1], lo, hi, key=hyper_key(eid, key, 1), format="%.4g", step=0.1,
                        help=h.help)
    elif h.kind == "pair":
        top = max(float(h.ui_high), float(ss[hyper_key(eid, key, 0)]))
        st.slider(h.labels[0], float(h.ui_low), top, key=hyper_key(eid, key, 0), step=0.001,
                  format="%.4g", help=h.help)
        st.select_slider(h.labels[1], _with(beta2_grid(h), ss[hyper_key(eid, key, 1)]),
                         key=hyper_key(eid, key, 1), format_func=lambda v: f"{v:g}")
    elif key == "lr":
        st.select_slider("learning rate γ (log scale)", _with(lr_grid(h), ss[wkey]), key=wkey,
                         format_func=lambda v: f"{v:g}", help=h.help)
    elif h.log:
        st.select_slider(h.label, _with(eps_grid(h), ss[wkey]), key=wkey,
                         format_func=lambda v: f"{v:.0e}", help=h.help)
    else:
        hi = max(h.ui_high, float(ss[wkey]))
        st.slider(h.label, float(h.ui_low), float(hi), key=wkey,
                  step=round_step(hi - h.ui_low), format="%.4g", help=h.help)


def _folding(key: str, open_key: str, label: str, closed_label: str):
    """An expander whose widgets are drawn only while it is open (their values are kept in the
    session state either way), so a rerun rebuilds fewer widgets; closed, it shows
    ``closed_label``. Its label changes as it opens, so whether it is open is kept under
    ``open_key``. Returns the open expander, or None."""
    ss = st.session_state
    is_open = ss.get(open_key, False)
    panel = st.expander(label if is_open else closed_label, key=key, expanded=is_open,
                        on_change="rerun")
    ss[open_key] = bool(panel.open)
    return panel if panel.open else None


def _section(key: str, title: str, summary: str):
    """A part of the sidebar that folds away, its settings summed up in its title while it is
    closed."""
    return _folding(section_key(key), section_open_key(key), title, f"{title} · {summary}")


def _schedule_controls() -> None:
    ss = st.session_state
    panel = _section("sched", "Learning-rate schedule", SCHEDULES[ss["sched"]].title.lower())
    if panel is None:
        return
    with panel:
        _schedule_body()


def _schedule_body() -> None:
    ss = st.session_state
    st.selectbox("schedule", list(SCHEDULES), key="sched",
                 format_func=lambda k: SCHEDULES[k].title, label_visibility="collapsed")
    sched_info = SCHEDULES[ss["sched"]]
    _schedule_params(sched_info)
    if sched_info.name == "constant":
        return
    st.latex(sched_info.latex)
    try:
        from figures import lr_preview_figure

        params = {k: ss[schedule_key(sched_info.name, k)] for k in sched_info.params}
        lrs = learning_rates(1.0, int(ss["steps"]), {"name": sched_info.name, **params})
        st.plotly_chart(lr_preview_figure(lrs, ytitle="× each racer's lr"), width="stretch",
                        config={"displayModeBar": False})
    except ValueError as e:
        st.warning(f"Schedule: {md_literal(e)}")


def _schedule_params(sched_info, eid: int | None = None) -> None:
    """One schedule's settings: the scene's, or with ``eid`` racer ``eid``'s own."""
    ss = st.session_state
    defaults = resolve(sched_info.name, int(ss["steps"]), {})
    for key, p in sched_info.params.items():
        wkey = schedule_key(sched_info.name, key, eid)
        ss.setdefault(wkey, defaults[key])
        if p.kind == "choice":
            st.selectbox(p.label, list(p.choices), key=wkey)
        elif p.kind == "bool":
            st.checkbox(p.label, key=wkey)
        elif p.kind == "int":
            st.number_input(p.label, min_value=int(p.low), max_value=int(SCHEDULE_MOST),
                            step=1, key=wkey, help=p.help)
        else:
            hi = SCHEDULE_MOST if math.isinf(p.high) else float(p.high)
            st.number_input(p.label, min_value=float(p.low), max_value=hi, key=wkey,
                            format="%.4g", help=p.help, step=0.01)


def _batch_setting(eid: int, rows: int) -> None:
    """A racer's minibatch size on a data surface: the scene's, the whole data, or its own."""
    batch_box("its minibatch size", entry_key(eid, "batch_choice"),
              st.session_state.get(entry_key(eid, "batch")), rows, racer=True,
              on_change=on_racer_batch, args=(eid,),
              help="Race batch 1 against batch 8 against the whole data on one map.")


def _own_settings(eid: int) -> None:
    """A racer's own schedule, noise and sparsity (off: it follows the scene's)."""
    ss = st.session_state
    st.toggle("Own schedule, noise and sparsity", key=entry_key(eid, "own"), on_change=on_own,
              args=(eid,), help="Race this optimizer with a schedule, gradient noise or "
                                "sparsity of its own (Adam with warmup beside Adam without); "
                                "off, it uses the scene's.")
    if not ss.get(entry_key(eid, "own")):
        return
    st.selectbox("its schedule", list(SCHEDULES), key=entry_key(eid, "sched"),
                 format_func=lambda k: SCHEDULES[k].title)
    sched_info = SCHEDULES[ss[entry_key(eid, "sched")]]
    _schedule_params(sched_info, eid)
    st.number_input("its gradient noise σ", min_value=0.0, max_value=100.0, step=0.1,
                    key=entry_key(eid, "noise"))
    st.slider("its sparsity", 0.0, 1.0, step=0.05, key=entry_key(eid, "sparsity"))


def _noise_summary() -> str:
    """The scene's noise and sparsity in a few words."""
    ss = st.session_state
    parts = [f"σ {ss['noise']:g}"] if ss.get("noise") else []
    if ss.get("sparsity_split"):
        sx, sy = ss.get("sparsity_x", 0.0), ss.get("sparsity_y", 0.0)
        if sx or sy:
            parts.append(f"sparsity x {sx:g}, y {sy:g}")
    elif ss.get("sparsity"):
        parts.append(f"sparsity {ss['sparsity']:g}")
    return ", ".join(parts) or "exact gradients"


def _noise_controls() -> None:
    panel = _section("noise", "Stochastic gradients", _noise_summary())
    if panel is not None:
        with panel:
            _noise_body()
    _test_controls()


def _noise_body() -> None:
    st.number_input("gradient noise σ", min_value=0.0, max_value=100.0, step=0.1, key="noise",
                    help="Standard deviation of Gaussian noise added to each gradient "
                         "coordinate, as mini-batches would.")
    ss = st.session_state
    ss.setdefault("sparsity_split", False)
    if ss["sparsity_split"]:
        st.slider("sparsity of x's gradient", 0.0, 1.0, step=0.05, key="sparsity_x",
                  help="Probability that the gradient's x coordinate is zero at a step: at "
                       "0.9, x is a rare feature, seen one step in ten.")
        st.slider("sparsity of y's gradient", 0.0, 1.0, step=0.05, key="sparsity_y",
                  help="Probability that the gradient's y coordinate is zero at a step.")
    else:
        st.slider("sparsity", 0.0, 1.0, step=0.05, key="sparsity",
                  help="Probability that a gradient coordinate is zero at a step, as rare "
                       "features would be.")
    st.toggle("x and y apart (a rare feature)", key="sparsity_split", on_change=on_split,
              help="Give each coordinate its own sparsity, so that one of them can be a rare "
                   "feature.")
    st.number_input("seed", min_value=0, max_value=2**32 - 1, step=1, key="seed",
                    help="Every optimizer sees the same noise for the same seed.")


def _test_controls() -> None:
    """The test surface: the training surface shifted, as new data would shift it."""
    ss = st.session_state
    summary = (f"shifted by ({ss.get('test_dx', 0.0):.3g}, {ss.get('test_dy', 0.0):.3g})"
               if ss.get("test_on") else "off")
    panel = _section("test", "Test surface", summary)
    if panel is None:
        return
    with panel:
        _test_body()


def _test_body() -> None:
    ss = st.session_state
    st.toggle("Test surface", key="test_on",
              help="Shift the training surface by a small offset, as data the model never saw "
                   "would: the map shows it dashed and the results give each run's loss on "
                   "it. A flat minimum keeps its loss when shifted; a sharp one does not.")
    if ss.get("test_on"):
        c1, c2 = st.columns(2)
        c1.number_input("shift x", key="test_dx", step=0.05, format="%.3g")
        c2.number_input("shift y", key="test_dy", step=0.05, format="%.3g")
        st.button("Draw a shift from the seed", on_click=on_seeded_shift,
                  help="A small random shift (about a twentieth of the map), the same for the "
                       "same seed: new data whose offset nobody chose.")

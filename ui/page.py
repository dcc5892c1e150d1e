"""The page: widgets ⇄ scene, the sidebar, the race player and the tabs below it.

``app.py`` calls :func:`render` on every rerun; the cached computations and callbacks live at
module level so they are defined once per process.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from landscapes import SURFACES, get_surface
from optimizers import OPTIMIZERS, compiled, learning_rates
from optimizers.schedules import SCHEDULES, resolve
from scene import (
    MAX_OPTIMIZERS,
    PALETTE,
    STEPS_LIMIT,
    Entry,
    Scene,
    default_scene,
    from_json,
    to_dict,
    to_json,
)
from scene.presets import load_presets
from scene.race import DEFAULT_TOL, metrics, simulate
from scene.url import encode, from_query, to_query
from ui.equations import update_rules
from ui.player import race_player
from ui.tables import markdown_table, swatch

CUSTOM = "— your own scene —"

# --------------------------------------------------------------------------------------------
# Cached computations (pure functions of hashable arguments; no widgets inside)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_race(scene_json: str):
    scene, _ = from_json(scene_json)
    return simulate(scene, record=True)


@st.cache_data(max_entries=24, show_spinner=False)
def cached_surface(name: str, params: tuple) -> dict:
    from figures.payload import surface_payload

    return surface_payload(get_surface(name, **dict(params)))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_payload(scene_json: str, arrows: bool, revision: str) -> dict:
    from figures.payload import race_payload

    race = cached_race(scene_json)
    surf = cached_surface(race.scene.surface, tuple(sorted(race.scene.surface_params.items())))
    return race_payload(race, surf, arrows=arrows, revision=revision, font_size=16)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_presets_and_problems():
    from scene import presets as preset_module

    return load_presets(), list(preset_module.PROBLEMS)


def cached_presets():
    return cached_presets_and_problems()[0]


# --------------------------------------------------------------------------------------------
# Widget state <-> Scene

LR_GRID = sorted({round(m * 10.0**e, 12) for e in range(-6, 2) for m in (1, 1.5, 2, 3, 5, 7)}
                 | {10.0})
EPS_GRID = [10.0**e for e in range(-12, 1)]
BETA2_GRID = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999]


def round_step(span: float) -> float:
    """A round slider step, about a hundredth to a thousandth of ``span``: 0.001 for μ in
    [0, 0.999], 1 for an angle in [0, 180]."""
    return 10.0 ** (math.floor(math.log10(span)) - 2)


def _with(options: list[float], value: float) -> list[float]:
    return options if any(math.isclose(o, value, rel_tol=1e-12) for o in options) else sorted(
        [*options, value])


def _snap(options: list[float], value: float) -> float:
    for o in options:
        if math.isclose(o, value, rel_tol=1e-12):
            return o
    return value


def entry_keys(eid: int) -> list[str]:
    return [k for k in st.session_state if isinstance(k, str) and k.startswith(f"e{eid}_")]


def write_entry(eid: int, entry: Entry) -> None:
    info = OPTIMIZERS[entry.optimizer]
    hp = info.validate(entry.hyper)
    ss = st.session_state
    ss[f"e{eid}_opt"] = entry.optimizer
    ss[f"e{eid}_label"] = entry.label
    ss[f"e{eid}_color"] = entry.color or PALETTE[len(ss.get("entry_ids", [])) % len(PALETTE)]
    for name, h in info.spec.items():
        v = hp[name]
        if h.kind == "pair":
            ss[f"e{eid}_{name}_0"] = float(v[0])
            ss[f"e{eid}_{name}_1"] = _snap(BETA2_GRID, float(v[1]))
        elif name == "lr":
            ss[f"e{eid}_lr"] = _snap(LR_GRID, float(v))
        elif h.log:
            ss[f"e{eid}_{name}"] = _snap(EPS_GRID, float(v))
        else:
            ss[f"e{eid}_{name}"] = v


def write_scene(scene: Scene) -> None:
    """Put a scene into the widgets' session state (before the widgets are drawn)."""
    ss = st.session_state
    for eid in ss.get("entry_ids", []):
        for k in entry_keys(eid):
            del ss[k]
    ss["surface"] = scene.surface
    surf = get_surface(scene.surface, **scene.surface_params)
    for name, spec in surf.param_spec.items():
        ss[f"sp_{scene.surface}_{name}"] = float(surf.params.get(name, spec.default))
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
        ss[f"sched_{name}_{key}"] = value
    ss["noise"], ss["sparsity"], ss["seed"] = float(scene.noise), float(scene.sparsity), int(
        scene.seed)
    ss["arrows"] = bool(scene.view.get("arrows", False))
    ss["view_step"] = scene.view.get("step")  # None: the end of the run
    ss["view_tab"] = scene.view.get("tab", "map")
    ss["scene_title"], ss["scene_claim"] = scene.title, scene.claim


def read_entry(eid: int) -> Entry:
    ss = st.session_state
    name = ss[f"e{eid}_opt"]
    info = OPTIMIZERS[name]
    hyper = {}
    for key, h in info.spec.items():
        if h.kind == "pair":
            hyper[key] = (ss[f"e{eid}_{key}_0"], ss[f"e{eid}_{key}_1"])
        else:
            hyper[key] = ss[f"e{eid}_{key}"]
    defaults = info.defaults()
    compact = {k: v for k, v in hyper.items() if v != defaults[k]}
    color = ss.get(f"e{eid}_color", "")
    pos = ss["entry_ids"].index(eid)
    if color.upper() == PALETTE[pos % len(PALETTE)].upper():
        color = ""  # the palette's colour for this position: nothing to remember
    return Entry(name, ss.get(f"e{eid}_label", "").strip(), color, compact)


def read_scene() -> Scene:
    ss = st.session_state
    name = ss["surface"]
    surf = SURFACES[name]
    params = {k: ss[f"sp_{name}_{k}"] for k, spec in surf.param_spec.items()
              if f"sp_{name}_{k}" in ss and ss[f"sp_{name}_{k}"] != spec.default}
    sname = ss.get("sched", "constant")
    sched = {"name": sname}
    for key in SCHEDULES[sname].params:
        if f"sched_{sname}_{key}" in ss:
            sched[key] = ss[f"sched_{sname}_{key}"]
    steps = int(ss["steps"])
    step = ss.get("view_step")
    view = {"step": None if step is None else max(0, min(steps, int(step))),
            "arrows": bool(ss.get("arrows")), "tab": ss.get("view_tab", "map")}
    # A start typed or stepped in the sidebar carries float noise (-1.0999999999999999): the
    # scene keeps six significant digits, as many as anyone can see or type.
    start = (float(f"{ss['x0']:.6g}"), float(f"{ss['y0']:.6g}"))
    return Scene(surface=name, surface_params=params, start=start,
                 steps=steps, optimizers=[read_entry(e) for e in ss["entry_ids"]],
                 schedule=sched, noise=float(ss["noise"]), sparsity=float(ss["sparsity"]),
                 seed=int(ss["seed"]), view=view,
                 title=ss.get("scene_title", ""), claim=ss.get("scene_claim", ""))


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


def apply_player_event() -> None:
    """Take the player's latest event into the scene, before anything is drawn: a start set by
    a click or a drag on the map, a learning rate set on a chip, the step the player stopped
    at. The player's value is in the session state when the script starts, so the page is
    drawn once, already with the change."""
    ss = st.session_state
    event = ss.get("player")
    if not isinstance(event, dict) or event.get("nonce") == ss.get("last_nonce"):
        return
    ss["last_nonce"] = event.get("nonce")
    try:
        kind = event.get("event")
        if kind == "click":
            surf = read_scene().surface_obj()
            (bx0, bx1), (by0, by1) = surf.bounds
            quantum = 10.0 ** (math.floor(math.log10(max(bx1 - bx0, by1 - by0))) - 3)
            x = float(f"{round(float(event['x']) / quantum) * quantum:.10g}")
            y = float(f"{round(float(event['y']) / quantum) * quantum:.10g}")
            (lx0, lx1), (ly0, ly1) = surf.limit
            if lx0 <= x <= lx1 and ly0 <= y <= ly1:
                ss["x0"], ss["y0"] = x, y
                ss["preset"] = CUSTOM
        elif kind == "lr":
            ids = racing_ids()
            racer, lr = int(event["racer"]), float(event["lr"])
            if 0 <= racer < len(ids) and math.isfinite(lr) and lr > 0:
                ss[f"e{ids[racer]}_lr"] = _snap(LR_GRID, lr)
                ss["preset"] = CUSTOM
        elif kind == "step":
            ss["view_step"] = max(0, int(event["step"]))
            ss["inspect_step"] = max(1, ss["view_step"])
        elif kind == "tab" and event.get("tab") in ("map", "3d"):
            ss["view_tab"] = event["tab"]
        elif kind == "present":
            ss["present"] = bool(event.get("on"))
    except (KeyError, TypeError, ValueError, OverflowError):
        return  # a malformed event changes nothing


# --------------------------------------------------------------------------------------------
# Callbacks


def on_preset() -> None:
    choice = st.session_state["preset"]
    presets = cached_presets()
    if choice in presets:
        write_scene(presets[choice])
        st.session_state["inspect_step"] = 1


def on_surface() -> None:
    surf = SURFACES[st.session_state["surface"]]
    st.session_state["x0"], st.session_state["y0"] = map(float, surf.start)
    st.session_state["preset"] = CUSTOM
    st.session_state["scene_title"] = st.session_state["scene_claim"] = ""


def on_surface_param() -> None:
    """A new surface parameter keeps a start the user chose (while it lies on the map); a start
    that was the surface's own follows the surface."""
    ss = st.session_state
    name = ss["surface"]
    surf = SURFACES[name]
    params = {k: ss[f"sp_{name}_{k}"] for k in surf.param_spec}
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


def free_color(ids: list[int], skip: int | None = None) -> str:
    """The first palette colour no racer in ``ids`` (but ``skip``) shows."""
    ss = st.session_state
    used = set()
    for pos, eid in enumerate(ids):
        if eid != skip:
            used.add((ss.get(f"e{eid}_color") or PALETTE[pos % len(PALETTE)]).upper())
    for c in PALETTE:
        if c.upper() not in used:
            return c
    return PALETTE[len(ids) % len(PALETTE)]


def notify(text: str) -> None:
    """A short message shown once, over the page (it never moves the map)."""
    st.session_state.setdefault("notices", []).append(text)


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


def on_inspect_step() -> None:
    """The player follows the step inspector."""
    st.session_state["view_step"] = int(st.session_state["inspect_step"])


def on_reset_start() -> None:
    name = st.session_state["surface"]
    surf = SURFACES[name]
    params = {k: st.session_state.get(f"sp_{name}_{k}", s.default)
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
    ss[f"open{eid}"] = True  # a new racer opens its panel, ready to be tuned


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
    ss[f"open{new}"] = True


def on_remove(eid: int) -> None:
    ss = st.session_state
    ss["entry_ids"] = [e for e in ss["entry_ids"] if e != eid]
    for k in entry_keys(eid):
        del ss[k]


def on_change_type(eid: int) -> None:
    ss = st.session_state
    name = ss[f"e{eid}_opt"]
    label, color = ss.get(f"e{eid}_label", ""), ss.get(f"e{eid}_color", "")
    old_lr = ss.get(f"e{eid}_lr")
    for k in entry_keys(eid):
        del ss[k]
    hyper = {"lr": old_lr} if old_lr is not None else {}
    write_entry(eid, Entry(name, label, color, hyper))



# --------------------------------------------------------------------------------------------
# Sidebar: the scene's controls

def draw_sidebar() -> None:
    """The scene's controls. Drawn after the race player, so that a changed setting reaches
    the player before the rest of the page is rebuilt; the widgets' values are already in
    the session state when the script starts."""
    ss = st.session_state
    presets = cached_presets()
    with st.sidebar:
        st.toggle("Presentation mode", key="present",
                  help="The map as large as the screen allows, large type, no sidebar: for a "
                       "projector. Space plays and pauses, the arrow keys step, Esc leaves.")
        st.header("Scene")
        st.selectbox("Preset", [CUSTOM, *presets], key="preset", on_change=on_preset,
                     format_func=lambda k: k if k == CUSTOM else presets[k].title,
                     help="Ready-made scenes, each showing one thing about optimizers.")
        for problem in cached_presets_and_problems()[1]:
            st.caption(f"⚠ A preset could not be loaded: {problem}")

        st.subheader("Surface")
        st.selectbox("Loss surface", list(SURFACES), key="surface", on_change=on_surface,
                     format_func=lambda k: SURFACES[k].title)
        base = SURFACES[ss["surface"]]
        for pname, spec in base.param_spec.items():
            key = f"sp_{base.name}_{pname}"
            ss.setdefault(key, float(spec.default))
            if spec.log:
                options = _with(sorted({float(f"{v:.3g}") for v in np.geomspace(spec.low, spec.high,
                                                                                     31)}),
                                float(ss[key]))
                st.select_slider(spec.label, options, key=key, help=spec.help,
                                 on_change=on_surface_param, format_func=lambda v: f"{v:g}")
            else:
                st.slider(spec.label, float(spec.low), float(spec.high), key=key, help=spec.help,
                          on_change=on_surface_param, step=round_step(spec.high - spec.low))
        surface = get_surface(base.name, **{k: ss[f"sp_{base.name}_{k}"] for k in base.param_spec})
        st.caption(surface.lesson)

        st.subheader("Start and length")
        c1, c2 = st.columns(2)
        c1.number_input("start x", key="x0", format="%.4g", step=0.1, on_change=on_start)
        c2.number_input("start y", key="y0", format="%.4g", step=0.1, on_change=on_start)
        st.button("Reset to the surface's start", on_click=on_reset_start,
                  help="Or click anywhere on the map to start from there.")
        st.number_input("steps", min_value=1, max_value=None, step=50, key="steps",
                        on_change=on_steps, help=f"Number of updates, up to {STEPS_LIMIT:,}.")

        st.subheader("Optimizers")
        for pos, eid in enumerate(list(ss["entry_ids"])):
            name = ss[f"e{eid}_opt"]
            info = OPTIMIZERS[name]
            title = ss.get(f"e{eid}_label") or info.title
            lr_now = ss.get(f"e{eid}_lr", info.spec["lr"].default)
            # Only an open expander draws its widgets (their values are kept in the session
            # state either way): a rerun then rebuilds a handful of widgets, not every
            # optimizer's, and the browser redraws the new paths that much sooner.
            # A closed panel's label shows its learning rate (an open one shows its slider).
            # A new label is a new expander to Streamlit, so which panels are open is
            # remembered here and keeps a panel open when its title changes.
            is_open = ss.get(f"open{eid}", False)
            label = f"{pos + 1}. {title}" + ("" if is_open else f" · lr {lr_now:g}")
            panel = st.expander(label, key=f"exp{eid}", expanded=is_open, on_change="rerun")
            ss[f"open{eid}"] = bool(panel.open)
            if not panel.open:
                continue
            with panel:
                c1, c2 = st.columns([3, 1])
                c1.selectbox("optimizer", list(OPTIMIZERS), key=f"e{eid}_opt",
                             format_func=lambda k: OPTIMIZERS[k].title, on_change=on_change_type,
                             args=(eid,))
                c2.color_picker("colour", key=f"e{eid}_color")
                st.text_input("label", key=f"e{eid}_label", max_chars=60,
                              placeholder=f"{info.title} (automatic)")
                st.caption(info.summary)
                for key, h in info.spec.items():
                    wkey = f"e{eid}_{key}"
                    if h.kind == "bool":
                        st.checkbox(h.label, key=wkey, help=h.help)
                    elif h.kind == "pair":
                        top = max(0.999, float(ss[f"{wkey}_0"]))  # a link may ask for more
                        st.slider(h.labels[0], 0.0, top, key=f"{wkey}_0", step=0.001,
                                  format="%.4g", help=h.help)
                        opts = _with(BETA2_GRID, ss[f"{wkey}_1"])
                        st.select_slider(h.labels[1], opts, key=f"{wkey}_1",
                                         format_func=lambda v: f"{v:g}")
                    elif key == "lr":
                        st.select_slider("learning rate γ (log scale)", _with(LR_GRID, ss[wkey]),
                                         key=wkey, format_func=lambda v: f"{v:g}", help=h.help)
                    elif h.log:
                        st.select_slider(h.label, _with(EPS_GRID, ss[wkey]), key=wkey,
                                         format_func=lambda v: f"{v:.0e}", help=h.help)
                    else:
                        hi = max(h.ui_high, float(ss[wkey]))
                        st.slider(h.label, float(h.ui_low), float(hi), key=wkey,
                                  step=round_step(hi - h.ui_low), format="%.4g", help=h.help)
                b1, b2 = st.columns(2)
                b1.button("Duplicate", key=f"dup{eid}", on_click=on_duplicate, args=(eid,),
                          disabled=len(ss["entry_ids"]) >= MAX_OPTIMIZERS,
                          help="Race a copy of this optimizer with other settings.")
                b2.button("Remove", key=f"rm{eid}", on_click=on_remove, args=(eid,))
        c1, c2 = st.columns([3, 2])
        ss.setdefault("add_which", "adam")
        c1.selectbox("add", list(OPTIMIZERS), key="add_which", label_visibility="collapsed",
                     format_func=lambda k: OPTIMIZERS[k].title)
        c2.button("Add", on_click=on_add, disabled=len(ss["entry_ids"]) >= MAX_OPTIMIZERS,
                  width="stretch")

        st.subheader("Learning-rate schedule")
        st.selectbox("schedule", list(SCHEDULES), key="sched",
                     format_func=lambda k: SCHEDULES[k].title, label_visibility="collapsed")
        sched_info = SCHEDULES[ss["sched"]]
        defaults = resolve(sched_info.name, int(ss["steps"]), {})
        for key, p in sched_info.params.items():
            wkey = f"sched_{sched_info.name}_{key}"
            ss.setdefault(wkey, defaults[key])
            if p.kind == "choice":
                st.selectbox(p.label, list(p.choices), key=wkey)
            elif p.kind == "bool":
                st.checkbox(p.label, key=wkey)
            elif p.kind == "int":
                st.number_input(p.label, min_value=int(p.low), max_value=None, step=1,
                                key=wkey, help=p.help)
            else:
                hi = None if math.isinf(p.high) else float(p.high)
                st.number_input(p.label, min_value=float(p.low), max_value=hi, key=wkey,
                                format="%.4g", help=p.help, step=0.01)
        if sched_info.name != "constant":
            st.latex(sched_info.latex)
            try:
                from figures import lr_preview_figure

                params = {k: ss[f"sched_{sched_info.name}_{k}"] for k in sched_info.params}
                lrs = learning_rates(1.0, int(ss["steps"]), {"name": sched_info.name, **params})
                st.plotly_chart(lr_preview_figure(lrs), width="stretch",
                                config={"displayModeBar": False})
            except ValueError as e:
                st.warning(f"Schedule: {e}")

        st.subheader("Stochastic gradients")
        st.number_input("gradient noise σ", min_value=0.0, max_value=100.0, step=0.1, key="noise",
                        help="Standard deviation of Gaussian noise added to each gradient "
                             "coordinate, as mini-batches would.")
        st.slider("sparsity", 0.0, 1.0, step=0.05, key="sparsity",
                  help="Probability that a gradient coordinate is zero at a step, as rare "
                       "features would be.")
        st.number_input("seed", min_value=0, max_value=2**32 - 1, step=1, key="seed",
                        help="Every optimizer sees the same noise for the same seed.")




# The stage: the page's padding trimmed, and each header line (intro, link warnings, claim,
# formula) one line high until it is opened, so the map starts high on the screen.
STAGE_CSS = """
.block-container{padding:2.6rem 1.5rem 2rem;max-width:none}
.stMainBlockContainer [data-testid="stExpander"] summary p{white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis;margin:0}
.stMainBlockContainer [data-testid="stExpander"] summary{padding-top:.3rem;padding-bottom:.3rem}
.stMainBlockContainer [data-testid="stExpander"] summary>span{min-width:0}
.stMainBlockContainer [data-testid="stExpander"] summary>span>div{min-width:0;overflow:hidden}
"""

MAX_WARNINGS_SHOWN = 5

# Presentation mode: no sidebar, no Streamlit header, the page's edges trimmed.
PRESENT_CSS = """
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stHeader"],
[data-testid="stToolbar"]{display:none!important}
.block-container{padding:2.5rem 1.2rem 1rem!important}
.stMainBlockContainer [data-testid="stCaptionContainer"] p{font-size:1.35rem;color:#1d2433;
  padding-right:9rem}
.st-key-leave{position:fixed;top:.4rem;right:1rem;z-index:999990;width:auto!important}
"""


def leave_presentation() -> None:
    st.session_state["present"] = False


def draw_presentation_header(bad: list[str]) -> None:
    """The claim as a caption, and the way out."""
    ss = st.session_state
    st.html(f"<style>{PRESENT_CSS}</style>")
    with st.container(key="leave"):  # pinned to the window's top right corner
        st.button("Leave (Esc)", on_click=leave_presentation,
                  help="Back to the sidebar and the controls.")
    if ss.get("scene_claim"):
        st.caption(f"**{ss.get('scene_title', '')}** — {ss['scene_claim']}")
    for msg in bad:
        st.warning(msg)


def draw_header(surface, bad: list[str]) -> None:
    """One line each: what the page is, what a link could not use, the preset's claim, the
    surface's formula. Each opens for the whole text."""
    ss = st.session_state
    intro, formula = st.columns(2, gap="small")
    with intro.expander("**Optimizer Race** · optimizers race downhill on a 2-D loss surface, "
                        "exactly as PyTorch moves them. Drag on the map, press Play. "
                        "How to read this page"):
        st.markdown(GUIDE)
    with formula.expander(f"**{surface.title}** · ${surface.latex}$"):
        st.latex(surface.latex)
        st.caption(surface.lesson)
    warnings = ss.get("link_warnings") or []
    if warnings:
        n = len(warnings)
        with st.expander(f":orange[⚠ {n} setting{'s' if n > 1 else ''} in the link could not "
                         "be used and were reset to their defaults]"):
            for w in warnings[:MAX_WARNINGS_SHOWN]:
                st.text(w[:200])  # literal: a link's text is never markup
            if n > MAX_WARNINGS_SHOWN:
                st.caption(f"… and {n - MAX_WARNINGS_SHOWN} more.")
            if st.button("Dismiss"):
                ss["link_warnings"] = []
                st.rerun()
    for msg in bad:
        st.warning(msg)
    if ss.get("scene_claim"):
        with st.expander(f":blue[**{ss.get('scene_title', '')}**] · {ss['scene_claim']}"):
            st.markdown(f"**{ss.get('scene_title', '')}** — {ss['scene_claim']}")


GUIDE = (
    "- The **map** looks down on the loss surface: each colour band is a range of loss "
    "values (on a log scale where the surface spans many orders of magnitude), stars mark "
    "minima and crosses mark saddle points.\n"
    "- Every coloured line is one optimizer's path from the same start (the ring). "
    "**Play** moves them all together; the slider scrubs through the steps; the **3-D** "
    "view shows the same paths lying on the surface.\n"
    "- **Drag on the map** and every path follows the pointer; let go and the new start "
    "is kept. The small slider on each optimizer's chip above the map changes its "
    "learning rate the same way (or focus it and use the arrow keys).\n"
    "- The plot under the map is the loss at each step: a line that drops faster reached "
    "low ground sooner.\n"
    "- Pick a **Preset** in the sidebar to see one classic behaviour at a time, or open an "
    "optimizer there to change all its settings. **Duplicate** races two settings of the "
    "same optimizer side by side.\n"
    "- The address bar always holds a link to exactly what you see: send it, and the other "
    "person gets the same race.")


def render() -> None:
    """Draw the whole page for the current session state."""
    st.set_page_config(page_title="Optimizer Race", page_icon="🏁", layout="wide",
                       initial_sidebar_state="expanded")
    st.html(f"<style>{STAGE_CSS}</style>")

    # --------------------------------------------------------------------------------------------
    # First run of a session: the scene comes from the share link, or the default scene


    ss = st.session_state
    if "entry_ids" not in ss:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        if params:
            first, link_warnings = from_query(params)
        else:
            first, link_warnings = default_scene(), []
        shared_preset = (params.get("preset") or [None])[-1]
        if shared_preset in cached_presets():
            # A preset's link: show its title and claim with the scene the link describes.
            first.title = cached_presets()[shared_preset].title
            first.claim = cached_presets()[shared_preset].claim
        write_scene(first)
        ss["link_warnings"] = link_warnings
        for note in unusual_values(first):
            notify(note)
        ss["present"] = (params.get("present") or [""])[-1] == "1"
        ss["preset"] = shared_preset if shared_preset in cached_presets() else CUSTOM
        ss["inspect_step"] = 1
        ss["last_nonce"] = None

    # The optimizers' widgets are drawn only while their panel is open; re-asserting their values
    # keeps Streamlit from discarding the values of widgets that were not drawn.
    for _eid in ss["entry_ids"]:
        for _key in entry_keys(_eid):
            ss[_key] = ss[_key]
    # Likewise for the export choices, drawn only while their tab is open.
    for _key in ("export_format", "export_figure", "export_theme", "export_scale"):
        if _key in ss:
            ss[_key] = ss[_key]

    apply_player_event()

    # --------------------------------------------------------------------------------------------
    # Main area

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
    race_scene = replace(scene, optimizers=good)

    # Keep the share link in step with the scene.
    query = to_query(scene)
    if ss.get("preset", CUSTOM) != CUSTOM and ss.get("scene_claim"):
        query["preset"] = ss["preset"]
    present = bool(ss.get("present"))
    if present:
        query["present"] = "1"
    if ss.get("last_query") != query:
        st.query_params.from_dict(query)
        ss["last_query"] = query

    surface = race_scene.surface_obj()
    ss["shown_surface"] = (scene.surface, tuple(sorted(scene.surface_params.items())))
    for note in ss.pop("notices", [])[:5]:
        st.toast(note, icon="ℹ️", duration="long")
    if present:
        draw_presentation_header(bad)
    else:
        draw_header(surface, bad)

    scene_json = to_json(race_scene)
    if compiled([e.optimizer for e in race_scene.optimizers]):
        race = cached_race(scene_json)
    else:
        with st.spinner("Preparing these optimizers for their first race: compiling them takes a "
                        "few seconds, once per install."):
            race = cached_race(scene_json)
    revision = f"{scene.surface}:{sorted(scene.surface_params.items())}"
    payload = cached_payload(scene_json, bool(ss.get("arrows")), revision)
    if not race.racers:
        st.info("Add an optimizer in the sidebar to start a race.")

    # What the player needs to ask the live route for paths while the pointer drags.
    live_scene = {k: v for k, v in to_dict(race_scene).items()
                  if k not in ("title", "claim", "view")}
    view = scene.view
    payload = {**payload, "fit_viewport": True, "show_title": False, "present": present,
               "step": view["step"], "tab": view["tab"],
               "theme": {"font_size": 22 if present else 16},
               "live": {"scene": live_scene, "lr_grid": LR_GRID,
                        "lrs": [float(r.hyper["lr"]) for r in race.racers]}}
    race_player(payload, key="player", height=520)
    draw_sidebar()

    for r in race.racers:
        if r.traj.status == "diverged":
            st.error(f"**{r.label}** diverged at step {r.traj.diverged_at}: its position, gradient "
                     "or loss blew up (or left the area around the surface), so its path stops "
                     "at its last finite point. Try a smaller learning rate.")

    # ---- metrics
    st.subheader("Results")
    tol = DEFAULT_TOL
    rows = metrics(race, tol=tol)
    if rows:
        cols = ["final loss", "best loss", "steps to minimum", "ended in", "path length", "status"]
        st.markdown(markdown_table(
            ["optimizer", *cols],
            [[swatch(row["optimizer"], r.color), *(row[c] for c in cols)]
             for row, r in zip(rows, race.racers, strict=True)],
            ["l", "r", "r", "r", "l", "r", "l"]), unsafe_allow_html=True)
        fmin = race.surface.f_min
        st.caption(
            f"*steps to minimum*: first step whose loss is within {tol:g} of the global minimum "
            + (f"f* = {fmin:.6g}." if fmin is not None else "(this surface has none: it is "
               "unbounded below).")
            + " *ended in*: the listed minimum the final point sits in, if any.")


    def show_inspector() -> None:
        c1, c2 = st.columns([1, 2])
        ss["inspect_step"] = int(min(max(1, ss.get("inspect_step", 1)), scene.steps))
        c1.number_input("inspect update", min_value=1, max_value=scene.steps, step=1,
                        key="inspect_step", on_change=on_inspect_step,
                        help="The player follows; pause it or release its slider to come "
                             "back here.")
        c2.toggle("Draw gradient and update arrows on the map when paused", key="arrows")
        k = int(ss["inspect_step"])
        quantities = ["position before", "loss", "gradient g", "update Δθ", "lr γ",
                      "step size per coordinate"]
        columns = {}
        for r in race.racers:
            t = r.traj
            if k > len(t.xy) - 1:
                columns[r.label] = {"position before": "stopped: diverged"
                                    if t.status == "diverged" else "—"}
                continue
            pair = "({:.4g}, {:.4g})".format
            col = {"position before": pair(*t.xy[k - 1]), "loss": f"{t.loss[k - 1]:.4g}",
                   "gradient g": pair(*t.grads[k - 1]), "update Δθ": pair(*t.updates[k - 1]),
                   "lr γ": f"{t.lr[k - 1]:.4g}",
                   "step size per coordinate": pair(*t.step_size[k - 1])}
            for name, arr in (t.state or {}).items():
                col[name] = pair(*arr[k - 1])
                if name not in quantities:
                    quantities.append(name)
            columns[r.label] = col
        if columns:
            st.markdown(markdown_table(
                ["quantity", *(swatch(r.label, r.color) for r in race.racers)],
                [[q, *(columns[r.label].get(q, "—") for r in race.racers)] for q in quantities]),
                unsafe_allow_html=True)
            st.caption(
                f"Update {k} moves each optimizer from its position after {k - 1} updates. State "
                "values are after the update, under PyTorch's names: *momentum_buffer* is the "
                "velocity, *exp_avg* and *exp_avg_sq* are Adam's first and second moments, "
                "*square_avg* is RMSProp's, *sum* is Adagrad's accumulator. The step size per "
                "coordinate is what multiplies the (averaged) gradient in that coordinate.")

    def show_rules() -> None:
        if not race.racers:
            st.write("No optimizer in the race.")
        lr_text = None if scene.schedule["name"] == "constant" else "\\text{schedule}"
        for r in race.racers:
            st.markdown(f"**{swatch(r.label, r.color)}** — {OPTIMIZERS[r.optimizer].summary}",
                        unsafe_allow_html=True)
            for line in update_rules(r.optimizer, r.hyper, lr_text):
                st.latex(line)
        st.caption("g_t is the gradient the optimizer receives at update t (with noise and "
                   "sparsity when they are on); γ_t is the learning rate after the schedule. These "
                   "are PyTorch's rules: ε is added after the square root, and the first momentum "
                   "step uses the gradient itself.")

    def show_share() -> None:
        st.markdown("**Share this scene.** Anyone who opens this link sees exactly this race, "
                    "paused where it is now:")
        here = (st.context.url or "").split("?", 1)[0]
        st.code(here + "?" + encode(query), language=None, wrap_lines=True)
        st.caption("The copy button is at the right of the link; the address bar always holds "
                   "the same link.")
        from export import MIME_TYPES, ExportError, export_bytes, file_name

        c1, c2, c3 = st.columns(3)
        c1.download_button("Scene (JSON)", to_json(scene), file_name=file_name(scene, "scene"),
                           mime="application/json")
        c2.download_button("Trajectories (CSV)", lambda: export_bytes(race_scene, "csv", race=race),
                           file_name=file_name(race_scene, "csv"), mime="text/csv")
        c3.download_button("Trajectories (JSON)",
                           lambda: export_bytes(race_scene, "json", race=race),
                           file_name=file_name(race_scene, "json"), mime="application/json")
        st.markdown("**Figures and animations** for slides and articles: white background, "
                    "colour-blind-safe colours, hyperparameters in the legend.")
        c1, c2, c3, c4 = st.columns(4)
        kinds = {"png": "PNG image", "svg": "SVG (vector)", "pdf": "PDF (vector)",
                 "gif": "GIF animation", "mp4": "MP4 video"}
        fmt = c1.selectbox("format", list(kinds), format_func=kinds.get, key="export_format")
        animated = fmt in ("gif", "mp4")
        figures_ = {"landscape": "map with paths", "loss": "loss curves", "lr": "learning rates",
                    "3d": "3-D surface"}
        figure = c2.selectbox("figure", list(figures_), format_func=figures_.get, disabled=animated,
                              help="Animations always show the map.", key="export_figure")
        theme = c3.selectbox("style", ["article", "screen"], key="export_theme",
                             format_func={"article": "article (print-sized text)",
                                          "screen": "slides (large text)"}.get)
        ss.setdefault("export_scale", 2)
        scale = c4.select_slider("pixel scale", [1, 2, 3, 4], disabled=fmt in ("svg", "pdf"),
                                 help="900 × 700 at scale 2 gives 1800 × 1400 pixels.",
                                 key="export_scale")
        wanted = (scene_json, fmt, "landscape" if animated else figure, theme, scale)
        if st.button("Create file", type="primary"):
            with st.spinner("Rendering…" if not animated else "Rendering the animation…"):
                notes: list[str] = []
                try:
                    data = export_bytes(race_scene, fmt, race=race, figure=wanted[2], scale=scale,
                                        theme=theme, notes=notes)
                    ss["export_file"] = (wanted, data, notes)
                except ExportError as e:
                    ss.pop("export_file", None)
                    st.error(str(e))
        made = ss.get("export_file")
        if made and made[0] == wanted:
            _, data, notes = made
            for note in notes:
                st.info(note)
            name = file_name(race_scene, fmt, wanted[2])
            st.download_button(f"Download {name} ({len(data) / 1024:,.0f} KB)", data,
                               file_name=name, mime=MIME_TYPES[fmt], type="primary")
        elif made:
            st.caption("The scene or the settings changed since the last file: create it again.")

    def show_about() -> None:
        st.markdown(f"### {race.surface.title}")
        st.latex(race.surface.latex)
        st.write(race.surface.lesson)
        mins = ", ".join(f"({m.x:.4g}, {m.y:.4g}) with f = {m.f:.4g}" for m in race.surface.minima)
        if mins:
            st.markdown(f"**Minima shown (★):** {mins}")
        sads = ", ".join(f"({s.x:.4g}, {s.y:.4g})" for s in race.surface.saddles)
        if sads:
            st.markdown(f"**Saddle points (✕):** {sads}")
        st.caption(f"Reference: {race.surface.reference}")


    # Only the open tab is built: a rerun after a slider move then sends the browser one tab's
    # content, not four, and the new paths reach the map sooner.
    TABS = {"Step inspector": show_inspector, "Update rules": show_rules,
            "Share & export": show_share, "About this surface": show_about}
    if present:
        return  # the stage only: no results or tabs under it
    for tab, show in zip(st.tabs(list(TABS), key="tab", on_change="rerun"), TABS.values(),
                         strict=True):
        if tab.open:
            with tab:
                show()

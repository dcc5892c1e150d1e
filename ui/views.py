"""What the page shows around the sidebar: the race player on its stage, the results, and the
tabs under them (step inspector, update rules, share and export, the surface)."""

from __future__ import annotations

import math
import threading
from urllib.parse import urlsplit

import streamlit as st

from landscapes import DATA, FORMULA
from optimizers import OPTIMIZERS, batch_size_of, compiled
from scene import Scene, to_dict, to_json, tune
from scene.race import DEFAULT_TOL, Race, has_test, metrics, steps_to_reach, test_losses
from scene.url import encode
from ui import analysis, header, tab_keeper
from ui.callbacks import on_inspect_step
from ui.choices import lr_grid
from ui.compute import cached_payload, cached_race, cached_recorded, cached_tunings
from ui.equations import update_rules
from ui.grid import grid_query
from ui.keys import FIRST_TAB, SHARE_TAB
from ui.player import race_player
from ui.tables import markdown_table, md_literal, swatch


def scene_json(scene: Scene) -> str:
    """``to_json(scene)``, written once per script run: the race, the player and the inspector
    all key their caches by it."""
    last = getattr(_LAST_JSON, "pair", None)
    if last is not None and last[0] is scene:
        return last[1]
    text = to_json(scene)
    _LAST_JSON.pair = (scene, text)
    return text


_LAST_JSON = threading.local()  # each script run's thread: the last scene and its JSON
# The optimizers whose loops were seen compiled: shared by every session on purpose, since the
# compiled loops are the process's and stay compiled. It only grows, to at most the
# registry's size; the lock keeps each look and addition whole.
_COMPILED: set[str] = set()
_COMPILED_LOCK = threading.Lock()


def compute_race(race_scene: Scene) -> Race:
    """The race, from the cache; the first race after an install says it is compiling."""
    text = scene_json(race_scene)
    names = {e.optimizer for e in race_scene.optimizers}
    with _COMPILED_LOCK:
        known = names <= _COMPILED
    if known or compiled(list(names)):
        with _COMPILED_LOCK:
            _COMPILED.update(names)
        return cached_race(text)
    with st.spinner("Preparing these optimizers for their first race: compiling them takes a "
                    "few seconds, once per install."):
        return cached_race(text)


def draw_player(scene: Scene, race_scene: Scene, race: Race) -> None:
    """The race player, sized to the window, with what it needs to ask the live route for
    paths while the pointer drags."""
    ss = st.session_state
    present = bool(ss.get("present"))
    revision = f"{scene.surface}:{sorted(scene.surface_params.items())}"
    payload = cached_payload(scene_json(race_scene), bool(ss.get("arrows")), revision)
    if not race.racers:
        st.info("Add an optimizer in the sidebar to start a race.")
    live_scene = {k: v for k, v in to_dict(race_scene).items()
                  if k not in ("title", "claim", "view")}
    if present:  # the stage: the claim, the lesson and the race's numbers beside the map
        payload = {**payload, "stage": header.stage_text(),
                   "paths": stage_readouts(race, payload["paths"])}
    payload = {**payload, "fit_viewport": True, "show_title": False, "present": present,
               "embed": header.embedded(),
               "step": scene.view["step"], "tab": scene.view["tab"],
               "theme": {"font_size": 22 if present else 16},
               "live": {"scene": live_scene,
                        "lr_grids": [lr_grid(OPTIMIZERS[r.optimizer].spec["lr"])
                                     for r in race.racers],
                        "lrs": [float(r.hyper["lr"]) for r in race.racers],
                        "marks": tune_marks(race_scene)}}
    race_player(payload, key="player", height=520, grid_query=grid_query(race_scene))


def tune_marks(scene: Scene) -> list[dict | None]:
    """Each racer's tuning mark for its chip: ``{"kind": "tuned" | "default", "title": …}``,
    or None for a rate set by hand (or a tuning that no longer holds)."""
    out = []
    for i, e in enumerate(scene.optimizers):
        kind = tune.mark(scene, i) if e.tuned else None
        out.append({"kind": kind, "title": tune.mark_title(scene, i)} if kind else None)
    return out


def stage_readouts(race: Race, paths: list[dict]) -> list[dict]:
    """The player's paths with what presentation mode reads out live: ``reach``, the step
    each run is first within the results' tolerance of the global minimum (None: never; left
    out on a surface without a known minimum), and ``test_loss``, the loss at each point on
    the test surface (when the scene has one). The same numbers as the results table."""
    fmin = race.surface.f_min
    out = []
    for path, r in zip(paths, race.racers, strict=True):
        extra: dict = {}
        if fmin is not None:
            extra["reach"] = steps_to_reach(r.traj.loss, fmin, DEFAULT_TOL)
        if has_test(race):
            extra["test_loss"] = test_losses(race, r.traj.xy)
        out.append({**path, **extra})
    return out


def draw_tuning(race_scene: Scene) -> None:
    """How the tuned racers were tuned: the search, each run's score at its rate, the chosen
    rate starred, the budget in words; offered while any racer's mark holds. Its content is
    computed and drawn only while it is open (it opens itself after a tuning)."""
    marked = [i for i, e in enumerate(race_scene.optimizers)
              if e.tuned and tune.mark(race_scene, i) == "tuned"]
    if not marked:
        return
    ss = st.session_state
    if ss.pop("tuning_shown", False):
        ss["tuning_open"] = True
    panel = st.expander(f"How the racers were tuned ({len(marked)} of "
                        f"{len(race_scene.optimizers)})", key="tuning_panel",
                        expanded=bool(ss.get("tuning_open")), on_change="rerun")
    ss["tuning_open"] = bool(panel.open)
    if not panel.open:
        return
    from figures.tuning import tuning_figure

    found = [t for t in cached_tunings(scene_json(race_scene)) if t is not None]
    with panel:
        for criterion in dict.fromkeys(t.criterion for t in found):
            group = [t for t in found if t.criterion == criterion]
            st.markdown(f"**By {tune.CRITERIA[criterion]}.** Every racer gets the same budget, "
                        f"{tune.budget_text(criterion, group[0].what, race_scene.steps)}; a run "
                        "that diverges or leaves the map never wins (✕ on its racer's row "
                        "along the top), and the chosen rate is starred.")
            st.plotly_chart(tuning_figure(group, race_scene.surface_obj().f_min),
                            config={"displayModeBar": False}, key=f"tuning_{criterion}")
            for t in group:
                st.caption(md_literal(t.summary()))


def draw_results(race: Race) -> None:
    """Diverged runs said in words, and the metrics table."""
    for r in race.racers:
        if r.traj.status == "diverged":
            st.error(f"**{md_literal(r.label)}** diverged at step {r.traj.diverged_at}: its "
                     "position, gradient or loss blew up (or left the area around the surface), "
                     "so its path stops at its last finite point. Try a smaller learning rate.")
        elif r.traj.status == "left":
            st.info(f"**{md_literal(r.label)}** {r.traj.stop_text}, still going downhill: the "
                    "surface keeps falling beyond the map's edge, so the run went on until "
                    f"step {r.traj.diverged_at}, far outside the map, where it was stopped.")
        elif r.traj.status == "domain":
            st.warning(f"**{md_literal(r.label)}** left the domain at step {r.traj.diverged_at}: "
                       "its next point is where f or its gradient is not defined (the shaded "
                       "part of the map), so its path stops just before it.")
        elif r.traj.off_map_at is not None:
            x, y = r.traj.xy[-1]
            st.info(f"**{md_literal(r.label)}** is off the map from step {r.traj.off_map_at} to "
                    f"the end, at ({x:.3g}, {y:.3g}): its dot waits at the map's edge.")
    st.subheader("Results")
    rows = metrics(race, tol=DEFAULT_TOL)
    if not rows:
        return
    cols = ["final loss", "best loss", "steps to minimum", "ended in", "path length", "status"]
    align = ["l", "r", "r", "r", "l", "r", "l"]
    testing = "test loss" in rows[0]
    if testing:  # the test surface: the final point's loss there, beside the training loss
        cols.insert(1, "test loss")
        align.insert(2, "r")
    ray = "angle to the max-margin direction"
    if ray in rows[0]:  # separable data: where the weights are heading
        for row in rows:
            row[ray] = "—" if math.isnan(row[ray]) else f"{row[ray]:.2f}°"
        cols.insert(4, ray)
        align.insert(5, "r")
    if "sharpness" in rows[0]:  # a data surface: how sharply the loss curves at the end
        for row in rows:
            row["sharpness"] = f"{row['sharpness']:.4g}"
        cols.insert(cols.index("final loss") + 1 + testing, "sharpness")
        align.insert(cols.index("sharpness") + 1, "r")
    st.markdown(markdown_table(
        ["optimizer", *(("final loss (train)" if c == "final loss" and testing else c)
                        for c in cols)],
        [[swatch(row["optimizer"], r.color), *(row[c] for c in cols)]
         for row, r in zip(rows, race.racers, strict=True)], align), unsafe_allow_html=True)
    fmin = race.surface.f_min
    st.caption(
        f"**steps to minimum**: first step whose loss is within {DEFAULT_TOL:g} of the global "
        "minimum " + (f"f* = {fmin:.6g}." if fmin is not None else
                      "(none was found in this range)." if race.surface.name == FORMULA
                      else "(this surface has none: it is unbounded below).")
        + " **ended in**: the listed minimum the final point sits in, if any."
        + (" **angle to the max-margin direction**: between the final weights and the "
           "dashed ray, the direction through the origin that separates the two classes "
           "with the widest margin; plain gradient descent turns towards it, slowly, as its "
           "weights grow." if ray in rows[0] else "")
        + (" **sharpness**: the largest eigenvalue of the training loss's exact Hessian at "
           "the final point, how steeply the loss curves there in its steepest direction."
           if "sharpness" in rows[0] else "")
        + (" **test loss**: the loss at the final point on the test surface, the training "
           "surface shifted by ({:g}, {:g}) (dashed contours on the map), as new data would "
           "shift it.".format(*race.scene.test_shift) if race.scene.test_shift is not None
           else " **test loss**: the loss at the final point over the rows held out for "
           "testing (dashed contours on the map), which the racers never trained on."
           if testing else ""))


def draw_tabs(scene: Scene, race_scene: Scene, race: Race, query: dict) -> None:
    """Only the open tab is built: a rerun after a slider move then sends the browser one tab's
    content, not four."""
    tabs = {FIRST_TAB: lambda: show_inspector(scene, cached_recorded(scene_json(race_scene))),
            "Update rules": lambda: show_rules(scene, race),
            **{label: (lambda view=view: analysis.draw(view, race_scene, race))
               for view, label in analysis.tab_labels().items()},
            SHARE_TAB: lambda: show_share(scene, race_scene, race, query),
            "About this surface": lambda: show_about(race)}
    tab_keeper.draw()
    for tab, show in zip(st.tabs(list(tabs), key="tab", on_change="rerun"), tabs.values(),
                         strict=True):
        if tab.open:
            with tab:
                show()


def show_inspector(scene: Scene, race: Race) -> None:
    """Every racer's gradient, update, state and step size at one update."""
    ss = st.session_state
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
    columns = {}  # by racer position: two racers may carry the same label
    texts: dict[str, str | None] = {}  # what each state entry holds, in its module's words
    for i, r in enumerate(race.racers):
        t = r.traj
        if k > len(t.xy) - 1:
            columns[i] = {"position before": f"stopped: {t.stop_text}"
                          if t.status != "completed" else "—"}
            continue
        pair = "({:.4g}, {:.4g})".format
        col = {"position before": pair(*t.xy[k - 1]), "loss": f"{t.loss[k - 1]:.4g}",
               "gradient g": pair(*t.grads[k - 1]), "update Δθ": pair(*t.updates[k - 1]),
               "lr γ": f"{t.lr[k - 1]:.4g}",
               "step size per coordinate": pair(*t.step_size[k - 1])}
        module = OPTIMIZERS[r.optimizer].module
        for name, arr in (t.state or {}).items():
            one = (name in getattr(module, "SCALAR_STATE", ())
                   and arr[k - 1][0] == arr[k - 1][1])
            texts[name] = texts.get(name) or getattr(module, "STATE_TEXT", {}).get(name)
            col[name] = f"{arr[k - 1][0]:.4g}" if one else pair(*arr[k - 1])
            if name not in quantities:
                quantities.append(name)
        columns[i] = col
    if columns:
        st.markdown(markdown_table(
            ["quantity", *(swatch(r.label, r.color) for r in race.racers)],
            [[q, *(columns[i].get(q, "—") for i in range(len(race.racers)))]
             for q in quantities]),
            unsafe_allow_html=True)
        shown = [q for q in quantities if texts.get(q)]
        st.caption(
            f"Update {k} moves each optimizer from its position after {k - 1} updates. State "
            "values are after the update, under PyTorch's names (the Newton methods, not in "
            "torch.optim, under their own): "
            + "; ".join(f"**{q}** {texts[q]}" for q in shown)
            + ". The step size per coordinate is what multiplies the (averaged) gradient in "
            "that coordinate; for L-BFGS and the Newton methods it is the step length t of "
            "the step t·d along their own direction d.")
    if race.surface.name == DATA:
        _show_batches(scene, race, k)


def _show_batches(scene: Scene, race: Race, k: int) -> None:
    """On a data surface: what each minibatch size saw at update ``k``, its batch's loss
    beside the loss over every row (at most three sizes, side by side)."""
    from figures.minibatch import batch_figure

    sizes: dict[int, list[int]] = {}
    for i, entry in enumerate(scene.optimizers[:len(race.racers)]):
        size = batch_size_of(race.surface, scene.settings_of(entry)["batch"])
        if size is not None and k < len(race.racers[i].traj.xy):
            sizes.setdefault(size, []).append(i)
    if not sizes:
        return
    st.markdown("**What the minibatch racers saw at this update**")
    shown = sorted(sizes)[:3]
    for col, size in zip(st.columns(len(shown)), shown, strict=True):
        col.plotly_chart(batch_figure(race, k, size, sizes[size]),
                         config={"displayModeBar": False}, key=f"batch_at_{size}")
    st.caption("Each update's gradient comes from its batch alone: the filled contours are "
               "that batch's loss, whose lowest point is elsewhere than the loss over every "
               "row (dashed). The segment is the step the racer took from where it stood.")


def show_rules(scene: Scene, race: Race) -> None:
    """Each racer's update rule, written out with its values."""
    if not race.racers:
        st.write("No optimizer in the race.")
    lr_text = None if scene.schedule["name"] == "constant" else "\\text{schedule}"
    for r in race.racers:
        st.markdown(f"**{swatch(r.label, r.color)}** — {OPTIMIZERS[r.optimizer].summary}",
                    unsafe_allow_html=True)
        for line in update_rules(r.optimizer, r.hyper, lr_text):
            st.latex(line)
    others = list(dict.fromkeys(OPTIMIZERS[r.optimizer].title for r in race.racers
                                if not getattr(OPTIMIZERS[r.optimizer].module, "IN_TORCH",
                                               True)))
    st.caption("g_t is the gradient the optimizer receives at update t (with noise and "
               "sparsity when they are on); γ_t is the learning rate after the schedule. These "
               "are PyTorch's rules: ε is added after the square root, and the first momentum "
               "step uses the gradient itself."
               + (f" {' and '.join(others)} {'is' if len(others) == 1 else 'are'} not in "
                  "PyTorch: H_t is the surface's exact Hessian at the point." if others else ""))


def show_share(scene: Scene, race_scene: Scene, race: Race, query: dict) -> None:
    """The share link, the data and the figures for slides and articles."""
    from export import export_bytes, file_name

    st.markdown("**Share this scene.** Anyone who opens this link sees exactly this race, "
                "paused where it is now:")
    here = (st.context.url or "").split("?", 1)[0].split("#", 1)[0]
    if here and urlsplit(here).path == "":  # http://host:8501 → http://host:8501/
        here += "/"
    st.code(here + "?" + encode(query), language=None, wrap_lines=True)
    st.caption("Point at the link and a copy button appears at its top right; the address "
               "bar always holds the same link.")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Scene (JSON)", to_json(scene), file_name=file_name(scene, "scene"),
                       mime="application/json")
    c2.download_button("Trajectories (CSV)", lambda: export_bytes(race_scene, "csv", race=race),
                       file_name=file_name(race_scene, "csv"), mime="text/csv")
    c3.download_button("Trajectories (JSON)",
                       lambda: export_bytes(race_scene, "json", race=race),
                       file_name=file_name(race_scene, "json"), mime="application/json")
    _figure_export(race_scene, race)


#: The export box's sizes: label, width and height in CSS pixels.
EXPORT_SIZES = {"article": ("900 × 700", 900, 700),
                "slide": ("slide 16:9 (1920 × 1080)", 1920, 1080)}


def export_kinds() -> dict[str, str]:
    """The formats the page offers for figures and animations, with their descriptions
    (:data:`export.formats.FORMATS`)."""
    from export import FORMATS

    return {name: f.description for name, f in FORMATS.items()
            if f.kind in ("image", "animation", "page")}


def export_figures() -> dict[str, str]:
    """The figures the page offers: the race's and each analysis view's."""
    from export import figures

    return figures()


def _figure_export(race_scene: Scene, race: Race) -> None:
    """Choices, a Create button, and the file once made. A file is offered only for the scene
    and the choices it was made for; a message says so only when the scene itself changed."""
    from export import FORMATS, ExportError, export_bytes, file_name

    ss = st.session_state
    st.markdown("**Figures and animations** for slides and articles: white background, "
                "colour-blind-safe colours, hyperparameters in the legend.")
    c1, c2, c3, c4, c5 = st.columns(5)
    kinds, figures = export_kinds(), export_figures()
    fmt = c1.selectbox("format", list(kinds), format_func=kinds.get, key="export_format")
    animated = FORMATS[fmt].kind in ("animation", "page")  # the race over the map
    figure = c2.selectbox("figure", list(figures), format_func=figures.get,
                          disabled=animated,
                          help="Animations and interactive pages always show the map.",
                          key="export_figure")
    # A 16:9 slide: 1920 × 1080 in the large type of presentation mode (not for GIF and MP4,
    # whose frames at that size would be four times the pixels).
    slides_ok = FORMATS[fmt].kind in ("image", "page")
    size = c3.selectbox("size", list(EXPORT_SIZES), key="export_size",
                        format_func=lambda s: EXPORT_SIZES[s][0], disabled=not slides_ok,
                        help="A slide is 1920 × 1080 (16:9) with large text.")
    slide = slides_ok and size == "slide"
    theme = c4.selectbox("style", ["article", "screen"], key="export_theme", disabled=slide,
                         format_func={"article": "article (print-sized text)",
                                      "screen": "slides (large text)"}.get)
    theme = "screen" if slide else theme
    width, height = EXPORT_SIZES["slide" if slide else "article"][1:]
    ss.setdefault("export_scale", 2)
    scale = c5.select_slider("pixel scale", [1, 2, 3, 4], disabled=not FORMATS[fmt].raster,
                             help=f"{width} × {height} at scale 2 gives {2 * width} × "
                                  f"{2 * height} pixels.",
                             key="export_scale")
    if not slide:
        height = None  # the export's own: 700, or as tall as an analysis view's panels need
    text = scene_json(race_scene)
    wanted = (text, fmt, "landscape" if animated else figure, theme, scale, width, height)
    if st.button("Create file", type="primary"):
        with st.spinner("Rendering…" if not animated else "Rendering the animation…"):
            notes: list[str] = []
            try:
                kept = None  # an analysis view's result as the page shows it
                if wanted[2] in analysis.tab_labels() and FORMATS[fmt].views:
                    kept = analysis.cached_result(race_scene, wanted[2])
                data = export_bytes(race_scene, fmt, race=race, figure=wanted[2], scale=scale,
                                    theme=theme, width=width, height=height, notes=notes,
                                    result=kept, fill=slide)
                ss["export_file"] = (wanted, data, notes)
            except ExportError as e:
                ss.pop("export_file", None)
                st.error(md_literal(e))
    made = ss.get("export_file")
    if made and made[0] == wanted:
        _, data, notes = made
        for note in notes:
            st.info(note)
        name = file_name(race_scene, fmt, wanted[2])
        st.download_button(f"Download {name} ({len(data) / 1024:,.0f} KB)", data,
                           file_name=name, mime=FORMATS[fmt].mime, type="primary")
    elif made and made[0][0] != text:
        st.caption("The scene changed since the last file: create it again.")


def show_about(race: Race) -> None:
    """The surface: formula, lesson, minima, saddles, reference."""
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

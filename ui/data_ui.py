"""The sidebar's controls for a data surface (a model's loss over a dataset) and the batch-size
choices of the scene and of each racer."""

from __future__ import annotations

import numpy as np
import streamlit as st

from landscapes import DATA, DATASETS, MODELS, get_surface
from landscapes.data import (
    CLASSIFICATION,
    CUSTOM,
    GENERATED,
    MAX_ROWS,
    MAX_SEED,
    REGRESSION,
    dataset,
    parse_csv,
    read_rows,
    rows_text,
)
from scene.labels import MAX_BATCH
from ui.tables import md_literal

#: The batch sizes offered (those below the data's rows), besides the whole data.
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
#: The racer's batch choice that follows the scene's.
SCENES = "as the scene"
FULL = "full"

_KEYS = {"model": "data_model", "dataset": "data_dataset", "standardize": "data_standardize",
         "seed": "data_seed", "test": "data_test", "rows": "data_rows"}
#: Rows of one's own before any are placed or uploaded, by kind of data (a valid surface).
STARTER = {REGRESSION: "-2,-2.6_-1,-1.1_0,0.2_1,1.4_2,3.1",
           CLASSIFICATION: "1,2,1_1.5,2.5,1_2,1.8,1_2,0.5,0_2.5,1,0_1.2,0.3,0",
           "two features": "1,0,1.1_-0.5,0,-0.4_0.8,1,2.9_-1.2,0,-1.3_0.3,0,0.2"}
#: The clickable grid over the points' panel: a new point lands on its nearest node.
CLICK_GRID = 41


def default_params() -> dict:
    return {"model": "linear", "dataset": MODELS["linear"].dataset, "standardize": 0, "seed": 0,
            "test": 0}


def data_params() -> dict:
    """The data surface's parameters as the controls hold them (a usable set: a dataset of
    the wrong kind for the model is replaced by the model's own). A control that was not
    drawn in the last run (the seed of a dataset that has none, every control while another
    surface was shown) has lost its state to Streamlit: its default stands in."""
    ss = st.session_state
    base = default_params()
    model = ss.get(_KEYS["model"], base["model"])
    kind = MODELS[model].kind
    name = ss.get(_KEYS["dataset"], MODELS[model].dataset)
    if name != CUSTOM and DATASETS[name][1] != kind:
        name = ss[_KEYS["dataset"]] = MODELS[model].dataset
    test = int(ss.get(_KEYS["test"], 0))
    out = {"model": model, "dataset": name,
           "standardize": int(bool(ss.get(_KEYS["standardize"], False))),
           "seed": int(ss.get(_KEYS["seed"], 0)), **({"test": test} if test else {})}
    if name == CUSTOM:
        out["rows"] = own_rows(kind)
    if test:
        try:
            get_surface(DATA, **out)
        except ValueError as e:  # too few rows left on either side of the split
            ss[_KEYS["test"]] = 0
            ss["data_error"] = f"{e}: no rows are held out."
            del out["test"]
    return out


def own_rows(kind: str) -> str:
    """The rows of one's own as text, for data of ``kind`` (the starter rows when those held
    are of another kind: a model of another kind was chosen)."""
    ss = st.session_state
    text = ss.get(_KEYS["rows"])
    try:
        read_rows(text, kind)
        return text
    except ValueError:
        ss[_KEYS["rows"]] = STARTER[kind]
        return STARTER[kind]


def write_data(params: dict) -> None:
    """Put a data surface's parameters into its controls."""
    ss = st.session_state
    full = {**default_params(), **params}
    ss[_KEYS["model"]] = full["model"]
    ss[_KEYS["dataset"]] = full["dataset"]
    ss[_KEYS["standardize"]] = bool(full["standardize"])
    ss[_KEYS["seed"]] = int(full["seed"])
    ss[_KEYS["test"]] = int(full["test"])
    if "rows" in full:
        ss[_KEYS["rows"]] = full["rows"]


def rows_of(params: dict) -> int:
    """The rows the data surface's loss averages over."""
    return int(get_surface(DATA, **params).p[1])


def draw_data_controls(on_change) -> None:
    """The model, its dataset, whether the inputs are standardised, a generated set's seed,
    and where the data come from."""
    params = data_params()
    kind = MODELS[params["model"]].kind
    st.selectbox("model", list(MODELS), key=_KEYS["model"], on_change=on_change,
                 format_func=lambda k: MODELS[k].title,
                 help="The model whose loss over the data is the map: its two weights are "
                      "the map's two coordinates.")
    fits = [k for k, (_, kd) in DATASETS.items() if kd == kind] + [CUSTOM]
    st.selectbox("dataset", fits, key=_KEYS["dataset"], on_change=on_change,
                 format_func=lambda k: "Your own data (place points or upload a CSV)"
                 if k == CUSTOM else dataset(k, 0).title)
    if params["dataset"] == CUSTOM:
        _own_data(kind, on_change)
    elif message := st.session_state.get("data_error"):
        st.error(md_literal(message))  # said once: the next change clears it
        st.session_state["data_error"] = ""
    st.toggle("standardise the inputs", key=_KEYS["standardize"], on_change=on_change,
              help="Centre each input column and scale it to unit variance before fitting, "
                   "as one normally would: it turns an uncentred ravine into a round bowl.")
    if params["dataset"] in GENERATED or params.get("test"):
        st.number_input("data seed", min_value=0, max_value=MAX_SEED, step=1,
                        key=_KEYS["seed"], on_change=on_change,
                        help="Draws the generated points, and which rows are held out.")
    st.slider("rows held out for testing (%)", 0, 50, step=5, key=_KEYS["test"],
              on_change=on_change,
              help="Train on the other rows only; the held-out rows' loss is drawn dashed on "
                   "the map, and the results give it at each racer's end point.")
    if params["dataset"] != CUSTOM:
        ds = dataset(params["dataset"], params["seed"])
        st.caption(f"{ds.n} rows: {', '.join(ds.columns)}. Source: {ds.source} "
                   f"({ds.licence}).")


def _own_data(kind: str, on_change) -> None:
    """Data of one's own: a CSV file, or points placed by clicking on a small panel (two
    classes for classification), with what was wrong with a file named in place."""
    ss = st.session_state
    rows = read_rows(own_rows(kind), kind)
    columns = {REGRESSION: "x, t", CLASSIFICATION: "u, v, class (1 or 0)",
               "two features": "u, v, t"}[kind]
    st.file_uploader(f"CSV file ({columns}; up to {MAX_ROWS:,} rows)", type=["csv", "txt"],
                     key="data_upload", on_change=_on_upload, args=(kind, on_change))
    if ss.get("data_error"):
        st.error(md_literal(ss["data_error"]))  # a file's name and cells: text
    if kind == "two features":
        st.caption(f"{len(rows)} rows of your own.")
        return
    if kind == CLASSIFICATION:
        st.radio("class of a new point", ["1", "0"], key="data_class", horizontal=True)
    st.plotly_chart(_points_figure(rows, kind), key="data_points",
                    on_select=lambda: _place(kind, on_change), selection_mode="points",
                    config={"displayModeBar": False})
    c1, c2 = st.columns(2)
    c1.caption(f"{len(rows)} points · click the panel to add one")
    c2.button("Start over", key="data_clear", on_click=_clear_points, args=(kind, on_change),
              help="Back to a few starter points.")


def _points_figure(rows: np.ndarray, kind: str):
    import plotly.graph_objects as go

    (x0, x1), (y0, y1) = _panel_range(rows)
    gx, gy = np.meshgrid(np.linspace(x0, x1, CLICK_GRID), np.linspace(y0, y1, CLICK_GRID))
    fig = go.Figure(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", hoverinfo="none",
                               marker={"size": 7, "opacity": 0.0}, showlegend=False))
    if kind == CLASSIFICATION:
        for label, color, symbol in ((1.0, "#0072B2", "circle"), (-1.0, "#D55E00", "x")):
            part = rows[rows[:, 2] == label]
            fig.add_trace(go.Scatter(x=part[:, 0], y=part[:, 1], mode="markers",
                                     name="1" if label > 0 else "0", hoverinfo="skip",
                                     marker={"color": color, "symbol": symbol, "size": 8}))
    else:
        fig.add_trace(go.Scatter(x=rows[:, 0], y=rows[:, 1], mode="markers", hoverinfo="skip",
                                 marker={"color": "#0072B2", "size": 7}, showlegend=False))
    names = ("u", "v") if kind == CLASSIFICATION else ("x", "t")
    fig.update_layout(height=230, margin={"l": 30, "r": 6, "t": 6, "b": 26},
                      xaxis={"range": [x0, x1], "title": {"text": names[0]}, "fixedrange": True},
                      yaxis={"range": [y0, y1], "title": {"text": names[1]}, "fixedrange": True},
                      legend={"orientation": "h", "y": 1.0, "x": 0}, clickmode="event+select",
                      dragmode=False, plot_bgcolor="#f5f7fa")
    return fig


def _panel_range(rows: np.ndarray):
    """The panel's window: the points with room around them, at least −3 … 3."""
    lo = np.minimum(rows[:, :2].min(axis=0), -3.0)
    hi = np.maximum(rows[:, :2].max(axis=0), 3.0)
    pad = 0.1 * (hi - lo)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]),
                                                            float(hi[1] + pad[1]))


def _place(kind: str, on_change) -> None:
    """A click on the panel (a callback: before the page's widgets are drawn): a new point
    where it landed, on the panel's grid (each selection once)."""
    ss = st.session_state
    rows = read_rows(own_rows(kind), kind)
    event = ss.get("data_points") or {}
    points = (event.get("selection") or {}).get("points") or []
    clicks = [p for p in points if p.get("curve_number") == 0]
    sig = repr([(round(p["x"], 9), round(p["y"], 9)) for p in clicks])
    if not clicks or sig == ss.get("data_placed"):
        return
    ss["data_placed"] = sig
    if len(rows) >= MAX_ROWS:
        ss["data_error"] = f"At most {MAX_ROWS:,} points."
        return
    p = clicks[-1]
    new = [round(float(p["x"]), 3), round(float(p["y"]), 3)]
    if kind == CLASSIFICATION:
        new.append(1.0 if ss.get("data_class", "1") == "1" else -1.0)
    ss[_KEYS["rows"]] = rows_text(np.vstack([rows, new]))
    ss["data_error"] = ""
    on_change()


def _clear_points(kind: str, on_change) -> None:
    st.session_state[_KEYS["rows"]] = STARTER[kind]
    st.session_state["data_error"] = ""
    on_change()


def _on_upload(kind: str, on_change) -> None:
    """A chosen file: its rows become the data, or what is wrong with it is said in place
    (the data in use stay)."""
    ss = st.session_state
    up = ss.get("data_upload")
    if up is None:
        return
    try:
        rows = parse_csv(up.getvalue(), kind)
        ss[_KEYS["rows"]] = rows_text(rows)
        ss["data_error"] = ""
        on_change()
    except ValueError as e:
        ss["data_error"] = f"{up.name}: {e}. Your data are as they were."


def batch_options(rows: int, racer: bool) -> list:
    """The batch sizes to offer for data of ``rows`` rows: the whole data, the sizes below
    it, and for a racer the scene's choice first."""
    sizes = [FULL, *(b for b in BATCH_SIZES if b < rows)]
    return [SCENES, *sizes] if racer else sizes


def batch_value(choice) -> int | None:
    """A scene's or racer's batch field from a choice: None for the scene's (or, for the
    scene, the whole data); MAX_BATCH for a racer's whole data."""
    if choice == FULL:
        return MAX_BATCH
    return None if choice == SCENES else int(choice)


def batch_choice(value: int | None, rows: int, racer: bool):
    """The choice that shows ``value`` (a size the list lacks: the nearest smaller one)."""
    if value is None:
        return SCENES if racer else FULL
    if value >= rows:
        return FULL
    return max((b for b in BATCH_SIZES if b <= value), default=1)


def batch_box(label: str, key: str, value: int | None, rows: int, racer: bool, **kw) -> None:
    """A select box of batch sizes under ``key``, showing ``value`` (the scene's or the
    racer's field): the box's own state is set to it whenever it shows something else, as
    after a link or a preset changed the field, or a dataset of fewer rows."""
    ss = st.session_state
    options = batch_options(rows, racer)
    if ss.get(key) not in options or batch_value(ss[key]) != _normal(value, rows, racer):
        ss[key] = batch_choice(value, rows, racer)
    st.selectbox(label, options, format_func=batch_text, key=key, **kw)


def _normal(value: int | None, rows: int, racer: bool) -> int | None:
    """``value`` as the box would give it back (sizes of the whole data as one)."""
    choice = batch_choice(value, rows, racer)
    return None if (choice == FULL and not racer) else batch_value(choice)


def batch_text(choice) -> str:
    if choice == FULL:
        return "full batch (every row)"
    if choice == SCENES:
        return "as the scene"
    return f"{choice} rows"

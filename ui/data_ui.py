"""The sidebar's controls for a data surface (a model's loss over a dataset) and the batch-size
choices of the scene and of each racer."""

from __future__ import annotations

import streamlit as st

from landscapes import DATA, DATASETS, MODELS, get_surface
from landscapes.data import GENERATED, MAX_SEED, dataset
from scene.labels import MAX_BATCH

#: The batch sizes offered (those below the data's rows), besides the whole data.
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
#: The racer's batch choice that follows the scene's.
SCENES = "as the scene"
FULL = "full"

_KEYS = {"model": "data_model", "dataset": "data_dataset", "standardize": "data_standardize",
         "seed": "data_seed", "test": "data_test"}


def default_params() -> dict:
    return {"model": "linear", "dataset": MODELS["linear"].dataset, "standardize": 0, "seed": 0,
            "test": 0}


def data_params() -> dict:
    """The data surface's parameters as the controls hold them (a usable set: a dataset of
    the wrong kind for the model is replaced by the model's own)."""
    ss = st.session_state
    if _KEYS["model"] not in ss:
        write_data(default_params())
    model = ss[_KEYS["model"]]
    name = ss[_KEYS["dataset"]]
    if DATASETS[name][1] != MODELS[model].kind:
        name = ss[_KEYS["dataset"]] = MODELS[model].dataset
    test = int(ss.get(_KEYS["test"], 0))
    return {"model": model, "dataset": name, "standardize": int(bool(ss[_KEYS["standardize"]])),
            "seed": int(ss[_KEYS["seed"]]), **({"test": test} if test else {})}


def write_data(params: dict) -> None:
    """Put a data surface's parameters into its controls."""
    ss = st.session_state
    full = {**default_params(), **params}
    ss[_KEYS["model"]] = full["model"]
    ss[_KEYS["dataset"]] = full["dataset"]
    ss[_KEYS["standardize"]] = bool(full["standardize"])
    ss[_KEYS["seed"]] = int(full["seed"])
    ss[_KEYS["test"]] = int(full["test"])


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
    fits = [k for k, (_, kd) in DATASETS.items() if kd == kind]
    st.selectbox("dataset", fits, key=_KEYS["dataset"], on_change=on_change,
                 format_func=lambda k: dataset(k, 0).title)
    st.toggle("standardise the inputs", key=_KEYS["standardize"], on_change=on_change,
              help="Centre each input column and scale it to unit variance before fitting, "
                   "as one normally would: it turns an uncentred ravine into a round bowl.")
    if params["dataset"] in GENERATED:
        st.number_input("data seed", min_value=0, max_value=MAX_SEED, step=1,
                        key=_KEYS["seed"], on_change=on_change,
                        help="The generated points are drawn from this seed.")
    st.slider("rows held out for testing (%)", 0, 50, step=5, key=_KEYS["test"],
              on_change=on_change,
              help="Train on the other rows only; the held-out rows' loss is drawn dashed on "
                   "the map, and the results give it at each racer's end point.")
    ds = dataset(params["dataset"], params["seed"])
    st.caption(f"{ds.n} rows: {', '.join(ds.columns)}. Source: {ds.source} ({ds.licence}).")


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

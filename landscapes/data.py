r"""Data surfaces: the mean loss of a two-parameter model over a dataset, as a map to race on.

A data surface is the surface named :data:`DATA` with the parameters ``model`` (a key of
:data:`MODELS`), ``dataset`` (a key of :data:`DATASETS`), ``standardize`` (1: the inputs are
centred and scaled to unit variance first, by the training rows' statistics), ``seed`` (for a
generated dataset, and for the split) and ``test`` (the percentage of rows held out for
testing: the surface is the training rows' loss, :func:`held_out` the test rows'). Its value
and exact gradient are computed inside the compiled loops (:mod:`landscapes._data_kernels`),
over every row, or over update t's minibatch when a racer has a batch size.

The datasets are the Palmer penguins (CC0, ``landscapes/datasets``) and sets generated here
from a seed, each generator written out below.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import _data_kernels as _d
from . import _kernels as _k
from .surface import Surface, _pt

#: The surface name of a data surface.
DATA = "data"
DATA_KEYS = ("model", "dataset", "standardize", "seed", "test", "rows")
#: The dataset name of rows of the user's own (uploaded, or placed on the page), carried in the
#: parameter ``rows`` as text (:func:`rows_text`).
CUSTOM = "custom"
#: The most rows and characters data of one's own may have, and the most bytes of a CSV file.
MAX_ROWS, MAX_ROWS_TEXT, MAX_CSV_BYTES = 5000, 200_000, 1_000_000
#: The most characters of rows a share link carries; beyond, it names them missing: the
#: ``rows`` parameter then reads TOO_LARGE followed by the number of rows.
LINK_ROWS_TEXT = 6000
TOO_LARGE = "too-large-"
#: The largest share of the rows held out for testing, in percent.
MAX_TEST = 90
#: The largest seed of a generated dataset.
MAX_SEED = 2**31 - 1

_HERE = Path(__file__).with_name("datasets")
REGRESSION, CLASSIFICATION, FEATURES = "regression", "classification", "two features"


@dataclass(frozen=True)
class Dataset:
    """Rows of numbers: for regression (x, t), for classification (u, v, s) with s = ±1, for
    two features (u, v, t)."""

    name: str
    title: str
    kind: str
    columns: tuple[str, ...]
    rows: np.ndarray
    source: str
    licence: str

    @property
    def n(self) -> int:
        return int(self.rows.shape[0])


@dataclass(frozen=True)
class Model:
    """A two-parameter model: its kernel code, the kind of data it fits, its formula."""

    name: str
    code: int
    title: str
    kind: str
    latex: str
    lesson: str
    dataset: str  # the dataset it starts with
    axes: tuple[str, str]


MODELS: dict[str, Model] = {
    "linear": Model(
        "linear", _d.LINEAR, "Linear regression", REGRESSION,
        r"L(w, b) = \frac{1}{n}\sum_i (w\,x_i + b - t_i)^2",
        "The mean squared error of a line through the data. Its surface is a quadratic bowl "
        "whose shape the inputs decide: uncentred inputs stretch it into a long diagonal "
        "ravine, standardised inputs make it round.",
        "penguins-mass", ("w", "b")),
    "logistic": Model(
        "logistic", _d.LOGISTIC, "Logistic regression (no bias)", CLASSIFICATION,
        r"L(w_1, w_2) = \frac{1}{n}\sum_i \log\left(1 + e^{-s_i (w_1 u_i + w_2 v_i)}\right)",
        "The cross-entropy of a linear classifier through the origin. When a line through "
        "the origin separates the classes, the loss keeps falling towards zero as the "
        "weights grow: there is no lowest point on the map, only a direction to run in.",
        "penguins-bills", ("w₁", "w₂")),
    "product": Model(
        "product", _d.PRODUCT, "Two-layer linear network", REGRESSION,
        r"L(w_1, w_2) = \frac{1}{n}\sum_i (w_2\,w_1\,x_i - t_i)^2",
        "A network of two scalar weights computing w₂·w₁·x. Every point on the hyperbola "
        "w₁·w₂ = c computes the same function, so the minima form a valley; they are sharp "
        "where |w₁| and |w₂| differ and flat where they are equal. The origin is a saddle.",
        "line", ("w₁", "w₂")),
    "tanh": Model(
        "tanh", _d.TANH, "One tanh unit", REGRESSION,
        r"L(w_1, w_2) = \frac{1}{n}\sum_i (w_2 \tanh(w_1 x_i) - t_i)^2",
        "A network with one hidden tanh unit. Flipping the signs of both weights computes the "
        "same function, so the minima come in mirrored pairs with a saddle at the origin "
        "between them, as in real networks.",
        "wave", ("w₁", "w₂")),
    "features": Model(
        "features", _d.FEATURES, "Linear regression on two features", FEATURES,
        r"L(w_1, w_2) = \frac{1}{n}\sum_i (w_1 u_i + w_2 v_i - t_i)^2",
        "A line through the origin on two inputs. When one input is rare (zero in almost "
        "every row), its weight gets a gradient only from the few rows that have it: most "
        "minibatches say nothing about it, and a plain gradient step moves it slowly.",
        "rare", ("w₁ (common)", "w₂ (rare)")),
}


# -- datasets --------------------------------------------------------------------------------


def _penguins() -> list[dict]:
    with open(_HERE / "penguins.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
    return [r for r in rows if all(r[k] not in ("", "NA") for k in keys)]


_PENGUIN_SOURCE = ("Palmer penguins: Horst, Hill & Gorman (2020), data by Gorman, Williams & "
                   "Fraser (2014), Palmer Station LTER")


def _penguins_mass(seed: int) -> Dataset:
    rows = _penguins()
    x = np.array([float(r["flipper_length_mm"]) for r in rows]) / 100.0
    t = np.array([float(r["body_mass_g"]) for r in rows]) / 1000.0
    return Dataset("penguins-mass", "Penguins: body mass from flipper length", REGRESSION,
                   ("flipper length (dm)", "body mass (kg)"), np.column_stack([x, t]),
                   _PENGUIN_SOURCE, "CC0 1.0")


def _penguins_bills(seed: int) -> Dataset:
    rows = [r for r in _penguins() if r["species"] in ("Adelie", "Gentoo")]
    u = np.array([float(r["bill_length_mm"]) for r in rows]) / 10.0
    v = np.array([float(r["bill_depth_mm"]) for r in rows]) / 10.0
    s = np.array([1.0 if r["species"] == "Gentoo" else -1.0 for r in rows])
    return Dataset("penguins-bills", "Penguins: Gentoo (+) or Adélie (−) from the bill",
                   CLASSIFICATION, ("bill length (cm)", "bill depth (cm)", "Gentoo"),
                   np.column_stack([u, v, s]), _PENGUIN_SOURCE, "CC0 1.0")


def _line(seed: int) -> Dataset:
    """200 points, x uniform on [−2, 2], t = 1.5·x + Gaussian noise of deviation 0.3."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, 200)
    t = 1.5 * x + 0.3 * rng.standard_normal(200)
    return Dataset("line", "A noisy line (generated)", REGRESSION, ("x", "t"),
                   np.column_stack([x, t]), f"generated: t = 1.5·x + noise 0.3, seed {seed}",
                   "generated")


def _wave(seed: int) -> Dataset:
    """200 points, x uniform on [−3, 3], t = 1.2·tanh(1.5·x) + Gaussian noise of 0.1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, 200)
    t = 1.2 * np.tanh(1.5 * x) + 0.1 * rng.standard_normal(200)
    return Dataset("wave", "A noisy step (generated)", REGRESSION, ("x", "t"),
                   np.column_stack([x, t]),
                   f"generated: t = 1.2·tanh(1.5·x) + noise 0.1, seed {seed}", "generated")


def _clusters(seed: int) -> Dataset:
    """Two Gaussian clusters of 100 points, centres (2, 1) labelled + and (1, 2) labelled −,
    deviation 0.3: separable through the origin."""
    rng = np.random.default_rng(seed)
    pos = rng.normal([2.0, 1.0], 0.3, (100, 2))
    neg = rng.normal([1.0, 2.0], 0.3, (100, 2))
    rows = np.vstack([np.column_stack([pos, np.ones(100)]),
                      np.column_stack([neg, -np.ones(100)])])
    return Dataset("clusters", "Two clusters (generated)", CLASSIFICATION, ("u", "v", "class"),
                   rows, f"generated: two clusters of 100, deviation 0.3, seed {seed}",
                   "generated")


def _rare(seed: int) -> Dataset:
    """1,000 rows: a common input u (Gaussian, deviation 1) and a rare binary input v, 1 in
    exactly 5 rows (0.5 %) placed at random; t = 1·u + 2·v + Gaussian noise of 0.1. At batch
    8, 96 % of minibatches (0.995⁸) have no row with v = 1."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(1000)
    v = np.zeros(1000)
    v[rng.choice(1000, 5, replace=False)] = 1.0
    t = u + 2.0 * v + 0.1 * rng.standard_normal(1000)
    return Dataset("rare", "A rare feature: 5 rows in 1,000 (generated)", FEATURES,
                   ("u (common)", "v (rare: 0.5 % of rows)", "t"), np.column_stack([u, v, t]),
                   f"generated: t = u + 2·v + noise 0.1, v = 1 in 5 rows of 1,000, seed {seed}",
                   "generated")


#: Each dataset by name: its builder (taking the seed; the penguins ignore it) and its kind.
DATASETS = {
    "penguins-mass": (_penguins_mass, REGRESSION),
    "penguins-bills": (_penguins_bills, CLASSIFICATION),
    "line": (_line, REGRESSION),
    "wave": (_wave, REGRESSION),
    "clusters": (_clusters, CLASSIFICATION),
    "rare": (_rare, FEATURES),
}
#: Datasets that a seed changes.
GENERATED = ("line", "wave", "clusters", "rare")


def columns_of(kind: str) -> int:
    return 2 if kind == REGRESSION else 3


def rows_text(rows) -> str:
    """Rows as the ``rows`` parameter carries them: numbers (shortest exact form) joined by
    "," within a row and "_" between rows, so that a link holds them as they are."""
    def num(v: float) -> str:
        text = repr(float(v))
        return text[:-2] if text.endswith(".0") else text
    return "_".join(",".join(num(v) for v in row) for row in np.asarray(rows, dtype=float))


def read_rows(text, kind: str) -> np.ndarray:
    """The rows of a ``rows`` parameter for data of ``kind`` (read-only). Raises ValueError
    naming the row and column of the first value that cannot be used, or the limit passed."""
    if not isinstance(text, str):
        raise ValueError(f"rows: {text!r} is not text")
    if len(text) > MAX_ROWS_TEXT:
        raise ValueError(f"rows: {len(text):,} characters, more than {MAX_ROWS_TEXT:,}")
    return _read_rows(text, kind)


#: Every scene read checks its surface again (the page reads the scene several times a run):
#: the rows of one's own are parsed once. At most 16 × (200 kB of text + 120 kB of rows).
@lru_cache(maxsize=16)
def _read_rows(text: str, kind: str) -> np.ndarray:
    lines = [r for r in text.split("_") if r.strip()]
    if not lines:
        raise ValueError("rows: there are no rows")
    rows = _numbers([r.split(",") for r in lines], kind, "rows")
    rows.setflags(write=False)
    return rows


def _numbers(table: list[list[str]], kind: str, what: str, first: int = 1) -> np.ndarray:
    """Text cells into the rows of ``kind``: each a finite number, labels ±1 (or 0 and 1).
    ``first``: the number of the first row as the user sees it."""
    width = columns_of(kind)
    if len(table) > MAX_ROWS:
        raise ValueError(f"{what}: {len(table):,} rows, more than {MAX_ROWS:,}")
    out = np.empty((len(table), width))
    for i, cells in enumerate(table):
        if len(cells) != width:
            raise ValueError(f"{what}: row {i + first} has {len(cells)} values; "
                             f"{kind} data need {width} ({_COLUMNS[kind]})")
        for j, cell in enumerate(cells):
            try:
                v = float(cell.strip())
                if not math.isfinite(v):
                    raise ValueError
            except ValueError:
                shown = cell.strip()[:40]
                raise ValueError(f"{what}: row {i + first}, column {j + 1}: {shown!r} is not "
                                 "a finite number") from None
            out[i, j] = v
    if kind == CLASSIFICATION:
        labels = out[:, 2]
        if not np.isin(labels, (-1.0, 0.0, 1.0)).all():
            i = int(np.flatnonzero(~np.isin(labels, (-1.0, 0.0, 1.0)))[0])
            raise ValueError(f"{what}: row {i + first}, column 3: a class must be 1 or 0 (or "
                             f"-1), not {labels[i]:g}")
        out[:, 2] = np.where(labels > 0, 1.0, -1.0)
        if len(set(out[:, 2])) < 2:
            raise ValueError(f"{what}: every row is of one class; give some of each")
    return out


_COLUMNS = {REGRESSION: "x, t", CLASSIFICATION: "u, v and the class 1 or 0",
            FEATURES: "u, v, t"}


def parse_csv(data: bytes, kind: str) -> np.ndarray:
    """The rows of a CSV file for data of ``kind`` (a first line that is not numbers is a
    header). Every cell is read as a number and nothing else: a cell such as ``=cmd()`` is
    named as not a number. Raises ValueError naming the row and column, or the limit."""
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(f"the file has {len(data):,} bytes, more than {MAX_CSV_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("the file is not text (UTF-8)") from None
    rows = list(csv.reader(text.splitlines()))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ValueError("the file has no rows")
    first = 1
    try:
        [float(c) for c in rows[0]]
    except ValueError:  # a header
        rows, first = rows[1:], 2
    if not rows:
        raise ValueError("the file has a header and no rows")
    return _numbers(rows, kind, "the file", first)


def custom_dataset(text: str, kind: str) -> Dataset:
    rows = read_rows(text, kind)
    names = {REGRESSION: ("x", "t"), CLASSIFICATION: ("u", "v", "class"),
             FEATURES: ("u", "v", "t")}[kind]
    return Dataset(CUSTOM, "Your data", kind, names, rows, "your own rows", "yours")


@lru_cache(maxsize=32)
def dataset(name: str, seed: int = 0) -> Dataset:
    """The dataset ``name`` (generated ones from ``seed``), its rows read-only."""
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}")
    ds = DATASETS[name][0](seed if name in GENERATED else 0)
    ds.rows.setflags(write=False)
    return ds


# -- the surface -----------------------------------------------------------------------------


def pack(model: Model, rows: np.ndarray) -> np.ndarray:
    """The kernels' parameter vector for ``model`` over ``rows`` (see _data_kernels)."""
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    n, d = rows.shape
    head = np.zeros(_d.HEAD)
    head[0], head[1], head[2] = model.code, n, d
    if model.code in (_d.LINEAR, _d.PRODUCT) and n:
        x, t = rows[:, 0], rows[:, 1]
        head[3:8] = (x * x).mean(), x.mean(), (x * t).mean(), t.mean(), (t * t).mean()
    if model.code == _d.FEATURES and n:
        u, v, t = rows[:, 0], rows[:, 1], rows[:, 2]
        head[3:9] = ((u * u).mean(), (u * v).mean(), (v * v).mean(), (u * t).mean(),
                     (v * t).mean(), (t * t).mean())
    return np.concatenate([head, rows.ravel()])


def standardized(rows: np.ndarray, kind: str, by: np.ndarray | None = None) -> np.ndarray:
    """The rows with each input column centred and scaled to unit variance (targets and labels
    as they are), by the means and deviations of ``by`` (default: the rows themselves; the
    test rows are scaled as the training rows were)."""
    out = np.array(rows, dtype=np.float64)
    ref = out if by is None else by
    k = 1 if kind == REGRESSION else 2
    mean, std = ref[:, :k].mean(axis=0), ref[:, :k].std(axis=0)
    out[:, :k] = (out[:, :k] - mean) / np.where(std > 0, std, 1.0)
    return out


def split(n: int, test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, test rows): ``test`` percent of ``n`` rows held out at random by the
    seed, each part in the rows' order."""
    k = int(round(n * test / 100.0))
    perm = np.random.default_rng([seed, 7]).permutation(n)
    return np.sort(perm[k:]), np.sort(perm[:k])


def _check(params: dict) -> tuple:
    for key in params:
        if key not in DATA_KEYS:
            raise ValueError(f"Unknown parameter {key!r} for a data surface; valid parameters: "
                             f"{', '.join(DATA_KEYS)}")
    model = params.get("model", "linear")
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; valid models: {', '.join(MODELS)}")
    name = params.get("dataset", MODELS[model].dataset)
    rows = params.get("rows")
    if name == CUSTOM:
        read_rows(rows, MODELS[model].kind)  # raises naming what is wrong
    elif rows is not None:
        raise ValueError("rows: only data of your own (dataset 'custom') have rows")
    elif name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}, "
                         f"or {CUSTOM!r} with rows of your own")
    if name != CUSTOM and DATASETS[name][1] != MODELS[model].kind:
        fits = [k for k, (_, kind) in DATASETS.items() if kind == MODELS[model].kind]
        raise ValueError(f"Dataset {name!r} is for {DATASETS[name][1]}, and {model!r} needs "
                         f"{MODELS[model].kind} data: one of {', '.join(fits)}")
    out = []
    for key, hi in (("standardize", 1), ("seed", MAX_SEED), ("test", MAX_TEST)):
        raw = params.get(key, 0)
        try:
            if isinstance(raw, bool | str):
                raise TypeError
            v = float(raw)
            if not (v == int(v) and 0 <= v <= hi):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"Invalid {key!r} for a data surface: {raw!r} (must be an integer "
                             f"in [0, {hi}])") from None
        out.append(int(v))
    return model, name, out[0], out[1], out[2], rows


def data_surface(**params) -> Surface:
    """The data surface with these parameters (see the module's docstring).

    Raises ValueError naming an unknown model, dataset or parameter, a dataset of the wrong
    kind for the model, or a value out of range.
    """
    return _surface(*_check(params))


def held_out(surface: Surface) -> Surface | None:
    """The loss over the test rows of a data surface with a split (on the same window), or
    None: the surface is not a data surface, or holds no rows out."""
    if surface.name != DATA or not surface.params.get("test"):
        return None
    return _surface(*_check(surface.params), part="test")


@lru_cache(maxsize=32)
def _surface(model_name: str, data_name: str, standardize: int, seed: int, test: int,
             rows_param: str | None = None, part: str = "train") -> Surface:
    ds = (custom_dataset(rows_param, MODELS[model_name].kind) if data_name == CUSTOM
          else dataset(data_name, seed))
    train, held = split(ds.n, test, seed)
    if len(train) < 2 or (test and len(held) < 1):
        raise ValueError(f"test: holding out {test} % of {ds.n} rows leaves {len(train)} to "
                         f"train on and {len(held)} to test on; at least 2 and 1 are needed")
    rows = ds.rows[held if part == "test" else train]
    if standardize:
        rows = standardized(rows, ds.kind, by=ds.rows[train])
    scaled = " (inputs standardised)" if standardize else ""
    params = {"model": model_name, "dataset": data_name, "standardize": standardize,
              "seed": seed, **({"test": test} if test else {}),
              **({"rows": rows_param} if data_name == CUSTOM else {})}
    kept = f"; {len(train)} for training, {len(held)} held out for testing" if test else ""
    surf = surface_from_rows(
        model_name, rows, f"{MODELS[model_name].title}: {ds.title}{scaled}"
        + (" (test rows)" if part == "test" else ""),
        f"{ds.source} ({ds.licence}); {ds.n} rows{kept}", params)
    if part == "test":  # the training surface's window, so the two maps line up
        surf = replace(surf, bounds=_surface(model_name, data_name, standardize, seed,
                                             test, rows_param).bounds)
    return surf


def surface_from_rows(model_name: str, rows: np.ndarray, title: str, reference: str,
                      params: dict) -> Surface:
    """The data surface of ``model_name`` over ``rows`` (regression: x, t; classification: u,
    v, s = ±1): its minima and saddles found, its window around them and the start."""
    model = MODELS[model_name]
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    p = pack(model, rows)
    ray = max_margin_direction(rows) if model.code == _d.LOGISTIC else None
    minima, saddles = _stationary(model, p, rows, separable=ray is not None)
    start = _START[model_name]
    far = [] if ray is None else [_runaway_point(p, ray)]
    return Surface(
        name=DATA, title=title, sid=_k.DATA, params=dict(params), param_spec={},
        bounds=_bounds(minima + far, start), minima=minima, saddles=saddles, start=start,
        ray=ray,
        latex=model.latex, lesson=model.lesson, reference=reference, log_scale=True,
        f_min=minima[0].f if minima else None, p=p, axes=model.axes)


#: Where each model's races start: the origin for the convex models, where training starts a
#: linear model; off the origin for the networks, whose origin is a saddle with zero gradient.
_START = {"linear": (0.0, 0.0), "logistic": (0.0, 0.0), "product": (0.2, 2.5),
          "tanh": (0.25, -0.4), "features": (0.0, 0.0)}


def _value_grad(p, a, b):
    return _d.data(p, float(a), float(b))


def _newton(p, a: float, b: float) -> tuple[float, float] | None:
    """A stationary point near (a, b) by Newton's method on the exact gradient and Hessian."""
    for _ in range(100):
        _, ga, gb = _d.data(p, a, b)
        haa, hab, hbb = _d.data_hess(p, a, b)
        det = haa * hbb - hab * hab
        if not math.isfinite(det) or det == 0.0:
            return None
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-15 * (1.0 + abs(a) + abs(b)):
            break
    _, ga, gb = _d.data(p, a, b)
    return (a, b) if math.hypot(ga, gb) < 1e-9 else None


def _stationary(model: Model, p: np.ndarray, rows: np.ndarray, separable: bool = False):
    """The minima (lowest first) and saddles of the model's loss, exactly where known."""
    pt = lambda a, b: _pt(a, b, _d.data(p, a, b)[0])  # noqa: E731
    if model.code == _d.LINEAR:
        x, t = rows[:, 0], rows[:, 1]
        w, b = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), t, rcond=None)[0]
        found = _newton(p, float(w), float(b))
        return [pt(*found)] if found else [], []
    if model.code == _d.FEATURES:
        w = np.linalg.lstsq(rows[:, :2], rows[:, 2], rcond=None)[0]
        found = _newton(p, float(w[0]), float(w[1]))
        return [pt(*found)] if found else [], []
    if model.code == _d.PRODUCT:
        sxx, sxt = p[3], p[5]
        c = sxt / sxx  # the valley w₁·w₂ = c; its flattest points, where |w₁| = |w₂|
        r = math.sqrt(abs(c))
        mins = [pt(r, math.copysign(r, c)), pt(-r, -math.copysign(r, c))]
        return mins, [pt(0.0, 0.0)]
    if model.code == _d.LOGISTIC:
        found = _newton(p, 0.0, 0.0) if not separable else None
        return ([pt(*found)] if found else []), []
    # tanh: a grid search, then Newton from the lowest cell; the origin is a saddle. On data
    # that a line fits best the loss falls on as w₁ → 0 and w₂ → ∞ (w₂·tanh(w₁x) → a line):
    # no minimum is listed when Newton does not end at one (a positive definite Hessian).
    span = np.linspace(-4.0, 4.0, 41)
    best = min((_d.data(p, float(a), float(b))[0], float(a), float(b))
               for a in span for b in span)
    found = _newton(p, best[1], best[2])
    if found is None or not _is_minimum(p, *found):
        return [], ([pt(0.0, 0.0)] if _is_saddle(p, 0.0, 0.0) else [])
    return [pt(*found), pt(-found[0], -found[1])], [pt(0.0, 0.0)]


def _is_minimum(p, a: float, b: float) -> bool:
    haa, hab, hbb = _d.data_hess(p, a, b)
    return haa > 0 and haa * hbb - hab * hab > 0


def _is_saddle(p, a: float, b: float) -> bool:
    haa, hab, hbb = _d.data_hess(p, a, b)
    return haa * hbb - hab * hab < 0


def _feasible_arc(rows: np.ndarray) -> tuple[float, float] | None:
    """The open arc of directions w (angles lo < θ < hi) with s·(w·row) > 0 for every row, or
    None. Each row allows the half-circle within π/2 of its direction times s; they share an
    arc exactly when those directions fit in an open half-circle: the largest gap between
    them, going round, exceeds π."""
    phi = np.sort(np.mod(np.arctan2(rows[:, 1] * rows[:, 2], rows[:, 0] * rows[:, 2]),
                         2 * math.pi))
    if phi.size == 0:
        return None
    gaps = np.diff(np.concatenate([phi, [phi[0] + 2 * math.pi]]))
    k = int(np.argmax(gaps))
    if gaps[k] <= math.pi:
        return None
    first, last = phi[(k + 1) % phi.size], phi[k]  # the directions span first → last
    if last < first:
        last += 2 * math.pi
    return float(last - math.pi / 2), float(first + math.pi / 2)


def max_margin_direction(rows: np.ndarray) -> float | None:
    """The angle (radians) of the unit weight vector w with the largest margin min s·(w·row)
    over the rows, or None when no line through the origin separates the classes: the
    direction that gradient descent's weights turn towards on separable data (Soudry et al.
    2018). The margin is concave on the arc of separating directions (a minimum of cosines,
    each positive there), so a ternary search over the arc finds it."""
    arc = _feasible_arc(rows)
    if arc is None:
        return None
    lo, hi = arc

    def margin(th: float) -> float:
        return float(((rows[:, 0] * math.cos(th) + rows[:, 1] * math.sin(th)) * rows[:, 2]).min())

    for _ in range(200):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if margin(m1) < margin(m2):
            lo = m1
        else:
            hi = m2
    th = 0.5 * (lo + hi)
    return float(math.atan2(math.sin(th), math.cos(th)))


#: On separable data the window reaches along the max-margin ray to where the loss has fallen
#: to this (from log 2 at the origin): far enough for a few hundred steps to stay in view.
RUNAWAY_LOSS = 0.05


def _runaway_point(p: np.ndarray, angle: float):
    """The point on the max-margin ray where the loss falls to :data:`RUNAWAY_LOSS`."""
    c, s = math.cos(angle), math.sin(angle)
    lo, hi = 0.0, 1.0
    while _d.data_value(p, hi * c, hi * s) > RUNAWAY_LOSS and hi < 1e6:
        lo, hi = hi, 2.0 * hi
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _d.data_value(p, mid * c, mid * s) > RUNAWAY_LOSS:
            lo = mid
        else:
            hi = mid
    return _pt(hi * c, hi * s, RUNAWAY_LOSS)


def _bounds(minima, start) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square-ish window holding the start, the origin and the minima, with a margin."""
    pts = [start, (0.0, 0.0)] + [(m.x, m.y) for m in minima]
    xs = [q[0] for q in pts]
    ys = [q[1] for q in pts]
    cx, cy = 0.5 * (min(xs) + max(xs)), 0.5 * (min(ys) + max(ys))
    half = 0.7 * max(max(xs) - min(xs), max(ys) - min(ys), 2.0)
    return (_nice(cx - half), _nice(cx + half)), (_nice(cy - half), _nice(cy + half))


def _nice(v: float) -> float:
    return float(round(v * 4.0) / 4.0)

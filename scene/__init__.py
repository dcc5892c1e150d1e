"""The Scene: one serializable value describing everything the app shows.

A scene names the surface (and its parameters), the start point, the number of steps, the
optimizers (each with a label, a colour and its hyperparameters), the learning-rate schedule,
gradient noise, sparsity, the seed and a few view settings. A formula typed by the user is the
surface ``"formula"``, its text in ``formula`` and its x and y ranges in ``surface_params``
(``xmin``, ``xmax``, ``ymin``, ``ymax``). The app, the presets in
``assets/scenes/``, the share URL and every exporter read and write this one value.

Reading is forgiving: :func:`from_dict` and :func:`from_query` never raise on bad input. Each
field that cannot be used falls back to its default, and a message naming it is returned in
``warnings`` so the caller can show it.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from dataclasses import dataclass, field

from landscapes import FORMULA, SURFACES, get_surface
from optimizers import OPTIMIZERS
from optimizers.schedules import SCHEDULES, resolve

# Okabe & Ito's colour-blind-safe palette (yellow left out: unreadable on a light background),
# one colour per racer up to MAX_OPTIMIZERS.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#882255", "#44AA99", "#999933", "#AA4499", "#661100"]  # then Tol's, to twelve

STEPS_LIMIT = 10_000  # what the app offers; the numerical core accepts more
MAX_OPTIMIZERS = 12


@dataclass
class Entry:
    """One racer: an optimizer from the registry with its own settings."""

    optimizer: str
    label: str = ""
    color: str = ""
    hyper: dict = field(default_factory=dict)  # only values that differ from torch's defaults
    # This racer's own schedule, gradient noise and sparsity; None: the scene's. Lets "Adam
    # with warmup" race "Adam without", "SGD with noise" race "SGD without", on one map.
    schedule: dict | None = None
    noise: float | None = None
    sparsity: float | None = None

    def own(self) -> dict:
        """The settings this racer has of its own (empty: it follows the scene)."""
        return {k: getattr(self, k) for k in ("schedule", "noise", "sparsity")
                if getattr(self, k) is not None}

    def full_hyper(self) -> dict:
        """All hyperparameters, defaults filled in and validated."""
        return OPTIMIZERS[self.optimizer].validate(self.hyper)


@dataclass
class Scene:
    surface: str = "rosenbrock"
    surface_params: dict = field(default_factory=dict)
    start: tuple[float, float] | None = None  # None: the surface's demonstration start
    steps: int = 500
    optimizers: list[Entry] = field(default_factory=list)
    schedule: dict = field(default_factory=lambda: {"name": "constant"})
    noise: float = 0.0
    sparsity: float | tuple[float, float] = 0.0  # one for both, or (x's, y's): a rare feature
    seed: int = 0
    # A test surface: the training surface shifted by (dx, dy), as data the model never saw
    # would shift it; None: no test surface. Each run's end point then has a test loss too.
    test_shift: tuple[float, float] | None = None
    view: dict = field(default_factory=dict)  # {"step": int|None, "arrows": bool, "tab": str}
    title: str = ""
    claim: str = ""  # for presets: the one claim the scene lets people see

    def surface_obj(self):
        return get_surface(self.surface, **self.surface_params)

    def start_point(self) -> tuple[float, float]:
        return tuple(self.start) if self.start is not None else tuple(self.surface_obj().start)

    def labels(self) -> list[str]:
        common = {"schedule": self.schedule, "noise": self.noise, "sparsity": self.sparsity}
        return [entry_label(e, i, self.optimizers, common) for i, e in enumerate(self.optimizers)]

    def settings_of(self, entry: Entry) -> dict:
        """The schedule, noise and sparsity a racer runs with: its own, else the scene's."""
        return {"schedule": entry.schedule if entry.schedule is not None else self.schedule,
                "noise": entry.noise if entry.noise is not None else self.noise,
                "sparsity": entry.sparsity if entry.sparsity is not None else self.sparsity}

    def colors(self) -> list[str]:
        return [e.color or PALETTE[i % len(PALETTE)] for i, e in enumerate(self.optimizers)]


DEFAULT_VIEW = {"step": None, "arrows": False, "tab": "map"}
#: Starts per side of the basins grid: the choices (``view["grid"]``), and the default.
BASIN_GRIDS = (50, 100, 200, 400, 700, 1000)
BASIN_GRID = 200


def default_scene() -> Scene:
    """What a first-time visitor sees: four classics on Rosenbrock's banana."""
    return Scene(
        surface="rosenbrock", start=(-1.2, 1.0), steps=500,
        optimizers=[Entry("sgd", hyper={"lr": 1e-3}), Entry("momentum", hyper={"lr": 1e-3}),
                    Entry("rmsprop", hyper={"lr": 1e-2}), Entry("adam", hyper={"lr": 5e-2})],
        view=dict(DEFAULT_VIEW))


def entry_label(entry: Entry, index: int, entries: list[Entry],
                common: dict | None = None) -> str:
    """The label shown for an entry: its own (kept as typed), or one derived from its settings
    that follows them: the optimizer's title, and when the same optimizer appears more than
    once without a label, the settings that tell them apart ("Momentum (μ 0.97)",
    "Adam (lr 0.1)"), or a number when nothing does."""
    if entry.label:
        return entry.label
    info = OPTIMIZERS[entry.optimizer]
    same = [e for e in entries if e.optimizer == entry.optimizer and not e.label]
    if len(same) < 2:
        return info.title
    full = []
    for e in same:
        try:
            full.append(info.validate(e.hyper))
        except ValueError:
            full.append({**info.defaults(), **e.hyper})
    pos = next(i for i, e in enumerate(same) if e is entry)
    mine = full[pos]
    differ = [k for k in info.spec if any(f[k] != full[0][k] for f in full)]
    # Racers of one optimizer may differ only in their own schedule, noise or sparsity.
    common = common or {}
    runs = [{k: getattr(e, k) if getattr(e, k) is not None else common.get(k)
             for k in ("schedule", "noise", "sparsity")} for e in same]
    run_differ = [k for k in ("schedule", "noise", "sparsity")
                  if any(r[k] != runs[0][k] for r in runs)]
    if not differ and not run_differ:
        return f"{info.title} #{pos + 1}"
    parts = [_setting_text(k, runs[pos][k]) for k in run_differ]
    for k in differ[:max(0, 2 - len(parts))]:
        v = mine[k]
        name = SYMBOLS.get(k, k)
        if isinstance(v, bool):
            parts.append(f"{name} {'on' if v else 'off'}")
        elif isinstance(v, tuple):
            parts.append(f"{name} {', '.join(f'{x:g}' for x in v)}")
        else:
            parts.append(f"{name} {v:g}")
    return f"{info.title} ({'; '.join(parts)})"


def _setting_text(key: str, value) -> str:
    """A racer's schedule, noise or sparsity in a derived label: "warmup cosine", "σ 0.5"."""
    if key == "schedule":
        name = (value or {}).get("name", "constant")
        return "constant lr" if name == "constant" else name.replace("_", " ")
    if key == "noise":
        return f"σ {value or 0:g}"
    if isinstance(value, tuple | list):
        return f"sparsity {value[0]:g},{value[1]:g}"
    return f"sparsity {value or 0:g}"


#: How a derived label names a hyperparameter ("Momentum (μ 0.9)").
SYMBOLS = {"momentum": "μ", "alpha": "α", "betas": "β", "eps": "ε", "dampening": "τ",
           "weight_decay": "wd", "momentum_decay": "ψ"}


# --------------------------------------------------------------------------------------------
# Normalising a scene (also what the forgiving readers use)


def _compact_hyper(name: str, hyper: dict) -> dict:
    """Validated hyperparameters, keeping only the ones that differ from the defaults."""
    info = OPTIMIZERS[name]
    full = info.validate(hyper)
    out = {}
    for k, v in full.items():
        d = info.spec[k].default
        if info.spec[k].kind == "pair":
            v, d = list(v), list(d)
        if v != d:
            out[k] = v
    return out


def check(scene: Scene) -> list[str]:
    """Problems with a scene, as messages naming each field (empty when it is usable)."""
    problems = []
    try:
        surf = scene.surface_obj()
    except ValueError as e:
        return [f"surface: {e}"]
    if scene.start is not None:
        (xlo, xhi), (ylo, yhi) = surf.limit
        x, y = scene.start
        if not (xlo <= x <= xhi and ylo <= y <= yhi):
            problems.append(f"start: ({x:g}, {y:g}) is outside x ∈ [{xlo:g}, {xhi:g}], "
                            f"y ∈ [{ylo:g}, {yhi:g}]")
    if not (isinstance(scene.steps, int) and 1 <= scene.steps <= STEPS_LIMIT):
        problems.append(f"steps: {scene.steps!r} must be an integer from 1 to {STEPS_LIMIT}")
    for i, e in enumerate(scene.optimizers):
        try:
            if e.optimizer not in OPTIMIZERS:
                raise ValueError(f"unknown optimizer {e.optimizer!r}")
            e.full_hyper()
        except ValueError as err:
            problems.append(f"optimizer {i + 1}: {err}")
    try:
        params = {k: v for k, v in scene.schedule.items() if k != "name"}
        resolve(scene.schedule.get("name", "constant"), scene.steps if isinstance(scene.steps, int)
                else 500, params)
    except ValueError as err:
        problems.append(f"schedule: {err}")
    if not (isinstance(scene.noise, int | float) and 0 <= scene.noise <= 100):
        problems.append(f"noise: {scene.noise!r} must be between 0 and 100")
    sp = scene.sparsity if isinstance(scene.sparsity, tuple | list) else (scene.sparsity,)
    if not (len(sp) in (1, 2) and all(isinstance(v, int | float) and 0 <= v <= 1 for v in sp)):
        problems.append(f"sparsity: {scene.sparsity!r} must be between 0 and 1 (one value, "
                        "or one for x and one for y)")
    if not (isinstance(scene.seed, int) and 0 <= scene.seed < 2**32):
        problems.append(f"seed: {scene.seed!r} must be an integer from 0 to {2**32 - 1}")
    return problems


# --------------------------------------------------------------------------------------------
# JSON


def to_dict(scene: Scene) -> dict:
    params = dict(scene.surface_params)
    d = {
        "surface": scene.surface,
        **({"formula": params.pop("f", "")} if scene.surface == FORMULA else {}),
        "surface_params": params,
        "start": list(scene.start) if scene.start is not None else None,
        "steps": scene.steps,
        "optimizers": [{"optimizer": e.optimizer, "label": e.label, "color": e.color,
                        "hyper": _non_default(e), **{k: dict(v) if isinstance(v, dict) else v
                                                     for k, v in e.own().items()}}
                       for e in scene.optimizers],
        "schedule": dict(scene.schedule),
        "noise": scene.noise,
        "sparsity": list(scene.sparsity) if isinstance(scene.sparsity, tuple | list)
        else scene.sparsity,
        "seed": scene.seed,
        **({"test_shift": list(scene.test_shift)} if scene.test_shift is not None else {}),
        "view": dict(scene.view),
    }
    if scene.title:
        d["title"] = scene.title
    if scene.claim:
        d["claim"] = scene.claim
    return d


def _non_default(entry: Entry) -> dict:
    """An entry's hyperparameters as plain JSON values, without those equal to the defaults."""
    spec = OPTIMIZERS[entry.optimizer].spec if entry.optimizer in OPTIMIZERS else {}
    out = {}
    for k, v in entry.hyper.items():
        if k in spec and (tuple(v) if isinstance(v, list | tuple) else v) == spec[k].default:
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def to_json(scene: Scene) -> str:
    return json.dumps(to_dict(scene), indent=2, ensure_ascii=False)


def loads(text: str):
    """JSON as a scene file holds it. An integer longer than Python reads (4300 digits) is
    read as ±inf, so that the field holding it falls back like any other unusable value."""
    return json.loads(text, parse_int=_json_int)


def _json_int(digits: str):
    try:
        return int(digits)
    except ValueError:
        return -math.inf if digits.startswith("-") else math.inf


def from_json(text: str) -> tuple[Scene, list[str]]:
    """Parse scene JSON; never raises. Returns (scene, warnings)."""
    try:
        data = loads(text)
    except (json.JSONDecodeError, TypeError, ValueError) as e:
        return default_scene(), [f"scene: not valid JSON ({_why(e)}); showing the default scene"]
    except RecursionError:
        return default_scene(), ["scene: nested too deeply to read; showing the default scene"]
    if not isinstance(data, dict):
        return default_scene(), ["scene: expected a JSON object; showing the default scene"]
    return from_dict(data)


def _num(v, *, integer=False):
    try:
        return _num_or_overflow(v, integer=integer)
    except OverflowError:
        raise ValueError("too large") from None


def _num_or_overflow(v, *, integer=False):
    if isinstance(v, bool):
        raise ValueError("not a number")
    if isinstance(v, str):
        v = v.strip()
        v = int(v) if integer else float(v)
    elif isinstance(v, int | float):
        pass
    else:
        raise ValueError("not a number")
    if integer:
        if isinstance(v, float):
            if not v.is_integer():
                raise ValueError("not an integer")
            v = int(v)
        return int(v)
    v = float(v)
    if not math.isfinite(v):
        raise ValueError("not finite")
    return v


MAX_WARNINGS = 20  # a hostile scene can be wrong in every field: the first ones, and a count
QUOTE_CHARS = 40  # a rejected value is quoted at most this long
_REPR = reprlib.Repr()  # shallow: a deeply nested value is quoted as [[[...]]]
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 2, 4, 4, 4
_REPR.maxstring = _REPR.maxlong = _REPR.maxother = QUOTE_CHARS


def quote(value) -> str:
    """A rejected value as a warning quotes it: in a code span, on one line, shortened to
    about :data:`QUOTE_CHARS` characters (a 400-digit number, a nested list, a long label)."""
    try:
        text = value if isinstance(value, str) else _REPR.repr(value)
    except (ValueError, RecursionError):  # an integer past Python's 4300 digits
        text = "a number too large to show"
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    text = text.replace("`", "'")
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS - 1] + "…"
    return f"`{text}`"


#: Python's own words for a value it could not convert, and ours for a reader.
_PLAIN = [(re.compile(p), w) for p, w in (
    (r"invalid literal for int\(\) with base \d+: ('[^']*'|\"[^\"]*\")", "not a whole number"),
    (r"could not convert string to float: ('[^']*'|\"[^\"]*\")", "not a number"),
    (r"cannot convert float infinity to integer", "infinite"),
    (r"cannot convert float NaN to integer", "not a number"),
    (r"int too large to convert to float|Exceeds the limit \(\d+ digits\)[^;)]*", "too large"),
    (r"'\w+' object is not (iterable|subscriptable)|unsupported operand type\(s\)[^;)]*|"
     r"\w+\(\) argument must be a string or a (real )?number, not '\w+'",
     "not of the right form"),
)]


def _why(reason) -> str:
    """A validator's message, its long words (a value it quotes) shortened, on one line;
    Python's own words for a failed conversion become plain ones."""
    text = " ".join(str(reason).split())
    for pattern, words in _PLAIN:
        text = pattern.sub(words, text)
    text = re.sub(rf"\S{{{QUOTE_CHARS + 1},}}", lambda m: m[0][:QUOTE_CHARS - 1] + "…", text)
    return text if len(text) <= 200 else text[:199] + "…"


def capped(warnings: list[str]) -> list[str]:
    """The first :data:`MAX_WARNINGS` warnings, and how many more there were."""
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    return [*warnings[:MAX_WARNINGS - 1],
            f"… and {len(warnings) - MAX_WARNINGS + 1} more settings that could not be used"]


def from_dict(data: dict) -> tuple[Scene, list[str]]:
    """Build a scene from a plain dict; never raises. Each unusable field is reset to its
    default and named in the returned warnings."""
    base = default_scene()
    warnings: list[str] = []
    scene = Scene(optimizers=[], view=dict(DEFAULT_VIEW))

    def warn(fieldname, value, why):
        warnings.append(f"{_why(fieldname)}: {quote(value)} {_why(why)}; using the default")

    # surface and its parameters (a typed formula: its text and ranges)
    scene.surface, scene.surface_params = _read_surface(data, base, warn)
    surf = get_surface(scene.surface, **scene.surface_params)

    # start
    start = data.get("start")
    if start is not None:
        try:
            x, y = (_num(v) for v in start)
            (xlo, xhi), (ylo, yhi) = surf.limit
            if not (xlo <= x <= xhi and ylo <= y <= yhi):
                raise ValueError("outside the surface's limits")
            scene.start = (x, y)
        except (ValueError, TypeError) as e:
            warn("start", start, f"is not a usable point ({e})")
            scene.start = None

    # steps
    try:
        steps = _num(data.get("steps", base.steps), integer=True)
        if not 1 <= steps <= STEPS_LIMIT:
            raise ValueError(f"must be from 1 to {STEPS_LIMIT}")
        scene.steps = steps
    except (ValueError, TypeError) as e:
        warn("steps", data.get("steps"), f"is not usable ({e})")
        scene.steps = base.steps

    # optimizers
    entries = data.get("optimizers", None)
    if entries is None:
        scene.optimizers = base.optimizers
    elif not isinstance(entries, list):
        warn("optimizers", entries, "is not a list")
        scene.optimizers = base.optimizers
    else:
        for i, raw in enumerate(entries[:MAX_OPTIMIZERS]):
            entry = _entry(raw, i, warnings, scene.steps)
            if entry is not None:
                scene.optimizers.append(entry)
        if len(entries) > MAX_OPTIMIZERS:
            warnings.append(f"optimizers: only the first {MAX_OPTIMIZERS} are kept")

    # schedule
    scene.schedule = _read_schedule(data.get("schedule", {"name": "constant"}), scene.steps,
                                    "schedule", warn)

    # the test surface's shift
    shift = data.get("test_shift")
    if isinstance(shift, str):
        shift = shift.split(",")
    if shift is not None:
        try:
            dx, dy = (_num(v) for v in shift)
            (x0, x1), (y0, y1) = scene.surface_obj().bounds
            if abs(dx) > (x1 - x0) / 4 or abs(dy) > (y1 - y0) / 4:
                raise ValueError("more than a quarter of the map")
            scene.test_shift = (dx, dy)
        except (ValueError, TypeError) as e:
            warn("test_shift", shift, f"is not a usable shift ({e})")

    _read_numbers(data, scene, warn)
    _read_view(data, scene, warn)

    for key in ("title", "claim"):
        if isinstance(data.get(key), str):
            if len(data[key]) > 500:
                warnings.append(f"{key}: longer than 500 characters; shortened")
            setattr(scene, key, data[key][:500])
    from .budget import fit_race  # a race within its time: fewer steps, said so

    scene, over = fit_race(scene)
    if over is not None:  # first: of all the warnings, the one that changes the race most
        warnings.insert(0, f"steps: {over}")
    return scene, capped(warnings)


def _read_numbers(data: dict, scene: Scene, warn) -> None:
    """The scene's noise, sparsity and seed, into ``scene``; each unusable one is warned
    about (and left at its default)."""
    for key, lo, hi in (("noise", 0.0, 100.0), ("sparsity", 0.0, 1.0)):
        try:
            raw = data.get(key, 0.0)
            if key == "sparsity" and isinstance(raw, str) and "," in raw:
                raw = raw.split(",")
            if key == "sparsity" and isinstance(raw, list | tuple):
                if len(raw) != 2:
                    raise ValueError("give one probability, or one for x and one for y")
                v = tuple(_num(x) for x in raw)
                if not all(lo <= x <= hi for x in v):
                    raise ValueError(f"must be between {lo:g} and {hi:g}")
                if v[0] == v[1]:
                    v = v[0]  # the same for both: one number
            else:
                v = _num(raw)
                if not lo <= v <= hi:
                    raise ValueError(f"must be between {lo:g} and {hi:g}")
            setattr(scene, key, v)
        except (ValueError, TypeError) as e:
            warn(key, data.get(key), f"is not usable ({e})")
    try:
        seed = _num(data.get("seed", 0), integer=True)
        if not 0 <= seed < 2**32:
            raise ValueError("must be from 0 to 2^32 - 1")
        scene.seed = seed
    except (ValueError, TypeError) as e:
        warn("seed", data.get("seed"), f"is not usable ({e})")


def _read_view(data: dict, scene: Scene, warn) -> None:
    """How the scene is shown (``view``: the paused step, arrows, the tab, an analysis view
    and its settings), into ``scene.view``."""
    view = data.get("view", {}) or {}
    if isinstance(view, dict):
        v = dict(DEFAULT_VIEW)
        if view.get("step") is not None:
            try:
                v["step"] = max(0, min(scene.steps, _num(view["step"], integer=True)))
            except (ValueError, TypeError):
                warn("view.step", view["step"], "is not a step number")
        v["arrows"] = bool(view.get("arrows", False)) if isinstance(view.get("arrows", False),
                                                                    bool | int) else False
        if view.get("tab") in ("map", "3d"):
            v["tab"] = view["tab"]
        _read_analysis(view, v, scene, warn)
        scene.view = v
    else:
        warn("view", view, "is not a mapping")


def _read_analysis(view: dict, v: dict, scene: Scene, warn) -> None:
    """The analysis view a scene opens under the map (``view["analysis"]``) and every view's
    own settings (:data:`scene.views.VIEWS`), into ``v``."""
    from .views import VIEWS, settings

    if view.get("analysis") is not None:
        if view["analysis"] in VIEWS:
            v["analysis"] = view["analysis"]
        else:
            warn("view", view["analysis"], f"is not a view (choose one of: {', '.join(VIEWS)})")
    for setting in settings():
        if view.get(setting.key) is not None:
            try:
                value = setting.read(view[setting.key], scene)
            except (ValueError, TypeError):
                warn(f"view.{setting.key}", view[setting.key], setting.why(scene))
                continue
            if value is not None:
                v[setting.key] = value


def _read_surface(data: dict, base: Scene, warn) -> tuple[str, dict]:
    """The surface name and parameters of a scene dict; each unusable field is warned about."""
    formula = data.get("formula")
    name = data.get("surface", FORMULA if formula is not None else base.surface)
    if formula is not None or name == FORMULA:
        return _read_formula(formula, data.get("surface_params"), base, warn)
    if not isinstance(name, str) or name not in SURFACES:
        warn("surface", name, f"is not a known surface ({', '.join(SURFACES)}), nor "
             f"{FORMULA!r} with a formula")
        name = base.surface
    params = data.get("surface_params", {}) or {}
    if not isinstance(params, dict):
        warn("surface_params", params, "is not a mapping")
        params = {}
    good = {}
    for k, v in params.items():
        try:
            get_surface(name, **{**good, k: _num(v)})
            good[k] = _num(v)
        except (ValueError, TypeError) as e:
            warn(f"surface_params.{k}", v, f"cannot be used ({e})")
    return name, good


def _read_formula(text, params, base: Scene, warn) -> tuple[str, dict]:
    """A typed formula and its x and y ranges (``surface_params`` xmin, xmax, ymin, ymax)."""
    if not isinstance(text, str):
        warn("formula", text, "is not text")
        return base.surface, dict(base.surface_params)
    try:
        get_surface(FORMULA, f=text)
    except ValueError as e:
        warn("formula", text, f"cannot be used ({e})")
        return base.surface, dict(base.surface_params)
    if not isinstance(params, dict):
        if params is not None:
            warn("surface_params", params, "is not a mapping")
        params = {}
    good = {"f": text}
    for k, v in params.items():
        try:
            if k == "f":
                raise ValueError("the formula goes in the 'formula' field")
            get_surface(FORMULA, **{**good, k: _num(v)})
            good[k] = _num(v)
        except (ValueError, TypeError) as e:
            warn(f"surface_params.{k}", v, f"cannot be used ({e})")
    return FORMULA, good


def _read_schedule(sched, steps: int, where: str, warn) -> dict:
    """A schedule as a scene file or link gives it (a name, or a dict of name and settings);
    each unusable setting falls back to its default, an unknown name to constant."""
    if isinstance(sched, str):
        sched = {"name": sched}
    if not isinstance(sched, dict):
        warn(where, sched, "is not a schedule")
        return {"name": "constant"}
    sname = sched.get("name", "constant")
    if not isinstance(sname, str) or sname not in SCHEDULES:
        warn(where, sname, f"is not a known schedule ({', '.join(SCHEDULES)})")
        return {"name": "constant"}
    kept = {}
    for k, v in sched.items():
        if k == "name":
            continue
        if v is None:  # null: the default (resolve() fills in defaults it derives only)
            continue
        try:
            value = resolve(sname, steps, {**kept, k: v})[k]
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError("not finite")
            kept[k] = value
        except (ValueError, TypeError, OverflowError, KeyError) as e:
            warn(f"{where}.{k}", v, f"cannot be used ({e})")
    return {"name": sname, **kept}


def _own_settings(raw: dict, where: str, steps: int, warnings: list[str]) -> dict:
    """A racer's own schedule, noise and sparsity, each read like the scene's."""

    def warn(fieldname, value, why):
        warnings.append(f"{_why(fieldname)}: {quote(value)} {_why(why)}; using the scene's")

    own = {}
    if raw.get("schedule") is not None:
        own["schedule"] = _read_schedule(raw["schedule"], steps, f"{where} schedule", warn)
    for key, hi in (("noise", 100.0), ("sparsity", 1.0)):
        if raw.get(key) is None:
            continue
        try:
            v = _num(raw[key])
            if not 0.0 <= v <= hi:
                raise ValueError(f"must be between 0 and {hi:g}")
            own[key] = v
        except (ValueError, TypeError) as e:
            warn(f"{where} {key}", raw[key], f"is not usable ({e})")
    return own


#: What a racer in a scene file may hold.
ENTRY_KEYS = frozenset({"optimizer", "label", "color", "hyper", "schedule", "noise", "sparsity"})


def _entry(raw, i: int, warnings: list[str], steps: int = 500) -> Entry | None:
    where = f"optimizer {i + 1}"
    if isinstance(raw, str):
        raw = {"optimizer": raw}
    if not isinstance(raw, dict):
        warnings.append(f"{where}: {quote(raw)} is not an optimizer; left out")
        return None
    name = raw.get("optimizer")
    if not isinstance(name, str) or name not in OPTIMIZERS:
        warnings.append(f"{where}: {quote(name)} is not a known optimizer "
                        f"({', '.join(OPTIMIZERS)}); left out")
        return None
    info = OPTIMIZERS[name]
    for k in raw:
        if k in info.spec:
            warnings.append(f"{where}: {quote(k)} belongs under \"hyper\" (it is one of "
                            f"{info.title}'s hyperparameters); ignored")
        elif k not in ENTRY_KEYS:
            warnings.append(f"{where}: {quote(k)} is not a racer's setting "
                            f"({', '.join(sorted(ENTRY_KEYS))}); ignored")
    hyper_in = raw.get("hyper", {}) or {}
    if not isinstance(hyper_in, dict):
        warnings.append(f"{where}: hyper {quote(hyper_in)} is not a mapping; using the defaults")
        hyper_in = {}
    hyper = {}
    for k, v in hyper_in.items():
        if k not in info.spec:
            warnings.append(f"{where}: {quote(k)} is not a hyperparameter of {info.title}; ignored")
            continue
        try:
            if info.spec[k].kind == "pair" and isinstance(v, str):
                v = [float(s) for s in v.replace("|", ",").split(",")]
            if info.spec[k].kind == "bool" and isinstance(v, str):
                v = {"true": True, "1": True, "false": False, "0": False}[v.strip().lower()]
            kept, clamped = info.spec[k].bounded(v)
            if clamped:  # above what the app runs: the nearest value it does
                shown = ", ".join(f"{x:g}" for x in kept) if isinstance(kept, tuple) else (
                    f"{kept:g}")
                warnings.append(f"{where} ({info.title}): {k} = {quote(v)} is beyond what this "
                                f"app accepts ({info.spec[k].bound_text()}); using {shown}")
                v = kept
            trial = {**hyper, k: v}
            info.validate(trial)
            hyper[k] = info.spec[k].check(v)
        except (ValueError, KeyError, TypeError, OverflowError) as e:
            msg = _why(e) if type(e) is ValueError else "too large" if isinstance(
                e, OverflowError) else "not usable"
            warnings.append(f"{where} ({info.title}): {k} = {quote(v)} rejected: {msg}; "
                            "using the default")
    try:
        hyper = _compact_hyper(name, hyper)
    except ValueError as e:  # a combination problem, e.g. Nesterov without momentum
        warnings.append(f"{where} ({info.title}): {_why(e)}; using the defaults")
        hyper = {}
    label = raw.get("label", "")
    label = label.strip()[:60] if isinstance(label, str) else ""
    color = raw.get("color", "")
    if not (isinstance(color, str) and len(color) == 7 and color.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in color[1:])):
        if color:
            warnings.append(f"{where}: colour {quote(color)} is not #RRGGBB; using the palette")
        color = ""
    return Entry(name, label, color, {k: tuple(v) if isinstance(v, list) else v
                                      for k, v in hyper.items()},
                 **_own_settings(raw, where, steps, warnings))


def normalized(scene: Scene) -> Scene:
    """The scene as the forgiving reader would rebuild it (compact hyperparameters)."""
    return from_dict(to_dict(scene))[0]

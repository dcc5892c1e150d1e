"""The forgiving reader: a scene from a plain dict or JSON that anyone may have written (a
share link, a preset file, a command line), never raising.

Each field that cannot be used falls back to its default, and a message naming it (the
rejected value quoted short and on one line) is returned in ``warnings`` so the caller can
show it. A race longer than its time budget is shortened, and said so first
(:func:`scene.budget.fit_race`).
"""

from __future__ import annotations

import json
import math
import re
import reprlib

from landscapes import DATA, FORMULA, SURFACES, get_surface
from landscapes.data import TOO_LARGE
from optimizers import OPTIMIZERS
from optimizers.schedules import SCHEDULES, resolve

from .budget import fit_race
from .labels import MAX_BATCH
from .model import (
    DEFAULT_VIEW,
    MAX_OPTIMIZERS,
    STEPS_LIMIT,
    Entry,
    Scene,
    default_scene,
    to_dict,
)


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
    scene.start = _read_start(data.get("start"), scene, warn)
    scene.steps = _read_steps(data, base, warn)
    scene.optimizers = _read_optimizers(data, base, scene.steps, warnings, warn)
    scene.schedule = _read_schedule(data.get("schedule", {"name": "constant"}), scene.steps,
                                    "schedule", warn)
    scene.test_shift = _read_test_shift(data.get("test_shift"), scene, warn)
    _read_noise_and_sparsity(data, scene, warn)
    scene.batch = _read_batch(data.get("batch"), "batch", warn)
    scene.seed = _read_seed(data, warn)
    view = data.get("view", {}) or {}
    if isinstance(view, dict):
        scene.view = _read_view(view, scene, warn)
    else:
        warn("view", view, "is not a mapping")
    scene.tuning = _read_tuning(data.get("tuning"), warn)
    for key in ("title", "claim"):
        if isinstance(data.get(key), str):
            if len(data[key]) > 500:
                warnings.append(f"{key}: longer than 500 characters; shortened")
            setattr(scene, key, data[key][:500])
    scene, over = fit_race(scene)  # a race within its time: fewer steps, said so
    if over is not None:  # first: of all the warnings, the one that changes the race most
        warnings.insert(0, f"steps: {over}")
    return scene, capped(warnings)


def _read_tuning(raw, warn) -> dict:
    """How racers are tuned: the criterion, and whether the second hyperparameter is tuned
    too and the race kept fair; the defaults left out."""
    from .tune import CRITERIA, DEFAULT_CRITERION

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        warn("tuning", raw, "is not a mapping")
        return {}
    out: dict = {}
    criterion = raw.get("criterion", DEFAULT_CRITERION)
    if criterion in CRITERIA:
        if criterion != DEFAULT_CRITERION:
            out["criterion"] = criterion
    else:
        warn("tuning.criterion", criterion, f"is not a criterion ({', '.join(CRITERIA)})")
    for key in ("second", "fair"):
        value = raw.get(key, False)
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "on", "yes")
        if not isinstance(value, bool):
            warn(f"tuning.{key}", value, "is not true or false")
        elif value:
            out[key] = True
    return out


def _read_tuned(raw, where: str, warnings: list[str]) -> dict | None:
    """A racer's tuning record, kept when it has the record's form (whether it still holds is
    :func:`scene.tune.mark`'s to say, against the scene it is in); another value is named in
    the warnings and left out (the racer keeps its settings, unmarked)."""
    from .tune import CRITERIA, DEFAULT, WHATS

    if raw is None:
        return None
    if isinstance(raw, dict):
        criterion, what, key = raw.get("criterion"), raw.get("what", "lr"), raw.get("key")
        if (criterion in CRITERIA or criterion == DEFAULT) and what in WHATS and isinstance(
                key, str) and len(key) == 10 and all(c in "0123456789abcdef" for c in key):
            rec = {"criterion": criterion, "what": what, "key": key}
            if raw.get("edge") in ("smallest", "largest"):
                rec["edge"] = raw["edge"]
            return rec
    shown = raw if not isinstance(raw, dict) else "/".join(str(v) for v in raw.values())
    warnings.append(f"{where}: tuned {quote(shown)} is not a tuning record (criterion/what/key); "
                    "ignored, the racer keeps its settings unmarked")
    return None


def _read_start(start, scene: Scene, warn) -> tuple[float, float] | None:
    """The start, when it is a point within the surface's limits (None: the surface's own)."""
    if start is None:
        return None
    try:
        x, y = (_num(v) for v in start)
        (xlo, xhi), (ylo, yhi) = scene.surface_obj().limit
        if not (xlo <= x <= xhi and ylo <= y <= yhi):
            raise ValueError("outside the surface's limits")
        return (x, y)
    except (ValueError, TypeError) as e:
        warn("start", start, f"is not a usable point ({e})")
        return None


def _read_steps(data: dict, base: Scene, warn) -> int:
    try:
        steps = _num(data.get("steps", base.steps), integer=True)
        if not 1 <= steps <= STEPS_LIMIT:
            raise ValueError(f"must be from 1 to {STEPS_LIMIT}")
        return steps
    except (ValueError, TypeError) as e:
        warn("steps", data.get("steps"), f"is not usable ({e})")
        return base.steps


def _read_optimizers(data: dict, base: Scene, steps: int, warnings: list[str],
                     warn) -> list[Entry]:
    """The racers (the default scene's when there is no list), the first
    :data:`MAX_OPTIMIZERS` of them, each unusable one left out."""
    entries = data.get("optimizers", None)
    if entries is None:
        return base.optimizers
    if not isinstance(entries, list):
        warn("optimizers", entries, "is not a list")
        return base.optimizers
    out = []
    for i, raw in enumerate(entries[:MAX_OPTIMIZERS]):
        entry = _entry(raw, i, warnings, steps)
        if entry is not None:
            out.append(entry)
    if len(entries) > MAX_OPTIMIZERS:
        warnings.append(f"optimizers: only the first {MAX_OPTIMIZERS} are kept")
    return out


def _read_test_shift(shift, scene: Scene, warn) -> tuple[float, float] | None:
    """The test surface's shift: at most a quarter of the map each way (None: no test)."""
    if isinstance(shift, str):
        shift = shift.split(",")
    if shift is None:
        return None
    try:
        dx, dy = (_num(v) for v in shift)
        (x0, x1), (y0, y1) = scene.surface_obj().bounds
        if abs(dx) > (x1 - x0) / 4 or abs(dy) > (y1 - y0) / 4:
            raise ValueError("more than a quarter of the map")
        return (dx, dy)
    except (ValueError, TypeError) as e:
        warn("test_shift", shift, f"is not a usable shift ({e})")
        return None


def _read_noise_and_sparsity(data: dict, scene: Scene, warn) -> None:
    """The scene's gradient noise, and its sparsity: one probability, or one for x and one
    for y (``"0.9,0"`` in a link); each unusable one stays at the scene's default."""
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


def _read_seed(data: dict, warn) -> int:
    try:
        seed = _num(data.get("seed", 0), integer=True)
        if not 0 <= seed < 2**32:
            raise ValueError("must be from 0 to 2^32 - 1")
        return seed
    except (ValueError, TypeError) as e:
        warn("seed", data.get("seed"), f"is not usable ({e})")
        return 0


def _read_view(view: dict, scene: Scene, warn) -> dict:
    """The view settings: the step shown, the arrows, the map's tab, the analysis view open
    under it and that view's own settings (the basins grid, the hyperparameter map's racer)."""
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
    return v


def _read_surface(data: dict, base: Scene, warn) -> tuple[str, dict]:
    """The surface name and parameters of a scene dict; each unusable field is warned about."""
    formula = data.get("formula")
    name = data.get("surface", FORMULA if formula is not None else base.surface)
    if formula is not None or name == FORMULA:
        return _read_formula(formula, data.get("surface_params"), base, warn)
    if name == DATA:
        return _read_data(data.get("surface_params"), base, warn)
    if not isinstance(name, str) or name not in SURFACES:
        warn("surface", name, f"is not a known surface ({', '.join(SURFACES)}), nor "
             f"{FORMULA!r} with a formula, nor {DATA!r} with a model and a dataset")
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


def _read_data(params, base: Scene, warn) -> tuple[str, dict]:
    """A data surface: its model, dataset, standardisation and seed; the model and dataset
    must make a surface together, or the scene keeps its default surface."""
    if not isinstance(params, dict):
        warn("surface_params", params, "is not a mapping")
        return base.surface, dict(base.surface_params)
    good = {}
    for k in ("model", "dataset", "rows"):
        if k in params:
            good[k] = params[k]
    rows = good.get("rows")
    if isinstance(rows, str) and rows.startswith(TOO_LARGE):
        warn("surface_params.rows", f"{rows[len(TOO_LARGE):]} rows",
             "were too large for a link: open the scene file, or upload the data again")
        return base.surface, dict(base.surface_params)
    try:
        get_surface(DATA, **good)
    except (ValueError, TypeError) as e:
        shown = {k: (v if k != "rows" else f"{str(v)[:40]}…") for k, v in good.items()}
        warn("surface_params", shown, f"cannot be used ({e})")
        return base.surface, dict(base.surface_params)
    for k, v in params.items():
        if k in good:
            continue
        try:
            get_surface(DATA, **{**good, k: _num(v, integer=True)})
            good[k] = _num(v, integer=True)
        except (ValueError, TypeError) as e:
            warn(f"surface_params.{k}", v, f"cannot be used ({e})")
    return DATA, good


def _read_batch(raw, where: str, warn) -> int | None:
    """A batch size: a whole number of rows from 1 to MAX_BATCH; None (or "full"): every row."""
    if raw is None or raw == "full":
        return None
    try:
        v = _num(raw, integer=True)
        if not 1 <= v <= MAX_BATCH:
            raise ValueError(f"must be a whole number of rows from 1 to {MAX_BATCH:,}")
        return int(v)
    except (ValueError, TypeError) as e:
        warn(where, raw, f"is not usable ({e})")
        return None


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
    """A racer's own schedule, noise, sparsity and batch size, each read like the scene's."""

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
    if raw.get("batch") is not None and (
            batch := _read_batch(raw["batch"], f"{where} batch", warn)) is not None:
        own["batch"] = batch
    return own


#: What a racer in a scene file may hold.
ENTRY_KEYS = frozenset({"optimizer", "label", "color", "hyper", "schedule", "noise", "sparsity",
                        "batch", "tuned"})


def _entry(raw, i: int, warnings: list[str], steps: int = 500) -> Entry | None:
    where = f"optimizer {i + 1}"
    if isinstance(raw, str):
        raw = {"optimizer": raw}
    if not isinstance(raw, dict):
        warnings.append(f"{where}: {quote(raw)} is not an optimizer; left out")
        return None
    name = raw.get("optimizer")
    if not isinstance(name, str) or name not in OPTIMIZERS:
        known = ", ".join(OPTIMIZERS)  # the first names only, once the list outgrows a warning
        if len(known) > 150:
            known = f"{known[:known.rfind(', ', 0, 150)]}, … {len(OPTIMIZERS)} in all"
        warnings.append(f"{where}: {quote(name)} is not a known optimizer ({known}); left out")
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
                 **_own_settings(raw, where, steps, warnings),
                 tuned=_read_tuned(raw.get("tuned"), where, warnings))


def normalized(scene: Scene) -> Scene:
    """The scene as the forgiving reader would rebuild it (compact hyperparameters)."""
    return from_dict(to_dict(scene))[0]


def _read_analysis(view: dict, v: dict, scene: Scene, warn) -> None:
    """The analysis view a scene opens under the map (``view["analysis"]``) and every view's
    own settings (:data:`scene.views.VIEWS`), into ``v``."""
    from .views import VIEWS, settings  # the views read settings with this module's helpers

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

"""The share URL: a scene as compact, readable query parameters, and back.

    ?surface=ravine&sp=condition:50;angle:30&start=-8,3&steps=300
     &opt=sgd;lr=0.02&opt=momentum;lr=0.02&opt=adam;lr=0.3;label=Adam fast
     &sched=warmup_cosine;warmup=30&noise=0.5&seed=4

A formula of the user's own is ``f`` (``surface=formula`` may be left out) with its ranges in
``sp``: ``?f=x^2+3*y^2&sp=xmin:-2;xmax:2;ymin:-1;ymax:1``.

Each ``opt`` is one racer: the optimizer's name, then ``key=value`` pairs separated by ``;`` for
the hyperparameters that differ from torch's defaults (``betas=0.9,0.999``), its ``label`` and
``color``. A ``preset`` parameter names the preset the scene came from, ``lesson`` and
``slide`` a lesson's slide, ``present`` presentation mode: the scene readers here ignore them,
and :func:`scene.link.read_link` (what the page and the command line use) reads them with the
scene. ``view`` names the analysis
view open under the map (``basins``, ``sensitivity`` or ``hyper``: :mod:`scene.analysis`),
``grid`` the basins' starts per side when not 200, and ``racer`` which racer the
hyperparameter map is for (1 = the first listed) when not the first it can map.
Numbers are written with
Python's shortest round-trip ``repr``, so a scene read back from its URL is exactly the same
scene. Reading never raises: each bad field falls back to its
default and is named in the returned warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from landscapes.data import LINK_ROWS_TEXT, TOO_LARGE

from . import Scene, capped, default_scene, from_dict, quote, to_dict
from .tune import DEFAULT_CRITERION


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, list | tuple):
        return ",".join(_fmt(x) for x in v)
    return repr(v) if isinstance(v, float) else str(v)


def _kv(d: dict) -> str:
    return ";".join(f"{k}={_fmt(v)}" for k, v in d.items())


def to_query(scene: Scene) -> dict[str, str | list[str]]:
    """Query parameters for a scene (values are strings; ``opt`` is a list)."""
    d = to_dict(scene)
    q: dict[str, str | list[str]] = {"surface": d["surface"]}
    if "formula" in d:
        q["f"] = d["formula"]
    if d["surface_params"]:
        params = dict(d["surface_params"])
        rows = params.get("rows")
        if isinstance(rows, str) and len(rows) > LINK_ROWS_TEXT:  # the file holds them
            params["rows"] = f"{TOO_LARGE}{rows.count('_') + 1}"
        q["sp"] = ";".join(f"{k}:{_fmt(v)}" for k, v in params.items())
    if d["start"] is not None:
        q["start"] = _fmt(d["start"])
    q["steps"] = str(d["steps"])
    opts = []
    for e in d["optimizers"]:
        parts = dict(e["hyper"])
        if e["label"]:
            parts["label"] = e["label"].replace("%", "%25").replace(";", "%3B")
        if e["color"]:
            parts["color"] = e["color"]
        # A racer's own schedule, noise and sparsity: sched=warmup_linear/warmup:100
        if e.get("schedule") is not None:
            own = dict(e["schedule"])
            parts["sched"] = own.pop("name", "constant") + "".join(
                f"/{k}:{_fmt(v)}" for k, v in own.items())
        for key in ("noise", "sparsity", "batch"):
            if e.get(key) is not None:
                parts[key] = e[key]
        if e.get("tuned"):  # tuned=final/lr-momentum/3f2a…: criterion, what, key
            t = e["tuned"]
            parts["tuned"] = "/".join((t["criterion"], _what_link(t["what"]), t["key"],
                                       *([t["edge"]] if t.get("edge") else [])))
        opts.append(e["optimizer"] + (";" + _kv(parts) if parts else ""))
    q["opt"] = opts if opts else ["none"]
    sched = dict(d["schedule"])
    name = sched.pop("name", "constant")
    if name != "constant" or sched:
        q["sched"] = name + (";" + _kv(sched) if sched else "")
    for key in ("noise", "sparsity"):
        if d[key]:
            q[key] = _fmt(d[key])
    if d["seed"]:
        q["seed"] = str(d["seed"])
    if d.get("batch") is not None:
        q["batch"] = str(d["batch"])
    if d.get("tuning"):  # tune=worst/second/fair
        t = d["tuning"]
        q["tune"] = "/".join([t.get("criterion", DEFAULT_CRITERION),
                              *(k for k in ("second", "fair") if t.get(k))])
    if d.get("test_shift") is not None:
        q["test"] = _fmt(d["test_shift"])
    view = d["view"]
    if view.get("step") is not None:
        q["step"] = str(view["step"])
    if view.get("arrows"):
        q["arrows"] = "1"
    if view.get("tab", "map") != "map":
        q["tab"] = view["tab"]
    if view.get("analysis"):
        q["view"] = view["analysis"]
    for key in _view_keys():  # the analysis views' own settings
        if view.get(key) is not None:
            q[key] = str(view[key])
    return q


def _what_link(what: str) -> str:
    """What a tuning set, in a link's words ("lr-beta1": no "+", which reads as a space)."""
    return what.replace("+", "-").replace("β1", "beta1")


def _what_read(text: str) -> str:
    return text.replace("-", "+").replace("beta1", "β1")


def encode(query: dict) -> str:
    """A query dict (as from :func:`to_query`) as a readable query string, without the "?"."""
    return urlencode(query, doseq=True, safe=",;:=()/")


def to_query_string(scene: Scene) -> str:
    return encode(to_query(scene))


def _parse_kv(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(";"):
        if not part:
            continue
        k, sep, v = part.partition("=")
        if not sep:
            k, sep, v = part.partition(":")
        out[k.strip()] = v.strip()
    return out


def _one(v) -> str | None:
    if isinstance(v, list | tuple):
        return str(v[-1]) if v else None
    return None if v is None else str(v)


def from_query(params: Mapping) -> tuple[Scene, list[str]]:
    """Rebuild a scene from query parameters (a mapping of str to str or list of str, such as
    ``st.query_params.to_dict()`` or ``parse_qs``). Never raises."""
    try:
        return _from_query(params)
    except Exception as e:  # noqa: BLE001 - a share link must never break the page
        return default_scene(), [f"link: could not be read ({type(e).__name__}); "
                                 "showing the default scene"]


def _view_keys() -> list[str]:
    """The analysis views' own settings (``grid``, ``racer``): :data:`scene.views.VIEWS`."""
    from .views import settings

    return [s.key for s in settings()]


def _from_query(params: Mapping) -> tuple[Scene, list[str]]:
    d: dict = {}
    warnings: list[str] = []
    known = {"surface", "f", "sp", "start", "steps", "opt", "sched", "noise", "sparsity", "seed",
             "batch",
             "step", "arrows", "tab", "view", "preset", "present", "lesson", "slide", "test",
             "tune",
             *_view_keys(),
             # Streamlit's own: the page embedded in another site's frame (a display option,
             # as present= is; a file has no page to embed, so it changes nothing there)
             "embed", "embed_options"}
    for key in params:
        if key not in known:
            warnings.append(f"{quote(key)} is not a scene setting; ignored")
    if (s := _one(params.get("surface"))) is not None:
        d["surface"] = s
    if (f := _one(params.get("f"))) is not None:
        d["formula"] = f
    if (sp := _one(params.get("sp"))) is not None:
        d["surface_params"] = _parse_kv(sp)
    if (start := _one(params.get("start"))) is not None:
        d["start"] = start.split(",")
    if (steps := _one(params.get("steps"))) is not None:
        d["steps"] = steps
    opts = params.get("opt")
    if opts is not None:
        opts = [opts] if isinstance(opts, str) else list(opts)
        entries = []
        for o in opts:
            o = str(o)
            if o == "none":
                continue
            name, _, rest = o.partition(";")
            kv = _parse_kv(rest)
            entry = {"optimizer": name.strip(), "label": unquote(kv.pop("label", "")),
                     "color": kv.pop("color", "")}
            if "sched" in kv:
                sname, *pairs = kv.pop("sched").split("/")
                entry["schedule"] = {"name": sname.strip(),
                                     **{k.strip(): v.strip() for k, _, v in
                                        (p.partition(":") for p in pairs)}}
            for key in ("noise", "sparsity", "batch"):
                if key in kv:
                    entry[key] = kv.pop(key)
            if "tuned" in kv:
                criterion, _, rest = kv.pop("tuned").partition("/")
                what, _, rest = rest.partition("/")
                key, _, edge = rest.partition("/")
                entry["tuned"] = {"criterion": criterion, "what": _what_read(what), "key": key,
                                  **({"edge": edge} if edge else {})}
            entry["hyper"] = kv
            entries.append(entry)
        d["optimizers"] = entries
    if (sched := _one(params.get("sched"))) is not None:
        name, _, rest = sched.partition(";")
        d["schedule"] = {"name": name.strip(), **_parse_kv(rest)}
    for key in ("noise", "sparsity", "seed", "batch"):
        if (v := _one(params.get(key))) is not None:
            d[key] = v
    if (test := _one(params.get("test"))) is not None:
        d["test_shift"] = test
    if (tune := _one(params.get("tune"))) is not None:
        criterion, *flags = tune.split("/")
        d["tuning"] = {"criterion": criterion, **{f: True for f in flags if f in
                                                  ("second", "fair")}}
        for flag in flags:
            if flag not in ("second", "fair"):
                warnings.append(f"tune: {quote(flag)} is not a tuning option (second, fair); "
                                "ignored")
    view = {}
    if (step := _one(params.get("step"))) is not None:
        view["step"] = step
    if (arrows := _one(params.get("arrows"))) is not None:
        view["arrows"] = arrows in ("1", "true")
    if (tab := _one(params.get("tab"))) is not None:
        view["tab"] = tab
    if (analysis := _one(params.get("view"))) is not None:
        view["analysis"] = analysis
    for key in _view_keys():
        if (value := _one(params.get(key))) is not None:
            view[key] = value
    d["view"] = view
    scene, more = from_dict(d)
    return scene, capped(warnings + more)


def link_query(url: str) -> dict[str, list[str]]:
    """The query of a full share URL (or just its query string) as ``{key: [values]}``."""
    query = urlsplit(url).query if "?" in url or "://" in url else url.lstrip("?")
    return parse_qs(query, keep_blank_values=True)


def from_url(url: str) -> tuple[Scene, list[str]]:
    """Rebuild a scene from a full share URL (or just its query string), without the preset,
    lesson and slide it may name (:func:`scene.link.read_link` reads those). Never raises."""
    try:
        return from_query(link_query(url))
    except Exception as e:  # noqa: BLE001
        return default_scene(), [f"link: could not be read ({type(e).__name__}); "
                                 "showing the default scene"]

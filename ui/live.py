"""The live routes: paths for a scene while the pointer drags, without a Streamlit rerun.

The page is served by Streamlit's ``st.App`` (see ``app.py``) with two routes beside it:

``POST /live/race``
    Body: JSON ``{"scene": {...}}`` (a scene as in scene files, see :func:`scene.to_dict`),
    optionally with the one value being dragged: ``"start": [x, y]`` (a new start point), or
    ``"racer": i, "lr": v`` (racer ``i``'s learning rate). The scene is read by the same
    reader as share links and scene files (:func:`scene.from_dict`), with the same caps on
    steps, racers and labels; but where that reader falls back to a default, this route
    refuses: any unusable field is a ``400`` answer ``{"error": "...", "field": "..."}``.
    A body over :data:`MAX_BODY` bytes is a ``413``, a body that is not JSON a ``400``.

    Only the app's own pages may ask (see :mod:`ui.guard`): the body must be sent as
    ``application/json`` (else ``415``) with the token the page got from the server in the
    ``X-Race-Token`` header (else ``403``). A body not sent whole within :data:`BODY_SECONDS`
    is a ``408``. Computations run on a few worker threads, one per core, taken by the
    sessions in turn: a session has at most one request computing and one waiting (a newer
    request replaces the waiting one, which is answered ``409``), and when too many sessions
    already wait, or every worker has been held too long, the answer is a quick ``503`` with
    ``Retry-After``. Every refusal is JSON ``{"error": "...", "field": "..."}``.

    Answer: ``application/octet-stream``, a little-endian ``uint32`` header length ``L``, ``L``
    bytes of UTF-8 JSON, zero padding to a multiple of 8, then one binary buffer. The JSON
    (``{"steps", "start", "paths": [{label, color, status, diverged_at, x, y, loss, loss_y,
    lr}]}``) refers to arrays in the buffer as ``{"__buf__": [offset, count, dtype,
    shape]}``, exactly as the race player's own payload does: every array in float32 (what
    a picture needs; the legend prints three digits), packed for compression (``x4``, see
    :mod:`ui.packing`).

``GET /live/health``
    ``200`` while the workers are not stuck (``{"ok": true, "running", "waiting"}``), else
    ``503``: what a supervisor probes to restart a replica that stays stuck.

``GET /live/player/{version}/{file}``
    The race player's script, styles and plotting libraries, under a content hash, cached by
    the browser for a year (``Cache-Control: immutable``): a returning visitor downloads
    none of them again.

Answers are computed by the same compiled core as the page (:func:`scene.race.simulate`) and
kept in a small cache bounded in bytes, so dragging back over a point costs nothing.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import mimetypes
import re
import struct
from pathlib import Path

from figures.payload import loss_values
from scene import MAX_OPTIMIZERS, Scene, from_dict, to_dict, tune
from scene.race import simulate
from ui import guard
from ui.cache import BoundedCache
from ui.grid import route as grid_route
from ui.packing import Packer, clean, read
from ui.player_inline import inline_script

__all__ = ["MAX_BODY", "LiveError", "answer", "routes", "asset_version", "ASSET_PREFIX"]

_log = logging.getLogger(__name__)

#: Largest request body accepted, in bytes (a scene with every racer labelled is under 4 kB).
MAX_BODY = 32 * 1024
#: Longest racer label (the share-link reader shortens longer ones; this route refuses them).
MAX_LABEL = 60
#: Bytes of answers kept for repeated requests.
CACHE_BYTES = 48 * 1024 * 1024

#: Seconds a client has to send its whole body (a slower one is answered 408).
BODY_SECONDS = 10.0

ASSET_PREFIX = "/live/player"
#: The player's modules inlined into one classic script (:mod:`ui.player_inline`), served
#: beside them under this name.
BUNDLE = "player.bundle.js"
_FRONTEND = Path(__file__).resolve().with_name("player_frontend")
_SCENE_KEYS = {"surface", "formula", "surface_params", "start", "steps", "optimizers", "schedule",
               "noise", "sparsity", "seed", "batch", "view", "title", "claim", "test_shift",
               "tuning"}

#: The most seconds of computing a drag's answer may spend tuning the racers of a fair race
#: (estimated before it runs); beyond it the paths keep the racers' rates until the release,
#: when the page tunes them.
LIVE_TUNE_BUDGET = 0.15


class LiveError(ValueError):
    """A request the route refuses: ``field`` names what was wrong, ``status`` the HTTP code."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status

    def body(self) -> dict:
        return {"error": str(self), "field": self.field}


# --------------------------------------------------------------------------------------------
# Reading a request


def _finite(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LiveError(what, f"{what} must be a number")
    try:
        v = float(value)
    except OverflowError:
        raise LiveError(what, f"{what} is too large") from None
    if not math.isfinite(v):
        raise LiveError(what, f"{what} must be finite")
    return v


def read_request(data) -> Scene:
    """The scene a request asks for, with the dragged value applied. Raises :class:`LiveError`
    naming the first unusable field: a value above its bound (L-BFGS's ``max_eval`` over
    1000 names its racer and ``max_eval``), or a race over its budget of CPU time
    (:func:`scene.budget.estimate_seconds` over :data:`scene.budget.RACE_BUDGET`: ``steps``,
    the message naming what to lower)."""
    if not isinstance(data, dict):
        raise LiveError("body", "the body must be a JSON object with a 'scene'")
    unknown = set(data) - {"scene", "start", "racer", "lr"}
    if unknown:
        name = sorted(map(str, unknown))[0][:40]
        raise LiveError(name, f"{name!r} is not part of a request (scene, start, racer, lr)")
    raw = data.get("scene")
    if not isinstance(raw, dict):
        raise LiveError("scene", "'scene' must be a JSON object, as in a scene file")
    unknown = set(raw) - _SCENE_KEYS
    if unknown:
        name = sorted(map(str, unknown))[0][:40]
        raise LiveError(f"scene.{name}", f"{name!r} is not a scene setting")
    raw = dict(raw)
    entries = raw.get("optimizers", [])
    if isinstance(entries, list):
        if len(entries) > MAX_OPTIMIZERS:
            raise LiveError("optimizers", f"at most {MAX_OPTIMIZERS} racers, got {len(entries)}")
        for i, e in enumerate(entries):
            if isinstance(e, dict) and isinstance(e.get("label"), str) and len(
                    e["label"]) > MAX_LABEL:
                raise LiveError(f"optimizer {i + 1}", f"optimizer {i + 1}: label longer than "
                                f"{MAX_LABEL} characters")
    if "start" in data:
        start = data["start"]
        if not (isinstance(start, list) and len(start) == 2):
            raise LiveError("start", "start must be [x, y]")
        raw["start"] = [_finite(start[0], "start"), _finite(start[1], "start")]
    if "racer" in data or "lr" in data:
        racer = data.get("racer")
        if isinstance(racer, bool) or not isinstance(racer, int):
            raise LiveError("racer", "racer must be the index of a racer in the scene")
        if not isinstance(entries, list) or not 0 <= racer < len(entries):
            raise LiveError("racer", f"racer {racer} is not in the scene")
        entry = entries[racer]
        if isinstance(entry, str):
            entry = {"optimizer": entry}
        if not isinstance(entry, dict):
            raise LiveError("racer", f"racer {racer} is not an optimizer")
        hyper = entry.get("hyper") or {}
        if not isinstance(hyper, dict):
            raise LiveError(f"optimizer {racer + 1}", "hyper must be a mapping")
        entries = list(entries)
        entries[racer] = {**entry, "hyper": {**hyper, "lr": _finite(data.get("lr"), "lr")}}
        raw["optimizers"] = entries
    scene, warnings = from_dict(raw)
    if warnings:
        first = warnings[0]
        field = first.split(":", 1)[0].strip()[:40] if ":" in first else "scene"
        # The reader's fallback ("; using the default") does not apply here: the route refuses.
        message = re.sub(r"; (using the defaults?|using the palette|left out|ignored)$", "", first)
        raise LiveError(field, message[:300])
    return scene


# --------------------------------------------------------------------------------------------
# Computing and packing an answer


def fair(scene: Scene) -> Scene:
    """A fair race's scene with its racers tuned to the dragged start, as the page will tune
    them on release (the same search), when that fits :data:`LIVE_TUNE_BUDGET`."""
    criterion = scene.tuning.get("criterion", tune.DEFAULT_CRITERION)
    second = bool(scene.tuning.get("second"))
    if not tune.criteria(scene):
        return scene
    cost = 0.0
    for i in range(len(scene.optimizers)):
        if tune.mark(scene, i) != "tuned":
            cost += tune.cost_seconds(scene, i, criterion)
    if cost > LIVE_TUNE_BUDGET:
        return scene
    return tune.tune_all(scene, criterion, second, only_stale=True)[0]


def pack(scene: Scene) -> bytes:
    """Every racer's path, loss and status for ``scene``, in the answer's binary form."""
    race = simulate(scene)
    buf = Packer()
    paths = []
    schedule = race.schedule_active
    for r in race.racers:
        t = r.traj
        paths.append({
            "label": r.label, "color": r.color, "status": t.status,
            "diverged_at": clean(t.diverged_at),
            "off_map_at": t.off_map_at,
            "x": buf.add(t.xy[:, 0], "x4", "x"), "y": buf.add(t.xy[:, 1], "x4", "y"),
            "loss": buf.add(t.loss, "x4", "loss"),
            "loss_y": buf.add(loss_values(race.surface, t.loss), "x4", "loss_y"),
            "lr": buf.add(t.lr, "x4", "lr") if schedule and t.lr is not None else None,
        })
    x0, y0 = scene.start_point()
    head = json.dumps({"steps": scene.steps, "start": [float(x0), float(y0)], "paths": paths},
                      separators=(",", ":"), allow_nan=False).encode()
    pad = b"\0" * ((-(4 + len(head))) % 8)
    return struct.pack("<I", len(head)) + head + pad + buf.blob()


def unpack(data: bytes) -> dict:
    """An answer read back (for tests and scripts): the JSON with NumPy arrays in place."""
    (n,) = struct.unpack_from("<I", data)
    head = json.loads(data[4:4 + n])
    start = 4 + n + ((-(4 + n)) % 8)
    blob = data[start:]

    def walk(v):
        if isinstance(v, dict) and "__buf__" in v:
            return read(blob, v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(head)


_cache = BoundedCache(CACHE_BYTES)


def answer(body: bytes) -> tuple[int, bytes | dict]:
    """The route's answer to a request body: ``(200, bytes)`` or ``(4xx, error dict)``."""
    if len(body) > MAX_BODY:
        return 413, LiveError("body", f"the body is over {MAX_BODY} bytes", 413).body()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return 400, LiveError("body", "the body is not valid JSON").body()
    try:
        scene = read_request(data)
    except LiveError as e:
        return e.status, e.body()
    except (RecursionError, ValueError, TypeError, OverflowError) as e:
        return 400, LiveError("scene", f"the scene could not be read ({type(e).__name__})").body()
    if scene.tuning.get("fair") and "racer" not in data:
        scene = fair(scene)
    key = json.dumps(to_dict(scene), sort_keys=True)
    data = _cache.get(key)
    if data is None:
        try:
            data = pack(scene)
        except ValueError as e:  # an unusable combination the reader let through
            return 400, LiveError("scene", str(e)[:300]).body()
        _cache.put(key, data, len(data))
    return 200, data


# --------------------------------------------------------------------------------------------
# Starlette routes


def asset_version() -> str:
    """A hash of the player's files: part of their URL, so a new version is a new URL."""
    import hashlib

    digest = hashlib.sha256()
    for p in sorted(_FRONTEND.iterdir()):
        if p.is_file() and p.suffix != ".html":
            digest.update(p.name.encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()[:12]


def routes() -> list:
    """The routes ``app.py`` adds beside the page.

    Longer than most functions here for a reason: the handlers are closures over what is
    worked out once when the server starts (the assets' version and files, their compressed
    bytes) and over Starlette's classes, imported here so that importing this module (the
    tests, the page's script) does not import the server's stack."""
    import asyncio

    from starlette.concurrency import run_in_threadpool
    from starlette.requests import ClientDisconnect
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    version = asset_version()
    assets = {p.name: p.read_bytes for p in _FRONTEND.iterdir()
              if p.is_file() and p.suffix in (".js", ".css")}
    # The player's modules as one script, as the page loads them: one request instead of
    # twenty, and one compressed text (about 39 kB instead of 45 kB and twenty headers).
    assets[BUNDLE] = lambda: inline_script().encode()

    def refuse(e: LiveError | guard.Refused):
        headers = {"Cache-Control": "no-store"}
        if getattr(e, "retry", None) is not None:
            headers["Retry-After"] = str(e.retry)
        return JSONResponse(e.body(), status_code=e.status, headers=headers)

    async def read_body(request) -> bytes | None:
        """The whole body, or None when the client went away before sending it."""
        body = bytearray()
        try:
            async with asyncio.timeout(BODY_SECONDS):
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > MAX_BODY:
                        raise LiveError("body", f"the body is over {MAX_BODY} bytes", 413)
        except TimeoutError:
            raise LiveError("body", f"the body did not arrive within {BODY_SECONDS:g} s",
                            408) from None
        except ClientDisconnect:
            _log.warning("live: client went away after %d bytes of its body", len(body))
            return None
        return bytes(body)

    async def gone(request) -> None:
        """Returns when the client closes the connection (after its body was read)."""
        while (await request.receive())["type"] != "http.disconnect":
            pass

    async def health(request):
        pool = guard.gate()
        if pool.stuck():
            return refuse(guard.Refused("server", "every worker has been computing for over "
                                        f"{pool.stuck_after:g} s", 503))
        return JSONResponse({"ok": True, **pool.status()}, headers={"Cache-Control": "no-store"})

    async def race(request):
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if kind != "application/json":
                raise LiveError("content-type", "the body must be sent as application/json",
                                415)
            session = guard.check_token(request.headers.get(guard.TOKEN_HEADER))
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
                raise LiveError("body", f"the body is over {MAX_BODY} bytes", 413)
            body = await read_body(request)
            if body is None:
                return Response(status_code=400)  # nobody is left to read it
            watcher = asyncio.ensure_future(gone(request))
            try:
                status, out = await guard.gate().run(session, lambda b: answer(b), body,
                                                     watcher)
            finally:
                watcher.cancel()
        except (LiveError, guard.Refused) as e:
            return refuse(e)
        except guard.ClientGone:
            return Response(status_code=400)  # nobody is left to read it
        except Exception as e:  # noqa: BLE001 - said in one line, not as a traceback
            _log.warning("live: the paths could not be computed (%s: %s)",
                         type(e).__name__, str(e)[:200])
            return refuse(LiveError("server", "the paths could not be computed", 500))
        if status != 200:
            return JSONResponse(out, status_code=status)
        return Response(out, media_type="application/octet-stream",
                        headers={"Cache-Control": "no-store"})

    # Each file compressed once, at the strongest level: shared by every session on purpose,
    # bounded by the player's files, and written only on the event loop (one thread).
    packed: dict[str, bytes] = {}

    async def asset(request):
        name = request.path_params["name"]
        source = assets.get(name)
        if request.path_params["version"] != version or source is None:
            return JSONResponse({"error": "no such file", "field": "path"}, status_code=404)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = {"Cache-Control": "public, max-age=31536000, immutable",
                   "Vary": "Accept-Encoding"}
        if "gzip" not in request.headers.get("accept-encoding", ""):
            return Response(source(), media_type=kind, headers=headers)
        # Compressed once, not on every first visit: Plotly alone took the server 40 ms a visit
        # to compress, on the thread that also serves every session's messages.
        if name not in packed:
            packed[name] = await run_in_threadpool(gzip.compress, source(), 9, mtime=0)
        return Response(packed[name], media_type=kind,
                        headers={**headers, "Content-Encoding": "gzip"})

    return [Route("/live/race", race, methods=["POST"]), grid_route(),
            Route("/live/health", health, methods=["GET"]),
            Route(ASSET_PREFIX + "/{version}/{name}", asset, methods=["GET"])]

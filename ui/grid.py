"""The map's grids travel once per surface, not with every change.

A Streamlit rerun sends the race player's whole arguments again, and the surface's grids (the
map's contour grid, the 3-D grid, the test surface, the shaded undefined part) were two thirds
of them while only the paths had changed. Now the player's arguments carry the grids' address
instead, and the player fetches them from ``GET /live/grid`` once per surface; the browser
keeps them under that address (the address names the surface and the grids' digest).

The address describes the surface (``s``: its id, parameters and test shift, as a scene file
writes them), not a server's memory: any replica rebuilds the same grids from it, with the
same reader as scene files and the same builders as the page, and the digest (``g``) is the
same bytes' digest wherever it is computed.

The answer has the form of the live route's (:func:`ui.live.unpack` reads it): a little-endian
``uint32`` header length, the JSON header (``{"sig", "grids": {key: {"__buf__": …}}}``),
padding to 8 bytes, then the arrays.
"""

from __future__ import annotations

import hashlib
import json
import struct
from urllib.parse import urlencode

from figures.payload import surface_payload, test_grid
from landscapes.data import held_out
from scene import from_dict, to_dict
from ui import guard
from ui.cache import BoundedCache
from ui.packing import Packer

__all__ = ["GRID_KEYS", "split_surface", "grid_query", "grid_answer", "route"]

#: The surface payload's arrays that travel by address; ``x`` and ``y`` keep float64 (ticks and
#: hover read them), the grids 16 bits (``d2``, see :mod:`ui.packing`: what a picture needs,
#: a surface's grids in 30 kB compressed instead of 100).
GRID_KEYS = {"x": "f8", "y": "f8", "z": "d2", "x3d": "f8", "y3d": "f8", "z3d": "d2",
             "test_z": "d2", "undefined": "d2"}
#: Longest ``s`` accepted (a 500-character formula, percent-encoded, fits with room to spare).
MAX_QUERY = 4096
#: Answers kept for repeated requests (a surface's grids are about 0.15 MB).
CACHE_BYTES = 16 * 1024 * 1024
PATH = "/live/grid"
_SURFACE_KEYS = {"surface", "formula", "surface_params", "test_shift"}

_answers = BoundedCache(CACHE_BYTES)


def _pack(grids: dict) -> tuple[str, bytes]:
    packer = Packer()
    refs = {}
    for key, dtype in GRID_KEYS.items():
        if grids.get(key) is not None:
            ndim = 1 if key in ("x", "y", "x3d", "y3d") else 2
            refs[key] = packer.add(grids[key], dtype, f"surface.{key}", ndim)
    blob = packer.blob()
    sig = hashlib.blake2b(blob, digest_size=10)
    sig.update(json.dumps(refs, sort_keys=True).encode())
    sig = sig.hexdigest()
    head = json.dumps({"sig": sig, "grids": refs}, separators=(",", ":")).encode()
    pad = b"\0" * ((-(4 + len(head))) % 8)
    return sig, struct.pack("<I", len(head)) + head + pad + blob


def split_surface(surface: dict, query: str) -> tuple[dict, str, bytes]:
    """The surface payload without its grids, the grids' digest, and the grids packed as
    ``GET /live/grid`` answers them (for a page that is to get them without asking). ``query``
    is :func:`grid_query` of the scene: the rest of the grids' address, which names the grids
    (they are a function of it), so they are packed once per address, not on every rerun."""
    data = _answers.get(query)
    if data is None:
        _, data = _pack({k: v for k, v in surface.items() if k in GRID_KEYS})
        _answers.put(query, data, len(data))  # this server's next request is a hit too
    (n,) = struct.unpack_from("<I", data)
    sig = json.loads(data[4:4 + n])["sig"]
    rest = {k: v for k, v in surface.items() if k not in GRID_KEYS}
    rest["grid"] = {"url": "live/grid?" + urlencode({"s": query, "g": sig}), "sig": sig}
    return rest, sig, data


def grid_query(scene) -> str:
    """What names a scene's grids: its surface (or formula), the surface's parameters and its
    test shift, as a scene file writes them."""
    d = {k: v for k, v in to_dict(scene).items() if k in _SURFACE_KEYS}
    return json.dumps(d, sort_keys=True, separators=(",", ":"))


def grid_answer(query: str) -> tuple[int, bytes | dict]:
    """``(200, bytes)`` with the grids ``query`` names, or ``(4xx, error dict)``."""
    if len(query) > MAX_QUERY:
        return 414, {"error": f"the surface's description is over {MAX_QUERY} characters",
                     "field": "s"}
    data = _answers.get(query)
    if data is not None:
        return 200, data
    try:
        raw = json.loads(query)
    except (ValueError, RecursionError):
        return 400, {"error": "the surface's description is not valid JSON", "field": "s"}
    if not isinstance(raw, dict) or set(raw) - _SURFACE_KEYS:
        return 400, {"error": "the surface's description has other keys than "
                              + ", ".join(sorted(_SURFACE_KEYS)), "field": "s"}
    scene, warnings = from_dict(raw)
    if warnings:
        return 400, {"error": warnings[0][:300], "field": "s"}
    surface = scene.surface_obj()
    grids = surface_payload(surface)
    if scene.test_shift is not None or held_out(surface) is not None:
        grids["test_z"] = test_grid(surface, scene.test_shift)
    _, data = _pack(grids)
    _answers.put(query, data, len(data))
    return 200, data


def route():
    """``GET /live/grid?s=…&g=…``: the grids, cached by the browser under their address.

    Like the live route it answers the app's own pages only (the page's token in the
    ``X-Race-Token`` header), and grids not kept already are built by the live route's
    workers, each session in its turn (:mod:`ui.guard`), never on the event loop."""
    import asyncio

    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def refuse(e):
        headers = {"Cache-Control": "no-store"}
        if getattr(e, "retry", None) is not None:
            headers["Retry-After"] = str(e.retry)
        return JSONResponse(e.body(), status_code=e.status, headers=headers)

    async def gone(request) -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    async def grid(request):
        query = request.query_params.get("s")
        try:
            session = guard.check_token(request.headers.get(guard.TOKEN_HEADER))
        except guard.Refused as e:
            return refuse(e)
        if not query:
            return JSONResponse({"error": "no surface named", "field": "s"}, status_code=400)
        if len(query) <= MAX_QUERY and (data := _answers.get(query)) is not None:
            status, out = 200, data
        else:
            watcher = asyncio.ensure_future(gone(request))
            try:  # a session's grid and its paths do not take each other's turn
                status, out = await guard.gate().run(f"{session}:grid", grid_answer, query,
                                                     watcher)
            except guard.Refused as e:
                return refuse(e)
            except guard.ClientGone:
                return Response(status_code=400)
            finally:
                watcher.cancel()
        if status != 200:
            return JSONResponse(out, status_code=status)
        # The address holds the grids' digest: the same address is the same bytes for as long
        # as this server answers it so. A digest this server would not give (another version
        # of the app behind the same name) is answered but not kept by the browser.
        (n,) = struct.unpack_from("<I", out)
        sig = json.loads(out[4:4 + n])["sig"]
        keep = "public, max-age=31536000, immutable" if request.query_params.get("g") == sig \
            else "no-store"
        return Response(out, media_type="application/octet-stream",
                        headers={"Cache-Control": keep})

    return Route(PATH, grid, methods=["GET"])

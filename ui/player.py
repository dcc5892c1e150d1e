"""Race player: animate optimizer paths on a loss surface in the browser.

``race_player(payload, key=...)`` shows one interactive widget made of

* a toolbar: Play/Pause, a speed selector (0.25x to 4x; at 1x a whole run
  takes about eight seconds, whatever its length), a step scrubber and a
  "step k / N" readout;
* a legend with one chip per optimizer (click a chip to hide or show that
  path everywhere) showing its live loss, and "diverged at step k" once the
  animation reaches that point (on narrow chips a badge "✕ k", the sentence on
  hover); a name keeps at least its first eight characters;
* the **Map** (filled contours, minima, saddles, the start point, every path
  drawn up to the current step with a large marker at its current position)
  and the **3-D** view (the loss surface with the paths lying on it), as tabs
  in narrow layouts and side by side when there is room;
* the loss-vs-step plot (one line per path, a cursor at the current step) and,
  when asked for, a learning-rate panel sharing its step axis.

The animation runs entirely in the browser: every path is sent once and the
page draws the prefix up to the current step on each animation frame, so
runs of 10,000 steps play smoothly.

Dragging on the map moves the start point and every path follows the pointer;
each chip has a learning-rate slider (a log grid: a drag moves it one step per
8 px, by mouse or finger, and the arrow keys one step per press) that does the
same for its racer. While the pointer is down the paths come from the
app's live route (``ui.live``), not from a rerun; on release the new value is
returned as an event. Without the route (the player served on its own) the
start and the rate still change on release.

Return value
------------
The last event the user made, or ``None`` before the first one:

* ``{"event": "click", "x": float, "y": float, "nonce": int}`` - the user
  clicked the map at data coordinates (x, y), or dragged the start there and
  let go: move the start point there.
* ``{"event": "lr", "racer": int, "lr": float, "nonce": int}`` - the user set
  racer ``racer``'s (index into ``paths``) learning rate on its chip.
* ``{"event": "step", "step": int, "nonce": int}`` - playback stopped
  (Pause, end of the run) or the user released the scrubber at ``step``.

``nonce`` grows with every event, so two clicks on the same spot differ.
The value stays the same across reruns until the next event: remember the
last nonce you handled.

Payload
-------
A dict; arrays may be lists or NumPy arrays. Non-finite numbers are allowed
in path arrays (a diverged path simply stops at its last finite point).

``surface`` (dict)
    ``title`` (str); ``x`` (nx), ``y`` (ny), ``z`` (ny rows of nx): the
    contour grid, about 150 x 150; ``log`` (bool): ``z`` is already on a log
    scale, e.g. ``log10(f - f_min + eps)`` - the player only labels it;
    ``zlabel`` (str): colour-bar label; ``x3d``, ``y3d``, ``z3d``: a coarser
    grid (about 60 x 60) of the loss (on ``zscale``, below, when given) for
    the 3-D view (optional: the
    contour grid is used when missing); ``minima`` and ``saddles``: lists of
    ``[x, y, f]``; ``xrange``, ``yrange``: ``[lo, hi]`` of the map (optional:
    the grid extent by default); ``equal_aspect`` (optional bool): draw x and
    y at the same scale - by default when the two ranges differ by at most a
    factor 4, so that gradients look perpendicular to the contours (otherwise y
    is stretched at most twice as much as x).
    The map's specification (optional, as :func:`figures.mapspec.map_spec`
    writes it; without it the player uses its own colours and marks every
    minimum alike): ``colorscale`` (``[[stop, "#rrggbb"], ...]``) and
    ``contour_line``; ``markers``: ``[{"kind", "x", "y", "f", "z"}, ...]``,
    kind ``"global"``, ``"local"`` or ``"saddle"`` (drawn instead of
    ``minima`` and ``saddles``), ``z`` its height in 3-D; ``marker_styles``:
    ``{kind: {"label", "symbol", "symbol3d", "size", "fill", "line",
    "line_width"}}``; ``map_key``: ``[{"kind", "label"}, ...]``, the entries
    of the key above the map; ``zscale``: ``{"log", "f_star", "floor", ...}``
    - when ``log``, ``z3d`` is ``log10(f - f_star + floor)`` and the 3-D view
    puts the paths' losses on that scale too.
``paths`` (list of dicts)
    ``label`` (str), ``color`` ("#RRGGBB"); ``symbol`` and ``dash`` (optional): the
    racer's marker shape and line dash by Plotly's names (``"square"``, ``"dot"``), as
    :data:`figures.mapspec.RACER_SYMBOLS` and ``RACER_DASHES`` give them (a circle and a
    solid line by default), drawn at its current point on the map and the loss plot, on its
    loss line and on its legend chip; ``x``, ``y``: positions, one per
    point (point 0 is the start, point k is after k updates); ``loss``: true
    loss per point (may be negative; the 3-D view uses it); ``loss_y``: what
    the loss plot shows, strictly positive when ``loss_log`` (default:
    ``loss``); ``lr``: learning rate used by each update (update i leads from
    point i to point i+1; ``None`` when not tracked); ``status``:
    ``"completed"``, ``"diverged"`` or ``"left"`` (left the map going downhill);
    ``diverged_at``: the step that stopped the run, or ``None``;
    ``arrows``: ``None`` or ``{"grad": [[gx, gy], ...], "update": [[dx, dy],
    ...]}``, one pair per update - when present, pausing draws the next
    update and the steepest-descent direction at each current point.
    Optional, read out in presentation mode: ``reach``, the step the run first
    reaches the global minimum (``None``: never); ``test_loss``, the loss at each
    point on the test surface.
``steps`` (int)
    Number of updates requested; paths may be shorter when they diverged.
``loss_label`` (str), ``loss_log`` (bool)
    Title and scale of the loss axis.
``show_lr`` (bool)
    Draw the learning-rate panel below the loss plot.
``start`` ([x, y])
    Start point, drawn as a ring on the map and in 3-D.
``step`` (int, optional)
    Scrubber position to show; the end of the run by default. A new value
    moves the scrubber; otherwise the position is kept across reruns
    (clamped), and it jumps to the end when ``steps`` changes.
``revision`` (any JSON value, optional)
    Change it when the scene changes (another surface); as long as it stays
    the same, the user's 2-D zoom and 3-D camera survive reruns.
``theme`` (dict, optional)
    ``{"font_size": int}``, 16 by default.
``live`` (dict, optional)
    ``{"scene": dict, "lr_grids": [[float, ...], ...], "lrs": [float, ...]}``:
    the scene the paths were computed for (as :func:`scene.to_dict` writes it),
    sent back to the live route with the dragged value; per path, the learning
    rates its chip's slider steps through, and its current learning rate. Without it the
    chips have no slider and drags change nothing until release. With it, the page gets a
    token for the live route, naming this Streamlit session (:func:`ui.guard.issue_token`),
    and sends it with every request; a request the route refuses (server busy, token
    expired) is said in the map's hint, and the drag then takes effect on release.

``present`` (bool), ``stage`` (dict, optional)
    Presentation mode: the player fills its window, the map as large as its
    aspect allows, with ``stage`` = ``{"title", "caption", "lesson": None or
    {"title", "slide", "slides", "text"}}`` written beside it in large type, and
    live read-outs of ``reach`` and ``test_loss``. Keys: Space plays, ``,``/``.``
    step, ``D`` switches Map and 3-D, Esc leaves; with a lesson ←/→,
    PageUp/PageDown and Home/End move slides (otherwise ←/→ step). A slide change is
    returned as ``{"event": "slide", "slide": int}``, leaving as
    ``{"event": "present", "on": False}``.

Unknown keys are passed through untouched.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from ui.guard import issue_token
from ui.keys import grids_sent_key
from ui.live import asset_version
from ui.wire import encode

__all__ = ["race_player", "frontend_dir"]

_SOURCE_DIR = Path(__file__).resolve().with_name("player_frontend")
_COMPONENT_NAME = "race_player"
_VERSION_TOKEN = "__ASSET_VERSION__"


# --------------------------------------------------------------------------
# Frontend directory: the committed files, with cache-busting versions in the page
# --------------------------------------------------------------------------


def _cache_base() -> Path:
    """A per-user, writable cache directory."""
    candidates = []
    if os.environ.get("XDG_CACHE_HOME"):
        candidates.append(Path(os.environ["XDG_CACHE_HOME"]))
    candidates.append(Path.home() / ".cache")
    uid = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    candidates.append(Path(tempfile.gettempdir()) / f"optimizer-race-{uid}")
    for base in candidates:
        target = base / "optimizer-race"
        try:
            target.mkdir(parents=True, exist_ok=True)
            probe = target / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError:
            continue
        return target
    raise RuntimeError("No writable cache directory for the race player frontend.")


def _atomic_write(dest: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _forget_old_versions(base: Path, keep: Path, days: float = 7.0) -> None:
    """Remove other versions' folders not touched for ``days``."""
    import shutil
    import time

    for old in base.glob("race-player*"):
        try:
            if old != keep and old.is_dir() and time.time() - old.stat().st_mtime > days * 86400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _sync_frontend() -> Path:
    """Build (or refresh) the directory Streamlit serves the player from."""
    sources = sorted(p for p in _SOURCE_DIR.iterdir() if p.is_file())
    contents = {p.name: p.read_bytes() for p in sources}
    # The same version names the files in the app's asset route (``ui.live``).
    version = asset_version().encode()
    # One folder per version of the files (the page included), so that two checkouts of the
    # app served side by side never overwrite each other's player.
    whole = hashlib.sha256(b"".join(n.encode() + b"\0" + d for n, d in contents.items()))
    base = _cache_base()
    target = base / f"race-player-{whole.hexdigest()[:12]}"
    target.mkdir(parents=True, exist_ok=True)
    _forget_old_versions(base, keep=target)

    for name, data in contents.items():
        if name.endswith(".html"):
            # Cache-busting query strings for the scripts and styles.
            data = data.replace(_VERSION_TOKEN.encode(), version)
        dest = target / name
        try:
            if dest.read_bytes() == data:
                continue
        except OSError:
            pass
        _atomic_write(dest, data)

    return target


_FRONTEND_DIR = _sync_frontend()


def frontend_dir() -> Path:
    """The directory the player's web page is served from."""
    return _FRONTEND_DIR


def _source_stamp() -> tuple:
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(_SOURCE_DIR.iterdir())
        if p.is_file()
    )


_SYNCED_STAMP = _source_stamp()
# The served directory and the stamp of the sources it was built from are the process's, shared
# by every session on purpose: the player's files are the same for all. Only a changed source
# (a developer's edit) or a cleaned cache rewrites them; the lock keeps that check and rebuild
# whole when two sessions draw the player at once.
_FRONTEND_LOCK = threading.Lock()


def _declare():
    global _FRONTEND_DIR, _SYNCED_STAMP
    with _FRONTEND_LOCK:
        stamp = _source_stamp()
        if (
            stamp != _SYNCED_STAMP
            or not (_FRONTEND_DIR / "index.html").is_file()
            or not (_FRONTEND_DIR / "plotly-race.min.js").is_file()
        ):
            _FRONTEND_DIR = _sync_frontend()
            _SYNCED_STAMP = stamp
        path = _FRONTEND_DIR
    # Declaring again is cheap and registers the component with the runtime
    # that runs the current script (the module may have been imported
    # before that runtime existed).
    return components.declare_component(_COMPONENT_NAME, path=str(path))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def race_player(payload: dict, *, key: str, height: int = 520,
                grid_query: str | None = None) -> dict | None:
    """Show the race player and return the user's last event (or None).

    Parameters
    ----------
    payload
        Scene and paths; see the module documentation for the format.
    key
        Streamlit widget key; keep it constant so the player (its zoom,
        camera and scrubber) survives reruns.
    height
        Height in pixels of the map and 3-D panels. The widget grows to fit
        its toolbar and the loss plots below them.
    grid_query
        Where the app serves the surface's grids (``ui.grid.grid_query`` of the scene): the
        player then fetches them once per surface from ``GET /live/grid`` instead of
        receiving them with every rerun. Without it (the player served on its own) they
        travel with the payload.
    """
    extras: dict = {}
    meta, blob = encode(payload, grid_query, extras)
    meta["panel_height"] = int(height)
    component = _declare()
    # The live route answers the app's own pages only: the page sends this token with each
    # request. It names the session (whose requests the route takes one at a time).
    token = issue_token(_session_id()) if payload.get("live") else None
    value = component(meta=meta, blob=blob, token=token, grids=_grids_to_send(key, meta, extras),
                      key=key, default=None)
    _repaint_on_reconnect()
    return value if isinstance(value, dict) else None


def _grids_to_send(key: str, meta: dict, extras: dict) -> bytes | None:
    """The surface's grids, packed, when this render is to carry them itself; else None.

    A page fetches a surface's grids by their address (``meta.surface.grid``), and its browser
    keeps them there, so a reload or a second visit sends them no more. When the surface
    changes under a page already drawn (a slider of the surface's parameters, say), the
    page needs the new grids at once, and fetching them would wait for this same run to finish
    on the server: such a render carries them (the same bytes, one round trip fewer). The
    first render of a session names them only (its browser may hold them already)."""
    grid = (meta.get("surface") or {}).get("grid")
    packed = extras.get("grids")
    if not grid or packed is None:
        return None
    seen = grids_sent_key(key)
    last = st.session_state.get(seen)
    st.session_state[seen] = grid["sig"]
    return packed if last is not None and last != grid["sig"] else None


@st.fragment(run_every=3600)
def _repaint_on_reconnect() -> None:
    """Draws nothing: a fragment that reruns itself (once an hour, at no cost) is what makes
    Streamlit's page ask for a run of the whole script as soon as its websocket reconnects.
    When a replica stops, its pages reconnect to another one, which starts a new session:
    that run rebuilds the scene from the link at once, so the page is drawn again without
    waiting for the user, and the user's next change is made on a session that already
    holds the scene (before, that first change was undone by the rebuild from the link)."""


def _session_id() -> str:
    """The Streamlit session running this script ("page" outside a session)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else "page"

"""Who may use the live route, and how its computations share the machine.

**Tokens.** The route answers the app's own pages only. Each page run gives the race player a
token, ``session.expiry.signature``: the Streamlit session's id, an expiry, and an HMAC-SHA256
of both with a server secret. The page sends it in the :data:`TOKEN_HEADER` header (a header,
not a cookie: a page embedded in another site's iframe may not send cookies). A header of its
own, like the JSON content type the route requires, is something a page of another site
cannot send without the browser asking the server first, which this server never allows. The
secret comes from :data:`SECRET_ENV`, shared by every replica behind one proxy so that any of
them accepts any page's token; without it each process draws its own.

**Views.** The page's analysis views (thousands of runs each) are computed by the page's own
script threads, one per session; :func:`view_slot` lets at most :data:`WORKERS` of them compute
at once, the others waiting their turn in order, so that ten sessions opening a basins view do
not take the processor from everyone else (nor the interpreter from the event loop).

**The gate.** Computations run on a few daemon threads, one per core (:class:`Gate`), never
on the event loop that serves the page, its static files and its websocket. A session has at
most one computation running and one waiting; a newer request replaces the waiting one.
Sessions take the workers in turn, so one page sending requests as fast as it can gets one
worker's share and forty pages get what the workers can give, no more: when
:data:`QUEUE_DEPTH` sessions already wait, or every worker has been held for longer than
:data:`STUCK_SECONDS`, a request is refused at once (503 with ``Retry-After``), which a proxy
answers by asking another replica.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections import deque
from contextlib import contextmanager

__all__ = ["Refused", "ClientGone", "Gate", "gate", "issue_token", "check_token",
           "TOKEN_HEADER", "TOKEN_SECONDS", "SECRET_ENV", "view_slot"]

#: Computations at once: one worker thread per core (``OPTRACE_LIVE_WORKERS`` overrides).
WORKERS = max(1, min(int(os.environ.get("OPTRACE_LIVE_WORKERS") or os.cpu_count() or 1), 16))
#: Sessions whose request may wait for a worker at once; more are told the server is busy.
QUEUE_DEPTH = 8 * WORKERS
#: Seconds a request may wait for a worker before it is told the server is busy.
WAIT_SECONDS = 5.0
#: A worker held this long by one computation counts as stuck; when every worker is, new
#: requests are refused at once and the health route answers 503.
STUCK_SECONDS = 20.0
#: The header that carries the page's token, and how long a token is good for.
TOKEN_HEADER = "X-Race-Token"
TOKEN_SECONDS = 4 * 3600
#: The environment variable with the secret tokens are signed with.
SECRET_ENV = "OPTRACE_SECRET"

BUSY = "the server is busy; try again in a moment"


class Refused(Exception):
    """A request the route turns away: ``status`` (403, 409, 503), ``field`` (what was wrong)
    and ``retry`` (seconds for ``Retry-After``, or None)."""

    def __init__(self, field: str, message: str, status: int, retry: int | None = None) -> None:
        super().__init__(message)
        self.field, self.status, self.retry = field, status, retry

    def body(self) -> dict:
        return {"error": str(self), "field": self.field}


class ClientGone(Exception):
    """The page closed its connection while its request waited."""


# --------------------------------------------------------------------------------------------
# Tokens


def _secret() -> bytes:
    given = os.environ.get(SECRET_ENV, "")
    return given.encode() if given else secrets.token_bytes(32)


_SECRET = _secret()
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _sign(message: str, secret: bytes) -> str:
    mac = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def issue_token(session: str, now: float | None = None, secret: bytes | None = None) -> str:
    """A token for the page of Streamlit session ``session``: ``session.expiry.signature``.

    The expiry is rounded to ten minutes, so a page's token (one of the player's arguments)
    changes only that often; it is good for :data:`TOKEN_SECONDS` and up to ten minutes more."""
    session = session if _SESSION.fullmatch(session or "") else "page"
    now = time.time() if now is None else now
    expiry = (int(now) // 600 + 1) * 600 + TOKEN_SECONDS
    body = f"{session}.{expiry}"
    return f"{body}.{_sign(body, _SECRET if secret is None else secret)}"


def check_token(token: str | None, now: float | None = None, secret: bytes | None = None) -> str:
    """The session a token was issued to; :class:`Refused` (403) when it is missing, forged
    or expired."""
    if not token:
        raise Refused("token", "this route answers the app's own pages only (no token)", 403)
    parts = token.split(".")
    if len(parts) != 3 or not _SESSION.fullmatch(parts[0]) or not parts[1].isdigit() \
            or len(parts[1]) > 12:
        raise Refused("token", "the token is not one this app issues", 403)
    expected = _sign(f"{parts[0]}.{parts[1]}", _SECRET if secret is None else secret)
    if not hmac.compare_digest(expected.encode(), parts[2].encode()):
        raise Refused("token", "the token is not one this app issues", 403)
    if int(parts[1]) < (time.time() if now is None else now):
        raise Refused("token", "the token has expired; reload the page", 403)
    return parts[0]


# --------------------------------------------------------------------------------------------
# The gate


class _Job:
    __slots__ = ("fn", "arg", "loop", "future", "queued", "started")

    def __init__(self, fn, arg, loop, future) -> None:
        self.fn, self.arg, self.loop, self.future = fn, arg, loop, future
        self.queued = time.monotonic()
        self.started: float | None = None

    def settle(self, result=None, error: BaseException | None = None) -> None:
        def put():
            if not self.future.done():
                if error is None:
                    self.future.set_result(result)
                else:
                    self.future.set_exception(error)
        try:
            self.loop.call_soon_threadsafe(put)
        except RuntimeError:  # the event loop is closed: nobody waits any more
            pass


class Gate:
    """Computations on ``workers`` daemon threads, shared fairly between sessions.

    Each session has at most one computation running and one waiting; a newer request of a
    session replaces its waiting one (which is refused with 409). Sessions with a request
    waiting are served in turn (round robin). At most ``depth`` sessions wait; beyond that,
    and while every worker has been held longer than ``stuck_after`` seconds, a request is
    refused at once (503); one that waits longer than ``wait`` seconds is refused then. The
    threads are daemons: stopping the server never waits for a computation."""

    def __init__(self, workers: int = WORKERS, depth: int = QUEUE_DEPTH,
                 stuck_after: float = STUCK_SECONDS, wait: float = WAIT_SECONDS) -> None:
        self.workers, self.depth, self.stuck_after, self.wait = workers, depth, stuck_after, wait
        self.cv = threading.Condition()
        self.waiting: dict[str, _Job] = {}
        self.ready: deque[str] = deque()
        self.running: dict[str, _Job] = {}
        self.threads = [threading.Thread(target=self._work, name=f"live-worker-{i}",
                                         daemon=True) for i in range(workers)]
        for th in self.threads:
            th.start()

    def stuck(self, now: float | None = None) -> bool:
        """Every worker held by one computation for longer than ``stuck_after``."""
        now = time.monotonic() if now is None else now
        with self.cv:
            held = sum(1 for j in self.running.values()
                       if j.started is not None and now - j.started > self.stuck_after)
        return held >= self.workers

    def status(self) -> dict:
        with self.cv:
            return {"running": len(self.running), "waiting": len(self.waiting)}

    def submit(self, session: str, fn, arg) -> _Job:
        """Queue ``fn(arg)`` for ``session``; ``job.future`` gets its result (or exception)."""
        loop = asyncio.get_running_loop()
        job = _Job(fn, arg, loop, loop.create_future())
        # A page that went away leaves its answer unread, and that is no error.
        job.future.add_done_callback(lambda f: f.cancelled() or f.exception())
        if self.stuck():
            raise Refused("server", "the server is busy with long computations; try again in "
                          "a moment", 503, retry=1)
        with self.cv:
            old = self.waiting.get(session)
            if old is None and len(self.waiting) >= self.depth:
                raise Refused("server", BUSY, 503, retry=1)
            self.waiting[session] = job
            if old is not None:
                old.settle(error=Refused("server", "replaced by a newer request of this page",
                                         409))
            elif session not in self.running and session not in self.ready:
                self.ready.append(session)
                self.cv.notify()
        return job

    def withdraw(self, session: str, job: _Job) -> bool:
        """Take back a job that has not started (its client went away or waited too long)."""
        with self.cv:
            if self.waiting.get(session) is job:
                del self.waiting[session]
                return True
            return False

    async def run(self, session: str, fn, arg, gone: asyncio.Future):
        """``fn(arg)`` computed for ``session`` in its turn. Raises :class:`Refused` when the
        server is busy (at once, or after waiting ``wait`` seconds for a worker) or a newer
        request of the session replaced this one, and :class:`ClientGone` when ``gone``
        completes first (the job is then dropped unless it has started)."""
        job = self.submit(session, fn, arg)
        deadline = job.queued + self.wait
        while not job.future.done():
            timeout = None if job.started is not None else max(0.01, deadline - time.monotonic())
            await asyncio.wait({job.future, gone}, timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)
            if job.future.done():
                break
            if gone.done():
                self.withdraw(session, job)
                raise ClientGone
            if job.started is None and time.monotonic() >= deadline and \
                    self.withdraw(session, job):
                raise Refused("server", BUSY, 503, retry=1)
        return job.future.result()

    def _work(self) -> None:
        while True:
            with self.cv:
                while True:
                    while not self.ready:
                        self.cv.wait()
                    session = self.ready.popleft()
                    job = self.waiting.pop(session, None)
                    if job is not None:
                        break
                job.started = time.monotonic()
                self.running[session] = job
            try:
                job.settle(result=job.fn(job.arg))
            except BaseException as e:  # handed to the request that asked
                job.settle(error=e)
            finally:
                with self.cv:
                    del self.running[session]
                    if session in self.waiting:
                        self.ready.append(session)
                        self.cv.notify()


# One gate for the process, shared by every session on purpose (it is what makes them take
# turns); made once, under the lock.
_gate: Gate | None = None
_gate_lock = threading.Lock()


def gate() -> Gate:
    """The process's gate, started on first use."""
    global _gate
    with _gate_lock:
        if _gate is None:
            _gate = Gate()
        return _gate


# --------------------------------------------------------------------------------------------
# The page's analysis views


class _Slots:
    """``n`` places, given in the order they were asked for."""

    def __init__(self, n: int) -> None:
        self.free = n
        self.cv = threading.Condition()
        self.queue: deque[object] = deque()

    def busy(self) -> bool:
        with self.cv:
            return self.free == 0 or bool(self.queue)

    @contextmanager
    def hold(self):
        me = object()
        with self.cv:
            self.queue.append(me)
            while self.queue[0] is not me or self.free == 0:
                self.cv.wait()
            self.queue.popleft()
            self.free -= 1
            self.cv.notify_all()
        try:
            yield
        finally:
            with self.cv:
                self.free += 1
                self.cv.notify_all()


_view_slots = _Slots(WORKERS)


def view_slot(waiting=None):
    """A place to compute an analysis view in, in turn with the other sessions' views. Calls
    ``waiting()`` first when the caller must wait (to say so on the page)."""
    if waiting is not None and _view_slots.busy():
        waiting()
    return _view_slots.hold()

"""A class at once: N sessions against one running app, over Streamlit's own protocol.

    python -m bench.bench_load --start-server [--sessions 1 8 16 30] [--changes 20]
    python -m bench.bench_load --url http://127.0.0.1:8501 [--mem-port 8501]

Each simulated session does what a student's browser does, with nothing drawn:

1. loads the page: ``GET /`` (keeping any cookie, as a browser does, so a proxy's sticky
   routing works), then the websocket ``/_stcore/stream`` with protobuf ``BackMsg`` and
   ``ForwardMsg`` messages from ``streamlit.proto``; *first load* is from the ``GET`` until
   the first script run has finished with the race player on the page;
2. opens the last racer's panel in the sidebar (an expander, a widget of its own);
3. changes that racer's learning rate ``--changes`` times, a step or two along the slider's
   grid each time, up or down at random, each a widget change by the slider's id and waiting
   for the rerun to finish (*per change*); ``--think`` seconds apart (default 0: the next
   change as soon as the last one is drawn, harsher than any class);
4. drags the start across the map: ``--drags`` requests to ``POST /live/race``, one after the
   other as the pointer moves (*live*), then the release, a rerun with the player's event.

The client keeps Streamlit's message cache as the browser does (it reports the hashes of the
large messages it holds, and the server sends references to them). An error is an exception
shown on the page, a run that does not finish within ``--timeout`` seconds, a closed
websocket, a live answer other than 200, or a widget that is not where the page puts it.
Server memory is the resident memory of the process listening on each ``--mem-port`` (the
URL's port by default, when the server runs on this machine) and of its child processes:
before the sessions and the highest seen while they run.

All of a round's sessions start at once. Wall-clock figures depend on what else the machine
runs, so each row also gives the server's CPU time (*server CPU*, and per script run, *a run*),
this client's own CPU time and the machine's load average when the round began.

Prints figures, asserts nothing; ``--json`` also writes them to a file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
FINISHED = ForwardMsg.ScriptFinishedStatus


# --------------------------------------------------------------------------------------------
# HTTP, as small as the bench needs


async def http(url: str, method: str = "GET", body: bytes | None = None,
               cookie: str = "", timeout: float = 60.0,
               headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One HTTP/1.1 request: ``(status, headers with lower-case names, body)``."""
    extra = headers or {}
    u = urlsplit(url)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(u.hostname, u.port or 80), timeout)
    try:
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {u.netloc}", "Connection: close",
                 "User-Agent: bench-load"]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in extra.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers[name] = (headers[name] + "\n" if name in headers else "") + value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        payload = _dechunk(payload)
    return int(status_line.split()[1]), headers, payload


def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        pos = end + 4 + size


def cookies_from(headers: dict) -> str:
    """The ``Cookie`` header a browser would send back after these response headers."""
    pairs = [c.split(";", 1)[0].strip() for c in headers.get("set-cookie", "").split("\n")]
    return "; ".join(p for p in pairs if "=" in p)


# --------------------------------------------------------------------------------------------
# One session


@dataclass
class Result:
    first_load: float | None = None
    panel: float | None = None
    changes: list[float] = field(default_factory=list)
    live: list[float] = field(default_factory=list)
    release: float | None = None
    received: int = 0
    runs: int = 0
    errors: list[str] = field(default_factory=list)


class SessionError(Exception):
    pass


class Session:
    """A browser tab, as the server sees it."""

    def __init__(self, base: str, query: str, seed: int, timeout: float,
                 think: float = 0.0) -> None:
        self.base = base.rstrip("/")
        self.think = think
        self.query = query
        self.rng = random.Random(seed)
        self.timeout = timeout
        self.cookie = ""
        self.result = Result()
        self.widgets: dict[str, object] = {}      # id -> the latest element or block proto
        self.states: dict[str, WidgetState] = {}  # widgets this user has set
        self.cache: dict[str, ForwardMsg] = {}    # the browser's message cache, by hash
        self.script_hash = ""
        self.finished: asyncio.Queue[int] = asyncio.Queue()
        self.ws = None

    # -- the websocket ------------------------------------------------------------------------

    def _on_message(self, data: bytes) -> None:
        self.result.received += len(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                self.result.errors.append("a reference to a message this client never had")
                return
            msg, kind = cached, cached.WhichOneof("type")
        elif msg.metadata.cacheable:
            self.cache[msg.hash] = msg
        if kind == "new_session":
            self.script_hash = msg.new_session.main_script_hash
        elif kind == "script_finished":
            self.finished.put_nowait(msg.script_finished)
        elif kind == "delta":
            self._on_delta(msg.delta)

    def _on_delta(self, delta) -> None:
        if delta.WhichOneof("type") == "add_block":
            block = delta.add_block
            if block.WhichOneof("type") == "expandable" and block.expandable.id:
                self.widgets[block.expandable.id] = block.expandable
            return
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            text = f"{el.exception.type}: {el.exception.message}"[:200]
            self.result.errors.append(f"exception on the page: {text}")
        elif kind in ("slider", "component_instance"):
            proto = getattr(el, kind)
            self.widgets[proto.id] = proto

    async def _reader(self) -> None:
        try:
            async for data in self.ws:
                self._on_message(data)
        except websockets.ConnectionClosed:
            pass
        self.finished.put_nowait(-1)

    async def rerun(self) -> float:
        """Ask for a run with the widget states set so far; seconds until it has finished."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.script_hash
        cs.widget_states.widgets.extend(self.states.values())
        cs.cached_message_hashes.extend(self.cache)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/?{self.query}"
        t = time.perf_counter()
        self.result.runs += 1
        await self.ws.send(msg.SerializeToString())
        while True:
            status = await asyncio.wait_for(self.finished.get(), self.timeout)
            if status == FINISHED.FINISHED_SUCCESSFULLY:
                return time.perf_counter() - t
            if status == -1:
                raise SessionError("the websocket was closed")
            if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                raise SessionError("the script did not compile")

    def _find(self, suffix: str, kind: str | None = None):
        for wid, proto in reversed(self.widgets.items()):
            if wid.endswith(suffix) and (kind is None or type(proto).__name__ == kind):
                return wid, proto
        raise SessionError(f"no widget with an id ending in {suffix!r} on the page")

    # -- what a student does ------------------------------------------------------------------

    async def load(self) -> None:
        t = time.perf_counter()
        status, headers, _ = await http(self.base + "/?" + self.query, cookie=self.cookie,
                                        timeout=self.timeout)
        if status != 200:
            raise SessionError(f"GET / answered {status}")
        self.cookie = cookies_from(headers) or self.cookie
        u = urlsplit(self.base)
        scheme = "wss" if u.scheme == "https" else "ws"
        extra = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = await asyncio.wait_for(websockets.connect(
            f"{scheme}://{u.netloc}{u.path}/_stcore/stream", subprotocols=["streamlit"],
            origin=f"{u.scheme}://{u.netloc}", additional_headers=extra, max_size=None,
            open_timeout=self.timeout, user_agent_header="bench-load"), self.timeout)
        self.reader = asyncio.create_task(self._reader())
        await self.rerun()
        self._find("player", "ComponentInstance")
        self.result.first_load = time.perf_counter() - t

    async def open_panel(self) -> str:
        """Opens the last racer's panel; returns the racer's entry key (``e<id>``)."""
        expanders = [w for w, p in self.widgets.items()
                     if type(p).__name__ == "Expandable" and "-exp" in w]
        if not expanders:
            raise SessionError("no racer panel on the page")
        wid = expanders[-1]
        self.states[wid] = WidgetState(id=wid, bool_value=True)
        self.result.panel = await self.rerun()
        return "e" + wid.rsplit("-exp", 1)[1]

    async def change_lr(self, entry: str, n: int) -> None:
        wid, slider = self._find(f"-{entry}_lr", "Slider")
        options = list(slider.options)
        now = slider.raw_value[0] if slider.set_value else options[slider.default[0]]
        i = options.index(now)
        for _ in range(n):
            if self.think:
                await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
            step = self.rng.choice((-2, -1, 1, 2))
            if not 0 <= i + step < len(options):
                step = -step
            i += step
            self.states[wid] = WidgetState(id=wid, string_array_value={"data": [options[i]]})
            self.result.changes.append(await self.rerun())
            self._find(f"-{entry}_lr", "Slider")

    async def drag(self, n: int) -> None:
        wid, player = self._find("player", "ComponentInstance")
        args = json.loads(player.json_args)
        live, token = args["meta"]["live"]["scene"], args.get("token") or ""
        x0, y0 = live["start"]
        dx = dy = 0.0
        for k in range(1, n + 1):
            dx, dy = 0.02 * k * (1 + abs(x0)), 0.015 * k * (1 + abs(y0))
            body = json.dumps({"scene": live, "start": [x0 + dx, y0 + dy]}).encode()
            t = time.perf_counter()
            status, _, out = await http(self.base + "/live/race", "POST", body,
                                        cookie=self.cookie, timeout=self.timeout,
                                        headers={"X-Race-Token": token})
            self.result.live.append(time.perf_counter() - t)
            if status != 200:
                self.result.errors.append(f"POST /live/race answered {status}: {out[:120]!r}")
        event = {"event": "click", "x": x0 + dx, "y": y0 + dy, "nonce": 1}
        self.states[wid] = WidgetState(id=wid, json_value=json.dumps(event))
        self.result.release = await self.rerun()

    async def run(self, changes: int, drags: int) -> Result:
        try:
            await self.load()
            entry = await self.open_panel()
            await self.change_lr(entry, changes)
            if drags:
                await self.drag(drags)
        except (TimeoutError, SessionError, OSError, websockets.WebSocketException, KeyError,
                ValueError, IndexError) as e:
            what = str(e) or "no answer within the timeout"
            self.result.errors.append(f"{type(e).__name__}: {what}"[:200])
        finally:
            if self.ws is not None:
                await self.ws.close()
        return self.result


# --------------------------------------------------------------------------------------------
# Server memory, from /proc


def _listening_pids(port: int) -> set[int]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{cols[9]}]")
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(stat.parent.name))
    return kids


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(roots: set[int]) -> set[int]:
    kids, seen, todo = _children(), set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo += kids.get(pid, [])
    return seen


def tree_rss_mb(roots: set[int]) -> float:
    """Resident memory of these processes and all their descendants, in MB."""
    return sum(_rss_mb(p) for p in _tree(roots))


def tree_cpu_s(roots: set[int]) -> float:
    """CPU time (user + system) these processes and their descendants have used, in seconds."""
    total = 0
    for pid in _tree(roots):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def watch_memory(roots: set[int], peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss_mb(roots))
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


# --------------------------------------------------------------------------------------------
# A round of N sessions, and the table


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[max(0, math.ceil(q / 100 * len(values)) - 1)]  # nearest rank


async def one_round(base: str, query: str, n: int, args, roots: set[int], seed: int) -> dict:
    before = tree_rss_mb(roots) if roots else None
    cpu0, load = tree_cpu_s(roots), os.getloadavg()[0]
    own0 = time.process_time()
    peak, stop = [before or 0.0], asyncio.Event()
    watcher = asyncio.create_task(watch_memory(roots, peak, stop)) if roots else None
    sessions = [Session(base, query, seed * 1000 + i, args.timeout, args.think)
                for i in range(n)]
    t = time.perf_counter()
    results = await asyncio.gather(*(s.run(args.changes, args.drags) for s in sessions))
    wall = time.perf_counter() - t
    cpu = tree_cpu_s(roots) - cpu0
    own = time.process_time() - own0
    stop.set()
    if watcher:
        await watcher
    loads = [r.first_load for r in results if r.first_load is not None]
    changes = [c for r in results for c in r.changes]
    live = [c for r in results for c in r.live]
    errors = [e for r in results for e in r.errors]
    return {"sessions": n, "first_load_p50": pct(loads, 50), "first_load_p95": pct(loads, 95),
            "change_p50": pct(changes, 50), "change_p95": pct(changes, 95),
            "changes": len(changes), "live_p50": pct(live, 50), "live_p95": pct(live, 95),
            "errors": len(errors), "error_examples": sorted(set(errors))[:5],
            "mem_before_mb": before, "mem_peak_mb": peak[0] if roots else None,
            "received_mb": sum(r.received for r in results) / 1e6, "wall_s": wall,
            "server_cpu_s": cpu if roots else None,
            "cpu_per_run_ms": 1000 * cpu / max(1, sum(r.runs for r in results)) if roots else None,
            "client_cpu_s": own, "load_before": load}


def _f(v, unit="s", digits=2) -> str:
    return "-" if v is None else f"{v:.{digits}f}{unit}"


def print_row(row: dict, header: bool) -> None:
    if header:
        print(f"{'sessions':>8} | {'first load p50/p95':>18} | {'per change p50/p95':>18} | "
              f"{'live p50/p95':>13} | {'errors':>6} | {'memory before/peak':>18} | "
              f"{'received':>8} | {'wall':>6} | {'server CPU':>10} | {'a run':>6} | "
              f"{'client':>6} | {'load':>4}")
    mem = f"{_f(row['mem_before_mb'], '', 0)}/{_f(row['mem_peak_mb'], ' MB', 0)}"
    print(f"{row['sessions']:>8} | "
          f"{_f(row['first_load_p50']) + ' / ' + _f(row['first_load_p95']):>18} | "
          f"{_f(row['change_p50']) + ' / ' + _f(row['change_p95']):>18} | "
          f"{_f(row['live_p50'], 's', 3) + '/' + _f(row['live_p95'], 's', 3):>13} | "
          f"{row['errors']:>6} | {mem:>18} | {row['received_mb']:>6.1f}MB | "
          f"{row['wall_s']:>5.0f}s | {_f(row['server_cpu_s'], 's', 1):>10} | "
          f"{_f(row['cpu_per_run_ms'], 'ms', 0):>6} | {_f(row['client_cpu_s'], 's', 1):>6} | "
          f"{row['load_before']:>4.1f}", flush=True)
    for e in row["error_examples"]:
        print(f"{'':>8}   error: {e}", flush=True)


# --------------------------------------------------------------------------------------------
# A server of its own


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, timeout: float = 120.0, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"error: the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"error: {base} did not become healthy within {timeout:.0f} s")


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc=proc)
    except BaseException:
        proc.terminate()
        raise
    return proc, base


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------------


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running app, e.g. http://127.0.0.1:8501")
    where.add_argument("--start-server", action="store_true",
                       help="start `streamlit run app.py` on a free port, and stop it after")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout --start-server runs")
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 8, 16, 30])
    ap.add_argument("--changes", type=int, default=20, help="learning-rate changes a session")
    ap.add_argument("--drags", type=int, default=5, help="live requests in a session's drag")
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds a student looks before the next change (0.5 to 1.5 times "
                         "this, at random; default 0: at once)")
    ap.add_argument("--query", default="", help="the share link's query, without '?'")
    ap.add_argument("--mem-port", type=int, action="append", default=None,
                    help="port of a server process whose memory to report (repeatable)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds for one run or request")
    ap.add_argument("--warmup", type=int, default=4,
                    help="sessions that visit before the measured ones, so that the figures "
                         "are those of a warm server (default 4: behind a proxy, most likely "
                         "every replica gets one)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    return ap.parse_args(argv)


async def bench(base: str, args, roots: set[int]) -> list[dict]:
    if args.warmup:
        warm = await asyncio.gather(*(Session(base, args.query, 999_000 + i, args.timeout)
                                      .run(2, 1) for i in range(args.warmup)))
        for e in sorted({e for r in warm for e in r.errors})[:3]:
            print(f"warm-up: {e}", flush=True)
    rows = []
    for k, n in enumerate(args.sessions):
        rows.append(await one_round(base, args.query, n, args, roots, seed=k + 1))
        print_row(rows[-1], header=k == 0)
    return rows


def main(argv=None) -> list[dict]:
    args = parse_args(argv)
    proc = None
    if args.start_server:
        proc, base = start_server(args.root)
    else:
        base = args.url.rstrip("/")
        wait_healthy(base, timeout=10)
    try:
        ports = args.mem_port or ([urlsplit(base).port or 80] if urlsplit(base).hostname in (
            "127.0.0.1", "localhost", "::1") else [])
        roots = set().union(*(_listening_pids(p) for p in ports)) if ports else set()
        if proc is not None:
            roots = {proc.pid}
        found = sorted(roots) or "not found (memory not shown)"
        print(f"{base}: {args.changes} learning-rate changes ({args.think:g} s apart) and "
              f"{args.drags} live requests a session; server processes {found}; "
              f"{os.cpu_count()} cores", flush=True)
        rows = asyncio.run(bench(base, args, roots))
    finally:
        if proc is not None:
            stop_server(proc)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()

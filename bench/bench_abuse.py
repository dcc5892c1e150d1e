"""One class's worst minute: abuse of the server while a probe session keeps working.

    python -m bench.bench_abuse                      (a server of its own: streamlit run app.py)
    python -m bench.bench_abuse --replicas 2         (deploy/local.py: replicas behind nginx)
    python -m bench.bench_abuse --url http://127.0.0.1:8501   (a running app; no SIGTERM)

While these run at once for ``--duration`` seconds:

* **expensive**: ``--expensive`` requests to ``POST /live/race`` for a scene that computed for
  about eleven hours before L-BFGS's ``max_eval`` had a bound, all at once, with the tokens of
  ``--attackers`` sessions the attacker opened; and the same number as a page of another site
  could send them (``text/plain``, no token);
* **basins**: ``--basins`` sessions open a link to the basins view of twelve L-BFGS racers;
* **flood**: ``--flood`` requests for large scenes (twelve racers × 10,000 steps, each at
  another start so that no answer comes from the cache), ``--flood-conns`` at a time;

a **probe** session (over Streamlit's protocol, as ``bench_load`` does) changes a learning
rate every second and waits for the page's run to finish, and asks the live route for paths
once a second with its own token; ``GET /`` and one of Streamlit's static files are fetched
every half second. Then the server is sent SIGTERM and the time until it has stopped is
measured.

Prints: the probe's change p50/p95 and its live requests' p50/p95 and answers, whether
``GET /`` and the static file answered throughout (and their slowest answer), what the abuse
was answered (status counts), the server's memory before and at its peak, and how long
SIGTERM took. Targets: probe p95 ≤ 1 s, ``GET /`` answers throughout, SIGTERM ≤ 5 s. Asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter

from bench.bench_load import (
    ROOT,
    Session,
    _listening_pids,
    free_port,
    http,
    pct,
    start_server,
    tree_rss_mb,
)

#: The link that computed for about eleven hours (one L-BFGS racer, max_eval 10^12).
EXPENSIVE = {"surface": "formula", "formula": "-x+sqrt(3-x)", "start": [0, 0], "steps": 10,
             "optimizers": [{"optimizer": "lbfgs", "hyper": {
                 "lr": 1, "line_search_fn": True, "max_eval": 1_000_000_000_000}}]}
BASINS = ("surface=himmelblau&steps=500&" + "&".join(["opt=lbfgs;line_search_fn=1"] * 12)
          + "&view=basins")
LARGE = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "adagrad", "nadam", "lion",
         "adadelta", "adamax", "radam"]


def large_scene(i: int) -> dict:
    return {"surface": "rastrigin", "start": [1.0 + 0.001 * i, -2.0], "steps": 10_000,
            "optimizers": [{"optimizer": n, "label": f"{n} {'x' * 50}"[:60]} for n in LARGE]}


class Probe:
    """The student who keeps working: a learning-rate change a second, a drag a second."""

    def __init__(self, base: str, timeout: float) -> None:
        self.session = Session(base, "", 7, timeout)
        self.changes: list[float] = []
        self.live: list[float] = []
        self.live_status: Counter = Counter()
        self.errors: list[str] = []

    async def start(self) -> None:
        await self.session.load()
        self.entry = await self.session.open_panel()

    def token_and_scene(self) -> tuple[str, dict]:
        _, player = self.session._find("player", "ComponentInstance")
        args = json.loads(player.json_args)
        return args.get("token") or "", args["meta"]["live"]["scene"]

    async def changes_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            t = time.perf_counter()
            try:
                await self.session.change_lr(self.entry, 1)
                self.changes.append(self.session.result.changes[-1])
            except Exception as e:  # noqa: BLE001 - counted and shown
                self.errors.append(f"change: {type(e).__name__}: {e}"[:160])
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t)))

    async def live_loop(self, stop: asyncio.Event) -> None:
        k = 0
        while not stop.is_set():
            t = time.perf_counter()
            token, scene = self.token_and_scene()
            k += 1
            body = json.dumps({"scene": scene, "start": [0.3 + 0.01 * (k % 50), 1.1]}).encode()
            try:
                status, _, _ = await http(self.session.base + "/live/race", "POST", body,
                                          cookie=self.session.cookie, timeout=30,
                                          headers={"X-Race-Token": token})
                self.live_status[status] += 1
                self.live.append(time.perf_counter() - t)
            except Exception as e:  # noqa: BLE001
                self.live_status[type(e).__name__] += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t)))


async def availability(url: str, stop: asyncio.Event, out: dict) -> None:
    """``GET url`` every half second: answers, failures and the slowest answer."""
    while not stop.is_set():
        t = time.perf_counter()
        try:
            status, _, _ = await http(url, timeout=5)
            ok = status == 200
        except Exception:  # noqa: BLE001 - no answer within 5 s is a failure
            ok = False
        took = time.perf_counter() - t
        out["ok" if ok else "failed"] += 1
        out["slowest"] = max(out["slowest"], took)
        await asyncio.sleep(max(0.0, 0.5 - took))


async def ask(base: str, body: bytes, headers: dict, counts: Counter, timeout: float,
              cookie: str = "") -> None:
    try:
        status, _, _ = await http(base + "/live/race", "POST", body, timeout=timeout,
                                  headers=headers, cookie=cookie)
        counts[status] += 1
    except TimeoutError:
        counts["no answer"] += 1
    except Exception as e:  # noqa: BLE001
        counts[type(e).__name__] += 1


async def raw_post(base: str, body: bytes, kind: str, counts: Counter, timeout: float) -> None:
    """A POST as any web page may send it: ``Content-Type: text/plain``, no token."""
    from urllib.parse import urlsplit

    u = urlsplit(base)
    try:
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
        writer.write((f"POST /live/race HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n"
                      f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                     + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        writer.close()
        counts[int(line.split()[1])] += 1
    except TimeoutError:
        counts["no answer"] += 1
    except Exception as e:  # noqa: BLE001
        counts[type(e).__name__] += 1


async def flood(base: str, tokens: list[str], cookies: list[str], n: int, conns: int,
                counts: Counter, stop: asyncio.Event) -> None:
    """``n`` large scenes, ``conns`` at a time, each with the next attacker session's token."""
    todo = iter(range(n))

    async def worker():
        for i in todo:
            if stop.is_set():
                return
            body = json.dumps({"scene": large_scene(i)}).encode()
            k = i % len(tokens)
            await ask(base, body, {"X-Race-Token": tokens[k]}, counts, 30, cookies[k])

    await asyncio.gather(*(worker() for _ in range(conns)))


async def basins_session(base: str, seed: int, timeout: float, counts: Counter) -> None:
    s = Session(base, BASINS, 100 + seed, timeout)
    try:
        await s.load()
        counts["drawn"] += 1
    except Exception as e:  # noqa: BLE001
        counts[type(e).__name__] += 1
    finally:
        if s.ws is not None:
            await s.ws.close()


async def static_url(base: str) -> str:
    _, _, page = await http(base + "/", timeout=30)
    m = re.search(rb'src="\.?/?(static/js/[^"]+\.js)"', page)
    return f"{base}/{m.group(1).decode()}" if m else base + "/favicon.png"


async def abuse(base: str, args, roots: set[int]) -> dict:
    probe = Probe(base, args.timeout)
    await probe.start()
    attackers = [Session(base, "", 200 + i, args.timeout) for i in range(args.attackers)]
    await asyncio.gather(*(a.load() for a in attackers))
    tokens = [json.loads(a._find("player", "ComponentInstance")[1].json_args)["token"]
              for a in attackers]
    for a in attackers:
        await a.ws.close()
    static = await static_url(base)
    mem_before = tree_rss_mb(roots) if roots else None
    stop = asyncio.Event()
    page, files = {"ok": 0, "failed": 0, "slowest": 0.0}, {"ok": 0, "failed": 0, "slowest": 0.0}
    expensive, cross, flooded, basins = Counter(), Counter(), Counter(), Counter()
    peak = [mem_before or 0.0]

    async def memory():
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss_mb(roots))
            await asyncio.sleep(0.5)

    body = json.dumps({"scene": EXPENSIVE}).encode()
    watchers = [asyncio.create_task(c) for c in (
        probe.changes_loop(stop), probe.live_loop(stop), availability(base + "/", stop, page),
        availability(static, stop, files), *([memory()] if roots else []))]
    attacks = [asyncio.create_task(c) for c in (
        *(ask(base, body, {"X-Race-Token": tokens[i % len(tokens)]}, expensive,
              args.duration + 30) for i in range(args.expensive)),
        *(raw_post(base, body, "text/plain", cross, args.duration + 30)
          for _ in range(args.expensive)),
        *(basins_session(base, i, args.duration + 30, basins) for i in range(args.basins)),
        flood(base, tokens, [a.cookie for a in attackers], args.flood, args.flood_conns,
              flooded, stop))]
    await asyncio.sleep(args.duration)
    stop.set()
    await asyncio.gather(*watchers, return_exceptions=True)
    for task in attacks:
        task.cancel()
    await asyncio.gather(*attacks, return_exceptions=True)
    for counts, n in ((expensive, args.expensive), (cross, args.expensive),
                      (basins, args.basins)):
        if n > sum(counts.values()):  # still waiting when the time was up
            counts["still waiting"] = n - sum(counts.values())
    health = {}
    for path in ("/_stcore/health", "/live/health"):
        try:
            health[path] = (await http(base + path, timeout=5))[0]
        except Exception as e:  # noqa: BLE001
            health[path] = type(e).__name__
    await probe.session.ws.close()
    return {"probe": probe, "page": page, "files": files, "expensive": expensive,
            "cross": cross, "flood": flooded, "basins": basins, "mem_before": mem_before,
            "mem_peak": peak[0] if roots else None, "health": health}


def sigterm_seconds(proc: subprocess.Popen, limit: float = 30.0) -> float | None:
    t = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None
    return time.perf_counter() - t


def start_local(replicas: int) -> tuple[subprocess.Popen, str, set[int]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "local.py"), "--port",
                             str(port), "--replicas", str(replicas), "--no-compile"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    ports = []
    for line in proc.stdout:
        if line.startswith("replicas: "):
            ports = [int(u.rsplit(":", 1)[1]) for u in line[10:].strip().split(", ")]
        if line.startswith("ready: "):
            pids = set().union(*(_listening_pids(p) for p in ports))
            return proc, line[7:].strip().rstrip("/"), pids
    raise SystemExit(f"error: deploy/local.py stopped (status {proc.wait()})")


def show(r: dict, sigterm: float | None | bool, what: str) -> None:
    p = r["probe"]

    def f(v, digits=2):
        return "-" if v is None else f"{v:.{digits}f}"

    print(f"== {what}")
    print(f"probe: learning-rate change p50 {f(pct(p.changes, 50))} s, p95 "
          f"{f(pct(p.changes, 95))} s ({len(p.changes)} changes, {len(p.errors)} errors)")
    print(f"probe: live request p50 {f(pct(p.live, 50), 3)} s, p95 {f(pct(p.live, 95), 3)} s, "
          f"answers {dict(p.live_status)}")
    for e in sorted(set(p.errors))[:3]:
        print(f"  error: {e}")
    for name, key in (("GET /", "page"), ("a static file", "files")):
        a = r[key]
        print(f"{name}: {a['ok']} answered, {a['failed']} failed, slowest {a['slowest']:.2f} s"
              + (" (answered throughout)" if not a["failed"] else ""))
    print(f"expensive requests with tokens: {dict(r['expensive'])}; as another site's page: "
          f"{dict(r['cross'])}")
    print(f"flood of large scenes: {dict(r['flood'])}; basins sessions: {dict(r['basins'])}")
    print(f"health at the end: {r['health']}")
    print(f"server memory: {f(r['mem_before'], 0)} MB before, {f(r['mem_peak'], 0)} MB at peak")
    if sigterm is not False:
        print(f"SIGTERM to stopped: {f(sigterm)} s" if sigterm is not None
              else "SIGTERM: not stopped within 30 s (killed)", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running app (no SIGTERM measured)")
    ap.add_argument("--replicas", type=int, default=0,
                    help="run deploy/local.py with this many replicas behind nginx")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--expensive", type=int, default=40)
    ap.add_argument("--attackers", type=int, default=10,
                    help="sessions the attacker opens for tokens (default 10)")
    ap.add_argument("--basins", type=int, default=10)
    ap.add_argument("--flood", type=int, default=400)
    ap.add_argument("--flood-conns", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args(argv)
    proc, roots = None, set()
    if args.url:
        base, what = args.url.rstrip("/"), args.url
    elif args.replicas:
        proc, base, roots = start_local(args.replicas)
        what = f"deploy/local.py, {args.replicas} replicas behind nginx"
    else:
        proc, base = start_server(ROOT)
        roots = {proc.pid}
        what = "one server (streamlit run app.py)"
    try:
        result = asyncio.run(abuse(base, args, roots))
    except BaseException:
        if proc is not None:
            proc.kill()
        raise
    sigterm = sigterm_seconds(proc) if proc is not None else False  # not ours to stop
    show(result, sigterm, what)


if __name__ == "__main__":
    main()

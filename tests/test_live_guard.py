"""The live route's guard (``ui.live``): who may ask, how a slow or vanished client is
answered, and how the workers are shared between sessions."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
import time

import httpx2 as httpx
import pytest
from starlette.applications import Starlette

import ui.guard as guard
import ui.live as live
from scene import default_scene, to_dict
from ui.guard import TOKEN_HEADER, Gate, Refused, check_token, issue_token
from ui.live import routes

BODY = json.dumps({"scene": to_dict(default_scene())}).encode()


def headers(session: str = "s1", **extra) -> dict:
    return {"Content-Type": "application/json", TOKEN_HEADER: issue_token(session), **extra}


# --------------------------------------------------------------------------------------------
# Tokens


def test_a_token_names_its_session_and_survives_a_round_trip():
    now = time.time()
    assert check_token(issue_token("3f2a-b9", now), now) == "3f2a-b9"
    # Another process with the same secret (another replica) accepts it too.
    secret = b"shared by the replicas"
    assert check_token(issue_token("abc", now, secret), now, secret) == "abc"


@pytest.mark.parametrize("token", [
    None, "", "abc", "a.b.c", "abc.123.xyz", "abc..sig", "../x.1.y",
    "abc.99999999999999999999." + "A" * 24,
])
def test_missing_or_malformed_tokens_are_refused(token):
    with pytest.raises(Refused) as e:
        check_token(token)
    assert e.value.status == 403 and e.value.field == "token"


def test_forged_expired_and_other_secrets_tokens_are_refused():
    now = time.time()
    good = issue_token("victim", now)
    session, expiry, sig = good.split(".")
    forged = [f"attacker.{expiry}.{sig}",                  # another session, same signature
              f"{session}.{int(expiry) + 86400}.{sig}",     # a later expiry, same signature
              f"{session}.{expiry}.{sig[:-2]}AA",           # a changed signature
              issue_token("victim", now, b"another secret")]  # signed with another secret
    for token in forged:
        with pytest.raises(Refused, match="not one this app issues"):
            check_token(token, now)
    with pytest.raises(Refused, match="expired"):
        check_token(good, now + guard.TOKEN_SECONDS + 3600)


def test_a_token_is_the_same_within_ten_minutes_and_good_for_hours():
    now = 1_800_000_000  # at a ten-minute boundary
    assert issue_token("s", now) == issue_token("s", now + 599)
    assert issue_token("s", now) != issue_token("s", now + 600)
    assert check_token(issue_token("s", now), now + guard.TOKEN_SECONDS) == "s"


def test_an_odd_session_id_still_gets_a_usable_token():
    assert check_token(issue_token("no spaces/or slashes")) == "page"


# --------------------------------------------------------------------------------------------
# The route over ASGI


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=Starlette(routes=routes())),
                             base_url="http://app")


@pytest.fixture
def small_gate(monkeypatch):
    """A gate of one worker and two waiting sessions, and a computation that waits for
    ``release`` (set it to let the running one finish)."""
    gate = Gate(workers=1, depth=2, stuck_after=3600)
    monkeypatch.setattr(guard, "_gate", gate)
    release = threading.Event()
    done = []

    def slow_answer(body: bytes):
        release.wait(30)
        done.append(json.loads(body).get("n"))
        return 200, b"paths"

    monkeypatch.setattr(live, "answer", slow_answer)
    return gate, release, done


async def until(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)


def test_requests_without_a_good_token_or_as_other_than_json_are_refused():
    async def go():
        async with client() as c:
            answers = [
                await c.post("/live/race", content=BODY,
                             headers={"Content-Type": "application/json"}),
                await c.post("/live/race", content=BODY,
                             headers={"Content-Type": "application/json",
                                      TOKEN_HEADER: "page.9999999999.forgedforgedforgedforge"}),
                await c.post("/live/race", content=BODY,  # what any web page may send
                             headers={"Content-Type": "text/plain", TOKEN_HEADER:
                                      issue_token("s")}),
                await c.post("/live/race", content=BODY,
                             headers={TOKEN_HEADER: issue_token("s")}),
                await c.post("/live/race", data={"scene": "x"},
                             headers={TOKEN_HEADER: issue_token("s")}),
                await c.post("/live/race", content=BODY, headers=headers()),
            ]
        return answers

    r = asyncio.run(go())
    assert [a.status_code for a in r] == [403, 403, 415, 415, 415, 200]
    assert r[0].json()["field"] == "token" and "token" in r[0].json()["error"]
    assert r[2].json() == {"error": "the body must be sent as application/json",
                           "field": "content-type"}
    assert r[5].headers["content-type"] == "application/octet-stream"


def test_one_computation_per_session_and_the_newest_request_wins(small_gate):
    gate, release, done = small_gate

    async def go():
        async with client() as c:
            def ask(n, session="s1"):
                body = json.dumps({"n": n}).encode()
                return asyncio.ensure_future(c.post("/live/race", content=body,
                                                    headers=headers(session)))
            first = ask(1)
            await until(lambda: gate.status()["running"] == 1, "the first one runs")
            second = ask(2)
            await until(lambda: gate.status()["waiting"] == 1, "the second one waits")
            third = ask(3)  # the same page, newer: replaces the second
            r2 = await second
            assert gate.status() == {"running": 1, "waiting": 1}
            release.set()
            return r2, await first, await third

    r2, r1, r3 = asyncio.run(go())
    assert r2.status_code == 409 and r2.json()["field"] == "server"
    assert r1.status_code == r3.status_code == 200
    assert done == [1, 3]  # the replaced request was never computed


def test_sessions_take_the_workers_in_turn():
    gate = Gate(workers=1, depth=10, stuck_after=3600)
    order, release = [], threading.Event()

    def work(tag):
        if tag == "a1":
            release.wait(30)
        order.append(tag)
        return tag

    async def go():
        a1 = gate.submit("a", work, "a1").future
        await until(lambda: gate.status()["running"] == 1, "a1 runs")
        a2 = gate.submit("a", work, "a2").future  # a's next waits for a1
        b1 = gate.submit("b", work, "b1").future
        c1 = gate.submit("c", work, "c1").future
        release.set()
        return await asyncio.gather(a1, a2, b1, c1)

    assert asyncio.run(go()) == ["a1", "a2", "b1", "c1"]
    # b and c had waited while a computed: they go before a's second request.
    assert order == ["a1", "b1", "c1", "a2"]


def test_a_full_queue_is_answered_busy_at_once(small_gate):
    gate, release, _ = small_gate

    async def go():
        async with client() as c:
            running = asyncio.ensure_future(c.post("/live/race", content=BODY,
                                                   headers=headers("s0")))
            await until(lambda: gate.status()["running"] == 1, "one runs")
            waiting = [asyncio.ensure_future(c.post("/live/race", content=BODY,
                                                    headers=headers(f"s{i}")))
                       for i in (1, 2)]
            await until(lambda: gate.status()["waiting"] == 2, "two wait")
            busy = await c.post("/live/race", content=BODY, headers=headers("s3"))
            health = await c.get("/live/health")
            release.set()
            return busy, health, await running, await asyncio.gather(*waiting)

    busy, health, running, waiting = asyncio.run(go())
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert busy.json() == {"error": "the server is busy; try again in a moment",
                           "field": "server"}
    assert health.status_code == 200 and health.json() == {"ok": True, "running": 1,
                                                           "waiting": 2}
    assert running.status_code == 200 and all(r.status_code == 200 for r in waiting)


def test_a_request_that_waits_too_long_is_told_the_server_is_busy(small_gate):
    gate, release, done = small_gate
    gate.wait = 0.2

    async def go():
        async with client() as c:
            first = asyncio.ensure_future(c.post("/live/race", content=json.dumps(
                {"n": 1}), headers=headers("s0")))
            await until(lambda: gate.status()["running"] == 1, "one runs")
            late = await c.post("/live/race", content=json.dumps({"n": 2}),
                                headers=headers("s1"))
            waiting = gate.status()["waiting"]
            release.set()
            return late, waiting, await first

    late, waiting, first = asyncio.run(go())
    assert late.status_code == 503 and late.json()["field"] == "server"
    assert waiting == 0 and first.status_code == 200
    assert done == [1]  # the request that gave up was not computed afterwards


def test_stuck_workers_make_the_route_and_its_health_answer_503(monkeypatch):
    gate = Gate(workers=1, depth=4, stuck_after=0.05)
    monkeypatch.setattr(guard, "_gate", gate)
    release = threading.Event()
    monkeypatch.setattr(live, "answer", lambda body: (release.wait(30), (200, b""))[1])

    async def go():
        async with client() as c:
            hung = asyncio.ensure_future(c.post("/live/race", content=BODY,
                                                headers=headers("s0")))
            await until(gate.stuck, "the worker is held past its deadline")
            refused = await c.post("/live/race", content=BODY, headers=headers("s1"))
            health = await c.get("/live/health")
            release.set()
            await hung
            await until(lambda: not gate.stuck(), "the worker is free again")
            return refused, health, await c.get("/live/health")

    refused, health, later = asyncio.run(go())
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert "long computations" in refused.json()["error"]
    assert health.status_code == 503 and "computing for over" in health.json()["error"]
    assert later.status_code == 200


def test_a_computation_that_fails_is_one_line_and_a_json_500(small_gate, monkeypatch, caplog):
    def broken(body):
        raise MemoryError("no room")

    monkeypatch.setattr(live, "answer", broken)

    async def go():
        async with client() as c:
            return await c.post("/live/race", content=BODY, headers=headers())

    with caplog.at_level(logging.WARNING, logger="ui.live"):
        r = asyncio.run(go())
    assert r.status_code == 500 and r.json()["error"] == "the paths could not be computed"
    assert [rec.getMessage() for rec in caplog.records] == [
        "live: the paths could not be computed (MemoryError: no room)"]


# --------------------------------------------------------------------------------------------
# Slow and vanishing clients, driven over ASGI by hand


def call(app, messages, delay_after: int | None = None, delay: float = 0.0):
    """Send the request ``messages`` (then keep the connection open) and collect the answer:
    ``(status, headers, body)``."""
    out = {"status": None, "headers": {}, "body": b""}
    feed = list(messages)
    complete = asyncio.Event()

    async def receive():
        if feed:
            if delay_after is not None and len(messages) - len(feed) == delay_after:
                await asyncio.sleep(delay)
            return feed.pop(0)
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")
            if not message.get("more_body"):
                complete.set()

    scope = {"type": "http", "method": "POST", "path": "/live/race", "raw_path": b"/live/race",
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "server": ("app", 80), "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers().items()]}
    asyncio.run(app(scope, receive, send))
    return out["status"], out["headers"], out["body"]


def test_a_body_that_takes_too_long_is_answered_408(monkeypatch):
    monkeypatch.setattr(live, "BODY_SECONDS", 0.2)
    app = Starlette(routes=routes())
    status, _, body = call(app, [
        {"type": "http.request", "body": BODY[:20], "more_body": True},
        {"type": "http.request", "body": BODY[20:], "more_body": False}],
        delay_after=1, delay=5)
    assert status == 408
    assert json.loads(body) == {"error": "the body did not arrive within 0.2 s",
                                "field": "body"}


def test_a_client_that_goes_away_mid_body_is_one_log_line(caplog):
    app = Starlette(routes=routes())
    with caplog.at_level(logging.DEBUG):
        status, _, _ = call(app, [
            {"type": "http.request", "body": BODY[:100], "more_body": True},
            {"type": "http.disconnect"}])
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in lines] == [
        "live: client went away after 100 bytes of its body"]
    assert all(r.exc_info is None for r in caplog.records)
    assert status == 400


def test_a_page_that_goes_away_while_waiting_is_not_computed(small_gate):
    gate, release, done = small_gate
    app = Starlette(routes=routes())

    async def go():
        async with client() as c:
            first = asyncio.ensure_future(c.post("/live/race", content=json.dumps({"n": 1}),
                                                 headers=headers("s0")))
            await until(lambda: gate.status()["running"] == 1, "one runs")
            # A second page sends its body, then closes the connection while it waits.
            gone = asyncio.Event()
            feed = [{"type": "http.request", "body": json.dumps({"n": 2}).encode(),
                     "more_body": False}]

            async def receive():
                if feed:
                    return feed.pop(0)
                await gone.wait()
                return {"type": "http.disconnect"}

            async def send(message):
                pass

            scope = {"type": "http", "method": "POST", "path": "/live/race",
                     "raw_path": b"/live/race", "query_string": b"", "root_path": "",
                     "scheme": "http", "http_version": "1.1", "server": ("app", 80),
                     "client": ("127.0.0.1", 5001),
                     "headers": [(k.lower().encode(), v.encode())
                                 for k, v in headers("s1").items()]}
            second = asyncio.ensure_future(app(scope, receive, send))
            await until(lambda: gate.status()["waiting"] == 1, "the second page waits")
            gone.set()
            await second
            waiting = gate.status()["waiting"]
            release.set()
            await first
            return waiting

    assert asyncio.run(go()) == 0
    assert done == [1]


def test_gate_workers_never_keep_a_process_alive():
    """A process whose workers are computing still exits when its main thread ends (as the
    server does on SIGTERM)."""
    code = ("import asyncio, threading, time\n"
            "from ui.guard import Gate\n"
            "g = Gate(workers=2, depth=4)\n"
            "async def go():\n"
            "    for s in 'ab':\n"
            "        g.submit(s, lambda _: threading.Event().wait(), None)\n"
            "    while g.status()['running'] < 2:\n"
            "        await asyncio.sleep(0.01)\n"
            "asyncio.run(go())\n"
            "print('both computing', flush=True)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=live.Path(live.__file__).parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "both computing"



def test_analysis_views_compute_a_few_at_a_time_in_the_order_they_asked():
    slots = guard._Slots(1)
    order, started = [], threading.Event()

    def view(name: str, hold: threading.Event | None = None) -> None:
        with slots.hold():
            order.append(name)
            started.set()
            if hold is not None:
                hold.wait(30)

    release = threading.Event()
    first = threading.Thread(target=view, args=("first", release))
    first.start()
    started.wait(10)
    assert slots.busy()
    waiting = []
    for name in ("second", "third", "fourth"):
        th = threading.Thread(target=view, args=(name,))
        th.start()
        waiting.append(th)
        deadline = time.monotonic() + 10
        while len(slots.queue) < len(waiting) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert order == ["first"]  # one place: the others wait
    release.set()
    for th in (first, *waiting):
        th.join(30)
    assert order == ["first", "second", "third", "fourth"]
    assert not slots.busy()


def test_a_view_that_must_wait_says_so_first():
    said = []
    with guard.view_slot(lambda: said.append("wait")):
        pass
    assert said == []  # a free place: nothing to say
    holders = [guard._view_slots.hold() for _ in range(guard.WORKERS)]
    for h in holders:
        h.__enter__()
    try:
        slot = guard.view_slot(lambda: said.append("wait"))
        assert said == ["wait"]
    finally:
        for h in holders:
            h.__exit__(None, None, None)
    with slot:
        pass

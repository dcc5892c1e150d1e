"""The load client (``bench/bench_load.py``) and the local deployment (``deploy/local.py``):
a class's sessions over Streamlit's protocol, and two replicas behind nginx with sticky routing.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from bench import bench_load

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                  else None)

pytestmark = pytest.mark.timeout(240)


def test_load_client_runs_sessions_against_a_server_of_its_own():
    rows = bench_load.main(["--start-server", "--sessions", "2", "--changes", "3",
                            "--drags", "2", "--warmup", "0", "--timeout", "120"])
    (row,) = rows
    assert row["errors"] == 0, row["error_examples"]
    assert row["sessions"] == 2 and row["changes"] == 6   # every change's rerun finished
    assert 0 < row["change_p50"] <= row["change_p95"]
    assert 0 < row["first_load_p50"] and row["live_p50"] > 0
    assert row["mem_peak_mb"] > 50                         # the server's memory was found


def test_load_client_counts_a_server_that_is_not_there_as_an_error():
    port = bench_load.free_port()
    result = asyncio.run(bench_load.Session(f"http://127.0.0.1:{port}", "", 0, 5).run(2, 1))
    assert result.first_load is None and not result.changes
    assert len(result.errors) == 1 and "ConnectionRefused" in result.errors[0]


def test_nginx_config_for_this_machine_keeps_the_deployed_routing(tmp_path):
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import local
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    text = local.nginx_config(8123, [9001, 9002], tmp_path)
    assert "listen 127.0.0.1:8123;" in text and "app:8501" not in text
    assert "server 127.0.0.1:9001" in text and "server 127.0.0.1:9002" in text
    assert f"pid {tmp_path}/nginx.pid;" in text and f"access_log {tmp_path}/access.log" in text
    assert f"proxy_temp_path {tmp_path}/proxy;" in text
    assert "hash $race_route consistent;" in text
    assert re.search(r"location = /_stcore/stream \{[^}]*proxy_read_timeout 3600s", text)
    # A full or stuck replica's quick 503 sends a live request on to the next replica; slow
    # bodies are cut off; Streamlit's metrics are not public.
    assert re.search(r"location /live/ \{[^}]*proxy_pass http://app_live;[^}]*"
                     r"proxy_next_upstream error timeout http_503 non_idempotent;", text)
    # ... without a busy replica's 503 taking it out of the pages' rotation.
    live = re.search(r"upstream app_live \{([^}]*)\}", text).group(1)
    assert "server 127.0.0.1:9001 max_fails=0;" in live and "9002 max_fails=0;" in live
    pages = re.search(r"upstream app \{([^}]*)\}", text).group(1)
    assert "server 127.0.0.1:9001 max_fails=1 fail_timeout=10s;" in pages
    assert "client_body_timeout 10s;" in text
    assert re.search(r"location = /_stcore/metrics \{\s*return 404;", text)


def _deploy_module(name: str):
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "deploy"))


def test_watchdog_restarts_a_replica_after_repeated_failures_only():
    dog = _deploy_module("local").Watchdog(strikes=3)
    # Still starting: no answer yet is not a failure.
    assert not any(dog.record("replica 1", False) for _ in range(10))
    assert not dog.record("replica 1", True)
    assert [dog.record("replica 1", ok) for ok in (False, False, True, False, False)] == [
        False, False, False, False, False]  # a good answer in between starts the count again
    assert dog.record("replica 1", False)   # the third failure in a row
    dog.forget("replica 1")                 # restarted: starting again
    assert not dog.record("replica 1", False)


def test_container_health_check_stops_a_server_that_stays_stuck(tmp_path):
    health = _deploy_module("health")
    state = tmp_path / "health"
    assert health.verdict(False, state) == (1, False)   # starting: not counted
    assert health.verdict(True, state) == (0, False)
    assert health.verdict(False, state) == (1, False)
    assert health.verdict(False, state) == (1, False)
    assert health.verdict(False, state) == (1, True)    # third in a row: stop the server
    assert health.verdict(False, state) == (1, False)   # the next server starts afresh
    assert health.probe("http://127.0.0.1:9/live/health", timeout=1) is False


def test_images_health_check_and_compose_use_the_guarded_health_route():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert 'CMD ["python", "deploy/health.py"]' in dockerfile
    assert "!deploy/health.py" in (ROOT / "deploy" / "Dockerfile.dockerignore").read_text()
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    assert "OPTRACE_SECRET: ${OPTRACE_SECRET:?" in compose and "init: true" in compose


def _stop_output(proc: subprocess.Popen) -> str:
    """What ``deploy/local.py`` said, once it has stopped."""
    proc.wait(30)
    proc.reader.join(10)
    return "\n".join(proc.said)


def _start_local(port: int) -> tuple[subprocess.Popen, str, list[str], Path]:
    # The kernels the pages use are compiled by the tests before this one (or by the first
    # page); compiling all of them first, as a deployment does, is not what is tested here.
    proc = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "local.py"), "--port",
                             str(port), "--timeout", "150", "--no-compile"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    logs, replicas, said = None, [], []
    try:
        for line in proc.stdout:
            said.append(line.strip())
            if line.startswith("replicas: "):
                replicas = line[10:].strip().split(", ")
            if line.startswith("logs: "):
                logs = Path(line[6:].strip())
            if line.startswith("ready: "):
                # Keep reading what it says (nginx's access log among it): a pipe nobody reads
                # fills up, and then every write to it, the watchdog's included, waits.
                proc.said = said
                proc.reader = threading.Thread(
                    target=lambda: said.extend(ln.strip() for ln in proc.stdout), daemon=True)
                proc.reader.start()
                return proc, line[7:].strip().rstrip("/"), replicas, logs
    except BaseException:
        proc.terminate()
        proc.wait(30)
        raise
    pytest.fail(f"deploy/local.py stopped before it was ready (status {proc.wait()}): "
                + " | ".join(said[-3:]))


def _routes(log: Path) -> dict[str, set[str]]:
    """Upstreams each sticky route was sent to, from nginx's access log."""
    seen = defaultdict(set)
    for line in log.read_text().splitlines():
        m = re.search(r"upstream=(\S+) route=(\S+)", line)
        if m and m.group(1) != "-":
            seen[m.group(2)].add(m.group(1))
    return seen


async def _player_args(base: str, query: str) -> dict:
    session = bench_load.Session(base, query, 0, 60)
    await session.load()
    await session.ws.close()
    _, player = session._find("player", "ComponentInstance")
    return json.loads(player.json_args)


async def _live_scene(base: str, query: str) -> dict:
    return (await _player_args(base, query))["meta"]["live"]["scene"]


def _wait_restarted(replica: str, old_pids: set[int], timeout: float) -> set[int]:
    """The pids serving ``replica`` once a process other than ``old_pids`` answers there."""
    port = int(replica.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = bench_load._listening_pids(port)
        if pids and not pids & old_pids:
            try:
                with urllib.request.urlopen(replica + "/live/health", timeout=3) as r:
                    if r.status == 200:
                        return pids
            except OSError:
                pass
        time.sleep(1)
    pytest.fail(f"{replica} was not started again within {timeout:.0f} s")


@pytest.mark.timeout(420)
@pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="nginx is not installed")
def _embedded_page_is_live(url: str) -> None:
    """The page embedded in another site's frame (embed=true) through the proxy: the player
    alone, and a chip's slider still redraws the paths by the live route."""
    from tests.browser import (
        FRAME_PATHS_JS,
        chromium,
        player_in,
        require_chromium,
        step_chip_slider,
    )

    require_chromium()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 600})
        page.set_content(f'<iframe id="host" src="{url}/?embed=true&preset=01-momentum-ravine" '
                         'width="960" height="540"></iframe>')
        frame = player_in(page)
        frame.wait_for_function(f"() => ({FRAME_PATHS_JS})() !== null", timeout=60_000)
        assert not page.frame_locator("#host").locator("[data-testid='stSidebar']").is_visible()
        step_chip_slider(frame, frame)


def test_two_replicas_behind_nginx_serve_sessions_with_sticky_routing():
    proc, url, replicas, logs = _start_local(bench_load.free_port())
    try:
        assert len(replicas) == 2
        # The scene lives in the link: each replica, asked directly, draws the same race.
        link = "surface=booth&steps=120&opt=sgd;lr=0.05&opt=adam;lr=0.3"
        args = [asyncio.run(_player_args(r, link)) for r in replicas]
        scenes = [a["meta"]["live"]["scene"] for a in args]
        assert scenes[0] == scenes[1]
        # A page's token from one replica is good on the other (the replicas share a secret);
        # the route refuses a request without one.
        for token, other in ((args[0]["token"], replicas[1]), (args[1]["token"], replicas[0])):
            status, _, _ = asyncio.run(bench_load.http(
                other + "/live/race", "POST", json.dumps({"scene": scenes[0]}).encode(),
                headers={"X-Race-Token": token}))
            assert status == 200
        assert asyncio.run(bench_load.http(url + "/live/race", "POST", json.dumps(
            {"scene": scenes[0]}).encode()))[0] == 403
        assert asyncio.run(bench_load.http(url + "/_stcore/metrics"))[0] == 404
        assert scenes[0]["surface"] == "booth" and scenes[0]["steps"] == 120
        rows = bench_load.main(["--url", url, "--sessions", "4", "--changes", "2",
                                "--drags", "2", "--warmup", "0", "--timeout", "120"])
        assert rows[0]["errors"] == 0, rows[0]["error_examples"]
        assert rows[0]["changes"] == 8
        # Each new browser gets a random route: more sessions until both replicas have some
        # (sixteen all on one replica would happen once in 30,000 runs).
        for seed in range(16):
            if len(set().union(*_routes(logs / "access.log").values())) >= 2:
                break
            result = asyncio.run(bench_load.Session(url, "", seed, 60).run(0, 0))
            assert not result.errors, result.errors
        routes = _routes(logs / "access.log")
        assert len(set().union(*routes.values())) == 2        # both replicas had traffic
        _embedded_page_is_live(url)
        assert all(len(ups) == 1 for ups in routes.values())  # a browser stays on one
        cookies = [r for r in routes if re.fullmatch(r"[0-9a-f]{32}", r)]
        assert len(cookies) >= 4
        # A replica that stays stuck (here: stopped by a signal, so it answers nothing) is
        # stopped and started again by the watchdog.
        port = int(replicas[1].rsplit(":", 1)[1])
        stuck = bench_load._listening_pids(port)
        assert len(stuck) == 1
        os.kill(next(iter(stuck)), signal.SIGSTOP)
        _wait_restarted(replicas[1], stuck, timeout=120)
    finally:
        proc.send_signal(signal.SIGTERM)
        out = _stop_output(proc)
    assert proc.returncode == 0 and "stopped" in out
    assert not logs.exists()  # its files are removed
    for replica in replicas:  # and its servers stopped
        with pytest.raises(OSError):
            urllib.request.urlopen(replica + "/_stcore/health", timeout=2)

"""Two replicas of the app behind Debian's nginx on this machine, as compose.yaml runs them.

    python deploy/local.py [--port 8080] [--replicas 2]

Compiles the kernels unless that was done (``python -m optimizers``, as the image's build
does), starts each replica with ``streamlit run app.py`` on a free local port, writes
``deploy/nginx.conf`` with this machine's port, replicas and paths into a new directory, and
runs nginx in the foreground from there (not the system's service; ``apt-get install nginx``
first when it is missing and this runs as root). When every replica and nginx answer
Streamlit's health check it prints ``ready: http://127.0.0.1:PORT/`` and where the logs are
(nginx's access log names the replica of every request). A replica that stops is started
again, as compose does; so is one that stays stuck: every few seconds each replica's
``/live/health`` is asked, and a replica that fails it :data:`STRIKES` times in a row (no answer
within a few seconds, or every compute worker held too long) is stopped and started again,
one replica at a time, so that the others keep serving.
The replicas share one secret (``OPTRACE_SECRET``, drawn here unless it is set), so a page's
token is good on any of them. Ctrl-C or SIGTERM stops everything, as does nginx stopping.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().with_name("nginx.conf")
#: The replicas' line in each upstream block of nginx.conf, with its parameters.
UPSTREAM = re.compile(r"server app:8501((?: [^;]*)?);")
#: Seconds between two health probes of a replica, the probe's own timeout, and how many
#: failed probes in a row have a replica restarted.
PROBE_EVERY = 5.0
PROBE_TIMEOUT = 5.0
STRIKES = 3
# Exits 0 when the kernels' compiled code is on disk and up to date with their sources.
COMPILED = "import sys, optimizers; sys.exit(0 if optimizers.compiled() else 1)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In a child: receive SIGTERM when this script dies, however it dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _nginx_path() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def find_nginx() -> str:
    """Debian's nginx, installed first when it is missing and this runs as root."""
    if (found := _nginx_path()) is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing nginx (apt-get install nginx)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "nginx"]
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
            subprocess.run(install, env=env, stdout=subprocess.DEVNULL)
        found = _nginx_path()
    if found is None:
        sys.exit("error: nginx is not installed; on Debian: sudo apt-get install nginx")
    return found


def nginx_config(port: int, replicas: list[int], work: Path) -> str:
    """``deploy/nginx.conf`` with this machine's listening port, replicas and paths."""
    text = TEMPLATE.read_text()
    for old, new in (("/tmp/", f"{work}/"), ("listen 80;", f"listen 127.0.0.1:{port};"),
                     ("access_log /dev/stdout", f"access_log {work}/access.log")):
        if old not in text:
            raise SystemExit(f"error: {TEMPLATE.name} no longer contains {old!r}")
        text = text.replace(old, new)
    text, found = UPSTREAM.subn(lambda m: "\n        ".join(
        f"server 127.0.0.1:{p}{m.group(1)};" for p in replicas), text)
    if not found:
        raise SystemExit(f"error: {TEMPLATE.name} no longer has a 'server app:8501' line")
    return text


def healthy(url: str, path: str = "/_stcore/health", timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


class Watchdog:
    """Counts each replica's failed probes of ``/live/health`` in a row. Streamlit's own
    health check answers even while every compute worker is stuck; this one does not."""

    def __init__(self, strikes: int = STRIKES) -> None:
        self.strikes = strikes
        self.failed: dict[str, int] = {}
        self.seen: set[str] = set()

    def record(self, name: str, ok: bool) -> bool:
        """Note one probe; True when the replica should be restarted. A replica is not held
        to it before its first good answer (it is still starting)."""
        if ok:
            self.seen.add(name)
            self.failed[name] = 0
            return False
        if name not in self.seen:
            return False
        self.failed[name] = self.failed.get(name, 0) + 1
        return self.failed[name] >= self.strikes

    def forget(self, name: str) -> None:
        self.failed.pop(name, None)
        self.seen.discard(name)


class Stack:
    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen, Path]] = []
        self.how: dict[str, tuple] = {}

    def start(self, name: str, cmd: list[str], log: Path, **kw) -> None:
        with open(log, "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                    preexec_fn=_die_with_parent, **kw)
        self.procs.append((name, proc, log))
        self.how[name] = (cmd, log, kw)

    def restart(self, i: int) -> None:
        """Start process ``i`` again, as compose's ``restart: unless-stopped`` does."""
        name = self.procs.pop(i)[0]
        cmd, log, kw = self.how[name]
        self.start(name, cmd, log, **kw)

    def index(self, name: str) -> int:
        return next(i for i, (n, _, _) in enumerate(self.procs) if n == name)

    def kill(self, name: str, grace: float = 5.0) -> None:
        """Stop process ``name``: SIGTERM, then SIGKILL after ``grace`` seconds."""
        proc = self.procs[self.index(name)][1]
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stopped(self) -> list[int]:
        return [i for i, (_, proc, _) in enumerate(self.procs) if proc.poll() is not None]

    def why(self, i: int) -> str:
        name, proc, log = self.procs[i]
        lines = log.read_text(errors="replace").strip().splitlines() or ["(no output)"]
        return f"{name} stopped (status {proc.returncode}): {lines[-1][:300]}"

    def exited(self) -> str | None:
        """What stopped, with the last line of its log; None while everything runs."""
        return next((self.why(i) for i in self.stopped()), None)

    def stop(self) -> None:
        for _, proc, _ in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for _, proc, _ in reversed(self.procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_all(stack: Stack, urls: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        if (why := stack.exited()) is not None:
            raise SystemExit(f"error: {why}")
        if time.monotonic() > deadline:
            raise SystemExit(f"error: no answer from {', '.join(pending)} within {timeout:.0f} s")
        pending = [u for u in pending if not healthy(u)]
        if pending:
            time.sleep(0.3)


def watch(stack: Stack, urls: dict[str, str] | None = None) -> int:
    """Start a replica that stopped again (its browsers meanwhile reconnect to another one),
    and stop and start one that stays stuck (``urls``: each replica's address); stop everything
    when nginx stops."""
    dog, probed = Watchdog(), time.monotonic()
    dog.seen.update(urls or {})  # every replica answered before the first page was served
    while True:
        time.sleep(0.5)
        for i in reversed(stack.stopped()):
            print(f"{stack.why(i)}", file=sys.stderr, flush=True)
            if not stack.procs[i][0].startswith("replica"):
                return 1
            time.sleep(2)
            print(f"starting {stack.procs[i][0]} again", flush=True)
            dog.forget(stack.procs[i][0])
            stack.restart(i)
        if urls and time.monotonic() - probed >= PROBE_EVERY:
            probed = time.monotonic()
            for name, url in urls.items():
                if not dog.record(name, healthy(url, "/live/health", PROBE_TIMEOUT)):
                    continue
                if any(other not in dog.seen for other in urls if other != name):
                    continue  # one replica at a time: another is still starting
                print(f"{name} failed its health check {dog.strikes} times in a row: "
                      "starting it again", file=sys.stderr, flush=True)
                stack.kill(name)
                dog.forget(name)
                stack.restart(stack.index(name))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    ap.add_argument("--replicas", type=int, default=2, help="how many app servers (default 2)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds to wait for health")
    ap.add_argument("--no-compile", action="store_true",
                    help="start the replicas without compiling every kernel first (each then "
                         "compiles what its first pages use)")
    ap.add_argument("--keep-logs", action="store_true",
                    help="keep the directory with the logs and nginx's files after stopping")
    args = ap.parse_args(argv)
    if not 1 <= args.replicas <= 16:
        sys.exit("error: --replicas must be between 1 and 16")
    nginx = find_nginx()
    work = Path(tempfile.mkdtemp(prefix="optimizer-race-"))
    work.chmod(0o755)  # nginx's workers (another user when this runs as root) write temp files
    stack = Stack()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        if not args.no_compile and subprocess.run(
                [sys.executable, "-c", COMPILED], cwd=ROOT).returncode != 0:
            print("compiling the kernels (python -m optimizers)", flush=True)
            subprocess.run([sys.executable, "-m", "optimizers"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        ports = [free_port() for _ in range(args.replicas)]
        # One secret for every replica: a page's token, signed by one, is good on all.
        env = {**os.environ, "OPTRACE_SECRET": os.environ.get("OPTRACE_SECRET")
               or secrets.token_hex(32)}
        for i, p in enumerate(ports, 1):
            stack.start(f"replica {i}", [
                sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(p),
                "--server.address", "127.0.0.1", "--server.headless", "true"],
                work / f"replica-{i}.log", cwd=ROOT, env=env)
        wait_all(stack, [f"http://127.0.0.1:{p}" for p in ports], args.timeout)
        (work / "nginx.conf").write_text(nginx_config(args.port, ports, work))
        stack.start("nginx", [nginx, "-p", str(work), "-c", str(work / "nginx.conf"),
                              "-e", "stderr", "-g", "daemon off;"], work / "nginx.log")
        url = f"http://127.0.0.1:{args.port}"
        wait_all(stack, [url], 30)
        print("replicas: " + ", ".join(f"http://127.0.0.1:{p}" for p in ports), flush=True)
        print(f"logs: {work}", flush=True)
        print(f"ready: {url}/", flush=True)
        return watch(stack, {f"replica {i}": f"http://127.0.0.1:{p}"
                             for i, p in enumerate(ports, 1)})
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as e:
        print(f"error: {' '.join(map(str, e.cmd[1:]))} failed (status {e.returncode})",
              file=sys.stderr)
        return 1
    finally:
        stack.stop()
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())

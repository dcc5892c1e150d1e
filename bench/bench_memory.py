"""Server memory while one session makes many new scenes: prints figures, asserts nothing.

    python -m bench.bench_memory [--scenes 300] [--root PATH]

Runs the page with Streamlit's own test harness (the same script, caches and session state as
the server) in a fresh process, makes ``--scenes`` new scenes in one session (four racers of
10,000 steps each, every scene a new learning rate, with the step inspector open as it is by
default), and prints the process's resident memory every 50 scenes. ``--root`` runs another
checkout of the app (to compare before and after a change).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import logging, sys, time
logging.disable(logging.WARNING)  # the test harness warns about its bare mode on every run
root = sys.argv[1]
n = int(sys.argv[2])
sys.path.insert(0, root)
from streamlit.testing.v1 import AppTest


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


at = AppTest.from_file(root + "/app.py", default_timeout=120)
at.query_params["steps"] = "10000"
at.query_params["opt"] = ["sgd;lr=0.001", "momentum;lr=0.001", "rmsprop;lr=0.01", "adam;lr=0.05"]
at.run()
print(f"  start: {rss_mb():.0f} MB", flush=True)
t0 = time.perf_counter()
eid = at.session_state["entry_ids"][3]
for i in range(1, n + 1):
    at.session_state[f"e{eid}_lr"] = round(0.001 + i * 1e-4, 6)  # a new scene every time
    at.run()
    if at.exception:
        print("  error:", at.exception[0].message, flush=True)
        break
    if i % 50 == 0:
        print(f"  after {i} new scenes: {rss_mb():.0f} MB "
              f"({(time.perf_counter() - t0) / i * 1000:.0f} ms a scene)", flush=True)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=300)
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args()
    root = args.root.resolve()
    print(f"one session, {args.scenes} new scenes of four 10,000-step racers ({root.name})")
    subprocess.run([sys.executable, "-c", CHILD, str(root), str(args.scenes)], check=False,
                   cwd=root)


if __name__ == "__main__":
    main()

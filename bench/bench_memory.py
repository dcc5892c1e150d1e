"""Server memory while one session makes many new scenes, or while many sessions open the
largest basins view: prints figures, asserts nothing.

    python -m bench.bench_memory [--scenes 300] [--root PATH]
    python -m bench.bench_memory --basins 10 [--root PATH]

Runs the page with Streamlit's own test harness (the same script, caches and session state as
the server) in a fresh process, makes ``--scenes`` new scenes in one session (four racers of
10,000 steps each, every scene a new learning rate, with the step inspector open as it is by
default), and prints the process's resident memory every 50 scenes. ``--basins N`` instead
opens N sessions, each on its own link of twelve Adam racers of 500 steps with the basins view
at 1000 starts per side (the abuse a class could make of one server), keeps them all open, and
prints the resident memory and the page's time after each. ``--root`` runs another checkout of
the app (to compare before and after a change).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: What both child scripts start with: the app's folder and a count from the command line, and
#: the process's resident memory.
PRELUDE = r"""
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
"""

CHILD = PRELUDE + r"""

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


BASINS = PRELUDE + r"""

print(f"  start: {rss_mb():.0f} MB", flush=True)
sessions, peak = [], 0.0
for i in range(n):
    at = AppTest.from_file(root + "/app.py", default_timeout=3600)
    at.query_params["surface"] = "himmelblau"
    at.query_params["steps"] = "500"
    at.query_params["view"] = "basins"
    at.query_params["grid"] = "1000"
    at.query_params["opt"] = [f"adam;lr={0.01 + i * 0.001 + k * 1e-4:.6g}" for k in range(12)]
    t0 = time.perf_counter()
    at.run()
    took = time.perf_counter() - t0
    if at.exception:
        print("  error:", at.exception[0].message, flush=True)
        break
    sessions.append(at)  # every session stays open, as a class's would
    said = [w.value for w in at.warning] + [w.value for w in at.info]
    peak = max(peak, rss_mb())
    print(f"  after session {i + 1}: {rss_mb():.0f} MB ({took:.1f} s)"
          + (f"; {said[0][:90]}" if said else ""), flush=True)
print(f"  highest: {peak:.0f} MB", flush=True)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=300)
    ap.add_argument("--basins", type=int, default=0, metavar="N",
                    help="N sessions of twelve racers each opening the basins at grid 1000")
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args()
    root = args.root.resolve()
    if args.basins:
        print(f"{args.basins} sessions, each twelve 500-step Adam racers with the basins view "
              f"at 1000 starts per side ({root.name})")
        subprocess.run([sys.executable, "-c", BASINS, str(root), str(args.basins)],
                       check=False, cwd=root)
        return
    print(f"one session, {args.scenes} new scenes of four 10,000-step racers ({root.name})")
    subprocess.run([sys.executable, "-c", CHILD, str(root), str(args.scenes)], check=False,
                   cwd=root)


if __name__ == "__main__":
    main()

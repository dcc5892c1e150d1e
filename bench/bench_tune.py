"""How long tuning takes: every racer of a scene, by each criterion, and what the fair race
adds to a page's run when the start moves.

    python -m bench.bench_tune [--repeat 5]

Part 1 times ``scene.tune.tune_all`` on the default scene (4 racers, 500 steps) and on every
preset, by each criterion, for the rate alone and for the rate and the second setting: the
compute a "Tune all" press or a fair race's retune costs. Part 2 runs the page in Streamlit's
test harness with the fair race on and moves the start: the script's whole run, with the
retune inside, against the same move with the fair race off. Figures are medians of
``--repeat`` runs, warm (the compiled loops loaded first).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from scene import default_scene, tune
from scene.presets import load_presets

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def part1(repeat: int) -> None:
    scenes = {"default": default_scene(), **load_presets()}
    for scene in scenes.values():  # compile and load every loop first
        tune.tune_all(scene)
    print(f"tune every racer, median of {repeat}, ms (racers × steps):")
    print(f"{'scene':34s} {'size':>10s} " + " ".join(f"{c:>7s}" for c in tune.CRITERIA)
          + "   +second(mean)")
    worst = 0.0
    for name, scene in scenes.items():
        if not tune.criteria(scene):
            print(f"{name:34s} {'':>10s} not tunable: no lowest point")
            continue
        row = [_median_ms(lambda s=scene, c=c: tune.tune_all(s, c), repeat)
               for c in tune.CRITERIA]
        second = _median_ms(lambda s=scene: tune.tune_all(s, tune.MEAN, True), repeat)
        worst = max(worst, row[list(tune.CRITERIA).index(tune.MEAN)])
        size = f"{len(scene.optimizers)}×{scene.steps}"
        print(f"{name:34s} {size:>10s} " + " ".join(f"{v:7.1f}" for v in row)
              + f"   {second:7.1f}")
    print(f"slowest by the default criterion: {worst:.1f} ms")


def part2(repeat: int) -> None:
    from streamlit.testing.v1 import AppTest

    def page(fair: bool):
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        if fair:
            at.toggle(key="fair").set_value(True).run()
        return at

    for fair in (False, True):
        at = page(fair)
        times = []
        for k in range(repeat):
            x = -1.2 + 0.05 * (k + 1)
            t0 = time.perf_counter()
            at.number_input(key="x0").set_value(x).run()
            times.append((time.perf_counter() - t0) * 1000)
        print(f"page run after moving the start, fair race {'on ' if fair else 'off'}: "
              f"median {statistics.median(times):.0f} ms of {repeat}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    part1(a.repeat)
    part2(a.repeat)


if __name__ == "__main__":
    main()

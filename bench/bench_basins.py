"""The basins view, as a person sees it: from a click on the Basins tab to the basins painted,
at 1600 × 1000.

Each run opens a scene of two racers on Himmelblau (500 steps) that no earlier run computed (a
new learning rate), waits for the page, opens another tab, then clicks the Basins tab (200 × 200
starts: 80,000 runs of 500 steps, nothing cached) and times from the click until both racers'
pictures are on screen (the view shows them only once they are decoded, never an empty panel)
and the view's pixels stop changing. Prints the median of several runs; asserts nothing.

    python -m bench.bench_basins
"""

from __future__ import annotations

import hashlib
import statistics
import time

from tests.browser import chromium, require_chromium, serve

LINK = "/?surface=himmelblau&start=0,0&steps=500&opt=sgd;lr={lr}&opt=adam;lr=0.1"
RATES = ["0.01", "0.007", "0.015", "0.005", "0.02", "0.003"]  # the first one warms up


def _painted(page, began: float, timeout: float = 120.0) -> float:
    """Seconds from ``began`` to the moment the view shows both racers' pictures (the time
    of the first of two equal screenshots)."""
    last, seen = None, None
    while time.perf_counter() - began < timeout:
        pictures = page.locator(".bv-painted .bv-plot img")
        if pictures.count() >= 2:
            shot = hashlib.sha1(page.locator(".bv-painted").first.screenshot()).hexdigest()
            if shot == last:
                return seen
            last, seen = shot, time.perf_counter() - began
        time.sleep(0.01)
    return float("nan")


def main() -> None:
    require_chromium()
    times = []
    with serve() as url, chromium() as browser:
        for lr in RATES:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url + LINK.format(lr=lr))
            page.wait_for_selector("iframe", timeout=300_000)
            page.get_by_role("tab", name="Basins").wait_for(timeout=300_000)
            time.sleep(1.5)
            # The page's first tab switch also pays for things every tab needs: done before.
            page.get_by_role("tab", name="Update rules").click()
            page.get_by_text("is the gradient the optimizer receives").wait_for(timeout=60_000)
            time.sleep(1.5)
            began = time.perf_counter()
            page.get_by_role("tab", name="Basins").click()
            times.append(_painted(page, began))
            page.close()
    warm = times[1:]
    print("click on the Basins tab -> 200 x 200 starts x 500 steps x 2 racers painted "
          f"(new settings each time, 1600 x 1000): median {statistics.median(warm):.2f} s over "
          f"{len(warm)} runs ({', '.join(f'{v:.2f}' for v in warm)}); first (warm-up) "
          f"{times[0]:.2f} s")


if __name__ == "__main__":
    main()

"""Test-run set-up: the kernels are compiled once before the tests, and the tests are spread over
worker processes (pytest-xdist; ``-n`` and ``--dist`` are set in pyproject.toml's addopts).

Without this each worker would compile the kernels it needs by itself, the same work twice or
more, while the other cores wait. Before any worker starts, the controlling process has them
compiled into the packages' ``__pycache__`` by one process per worker, each with its share
(``tests/precompile.py``), and checks with ``python -m optimizers``; every worker then only
loads them. When they are current this takes seconds.

The browser tests of one module share one app server and one Chromium: each module is an
``xdist_group`` (added below), so it runs whole on one worker, and its module-scoped fixtures
start once. The groups are handed out first, longest first, so that the quick tests fill the
time of the workers around them rather than a long module starting last.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Modules that run whole on one worker, longest first (each starts servers or browsers of its
#: own that its tests share, or holds an order that its tests rely on).
GROUPED = ["test_stage_browser", "test_stage_browser_presets", "test_chips_browser",
           "test_app_browser", "test_history_browser", "test_player_browser",
           "test_player_modules_browser", "test_analysis_browser", "test_failover_browser",
           "test_deploy", "test_formula_fuzz"]


#: Tests that run apart from the rest of their module, as a group of their own (with a server
#: of their own), so that another worker can run them beside it.
APART = {"test_every_presets_map_is_large_and_high_on_the_page": "test_stage_browser_presets"}


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def _python(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen, what: str) -> str:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise pytest.UsageError(f"compiling the kernels ({what}) failed:\n{out[-4000:]}")
    return out.strip()


def pytest_configure(config):
    workers = getattr(config.option, "numprocesses", None)
    if _is_worker(config) or not workers or config.option.collectonly:
        return  # a worker (the controller compiled already), or a run without workers
    # One process checks the cache's stamp (and clears a stale cache), then one process per
    # worker compiles its share of the families, then python -m optimizers loads them all
    # and compiles whatever the shares missed.
    _finish(_python("-c", "import optimizers"), "import optimizers")
    parts = [_python("-m", "tests.precompile", str(i), str(workers)) for i in range(workers)]
    for proc in parts:
        _finish(proc, "python -m tests.precompile")
    _finish(_python("-m", "optimizers"), "python -m optimizers")


@pytest.hookimpl(tryfirst=True)  # before xdist names each item's group from its marker
def pytest_collection_modifyitems(config, items):
    order = {name: i for i, name in enumerate(GROUPED)}

    def group(item) -> str | None:
        module = item.module.__name__.rsplit(".", 1)[-1]
        apart = APART.get(getattr(item, "originalname", item.name))
        return apart or (module if module in order else None)

    for item in items:
        if name := group(item):
            item.add_marker(pytest.mark.xdist_group(name))
    # the groups first, in GROUPED's order: stable, so the order within a module is kept
    items.sort(key=lambda item: order.get(group(item), len(order)))

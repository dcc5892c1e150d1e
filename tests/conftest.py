"""Test-run set-up: the kernels are compiled once before the tests, and the tests are spread over
worker processes (pytest-xdist; ``-n`` and ``--dist`` are set in pyproject.toml's addopts).

Without this each worker would compile the kernels it needs by itself, the same work twice or
more. ``python -m optimizers`` compiles all of them into the packages' ``__pycache__`` (seconds
when they are current), in the controlling process before any worker starts, so every worker
only loads them.

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
GROUPED = ["test_stage_browser", "test_chips_browser", "test_app_browser",
           "test_history_browser", "test_player_browser", "test_analysis_browser",
           "test_failover_browser", "test_deploy", "test_formula_fuzz"]


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config):
    if _is_worker(config) or not getattr(config.option, "numprocesses", None):
        return  # a worker (the controller compiled already), or a run without workers
    if config.option.collectonly:
        return
    done = subprocess.run([sys.executable, "-m", "optimizers"], cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise pytest.UsageError("compiling the kernels (python -m optimizers) failed:\n"
                                + done.stderr[-4000:])


@pytest.hookimpl(tryfirst=True)  # before xdist names each item's group from its marker
def pytest_collection_modifyitems(config, items):
    order = {name: i for i, name in enumerate(GROUPED)}

    def rank(item) -> int:
        return order.get(item.module.__name__.rsplit(".", 1)[-1], len(order))

    for item in items:
        name = item.module.__name__.rsplit(".", 1)[-1]
        if name in order:
            item.add_marker(pytest.mark.xdist_group(name))
    items.sort(key=rank)  # stable: the order within a module is kept

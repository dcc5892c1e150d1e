"""The code base passes its own lint configuration (ruff, settings in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    if shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_nothing_reads_outside_the_repository():
    """The project stands alone: no code or docs refer to folders beside it."""
    needle = "../" + "shared"
    offenders = []
    for path in ROOT.rglob("*"):
        if (path.suffix in {".py", ".md", ".toml", ".txt", ".json", ".js", ".html"}
                and ".git" not in path.parts and "artifacts" not in path.parts):
            if needle in path.read_text(errors="ignore"):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders

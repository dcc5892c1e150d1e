"""The compiled kernels are kept as long as what compiles is unchanged: a docstring, a lesson's
text or a module without kernels can be edited without a recompile; a kernel's code cannot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from landscapes._jit import _PACKAGES, code_stamp

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def tree(tmp_path):
    for package in _PACKAGES:
        (tmp_path / package).mkdir()
        for path in (ROOT / package).glob("*.py"):
            shutil.copy(path, tmp_path / package / path.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_text_that_does_not_compile_keeps_the_stamp(tree):
    before, files = code_stamp(tree)
    # An optimizer's docstring (its update rule), a comment, blank lines.
    _edit(tree / "optimizers" / "adam.py", '"""', '"""Edited. ')
    _edit(tree / "optimizers" / "sgd.py", "\nimport", "\n# a comment\n\n\nimport")
    # A module without kernels: the catalogue with each surface's lesson.
    _edit(tree / "landscapes" / "__init__.py", "Rosenbrock", "Rosenbrock's banana")
    after, new_files = code_stamp(tree)
    assert after == before
    assert new_files["landscapes/__init__.py"][2] is None  # holds no kernel: never read as code
    assert new_files["optimizers/adam.py"][2] is not None


@pytest.mark.parametrize("path, old, new", [
    ("optimizers/adam.py", "import math", "import math\nX = 1"),
    ("landscapes/_kernels.py", "import math", "import math\nX = 1"),
    ("optimizers/_driver.py", "import math", "import math\nX = 1"),
])
def test_a_change_in_compiled_code_changes_the_stamp(tree, path, old, new):
    before, _ = code_stamp(tree)
    _edit(tree / path, old, new)
    assert code_stamp(tree)[0] != before


def test_a_file_known_by_size_and_time_is_not_read_again(tree):
    stamp, files = code_stamp(tree)
    # A recorded digest is trusted while the file's size and time are the same: a wrong one
    # shows that the file was not read.
    forged = {k: [*v[:2], "0" * 64 if v[2] else None] for k, v in files.items()}
    assert code_stamp(tree, forged)[0] != stamp
    assert code_stamp(tree, files)[0] == stamp

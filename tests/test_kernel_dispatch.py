"""The compiled dispatch over the surfaces follows the catalogue: one list of surfaces
(landscapes/catalogue.py), from which landscapes/_kernels.py is generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from landscapes import CATALOGUE, SURFACES, _generate
from landscapes import _kernels as K
from landscapes import _surfaces as S

ROOT = Path(__file__).resolve().parents[1]


def test_regenerating_the_dispatch_gives_the_checked_in_file():
    text = (ROOT / "landscapes" / "_kernels.py").read_text(encoding="utf-8")
    assert _generate.source() == text, "run python -m landscapes._generate"
    assert _generate.main(["--check"]) == 0


def test_every_surface_of_the_catalogue_has_its_id_and_its_compiled_function():
    assert list(K.SIDS) == list(CATALOGUE) == list(SURFACES)
    assert K.FORMULA == K.N_SURFACES == len(CATALOGUE)
    for name, s in SURFACES.items():
        assert s.sid == K.SIDS[name] == getattr(K, name.upper())
        f, gx, gy = getattr(S, name)(s.p, *s.start)
        assert (f, gx, gy) == K.value_grad(s.sid, s.p, *s.start)


def test_a_new_surface_is_one_entry_and_its_function():
    """What the generator writes for a catalogue with one more surface: an id, and a branch of
    its own in every dispatch (its grid function when it has one)."""
    entries = [*_generate.surfaces(), ("bowl", None), ("waves", "waves_grid")]
    text = _generate.source(entries)
    n = len(CATALOGUE)
    assert f"BOWL = {n}\n" in text and f"WAVES = {n + 1}\n" in text
    assert f"FORMULA = {n + 2}" in text and '"bowl": BOWL,' in text
    # the point (with and without the data surface), the block, the grid and the Hessian
    assert text.count("sid == BOWL:") == 5
    assert "return bowl(p, x, y)" in text and "waves_grid(p, xs, ys, out)" in text
    assert "return bowl_hess(p, x, y)" in text and "    bowl_hess,\n" in text
    compile(text, "_kernels.py", "exec")


def test_a_surface_without_its_compiled_function_is_refused(monkeypatch):
    monkeypatch.setitem(CATALOGUE, "nowhere", SURFACES["booth"])
    with pytest.raises(ValueError, match="nowhere"):
        _generate.surfaces()

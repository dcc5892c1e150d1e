"""Presentation mode's captions (a preset's claim said short for a projector) and the race
numbers it reads out beside them."""

from __future__ import annotations

import json
import re

import pytest

from scene.presets import CAPTION_MAX, PRESETS_DIR, load_presets, preset_captions
from scene.race import DEFAULT_TOL, metrics, simulate

NAMES = list(load_presets())
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in NUMBER.findall(text)}


@pytest.mark.parametrize("name", NAMES)
def test_each_preset_has_a_caption_with_its_claims_numbers(name):
    caption = preset_captions()[name]
    claim = load_presets()[name].claim
    assert caption and len(caption) <= CAPTION_MAX and len(caption) < len(claim)
    # Every number the caption states is one the claim states (and the test suite checks).
    assert _numbers(caption) <= _numbers(claim), (_numbers(caption) - _numbers(claim))
    assert _numbers(caption), "a caption carries the claim's numbers"


def test_a_caption_that_is_not_text_is_left_out(tmp_path):
    for stem, caption in (("a", "Short."), ("b", 7), ("c", "  ")):
        data = json.loads((PRESETS_DIR / f"{NAMES[0]}.json").read_text(encoding="utf-8"))
        data["caption"] = caption
        (tmp_path / f"{stem}.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "d.json").write_text("[not json", encoding="utf-8")
    assert preset_captions(tmp_path) == {"a": "Short."}


@pytest.mark.parametrize(("name", "column"), [
    ("01-momentum-ravine", "steps to minimum"), ("04-sgd-diverges", "steps to minimum"),
    ("08-adam-two-rates", "steps to minimum"), ("16-lbfgs-long-steps", "steps to minimum"),
    ("17-rprop-sign-steps", "steps to minimum"), ("13-flat-generalizes", "test loss")])
def test_the_read_outs_numbers_are_in_the_caption(name, column):
    """What the stage reads out at the end of the race (the results table's numbers, at two
    significant digits for a loss) is what the caption says."""
    from ui.views import stage_readouts

    race = simulate(load_presets()[name])
    rows = metrics(race, tol=DEFAULT_TOL)
    paths = stage_readouts(race, [{} for _ in race.racers])
    caption = _numbers(preset_captions()[name])
    for row, path in zip(rows, paths, strict=True):
        if column == "test loss":
            assert path["test_loss"][-1] == pytest.approx(row["test loss"])
            assert f"{float(f'{row[column]:.2g}'):g}" in caption, (row, caption)
        elif row[column] != "never":
            assert path["reach"] == int(row[column].replace(",", ""))
            assert row[column].replace(",", "") in caption, (row, caption)
        else:
            assert path["reach"] is None

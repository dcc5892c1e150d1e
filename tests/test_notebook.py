"""The race in a notebook: a notebook executed by a Jupyter kernel shows the app's player (the
interactive export in a frame of its own) and a still PNG beside it; the object also gives
the paths, the scene, the figures and every export format."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np
import pytest

import optrace
from scene import to_json
from scene.presets import load_presets
from tests.browser import require_chromium

ROOT = Path(__file__).resolve().parents[1]


def test_a_race_from_a_link_a_preset_a_file_or_a_dict():
    by_link = optrace.race("?preset=01-momentum-ravine")
    by_name = optrace.race("01-momentum-ravine")
    by_file = optrace.race(ROOT / "assets" / "scenes" / "01-momentum-ravine.json")
    preset = load_presets()["01-momentum-ravine"]
    assert to_json(by_link.to_scene()) == to_json(by_name.to_scene()) == to_json(preset)
    assert to_json(by_file.to_scene()) == to_json(preset)
    shorter = optrace.race("01-momentum-ravine", steps=40)
    assert shorter.to_scene().steps == 40
    paths = shorter.paths
    assert list(paths) == ["SGD", "Momentum"]
    assert all(p.shape == (41, 2) and np.isfinite(p).all() for p in paths.values())
    assert np.array_equal(paths["SGD"][0], by_link.paths["SGD"][0])  # the preset's start
    assert np.array_equal(paths["SGD"][:41], by_link.paths["SGD"][:41])
    assert all(len(v) == 41 for v in shorter.losses.values())
    fig = shorter.figure("loss")
    assert len(fig.data) >= 2
    with pytest.raises(ValueError, match="neither a link"):
        optrace.race("no-such-preset")
    with pytest.raises(TypeError, match="takes a Scene"):
        optrace.race(42)
    # What a link cannot use is said, not silently replaced.
    with pytest.warns(UserWarning, match="steps") as said:
        r = optrace.race("?surface=booth&steps=-5")
    assert r.warnings and len(said) == len(r.warnings)


def test_save_writes_the_format_its_name_asks_for(tmp_path):
    r = optrace.race("01-momentum-ravine", steps=30)
    page = r.save(tmp_path / "race.html")
    assert page.read_bytes().lower().startswith(b"<!doctype html>")
    scene = r.save(tmp_path / "race.scene.json")
    assert json.loads(scene.read_text())["steps"] == 30
    rows = r.save(tmp_path / "race.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 31


def _notebook(cells: list[str]):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def test_a_notebook_shows_the_player_and_a_still_beside_it():
    require_chromium()  # the still map is an image export
    from nbclient import NotebookClient

    nb = _notebook(["import optrace",
                    "r = optrace.race('?preset=07-saddle', steps=80)\nr",
                    "r.paths['Adam'].shape"])
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    shown = [o for o in nb.cells[1].outputs if o.output_type == "execute_result"]
    assert len(shown) == 1
    data = shown[0]["data"]
    # The player: the interactive export in a frame of its own, the scene's title on it.
    frame = data["text/html"]
    assert frame.startswith("<iframe") and 'srcdoc="' in frame
    doc = html.unescape(frame.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert doc.lower().startswith("<!doctype html>") and 'id="race-data"' in doc
    # The still map for viewers that run no scripts: a PNG.
    png = base64.b64decode(data["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert "A saddle point" in data["text/plain"]
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "(81, 2)"

"""The player's surface signature: the page keeps the surface it drew while the signature stays,
so it must change with anything drawn from the surface and only then."""

from __future__ import annotations

import numpy as np

from figures.payload import race_payload, surface_payload
from landscapes import get_surface
from scene import default_scene
from scene.race import simulate
from ui.wire import encode as _encode


def _payload(scene, surface):
    return race_payload(simulate(scene), surface_payload(surface), revision="r", font_size=16)


def test_signature_follows_the_surface_not_the_paths():
    scene = default_scene()
    surface = get_surface(scene.surface, **scene.surface_params)
    meta, _ = _encode(_payload(scene, surface))
    scene.steps = scene.steps // 2  # other paths on the same surface
    same, _ = _encode(_payload(scene, surface))
    assert same["surface"]["_sig"] == meta["surface"]["_sig"]
    assert same["_sig"] != meta["_sig"]

    changed = _payload(scene, surface)
    z = np.array(changed["surface"]["z"], dtype=float)
    z[3, 5] += 1.0  # one grid value, as another surface parameter would change it
    changed["surface"] = {**changed["surface"], "z": z}
    other, _ = _encode(changed)
    assert other["surface"]["_sig"] != meta["surface"]["_sig"]


def test_signature_covers_the_test_surface_grid():
    scene = default_scene()
    surface = get_surface(scene.surface, **scene.surface_params)
    base = _payload(scene, surface)
    z = np.asarray(base["surface"]["z"], dtype=float)
    shifted = {**base, "surface": {**base["surface"], "test_z": z + 1.0}}
    assert _encode(shifted)[0]["surface"]["_sig"] != _encode(base)[0]["surface"]["_sig"]

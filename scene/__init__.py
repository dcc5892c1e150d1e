"""The Scene: one serializable value describing everything the app shows.

A scene names the surface (and its parameters), the start point, the number of steps, the
optimizers (each with a label, a colour and its hyperparameters), the learning-rate schedule,
gradient noise, sparsity, the seed and a few view settings. The app, the presets in
``assets/scenes/``, the share URL and every exporter read and write this one value.

The package's modules, each re-exported here (``from scene import Scene, from_dict``):

- :mod:`scene.model`: the value (:class:`Scene`, :class:`Entry`), its limits, its check and
  its JSON form;
- :mod:`scene.labels`: the label a racer is shown with;
- :mod:`scene.reader`: the forgiving reader (:func:`from_dict`, :func:`from_json`), which never
  raises on bad input and names each field it could not use.
"""

from __future__ import annotations

from .labels import SYMBOLS, entry_label
from .model import (
    BASIN_GRID,
    BASIN_GRIDS,
    DEFAULT_VIEW,
    MAX_OPTIMIZERS,
    PALETTE,
    STEPS_LIMIT,
    Entry,
    Scene,
    check,
    default_scene,
    to_dict,
    to_json,
)
from .reader import (
    ENTRY_KEYS,
    MAX_WARNINGS,
    QUOTE_CHARS,
    capped,
    from_dict,
    from_json,
    loads,
    normalized,
    quote,
)

__all__ = ["BASIN_GRID", "BASIN_GRIDS", "DEFAULT_VIEW", "ENTRY_KEYS",
           "MAX_OPTIMIZERS", "MAX_WARNINGS", "PALETTE", "QUOTE_CHARS", "STEPS_LIMIT", "SYMBOLS",
           "Entry", "Scene", "capped", "check", "default_scene", "entry_label", "from_dict",
           "from_json", "loads", "normalized", "quote", "to_dict", "to_json"]

"""A race as a notebook object: :func:`race` and :class:`Race` (see the package's docstring)."""

from __future__ import annotations

import html
import os
import warnings
from pathlib import Path

import numpy as np

from export import ExportError, build_figure, export_bytes, format_for_path
from export.source import read_scene
from scene import Scene, from_dict
from scene.race import simulate

__all__ = ["Race", "race"]

#: The player's size in a notebook's output, in CSS pixels: the export's height (its map takes
#: what the toolbar, the legend and the loss plot leave) and the frame that shows it whole.
PLAYER_HEIGHT, FRAME_HEIGHT = 620, 900


def _scene_of(source, changes: dict) -> tuple[Scene, list[str]]:
    """(scene, warnings) from a scene, a link, a preset's name, a scene file or a dict."""
    from dataclasses import replace

    warnings: list[str] = []
    if source is None:
        scene, warnings = from_dict({})
    elif isinstance(source, Scene):
        scene = source
    elif isinstance(source, dict):
        scene, warnings = from_dict(source)
    elif isinstance(source, str | os.PathLike):
        text = str(source)
        if text.startswith(("http://", "https://", "?")) or Path(text).is_file():
            try:  # read as the command line reads it, with the same bounds
                scene, warnings = read_scene(text)
            except ExportError as e:
                raise ValueError(str(e)) from None
        else:
            from scene.presets import load_presets

            presets = load_presets()
            if text not in presets:
                raise ValueError(f"{text!r} is neither a link, a scene file nor a preset "
                                 f"(presets: {', '.join(presets)})")
            scene = presets[text]
    else:
        raise TypeError("race() takes a Scene, a link, a preset's name, a scene file's path "
                        f"or a dict, not {type(source).__name__}")
    if changes:
        scene = replace(scene, **changes)
    return scene, list(warnings)


def race(source=None, /, *, tune: bool | str = False, tune_second: bool = False,
         **changes) -> Race:
    """Run a scene's race: ``source`` is a link (``"?preset=07-saddle"``, a page's address), a
    preset's name, a scene file's path, a dict in the scene files' format, a
    :class:`scene.Scene`, or nothing (the default scene); ``changes`` replace the scene's
    fields (``steps=500``). ``tune``: first tune every racer's rate on the surface, the same
    search for each (True: by the default criterion, or name one: ``"mean"``, ``"final"``,
    ``"reach"``, ``"worst"``; ``tune_second``: momentum or β1 too). Whatever the reader could
    not use, and any racer that could not be tuned, is warned about (a ``UserWarning`` each,
    as the command line prints them) and kept in ``.warnings``."""
    from scene import tune as tuning

    scene, problems = _scene_of(source, changes)
    if tune:
        criterion = tuning.DEFAULT_CRITERION if tune is True else str(tune)
        if criterion not in tuning.CRITERIA:
            raise ValueError(f"tune={tune!r}: choose True or one of {', '.join(tuning.CRITERIA)}")
        scene, results = tuning.tune_all(scene, criterion, tune_second)
        problems += [f"{label}: not tuned, {got}" for label, got in
                     zip(scene.labels(), results, strict=True) if isinstance(got, str)]
    for problem in problems:  # what the reader could not use: said, as the command line does
        warnings.warn(problem, UserWarning, stacklevel=2)
    return Race(scene, warnings=problems)


class Race:
    """A race that has been run: shown in a notebook as the app's player."""

    def __init__(self, scene: Scene, *, warnings: list[str] | None = None) -> None:
        self._scene = scene
        self._race = simulate(scene)
        self.warnings = list(warnings or [])
        self._html: bytes | None = None
        self._png: bytes | None = None  # made once: each showing of the output reuses it

    # --- what it is ------------------------------------------------------------------------

    def to_scene(self) -> Scene:
        """The scene (save it with ``.save("race.scene.json")``)."""
        return self._scene

    @property
    def paths(self) -> dict[str, np.ndarray]:
        """Each racer's positions, by its name: an array of shape (points, 2), the start first."""
        return {r.label: np.array(r.traj.xy, copy=True) for r in self._race.racers}

    @property
    def losses(self) -> dict[str, np.ndarray]:
        """Each racer's loss at each of its points, by its name."""
        return {r.label: np.array(r.traj.loss, copy=True) for r in self._race.racers}

    def figure(self, kind: str = "landscape", **options):
        """The Plotly figure an image export draws: ``"landscape"`` (the map), ``"loss"``,
        ``"lr"`` or ``"3d"``; ``options``: ``theme``, ``width``, ``height``, ``step``."""
        return build_figure(self._race, kind, **options)

    def save(self, path: str | os.PathLike, **options) -> Path:
        """Write the race in the format its extension names (``.html``, ``.png``, ``.svg``,
        ``.pdf``, ``.gif``, ``.mp4``, ``.csv``, ``.json``, ``.scene.json``), with the export's
        options (``figure``, ``width``, ``height``, ``scale``, ``fps``, ``frames``,
        ``theme``)."""
        path = Path(path)
        fmt = format_for_path(path.name)
        if fmt is None:
            raise ValueError(f"cannot tell the format from {path.name!r}")
        path.write_bytes(export_bytes(self._scene, fmt, race=self._race, **options))
        return path

    # --- how a notebook shows it -----------------------------------------------------------

    def to_html(self) -> str:
        """The player as an ``<iframe>`` whose document is the interactive export."""
        if self._html is None:
            self._html = export_bytes(self._scene, "html", race=self._race,
                                      height=PLAYER_HEIGHT)
        doc = html.escape(self._html.decode("utf-8"), quote=True)
        title = html.escape(self._scene.title or "Optimizer race", quote=True)
        return (f'<iframe title="{title}" srcdoc="{doc}" style="width: 100%; max-width: 900px; '
                f'height: {FRAME_HEIGHT}px; border: 0" loading="lazy"></iframe>')

    def to_png(self) -> bytes | None:
        """The still map (None where the image export cannot run here: no Chromium)."""
        if self._png is None:
            try:
                self._png = export_bytes(self._scene, "png", race=self._race, scale=1)
            except ExportError:
                return None
        return self._png

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/html": self.to_html(), "text/plain": repr(self)}
        png = self.to_png()
        if png is not None:
            bundle["image/png"] = png
        return bundle

    def __repr__(self) -> str:
        ends = ", ".join(f"{r.label}: f = {float(r.traj.loss[-1]):.4g}"
                         for r in self._race.racers)
        title = self._scene.title or self._scene.surface
        return f"<race {title!r}, {self._scene.steps} steps — {ends}>"

"""The export formats, one line each: what the exporter, ``python -m export`` and the page
know of a format comes from :data:`FORMATS`.

A format is its name, its file extension, its MIME type, its kind (a figure, the race
animated, or data), the function that encodes it and a description. The exporter calls the
encoder with an :class:`Export`, everything asked for; the command line reads a file's format
from its extension and lists the formats in its help; the page offers the figure and animation
formats. A new format is one encoder plus one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ExportError

#: What a format holds: a figure (``--figure``), the race as an animation, the race as an
#: interactive page, or data.
KINDS = ("image", "animation", "page", "data")


@dataclass
class Export:
    """What one export asks for, handed to a format's encoder."""

    scene: object
    format: str
    figure: str = "landscape"
    width: int = 900
    height: int = 700
    scale: float = 2
    fps: float = 20
    frames: int = 120
    theme: str = "article"
    notes: list[str] | None = None
    given_race: object = field(default=None, repr=False)
    fill: bool = False  # keep the whole size asked for (a slide), the map centred in it

    def race(self):
        """The scene's race: the one given, or simulated now (once)."""
        if self.given_race is None:
            from scene.race import simulate

            try:
                self.given_race = simulate(self.scene)
            except ValueError as e:
                raise ExportError(f"the scene cannot be run: {e}", "input") from None
        return self.given_race

    def note(self, text: str) -> None:
        if self.notes is not None:
            self.notes.append(text)


@dataclass(frozen=True)
class Format:
    """One export format.

    ``encode(export)`` makes the file's bytes. ``raster``: its pixels are ``scale`` times its
    size in CSS pixels (and limited in number); ``max_fps``: an animation's highest frame
    rate. ``views``: an analysis view (:data:`scene.views.VIEWS`) can be exported in it (its
    figure for an image format, its numbers for a data format)."""

    name: str
    extension: str
    mime: str
    kind: str
    encode: Callable[[Export], bytes]
    description: str
    raster: bool = False
    max_fps: int = 0
    views: bool = False


def _image(job: Export) -> bytes:
    """A figure of the race: the map, the loss curves, the learning rates or the 3-D view."""
    from . import build_figure, pdf_title, static

    fmt = _format_of(job)
    fig = build_figure(job.race(), job.figure, theme=job.theme, width=job.width,
                       height=job.height)
    # the map is cut to what it draws, so it may be narrower or shorter than asked; a slide
    # keeps its size, the figure centred in it
    if job.fill:
        _centre(fig, job.width, job.height)
    return static.render(fig, fmt.name, width=int(fig.layout.width or job.width),
                         height=int(fig.layout.height or job.height),
                         scale=job.scale if fmt.raster else 1, title=pdf_title(fig))


def _centre(fig, width: int, height: int) -> None:
    """The figure on a canvas of ``width`` × ``height``: what it draws keeps its size and
    aspect, in the middle, the margins taking the rest."""
    w0, h0 = int(fig.layout.width or width), int(fig.layout.height or height)
    dx, dy = max(0, width - w0), max(0, height - h0)
    m = fig.layout.margin
    fig.update_layout(width=max(width, w0), height=max(height, h0), margin={
        "l": (m.l or 0) + dx // 2, "r": (m.r or 0) + dx - dx // 2,
        "t": (m.t or 0) + dy // 2, "b": (m.b or 0) + dy - dy // 2})


def _animation(job: Export) -> bytes:
    """The race animated over the map."""
    from . import animate

    fmt = _format_of(job)
    race = job.race()
    stage, how = animate.make_stage(race, job.theme, job.width, job.height, job.scale)
    if how != "chromium":
        job.note("Chromium was not found, so the map under the animation was drawn with "
                 "Pillow (install chromium for the full figure)")
    animator = animate.Animator(race, stage, job.theme, pad_to_even=(fmt.name == "mp4"))
    steps = animate.frame_steps(animator.total, job.frames)
    encode = animate.encode_gif if fmt.name == "gif" else animate.encode_mp4
    return encode(animator, steps, job.fps)


def _csv(job: Export) -> bytes:
    from .data import csv_bytes

    return csv_bytes(job.race())


def _json(job: Export) -> bytes:
    from .data import json_bytes

    return json_bytes(job.scene, job.race())


def _scene(job: Export) -> bytes:
    from .data import scene_bytes

    return scene_bytes(job.scene)


def _html(job: Export) -> bytes:
    from .interactive import html_bytes

    return html_bytes(job)


def _format_of(job: Export) -> Format:
    return FORMATS[job.format]


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("png", ".png", "image/png", "image", _image, "PNG image", raster=True, views=True),
    Format("svg", ".svg", "image/svg+xml", "image", _image, "SVG (vector)", views=True),
    Format("pdf", ".pdf", "application/pdf", "image", _image, "PDF (vector)", views=True),
    Format("gif", ".gif", "image/gif", "animation", _animation, "GIF animation", raster=True,
           max_fps=50),
    Format("mp4", ".mp4", "video/mp4", "animation", _animation, "MP4 video", raster=True,
           max_fps=60),
    Format("html", ".html", "text/html", "page", _html,
           "interactive page: the player, offline, in one file"),
    Format("csv", ".csv", "text/csv", "data", _csv, "every path, point by point", views=True),
    Format("json", ".json", "application/json", "data", _json,
           "every path, point by point, with the scene"),
    Format("scene", ".scene.json", "application/json", "data", _scene, "the scene"),
)}


def of_kind(*kinds: str) -> list[str]:
    """The formats of these kinds, in the table's order."""
    return [name for name, f in FORMATS.items() if f.kind in kinds]


def format_for_path(path: str) -> str | None:
    """The export format a file name asks for (``race.scene.json`` → ``"scene"``), or None:
    the format whose extension the name ends with (the longest, when several do)."""
    name = str(path).lower()
    ends = [f for f in FORMATS.values() if name.endswith(f.extension)]
    return max(ends, key=lambda f: len(f.extension)).name if ends else None

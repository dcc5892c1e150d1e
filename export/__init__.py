"""Exports of a race: images, animations, data and the scene itself.

    >>> from export import export_bytes
    >>> png = export_bytes(scene, "png")                      # the map, 1800 × 1400 pixels
    >>> pdf = export_bytes(scene, "pdf", figure="loss")       # loss curves, vector
    >>> gif = export_bytes(scene, "gif", frames=120, fps=20)  # the race, animated

One entry point, :func:`export_bytes`, for every format in :data:`FORMATS`. Problems come
back as :class:`ExportError`, whose message is one line meant for the user. No Streamlit here:
the app and ``python -m export`` both call this module.

PNG, SVG and PDF need Chromium (found by Kaleido; on Debian ``apt-get install chromium``). GIF
and MP4 use it for the map when it is there; without it they draw the map with Pillow, which
looks simpler but still shows the race.
"""

from __future__ import annotations

import re

from .errors import ExportError

IMAGE_FORMATS = ("png", "svg", "pdf")
ANIMATION_FORMATS = ("gif", "mp4")
DATA_FORMATS = ("csv", "json", "scene")
FORMATS = IMAGE_FORMATS + ANIMATION_FORMATS + DATA_FORMATS
FIGURES = ("landscape", "loss", "lr", "3d", "basins", "sensitivity", "hyper")
#: The figures of the analysis views (:mod:`scene.analysis`): made from many runs, not the race;
#: with ``.csv`` they give the view's numbers instead of the paths.
ANALYSIS_FIGURES = ("basins", "sensitivity", "hyper")
THEMES = ("article", "screen")

MIME_TYPES = {
    "png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
    "gif": "image/gif", "mp4": "video/mp4", "csv": "text/csv",
    "json": "application/json", "scene": "application/json",
}
EXTENSIONS = {fmt: "." + fmt for fmt in FORMATS} | {"scene": ".scene.json"}

MAX_PIXELS = 40_000_000

__all__ = ["ANALYSIS_FIGURES", "ANIMATION_FORMATS", "DATA_FORMATS", "EXTENSIONS", "ExportError",
           "FIGURES",
           "FORMATS", "IMAGE_FORMATS", "MIME_TYPES", "build_figure", "export_bytes",
           "file_name", "format_for_path", "static_available", "warm_up"]


def format_for_path(path: str) -> str | None:
    """The export format a file name asks for (``race.scene.json`` → ``"scene"``), or None."""
    name = str(path).lower()
    if name.endswith(".scene.json"):
        return "scene"
    m = re.search(r"\.([a-z0-9]+)$", name)
    if m and m.group(1) in FORMATS and m.group(1) != "scene":
        return m.group(1)
    return None


def _slug(text: str) -> str:
    """Words for a file name: lower case, apostrophes dropped (SGD's: sgds), other runs of
    characters but letters and digits as one hyphen."""
    words = re.sub(r"['\u2019]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-")


def file_name(scene, fmt: str, figure: str = "landscape") -> str:
    """A descriptive file name, e.g. ``rosenbrock-race.gif`` or ``ravine-loss.pdf``."""
    base = _slug(scene.title or scene.surface)
    what = {"landscape": "race", "loss": "loss", "lr": "learning-rate", "3d": "3d"}
    if fmt == "csv" and figure in ANALYSIS_FIGURES:
        kind = figure
    elif fmt in ("csv", "json"):
        kind = "paths"
    elif fmt == "scene":
        kind = "scene"
    else:
        kind = what.get(figure, figure) if fmt in IMAGE_FORMATS else "race"
    if figure == "hyper" and kind == "hyper" and scene.optimizers:  # whose map it is
        from scene.analysis import view_racer

        index = view_racer(scene)
        if index is not None:
            kind += "-" + (_slug(scene.labels()[index]) or str(index + 1))
    ext = EXTENSIONS.get(fmt, "." + fmt)
    if fmt == "scene":
        return f"{base or 'race'}{ext}"
    return f"{base or 'race'}-{kind}{ext}"


def static_available() -> bool:
    """Whether PNG, SVG and PDF can be made here (Chromium found)."""
    from . import static
    return static.available()


def warm_up() -> bool:
    """Start the browser used for static images now, so the first export is quick (call it
    from a background thread). Returns whether static images are available."""
    from . import static
    return static.warm_up()


def build_figure(race, figure: str = "landscape", *, theme: str = "article",
                 width: int = 900, height: int = 700, step: int | None = None):
    """The Plotly figure an image export renders: the paths up to ``step`` (the scene's
    paused step by default; the whole run when it has none)."""
    import figures
    if step is None:
        step = (getattr(race.scene, "view", None) or {}).get("step")
    kw = {"theme": theme, "width": width, "height": height, "step": step}
    if figure == "landscape":
        return figures.landscape_figure(race, **kw)
    if figure == "loss":
        return figures.loss_figure(race, **kw)
    if figure == "lr":
        return figures.lr_figure(race, **kw)
    if figure == "3d":
        return figures.surface3d_figure(race, **kw)
    raise ExportError(f"unknown figure {figure!r}; choose one of: {', '.join(FIGURES)}",
                      "input")


def _check(fmt, figure, width, height, scale, fps, frames, theme) -> str:
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}",
                          "input")
    if figure not in FIGURES:
        raise ExportError(f"unknown figure {figure!r}; choose one of: {', '.join(FIGURES)}",
                          "input")
    if theme not in THEMES:
        raise ExportError(f"unknown theme {theme!r}; choose one of: {', '.join(THEMES)}",
                          "input")
    for name, v, lo, hi in (("width", width, 100, 4000), ("height", height, 100, 4000)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ExportError(f"{name} must be a whole number of pixels from {lo} to {hi}",
                              "input")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0.25 <= scale <= 8:
        raise ExportError("scale must be a number from 0.25 to 8", "input")
    if fmt in ("png", "gif", "mp4") and (width * scale) * (height * scale) > MAX_PIXELS:
        raise ExportError(f"{width * scale:.0f} × {height * scale:.0f} pixels is too large "
                          f"(at most {MAX_PIXELS // 1_000_000} million): lower the scale",
                          "input")
    if fmt in ANIMATION_FORMATS:
        top = 50 if fmt == "gif" else 60
        if isinstance(fps, bool) or not isinstance(fps, int | float) or not 1 <= fps <= top:
            raise ExportError(f"fps must be from 1 to {top} for {fmt.upper()}", "input")
        if isinstance(frames, bool) or not isinstance(frames, int) or not 1 <= frames <= 2000:
            raise ExportError("frames must be a whole number from 1 to 2000", "input")
    return fmt


def export_bytes(scene, fmt: str, *, race=None, figure: str = "landscape", width: int = 900,
                 height: int | None = None, scale: float = 2, fps: float = 20, frames: int = 120,
                 theme: str = "article", notes: list[str] | None = None,
                 result=None) -> bytes:
    """Export a scene's race as ``fmt``.

    Parameters
    ----------
    scene : scene.Scene
    fmt : "png", "svg", "pdf" (a figure), "gif", "mp4" (the race animated), "csv", "json"
        (every path, point by point; JSON includes the scene) or "scene" (the scene's JSON)
    race : the result of ``scene.race.simulate(scene)`` when the caller has it already
    figure : for png/svg/pdf: "landscape" (the map), "loss", "lr" or "3d"; animations always
        show the map
    width, height : size in CSS pixels (PNG, GIF and MP4 get ``scale`` times as many); no
        height: 700, or for the basins as tall as their panels at ``width`` need
    scale : pixel density for PNG, GIF and MP4
    fps, frames : frame rate and number of frames of an animation; frame i shows the paths
        up to step round(i · N / (frames − 1))
    theme : "article" or "screen"
    notes : a list that receives messages worth showing (e.g. that an animation's map was
        drawn without Chromium)
    result : for an analysis figure, its result (``scene.analysis.compute(scene, figure)``)
        when the caller has it already

    Raises :class:`ExportError` (one-line message) when the export cannot be made.
    """
    if figure in ANALYSIS_FIGURES and fmt in IMAGE_FORMATS + ("csv",):
        # the basins are as tall as their panels need unless a height is asked for
        _check(fmt, figure, width, 700 if height is None else height, scale, fps, frames, theme)
        return _analysis_bytes(scene, fmt, figure, theme, width, height, scale, result, race,
                               notes)
    height = 700 if height is None else height
    fmt = _check(fmt, figure, width, height, scale, fps, frames, theme)
    if fmt == "scene":
        from .data import scene_bytes
        return scene_bytes(scene)
    if race is None:
        from scene.race import simulate
        try:
            race = simulate(scene)
        except ValueError as e:
            raise ExportError(f"the scene cannot be run: {e}", "input") from None
    if fmt == "csv":
        from .data import csv_bytes
        return csv_bytes(race)
    if fmt == "json":
        from .data import json_bytes
        return json_bytes(scene, race)
    if fmt in IMAGE_FORMATS:
        from . import static
        fig = build_figure(race, figure, theme=theme, width=width, height=height)
        # the map is cut to what it draws, so it may be narrower or shorter than asked
        return static.render(fig, fmt, width=int(fig.layout.width or width),
                             height=int(fig.layout.height or height),
                             scale=scale if fmt == "png" else 1, title=_pdf_title(fig))
    from . import animate
    stage, how = animate.make_stage(race, theme, width, height, scale)
    if how != "chromium" and notes is not None:
        notes.append("Chromium was not found, so the map under the animation was drawn "
                      "with Pillow (install chromium for the full figure)")
    animator = animate.Animator(race, stage, theme, pad_to_even=(fmt == "mp4"))
    steps = animate.frame_steps(animator.total, frames)
    if fmt == "gif":
        return animate.encode_gif(animator, steps, fps)
    return animate.encode_mp4(animator, steps, fps)


def _pdf_title(fig) -> str | None:
    """The figure's title (the scene's, or what the figure shows), as a PDF's title."""
    import html

    for ann in fig.layout.annotations or ():
        if ann.name == "title" and ann.text:
            return html.unescape(ann.text)
    text = fig.layout.title.text if fig.layout.title else None
    return html.unescape(text) if text else None


def _analysis_bytes(scene, fmt: str, figure: str, theme: str, width: int, height: int | None,
                    scale: float, result=None, race=None, notes=None) -> bytes:
    """An analysis view of ``scene`` as a figure or as CSV, with the view's settings that the
    scene holds (the basins grid, the map's racer); the basins with each racer's path in the
    race, as the page draws them. A basins grid larger than the views' budget allows is
    reduced, as on the page, and ``notes`` says so."""
    from scene import BASIN_GRID
    from scene.analysis import basin_grid, compute, to_csv

    if figure == "basins" and result is None and notes is not None:
        wanted, grid = scene.view.get("grid", BASIN_GRID), basin_grid(scene)
        if grid < wanted:
            from scene.budget import what_to_lower

            notes.append(f"{wanted} × {wanted} starts is more than a view may compute: the "
                         f"basins have {grid} × {grid}; lower {what_to_lower(scene, figure)} "
                         "for more")

    try:
        result = compute(scene, figure) if result is None else result
    except ValueError as e:
        raise ExportError(f"the {figure} view cannot be made for this scene: {e}",
                          "input") from None
    if fmt == "csv":
        return to_csv(result)
    from figures.analysis import analysis_figure

    from . import static
    kw = {}
    if figure == "basins":
        if race is None:
            from scene.race import simulate
            try:
                race = simulate(scene)
            except ValueError:
                race = None  # the basins without the race's paths
        kw = {"start": scene.start_point(),
              "paths": None if race is None else [r.traj.xy for r in race.racers]}
    elif height is None:
        height = 700
    fig = analysis_figure(result, theme=theme, width=width, height=height, **kw)
    return static.render(fig, fmt, width=width, height=int(fig.layout.height),
                         scale=scale if fmt == "png" else 1, title=_pdf_title(fig))

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
from .formats import FORMATS, Export, Format, format_for_path, of_kind

#: The figures of the race: what a figure export shows, and how the page names it.
RACE_FIGURES = {"landscape": "map with paths", "loss": "loss curves", "lr": "learning rates",
                "3d": "3-D surface"}
THEMES = ("article", "screen")
MAX_PIXELS = 40_000_000


def figures() -> dict[str, str]:
    """Every figure an export may show, by name: the race's, then each analysis view's
    (:data:`scene.views.VIEWS`), with the words the page uses for it."""
    from scene.views import VIEWS

    return {**RACE_FIGURES, **{name: view.title for name, view in VIEWS.items()}}


def __getattr__(name: str):
    """The lists of formats and figures, as the tables have them now (``IMAGE_FORMATS``,
    ``MIME_TYPES``, ``FIGURES``, ...)."""
    lists = {
        "IMAGE_FORMATS": lambda: tuple(of_kind("image")),
        "ANIMATION_FORMATS": lambda: tuple(of_kind("animation")),
        "DATA_FORMATS": lambda: tuple(of_kind("data")),
        "MIME_TYPES": lambda: {k: f.mime for k, f in FORMATS.items()},
        "EXTENSIONS": lambda: {k: f.extension for k, f in FORMATS.items()},
        "FIGURES": lambda: tuple(figures()),
        "ANALYSIS_FIGURES": lambda: tuple(_views()),
    }
    if name in lists:
        return lists[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _views():
    from scene.views import VIEWS

    return VIEWS


__all__ = ["ANALYSIS_FIGURES", "ANIMATION_FORMATS", "DATA_FORMATS", "EXTENSIONS", "ExportError",
           "FIGURES", "FORMATS", "IMAGE_FORMATS", "MIME_TYPES", "RACE_FIGURES", "Export",
           "Format", "build_figure", "export_bytes", "figures", "file_name", "format_for_path",
           "static_available", "warm_up"]


def _slug(text: str) -> str:
    """Words for a file name: lower case, apostrophes dropped (SGD's: sgds), other runs of
    characters but letters and digits as one hyphen."""
    words = re.sub(r"['\u2019]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-")


def file_name(scene, fmt: str, figure: str = "landscape") -> str:
    """A descriptive file name, e.g. ``rosenbrock-race.gif`` or ``ravine-loss.pdf``."""
    base = _slug(scene.title or scene.surface)
    what = {"landscape": "race", "loss": "loss", "lr": "learning-rate", "3d": "3d"}
    views = _views()
    kind_of = FORMATS[fmt].kind if fmt in FORMATS else "data"
    if figure in views and fmt in FORMATS and FORMATS[fmt].views:
        view = views[figure]
        kind = figure
        tags = view.file_tag(scene) if view.file_tag is not None else ()
        tag = next((_slug(t) for t in tags if _slug(t)), "")
        if tag:  # whose map it is
            kind += "-" + tag
    elif kind_of == "data":
        kind = "scene" if fmt == "scene" else "paths"
    else:
        kind = what.get(figure, figure) if kind_of == "image" else "race"
    ext = FORMATS[fmt].extension if fmt in FORMATS else "." + fmt
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


#: How each figure of the race is made: ``figures.<name>(race, theme=, width=, height=, step=)``.
_RACE_BUILDERS = {"landscape": "landscape_figure", "loss": "loss_figure", "lr": "lr_figure",
                  "3d": "surface3d_figure"}


def build_figure(race, figure: str = "landscape", *, theme: str = "article",
                 width: int = 900, height: int = 700, step: int | None = None):
    """The Plotly figure an image export renders: the paths up to ``step`` (the scene's
    paused step by default; the whole run when it has none)."""
    import figures as F

    if figure not in _RACE_BUILDERS:
        raise ExportError(f"unknown figure {figure!r}; choose one of: "
                          f"{', '.join(figures())}", "input")
    if step is None:
        step = (getattr(race.scene, "view", None) or {}).get("step")
    return getattr(F, _RACE_BUILDERS[figure])(race, theme=theme, width=width, height=height,
                                              step=step)


def _check(fmt, figure, width, height, scale, fps, frames, theme) -> str:
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}",
                          "input")
    f = FORMATS[fmt]
    if figure not in figures():
        raise ExportError(f"unknown figure {figure!r}; choose one of: "
                          f"{', '.join(figures())}", "input")
    if theme not in THEMES:
        raise ExportError(f"unknown theme {theme!r}; choose one of: {', '.join(THEMES)}",
                          "input")
    for name, v, lo, hi in (("width", width, 100, 4000), ("height", height, 100, 4000)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ExportError(f"{name} must be a whole number of pixels from {lo} to {hi}",
                              "input")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0.25 <= scale <= 8:
        raise ExportError("scale must be a number from 0.25 to 8", "input")
    if f.raster and (width * scale) * (height * scale) > MAX_PIXELS:
        raise ExportError(f"{width * scale:.0f} × {height * scale:.0f} pixels is too large "
                          f"(at most {MAX_PIXELS // 1_000_000} million): lower the scale",
                          "input")
    if f.kind == "animation":
        top = f.max_fps
        if isinstance(fps, bool) or not isinstance(fps, int | float) or not 1 <= fps <= top:
            raise ExportError(f"fps must be from 1 to {top} for {fmt.upper()}", "input")
        if isinstance(frames, bool) or not isinstance(frames, int) or not 1 <= frames <= 2000:
            raise ExportError("frames must be a whole number from 1 to 2000", "input")
    return fmt


def export_bytes(scene, fmt: str, *, race=None, figure: str = "landscape", width: int = 900,
                 height: int | None = None, scale: float = 2, fps: float = 20, frames: int = 120,
                 theme: str = "article", notes: list[str] | None = None,
                 result=None, fill: bool = False) -> bytes:
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
    fill : the figure keeps the whole size asked for (a slide), its map centred in it, rather
        than being cut to what the map draws

    Raises :class:`ExportError` (one-line message) when the export cannot be made.
    """
    f = FORMATS.get(str(fmt).lower().lstrip("."))
    if figure in _views() and f is not None and f.views:
        # the basins are as tall as their panels need unless a height is asked for
        _check(fmt, figure, width, 700 if height is None else height, scale, fps, frames, theme)
        return _analysis_bytes(scene, f, figure, theme, width, height, scale, result, race,
                               notes)
    height = 700 if height is None else height
    fmt = _check(fmt, figure, width, height, scale, fps, frames, theme)
    return FORMATS[fmt].encode(Export(scene, fmt, figure, width, height, scale, fps, frames,
                                      theme, notes, race, fill))


def pdf_title(fig) -> str | None:
    """The figure's title (the scene's, or what the figure shows), as a PDF's title."""
    import html

    for ann in fig.layout.annotations or ():
        if ann.name == "title" and ann.text:
            return html.unescape(ann.text)
    text = fig.layout.title.text if fig.layout.title else None
    return html.unescape(text) if text else None


def _analysis_bytes(scene, f: Format, figure: str, theme: str, width: int, height: int | None,
                    scale: float, result=None, race=None, notes=None) -> bytes:
    """An analysis view of ``scene`` as a figure or as its numbers (CSV), with the view's
    settings that the scene holds (the basins grid, the map's racer); a view that draws the
    race (the basins) with each racer's path in the race, as the page draws them. A view's
    settings that the views' budget does not allow are reduced, as on the page, and ``notes``
    says so."""
    from scene.analysis import compute, to_csv

    from . import static

    view = _views()[figure]
    if result is None and notes is not None and view.note is not None:
        if (note := view.note(scene)) is not None:
            notes.append(note)
    try:
        result = compute(scene, figure) if result is None else result
    except ValueError as e:
        raise ExportError(f"the {figure} view cannot be made for this scene: {e}",
                          "input") from None
    if f.kind == "data":
        return to_csv(result)
    kw = {}
    if view.with_race:
        if race is None:
            from scene.race import simulate
            try:
                race = simulate(scene)
            except ValueError:
                race = None  # the view without the race's paths
        kw = {"start": scene.start_point(),
              "paths": None if race is None else [r.traj.xy for r in race.racers]}
    elif height is None:
        height = 700
    fig = view.figure_function()(result, theme=theme, width=width, height=height, **kw)
    return static.render(fig, f.name, width=width, height=int(fig.layout.height),
                         scale=scale if f.raster else 1, title=pdf_title(fig))

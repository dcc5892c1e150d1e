"""``python -m export SCENE -o OUT``: export a race from the command line.

SCENE is a scene JSON file (such as ``assets/scenes/<preset>.json``) or a share link copied
from the app (``https://…?surface=…`` or just ``?surface=…``), read as the page reads it
(``?preset=…`` and ``?lesson=…&slide=…`` too: :func:`scene.link.read_link`; ``present=`` is
refused). The format comes from OUT's extension (:data:`export.formats.FORMATS`: .png .svg .pdf
.gif .mp4 .csv .json, or .scene.json for the scene alone).

Exit status: 0 on success, 2 for bad input (unreadable or invalid scene, unknown extension,
bad option), 3 when the export cannot be made here (for instance without Chromium).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import re
import sys
import tempfile

from . import FORMATS, ExportError, export_bytes, figures, format_for_path
from .source import read_scene

EXIT_INPUT = 2
EXIT_UNAVAILABLE = 3

#: Largest scene file or share link read (a scene is a few kB; the presets are under 2 kB).
#: A link's keys that say how the page shows a scene, not what to export, and what they do.


class _Fail(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block
        raise _Fail(f"{message} (see python -m export --help)", EXIT_INPUT)


def _extensions(kind: str) -> str:
    return " ".join(f.extension for f in FORMATS.values() if f.kind == kind)


def _formats_text() -> str:
    """The formats by extension, as the help ends: each kind's extensions and what they hold."""
    kinds = {"image": "a figure", "animation": "the race animated",
             "page": "the race as an interactive page, offline, in one file"}
    parts = [f"{_extensions(kind)} ({what})" for kind, what in kinds.items()]
    parts += [f"{f.extension} ({f.description})" for f in FORMATS.values() if f.kind == "data"]
    return "Formats by extension: " + ", ".join(parts) + "."


def _figure_help() -> str:
    """``--figure``'s help: the race's figures and every analysis view's."""
    from scene.views import VIEWS

    views = ", ".join(f"{name} ({view.title})" for name, view in VIEWS.items())
    return ("what image formats show: the map (landscape), loss curves, learning rates (lr), "
            f"the 3-D surface, or an analysis view: {views}; with .csv an analysis view gives "
            "its numbers. The scene's view picks each view's own settings (the basins grid "
            "and the map's racer: grid=400, racer=2 in a link) (default: landscape)")


def _criteria() -> tuple[str, ...]:
    from scene.tune import CRITERIA

    return tuple(CRITERIA)


def _default_criterion() -> str:
    from scene.tune import DEFAULT_CRITERION

    return DEFAULT_CRITERION


def _tuned(scene, args):
    """The scene with every racer tuned as ``--tune`` asks, each outcome said on stderr."""
    from dataclasses import replace

    from scene.tune import DEFAULT_CRITERION, criteria, tune_all

    if not criteria(scene):
        raise _Fail("--tune: this surface has no lowest point, so a run that heads downhill "
                    "fastest would win any criterion; nothing to tune by", EXIT_INPUT)
    criterion = (scene.tuning.get("criterion", DEFAULT_CRITERION) if args.tune == "scene"
                 else args.tune)
    second = bool(args.tune_second or scene.tuning.get("second"))
    tuning = {k: v for k, v in (("criterion", criterion), ("second", second))
              if v and v != DEFAULT_CRITERION}
    scene, results = tune_all(replace(scene, tuning={**scene.tuning, **tuning}), criterion,
                              second)
    for label, got in zip(scene.labels(), results, strict=True):
        print(f"tuned: {got.summary()}" if not isinstance(got, str) else
              f"not tuned: {label}: {got}", file=sys.stderr)
    return scene


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m export",
        description="Export an optimizer race as an image, an animation or data.",
        epilog=_formats_text())
    p.add_argument("scene", metavar="SCENE",
                   help="scene JSON file, or a share link (https://...?surface=... or ?...; "
                        "?preset=NAME and ?lesson=NAME&slide=N too)")
    p.add_argument("-o", "--output", metavar="OUT", required=True,
                   help="file to write; its extension picks the format")
    p.add_argument("--figure", choices=tuple(figures()), default="landscape",
                   help=_figure_help())
    p.add_argument("--width", type=int, default=900, metavar="W",
                   help="width in CSS pixels (default 900)")
    p.add_argument("--height", type=int, default=None, metavar="H",
                   help="height in CSS pixels (default 700; the basins: as tall as their "
                        "panels need)")
    p.add_argument("--scale", type=float, default=2.0, metavar="S",
                   help="pixel density of PNG, GIF and MP4 (default 2)")
    p.add_argument("--fps", type=float, default=20.0, metavar="F",
                   help="frames per second of GIF and MP4 (default 20)")
    p.add_argument("--frames", type=int, default=120, metavar="N",
                   help="number of frames of GIF and MP4 (default 120)")
    p.add_argument("--theme", choices=("article", "screen"), default="article",
                   help="article (print) or screen (large text for projectors)")
    p.add_argument("--tune", nargs="?", const="scene", default=None, metavar="CRITERION",
                   choices=("scene", *_criteria()),
                   help="tune every racer's learning rate on the scene's surface first, each "
                        "with the same budget (36 runs of the scene's steps), by CRITERION: "
                        f"{', '.join(_criteria())} (default: the scene's, else "
                        f"{_default_criterion()}); the written scene records how")
    p.add_argument("--tune-second", action="store_true",
                   help="with --tune: tune momentum or β1 too, within the same budget")
    p.add_argument("--slide", action="store_true",
                   help="a 16:9 slide: 1920 x 1080 in large type (--width 1920 --height 1080 "
                        "--theme screen), for PNG, SVG, PDF and HTML")
    return p


def _write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a temporary file beside it, then
    renamed over it, so a failure leaves no partial file (and an older file untouched)."""
    target = os.path.realpath(path)  # through a symlink: the file it points to is replaced
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "it is a directory")
    if os.path.exists(target) and not os.path.isfile(target):
        raise OSError(errno.EINVAL, "it exists and is not a regular file")
    folder, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mp4_size(data: bytes) -> tuple[int, int]:
    """Width and height of an MP4's video track (its ``tkhd`` box, version 0)."""
    at = 0
    while (at := data.find(b"tkhd", at + 1)) > 0:
        w = int.from_bytes(data[at + 80: at + 84], "big") >> 16
        h = int.from_bytes(data[at + 84: at + 88], "big") >> 16
        if w and h:
            return w, h
    raise ValueError("no video track")


def _describe(data: bytes, fmt: str, args) -> str:
    size = f"{len(data):,} bytes"
    try:
        if fmt == "svg":  # the map is cut to what it draws: read the size made
            m = re.search(rb'<svg[^>]*?width="([0-9.]+)"[^>]*?height="([0-9.]+)"', data[:2000])
            return f"{size}, {float(m.group(1)):g}×{float(m.group(2)):g} px SVG"
        if fmt == "pdf":
            m = re.search(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)", data)
            w, h = (round(float(v) / 0.75) for v in m.groups())
            return f"{size}, {w}×{h} px PDF"
        if fmt == "mp4":
            w, h = _mp4_size(data)
            return f"{size}, {w}×{h} MP4, {args.frames} frames at {args.fps:g} fps"
        if fmt in ("png", "gif"):
            from PIL import Image
            with Image.open(io.BytesIO(data)) as im:
                extra = f", {getattr(im, 'n_frames', 1)} frames" if fmt == "gif" else ""
                return f"{size}, {im.width}×{im.height} {fmt.upper()}{extra}"
        if fmt == "csv":
            rows = data.count(b"\n") - 1
            return f"{size}, {rows:,} rows"
        if fmt == "json":
            doc = json.loads(data)
            points = sum(len(t["points"]) for t in doc["trajectories"])
            return f"{size}, {len(doc['trajectories'])} paths, {points:,} points"
    except Exception:  # noqa: BLE001 - the description is a courtesy
        pass
    return f"{size}, {fmt.upper() if fmt != 'scene' else 'scene JSON'}"


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    fmt = format_for_path(args.output)
    if fmt is None:
        names = [f.extension for f in FORMATS.values()]
        raise _Fail(f"cannot tell the format from {args.output!r}: use "
                    f"{', '.join(names[:-1])} or {names[-1]}", EXIT_INPUT)
    if FORMATS[fmt].kind in ("animation", "page") and args.figure != "landscape":
        images = _extensions("image").split()
        raise _Fail("animations and interactive pages show the map: --figure applies to "
                    f"{', '.join(images[:-1])} and {images[-1]}", EXIT_INPUT)
    if args.slide:
        if FORMATS[fmt].kind == "animation":
            raise _Fail("--slide is for figures and interactive pages, not animations",
                        EXIT_INPUT)
        args.width, args.height, args.theme = 1920, 1080, "screen"
    try:
        scene, warnings = read_scene(args.scene)
    except ExportError as e:
        raise _Fail(str(e), EXIT_INPUT) from None
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.tune is not None:
        scene = _tuned(scene, args)
    elif args.tune_second:
        raise _Fail("--tune-second needs --tune", EXIT_INPUT)
    notes: list[str] = []
    try:
        data = export_bytes(scene, fmt, figure=args.figure, width=args.width,
                            height=args.height,
                            scale=args.scale, fps=args.fps, frames=args.frames,
                            theme=args.theme, notes=notes, fill=args.slide)
    except ExportError as e:
        raise _Fail(str(e), EXIT_INPUT if e.kind == "input" else EXIT_UNAVAILABLE) from None
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    try:
        _write_atomically(args.output, data)
    except OSError as e:
        raise _Fail(f"cannot write {args.output}: {e.strerror or e}", EXIT_INPUT) from None
    print(f"wrote {args.output} ({_describe(data, fmt, args)})")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except _Fail as e:
        print(f"error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - never a traceback
        text = " ".join(str(e).split())[:200] or type(e).__name__
        print(f"error: the export failed unexpectedly ({type(e).__name__}: {text})",
              file=sys.stderr)
        return EXIT_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())

"""``python -m export SCENE -o OUT``: export a race from the command line.

SCENE is a scene JSON file (such as ``assets/scenes/<preset>.json``) or a share link copied
from the app (``https://…?surface=…`` or just ``?surface=…``). The format comes from OUT's
extension: .png .svg .pdf .gif .mp4 .csv .json, or .scene.json for the scene alone.

Exit status: 0 on success, 2 for bad input (unreadable or invalid scene, unknown extension,
bad option), 3 when the export cannot be made here (for instance without Chromium).
"""

from __future__ import annotations

import argparse
import io
import json
import sys

from . import ANIMATION_FORMATS, FIGURES, ExportError, export_bytes, format_for_path

EXIT_INPUT = 2
EXIT_UNAVAILABLE = 3


class _Fail(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block
        raise _Fail(f"{message} (see python -m export --help)", EXIT_INPUT)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m export",
        description="Export an optimizer race as an image, an animation or data.",
        epilog="Formats by extension: .png .svg .pdf (a figure), .gif .mp4 (the race "
               "animated), .csv .json (every path, point by point), .scene.json (the scene).")
    p.add_argument("scene", metavar="SCENE",
                   help="scene JSON file, or a share link (https://...?surface=... or ?...)")
    p.add_argument("-o", "--output", metavar="OUT", required=True,
                   help="file to write; its extension picks the format")
    p.add_argument("--figure", choices=FIGURES, default="landscape",
                   help="what PNG/SVG/PDF show: the map (landscape), loss curves, learning "
                        "rates (lr) or the 3-D surface (default: landscape)")
    p.add_argument("--width", type=int, default=900, metavar="W",
                   help="width in CSS pixels (default 900)")
    p.add_argument("--height", type=int, default=700, metavar="H",
                   help="height in CSS pixels (default 700)")
    p.add_argument("--scale", type=float, default=2.0, metavar="S",
                   help="pixel density of PNG, GIF and MP4 (default 2)")
    p.add_argument("--fps", type=float, default=20.0, metavar="F",
                   help="frames per second of GIF and MP4 (default 20)")
    p.add_argument("--frames", type=int, default=120, metavar="N",
                   help="number of frames of GIF and MP4 (default 120)")
    p.add_argument("--theme", choices=("article", "screen"), default="article",
                   help="article (print) or screen (large text for projectors)")
    return p


def _read_scene(source: str):
    """(scene, warnings) from a file or a share link; raises _Fail for unusable input."""
    from scene import from_dict
    from scene.url import from_url

    if source.startswith(("http://", "https://", "?")):
        return from_url(source)
    try:
        with open(source, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise _Fail(f"cannot read {source}: no such file", EXIT_INPUT) from None
    except IsADirectoryError:
        raise _Fail(f"cannot read {source}: it is a directory", EXIT_INPUT) from None
    except UnicodeDecodeError:
        raise _Fail(f"cannot read {source}: not a UTF-8 text file", EXIT_INPUT) from None
    except OSError as e:
        raise _Fail(f"cannot read {source}: {e.strerror or e}", EXIT_INPUT) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise _Fail(f"{source} is not valid JSON (line {e.lineno}, column {e.colno}: "
                    f"{e.msg})", EXIT_INPUT) from None
    if not isinstance(data, dict):
        raise _Fail(f"{source} is not a scene (expected a JSON object)", EXIT_INPUT)
    return from_dict(data)


def _describe(data: bytes, fmt: str, args) -> str:
    size = f"{len(data):,} bytes"
    try:
        if fmt in ("svg", "pdf"):
            return f"{size}, {args.width}×{args.height} px {fmt.upper()}"
        if fmt == "mp4":
            w, h = round(args.width * args.scale), round(args.height * args.scale)
            return (f"{size}, {w + w % 2}×{h + h % 2} MP4, {args.frames} frames at "
                    f"{args.fps:g} fps")
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
        raise _Fail(f"cannot tell the format from {args.output!r}: use .png, .svg, .pdf, "
                    ".gif, .mp4, .csv, .json or .scene.json", EXIT_INPUT)
    if fmt in ANIMATION_FORMATS and args.figure != "landscape":
        raise _Fail("animations show the map: --figure applies to .png, .svg and .pdf",
                    EXIT_INPUT)
    scene, warnings = _read_scene(args.scene)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    notes: list[str] = []
    try:
        data = export_bytes(scene, fmt, figure=args.figure, width=args.width,
                            height=args.height,
                            scale=args.scale, fps=args.fps, frames=args.frames,
                            theme=args.theme, notes=notes)
    except ExportError as e:
        raise _Fail(str(e), EXIT_INPUT if e.kind == "input" else EXIT_UNAVAILABLE) from None
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    try:
        with open(args.output, "wb") as f:
            f.write(data)
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

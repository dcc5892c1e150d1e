"""Teaching presets: ready-made scenes, each letting people see one claim about optimizers.

Every preset is a scene JSON file in ``assets/scenes/`` (the format :func:`scene.to_json`
writes), with a short ``title`` and a ``claim`` saying what to look at. The number in front of a
file name sets the display order (``01-momentum-ravine.json`` comes first); the name without
``.json`` is the preset's key.

Loading never raises: a file that cannot be read, is not valid scene JSON or has any field the
forgiving reader had to replace is left out, and a message naming it is returned with the
presets (:attr:`Loaded.problems`) for the app to show: each call gets its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import Scene, from_json

#: The folder holding the preset files.
PRESETS_DIR = Path(__file__).resolve().parent.parent / "assets" / "scenes"



class Loaded(dict):
    """What a loader returns: the usable items by key, in order, and ``problems``, one message
    for each file or part of one that was left out, and why."""

    def __init__(self, items=(), problems=()) -> None:
        super().__init__(items)
        self.problems: tuple[str, ...] = tuple(problems)

_PREFIX = re.compile(r"^(\d+)")


def _order(path: Path) -> tuple[float, str]:
    """Sort key: the numeric prefix as a number (files without one come last), then the name."""
    m = _PREFIX.match(path.stem)
    return (int(m.group(1)) if m else float("inf"), path.stem)


def preset_files(directory: str | Path | None = None) -> list[Path]:
    """The preset JSON files in display order (empty if the folder is missing)."""
    folder = Path(directory) if directory is not None else PRESETS_DIR
    try:
        files = [p for p in folder.iterdir() if p.suffix == ".json" and p.is_file()]
    except OSError:
        return []
    return sorted(files, key=_order)


def load_presets(directory: str | Path | None = None) -> Loaded:
    """Every usable preset as ``{file stem: Scene}``, in display order.

    Files that cannot be used are skipped; the result's ``problems`` say which and why.
    """
    problems: list[str] = []
    folder = Path(directory) if directory is not None else PRESETS_DIR
    if not folder.is_dir():
        return Loaded(problems=[f"presets: folder {folder.name!r} not found"])
    presets: dict[str, Scene] = {}
    for path in preset_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(f"{path.name}: cannot be read ({e}); left out")
            continue
        try:
            scene, warnings = from_json(text)
        except Exception as e:  # a bad preset must never stop the app
            problems.append(f"{path.name}: cannot be loaded ({e}); left out")
            continue
        if warnings:
            problems.append(f"{path.name}: left out ({'; '.join(warnings)})")
            continue
        presets[path.stem] = scene
    return Loaded(presets, problems)


def preset_names(directory: str | Path | None = None) -> list[str]:
    """Keys of the usable presets, in display order."""
    return list(load_presets(directory))


#: The longest caption a preset may carry (a projector's line or two).
CAPTION_MAX = 200


def preset_captions(directory: str | Path | None = None) -> dict[str, str]:
    """Each preset's ``caption``: its claim said short enough for a projector, with the claim's
    numbers (presentation mode shows it instead of the whole claim). A preset without one, or
    with one that is not a string, is left out; a caption is cut at :data:`CAPTION_MAX`."""
    import json

    captions = {}
    for path in preset_files(directory):
        try:
            caption = json.loads(path.read_text(encoding="utf-8")).get("caption")
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            continue
        if isinstance(caption, str) and caption.strip():
            captions[path.stem] = caption.strip()[:CAPTION_MAX]
    return captions

"""Where an export's scene comes from: a scene file or a share link, read as the page reads it,
with every input bounded before it is read (the command line, the notebook API and the
benchmarks share it)."""

from __future__ import annotations

import json
import os
import stat

from .errors import ExportError

__all__ = ["MAX_INPUT", "FILE_LESS_KEYS", "read_scene"]

#: Largest scene file or link read, in bytes.
MAX_INPUT = 4 * 1024 * 1024
#: A link's keys that mean nothing in a file, and why.
FILE_LESS_KEYS = {"present": "asks for presentation mode"}


def read_scene(source: str):
    """(scene, warnings) from a scene file's path or a share link, read as the page reads
    it; raises :class:`ExportError` (kind "input") naming what is unusable."""
    from scene import from_dict, loads

    if source.startswith(("http://", "https://", "?")):
        if len(source) > MAX_INPUT:
            raise ExportError(f"the link is too large (over {MAX_INPUT // 2**20} MB)", "input")
        return _read_link(source)
    text = _read_text(source)
    try:
        data = loads(text)
    except json.JSONDecodeError as e:
        raise ExportError(f"{source} is not valid JSON (line {e.lineno}, column {e.colno}: "
                    f"{e.msg})", "input") from None
    except RecursionError:
        raise ExportError(f"{source} is nested too deeply to be a scene", "input") from None
    except ValueError as e:
        raise ExportError(f"{source} is not a usable JSON file ({str(e)[:80]})", "input") from None
    if not isinstance(data, dict):
        raise ExportError(f"{source} is not a scene (expected a JSON object)", "input")
    return from_dict(data)


def _read_link(source: str):
    """(scene, warnings) from a share link, read as the page reads it: a preset's name alone
    opens the preset, a lesson's link its slide's preset, with their title and claim. Keys
    that mean nothing in a file (presentation mode) raise ExportError."""
    from scene.link import read_link
    from scene.url import link_query

    params = link_query(source)
    for key, why in FILE_LESS_KEYS.items():
        if key in params:
            raise ExportError(f"the link's {key}= {why}, which means nothing in a file: remove "
                        f"{key}= from the link", "input")
    link = read_link(params)
    return link.shown(), link.warnings


def _read_text(source: str) -> str:
    """The text of a scene file: a regular file (never a FIFO or a device, which could block
    or never end) of at most MAX_INPUT bytes, in UTF-8. Raises ExportError otherwise."""
    def fail(why: str):
        return ExportError(f"cannot read {source}: {why}", "input")

    try:
        before = os.stat(source)
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as e:
        raise fail(e.strerror or str(e)) from None
    if stat.S_ISDIR(before.st_mode):
        raise fail("it is a directory")
    if not stat.S_ISREG(before.st_mode):
        raise fail("not a regular file (a pipe or a device?)")
    if before.st_size > MAX_INPUT:
        raise fail(f"too large ({before.st_size:,} bytes; a scene is at most "
                   f"{MAX_INPUT // 2**20} MB)")
    try:
        # O_NONBLOCK: should the path become a FIFO after the check, opening it cannot hang
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise fail(e.strerror or str(e)) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise fail("not a regular file (a pipe or a device?)")
        try:
            raw = f.read(MAX_INPUT + 1)
        except OSError as e:
            raise fail(e.strerror or str(e)) from None
    if len(raw) > MAX_INPUT:
        raise fail(f"too large (a scene is at most {MAX_INPUT // 2**20} MB)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("not a UTF-8 text file") from None

"""The one exception the exporters raise."""

from __future__ import annotations


class ExportError(Exception):
    """An export that cannot be made, with a one-line message meant for the user.

    ``str(err)`` is that message; ``err.kind`` is ``"input"`` for a bad request (unknown
    format, size out of range) and ``"unavailable"`` when something the export needs is
    missing or failed (Chromium, the video encoder).
    """

    def __init__(self, message: str, kind: str = "unavailable") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __str__(self) -> str:
        return self.message

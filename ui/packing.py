"""Numeric arrays as one little-endian binary buffer, with JSON that refers into it.

The race player's payload (:mod:`ui.player`) and the live route's answers (:mod:`ui.live`)
both travel this way: each array becomes ``{"__buf__": [offset, count, dtype, shape]}`` in
the JSON, its bytes at ``offset`` of the buffer, padded to 8 bytes; the player decodes both
with the same function.

Types: ``f8`` and ``f4``, little-endian floats; ``x4``, float32 made easy to compress: each
value's bits XOR the previous value's (a path moves little from step to step, so the high
bytes are mostly zero), then the bytes regrouped by position (all first bytes, then all second
bytes, …). The websocket's compression then sends a path in about a third of its float32 size.
``d2``, a picture's grid in 16 bits: each value rounded to one of 65,535 even steps between the
grid's lowest and highest finite value (``lo`` and ``step`` follow the shape in the reference:
``[offset, count, "d2", shape, lo, step]``; 65,535 stands for a value that is not finite),
each step's difference to the one before, bytes regrouped by position. A smooth 140 × 140 grid
compresses to 15 kB instead of 37 kB in x4; the steps are a 65,534th of the grid's range, far
below what the colours, contours or a 3-D height can show.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Packer:
    """Collect arrays into one little-endian buffer; JSON keeps references."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, values: Any, dtype: str, what: str, ndim: int | None = None) -> dict:
        """Add an array of ``dtype`` (``f8``, ``f4``, ``x4`` or ``d2``, see above); return its
        reference for the JSON."""
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} must be a numeric array") from exc
        if ndim is not None and arr.ndim != ndim and arr.size:
            raise ValueError(f"{what} must be {ndim}-dimensional, got shape {arr.shape}")
        extra = []
        if dtype == "d2":
            data, lo, step = _delta16(arr)
            extra = [lo, step]
        else:
            arr = np.ascontiguousarray(arr, dtype="<f8" if dtype == "f8" else "<f4")
            data = _xor_shuffle(arr) if dtype == "x4" else arr.tobytes()
        offset = self._size
        pad = (-len(data)) % 8
        self._chunks.append(data + b"\0" * pad)
        self._size += len(data) + pad
        return {"__buf__": [offset, int(arr.size), dtype, [int(n) for n in arr.shape], *extra]}

    def blob(self) -> bytes:
        return b"".join(self._chunks)

    def digest_of(self, refs: list[dict], digest) -> None:
        """Feed the bytes behind ``refs`` (as :meth:`add` returned them) to ``digest``: what the
        page receives, without converting the arrays again."""
        starts = {}
        at = 0
        for chunk in self._chunks:
            starts[at] = chunk
            at += len(chunk)
        for ref in refs:
            digest.update(memoryview(starts[ref["__buf__"][0]]))


def _xor_shuffle(arr: np.ndarray) -> bytes:
    bits = arr.ravel().view("<u4")
    delta = bits.copy()
    delta[1:] ^= bits[:-1]
    return np.frombuffer(delta.tobytes(), np.uint8).reshape(-1, 4).T.tobytes()


def _delta16(arr: np.ndarray) -> tuple[bytes, float, float]:
    flat = arr.ravel()
    finite = np.isfinite(flat)
    lo = float(flat[finite].min()) if finite.any() else 0.0
    hi = float(flat[finite].max()) if finite.any() else 0.0
    step = (hi - lo) / 65534 if hi > lo else 0.0
    with np.errstate(invalid="ignore"):
        q = np.where(finite, np.rint((flat - lo) / step) if step else 0, 65535)
    q = np.clip(q, 0, 65535).astype(np.int64)
    delta = (np.diff(q, prepend=0) % 65536).astype("<u2")
    return np.frombuffer(delta.tobytes(), np.uint8).reshape(-1, 2).T.tobytes(), lo, step


def read(blob: bytes, ref: dict) -> np.ndarray:
    """The array behind ``ref`` (as :meth:`Packer.add` returned it) in ``blob``: what the
    player decodes, for tests and scripts."""
    offset, count, dtype, shape, *extra = ref["__buf__"]
    if dtype == "d2":
        lo, step = extra
        planes = np.frombuffer(blob, np.uint8, count=2 * count, offset=offset).reshape(2, count)
        q = np.cumsum(planes.T.copy().view("<u2").ravel(), dtype=np.int64) % 65536
        out = (lo + q * step).astype(np.float32)
        out[q == 65535] = np.nan
        return out.reshape(shape)
    if dtype == "x4":
        planes = np.frombuffer(blob, np.uint8, count=4 * count, offset=offset).reshape(4, count)
        bits = np.bitwise_xor.accumulate(planes.T.copy().view("<u4").ravel())
        return bits.view("<f4").reshape(shape)
    return np.frombuffer(blob, dtype="<f8" if dtype == "f8" else "<f4", count=count,
                         offset=offset).reshape(shape)


def clean(value: Any) -> Any:
    """JSON-safe copy: NumPy types to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value

"""One bounded cache for every cache the server keeps beside Streamlit's own: analysis results,
their CSV sizes, the basins pictures and the live route's answers.

Least recently used out first, bounded by the total size in bytes of what it holds (each
value's size is given when it is put), safe to use from the server's threads. An evicted value
is dropped at once (nothing else refers to it here), so its memory is released when its last
user lets go of it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class BoundedCache:
    """At most ``max_bytes`` of values, the least recently used evicted first; a value larger
    than ``max_item`` bytes (by default a quarter of the cache) is not kept at all."""

    def __init__(self, max_bytes: int, max_item: int | None = None) -> None:
        if max_bytes <= 0:
            raise ValueError("a cache needs a positive size in bytes")
        self.max_bytes = int(max_bytes)
        self.max_item = int(max_item if max_item is not None else max_bytes // 4)
        self._items: OrderedDict = OrderedDict()  # key -> (value, size)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return default
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key, value, size: int) -> bool:
        """Keep ``value`` under ``key`` (replacing what was there); returns whether it was
        kept."""
        size = max(int(size), 1)
        if size > self.max_item:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, gone) = self._items.popitem(last=False)
                self._bytes -= gone
        return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        """Total size of the values held, in bytes."""
        return self._bytes

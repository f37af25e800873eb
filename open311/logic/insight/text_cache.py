"""Extension (statistics): per-worker caches of what is read from histogram texts, keyed by the texts.

A statistics call reads a few thousand histogram texts from the rollups, mostly the same ones as the
calls before it (only the rows of the periods being written to change). Reading them (parsing, merging
and percentiles) was most of a call's time. What is read from texts depends on nothing else, so these
caches, keyed by the texts themselves, can never give a stale answer: a changed rollup row has a new
text, which misses. Each is bounded by the characters its keys hold, least recently used first out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache

#: What an entry costs besides its texts' characters (the value and the bookkeeping), in characters.
ENTRY_OVERHEAD = 200


class TextKeyedCache:
    """A thread-safe LRU of values computed from texts (gthread workers serve several calls at once),
    holding at most ``characters`` characters of keys."""

    def __init__(self, characters: int):
        self.characters = characters
        self._entries: LRUCache = LRUCache(maxsize=characters, getsizeof=lambda entry: entry[0])
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value kept for ``key``, or None."""
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def put(self, key: Hashable, characters: int, value: Any) -> None:
        """Keep ``value`` for ``key``, whose texts hold ``characters`` characters (too large: not kept)."""
        size = characters + ENTRY_OVERHEAD
        if size > self.characters:
            return
        with self._lock:
            self._entries[key] = (size, value)

    def get_or_make(self, text: str, make: Callable[[str], Any]) -> Any:
        """The value kept for one text, made (outside the lock) and kept when missing."""
        value = self.get(text)
        if value is None:
            value = make(text)
            self.put(text, len(text), value)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

"""Per-worker caches of what is computed from texts alone, keyed by the texts themselves.

What is computed from texts depends on nothing else, so these caches can never give a stale answer: a
changed input is a new text, which misses. Each is bounded by the characters its keys hold. Used for
the statistics' histogram texts (a call reads a few thousand, mostly the same as the calls before it),
the XML of listed records (formats.py) and the parsed arguments of query strings (api/args.py): apps poll
the same listings all day.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

#: What an entry costs besides its texts' characters (the value and the bookkeeping), in characters.
ENTRY_OVERHEAD = 200


class TextKeyedCache:
    """Values computed from texts, holding at most ``characters`` characters of keys; when full, it
    starts afresh (the next call fills it again). A plain dict: a read is one lookup, without a lock
    (gthread workers serve several calls at once; only writers take the lock)."""

    def __init__(self, characters: int):
        self.characters = characters
        self._entries: dict[Hashable, Any] = {}
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value kept for ``key``, or None."""
        return self._entries.get(key)

    def put(self, key: Hashable, characters: int, value: Any) -> None:
        """Keep ``value`` for ``key``, whose texts hold ``characters`` characters (too large: not kept)."""
        self.put_many([(key, characters, value)])

    def put_many(self, entries: list[tuple[Hashable, int, Any]]) -> None:
        """:meth:`put` each (key, characters, value), under one lock."""
        with self._lock:
            for key, characters, value in entries:
                size = characters + ENTRY_OVERHEAD
                if size > self.characters:
                    continue
                if self._held + size > self.characters:
                    self._entries, self._held = {}, 0  # (a new dict: a reader holding the old one finishes)
                if key not in self._entries:
                    self._held += size
                self._entries[key] = value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries, self._held = {}, 0

"""Per-worker caches of what changes only when a city file is loaded: jurisdictions and catalogue documents.

Entries live ``OPEN311_CATALOG_CACHE_SECONDS`` (0 disables the caches); a reloaded city shows up in
every worker within that time. Requests are never cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app


class CatalogCache:
    """A thread-safe TTL cache (gthread workers serve several requests at once)."""

    def __init__(self, seconds: int, size: int = 4096):
        self.enabled = seconds > 0
        self._entries: TTLCache = TTLCache(maxsize=size, ttl=max(seconds, 1))
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The cached value of ``key``, made (outside the lock) and kept when missing."""
        if not self.enabled:
            return make()
        with self._lock:
            value = self._entries.get(key)
        if value is None:
            value = make()
            with self._lock:
                self._entries[key] = value
        return value


def init_cache(app: Flask) -> None:
    """Attach the cache to the app."""
    app.extensions["open311.cache"] = CatalogCache(app.config["CATALOG_CACHE_SECONDS"])


def catalog_cache() -> CatalogCache:
    """The current app's cache."""
    return current_app.extensions["open311.cache"]

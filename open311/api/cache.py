"""Per-worker caches of what changes only when a city file is loaded: jurisdictions and catalogue documents.

Entries live ``OPEN311_CATALOG_CACHE_SECONDS`` (0 disables the caches); a reloaded city shows up in
every worker within that time. Requests are never cached. Nothing cached is bound to a session: rows
are kept as :func:`frozen` copies, documents as bytes, counts as numbers (an ORM object shared by
requests would be expired by one request's rollback and fail in all the others).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import make_dataclass
from functools import cache
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app
from sqlalchemy import inspect


@cache
def _frozen_class(model: type, children: tuple[str, ...]) -> type:
    names = [attribute.key for attribute in inspect(model).column_attrs] + list(children)
    return make_dataclass(f"Frozen{model.__name__}", names, frozen=True, slots=True)


def frozen(row: Any, children: dict[str, dict] | None = None) -> Any:
    """An immutable copy of an ORM row, bound to no session, with the same attribute names: its columns,
    and the relationships named in ``children`` as tuples of copies (``{"attributes": {"values": {}}}``).
    """
    children = children or {}
    values = {attribute.key: getattr(row, attribute.key) for attribute in inspect(type(row)).column_attrs}
    for name, nested in children.items():
        values[name] = tuple(frozen(child, nested) for child in getattr(row, name))
    return _frozen_class(type(row), tuple(children))(**values)


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

    def clear(self) -> None:
        """Forget every entry (a cold worker)."""
        with self._lock:
            self._entries.clear()


def init_cache(app: Flask) -> None:
    """Attach the cache to the app."""
    app.extensions["open311.cache"] = CatalogCache(app.config["CATALOG_CACHE_SECONDS"])


def catalog_cache() -> CatalogCache:
    """The current app's cache."""
    return current_app.extensions["open311.cache"]

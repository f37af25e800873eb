"""Extension: computed maps (hotspots, clusters, tiles) kept for the data version they were computed at,
in each worker's memory and in files shared by the workers of a host.

A map of a year of requests takes seconds at 10M; kept per worker only, each of the workers computed it
once, and the dashboard's first draw depended on which worker answered (0.9 s or 3.3 s). The files live
under ``VAR_DIR/cache/maps``, one per key (the SHA-256 of its repr, which holds the data version), written
to a temporary name and renamed into place, so a reader sees a whole map or none. While a worker
computes a map, others asking for the same one wait for its file (an ``flock`` per key) instead of
computing it too. Files expire after ``ttl`` seconds and the directory is bounded in bytes: the oldest
go first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cachetools import TTLCache

#: Seconds a map is kept (in memory and in files) while its data version holds.
TTL_SECONDS = 600
MEMORY_BYTES = 64 * 1024 * 1024
FILE_BYTES = 512 * 1024 * 1024
#: Writes between two looks at the directory's size.
PRUNE_EVERY = 16


class MapCache:
    """Maps by key: memory first, then the shared directory (None: memory only), else ``make()``."""

    def __init__(
        self,
        directory: Path | None,
        *,
        ttl: float = TTL_SECONDS,
        memory_bytes: int = MEMORY_BYTES,
        file_bytes: int = FILE_BYTES,
    ):
        self.directory, self.ttl, self.file_bytes = directory, ttl, file_bytes
        self.entries: TTLCache = TTLCache(maxsize=memory_bytes, ttl=ttl, getsizeof=len)
        self.lock = threading.Lock()
        self.writes = 0
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get_or_make(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        """The map of ``key`` (whose repr must name the data version), made once per host while kept."""
        with self.lock:
            body = self.entries.get(key)
        if body is not None:
            return body
        body = self._shared(key, make) if self.directory is not None else make()
        with self.lock:
            if len(body) < self.entries.maxsize // 8:
                self.entries[key] = body
        return body

    def _shared(self, key: tuple, make: Callable[[], bytes]) -> bytes:
        name = hashlib.sha256(repr(key).encode()).hexdigest()
        path = self.directory / f"{name}.map"
        body = self._read(path)
        if body is not None:
            return body
        with open(self.directory / f"{name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed (or the process ends)
            body = self._read(path)  # made meanwhile by the worker that held the lock
            if body is None:
                body = make()
                self._write(path, body)
        return body

    def _read(self, path: Path) -> bytes | None:
        try:
            with open(path, "rb") as file:
                if time.time() - os.fstat(file.fileno()).st_mtime > self.ttl:
                    return None
                return file.read()
        except FileNotFoundError:
            return None

    def _write(self, path: Path, body: bytes) -> None:
        if len(body) > self.file_bytes // 8:
            return
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(body)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        with self.lock:
            self.writes += 1
            due = self.writes % PRUNE_EVERY == 1
        if due:
            self.prune()

    def prune(self) -> None:
        """Delete expired maps (and their lock files), then the oldest until the directory fits its bound."""
        now, files = time.time(), []
        for entry in os.scandir(self.directory):
            with contextlib.suppress(FileNotFoundError):
                stat = entry.stat()
                if now - stat.st_mtime > self.ttl:  # a lock file too: at worst two workers compute a map
                    os.unlink(entry.path)
                elif entry.name.endswith(".map"):
                    files.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _mtime, size, _path in files)
        for _mtime, size, path in sorted(files):
            if total <= self.file_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            total -= size

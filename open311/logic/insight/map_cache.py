"""Extension: computed maps (hotspots, clusters, tiles) kept with the data version they were computed at,
in each worker's memory and in files shared by the workers of a host.

A map is served while its data version is current, and for STALE_SECONDS after it was made even when
the version moved: a live city's counter moves with every report (Paris: two a minute), and without that
bound a map of a year (a second or more at 10M) was computed anew at nearly every visit. So maps show a
change within a minute, as statistics do (docs/metrics.md).

A map of a year of requests takes seconds at 10M; kept per worker only, each of the workers computed it
once, and the dashboard's first draw depended on which worker answered (0.9 s or 3.3 s). The files live
under ``VAR_DIR/cache/maps``, one per key (the SHA-256 of its repr, which names the database), written
to a temporary name and renamed into place, so a reader sees a whole map or none. While a worker
computes a map, others asking for the same one wait for its file (an ``flock`` per key) instead of
computing it too. A file starts with the data version it was made at. Files expire after ``ttl``
seconds and the directory is bounded in bytes: the oldest go first.
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
#: Seconds a map is still served after its data version moved.
STALE_SECONDS = 60
MEMORY_BYTES = 64 * 1024 * 1024
FILE_BYTES = 512 * 1024 * 1024
#: Writes between two looks at the directory's size.
PRUNE_EVERY = 16


class MapCache:
    """Maps by key and data version: memory first, then the shared directory (None: memory only), else
    ``make()``."""

    def __init__(
        self,
        directory: Path | None,
        *,
        ttl: float = TTL_SECONDS,
        stale: float = STALE_SECONDS,
        memory_bytes: int = MEMORY_BYTES,
        file_bytes: int = FILE_BYTES,
    ):
        self.directory, self.ttl, self.stale, self.file_bytes = directory, ttl, stale, file_bytes
        self.entries: TTLCache = TTLCache(maxsize=memory_bytes, ttl=ttl, getsizeof=lambda entry: len(entry[2]))
        self.lock = threading.Lock()
        self.writes = 0
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get_or_make(self, key: tuple, version: int, make: Callable[[], bytes]) -> bytes:
        """The map of ``key`` for data ``version``: a kept one made at this version, or at another one less
        than ``stale`` seconds ago; else ``make()``, made once per host."""
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and self._fresh(entry[0], entry[1], version):
            return entry[2]
        if self.directory is not None:
            made, body = self._shared(key, version, make)
        else:
            made, body = time.time(), make()
        with self.lock:
            if len(body) < self.entries.maxsize // 8:
                self.entries[key] = (version, made, body)
        return body

    def _fresh(self, made_at: int, made: float, version: int) -> bool:
        age = time.time() - made
        return age <= self.ttl and (made_at == version or age <= self.stale)

    def _shared(self, key: tuple, version: int, make: Callable[[], bytes]) -> tuple[float, bytes]:
        name = hashlib.sha256(repr(key).encode()).hexdigest()
        path = self.directory / f"{name}.map"
        found = self._read(path, version)
        if found is not None:
            return found
        with open(self.directory / f"{name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed (or the process ends)
            found = self._read(path, version)  # made meanwhile by the worker that held the lock
            if found is None:
                made = time.time()  # before the map's rows are read
                found = made, make()
                self._write(path, version, found)
        return found

    def _read(self, path: Path, version: int) -> tuple[float, bytes] | None:
        """The time a kept map was made and its body, if it may be served for ``version``."""
        try:
            with open(path, "rb") as file:
                made = os.fstat(file.fileno()).st_mtime
                made_at = int(file.readline())
                if not self._fresh(made_at, made, version):
                    return None
                return made, file.read()
        except (FileNotFoundError, ValueError):
            return None

    def _write(self, path: Path, version: int, map_made: tuple[float, bytes]) -> None:
        made, body = map_made
        if len(body) > self.file_bytes // 8:
            return
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(b"%d\n" % version)  # the data version it was made at, then the map
                file.write(body)
            os.utime(temporary, (made, made))  # its age counts from when it was made, in every worker
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

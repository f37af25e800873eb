"""Extension: computed maps (hotspots, clusters, tiles) kept with the data version they were computed at,
in each worker's memory and in files shared by the workers of a host.

A map is served while its data version is current, and for STALE_SECONDS after it was made even when
the version moved: a live city's counter moves with every report (Paris: two a minute), and without that
bound a map of a year (a second or more at 10M) was computed anew at nearly every visit. So maps show a
change within a minute, as statistics do (docs/metrics.md).

A map of a year of requests takes seconds at 10M; kept per worker only, each of the workers computed it
once, and the dashboard's first draw depended on which worker answered (0.9 s or 3.3 s). The files live
under ``VAR_DIR/cache/maps``, one per key (the SHA-256 of its repr; the caller's key names the database
and the code), written to a temporary name and renamed into place, so a reader sees a whole map or none.
A file starts with the data version it was made at. While a worker computes a map, others asking for the
same one wait for its file (an ``flock`` on one of LOCK_STRIPES lock files, chosen by the key) instead
of computing it too; a map too large for a file, or whose computation failed, is computed by each caller.
Files expire after ``ttl`` seconds and the directory is bounded in bytes, checked every PRUNE_EVERY
writes of a worker: the oldest go first.

The files are an optimisation only: when the directory cannot be written or read (permissions, a full
disk, removed while serving), maps are computed and kept in memory as if there were none, and the
problem is logged once per worker.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
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
#: Writes of a worker between two looks at the directory's size.
PRUNE_EVERY = 16
#: Lock files (a key's is chosen by its hash): a bounded number of files whatever the keys asked for;
#: two maps computed at once share one with a chance of about 1 in 4,096.
LOCK_STRIPES = 4096

log = logging.getLogger(__name__)

#: A kept map: the data version it was made at, when (seconds since 1970) and its body.
Entry = tuple[int, float, bytes]


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
        self.warned = False

    def get_or_make(self, key: tuple, version: int, make: Callable[[], bytes]) -> bytes:
        """The map of ``key`` for data ``version``: a kept one made at this version, or at another one less
        than ``stale`` seconds ago; else ``make()``, made once per host."""
        with self.lock:
            entry = self.entries.get(key)
        if entry is None or not self._fresh(entry, version):
            entry = None
            if self.directory is not None:
                entry = self._shared(key, version, make)
            if entry is None:
                entry = (version, time.time(), make())
            with self.lock:
                if len(entry[2]) < self.entries.maxsize // 8:
                    self.entries[key] = entry
        return entry[2]

    def _fresh(self, entry: Entry, version: int) -> bool:
        made_at, made, _body = entry
        age = time.time() - made
        return 0 <= age <= self.ttl and (made_at == version or age <= self.stale)

    def _failed(self, action: str, error: OSError) -> None:
        if not self.warned:
            self.warned = True
            log.warning("Maps are not shared by the workers: cannot %s in %s (%s)", action, self.directory, error)

    def _shared(self, key: tuple, version: int, make: Callable[[], bytes]) -> Entry | None:
        """The map from the directory, or made under the key's lock and written there; None when the
        directory cannot be used (the caller makes the map itself)."""
        name = hashlib.sha256(repr(key).encode()).hexdigest()
        path = self.directory / f"{name}.map"
        entry = self._read(path, version)
        if entry is not None:
            return entry
        try:
            locks = self.directory / "locks"
            locks.mkdir(parents=True, exist_ok=True)
            lock = open(locks / f"{int(name[:8], 16) % LOCK_STRIPES:04d}.lock", "a")  # noqa: SIM115 (closed below)
        except OSError as error:
            self._failed("take a lock", error)
            return None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed (or the process ends)
            except OSError as error:
                self._failed("take a lock", error)
                return None
            entry = self._read(path, version)  # made meanwhile by the worker that held the lock
            if entry is None:
                entry = (version, time.time(), make())  # the time before the map's rows are read
                self._write(path, entry)
        return entry

    def _read(self, path: Path, version: int) -> Entry | None:
        """A kept map that may be served for ``version``."""
        try:
            with open(path, "rb") as file:
                made = os.fstat(file.fileno()).st_mtime
                made_at = int(file.readline())
                if not self._fresh((made_at, made, b""), version):
                    return None
                return made_at, made, file.read()
        except FileNotFoundError:
            return None
        except ValueError:  # not a map file: made anew and replaced
            return None
        except OSError as error:
            self._failed("read", error)
            return None

    def _write(self, path: Path, entry: Entry) -> None:
        made_at, made, body = entry
        if len(body) > self.file_bytes // 8:
            return
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                file.write(b"%d\n" % made_at)  # the data version it was made at, then the map
                file.write(body)
            os.utime(temporary, (made, made))  # its age counts from when it was made, in every worker
            os.replace(temporary, path)
        except OSError as error:
            self._failed("write", error)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            return
        with self.lock:
            self.writes += 1
            due = self.writes % PRUNE_EVERY == 1
        if due:
            self.prune()

    def prune(self) -> None:
        """Delete expired maps (and left temporary files), then the oldest until the directory fits its
        bound."""
        now, files = time.time(), []
        try:
            entries = list(os.scandir(self.directory))
        except OSError as error:
            self._failed("list the maps", error)
            return
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                stat = entry.stat()
                if now - stat.st_mtime > self.ttl:
                    os.unlink(entry.path)
                elif entry.name.endswith(".map"):
                    files.append((stat.st_mtime, stat.st_size, entry.path))
        total = sum(size for _mtime, size, _path in files)
        for _mtime, size, path in sorted(files):
            if total <= self.file_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
            total -= size

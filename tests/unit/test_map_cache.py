"""The maps' cache shared by the workers of a host (Extension: open311/logic/insight/map_cache.py)."""

from __future__ import annotations

import os
import threading
import time

from open311.logic.insight.map_cache import LOCK_STRIPES, MapCache

from ..conftest import release_together


class Maker:
    """A map maker that counts its calls (thread-safe), slow when asked."""

    def __init__(self, body: bytes, seconds: float = 0.0):
        self.body, self.seconds, self.calls = body, seconds, 0
        self.lock = threading.Lock()

    def __call__(self) -> bytes:
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        return self.body


def test_a_map_made_by_one_worker_is_read_by_another(tmp_path):
    first, second = MapCache(tmp_path), MapCache(tmp_path)  # two workers: no memory in common
    make = Maker(b'{"type":"FeatureCollection","features":[]}')
    assert first.get_or_make(("hexagons", 1), 7, make) == make.body
    assert second.get_or_make(("hexagons", 1), 7, make) == make.body
    assert make.calls == 1
    other = Maker(b"other")
    assert second.get_or_make(("hexagons", 2), 7, other) == b"other"  # another map
    assert other.calls == 1


def test_a_map_is_made_anew_once_its_data_version_moved_and_it_is_older_than_the_bound(tmp_path):
    """Changes show in maps within STALE_SECONDS: a map of an older version is served until then."""
    MapCache(tmp_path, stale=60).get_or_make(("hexagons", 1), 7, Maker(b"at 7"))
    newer = Maker(b"at 8")
    assert MapCache(tmp_path, stale=60).get_or_make(("hexagons", 1), 8, newer) == b"at 7"
    assert newer.calls == 0
    (stored,) = tmp_path.glob("*.map")
    os.utime(stored, (time.time() - 61, time.time() - 61))
    worker = MapCache(tmp_path, stale=60)
    assert worker.get_or_make(("hexagons", 1), 8, newer) == b"at 8" and newer.calls == 1
    assert worker.get_or_make(("hexagons", 1), 8, newer) == b"at 8" and newer.calls == 1
    # At its own version a map is served for the whole TTL, however old.
    assert MapCache(tmp_path, stale=0).get_or_make(("hexagons", 1), 8, Maker(b"again")) == b"at 8"
    # In a worker's memory too.
    strict = MapCache(tmp_path, stale=0)
    strict.get_or_make(("tile", 3), 1, Maker(b"at 1"))
    assert strict.get_or_make(("tile", 3), 2, Maker(b"at 2")) == b"at 2"


def test_a_worker_keeps_its_maps_in_memory(tmp_path):
    cache = MapCache(tmp_path)
    make = Maker(b"map")
    cache.get_or_make(("tile", 1), 1, make)
    for path in tmp_path.glob("*.map"):
        path.unlink()
    assert cache.get_or_make(("tile", 1), 1, make) == b"map" and make.calls == 1


def test_without_a_directory_maps_stay_in_the_worker(tmp_path):
    make = Maker(b"map")
    MapCache(None).get_or_make(("tile", 1), 1, make)
    MapCache(None).get_or_make(("tile", 1), 1, make)
    assert make.calls == 2


def test_an_expired_map_is_made_anew_and_expired_files_are_deleted(tmp_path):
    MapCache(tmp_path, ttl=60).get_or_make(("tile", 1), 1, Maker(b"old"))
    (stored,) = tmp_path.glob("*.map")
    os.utime(stored, (time.time() - 120, time.time() - 120))
    cache = MapCache(tmp_path, ttl=60)
    assert cache.get_or_make(("tile", 1), 1, Maker(b"new")) == b"new"
    assert stored.read_bytes() == b"1\nnew"
    old = tmp_path / "left.map"
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 120, time.time() - 120))
    cache.prune()
    assert not old.exists() and stored.exists()


def test_workers_asking_for_the_same_map_at_once_make_it_once(tmp_path):
    """Eight workers (caches of their own over one directory) ask at the same moment: one computes, the
    others wait for its file."""
    workers = [MapCache(tmp_path) for _ in range(8)]
    make = Maker(b"hexagons of a year", seconds=0.3)
    bodies = release_together(8, lambda index: workers[index].get_or_make(("hexagons", "year"), 1, make))
    assert bodies == [make.body] * 8
    assert make.calls == 1


def test_the_directory_stays_within_its_bound(tmp_path):
    cache = MapCache(tmp_path, file_bytes=8 * 1000)
    for number in range(40):
        cache.get_or_make(("tile", number), 1, Maker(bytes(900)))
        cache.prune()
        assert sum(path.stat().st_size for path in tmp_path.glob("*.map")) <= 8 * 1000
    assert not list(tmp_path.glob("*.tmp"))
    # The newest are kept.
    assert MapCache(tmp_path, file_bytes=8 * 1000).get_or_make(("tile", 39), 1, Maker(b"made")) == bytes(900)


def test_a_stale_map_read_from_a_file_keeps_the_version_it_was_made_at(tmp_path):
    """A worker that took another's map of an older version serves it only within the bound."""
    MapCache(tmp_path, stale=0.5).get_or_make(("hexagons", 1), 7, Maker(b"at 7"))
    worker = MapCache(tmp_path, stale=0.5)
    newer = Maker(b"at 8")
    assert worker.get_or_make(("hexagons", 1), 8, newer) == b"at 7"
    time.sleep(0.6)
    assert worker.get_or_make(("hexagons", 1), 8, newer) == b"at 8" and newer.calls == 1


def test_a_directory_that_cannot_be_used_leaves_maps_in_memory(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_bytes(b"")
    cache = MapCache(blocker / "maps")  # mkdir fails: NotADirectoryError
    make = Maker(b"map")
    assert cache.get_or_make(("tile", 1), 1, make) == b"map"
    assert cache.get_or_make(("tile", 1), 1, make) == b"map" and make.calls == 1


def test_a_directory_removed_while_serving_is_made_again(tmp_path):
    import shutil

    directory = tmp_path / "maps"
    cache = MapCache(directory)
    cache.get_or_make(("tile", 1), 1, Maker(b"one"))
    shutil.rmtree(directory)
    assert cache.get_or_make(("tile", 2), 1, Maker(b"two")) == b"two"
    assert MapCache(directory).get_or_make(("tile", 2), 1, Maker(b"again")) == b"two"


def test_lock_files_are_bounded_whatever_the_keys(tmp_path):
    cache = MapCache(tmp_path)
    for number in range(50):
        cache.get_or_make(("tile", number), 1, Maker(b"x"))
    locks = list((tmp_path / "locks").iterdir())
    assert locks and all(lock.name[:4].isdigit() and int(lock.name[:4]) < LOCK_STRIPES for lock in locks)
    assert not list(tmp_path.glob("*.lock"))

"""Extension: rate limits that hold across every worker and every server.

Each bucket (a key, or a client address) is counted in fixed windows of a minute in a shared store:
PostgreSQL by default (an UNLOGGED table, one upsert statement), Redis or Valkey when configured
(one pipelined round trip). A worker does not go to the store on every hit: it counts hits locally
and adds them to the store in batches of ``max(1, quota // 200)``, so a bucket costs the store one
round trip per batch. Refusals are exact from the local count, which never exceeds the shared one;
admissions may overshoot the quota by less than one batch per worker in a window (0.5% of the quota
per worker: for the defaults and eight workers, at most 4%), and quotas under 400 a minute are
counted hit by hit, exactly.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: Length of a window, in seconds.
WINDOW = 60
#: Hits a worker may keep before adding them to the store, as a fraction of the quota.
BATCH_FRACTION = 200
#: Seconds between two sweeps of old counters by a worker.
SWEEP_SECONDS = 600


class Policy(NamedTuple):
    """A quota of ``quota`` hits per ``window`` seconds, named as in the RateLimit-Policy header."""

    name: str
    quota: int
    window: int = WINDOW


class Decision(NamedTuple):
    """The outcome of one hit: allowed or not, what remains in the window and when it ends."""

    policy: Policy
    allowed: bool
    remaining: int
    reset: int


class Store(Protocol):
    """Where every worker's counts meet."""

    def add(self, bucket: str, window_start: int, window: int, hits: int) -> int:
        """Add ``hits`` to ``bucket`` in the window starting at ``window_start``; its total there."""

    def sweep(self, before: int) -> None:
        """Forget windows that started before ``before``."""


class PostgresStore:
    """Counters in the UNLOGGED table rate_limit_counter, written in autocommit (a refused or failed
    request still counts) on one connection per thread kept for the purpose: the upsert is a
    prepared statement and a round trip, with no pool checkout around it."""

    ADD = (
        "INSERT INTO rate_limit_counter AS c (bucket, window_start, hits) VALUES (%(bucket)s, %(start)s, %(hits)s) "
        "ON CONFLICT (bucket) DO UPDATE SET "
        "hits = CASE WHEN c.window_start = excluded.window_start THEN c.hits + excluded.hits "
        "WHEN c.window_start < excluded.window_start THEN excluded.hits ELSE c.hits END, "
        "window_start = greatest(c.window_start, excluded.window_start) "
        "RETURNING CASE WHEN window_start = %(start)s THEN hits ELSE 0 END"
    )

    def __init__(self, connect: Callable[[], psycopg.Connection]):
        self.connect = connect
        self._local = threading.local()
        self._opened: list[psycopg.Connection] = []
        # Closed with the store (or at exit), whichever thread opened them.
        weakref.finalize(self, _close_all, self._opened)

    @classmethod
    def for_engine(cls, engine: Engine) -> PostgresStore:
        """A store on the database of ``engine`` (the primary: counters are writes)."""
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(lambda: psycopg.connect(url, autocommit=True, connect_timeout=5))

    def _execute(self, sql: str, params: dict) -> list:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.broken:
            connection = self._local.connection = self.connect()
            self._opened.append(connection)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params, prepare=True)
                return cursor.fetchall() if cursor.description else []
        except psycopg.Error:
            if connection.broken:
                self._local.connection = None
            raise

    def add(self, bucket: str, window_start: int, window: int, hits: int) -> int:
        """One upsert: the bucket's hits in this window after adding ours."""
        return self._execute(self.ADD, {"bucket": bucket, "start": window_start, "hits": hits})[0][0]

    def sweep(self, before: int) -> None:
        """Delete the counters of old windows (buckets not seen since)."""
        self._execute("DELETE FROM rate_limit_counter WHERE window_start < %(before)s", {"before": before})


def _close_all(connections: list) -> None:
    for connection in connections:
        connection.close()
    connections.clear()


class RedisStore:
    """Counters in Redis or Valkey: one key per bucket and window, expiring after two windows."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def add(self, bucket: str, window_start: int, window: int, hits: int) -> int:
        """INCRBY and EXPIRE in one transaction (one round trip)."""
        pipeline = self.client.pipeline(transaction=True)
        key = f"open311:ratelimit:{bucket}:{window_start}"
        pipeline.incrby(key, hits)
        pipeline.expire(key, 2 * window)
        return int(pipeline.execute()[0])

    def sweep(self, before: int) -> None:
        """Nothing to do: the keys expire by themselves."""


@dataclass
class _Bucket:
    """What one worker knows of a bucket in the current window."""

    window_start: int = -1
    shared: int = 0  # the store's total at the last sync (our hits included)
    pending: int = 0  # our hits not yet added to the store
    lock: threading.Lock = field(default_factory=threading.Lock)


class Limiter:
    """Fixed-window counting with local batches (thread-safe; one per worker process)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._swept = clock()
        self._failures = 0

    def _bucket(self, name: str) -> _Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.setdefault(name, _Bucket())
        return bucket

    @property
    def counts_in_database(self) -> bool:
        """Whether the counters live in the application's PostgreSQL, where a transaction may count its own hit."""
        return isinstance(self.store, PostgresStore)

    def window(self, policy: Policy) -> tuple[int, int]:
        """The current window's start (seconds since the epoch) and the seconds until it ends."""
        now = self.clock()
        start = int(now // policy.window) * policy.window
        return start, max(1, math.ceil(start + policy.window - now))

    def known(self, name: str, policy: Policy) -> Decision:
        """What this worker knows of one more hit of bucket ``name``, without counting it (no round trip)."""
        start, reset = self.window(policy)
        bucket = self._buckets.get(f"{policy.name}:{name}")
        count = bucket.shared + bucket.pending + 1 if bucket and bucket.window_start == start else 1
        return Decision(policy, count <= policy.quota, max(0, policy.quota - count), reset)

    def counted(self, name: str, policy: Policy, shared: int) -> Decision:
        """A hit of bucket ``name`` counted by the request's own transaction; ``shared``: the store's total then."""
        start, reset = self.window(policy)
        key = f"{policy.name}:{name}"
        bucket = self._buckets.get(key) or self._bucket(key)
        with bucket.lock:
            if bucket.window_start != start:
                bucket.window_start, bucket.shared, bucket.pending = start, 0, 0
            bucket.shared = max(bucket.shared, shared)
        return Decision(policy, shared <= policy.quota, max(0, policy.quota - shared), reset)

    def hit(self, name: str, policy: Policy) -> Decision:
        """Count one hit of bucket ``name`` under ``policy``; refused when the window's quota is spent."""
        now = self.clock()
        window_start = int(now // policy.window) * policy.window
        reset = max(1, math.ceil(window_start + policy.window - now))
        name = f"{policy.name}:{name}"
        bucket = self._buckets.get(name) or self._bucket(name)
        with bucket.lock:
            if bucket.window_start != window_start:
                bucket.window_start, bucket.shared, bucket.pending = window_start, 0, 0
            count = bucket.shared + bucket.pending + 1
            if count > policy.quota:
                return Decision(policy, False, 0, reset)  # the shared count is at least this: exact
            bucket.pending += 1
            if bucket.pending >= max(1, policy.quota // BATCH_FRACTION):
                try:
                    bucket.shared = self.store.add(name, window_start, policy.window, bucket.pending)
                    bucket.pending = 0
                    count = bucket.shared
                except Exception as exc:  # the store is down: admit, keep the hits for the next sync
                    self._store_failed(exc)
                if count > policy.quota:
                    return Decision(policy, False, 0, reset)
        if now - self._swept >= SWEEP_SECONDS:
            self._sweep(now, policy.window)
        return Decision(policy, True, max(0, policy.quota - count), reset)

    def _store_failed(self, exc: Exception) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % 1000 == 0:
            log.warning("Rate-limit store unavailable (%s failures): admitting meanwhile (%s)", self._failures, exc)

    def _sweep(self, now: float, window: int) -> None:
        self._swept = now
        horizon = int(now // window) * window - window
        with self._lock:
            for name in [n for n, b in self._buckets.items() if b.window_start < horizon]:
                del self._buckets[name]
        try:
            self.store.sweep(horizon)
        except Exception as exc:
            self._store_failed(exc)

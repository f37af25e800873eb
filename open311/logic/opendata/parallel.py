"""Extension: a bulk export read by two PostgreSQL backends at once, in one snapshot.

One backend running the export's query on one core was the export's ceiling. The rows are split
into ranges of service_request.id; the export's own connection COPYs the even ranges and a second
connection the odd ones, each in a thread of its own, into a bounded queue, while the consumer writes
the ranges out in order. The second connection imports the export transaction's snapshot
(``pg_export_snapshot()`` and ``SET TRANSACTION SNAPSHOT``, as pg_dump's parallel mode does), so the
rows and the validator still describe the same data. Memory stays bounded: each queue holds at most
QUEUE_BLOCKS blocks of about CHUNK_BYTES. When the consumer stops early or a COPY fails, the threads
stop (their COPY is cancelled) and the second connection is closed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

import psycopg
from psycopg import Connection, sql

#: The isolation levels whose transaction reads one snapshot throughout.
ONE_SNAPSHOT = frozenset({"repeatable read", "serializable"})
#: Blocks a connection may read ahead of the consumer (a range of a few MB fits).
QUEUE_BLOCKS = 128
#: How often a thread waiting for room in its queue looks whether the consumer has gone (seconds).
POLL_SECONDS = 0.1

log = logging.getLogger(__name__)
_END = object()  # the end of a range in a queue


class _Stopped(Exception):
    """The consumer has gone: the thread leaves its COPY (which cancels it)."""


def snapshot_connection(connection: Connection) -> Connection | None:
    """A new connection whose transaction shares the snapshot (and the time zone and date style) of
    ``connection``'s, or None when it cannot: a READ COMMITTED transaction (no one snapshot), one that
    has written (another transaction would not see its rows, as in the tests), a standby, or when no
    connection can be opened."""
    isolation, untouched, standby = connection.execute(
        "SELECT current_setting('transaction_isolation'), pg_current_xact_id_if_assigned() IS NULL, pg_is_in_recovery()"
    ).fetchone()
    if isolation not in ONE_SNAPSHOT or not untouched or standby:
        return None
    snapshot, zone, style = connection.execute(
        "SELECT pg_export_snapshot(), current_setting('TimeZone'), current_setting('DateStyle')"
    ).fetchone()
    try:
        helper = psycopg.connect(connection.info.dsn, password=connection.info.password, autocommit=True)
    except psycopg.OperationalError as exc:  # max_connections reached, say: one backend will do
        log.warning("No second connection for an export (%s): it is read by one backend", exc)
        return None
    try:
        helper.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        helper.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        helper.execute("SELECT set_config('TimeZone', %s, true), set_config('DateStyle', %s, true)", (zone, style))
    except BaseException:
        helper.close()
        raise
    return helper


def id_ranges(low: int, high: int, count: int, rows_per_range: int) -> list[tuple[int, int]]:
    """Ranges of ids from ``low`` to ``high`` (inclusive) holding about ``rows_per_range`` of the
    ``count`` rows each, if the rows are spread evenly over the ids."""
    width = max(1, -(-(high - low + 1) * rows_per_range // max(count, 1)))
    return [(start, min(start + width - 1, high)) for start in range(low, high + 1, width)]


class ParallelCopy:
    """The bytes of COPY statements run on ``connections`` in turn (range ``i`` on connection
    ``i % len(connections)``), in order. ``copy_of(i)`` gives the COPY statement and parameters of range
    ``i``; ``blocks`` turns a COPY's messages into blocks of bytes."""

    def __init__(
        self,
        connections: Sequence[Connection],
        ranges: int,
        copy_of: Callable[[int], tuple[str, dict]],
        blocks: Callable[[Iterable], Iterator[bytes]],
    ):
        self.connections, self.ranges, self.copy_of, self.blocks = connections, ranges, copy_of, blocks
        self.queues = [queue.Queue(QUEUE_BLOCKS) for _ in connections]
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._read, args=(index,), daemon=True, name=f"export-copy-{index}")
            for index in range(len(connections))
        ]

    def __iter__(self) -> Iterator[bytes]:
        """The blocks of every range in order; the threads are stopped and joined at the end, on an error
        or when the consumer stops early."""
        try:
            for thread in self.threads:
                thread.start()
            for index in range(self.ranges):
                pending = self.queues[index % len(self.queues)]
                while (block := pending.get()) is not _END:
                    if isinstance(block, BaseException):
                        raise block
                    yield block
        finally:
            self.stop.set()
            for thread in self.threads:
                if thread.ident is not None:  # started
                    thread.join()

    def _put(self, index: int, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                self.queues[index].put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _read(self, index: int) -> None:
        """The thread of connection ``index``: its ranges, block by block, then the end mark of each."""
        connection = self.connections[index]
        try:
            for number in range(index, self.ranges, len(self.connections)):
                statement, params = self.copy_of(number)
                with connection.cursor().copy(statement, params) as copy:
                    for block in self.blocks(copy):
                        self._put(index, block)
                self._put(index, _END)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the consumer, which raises it in its thread
            with contextlib.suppress(_Stopped):
                self._put(index, exc)

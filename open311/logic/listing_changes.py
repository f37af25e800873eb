"""Extension: whether a jurisdiction's listings changed, read from its change counter (migration perf1).

Every transaction that changes what a listing shows bumps the jurisdiction's ``listing_version`` as it
commits (database triggers, so no writer can forget). Two listings of the same URL read with the same
counter show the same rows, except where a *moving* window (the default "last 90 days") lets requests
out at its start or in at its end; :func:`still_current` looks for those with an index probe.

Last-Modified has one-second resolution, so ``changed_at`` may serve as one only once no later change can
fall in the same second (SQL function ``listing_settled``): no writer was committing when the counter's
row was read (its ``xmax`` names no transaction still running) and the statement started at least two
seconds after ``changed_at``. A writer that commits later locks the row after that read and reads the
clock after locking it, so its ``changed_at`` falls in a later second. (The clocks of a primary and its
replicas must agree within a second.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import pq
from sqlalchemy.orm import Session

from ..db import CompiledStatement


@dataclass(frozen=True)
class ListingState:
    """A jurisdiction's counter as one statement read it."""

    #: Committed transactions that changed the listings (0: none since the counter exists).
    version: int
    #: When the last of them committed (None: never).
    changed_at: datetime | None
    #: ``changed_at`` may be sent as Last-Modified (see the module's text).
    settled: bool
    #: The highest request id, read in the same snapshot (the snapshot of a new listing).
    highest_id: int


_STATE = """
SELECT coalesce(v.version, 0) AS version, v.changed_at,
       coalesce(listing_settled(v.xmax, v.changed_at), false) AS settled,
       (SELECT coalesce(max(id), 0) FROM service_request) AS highest_id
FROM (VALUES (%(jurisdiction_id)s::int)) AS j (id) LEFT JOIN listing_version v ON v.jurisdiction_id = j.id
"""

READ_STATE = CompiledStatement(_STATE)


def window_moved(jurisdiction: str, left_from: str, left_to: str, entered_from: str, entered_to: str) -> str:
    """SQL: whether a request of the jurisdiction lies in [left_from, left_to) (it left a moving window at
    its start) or in (entered_from, entered_to] (it entered at its end); the arguments are SQL expressions.

    Each probe is the newest request before a bound (or the oldest after one), which only a btree in
    requested_datetime order answers, in one index entry. An EXISTS over the range itself let the planner
    pick the GiST index of (location, requested_datetime), whose scan on its second column reads the whole
    index: 0.6 s a probe at 10 million requests (bench/RESULTS.md, case 8)."""
    return f"""(
           coalesce((SELECT max(r.requested_datetime) FROM service_request r
                     WHERE r.jurisdiction_id = {jurisdiction} AND r.requested_datetime < {left_to})
                    >= {left_from}, false)
           OR coalesce((SELECT min(r.requested_datetime) FROM service_request r
                        WHERE r.jurisdiction_id = {jurisdiction} AND r.requested_datetime > {entered_from})
                       <= {entered_to}, false))"""  # noqa: S608 (expressions written in this module)


#: The state, and whether a moving window let a request of the jurisdiction out at its start
#: ([left_from, left_to)) or in at its end ((entered_from, entered_to]).
CHECK_STATE = CompiledStatement(
    _STATE.replace(
        "FROM (VALUES",
        ", %(moving)s AND "
        + window_moved("j.id", "%(left_from)s", "%(left_to)s", "%(entered_from)s", "%(entered_to)s")
        + " AS moved\nFROM (VALUES",
    )
)


def listing_state(session: Session, jurisdiction_id: int) -> ListingState:
    """The jurisdiction's counter and the highest request id, in one snapshot. Read it *before* the rows
    of a listing: a change committed in between then labels newer rows with the older version (the client
    asks once more), never older rows with the newer one."""
    row = READ_STATE.fetch(session, {"jurisdiction_id": jurisdiction_id})[0]
    return ListingState(row.version, row.changed_at, row.settled, row.highest_id)


def check_params(
    jurisdiction_id: int,
    window: tuple[datetime, datetime] | None = None,
    now_window: tuple[datetime, datetime] | None = None,
) -> dict:
    """The parameters of :data:`CHECK_STATE` (no window: nothing moves)."""
    moving = window is not None and now_window is not None
    (start, end), (now_start, now_end) = (window, now_window) if moving else ((None, None), (None, None))
    return {
        "jurisdiction_id": jurisdiction_id,
        "moving": moving,
        "left_from": start,
        "left_to": now_start,
        "entered_from": end,
        "entered_to": now_end,
    }


def checked_state(row) -> tuple[ListingState, bool]:
    """The state and whether the window's rows stayed, from a row of :data:`CHECK_STATE`."""
    return ListingState(row.version, row.changed_at, row.settled, row.highest_id), not row.moved


def still_current(
    session: Session,
    jurisdiction_id: int,
    window: tuple[datetime, datetime] | None = None,
    now_window: tuple[datetime, datetime] | None = None,
) -> tuple[ListingState, bool]:
    """The state, and whether a listing read with the moving window ``window`` would read the same rows
    with ``now_window`` (True when no window moves). A version compared alone says whether any row changed."""
    return checked_state(CHECK_STATE.fetch(session, check_params(jurisdiction_id, window, now_window))[0])


#: What a 304 needs, and no more: the version, and whether a moving window let a request out or in
#: (bounds in microseconds since 1970). Run by :func:`version_and_moved` on a bare libpq connection.
_TAG_BOUNDS = [f"('epoch'::timestamptz + ${n}::bigint * interval '1 microsecond')" for n in range(2, 6)]
TAG_CHECK = (
    "SELECT coalesce((SELECT version FROM listing_version WHERE jurisdiction_id = $1::int), 0),\n"  # noqa: S608
    f"       $2::bigint IS NOT NULL AND {window_moved('$1::int', *_TAG_BOUNDS)}"
).encode()
TAG_CHECK_NAME = b"open311_listing_tag_check"


def version_and_moved(
    pgconn: Any, prepared: dict, jurisdiction_id: int, moved: tuple[int, int, int, int] | None
) -> tuple[int, bool] | None:
    """The jurisdiction's version and whether its requests stayed in a moving window that went from
    ``(start, end)`` to ``(now_start, now_end)`` (``moved``, microseconds since 1970; None: the window
    is fixed), by :data:`TAG_CHECK` on an idle libpq connection (``psycopg.pq.PGconn``) outside any
    transaction, prepared once per connection (``prepared``: the connection's own record); None if it
    failed. A polling client's 304 is this one statement: through a cursor and a session, the Python
    around it cost three times the statement (bench/RESULTS.md)."""
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return None
    if TAG_CHECK_NAME not in prepared:
        if pgconn.prepare(TAG_CHECK_NAME, TAG_CHECK).status != pq.ExecStatus.COMMAND_OK:
            return None
        prepared[TAG_CHECK_NAME] = True
    start, end, now_start, now_end = moved or (None, None, None, None)
    bounds = [b"%d" % value if value is not None else None for value in (start, now_start, end, now_end)]
    result = pgconn.exec_prepared(TAG_CHECK_NAME, [b"%d" % jurisdiction_id, *bounds])
    if result.status != pq.ExecStatus.TUPLES_OK:
        prepared.pop(TAG_CHECK_NAME, None)  # e.g. the server forgot it: prepared again next time
        return None
    return int(result.get_value(0, 0)), result.get_value(0, 1) != b"t"

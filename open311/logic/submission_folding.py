"""Extension: identical submissions from one key within a short window are folded into the first.

An app that retries a POST whose answer it lost, or a client flooding the same report, gets the
first submission's answer again: nothing more is stored and no other webhook event is queued.

The fingerprint is written with the answer, in the submission's own transaction, by one statement
just before the commit: the usual submission pays one round trip. Of identical submissions made at
the same moment, the first to write its fingerprint stores; the others wait for its commit, find
the fingerprint taken, roll back and give its answer (if it was refused instead, the next one stores).
"""

from __future__ import annotations

import orjson
from sqlalchemy.orm import Session

from ..db import CompiledStatement

CLAIM = CompiledStatement(
    "INSERT INTO submission_fingerprint (fingerprint, response) VALUES (%(fingerprint)s, %(response)s::json) "
    "ON CONFLICT (fingerprint) DO UPDATE SET created = now(), response = excluded.response "
    "WHERE submission_fingerprint.created < now() - make_interval(secs => %(window)s) RETURNING 1"
)
#: The same, with the submission counted against its key's write quota, in one round trip.
COUNT_AND_CLAIM = CompiledStatement(
    "WITH counted AS ("
    " INSERT INTO rate_limit_counter AS c (bucket, window_start, hits) VALUES (%(bucket)s, %(start)s, 1)"
    " ON CONFLICT (bucket) DO UPDATE SET"
    " hits = CASE WHEN c.window_start = excluded.window_start THEN c.hits + 1"
    " WHEN c.window_start < excluded.window_start THEN 1 ELSE c.hits END,"
    " window_start = greatest(c.window_start, excluded.window_start)"
    " RETURNING CASE WHEN window_start = %(start)s THEN hits ELSE 0 END AS hits"
    "), claimed AS ("
    " INSERT INTO submission_fingerprint (fingerprint, response)"
    " SELECT %(fingerprint)s, %(response)s::json WHERE %(fingerprint)s::bytea IS NOT NULL"
    " ON CONFLICT (fingerprint) DO UPDATE SET created = now(), response = excluded.response"
    " WHERE submission_fingerprint.created < now() - make_interval(secs => %(window)s) RETURNING 1"
    ") SELECT (SELECT hits FROM counted) AS hits, EXISTS (SELECT FROM claimed) AS claimed"
)
EARLIER_ANSWER = CompiledStatement(
    "SELECT response FROM submission_fingerprint "
    "WHERE fingerprint = %(fingerprint)s AND created >= now() - make_interval(secs => %(window)s)"
)
SWEEP = CompiledStatement(
    "DELETE FROM submission_fingerprint WHERE created < now() - make_interval(secs => %(window)s)", prepare=False
)


def claim_answer(session: Session, fingerprint: bytes, answer: list, window_seconds: int) -> bool:
    """Write the fingerprint and the answer of this submission (in its transaction, before the commit);
    False when an identical submission got there first within the window (then roll back and give
    :func:`earlier_answer`)."""
    params = {"fingerprint": fingerprint, "response": orjson.dumps(answer).decode(), "window": window_seconds}
    return bool(CLAIM.fetch(session, params))


def count_and_claim(
    session: Session, bucket: str, window_start: int, fingerprint: bytes | None, answer: list, window_seconds: int
) -> tuple[int, bool]:
    """:func:`claim_answer` (when ``fingerprint`` is given) and one more write of ``bucket`` in its
    rate-limit window, in the submission's transaction and one round trip: the bucket's writes in
    the window, and whether the fingerprint was claimed."""
    row = COUNT_AND_CLAIM.fetch(session, {
        "bucket": bucket, "start": window_start, "fingerprint": fingerprint,
        "response": orjson.dumps(answer).decode(), "window": window_seconds or 0,
    })[0]  # fmt: skip
    return row.hits, row.claimed


def earlier_answer(session: Session, fingerprint: bytes, window_seconds: int) -> list | None:
    """The answer given to the same submission within the window, if any."""
    rows = EARLIER_ANSWER.fetch(session, {"fingerprint": fingerprint, "window": window_seconds})
    return rows[0].response if rows else None


def forget_old_fingerprints(session: Session, window_seconds: int) -> None:
    """Delete the fingerprints older than the window."""
    SWEEP.fetch(session, {"window": window_seconds})

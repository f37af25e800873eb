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


def earlier_answer(session: Session, fingerprint: bytes, window_seconds: int) -> list | None:
    """The answer given to the same submission within the window, if any."""
    rows = EARLIER_ANSWER.fetch(session, {"fingerprint": fingerprint, "window": window_seconds})
    return rows[0].response if rows else None


def forget_old_fingerprints(session: Session, window_seconds: int) -> None:
    """Delete the fingerprints older than the window."""
    SWEEP.fetch(session, {"window": window_seconds})

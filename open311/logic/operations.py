"""Extension: what operators ask of the database — is it reachable, migrated, and is the outbox moving."""

from __future__ import annotations

from functools import cache

from sqlalchemy import text
from sqlalchemy.orm import Session

OUTBOX_BACKLOG = text(
    "SELECT j.jurisdiction_id, d.code AS department, e.state, count(*) AS events, "
    "coalesce(extract(epoch FROM now() - min(e.next_attempt) FILTER (WHERE e.next_attempt <= now())), 0) AS overdue "
    "FROM outbox_event e JOIN department d ON d.id = e.department_id JOIN jurisdiction j ON j.id = d.jurisdiction_id "
    "WHERE e.state <> 'delivered' GROUP BY 1, 2, 3"
)
OLDEST_DUE = text(
    "SELECT count(*) AS events, coalesce(extract(epoch FROM now() - min(next_attempt)), 0) AS seconds "
    "FROM outbox_event WHERE state = 'pending' AND next_attempt <= now() - make_interval(secs => :grace)"
)


@cache
def head_revisions() -> frozenset[str]:
    """The revisions the migrations shipped with this code end at."""
    from alembic.script import ScriptDirectory

    from ..provision import MIGRATIONS_DIR

    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def database_revisions(session: Session) -> frozenset[str]:
    """The revisions the database is at (none before the first migration)."""
    return frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))


def outbox_backlog(session: Session) -> list:
    """Undelivered events (pending and dead) by jurisdiction, department and state, with how long the
    oldest one due has waited (seconds)."""
    return list(session.execute(OUTBOX_BACKLOG))


def stuck_events(session: Session, grace_seconds: int) -> tuple[int, float]:
    """Pending events due for more than ``grace_seconds`` (nobody delivers them): how many, and the oldest's wait."""
    row = session.execute(OLDEST_DUE, {"grace": grace_seconds}).one()
    return row.events, float(row.seconds)

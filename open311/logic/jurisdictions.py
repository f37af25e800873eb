"""Which jurisdiction a call is about (``jurisdiction_id``, spec §1.5)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from ..models import Jurisdiction


def resolve_jurisdiction(session: Session, jurisdiction_id: str | None, default_id: str | None = None) -> Jurisdiction:
    """The jurisdiction named by ``jurisdiction_id``, or the only (or default) one when none is named.

    Unknown id -> 404; none named while several are hosted and no default is set -> 400.
    """
    if jurisdiction_id:
        found = session.scalar(select(Jurisdiction).where(Jurisdiction.jurisdiction_id == jurisdiction_id))
        if found is None:
            raise NotFound(f"jurisdiction_id provided was not found: {jurisdiction_id}")
        return found
    hosted = session.scalars(select(Jurisdiction).order_by(Jurisdiction.id).limit(2)).all()
    if len(hosted) == 1:
        return hosted[0]
    if not hosted:
        raise NotFound("This server hosts no jurisdiction yet.")
    # Extension: a configured default jurisdiction for clients that never send jurisdiction_id.
    if default_id:
        return resolve_jurisdiction(session, default_id)
    raise BadRequest("jurisdiction_id was not provided: this server hosts several jurisdictions.")


def hosted_jurisdictions(session: Session, limit: int | None = None) -> list[Jurisdiction]:
    """The jurisdictions this server hosts (not the sandbox twins of test endpoints), first loaded first."""
    query = select(Jurisdiction).where(Jurisdiction.sandbox_of_id.is_(None)).order_by(Jurisdiction.id)
    return list(session.scalars(query.limit(limit)))

"""Which jurisdiction a call is about (``jurisdiction_id``, spec §1.5).

A ``jurisdiction_id`` is a domain: it is compared without regard to case (and a trailing dot, as in a
fully qualified name, is dropped). Sandbox twins (Extension: the test endpoint) are never jurisdictions of
their own: they are left out of every count, default and lookup, and reached only through the jurisdiction
they serve (:func:`sandbox_of`).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from ..models import Jurisdiction

#: The jurisdictions clients name: every jurisdiction that is not a sandbox twin.
HOSTED = select(Jurisdiction).where(Jurisdiction.sandbox_of_id.is_(None))


def normalize_jurisdiction_id(jurisdiction_id: str) -> str:
    """The form jurisdiction ids are stored in: a domain in lower case, without a trailing dot."""
    return jurisdiction_id.strip().rstrip(".").lower()


def find_jurisdiction(session: Session, jurisdiction_id: str) -> Jurisdiction:
    """The hosted jurisdiction named ``jurisdiction_id`` (any case), or 404."""
    found = session.scalar(HOSTED.where(Jurisdiction.jurisdiction_id == normalize_jurisdiction_id(jurisdiction_id)))
    if found is None:
        raise NotFound(f"jurisdiction_id provided was not found: {jurisdiction_id}")
    return found


def hosted_jurisdictions(session: Session, limit: int | None = None) -> list[Jurisdiction]:
    """The jurisdictions this server hosts, in the order they were first loaded."""
    return list(session.scalars(HOSTED.order_by(Jurisdiction.id).limit(limit)))


def resolve_jurisdiction(
    session: Session, jurisdiction_id: str | None, default_id: str | None = None, *, sandbox: bool = False
) -> Jurisdiction:
    """The jurisdiction named by ``jurisdiction_id``, or the only (or default) one when none is named;
    with ``sandbox`` (Extension: the test endpoint), its sandbox twin.

    Unknown id -> 404; none named while several are hosted and no default is set -> 400.
    """
    if sandbox:
        return sandbox_of(session, resolve_jurisdiction(session, jurisdiction_id, default_id))
    if jurisdiction_id:
        return find_jurisdiction(session, jurisdiction_id)
    hosted = hosted_jurisdictions(session, limit=2)
    if len(hosted) == 1:
        return hosted[0]
    if not hosted:
        raise NotFound("This server hosts no jurisdiction yet.")
    # Extension: a configured default jurisdiction for clients that never send jurisdiction_id.
    if default_id:
        return find_jurisdiction(session, default_id)
    raise BadRequest("jurisdiction_id was not provided: this server hosts several jurisdictions.")


def discovery_jurisdictions(
    session: Session, jurisdiction_id: str | None, default_id: str | None = None
) -> list[Jurisdiction]:
    """The jurisdictions a discovery document describes: the one named (or the only, or the default one);
    with several hosted and none named, all of them (discovery answers without ``jurisdiction_id``)."""
    if jurisdiction_id or default_id:
        return [resolve_jurisdiction(session, jurisdiction_id, default_id)]
    hosted = hosted_jurisdictions(session)
    if not hosted:
        raise NotFound("This server hosts no jurisdiction yet.")
    return hosted


def have_sandboxes(session: Session, jurisdictions: list[Jurisdiction]) -> bool:
    """Extension: whether one of ``jurisdictions`` has a sandbox twin (then discovery lists a test endpoint)."""
    ids = [j.id for j in jurisdictions]
    return bool(session.scalar(select(exists().where(Jurisdiction.sandbox_of_id.in_(ids)))))


def sandbox_of(session: Session, jurisdiction: Jurisdiction) -> Jurisdiction:
    """Extension: the sandbox twin serving ``jurisdiction``'s test endpoint, or 404 when it has none."""
    twin = session.scalar(select(Jurisdiction).where(Jurisdiction.sandbox_of_id == jurisdiction.id))
    if twin is None:
        raise NotFound(f"jurisdiction_id {jurisdiction.jurisdiction_id} has no test endpoint")
    return twin

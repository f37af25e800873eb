"""Extension: the privacy transform (docs/open-data.md) as public outputs read it.

E-mail addresses and phone numbers typed into descriptions, status notes, addresses, attributes and
history notes are replaced by ``[email removed]`` and ``[phone removed]`` in every public output. The
transform is one SQL function, ``redact_personal_data`` (migration odata1); PostgreSQL stores its result
beside each text at write time (generated columns, NULL when nothing was removed), so that listings
read one more column of the same row instead of running regular expressions on every read.
Departments' webhooks, the staff history and the staff export keep the original texts.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import RequestUpdate, ServiceRequest

#: The public text of each column of a request that people type into.
PUBLIC_DESCRIPTION = func.coalesce(ServiceRequest.public_description, ServiceRequest.description)
PUBLIC_STATUS_NOTES = func.coalesce(ServiceRequest.public_status_notes, ServiceRequest.status_notes)
PUBLIC_ADDRESS = func.coalesce(ServiceRequest.public_address, ServiceRequest.address)
PUBLIC_ATTRIBUTES = func.coalesce(ServiceRequest.public_attributes, ServiceRequest.attributes)
#: The public text of a history note.
PUBLIC_NOTE = func.coalesce(RequestUpdate.public_note, RequestUpdate.note)

#: Where the transform applies, and the generated column holding each result.
REDACTED_COLUMNS = {
    "description": ServiceRequest.public_description,
    "status_notes": ServiceRequest.public_status_notes,
    "address": ServiceRequest.public_address,
    "attributes": ServiceRequest.public_attributes,
}


def public_note(update: RequestUpdate) -> str | None:
    """The note of a loaded history row as public outputs show it."""
    return update.public_note if update.public_note is not None else update.note


def redact(session: Session, text: str | None) -> str | None:
    """``text`` as public outputs show it (the SQL transform, for texts that are not stored)."""
    return session.scalar(select(func.redact_personal_data(text)))


def redaction_counts(session: Session, jurisdiction_id: int | None = None) -> dict[str, int]:
    """How many stored texts the transform changes, by field (``notes``: history notes)."""
    requests = select(*(func.count(column) for column in REDACTED_COLUMNS.values()))
    notes = select(func.count(RequestUpdate.public_note))
    if jurisdiction_id is not None:
        requests = requests.where(ServiceRequest.jurisdiction_id == jurisdiction_id)
        notes = notes.where(RequestUpdate.jurisdiction_id == jurisdiction_id)
    counts = dict(zip(REDACTED_COLUMNS, session.execute(requests).one(), strict=True))
    counts["notes"] = session.scalar(notes)
    return counts

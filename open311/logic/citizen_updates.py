"""mySociety's POST servicerequestupdates (digest §5.11), as FixMyStreet sends it.

FixMyStreet (``perllib/Open311.pm``, ``_populate_service_request_update_params``) posts every comment
on a report together with the report's state as FixMyStreet sees it, and posts it again until it
gets an ``update_id`` back. So a status naming the state the request is already in is a comment, not
a refusal, and a resent ``update_id`` answers the ``update_id`` of the first one, however many copies
race: the database's unique constraint decides, not a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..models import Jurisdiction, RequestUpdate, RequestUpdateContact
from ..models.service_request import CLOSED_STATUSES
from .api_keys import CallKey
from .events import emit
from .policy import authorize, status_action
from .workflow import find_request, record

#: The upper-case statuses FixMyStreet and mySociety's adapter send -> the detailed status they stand for.
#: OPEN and REOPEN ask for an open request, FIXED and CLOSED for a closed one: a request already on that
#: side stays as it is (the update is a comment). Every other status names one detailed status.
POSTED_STATUS = {
    "UNCHANGED": None,
    "OPEN": "reopened",
    "REOPEN": "reopened",
    "FIXED": "fixed",
    "CLOSED": "closed",
    "FOR_TRIAGE": "received",
    "INVESTIGATING": "investigating",
    "IN_PROGRESS": "in_progress",
    "ACTION_SCHEDULED": "action_scheduled",
    "PLANNED": "action_scheduled",
    "DUPLICATE": "duplicate",
    "NOT_COUNCILS_RESPONSIBILITY": "not_responsible",
    "INTERNAL_REFERRAL": "not_responsible",
    "NO_FURTHER_ACTION": "no_further_action",
    "CANCELLED": "cancelled",
}
#: Statuses that name a side (open or closed) rather than one detailed status.
SIDE_STATUSES = {"OPEN": False, "REOPEN": False, "FIXED": True, "CLOSED": True}
UNIQUE_UPDATE_ID = "uq_request_update_jurisdiction_id_api_key_id_client_update_id"


@dataclass
class PostedUpdate:
    """The fields of one POSTed update."""

    service_request_id: str
    update_id: str
    status: str
    description: str | None = None
    media_urls: list[str] = field(default_factory=list)
    #: Personal data (names, title, email, phone, account, preferences): stored apart, never returned.
    contact: dict | None = None


def requested_status(status: str, current: str) -> str | None:
    """The detailed status ``status`` moves a request in ``current`` to, or None when it stays (a comment)."""
    wanted = POSTED_STATUS[status]
    if status in SIDE_STATUSES:
        closed = SIDE_STATUSES[status]
        return None if (current in CLOSED_STATUSES) == closed else wanted
    return None if wanted in (None, current) else wanted


def receive_update(session: Session, jurisdiction: Jurisdiction, key: CallKey, posted: PostedUpdate) -> dict:
    """Apply an update once per (key, ``update_id``); returns ``{"update_id": ours}``, the original's on a resend."""
    status = posted.status.strip().upper()
    if status not in POSTED_STATUS:
        raise BadRequest(f"status: '{posted.status}' is not one of {', '.join(POSTED_STATUS)}")
    request = find_request(session, jurisdiction.id, posted.service_request_id, lock=True)
    original = _original(session, jurisdiction, key, posted.update_id)
    if original is not None:  # a resend (copies of the same request wait on its lock)
        return {"update_id": str(original)}
    new_status = requested_status(status, request.detailed_status)
    authorize(key, status_action(new_status), request)
    media = posted.media_urls
    try:
        with session.begin_nested():
            update = record(
                session, request, key, "citizen", new_status=new_status, note=posted.description,
                media_url=media[0] if media else None, client_update_id=posted.update_id,
            )  # fmt: skip
            update.media_urls = media if len(media) > 1 else None
            if posted.contact:
                session.add(RequestUpdateContact(update_id=update.id, **posted.contact))
            session.flush()
    except IntegrityError as exc:
        # A copy posted for another request won the race: answer what it got.
        original = _original(session, jurisdiction, key, posted.update_id)
        if getattr(exc.orig.diag, "constraint_name", None) != UNIQUE_UPDATE_ID or original is None:
            raise
        return {"update_id": str(original)}
    if update.new_status != update.old_status:
        emit(
            session, request, "request.status_changed", [request.department_id], {"previous_status": update.old_status}
        )
    return {"update_id": str(update.id)}


def _original(session: Session, jurisdiction: Jurisdiction, key: CallKey, update_id: str) -> int | None:
    return session.scalar(
        select(RequestUpdate.id).where(
            RequestUpdate.jurisdiction_id == jurisdiction.id,
            RequestUpdate.api_key_id == key.id,
            RequestUpdate.client_update_id == update_id,
        )
    )

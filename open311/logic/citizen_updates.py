"""mySociety's POST servicerequestupdates (digest §5.11): updates pushed by apps such as FixMyStreet."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..models import ApiKey, Jurisdiction, RequestUpdate
from ..models.service_request import CLOSED_STATUSES
from .events import emit
from .policy import authorize, status_action
from .workflow import check_transition, find_request, record

#: Upper-case statuses of the extension -> our detailed status (None: leave the status as it is).
POSTED_STATUS = {
    "UNCHANGED": None,
    "OPEN": None,
    "REOPEN": "reopened",
    "FIXED": "fixed",
    "CLOSED": "closed",
    "IN_PROGRESS": "in_progress",
    "INVESTIGATING": "investigating",
    "ACTION_SCHEDULED": "action_scheduled",
    "PLANNED": "action_scheduled",
    "NOT_COUNCILS_RESPONSIBILITY": "not_responsible",
    "NO_FURTHER_ACTION": "no_further_action",
    "CANCELLED": "cancelled",
}


@dataclass
class PostedUpdate:
    """The fields of one POSTed update."""

    service_request_id: str
    update_id: str
    status: str
    description: str
    media_url: str | None = None
    contact: dict | None = None


def receive_update(session: Session, jurisdiction: Jurisdiction, key: ApiKey, posted: PostedUpdate) -> dict:
    """Apply an update once: a repeated ``update_id`` is refused. Returns ``{"update_id": ours}``."""
    status = posted.status.strip().upper()
    if status not in POSTED_STATUS:
        raise BadRequest(f"status: '{posted.status}' is not one of {', '.join(POSTED_STATUS)}")
    request = find_request(session, jurisdiction.id, posted.service_request_id, lock=True)
    already = session.scalar(
        select(RequestUpdate.id).where(
            RequestUpdate.jurisdiction_id == jurisdiction.id, RequestUpdate.client_update_id == posted.update_id
        )
    )
    if already is not None:
        raise BadRequest(f"update_id: {posted.update_id} was already received (as update {already})")
    new_status = POSTED_STATUS[status]
    if status == "OPEN" and request.detailed_status in CLOSED_STATUSES:
        new_status = "reopened"
    authorize(key, status_action(new_status), request)
    if new_status is not None:
        check_transition(request.detailed_status, new_status, has_note=True)
    update = record(
        session, request, key, "citizen", new_status=new_status, note=posted.description,
        media_url=posted.media_url, client_update_id=posted.update_id, contact=posted.contact,
    )  # fmt: skip
    if update.new_status != update.old_status:
        emit(
            session, request, "request.status_changed", [request.department_id], {"previous_status": update.old_status}
        )
    return {"update_id": str(update.id)}

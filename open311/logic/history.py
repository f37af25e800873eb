"""Reading a request's history: the staff view (who did what), the public notes, mySociety's feed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from ..formats import format_datetime
from ..models import ApiKey, Department, Jurisdiction, RequestUpdate, Service, ServiceRequest
from ..models.service_request import CLOSED_STATUSES
from .api_keys import CallKey
from .datetimes import date_window
from .opendata.privacy import public_note
from .policy import Action, authorize

#: Our detailed statuses in mySociety's (FixMyStreet's) lower-case vocabulary (digest §5.11).
FMS_STATUS = {
    "received": "open",
    "investigating": "investigating",
    "in_progress": "in_progress",
    "action_scheduled": "action_scheduled",
    "reopened": "reopen",
    "fixed": "fixed",
    "closed": "closed",
    "duplicate": "duplicate",
    "not_responsible": "not_councils_responsibility",
    "no_further_action": "no_further_action",
    "cancelled": "cancelled",
}

NOTE_TYPES = {"created": "opened", "note": "note", "media": "media", "reassigned": "reassigned", "merged": "closed"}


def _note_type(update: RequestUpdate) -> str:
    if update.kind == "status":
        if update.new_status == "reopened":
            return "reopened"
        return "closed" if update.new_status in CLOSED_STATUSES else "status"
    if update.kind == "citizen":
        return "update"
    return NOTE_TYPES[update.kind]


def public_notes(session: Session, jurisdiction: Jurisdiction, request_ids: list[int]) -> dict[int, list[dict]]:
    """Extension (Chicago's ``notes``): each request's changes and notes, never who made them."""
    if not request_ids:
        return {}
    zone = ZoneInfo(jurisdiction.time_zone)
    notes: dict[int, list[dict]] = defaultdict(list)
    for update in session.scalars(
        select(RequestUpdate)
        .where(RequestUpdate.request_id.in_(request_ids))
        .order_by(RequestUpdate.request_id, RequestUpdate.id)
    ):
        notes[update.request_id].append(
            {
                "datetime": format_datetime(update.created.astimezone(zone)),
                "type": _note_type(update),
                "detailed_status": update.new_status,
                "description": public_note(update),
            }
        )
    return notes


def staff_history(session: Session, jurisdiction: Jurisdiction, key: CallKey, request: ServiceRequest) -> list[dict]:
    """Extension: every change of a request with the key that made it (for keys the policy allows)."""
    authorize(key, Action.READ_HISTORY, request)
    return changes_since(session, jurisdiction, request.id)


def changes_since(session: Session, jurisdiction: Jurisdiction, request_id: int, first_id: int = 0) -> list[dict]:
    """The request's history rows from ``first_id`` on, with who made them (the answer to a change)."""
    zone = ZoneInfo(jurisdiction.time_zone)
    previous = aliased(Department)
    rows = session.execute(
        select(RequestUpdate, Department.code, previous.code, ApiKey.name)
        .outerjoin(Department, RequestUpdate.department_id == Department.id)
        .outerjoin(previous, RequestUpdate.old_department_id == previous.id)
        .outerjoin(ApiKey, RequestUpdate.api_key_id == ApiKey.id)
        .where(RequestUpdate.request_id == request_id, RequestUpdate.id >= first_id)
        .order_by(RequestUpdate.id)
    )
    return [
        {
            "update_id": str(update.id),
            "service_request_id": str(update.request_id),
            "kind": update.kind,
            "status": "closed" if update.new_status in CLOSED_STATUSES else "open",
            "old_detailed_status": update.old_status,
            "detailed_status": update.new_status,
            "updated_datetime": format_datetime(update.created.astimezone(zone)),
            "description": update.note,
            "media_url": update.media_url,
            "department_code": department,
            "previous_department_code": old_department,
            "changed_by": key_name,
        }
        for update, department, old_department, key_name in rows
    ]


def updates_feed(
    session: Session, jurisdiction: Jurisdiction, start: datetime | None, end: datetime | None, now: datetime
) -> list[dict]:
    """mySociety's GET servicerequestupdates: the changes made in [start, end] (default: the last 90 days)."""
    start, end = date_window(start, end, now)
    zone = ZoneInfo(jurisdiction.time_zone)
    # Extension (open data): nothing of the services kept out of public listings, photos only where
    # the service publishes them.
    updates = session.execute(
        select(RequestUpdate, Service.publish_media)
        .join(ServiceRequest, ServiceRequest.id == RequestUpdate.request_id)
        .join(Service, Service.id == ServiceRequest.service_id)
        .where(
            and_(
                RequestUpdate.jurisdiction_id == jurisdiction.id,
                RequestUpdate.kind != "created",
                RequestUpdate.created >= start,
                RequestUpdate.created <= end,
                Service.publish,
            )
        )
        .order_by(RequestUpdate.created, RequestUpdate.id)
        .limit(1000)
    )
    return [
        {
            "update_id": str(update.id),
            "service_request_id": str(update.request_id),
            "status": FMS_STATUS[update.new_status],
            "updated_datetime": format_datetime(update.created.astimezone(zone)),
            "description": public_note(update) or "",
            "media_url": (update.media_url if publish_media else None) or "",
            "external_status_code": update.new_status,
        }
        for update, publish_media in updates
    ]

"""The status workflow (Extension): status changes with notes, reassignment, merging duplicates, reopening.

Every change is a row of ``request_update``; the request's ``detailed_status``, ``status_notes``,
``updated_datetime`` and department follow from the latest one, and the change's events go to the
outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from ..models import (
    Area,
    AreaLayer,
    Department,
    RequestUpdate,
    Service,
    ServiceRequest,
    ServiceRequestArea,
)
from ..models.service_request import CLOSED_STATUSES, DETAILED_STATUSES, OPEN_STATUSES
from .api_keys import CallKey
from .assignment import responsible_department
from .events import emit
from .policy import Action, authorize, status_action
from .request_ids import as_request_id
from .request_storage import describe_location


def find_request(
    session: Session, jurisdiction_id: int, service_request_id: str, *, lock: bool = False
) -> ServiceRequest:
    """The request with this id in the jurisdiction, or 404 (locked for update when asked)."""
    request = None
    request_id = as_request_id(service_request_id)
    if request_id is not None:
        query = select(ServiceRequest).where(
            ServiceRequest.id == request_id, ServiceRequest.jurisdiction_id == jurisdiction_id
        )
        request = session.scalar(query.with_for_update() if lock else query)
    if request is None:
        raise NotFound(f"service_request_id provided was not found: {service_request_id}")
    return request


def record(
    session: Session,
    request: ServiceRequest,
    key: CallKey,
    kind: str,
    *,
    new_status: str | None = None,
    note: str | None = None,
    media_url: str | None = None,
    client_update_id: str | None = None,
    old_department_id: int | None = None,
    now=None,
) -> RequestUpdate:
    """Write one history row and make the request follow it (``now``: the transaction's time, if known)."""
    now = now if now is not None else session.scalar(select(func.now()))
    update = RequestUpdate(
        jurisdiction_id=request.jurisdiction_id,
        request_id=request.id,
        kind=kind,
        created=now,
        api_key_id=key.id if key else None,
        old_status=None if kind == "created" else request.detailed_status,
        new_status=new_status or request.detailed_status,
        note=note,
        department_id=request.department_id,
        old_department_id=old_department_id if old_department_id is not None else request.department_id,
        media_url=media_url,
        client_update_id=client_update_id,
    )
    request.detailed_status = update.new_status
    request.status_notes = note
    request.updated_datetime = now
    if media_url and not request.media_url:
        request.media_url = media_url
    session.add(update)
    session.flush()
    return update


def check_transition(old: str, new: str, has_note: bool) -> None:
    """400 naming the problem for a status change that makes no sense."""
    if new not in DETAILED_STATUSES:
        raise BadRequest(f"detailed_status: '{new}' is not one of {', '.join(DETAILED_STATUSES)}")
    if new == "duplicate":
        raise BadRequest("detailed_status: mark a duplicate with duplicate_of, naming the original request")
    if new == "reopened":
        if old not in CLOSED_STATUSES:
            raise BadRequest(f"Only a closed request can be reopened; this one is {old}")
    elif new in CLOSED_STATUSES and old in CLOSED_STATUSES:
        raise BadRequest(f"The request is already closed ({old}): reopen it before closing it again")
    elif new in OPEN_STATUSES and old in CLOSED_STATUSES:
        raise BadRequest(f"The request is closed ({old}): reopen it first")
    elif new == old and not has_note:
        raise BadRequest(f"The request is already {old}")


def _change_status(
    session: Session, request: ServiceRequest, key: CallKey, new_status: str, note: str | None = None,
    media_url: str | None = None,
) -> RequestUpdate:  # fmt: skip
    """Move the request to ``new_status`` with a note; emits request.status_changed."""
    check_transition(request.detailed_status, new_status, bool(note))
    update = record(session, request, key, "status", new_status=new_status, note=note, media_url=media_url)
    emit(session, request, "request.status_changed", [request.department_id], {"previous_status": update.old_status})
    return update


def _add_note(
    session: Session, request: ServiceRequest, key: CallKey, note: str | None, media_url: str | None = None
) -> RequestUpdate:
    """A note or a photo without a status change."""
    if not note and not media_url:
        raise BadRequest("Nothing to change: send detailed_status, note, department, area, duplicate_of or media")
    return record(session, request, key, "note" if note else "media", note=note, media_url=media_url)


def _reassign(
    session: Session,
    request: ServiceRequest,
    key: CallKey,
    *,
    department_code: str | None = None,
    area_code: str | None = None,
    note: str | None = None,
) -> RequestUpdate:
    """Give the request another department or area (then routed again); emits request.reassigned to both."""
    old_department_id = request.department_id
    if area_code:
        _move_to_area(session, request, area_code)
    if department_code:
        department = session.scalar(
            select(Department).where(
                Department.jurisdiction_id == request.jurisdiction_id, Department.code == department_code
            )
        )
        if department is None:
            raise BadRequest(f"department: no department '{department_code}' in this jurisdiction")
        request.department_id = department.id
    elif area_code:
        service = session.get(Service, request.service_id)
        areas = session.scalars(
            select(Area)
            .join(ServiceRequestArea, ServiceRequestArea.area_id == Area.id)
            .where(ServiceRequestArea.request_id == request.id)
        ).all()
        routed = responsible_department(session, service, list(areas))
        request.department_id = routed.id if routed else None
    if request.department_id == old_department_id and not area_code:
        raise BadRequest(f"department: the request is already with {department_code}")
    update = record(session, request, key, "reassigned", note=note, old_department_id=old_department_id)
    previous = session.get(Department, old_department_id) if old_department_id else None
    emit(
        session, request, "request.reassigned", [old_department_id, request.department_id],
        {"previous_department_code": previous.code if previous else None},
    )  # fmt: skip
    return update


def _move_to_area(session: Session, request: ServiceRequest, area_code: str) -> None:
    layer_code, _, code = area_code.rpartition(":")
    query = select(Area).join(AreaLayer).where(AreaLayer.jurisdiction_id == request.jurisdiction_id, Area.code == code)
    if layer_code:
        query = query.where(AreaLayer.code == layer_code)
    matches = session.scalars(query).all()
    if not matches:
        raise BadRequest(f"area: no area '{area_code}' in this jurisdiction")
    if len(matches) > 1:
        raise BadRequest(f"area: '{code}' exists in several layers: write it as layer:{code}")
    area = matches[0]
    session.execute(
        delete(ServiceRequestArea).where(
            ServiceRequestArea.request_id == request.id, ServiceRequestArea.layer_id == area.layer_id
        )
    )
    session.add(ServiceRequestArea(request_id=request.id, layer_id=area.layer_id, area_id=area.id))
    describe_location(session, request.id)  # a request without an address is described by its areas


def _merge(
    session: Session, child: ServiceRequest, parent_id: str, key: CallKey, note: str | None = None
) -> RequestUpdate:
    """Close ``child`` as a duplicate of the request ``parent_id``; the parent gets a note. Emits request.merged."""
    if parent_id == str(child.id):
        raise BadRequest("duplicate_of: a request cannot be a duplicate of itself")
    # Another jurisdiction's request is not found, exactly like an unknown id (no existence oracle).
    try:
        parent = find_request(session, child.jurisdiction_id, parent_id)
    except NotFound:
        raise NotFound(f"duplicate_of: service_request_id {parent_id} was not found") from None
    while parent.parent_id is not None:  # point at the original, never at another duplicate
        parent = session.get(ServiceRequest, parent.parent_id)
    if parent.id == child.id:
        raise BadRequest(f"duplicate_of: request {parent_id} is itself a duplicate of this one")
    authorize(key, Action.MERGE, child, parent)
    if child.detailed_status in CLOSED_STATUSES:
        raise BadRequest(f"The request is already closed ({child.detailed_status}): reopen it before merging it")
    child.parent_id = parent.id
    text = f"Duplicate of request {parent.id}." + (f" {note}" if note else "")
    update = record(session, child, key, "merged", new_status="duplicate", note=text)
    record(session, parent, key, "note", note=f"Request {child.id} was merged into this one as a duplicate.")
    emit(
        session, child, "request.merged", [child.department_id, parent.department_id],
        {"parent_service_request_id": str(parent.id)},
    )  # fmt: skip
    return update


@dataclass
class StaffChange:
    """One change of a request through the staff API; any of the fields may be given."""

    detailed_status: str | None = None
    note: str | None = None
    department: str | None = None
    area: str | None = None
    duplicate_of: str | None = None
    media_url: str | None = None


def authorize_staff_change(key: CallKey, request: ServiceRequest, change: StaffChange) -> None:
    """403 unless the policy lets ``key`` make every part of ``change`` to ``request`` as it is now.

    A merge's original is checked too, once it is found (:func:`_merge`).
    """
    moving = change.department or change.area
    if change.duplicate_of:
        if change.detailed_status or moving:
            raise BadRequest("duplicate_of: send it alone (with a note if you like)")
        authorize(key, Action.MERGE, request)
        return
    if moving:
        authorize(key, Action.REASSIGN, request)
    if change.detailed_status:
        authorize(key, status_action(change.detailed_status), request)
    elif not moving:
        authorize(key, Action.COMMENT, request)


def apply_staff_change(session: Session, key: CallKey, request: ServiceRequest, change: StaffChange) -> RequestUpdate:
    """Apply ``change`` to ``request`` (locked) after the policy allowed every part of it; returns its first row.

    A status with a note is one row; a reassignment before it is another. ``duplicate_of`` goes alone.
    """
    authorize_staff_change(key, request, change)
    if change.duplicate_of:
        return _merge(session, request, change.duplicate_of, key, change.note)
    moving = change.department or change.area
    first = None
    if moving:
        first = _reassign(
            session, request, key, department_code=change.department, area_code=change.area,
            note=None if change.detailed_status else change.note,
        )  # fmt: skip
    if change.detailed_status:
        update = _change_status(session, request, key, change.detailed_status, change.note, change.media_url)
        first = first or update
    elif not moving:
        first = _add_note(session, request, key, change.note, change.media_url)
    return first

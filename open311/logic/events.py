"""Events for departments' webhooks, written to the outbox in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..formats import format_datetime
from ..models import Department, Jurisdiction, OutboxEvent, ServiceRequest
from ..models.service_request import CLOSED_STATUSES


def emit(
    session: Session,
    request: ServiceRequest,
    event_type: str,
    department_ids: list[int | None],
    details: dict | None = None,
    *,
    jurisdiction: Jurisdiction | None = None,
) -> list[OutboxEvent]:
    """Queue ``event_type`` about ``request`` for each listed department that has a webhook."""
    ids = {d for d in department_ids if d is not None}
    if not ids:
        return []
    departments = session.scalars(
        select(Department).where(Department.id.in_(ids), Department.webhook_url.is_not(None))
    ).all()
    if not departments:
        return []
    jurisdiction = jurisdiction or session.get(Jurisdiction, request.jurisdiction_id)
    current = next((d for d in departments if d.id == request.department_id), None)
    if current is None and request.department_id:
        current = session.get(Department, request.department_id)
    payload = {
        "event": event_type,
        "jurisdiction_id": jurisdiction.jurisdiction_id,
        "service_request_id": str(request.id),
        "occurred": format_datetime(request.updated_datetime),
        "status": "closed" if request.detailed_status in CLOSED_STATUSES else "open",
        "detailed_status": request.detailed_status,
        "department_code": current.code if current else None,
        "status_notes": request.status_notes,
        **(details or {}),
    }
    events = [
        OutboxEvent(department_id=department.id, request_id=request.id, event_type=event_type, payload=payload)
        for department in sorted(departments, key=lambda d: d.id)
    ]
    session.add_all(events)
    return events

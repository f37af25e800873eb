"""Events for departments' webhooks, written to the outbox in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import cast, func, insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB
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
) -> None:
    """Queue ``event_type`` about ``request`` for each listed department that has a webhook.

    One INSERT ... SELECT: which departments have a webhook, and the current department's code, are
    read by the insert itself (no round trip when none has one, as for most cities).
    """
    ids = sorted({d for d in department_ids if d is not None})
    if not ids:
        return
    jurisdiction = jurisdiction or session.get(Jurisdiction, request.jurisdiction_id)
    payload = {
        "event": event_type,
        "jurisdiction_id": jurisdiction.jurisdiction_id,
        "service_request_id": str(request.id),
        "occurred": format_datetime(request.updated_datetime),
        "status": "closed" if request.detailed_status in CLOSED_STATUSES else "open",
        "detailed_status": request.detailed_status,
        "status_notes": request.status_notes,
        **(details or {}),
    }
    current_code = select(Department.code).where(Department.id == request.department_id).scalar_subquery()
    full_payload = cast(payload, JSONB).op("||")(func.jsonb_build_object("department_code", current_code))
    recipients = (
        select(Department.id, literal(request.id), literal(event_type), full_payload)
        .where(Department.id.in_(ids), Department.webhook_url.is_not(None))
        .order_by(Department.id)
    )
    session.execute(
        insert(OutboxEvent).from_select(["department_id", "request_id", "event_type", "payload"], recipients)
    )

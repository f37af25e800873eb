"""Events for departments' webhooks, written to the outbox in the caller's transaction."""

from __future__ import annotations

from psycopg.types.json import Jsonb
from sqlalchemy import ARRAY, BigInteger, Integer, String, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from ..db import CompiledStatement
from ..formats import format_datetime
from ..models import Department, Jurisdiction, OutboxEvent, ServiceRequest
from ..models.service_request import CLOSED_STATUSES
from .request_storage import StoredRequest


def emit(
    session: Session,
    request: ServiceRequest | StoredRequest,
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
    params = {"ids": ids, "request_id": request.id, "event_type": event_type, "payload": Jsonb(payload)}
    session.flush()  # the request and its history rows are in the database before the event refers to them
    OUTBOX_INSERT.fetch(session, {**params, "current_department_id": request.department_id})


def _outbox_insert() -> CompiledStatement:
    current_code = select(Department.code).where(Department.id == bindparam("current_department_id")).scalar_subquery()
    payload = bindparam("payload", type_=JSONB).op("||")(func.jsonb_build_object("department_code", current_code))
    recipients = (
        select(Department.id, bindparam("request_id", type_=BigInteger), bindparam("event_type", type_=String), payload)
        .where(Department.id == func.any(bindparam("ids", type_=ARRAY(Integer))), Department.webhook_url.is_not(None))
        .order_by(Department.id)
    )
    statement = insert(OutboxEvent).from_select(["department_id", "request_id", "event_type", "payload"], recipients)
    return CompiledStatement.of(statement)


#: Which departments have a webhook, and the current department's code, are read by the insert itself.
OUTBOX_INSERT = _outbox_insert()

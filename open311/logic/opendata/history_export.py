"""Extension: the staff export of the history of updates (``export/updates.csv`` with a staff key).

It is the staff history of every request in one CSV: who changed what and when, with the original
notes (staff read what was written, as in GET requests/{id}/updates). A key limited to departments
exports the history of the requests now with those departments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from psycopg import Connection
from sqlalchemy import Select, Text, case, cast, func, literal, select
from sqlalchemy.orm import Session, aliased

from ...errors import BadRequest, Forbidden
from ...models import ApiKey, Department, Jurisdiction, RequestUpdate, Service, ServiceRequest
from ...models.service_request import CLOSED_STATUSES
from ..api_keys import CallKey
from .columns import ExportColumn
from .export import Export, Validator, csv_chunks

PREVIOUS = aliased(Department, name="previous_department")

UPDATE_COLUMNS = (
    ExportColumn("update_id", cast(RequestUpdate.id, Text), "string", "The change's id."),
    ExportColumn("service_request_id", cast(RequestUpdate.request_id, Text), "string", "The request changed."),
    ExportColumn("service_code", Service.service_code, "string", "The request's service."),
    ExportColumn("updated_datetime", func.export_datetime(RequestUpdate.created), "datetime", "When."),
    ExportColumn("kind", cast(RequestUpdate.kind, Text), "string", "created, status, note, reassigned, merged, ..."),
    ExportColumn("old_detailed_status", cast(RequestUpdate.old_status, Text), "string", "Status before."),
    ExportColumn("detailed_status", cast(RequestUpdate.new_status, Text), "string", "Status after."),
    ExportColumn(
        "status",
        case((RequestUpdate.new_status.in_(CLOSED_STATUSES), literal("closed")), else_=literal("open")),
        "string",
        "open or closed after the change.",
    ),
    ExportColumn("description", RequestUpdate.note, "string", "The note as written (no transform).", True),
    ExportColumn("media_url", RequestUpdate.media_url, "string", "A photo attached to the change.", True),
    ExportColumn("department_code", Department.code, "string", "The department after the change."),
    ExportColumn("previous_department_code", PREVIOUS.code, "string", "The department before the change."),
    ExportColumn("changed_by", ApiKey.name, "string", "The name of the key that made the change.", True),
)


class UpdateExport(Export):
    """Every change of the jurisdiction's requests made in [start, end] (all when not given)."""

    def __init__(
        self, session: Session, jurisdiction: Jurisdiction, key: CallKey, start: datetime | None, end: datetime | None
    ):
        super().__init__(session, jurisdiction)
        if key.role != "staff":
            raise Forbidden("The history export needs a staff key")
        if start and end and end < start:
            raise BadRequest("end_date is before start_date")
        self.scope = (start, end, tuple(sorted(d.id for d in key.departments)))
        self.conditions = [RequestUpdate.jurisdiction_id == jurisdiction.id]
        if start:
            self.conditions.append(RequestUpdate.created >= start)
        if end:
            self.conditions.append(RequestUpdate.created <= end)
        if key.departments:
            self.conditions.append(ServiceRequest.department_id.in_([d.id for d in key.departments]))

    def _from(self, statement: Select) -> Select:
        return (
            statement.select_from(RequestUpdate)
            .join(ServiceRequest, ServiceRequest.id == RequestUpdate.request_id)
            .where(*self.conditions)
        )

    def validator(self) -> Validator:
        """Count, latest change and ETag of this export."""
        aggregates = self._from(select(func.count(), func.max(RequestUpdate.created), func.max(RequestUpdate.id)))
        return self._validator(self.scope, aggregates)

    def _chunks(self, connection: Connection, fmt: str) -> Iterator[bytes]:
        statement = (
            self._from(select(*(column.csv_expression().label(column.name) for column in UPDATE_COLUMNS)))
            .join(Service, Service.id == ServiceRequest.service_id)
            .outerjoin(Department, Department.id == RequestUpdate.department_id)
            .outerjoin(PREVIOUS, PREVIOUS.id == RequestUpdate.old_department_id)
            .outerjoin(ApiKey, ApiKey.id == RequestUpdate.api_key_id)
            .order_by(RequestUpdate.id)
        )
        return csv_chunks(connection, statement)

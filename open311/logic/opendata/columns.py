"""Extension: the columns of the open data exports, one list for CSV, NDJSON and GeoJSON alike
(docs/open-data.md describes each).

First the GeoReport Bulk fields, in the proposal's order, then ours: the service code and group, the
area code of each layer of the jurisdiction, the department, the detailed status, the expected
datetime, whether the request was closed on time, the original of a duplicate and the photo. Texts go
through the privacy transform, points, addresses and photos through the service's publication settings
(the same expressions as the API's records), and the contact table is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, Text, and_, case, cast, func, literal, null, select
from sqlalchemy.orm import aliased

from ...models import Area, AreaLayer, Department, Service, ServiceRequest, ServiceRequestArea
from .privacy import PUBLIC_DESCRIPTION, PUBLIC_STATUS_NOTES
from .publication import PUBLISHED_ADDRESS, PUBLISHED_LAT, PUBLISHED_LONG, PUBLISHED_MEDIA_URL

#: Table Schema (Frictionless) type of a column -> PostgreSQL type read from a binary COPY.
SQL_TYPES = {"string": "text", "datetime": "text", "number": "float8", "boolean": "bool"}

#: First characters that make a spreadsheet read a cell as a formula (and tab and carriage return,
#: which some spreadsheets strip before looking): =, +, -, @.
FORMULA_STARTS = (ord("="), ord("+"), ord("-"), ord("@"), ord("\t"), ord("\r"))


@dataclass(frozen=True)
class ExportColumn:
    """One column: its name, SQL expression, Table Schema type and meaning. ``free_text`` columns hold
    texts people or city files wrote: CSV cells of them that could run as formulas are neutralised."""

    name: str
    expression: ColumnElement
    type: str
    description: str
    free_text: bool = False
    #: The value JSON reads when it differs from ``expression`` (datetimes: PostgreSQL's JSON writes a
    #: timestamptz as ISO 8601 with its offset, the same text as ``export_datetime`` at less cost).
    json_value: ColumnElement | None = None

    def json_expression(self) -> ColumnElement:
        """The expression for a JSON value: typed (numbers, booleans and nulls as JSON has them)."""
        return self.expression if self.json_value is None else self.json_value

    def csv_expression(self) -> ColumnElement:
        """The expression for a CSV cell: a leading ``'`` before a formula's first character; booleans
        as true and false (PostgreSQL writes t and f)."""
        if self.type == "boolean":
            return case((self.expression, literal("true")), (~self.expression, literal("false")))
        if not self.free_text:
            return self.expression
        formula = func.ascii(self.expression).in_(FORMULA_STARTS)
        return case((formula, literal("'", Text) + self.expression), else_=self.expression)


def _datetime(name: str, column, description: str) -> ExportColumn:
    # ISO 8601 with seconds and the offset of the session's time zone: the exporter sets the
    # jurisdiction's (migration odata3); JSON gets the same text from the timestamptz itself.
    json_value = func.date_trunc("second", column)
    return ExportColumn(name, func.export_datetime(column), "datetime", description, json_value=json_value)


def _closed_on_time() -> ColumnElement:
    closed, expected = ServiceRequest.closed_datetime, ServiceRequest.expected_datetime
    return case((and_(closed.is_not(None), expected.is_not(None)), closed <= expected))


class RequestColumns:
    """The export columns of a jurisdiction (one area column per layer) and the SELECT that reads them."""

    def __init__(self, layers: Sequence[AreaLayer]):
        self.placements = [
            (layer, aliased(ServiceRequestArea, name=f"placed_{layer.id}"), aliased(Area, name=f"area_{layer.id}"))
            for layer in layers
        ]
        self.columns: list[ExportColumn] = [
            *_bulk_columns(),
            ExportColumn("service_code", Service.service_code, "string", "The service's code (GeoReport v2)."),
            ExportColumn("group", Service.group, "string", "The service's group in the catalogue.", True),
            *(
                ExportColumn(
                    f"area_{layer.code}",
                    area.code,
                    "string",
                    f"Code of the {layer.name} ({layer.code}) holding the request.",
                    True,
                )
                for layer, _placed, area in self.placements
            ),
            ExportColumn("department_code", Department.code, "string", "Code of the department responsible."),
            ExportColumn(
                "detailed_status",
                cast(ServiceRequest.detailed_status, Text),
                "string",
                "The workflow status: received, investigating, in_progress, action_scheduled, reopened, fixed, "
                "closed, duplicate, not_responsible, no_further_action or cancelled.",
            ),
            _datetime(
                "expected_datetime",
                ServiceRequest.expected_datetime,
                "When the service's resolution target falls (requested_datetime plus the service's hours).",
            ),
            ExportColumn(
                "closed_on_time",
                _closed_on_time(),
                "boolean",
                "Closed by expected_datetime (true or false); empty while open or without a target.",
            ),
            ExportColumn(
                "parent_service_request_id",
                cast(ServiceRequest.parent_id, Text),
                "string",
                "For a duplicate: the request it duplicates (Chicago's PARENT_SR_NUMBER).",
            ),
            ExportColumn(
                "media_url",
                PUBLISHED_MEDIA_URL,
                "string",
                "The request's photo, where the city file publishes photos of the service.",
                True,
            ),
        ]

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return [column.name for column in self.columns]

    def statement(self, conditions: Sequence[ColumnElement], *, csv: bool = False, ids: tuple | None = None) -> Select:
        """The rows of the requests matching ``conditions`` (CSV cells, or JSON's typed values), in
        service_request_id order (creation order: the primary key walks the table and the area placements
        together, with no sort). ``ids``: the lowest and highest id to read (a range of a parallel
        export), given to the placements' joins too, so that they start at the range."""
        expressions = [
            (column.csv_expression() if csv else column.json_expression()).label(column.name) for column in self.columns
        ]
        statement = (
            select(*expressions)
            .select_from(ServiceRequest)
            .join(Service, Service.id == ServiceRequest.service_id)
            .outerjoin(Department, Department.id == ServiceRequest.department_id)
        )
        if ids is not None:
            conditions = [*conditions, ServiceRequest.id.between(*ids)]
        for layer, placed, area in self.placements:
            joined = [placed.request_id == ServiceRequest.id, placed.layer_id == layer.id]
            if ids is not None:
                joined.append(placed.request_id.between(*ids))
            statement = statement.outerjoin(placed, and_(*joined)).outerjoin(area, area.id == placed.area_id)
        return statement.where(*conditions).order_by(ServiceRequest.id)


def _bulk_columns() -> list[ExportColumn]:
    """The GeoReport Bulk fields, in the proposal's order."""
    return [
        ExportColumn("service_request_id", cast(ServiceRequest.id, Text), "string", "The request's id (GeoReport v2)."),
        _datetime("requested_datetime", ServiceRequest.requested_datetime, "When it was submitted."),
        _datetime("updated_datetime", ServiceRequest.updated_datetime, "Its last change."),
        _datetime("closed_datetime", ServiceRequest.closed_datetime, "When it was last closed; empty while open."),
        ExportColumn(
            "status_description",
            cast(ServiceRequest.status, Text),
            "string",
            "open or closed (GeoReport v2's status; detailed_status has the workflow's).",
        ),
        ExportColumn(
            "status_notes",
            PUBLIC_STATUS_NOTES,
            "string",
            "The latest note on its status (privacy transform applied).",
            True,
        ),
        ExportColumn(
            "source",
            ServiceRequest.channel,
            "string",
            "How it came in: the application, or the imported channel.",
            True,
        ),
        ExportColumn("service_name", Service.service_name, "string", "The service's name (GeoReport v2).", True),
        ExportColumn(
            "service_subtype", cast(null(), Text), "string", "Always empty: our catalogue has no subtypes (see group)."
        ),
        ExportColumn(
            "description", PUBLIC_DESCRIPTION, "string", "What the submitter wrote (privacy transform applied).", True
        ),
        ExportColumn("agency_responsible", Department.name, "string", "The department responsible.", True),
        ExportColumn(
            "address",
            PUBLISHED_ADDRESS,
            "string",
            "The address given (privacy transform applied; empty for services published blurred).",
            True,
        ),
        ExportColumn("lat", PUBLISHED_LAT, "number", "Latitude, WGS84 (the cell centre for blurred services)."),
        ExportColumn("long", PUBLISHED_LONG, "number", "Longitude, WGS84 (the cell centre for blurred services)."),
    ]

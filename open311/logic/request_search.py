"""GET Service Requests (spec §2.5) with every standard filter and the extensions cities ask for.

Order: ``requested_datetime`` descending, then id descending. Paging (Extension) counts from 1 and
is pinned to a *snapshot*: the highest request id when page 1 was read. Requests created later are
left out of every page of that listing, so pages never shift while new reports arrive.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session

from ..db import CompiledStatement
from ..errors import BadRequest, NotFound
from ..models import Area, Department, Jurisdiction, Service, ServiceRequest, ServiceRequestArea
from .assignment import point
from .request_records import record_query, to_records

DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
METRES_PER_DEGREE = 111_320.0


@dataclass
class RequestQuery:
    """The filters of one GET requests call, already typed."""

    service_request_ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start_date: datetime | None = None
    end_date: datetime | None = None
    # Extension: filters beyond GeoReport v2.
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # min long, min lat, max long, max lat
    lat: float | None = None
    long: float | None = None
    radius: float | None = None  # metres
    agencies: list[str] = field(default_factory=list)  # department codes
    areas: list[str] = field(default_factory=list)  # area codes of any layer
    detailed_statuses: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = MAX_RESULTS
    snapshot: int | None = None
    extensions: bool = False


@dataclass
class RequestPage:
    """One page of records and what a client needs to fetch the others."""

    records: list[dict]
    total: int
    page: int
    page_size: int
    snapshot: int

    @property
    def page_count(self) -> int:
        """How many pages the listing has."""
        return max(1, math.ceil(self.total / self.page_size))


def _date_window(query: RequestQuery, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The requested_datetime window: the spec's 90-day default and limit (digest A6)."""
    start, end = query.start_date, query.end_date
    if start and end:
        if end < start:
            raise BadRequest("end_date is before start_date")
        if end - start > DEFAULT_WINDOW:
            raise BadRequest("start_date and end_date may not span more than 90 days")
        return start, end
    if start:
        return start, start + DEFAULT_WINDOW
    if end:
        return end - DEFAULT_WINDOW, end
    if query.updated_after or query.updated_before:
        # Extension: a client polling for changes wants every changed request, however old.
        return None, None
    return now - DEFAULT_WINDOW, now


def _geo_conditions(query: RequestQuery) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    if query.bbox:
        min_long, min_lat, max_long, max_lat = query.bbox
        if min_long >= max_long or min_lat >= max_lat:
            raise BadRequest("bbox must be min_long,min_lat,max_long,max_lat with min < max")
        conditions.append(
            ServiceRequest.location.op("&&")(func.ST_MakeEnvelope(min_long, min_lat, max_long, max_lat, 4326))
        )
    near = (query.lat, query.long, query.radius)
    if any(value is not None for value in near):
        if any(value is None for value in near):
            raise BadRequest("lat, long and radius go together (radius in metres)")
        if query.radius <= 0 or query.radius > 50_000:
            raise BadRequest("radius must be between 0 and 50000 metres")
        centre = point(query.long, query.lat)
        # The && on an expanded box uses the GiST index; ST_DWithin on geography is exact in metres.
        degrees = query.radius / (METRES_PER_DEGREE * max(math.cos(math.radians(query.lat)), 0.01))
        conditions.append(ServiceRequest.location.op("&&")(func.ST_Expand(centre, degrees)))
        conditions.append(
            func.ST_DWithin(func.Geography(ServiceRequest.location), func.Geography(centre), query.radius)
        )
    return conditions


def _ids_of(session: Session, id_column, jurisdiction_column, code_column, jurisdiction, codes: list[str]) -> list[int]:
    """The ids of the jurisdiction's rows with these codes ([0], matching nothing, when none exists)."""
    query = select(id_column).where(jurisdiction_column == jurisdiction.id, code_column.in_(codes))
    return list(session.scalars(query)) or [0]


def _conditions(session: Session, jurisdiction: Jurisdiction, query: RequestQuery) -> list[ColumnElement]:
    conditions: list[ColumnElement] = [ServiceRequest.jurisdiction_id == jurisdiction.id]
    if query.service_request_ids:
        # The spec: service_request_id overrides every other argument.
        ids = [int(i) for i in query.service_request_ids if i.isdigit()]
        conditions.append(ServiceRequest.id.in_(ids))
        return conditions
    # The default window is days wide: the application's clock serves as well as the database's and
    # spares a round trip.
    start, end = _date_window(query, datetime.now(UTC))
    if start is not None:
        conditions.append(ServiceRequest.requested_datetime >= start)
    if end is not None:
        conditions.append(ServiceRequest.requested_datetime <= end)
    return conditions + filter_conditions(session, jurisdiction, query)


def filter_conditions(session: Session, jurisdiction: Jurisdiction, query: RequestQuery) -> list[ColumnElement]:
    """The conditions of every filter of ``query`` but its ids and dates (statistics use them too)."""
    conditions: list[ColumnElement] = []
    if query.service_codes:
        # Conditions stay on service_request, with ids resolved first, so that counting and paging are
        # index-only scans walking the service's index in order.
        ids = _ids_of(
            session, Service.id, Service.jurisdiction_id, Service.service_code, jurisdiction, query.service_codes
        )
        conditions.append(ServiceRequest.service_id.in_(ids))
    if query.statuses:
        conditions.append(ServiceRequest.status.in_(query.statuses))
    if query.detailed_statuses:
        conditions.append(ServiceRequest.detailed_status.in_(query.detailed_statuses))
    if query.updated_after:
        conditions.append(ServiceRequest.updated_datetime > query.updated_after)
    if query.updated_before:
        conditions.append(ServiceRequest.updated_datetime < query.updated_before)
    if query.agencies:
        ids = _ids_of(session, Department.id, Department.jurisdiction_id, Department.code, jurisdiction, query.agencies)
        conditions.append(ServiceRequest.department_id.in_(ids))
    if query.areas:
        conditions.append(
            exists().where(
                ServiceRequestArea.request_id == ServiceRequest.id,
                ServiceRequestArea.area_id == Area.id,
                Area.code.in_(query.areas),
                Area.layer.has(jurisdiction_id=jurisdiction.id),
            )
        )
    conditions.extend(_geo_conditions(query))
    return conditions


def listing_statement(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, snapshot: int
) -> tuple[Select, list[ColumnElement], int, int]:
    """The SELECT of one page (and its conditions, page and page size), as the API runs it."""
    conditions = [*_conditions(session, jurisdiction, query), ServiceRequest.id <= snapshot]
    if query.service_request_ids:
        page, page_size = 1, MAX_RESULTS
    else:
        page, page_size = query.page, query.page_size
    # Deferred join: the page's ids come from the index alone (OFFSET walks index entries, not rows),
    # then only those rows are read.
    page_ids = (
        select(ServiceRequest.id.label("id"), ServiceRequest.requested_datetime.label("requested"))
        .where(and_(*conditions))
        .order_by(ServiceRequest.requested_datetime.desc(), ServiceRequest.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
        .subquery("page_ids")
    )
    statement = (
        record_query(extensions=query.extensions)
        .join(page_ids, page_ids.c.id == ServiceRequest.id)
        .order_by(page_ids.c.requested.desc(), page_ids.c.id.desc())
        .params(time_zone=jurisdiction.time_zone)
    )
    return statement, conditions, page, page_size


def current_snapshot(session: Session) -> int:
    """The highest request id now: requests created later stay out of a listing pinned to it."""
    return session.scalar(select(func.coalesce(func.max(ServiceRequest.id), 0)))


CountCache = Callable[[tuple, Callable[[], int]], int]


def _count_key(jurisdiction: Jurisdiction, query: RequestQuery, snapshot: int) -> tuple:
    paging = {"page", "page_size", "snapshot", "extensions"}
    values = tuple(
        tuple(value) if isinstance(value, list) else value for name, value in vars(query).items() if name not in paging
    )
    return ("count", jurisdiction.id, snapshot, values)


def search_requests(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, *, counts: CountCache | None = None
) -> RequestPage:
    """One page of the requests matching ``query``, newest first, with the total count.

    ``counts`` may keep totals per (filters, snapshot) for a short time (the API passes its per-worker
    cache): paging through a listing, or apps polling the same listing, then count once.
    """
    snapshot = query.snapshot if query.snapshot is not None else current_snapshot(session)
    statement, conditions, page, page_size = listing_statement(session, jurisdiction, query, snapshot)
    rows = session.connection().execute(statement).all()  # Core rows: no ORM bookkeeping for plain columns
    if len(rows) < page_size and (page == 1 or rows):
        total = (page - 1) * page_size + len(rows)
    else:

        def count() -> int:
            return session.scalar(select(func.count()).select_from(ServiceRequest).where(and_(*conditions)))

        total = counts(_count_key(jurisdiction, query, snapshot), count) if counts else count()
    records = to_records(session, jurisdiction, rows, extensions=query.extensions)
    return RequestPage(records, total, page, page_size, snapshot)


#: Compiled once for psycopg (without and with the extension columns), run as a prepared statement.
ONE_REQUEST = {
    extensions: CompiledStatement.of(
        record_query(extensions=extensions).where(
            ServiceRequest.id == bindparam("request_id"),
            ServiceRequest.jurisdiction_id == bindparam("jurisdiction_id"),
        )
    )
    for extensions in (False, True)
}


def get_request(
    session: Session, jurisdiction: Jurisdiction, service_request_id: str, *, extensions: bool = False
) -> dict:
    """GET Service Request: the one record, or 404."""
    row = None
    if service_request_id.isdigit() and len(service_request_id) < 19:
        params = {
            "request_id": int(service_request_id),
            "jurisdiction_id": jurisdiction.id,
            "time_zone": jurisdiction.time_zone,
        }
        rows = ONE_REQUEST[extensions].fetch(session, params)
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(f"service_request_id provided was not found: {service_request_id}")
    return to_records(session, jurisdiction, [row], extensions=extensions)[0]


def resolve_token(session: Session, jurisdiction: Jurisdiction, token: str) -> dict:
    """GET tokens/{token}: the request id a batch token stands for, or 404."""
    request_id = session.scalar(
        select(ServiceRequest.id).where(
            ServiceRequest.token == token, ServiceRequest.jurisdiction_id == jurisdiction.id
        )
    )
    if request_id is None:
        raise NotFound(f"token provided was not found: {token}")
    return {"service_request_id": str(request_id), "token": token}

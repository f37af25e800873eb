"""GET Service Requests (spec §2.5) with every standard filter and the extensions cities ask for.

Order: ``requested_datetime`` descending, then id descending. Paging (Extension) counts from 1 and
is pinned to a *snapshot*: the highest request id when page 1 was read. Requests created later are
left out of every page of that listing, so pages never shift while new reports arrive.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from ..db import CompiledStatement
from ..errors import BadRequest, NotFound
from ..models import Area, AreaLayer, Department, Jurisdiction, Service, ServiceRequest, ServiceRequestArea
from .assignment import point
from .datetimes import date_window
from .opendata.publication import Publication, publication
from .request_ids import as_request_id
from .request_records import record_query, to_records

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


@dataclass(frozen=True)
class Window:
    """The requested_datetime window of a listing; ``moving`` when it follows the clock (the default)."""

    start: datetime | None
    end: datetime | None
    moving: bool = False


def listing_window(query: RequestQuery, now: datetime) -> Window:
    """The requested_datetime window (digest A6): any span the client names, 90 days around a lone date,
    the last 90 days by default (a window that moves with ``now``); none for a list of ids."""
    if query.service_request_ids:
        return Window(None, None)
    if not (query.start_date or query.end_date):
        if query.updated_after or query.updated_before:
            # Extension: a client polling for changes wants every changed request, however old.
            return Window(None, None)
        return Window(*date_window(None, None, now), moving=True)
    return Window(*date_window(query.start_date, query.end_date, now))


def _geo_conditions(query: RequestQuery, published: Publication) -> list[ColumnElement]:
    """Spatial filters match the published point (Extension: blurred services, docs/open-data.md); the
    index finds the real locations within reach of it."""
    conditions: list[ColumnElement] = []
    if query.bbox:
        min_long, min_lat, max_long, max_lat = query.bbox
        if min_long >= max_long or min_lat >= max_lat:
            raise BadRequest("bbox must be min_long,min_lat,max_long,max_lat with min < max")
        envelope = func.ST_MakeEnvelope(min_long, min_lat, max_long, max_lat, 4326)
        margin = published.margin_degrees(max(abs(min_lat), abs(max_lat)))
        if margin:
            conditions.append(ServiceRequest.location.op("&&")(func.ST_Expand(envelope, margin)))
        conditions.append(published.point().op("&&")(envelope))
    near = (query.lat, query.long, query.radius)
    if any(value is not None for value in near):
        if any(value is None for value in near):
            raise BadRequest("lat, long and radius go together (radius in metres)")
        if query.radius <= 0 or query.radius > 50_000:
            raise BadRequest("radius must be between 0 and 50000 metres")
        centre = point(query.long, query.lat)
        # The && on an expanded box uses the GiST index; ST_DWithin on geography is exact in metres.
        degrees = query.radius / (METRES_PER_DEGREE * max(math.cos(math.radians(query.lat)), 0.01))
        degrees += published.margin_degrees(query.lat)
        conditions.append(ServiceRequest.location.op("&&")(func.ST_Expand(centre, degrees)))
        conditions.append(func.ST_DWithin(func.Geography(published.point()), func.Geography(centre), query.radius))
    return conditions


#: A per-worker cache (the API's catalogue cache): ``cache(key, make)`` is the kept value of ``key`` or ``make()``.
ValueCache = Callable[[tuple, Callable[[], object]], object]


def _ids_of(session: Session, model, jurisdiction, codes: list[str], cache: ValueCache | None) -> tuple[int, ...]:
    """The ids of the jurisdiction's services or departments (``model``) with these codes ((0,), matching
    nothing, when none exists). ``cache`` (the API's per-worker catalogue cache) keeps them like the
    catalogue: codes and ids change only when a city file is loaded."""

    def read() -> tuple[int, ...]:
        code = model.service_code if model is Service else model.code
        query = select(model.id).where(model.jurisdiction_id == jurisdiction.id, code.in_(codes))
        return tuple(session.scalars(query)) or (0,)

    if cache is None:
        return read()
    return cache(("ids", model.__tablename__, jurisdiction.id, tuple(sorted(set(codes)))), read)


def _filters(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    published: Publication,
    cache: ValueCache | None = None,
) -> list[ColumnElement]:
    """The conditions on service_request besides its jurisdiction, window, snapshot and areas."""
    # Extension: the services kept out of public listings are out of every listing (none usually).
    filters: list[ColumnElement] = [*published.conditions()]
    if query.service_codes:
        # Conditions stay on service_request, with ids resolved first, so that counting and paging are
        # index-only scans walking the service's index in order.
        ids = _ids_of(session, Service, jurisdiction, query.service_codes, cache)
        filters.append(ServiceRequest.service_id.in_(ids))
    if query.statuses:
        filters.append(ServiceRequest.status.in_(query.statuses))
    if query.detailed_statuses:
        filters.append(ServiceRequest.detailed_status.in_(query.detailed_statuses))
    if query.updated_after:
        filters.append(ServiceRequest.updated_datetime > query.updated_after)
    if query.updated_before:
        filters.append(ServiceRequest.updated_datetime < query.updated_before)
    if query.agencies:
        ids = _ids_of(session, Department, jurisdiction, query.agencies, cache)
        filters.append(ServiceRequest.department_id.in_(ids))
    filters.extend(_geo_conditions(query, published))
    return filters


def request_conditions(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, published: Publication, *, bounded: bool = True
) -> list[ColumnElement]:
    """The WHERE conditions of ``query`` on service_request alone. ``bounded``: in the listing's window
    (Extension: bulk exports take the same filters without the 90-day default, any span or none)."""
    if query.service_request_ids:
        # The spec: service_request_id overrides every other argument.
        ids = [i for i in map(as_request_id, query.service_request_ids) if i is not None]
        return [ServiceRequest.jurisdiction_id == jurisdiction.id, *published.conditions(), ServiceRequest.id.in_(ids)]
    if bounded:
        window = listing_window(query, datetime.now(UTC))
    else:
        if query.start_date and query.end_date and query.end_date < query.start_date:
            raise BadRequest("end_date is before start_date")
        window = Window(query.start_date, query.end_date)
    conditions = [
        ServiceRequest.jurisdiction_id == jurisdiction.id,
        *_in_window(ServiceRequest.requested_datetime, window),
        *_filters(session, jurisdiction, query, published),
    ]
    if query.areas:
        conditions.append(_in_areas(jurisdiction, query.areas))
    return conditions


def filter_conditions(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, cache: ValueCache | None = None
) -> list[ColumnElement]:
    """The conditions of every filter of ``query`` but its ids and dates, the area filter included, on the
    requests' real locations (statistics and maps count every category, docs/metrics.md); ``cache`` keeps
    the ids of the filters' codes."""
    conditions = _filters(session, jurisdiction, query, Publication(), cache)
    if query.areas:
        conditions.append(_in_areas(jurisdiction, query.areas))
    return conditions


def _in_areas(jurisdiction: Jurisdiction, codes: list[str]) -> ColumnElement:
    """A request lies in one of the jurisdiction's areas with these codes (of any layer)."""
    return exists().where(
        ServiceRequestArea.request_id == ServiceRequest.id,
        ServiceRequestArea.area_id == Area.id,
        Area.code.in_(codes),
        Area.layer.has(jurisdiction_id=jurisdiction.id),
    )


def _areas(
    session: Session, jurisdiction: Jurisdiction, codes: list[str], cache: ValueCache | None
) -> tuple[tuple[int, ...], bool]:
    """The ids of the jurisdiction's areas with these codes ((0,), matching nothing, when none exists),
    and whether they span several layers (a request is in one area of each layer); kept in ``cache``
    as :func:`_ids_of` keeps its ids."""

    def read() -> tuple[tuple[int, ...], bool]:
        rows = session.execute(
            select(Area.id, Area.layer_id)
            .join(AreaLayer)
            .where(AreaLayer.jurisdiction_id == jurisdiction.id, Area.code.in_(codes))
        ).all()
        return tuple(row.id for row in rows) or (0,), len({row.layer_id for row in rows}) > 1

    if cache is None:
        return read()
    return cache(("ids", "area", jurisdiction.id, tuple(sorted(set(codes)))), read)


def _source(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    window: Window,
    snapshot: int,
    published: Publication,
    cache: ValueCache | None = None,
) -> tuple[Select, tuple]:
    """SELECT (id, requested) of every matching request, and the columns to order it by."""
    if query.service_request_ids:
        # The spec: service_request_id overrides every other argument.
        ids = [i for i in map(as_request_id, query.service_request_ids) if i is not None]
        conditions = [ServiceRequest.jurisdiction_id == jurisdiction.id, ServiceRequest.id.in_(ids)]
        filters = [*published.conditions()]
    else:
        filters = _filters(session, jurisdiction, query, published, cache)
    if query.areas and not query.service_request_ids:
        # Extension: area. The area's rows are walked in the listing's order (migration perf2); the
        # request's row is read only to apply the other filters.
        area_ids, several_layers = _areas(session, jurisdiction, query.areas, cache)
        x = ServiceRequestArea
        source = select(x.request_id.label("id"), x.requested_datetime.label("requested")).where(
            x.area_id.in_(area_ids), x.request_id <= snapshot, *_in_window(x.requested_datetime, window)
        )
        if filters:
            source = source.join(ServiceRequest, ServiceRequest.id == x.request_id).where(*filters)
        if several_layers:  # in two of the areas at once: listed once
            source = source.distinct()
        return source, (x.requested_datetime, x.request_id)
    if not query.service_request_ids:
        conditions = [
            ServiceRequest.jurisdiction_id == jurisdiction.id,
            *_in_window(ServiceRequest.requested_datetime, window),
        ]
    source = select(ServiceRequest.id.label("id"), ServiceRequest.requested_datetime.label("requested")).where(
        *conditions, *filters, ServiceRequest.id <= snapshot
    )
    return source, (ServiceRequest.requested_datetime, ServiceRequest.id)


def _in_window(column, window: Window) -> list[ColumnElement]:
    bounds = []
    if window.start is not None:
        bounds.append(column >= window.start)
    if window.end is not None:
        bounds.append(column <= window.end)
    return bounds


def listing_statement(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    snapshot: int,
    window: Window | None = None,
    published: Publication | None = None,
    cache: ValueCache | None = None,
) -> tuple[Select, Select, int, int]:
    """The SELECT of one page, the count of every page, the page and page size, as the API runs them;
    the window is the query's at this moment unless given; ``published``: the jurisdiction's publication
    settings (Extension; read when not given); ``cache`` keeps the ids of the filters' codes."""
    published = published if published is not None else publication(session, jurisdiction)
    # The default window is days wide: the application's clock serves as well as the database's and
    # spares a round trip.
    window = window or listing_window(query, datetime.now(UTC))
    source, (requested, request_id) = _source(session, jurisdiction, query, window, snapshot, published, cache)
    if query.service_request_ids:
        page, page_size = 1, MAX_RESULTS
    else:
        page, page_size = query.page, query.page_size
    # Deferred join: the page's ids come from the index alone (OFFSET walks index entries, not rows),
    # then only those rows are read.
    page_ids = (
        source.order_by(requested.desc(), request_id.desc())
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
    return statement, select(func.count()).select_from(source.subquery("matching")), page, page_size


def current_snapshot(session: Session) -> int:
    """The highest request id now: requests created later stay out of a listing pinned to it."""
    return session.scalar(select(func.coalesce(func.max(ServiceRequest.id), 0)))


def _count_key(jurisdiction: Jurisdiction, query: RequestQuery, snapshot: int, published: Publication) -> tuple:
    paging = {"page", "page_size", "snapshot", "extensions"}
    values = tuple(
        tuple(value) if isinstance(value, list) else value for name, value in vars(query).items() if name not in paging
    )
    return ("count", jurisdiction.id, snapshot, values, published)


@dataclass
class PreparedListing:
    """A listing checked and built, its rows not read yet."""

    jurisdiction: Jurisdiction
    query: RequestQuery
    statement: Select
    count: Select
    page: int
    page_size: int
    snapshot: int
    published: Publication

    def read(self, session: Session, counts: ValueCache | None = None) -> RequestPage:
        """Read the page and the total count.

        ``counts`` may keep totals per (filters, snapshot) for a short time (the API passes its per-worker
        cache): paging through a listing, or apps polling the same listing, then count once.
        """
        page, page_size = self.page, self.page_size
        rows = session.connection().execute(self.statement).all()  # Core rows: no ORM bookkeeping
        if len(rows) < page_size and (page == 1 or rows):
            total = (page - 1) * page_size + len(rows)
        else:

            def count() -> int:
                return session.scalar(self.count)

            key = _count_key(self.jurisdiction, self.query, self.snapshot, self.published)
            total = counts(key, count) if counts else count()
        records = to_records(session, self.jurisdiction, rows, extensions=self.query.extensions)
        return RequestPage(records, total, page, page_size, self.snapshot)


def prepare_listing(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    *,
    highest_id: int | None = None,
    window: Window | None = None,
    published: Publication | None = None,
    cache: ValueCache | None = None,
) -> PreparedListing:
    """Check the filters (400 naming the problem) and build the listing's statements, reading no request.
    ``highest_id`` (the snapshot of a new listing), ``window`` and ``published`` (the publication settings)
    are read or computed here unless given; ``cache`` keeps the ids of the filters' codes."""
    published = published if published is not None else publication(session, jurisdiction)
    if query.snapshot is not None:
        snapshot = query.snapshot
    else:
        snapshot = highest_id if highest_id is not None else current_snapshot(session)
    statement, count, page, page_size = listing_statement(
        session, jurisdiction, query, snapshot, window, published, cache
    )
    return PreparedListing(jurisdiction, query, statement, count, page, page_size, snapshot, published)


def search_requests(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    *,
    counts: ValueCache | None = None,
    published: Publication | None = None,
) -> RequestPage:
    """One page of the requests matching ``query``, newest first, with the total count; ``counts`` and
    ``published`` as in :func:`prepare_listing` and :meth:`PreparedListing.read`."""
    return prepare_listing(session, jurisdiction, query, published=published, cache=counts).read(session, counts)


#: Compiled once for psycopg (without and with the extension columns), run as a prepared statement.
#: A request of a service kept out of public listings (Extension) is not found, as if absent.
ONE_REQUEST = {
    extensions: CompiledStatement.of(
        record_query(extensions=extensions).where(
            ServiceRequest.id == bindparam("request_id"),
            ServiceRequest.jurisdiction_id == bindparam("jurisdiction_id"),
            Service.publish,
        )
    )
    for extensions in (False, True)
}


def get_request(
    session: Session, jurisdiction: Jurisdiction, service_request_id: str, *, extensions: bool = False
) -> dict:
    """GET Service Request: the one record, or 404."""
    row = None
    request_id = as_request_id(service_request_id)
    if request_id is not None:
        params = {
            "request_id": request_id,
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

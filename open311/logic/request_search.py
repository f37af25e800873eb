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
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Select,
    String,
    bindparam,
    exists,
    false,
    func,
    select,
)
from sqlalchemy.orm import Session

from ..db import CompiledStatement, fetch_in_one_snapshot
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


def _geo_values(query: RequestQuery, published: Publication) -> dict[str, float]:
    """The values of the spatial filters, checked (400 naming the problem). Spatial filters match the
    published point (Extension: blurred services, docs/open-data.md); the index finds the real locations
    within reach of it (``bbox_margin``, ``near_degrees``)."""
    values: dict[str, float] = {}
    if query.bbox:
        min_long, min_lat, max_long, max_lat = query.bbox
        if min_long >= max_long or min_lat >= max_lat:
            raise BadRequest("bbox must be min_long,min_lat,max_long,max_lat with min < max")
        values.update(min_long=min_long, min_lat=min_lat, max_long=max_long, max_lat=max_lat)
        margin = published.margin_degrees(max(abs(min_lat), abs(max_lat)))
        if margin:
            values["bbox_margin"] = margin
    near = (query.lat, query.long, query.radius)
    if any(value is not None for value in near):
        if any(value is None for value in near):
            raise BadRequest("lat, long and radius go together (radius in metres)")
        if query.radius <= 0 or query.radius > 50_000:
            raise BadRequest("radius must be between 0 and 50000 metres")
        degrees = query.radius / (METRES_PER_DEGREE * max(math.cos(math.radians(query.lat)), 0.01))
        values.update(near_long=query.long, near_lat=query.lat, radius=query.radius)
        values["near_degrees"] = degrees + published.margin_degrees(query.lat)
    return values


def _geo_clauses(values: dict, published: Publication, bind: Binder) -> list[ColumnElement]:
    """The spatial conditions of :func:`_geo_values`."""
    conditions: list[ColumnElement] = []
    if "min_long" in values:
        envelope = func.ST_MakeEnvelope(*(bind(name) for name in ("min_long", "min_lat", "max_long", "max_lat")), 4326)
        if "bbox_margin" in values:
            conditions.append(ServiceRequest.location.op("&&")(func.ST_Expand(envelope, bind("bbox_margin"))))
        conditions.append(published.point().op("&&")(envelope))
    if "radius" in values:
        centre = point(bind("near_long"), bind("near_lat"))
        # The && on an expanded box uses the GiST index; ST_DWithin on geography is exact in metres.
        conditions.append(ServiceRequest.location.op("&&")(func.ST_Expand(centre, bind("near_degrees"))))
        conditions.append(func.ST_DWithin(func.Geography(published.point()), func.Geography(centre), bind("radius")))
    return conditions


#: A per-worker cache (the API's catalogue cache): ``cache(key, make)`` is the kept value of ``key`` or ``make()``.
ValueCache = Callable[[tuple, Callable[[], object]], object]

#: How a filter's value enters SQL: ``bind(name)`` (see :func:`literal_binder` and :func:`parameter_binder`).
Binder = Callable[[str], Any]

#: The SQL type of each value a listing's filters bind (an element's type for lists).
VALUE_TYPES = {
    "jurisdiction_id": Integer(), "snapshot": BigInteger(), "request_ids": BigInteger(),
    "hidden_service_ids": Integer(), "service_ids": Integer(), "agency_ids": Integer(), "area_ids": Integer(),
    "statuses": String(), "detailed_statuses": String(),
    "updated_after": DateTime(timezone=True), "updated_before": DateTime(timezone=True),
    "window_start": DateTime(timezone=True), "window_end": DateTime(timezone=True),
    **{name: Float() for name in ("min_long", "min_lat", "max_long", "max_lat", "bbox_margin", "near_long",
                                  "near_lat", "radius", "near_degrees")},
    "page_limit": Integer(), "page_offset": BigInteger(),  # up to MAX_PAGE pages of 1,000
}  # fmt: skip


def literal_binder(values: dict) -> Binder:
    """Values written into the statement (compiled with it each time): for one-off statements."""
    return values.__getitem__


def parameter_binder(values: dict) -> Binder:
    """Named parameters, one per element of a list, for a statement compiled once per shape of
    ``values`` (:func:`shape_of`) and run with :func:`parameters_of` (``values``: any of that shape)."""

    def bind(name: str):
        value = values[name]
        if isinstance(value, list | tuple):
            return [bindparam(f"{name}_{index}", type_=VALUE_TYPES[name]) for index in range(len(value))]
        return bindparam(name, type_=VALUE_TYPES[name])

    return bind


def shape_of(values: dict) -> tuple:
    """What a statement compiled by :func:`parameter_binder` depends on: the names and list lengths."""
    return tuple(
        (name, len(value) if isinstance(value, list | tuple) else -1) for name, value in sorted(values.items())
    )


def parameters_of(values: dict) -> dict:
    """The parameters of a statement compiled with :func:`parameter_binder` for ``values``."""
    parameters = {}
    for name, value in values.items():
        if isinstance(value, list | tuple):
            parameters.update((f"{name}_{index}", item) for index, item in enumerate(value))
        else:
            parameters[name] = value
    return parameters


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


def _filter_values(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    published: Publication,
    cache: ValueCache | None = None,
) -> dict:
    """The values of the filters on service_request besides its jurisdiction, window, snapshot and areas,
    checked, with the codes resolved to ids (see :func:`_filter_clauses`)."""
    values: dict = {}
    # Extension: the services kept out of public listings are out of every listing (none usually).
    if published.hidden_service_ids:
        values["hidden_service_ids"] = list(published.hidden_service_ids)
    if query.service_codes:
        # Conditions stay on service_request, with ids resolved first, so that counting and paging are
        # index-only scans walking the service's index in order.
        values["service_ids"] = list(_ids_of(session, Service, jurisdiction, query.service_codes, cache))
    if query.statuses:
        values["statuses"] = list(query.statuses)
    if query.detailed_statuses:
        values["detailed_statuses"] = list(query.detailed_statuses)
    if query.updated_after:
        values["updated_after"] = query.updated_after
    if query.updated_before:
        values["updated_before"] = query.updated_before
    if query.agencies:
        values["agency_ids"] = list(_ids_of(session, Department, jurisdiction, query.agencies, cache))
    values.update(_geo_values(query, published))
    return values


def _in(column, name: str, values: dict, bind: Binder) -> ColumnElement:
    """``column`` is one of the values of ``name`` (none: nothing matches, written as such, since an
    empty list of parameters would not be SQL)."""
    return column.in_(bind(name)) if values[name] else false()


def _filter_clauses(values: dict, published: Publication, bind: Binder) -> list[ColumnElement]:
    """The conditions of :func:`_filter_values`, each value entering as ``bind`` makes it."""
    filters: list[ColumnElement] = []
    if "hidden_service_ids" in values:
        filters.append(ServiceRequest.service_id.not_in(bind("hidden_service_ids")))
    if "service_ids" in values:
        filters.append(_in(ServiceRequest.service_id, "service_ids", values, bind))
    if "statuses" in values:
        filters.append(_in(ServiceRequest.status, "statuses", values, bind))
    if "detailed_statuses" in values:
        filters.append(_in(ServiceRequest.detailed_status, "detailed_statuses", values, bind))
    if "updated_after" in values:
        filters.append(ServiceRequest.updated_datetime > bind("updated_after"))
    if "updated_before" in values:
        filters.append(ServiceRequest.updated_datetime < bind("updated_before"))
    if "agency_ids" in values:
        filters.append(_in(ServiceRequest.department_id, "agency_ids", values, bind))
    filters.extend(_geo_clauses(values, published, bind))
    return filters


def _filters(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    published: Publication,
    cache: ValueCache | None = None,
) -> list[ColumnElement]:
    """The conditions on service_request besides its jurisdiction, window, snapshot and areas, with their
    values written in."""
    values = _filter_values(session, jurisdiction, query, published, cache)
    return _filter_clauses(values, published, literal_binder(values))


def request_conditions(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, published: Publication, *, bounded: bool = True
) -> list[ColumnElement]:
    """The WHERE conditions of ``query`` on service_request alone. ``bounded``: in the listing's window
    (Extension: bulk exports take the same filters without the 90-day default, any span or none)."""
    if query.service_request_ids:
        # The spec: service_request_id overrides every other argument.
        ids = [i for i in map(as_request_id, query.service_request_ids) if i is not None]
        hidden = _hidden(published)
        return [
            ServiceRequest.jurisdiction_id == jurisdiction.id,
            *_filter_clauses(hidden, published, literal_binder(hidden)),
            ServiceRequest.id.in_(ids),
        ]
    if bounded:
        window = listing_window(query, datetime.now(UTC))
    else:
        if query.start_date and query.end_date and query.end_date < query.start_date:
            raise BadRequest("end_date is before start_date")
        window = Window(query.start_date, query.end_date)
    bounds = _window_values(window)
    conditions = [
        ServiceRequest.jurisdiction_id == jurisdiction.id,
        *_bounds(ServiceRequest.requested_datetime, bounds, literal_binder(bounds)),
        *_filters(session, jurisdiction, query, published),
    ]
    if query.areas:
        conditions.append(_in_areas(jurisdiction, query.areas))
    return conditions


def _hidden(published: Publication) -> dict:
    """The values of the publication's filter alone (a list of ids overrides every other filter)."""
    return {"hidden_service_ids": list(published.hidden_service_ids)} if published.hidden_service_ids else {}


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


def _source_values(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    window: Window,
    snapshot: int,
    published: Publication,
    cache: ValueCache | None = None,
) -> dict:
    """Every value of the SELECT of the matching requests (:func:`_source`), checked and resolved. The
    key ``several_layers`` (True) marks areas of several layers (a request may be in two at once)."""
    values: dict = {"jurisdiction_id": jurisdiction.id, "snapshot": snapshot}
    if query.service_request_ids:
        # The spec: service_request_id overrides every other argument.
        values["request_ids"] = [i for i in map(as_request_id, query.service_request_ids) if i is not None]
        values.update(_hidden(published))
        return values
    values.update(_filter_values(session, jurisdiction, query, published, cache))
    values.update(_window_values(window))
    if query.areas:
        area_ids, several_layers = _areas(session, jurisdiction, query.areas, cache)
        values["area_ids"] = list(area_ids)
        if several_layers:
            values["several_layers"] = True
    return values


def _source(values: dict, published: Publication, bind: Binder) -> tuple[Select, tuple]:
    """SELECT (id, requested) of every matching request (:func:`_source_values`), and the columns to
    order it by."""
    filters = _filter_clauses(values, published, bind)
    if "request_ids" in values:
        conditions = [
            ServiceRequest.jurisdiction_id == bind("jurisdiction_id"),
            _in(ServiceRequest.id, "request_ids", values, bind),
        ]
    elif "area_ids" in values:
        # Extension: area. The area's rows are walked in the listing's order (migration perf2); the
        # request's row is read only to apply the other filters.
        x = ServiceRequestArea
        source = select(x.request_id.label("id"), x.requested_datetime.label("requested")).where(
            _in(x.area_id, "area_ids", values, bind),
            x.request_id <= bind("snapshot"),
            *_bounds(x.requested_datetime, values, bind),
        )
        if filters:
            source = source.join(ServiceRequest, ServiceRequest.id == x.request_id).where(*filters)
        if values.get("several_layers"):  # in two of the areas at once: listed once
            source = source.distinct()
        return source, (x.requested_datetime, x.request_id)
    else:
        conditions = [
            ServiceRequest.jurisdiction_id == bind("jurisdiction_id"),
            *_bounds(ServiceRequest.requested_datetime, values, bind),
        ]
    source = select(ServiceRequest.id.label("id"), ServiceRequest.requested_datetime.label("requested")).where(
        *conditions, *filters, ServiceRequest.id <= bind("snapshot")
    )
    return source, (ServiceRequest.requested_datetime, ServiceRequest.id)


def _window_values(window: Window) -> dict:
    """The window's bounds (of :func:`_bounds`): none, one or both."""
    bounds = {"window_start": window.start, "window_end": window.end}
    return {name: moment for name, moment in bounds.items() if moment is not None}


def _bounds(column, values: dict, bind: Binder) -> list[ColumnElement]:
    """The window's bounds among ``values`` on ``column``."""
    bounds = []
    if "window_start" in values:
        bounds.append(column >= bind("window_start"))
    if "window_end" in values:
        bounds.append(column <= bind("window_end"))
    return bounds


#: Values that shape a listing's statement without being one of its parameters.
SHAPING_FLAGS = frozenset({"several_layers", "extensions"})


@dataclass(frozen=True)
class ListingStatements:
    """A listing's page and count, compiled once per shape (:func:`listing_statements`)."""

    page: CompiledStatement
    count: CompiledStatement


@lru_cache(maxsize=512)
def _compiled_listing(shape: tuple, published: Publication) -> ListingStatements:
    values = dict.fromkeys(name for name, _length in shape)
    values.update({name: [None] * length for name, length in shape if length >= 0})
    values.update({name: True for name in SHAPING_FLAGS if name in values})  # present only when set
    bind = parameter_binder(values)
    source, (requested, request_id) = _source(values, published, bind)
    # Deferred join: the page's ids come from the index alone (OFFSET walks index entries, not rows),
    # then only those rows are read.
    page_ids = (
        source.order_by(requested.desc(), request_id.desc())
        .limit(bind("page_limit"))
        .offset(bind("page_offset"))
        .subquery("page_ids")
    )
    page = (
        record_query(extensions=bool(values.get("extensions")))
        .join(page_ids, page_ids.c.id == ServiceRequest.id)
        .order_by(page_ids.c.requested.desc(), page_ids.c.id.desc())
    )
    count = select(func.count()).select_from(source.subquery("matching"))
    # Planned for their values each time (a generic plan of a listing can take seconds: db.py).
    return ListingStatements(CompiledStatement.of(page, prepare=False), CompiledStatement.of(count, prepare=False))


def listing_statements(values: dict, published: Publication) -> tuple[ListingStatements, dict]:
    """The page and count statements of a listing's ``values`` (:func:`listing_values`), compiled for
    psycopg once per shape (which filters, how many values each) and kept, and their parameters.
    Building and compiling the SQLAlchemy statement of each listing took as long as its query."""
    statements = _compiled_listing(shape_of(values), published)
    parameters = parameters_of({name: value for name, value in values.items() if name not in SHAPING_FLAGS})
    return statements, parameters


def _paging(query: RequestQuery) -> tuple[int, int]:
    """The page and page size a listing reads (a list of ids: every one of them, on one page)."""
    return (1, MAX_RESULTS) if query.service_request_ids else (query.page, query.page_size)


def listing_values(
    session: Session,
    jurisdiction: Jurisdiction,
    query: RequestQuery,
    snapshot: int,
    window: Window | None = None,
    published: Publication | None = None,
    cache: ValueCache | None = None,
) -> dict:
    """Every value of one page of ``query`` as the API reads it, checked (400 naming the problem): the
    window is the query's at this moment unless given; ``published``: the jurisdiction's publication
    settings (Extension; read when not given); ``cache`` keeps the ids of the filters' codes."""
    published = published if published is not None else publication(session, jurisdiction)
    # The default window is days wide: the application's clock serves as well as the database's and
    # spares a round trip.
    window = window or listing_window(query, datetime.now(UTC))
    values = _source_values(session, jurisdiction, query, window, snapshot, published, cache)
    page, page_size = _paging(query)
    values.update(page_limit=page_size, page_offset=(page - 1) * page_size, time_zone=jurisdiction.time_zone)
    if query.extensions:
        values["extensions"] = True
    return values


def listing_sql(session: Session, jurisdiction: Jurisdiction, query: RequestQuery, snapshot: int) -> tuple[str, dict]:
    """The SQL (psycopg's) and parameters of one page of ``query``, exactly as the API runs them."""
    published = publication(session, jurisdiction)
    statements, parameters = listing_statements(listing_values(session, jurisdiction, query, snapshot), published)
    return statements.page.sql, {**statements.page.defaults, **parameters}


def current_snapshot(session: Session) -> int:
    """The highest request id now: requests created later stay out of a listing pinned to it."""
    return session.scalar(select(func.coalesce(func.max(ServiceRequest.id), 0)))


def _count_key(jurisdiction: Jurisdiction, query: RequestQuery, snapshot: int, published: Publication) -> tuple:
    paging = {"page", "page_size", "snapshot", "extensions"}
    values = tuple(
        tuple(value) if isinstance(value, list) else value for name, value in vars(query).items() if name not in paging
    )
    return ("count", jurisdiction.id, snapshot, values, published)


#: The snapshot of a new listing whose caller pins it when its state is read (:meth:`PreparedListing.read_after`).
UNPINNED = 2**63 - 1


@dataclass
class PreparedListing:
    """A listing checked and built, its rows not read yet."""

    jurisdiction: Jurisdiction
    query: RequestQuery
    statements: ListingStatements
    parameters: dict
    page: int
    page_size: int
    snapshot: int
    published: Publication

    def read(self, session: Session, counts: ValueCache | None = None) -> RequestPage:
        """Read the page and the total count.

        ``counts`` may keep totals per (filters, snapshot) for a short time (the API passes its per-worker
        cache): paging through a listing, or apps polling the same listing, then count once.
        """
        return self._page(session, self._rows(session), counts)

    def read_after(
        self, session: Session, first: CompiledStatement, params: dict, counts: ValueCache | None = None
    ) -> tuple[Any, RequestPage]:
        """The row of ``first`` (the listing's state: a statement whose row has ``highest_id``), then the
        page, in one snapshot: a listing prepared :data:`UNPINNED` is pinned to that highest id. In one
        round trip when the session reads in autocommit mode (:func:`fetch_in_one_snapshot`: the page
        needs no bound in the state's snapshot); else one after the other, the page bound by the id."""
        together = fetch_in_one_snapshot(
            session, [(first, params, True), (self.statements.page, self.parameters, self.query.extensions)]
        )
        if together is None:
            state = self.read_state(session, first, params)
            rows = self._rows(session)
        else:
            (state,), rows = together
            self.pin(state.highest_id)
        return state, self._page(session, rows, counts)

    def read_state(self, session: Session, first: CompiledStatement, params: dict) -> Any:
        """The row of ``first`` (the listing's state), read before any of the listing's rows; a listing
        prepared :data:`UNPINNED` is pinned to its highest id."""
        state = first.fetch(session, params)[0]
        self.pin(state.highest_id)
        return state

    def pin(self, highest_id: int) -> None:
        """Pin a listing prepared :data:`UNPINNED` to ``highest_id`` (read before its rows); a snapshot the
        client gave stays as it was."""
        if self.snapshot == UNPINNED and self.query.snapshot is None:
            self.snapshot = highest_id
            self.parameters = {**self.parameters, "snapshot": highest_id}

    def _rows(self, session: Session) -> list:
        return self.statements.page.fetch(session, self.parameters, named=self.query.extensions)

    def _page(self, session: Session, rows: list, counts: ValueCache | None) -> RequestPage:
        page, page_size = self.page, self.page_size
        if len(rows) < page_size and (page == 1 or rows):
            total = (page - 1) * page_size + len(rows)
        else:

            def count() -> int:
                return self.statements.count.fetch(session, self.parameters)[0][0]

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
    """Check the filters (400 naming the problem) and find the listing's statements, reading no request.
    ``highest_id`` (the snapshot of a new listing), ``window`` and ``published`` (the publication settings)
    are read or computed here unless given; ``cache`` keeps the ids of the filters' codes."""
    published = published if published is not None else publication(session, jurisdiction)
    if query.snapshot is not None:
        snapshot = query.snapshot
    else:
        snapshot = highest_id if highest_id is not None else current_snapshot(session)
    values = listing_values(session, jurisdiction, query, snapshot, window, published, cache)
    statements, parameters = listing_statements(values, published)
    page, page_size = _paging(query)
    return PreparedListing(jurisdiction, query, statements, parameters, page, page_size, snapshot, published)


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
        rows = ONE_REQUEST[extensions].fetch(session, params, named=extensions)
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

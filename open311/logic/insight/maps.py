"""What hotspots and tiles share: their requests (the filters of GET requests, service groups, a window of
whole local days defaulting to the last 90; published services only, each at its published point), the
jurisdiction's latitude, and a data version for caches."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from ...models import Area, AreaLayer, Jurisdiction, Service, ServiceRequest
from ..opendata.publication import PUBLISHED_POINT
from ..request_search import RequestQuery, filter_conditions
from .lookups import Cache, load_lookups
from .periods import resolve_window

#: The default window of the maps: today and the 89 days before.
DEFAULT_DAYS = 90
#: Where a map shows a request (as ``location``): the point open data publishes — its location, or for a
#: service published blurred the point of its blur cell (docs/open-data.md); the one expression of both.
MAP_POINT = PUBLISHED_POINT.label("location")


@dataclass
class MapQuery:
    """The requests a map shows: filters of GET requests, service groups and a window of days."""

    filters: RequestQuery = field(default_factory=RequestQuery)
    groups: list[str] = field(default_factory=list)
    start_date: date | datetime | None = None
    end_date: date | datetime | None = None

    def key(self) -> tuple:
        """A hashable form, for caches."""
        values = [*vars(self.filters).values(), self.groups, self.start_date, self.end_date]
        return tuple(tuple(v) if isinstance(v, list) else v for v in values)


def map_conditions(
    session: Session, jurisdiction: Jurisdiction, query: MapQuery, cache: Cache | None = None
) -> list[ColumnElement]:
    """The conditions on service_request of the map's requests (located ones only)."""
    zone = ZoneInfo(jurisdiction.time_zone)
    now = datetime.now(UTC)
    start = query.start_date
    if start is None:
        end_day = resolve_window(None, query.end_date, zone, now).end
        start = end_day - timedelta(days=DEFAULT_DAYS - 1)
    window = resolve_window(start, query.end_date, zone, now)
    filters = query.filters
    if query.groups:
        codes = set(load_lookups(session, jurisdiction, cache).group_service_codes(query.groups))
        if filters.service_codes:
            codes &= set(filters.service_codes)
        filters = replace(filters, service_codes=sorted(codes) or [""])
    return [
        ServiceRequest.jurisdiction_id == jurisdiction.id,
        ServiceRequest.requested_datetime >= datetime.combine(window.start, time(0), tzinfo=zone),
        ServiceRequest.requested_datetime < datetime.combine(window.end + timedelta(days=1), time(0), tzinfo=zone),
        ServiceRequest.location.is_not(None),
        *filter_conditions(session, jurisdiction, filters, cache),
    ]


def jurisdiction_latitude(session: Session, jurisdiction: Jurisdiction, cache: Cache | None = None) -> float:
    """The latitude of the middle of the jurisdiction's areas (0 without areas): metres to map units."""

    def make() -> float:
        value = session.scalar(
            select(func.ST_Y(func.ST_Centroid(func.ST_Extent(Area.geom))))
            .join(AreaLayer, AreaLayer.id == Area.layer_id)
            .where(AreaLayer.jurisdiction_id == jurisdiction.id)
        )
        return float(value or 0.0)

    return cache(("insight-latitude", jurisdiction.id), make) if cache else make()


def data_version(session: Session, jurisdiction: Jurisdiction) -> tuple:
    """What a map of the jurisdiction is computed from, as a key: its listings' change counter (bumped by
    every committed change of its requests, services, departments, areas or settings: migration perf1),
    the last load of its city file, its current day (default windows end today) and which database it is
    (the server's start and the database's oid: maps are shared by the workers of a host through files,
    which several databases may use). A map computed under one version stays true while the version is
    the same, so maps are kept per version; read it before the map's rows.

    (The database's snapshot, used before, moved with every write anywhere, such as a rate limit's
    counter: maps were computed anew at almost every call of a busy server.)"""
    version, changeset, database = session.execute(
        text(
            "SELECT coalesce((SELECT version FROM listing_version WHERE jurisdiction_id = :j), 0),"
            " (SELECT changeset FROM jurisdiction WHERE id = :j),"
            " concat_ws(':', extract(epoch FROM pg_postmaster_start_time()),"
            " (SELECT oid FROM pg_database WHERE datname = current_database()))"
        ),
        {"j": jurisdiction.id},
    ).one()
    return database, version, changeset, datetime.now(ZoneInfo(jurisdiction.time_zone)).date()


def matching_requests(
    session: Session,
    jurisdiction: Jurisdiction,
    query: MapQuery,
    cache: Cache | None,
    *columns,
    where: ColumnElement | None = None,
) -> tuple[str, dict]:
    """The map's requests (``columns``, which may name the joined Service and :data:`MAP_POINT`) as SQL in
    the driver's parameter style, and its parameters. A map is a public output of locations: it draws only
    published services (``publish``; statistics count the others), each at its published point."""
    statement = (
        select(*columns)
        .join(Service, Service.id == ServiceRequest.service_id)
        .where(*map_conditions(session, jurisdiction, query, cache), Service.publish.is_(True))
    )
    if where is not None:
        statement = statement.where(where)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params)

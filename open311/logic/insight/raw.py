"""Statistics over the requests themselves, for what the rollups do not keep (detailed status, channel,
a box or a radius, update dates, days of filtered data older than two months): the same events
(stats_events()) counted by plain SQL, returned as rows of measures.ROW_COLUMNS. Also the requests due
later today, which today's cumulated due dates count but which are not overdue yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, and_, cast, column, func, literal, or_, select, true, values
from sqlalchemy.orm import Session

from ...models import Jurisdiction, ServiceRequest, ServiceRequestArea
from ..request_search import RequestQuery, filter_conditions
from .measures import PREFIX
from .periods import Period

SR = ServiceRequest
KEY_COLUMNS = ("layer_id", "area_id", "service_id", "department_id", "status", "detailed_status", "channel")


@dataclass(frozen=True)
class RawKeys:
    """Which keys the rows must tell apart: an area layer (or none) and the request columns grouped by."""

    layer_id: int | None
    columns: frozenset[str]


def _key_columns(keys: RawKeys, area_column) -> list:
    """The KEY_COLUMNS of a raw row: the grouped ones, NULL for the others."""
    sources = {
        "layer_id": literal(keys.layer_id or 0),
        "area_id": area_column if area_column is not None else literal(0),
        "service_id": SR.service_id,
        "department_id": func.coalesce(SR.department_id, 0),
        "status": SR.status,
        "detailed_status": SR.detailed_status,
        "channel": SR.channel,
    }
    chosen = []
    for name in KEY_COLUMNS:
        wanted = name in keys.columns or (name == "area_id" and area_column is not None) or name == "layer_id"
        chosen.append((sources[name] if wanted else literal(None)).label(name))
    return chosen


def _keyed(keys: RawKeys):
    """The requests (joined to their area of the grouped layer, if any) and the key columns to select."""
    statement = select().select_from(SR)
    if not keys.layer_id:
        return statement, _key_columns(keys, None)
    statement = statement.join(
        ServiceRequestArea,
        and_(ServiceRequestArea.request_id == SR.id, ServiceRequestArea.layer_id == keys.layer_id),
    )
    return statement, _key_columns(keys, ServiceRequestArea.area_id)


def _joined(column, condition):
    """The comma-separated values of ``column`` where ``condition`` holds (a histogram's part)."""
    return func.array_to_string(func.array_agg(cast(column, Integer)).filter(condition), ",")


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone)


def raw_rows(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, keys: RawKeys, periods: list[Period]
) -> list:
    """Rows of measures.ROW_COLUMNS counted from the requests matching ``query``'s filters."""
    zone = ZoneInfo(jurisdiction.time_zone)
    start, end = periods[0].first, periods[-1].last
    since, until = start_of_day(start, zone), start_of_day(end + timedelta(days=1), zone)
    events = (
        func.stats_events(
            SR.requested_datetime, SR.closed_datetime, SR.first_response_datetime, SR.expected_datetime,
            jurisdiction.time_zone,
        )
        .table_valued(column("kind", Integer), column("day", Date), column("bucket", Integer),
                      column("has_target"), column("on_time"))
        .lateral("e")
    )  # fmt: skip
    window = values(column("idx", Integer), column("first", Date), column("last", Date), name="w").data(
        [(index, period.first, period.last) for index, period in enumerate(periods)]
    )
    statement, key_columns = _keyed(keys)
    index = func.coalesce(window.c.idx, PREFIX).label("idx")
    counted = (
        statement.add_columns(index, *key_columns, events.c.kind, events.c.bucket,
                              func.count().label("n"),
                              func.count().filter(events.c.has_target).label("n_target"),
                              func.count().filter(events.c.on_time).label("n_on_time"))
        .join(events, true())
        .outerjoin(window, events.c.day.between(window.c.first, window.c.last))
        .where(
            SR.jurisdiction_id == jurisdiction.id,
            *filter_conditions(session, jurisdiction, query),
            # requests with something in the window, or open at its start
            SR.requested_datetime < until,
            or_(SR.requested_datetime >= since, SR.closed_datetime.is_(None), SR.closed_datetime >= since,
                SR.first_response_datetime >= since, SR.expected_datetime >= since),
            or_(window.c.idx.is_not(None), and_(events.c.day < start, events.c.kind.in_((0, 1, 3, 4)))),
        )
        .group_by(index, *key_columns, events.c.kind, events.c.bucket)
        .subquery("counted")
    )  # fmt: skip
    c = counted.c

    def total(kind: int, of=None):
        return func.coalesce(func.sum(of if of is not None else c.n).filter(c.kind == kind), 0)

    grouped = [c.idx, *(getattr(c, name) for name in KEY_COLUMNS)]
    final = select(
        *grouped,
        total(0).label("opened"), total(1).label("closed"), total(1, c.n_target).label("closed_with_target"),
        total(1, c.n_on_time).label("closed_on_time"), total(2).label("responded"), total(3).label("due"),
        total(4).label("due_closed"),
        _joined(c.bucket, c.kind == 1).label("close_buckets"),
        _joined(c.n, c.kind == 1).label("close_counts"),
        _joined(c.bucket, c.kind == 2).label("response_buckets"),
        _joined(c.n, c.kind == 2).label("response_counts"),
    ).group_by(*grouped)  # fmt: skip
    return session.execute(final).all()


def due_later_today(
    session: Session, jurisdiction: Jurisdiction, query: RequestQuery, keys: RawKeys, today: date
) -> list:
    """Per key: the requests open now and due later today (counted in today's due events, not overdue yet).

    Read through the index of open requests by expected_datetime: a few hours of due dates.
    """
    statement, key_columns = _keyed(keys)
    zone = ZoneInfo(jurisdiction.time_zone)
    statement = (
        statement.add_columns(*key_columns, func.count().label("n"))
        .where(
            SR.jurisdiction_id == jurisdiction.id,
            *filter_conditions(session, jurisdiction, query),
            SR.status == "open",
            SR.expected_datetime >= func.now(),
            SR.expected_datetime < start_of_day(today + timedelta(days=1), zone),
        )
        .group_by(*key_columns)
    )
    return session.execute(statement).all()

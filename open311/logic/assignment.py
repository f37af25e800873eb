"""Assignment of a point to areas (one per layer) and routing to the responsible department.

Border rule: a point on the shared border of two areas of a layer is covered by both; it is
assigned to the one whose ``code`` sorts first (text order), so the answer never varies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, distinct_on
from sqlalchemy.orm import Session, defer

from ..db import CompiledStatement
from ..models import Area, AreaLayer, Department, Jurisdiction, RoutingRule, Service


@dataclass(frozen=True)
class Assignment:
    """The areas holding a point (least specific layer first) and the department it goes to."""

    areas: tuple[Area, ...]
    department: Department | None


def point(longitude: float, latitude: float):
    """A PostGIS point in WGS84 (SRID 4326)."""
    return func.ST_SetSRID(func.ST_MakePoint(longitude, latitude), 4326)


def _covering(columns: list, jurisdiction_id, longitude, latitude) -> Select:
    """``columns`` of the area covering the point in each layer of the jurisdiction (border rule above)."""
    return (
        select(*columns)
        .join(AreaLayer, Area.layer_id == AreaLayer.id)
        .where(AreaLayer.jurisdiction_id == jurisdiction_id, func.ST_Covers(Area.geom, point(longitude, latitude)))
        .order_by(AreaLayer.rank, Area.code)
        .ext(distinct_on(AreaLayer.rank))
    )


def areas_at(session: Session, jurisdiction: Jurisdiction, longitude: float, latitude: float) -> list[Area]:
    """In each layer of the jurisdiction, the area whose polygon covers the point (GiST index)."""
    query = _covering([Area], jurisdiction.id, longitude, latitude).options(
        defer(Area.geom)  # the polygon itself is never needed here, only which area it is
    )
    return list(session.scalars(query))


def responsible_department(session: Session, service: Service, areas: list[Area]) -> Department | None:
    """The rule of the most specific layer among ``areas``, else the service's default, else the jurisdiction's."""
    if areas:
        department_id = session.scalar(
            select(RoutingRule.department_id)
            .join(Area, RoutingRule.area_id == Area.id)
            .join(AreaLayer, Area.layer_id == AreaLayer.id)
            .where(RoutingRule.service_id == service.id, RoutingRule.area_id.in_([a.id for a in areas]))
            .order_by(AreaLayer.rank.desc())
            .limit(1)
        )
        if department_id is not None:
            return session.get(Department, department_id)
    department_id = default_department_id(session.get(Jurisdiction, service.jurisdiction_id), service)
    return session.get(Department, department_id) if department_id is not None else None


@dataclass(frozen=True)
class Placement:
    """Where a new request falls: its areas as (area id, layer id), least specific layer first, the
    department a routing rule of the most specific layer names (None: no rule), and the transaction's time.
    """

    areas: tuple[tuple[int, int], ...]
    rule_department_id: int | None
    now: datetime


def _placement_sql() -> CompiledStatement:
    hit = _covering(
        [Area.id, Area.layer_id, AreaLayer.rank],
        bindparam("jurisdiction_id"),
        bindparam("longitude"),
        bindparam("latitude"),
    ).cte("hit")
    rule = (
        select(RoutingRule.department_id)
        .join(hit, RoutingRule.area_id == hit.c.id)
        .where(RoutingRule.service_id == bindparam("service_id"))
        .order_by(hit.c.rank.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = select(
        func.now(),
        func.array_agg(aggregate_order_by(hit.c.id, hit.c.rank)),
        func.array_agg(aggregate_order_by(hit.c.layer_id, hit.c.rank)),
        rule,
    ).select_from(hit)
    return CompiledStatement.of(statement)


#: Compiled once, run as a prepared statement (its plan does not depend on the point).
PLACEMENT_SQL = _placement_sql()


def place(
    session: Session, jurisdiction: Jurisdiction, service: Service, longitude: float, latitude: float
) -> Placement:
    """:func:`areas_at` and the routing rule of :func:`responsible_department`, in one round trip."""
    params = {
        "jurisdiction_id": jurisdiction.id,
        "service_id": service.id,
        "longitude": longitude,
        "latitude": latitude,
    }
    now, area_ids, layer_ids, department_id = PLACEMENT_SQL.fetch(session, params)[0]
    return Placement(tuple(zip(area_ids or (), layer_ids or (), strict=True)), department_id, now)


def routed_department_id(jurisdiction: Jurisdiction, service: Service, placement: Placement) -> int | None:
    """The department a request placed by :func:`place` goes to: the routing rule's, else the defaults."""
    if placement.rule_department_id is not None:
        return placement.rule_department_id
    return default_department_id(jurisdiction, service)


def default_department_id(jurisdiction: Jurisdiction, service: Service) -> int | None:
    """Where a request goes when no routing rule applies: the service's default, else the jurisdiction's."""
    if service.default_department_id is not None:
        return service.default_department_id
    return jurisdiction.default_department_id


def assign(session: Session, service: Service, longitude: float, latitude: float) -> Assignment:
    """Areas holding the point and the department responsible for ``service`` there."""
    jurisdiction = session.get(Jurisdiction, service.jurisdiction_id)
    areas = areas_at(session, jurisdiction, longitude, latitude)
    return Assignment(tuple(areas), responsible_department(session, service, areas))

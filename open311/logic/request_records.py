"""Service requests as the standard's records (spec §2.5), with personal data left out by construction."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..formats import format_datetime
from ..models import Area, AreaLayer, Department, Jurisdiction, Service, ServiceRequest, ServiceRequestArea
from .history import public_notes

#: The only columns a GET reads: the contact table is never joined.
RECORD_COLUMNS = (
    ServiceRequest.id,
    ServiceRequest.status,
    ServiceRequest.status_notes,
    Service.service_name,
    Service.service_code,
    ServiceRequest.description,
    Department.name.label("agency_responsible"),
    ServiceRequest.service_notice,
    ServiceRequest.requested_datetime,
    ServiceRequest.updated_datetime,
    ServiceRequest.expected_datetime,
    ServiceRequest.address,
    ServiceRequest.address_id,
    ServiceRequest.zipcode,
    func.ST_Y(ServiceRequest.location).label("lat"),
    func.ST_X(ServiceRequest.location).label("long"),
    ServiceRequest.media_url,
)

#: Extension: what ``extended_attributes`` adds (read only when asked for: decoding every request's
#: attributes cost a fifth of a 1,000-record listing).
EXTENDED_COLUMNS = (
    ServiceRequest.detailed_status,
    Department.code.label("department_code"),
    ServiceRequest.channel,
    ServiceRequest.attributes,
    ServiceRequest.parent_id,
)


def record_query(*, extensions: bool = False) -> Select:
    """SELECT of every column a record needs (filters and order are added by the caller)."""
    columns = RECORD_COLUMNS + EXTENDED_COLUMNS if extensions else RECORD_COLUMNS
    return (
        select(*columns)
        .join(Service, ServiceRequest.service_id == Service.id)
        .outerjoin(Department, ServiceRequest.department_id == Department.id)
    )


def _local(value: datetime | None, zone: ZoneInfo) -> str | None:
    return format_datetime(value.astimezone(zone)) if value is not None else None


def to_records(session: Session, jurisdiction: Jurisdiction, rows, *, extensions: bool = False) -> list[dict]:
    """The records of ``rows`` (from :func:`record_query`), datetimes in the jurisdiction's time zone.

    Extension: with ``extensions``, each record gets ``extended_attributes`` (areas, department code,
    detailed status, channel, submitted attributes, parent of a duplicate) and ``notes`` (the history),
    the way Chicago's clients read them.
    """
    zone = ZoneInfo(jurisdiction.time_zone)
    ids = [row.id for row in rows]
    areas = _areas_of(session, ids) if extensions else {}
    notes = public_notes(session, jurisdiction, ids) if extensions else {}
    records = []
    for row in rows:
        record = {
            "service_request_id": str(row.id),
            "status": row.status,
            "status_notes": row.status_notes,
            "service_name": row.service_name,
            "service_code": row.service_code,
            "description": row.description,
            "agency_responsible": row.agency_responsible,
            "service_notice": row.service_notice,
            "requested_datetime": _local(row.requested_datetime, zone),
            "updated_datetime": _local(row.updated_datetime, zone),
            "expected_datetime": _local(row.expected_datetime, zone),
            "address": row.address,
            "address_id": row.address_id,
            "zipcode": row.zipcode,
            "lat": row.lat,
            "long": row.long,
            "media_url": row.media_url,
        }
        if extensions:
            # Extension: extended_attributes (Chicago / CitySDK style), only when asked for.
            record["extended_attributes"] = {
                "detailed_status": row.detailed_status,
                "department_code": row.department_code,
                "areas": areas.get(row.id, []),
                "channel": row.channel,
                "attributes": row.attributes or {},
                "parent_service_request_id": str(row.parent_id) if row.parent_id else None,
            }
            # Extension: the history as Chicago's and San Francisco's notes (never who made a change).
            record["notes"] = notes.get(row.id, [])
        records.append(record)
    return records


def _areas_of(session: Session, request_ids: list[int]) -> dict[int, list[dict]]:
    if not request_ids:
        return {}
    rows = session.execute(
        select(ServiceRequestArea.request_id, AreaLayer.code, Area.code, Area.name)
        .join(Area, ServiceRequestArea.area_id == Area.id)
        .join(AreaLayer, Area.layer_id == AreaLayer.id)
        .where(ServiceRequestArea.request_id.in_(request_ids))
        .order_by(ServiceRequestArea.request_id, AreaLayer.rank)
    )
    areas: dict[int, list[dict]] = defaultdict(list)
    for request_id, layer, code, name in rows:
        areas[request_id].append({"layer": layer, "code": code, "name": name})
    return areas

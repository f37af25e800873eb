"""Service requests as the standard's records (spec §2.5), with personal data left out by construction."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Select, Text, bindparam, cast, func, select
from sqlalchemy.orm import Session

from ..models import Area, AreaLayer, Department, Jurisdiction, Service, ServiceRequest, ServiceRequestArea
from .history import public_notes
from .opendata.privacy import PUBLIC_ATTRIBUTES, PUBLIC_DESCRIPTION, PUBLIC_STATUS_NOTES
from .opendata.publication import (
    PUBLISHED_ADDRESS,
    PUBLISHED_ADDRESS_ID,
    PUBLISHED_LAT,
    PUBLISHED_LONG,
    PUBLISHED_MEDIA_URL,
)


def _w3c(column, name: str):
    """The column as the standard's W3C datetime text in the jurisdiction's time zone, made by PostgreSQL
    (migration 0006): formatting 3,000 datetimes in Python took longer than the whole query."""
    return func.w3c_datetime(column, bindparam("time_zone", type_=Text)).label(name)


#: The only columns a GET reads, in the order and under the names of the record's fields (spec §2.5):
#: the contact table is never joined, texts people type are read through the privacy transform, and the
#: point, address and media as the service's publication settings say (Extension, docs/open-data.md).
RECORD_COLUMNS = (
    cast(ServiceRequest.id, Text).label("service_request_id"),
    ServiceRequest.status,
    PUBLIC_STATUS_NOTES.label("status_notes"),
    Service.service_name,
    Service.service_code,
    PUBLIC_DESCRIPTION.label("description"),
    Department.name.label("agency_responsible"),
    ServiceRequest.service_notice,
    _w3c(ServiceRequest.requested_datetime, "requested_datetime"),
    _w3c(ServiceRequest.updated_datetime, "updated_datetime"),
    _w3c(ServiceRequest.expected_datetime, "expected_datetime"),
    PUBLISHED_ADDRESS.label("address"),
    PUBLISHED_ADDRESS_ID.label("address_id"),
    ServiceRequest.zipcode,
    PUBLISHED_LAT.label("lat"),
    PUBLISHED_LONG.label("long"),
    PUBLISHED_MEDIA_URL.label("media_url"),
)
RECORD_FIELDS = tuple(column.key for column in RECORD_COLUMNS)

#: Extension: what ``extended_attributes`` adds (read only when asked for: decoding every request's
#: attributes cost a fifth of a 1,000-record listing).
EXTENDED_COLUMNS = (
    ServiceRequest.id,
    ServiceRequest.detailed_status,
    Department.code.label("department_code"),
    ServiceRequest.channel,
    PUBLIC_ATTRIBUTES.label("attributes"),
    ServiceRequest.parent_id,
)


def record_query(*, extensions: bool = False) -> Select:
    """SELECT of every column a record needs (filters and order are added by the caller; the
    ``time_zone`` parameter is the jurisdiction's)."""
    columns = RECORD_COLUMNS + EXTENDED_COLUMNS if extensions else RECORD_COLUMNS
    return (
        select(*columns)
        .join(Service, ServiceRequest.service_id == Service.id)
        .outerjoin(Department, ServiceRequest.department_id == Department.id)
    )


def to_records(session: Session, jurisdiction: Jurisdiction, rows, *, extensions: bool = False) -> list[dict]:
    """The records of ``rows`` (from :func:`record_query`; named tuples with ``extensions``, else any).

    Extension: with ``extensions``, each record gets ``extended_attributes`` (areas, department code,
    detailed status, channel, submitted attributes, parent of a duplicate) and ``notes`` (the history),
    the way Chicago's clients read them.
    """
    fields = RECORD_FIELDS
    if not extensions:
        return [dict(zip(fields, row, strict=False)) for row in rows]  # RECORD_FIELDS are RECORD_COLUMNS' keys
    ids = [row.id for row in rows]
    areas = _areas_of(session, ids)
    notes = public_notes(session, jurisdiction, ids)
    records = []
    for row in rows:
        record = dict(zip(fields, row[: len(fields)], strict=True))
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

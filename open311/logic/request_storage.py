"""Storing a new service request in one statement: the request, its areas, its submitter's contact and
the first row of its history, written together by data-modifying CTEs (one round trip, prepared once
per connection). The ORM unit of work took two thirds of a POST's CPU time (bench/RESULTS.md).

A request posted without an address gets its location described from its areas as it is stored
(``location_description``), so that no listing ever returns ``"address": null`` and no read pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session

from ..db import CompiledStatement

STORE_REQUEST = CompiledStatement("""
WITH request AS (
    INSERT INTO service_request (
        jurisdiction_id, service_id, department_id, description, address, address_id, zipcode, location,
        media_url, attributes, service_notice, requested_datetime, updated_datetime, expected_datetime,
        token, channel, api_key_id, location_description
    )
    VALUES (
        %(jurisdiction_id)s, %(service_id)s, %(department_id)s, %(description)s, %(address)s,
        %(address_id)s::varchar, %(zipcode)s,
        CASE WHEN %(long)s::float8 IS NOT NULL
             THEN ST_SetSRID(ST_MakePoint(%(long)s::float8, %(lat)s::float8), 4326) END,
        %(media_url)s, %(attributes)s, %(service_notice)s, now(), now(),
        now() + make_interval(hours => %(resolution_hours)s::int), %(token)s, %(channel)s, %(api_key_id)s,
        CASE WHEN %(address)s::text IS NULL
             THEN location_description(%(area_ids)s::int[], %(jurisdiction_id)s, %(address_id)s::varchar,
                                       %(long)s::float8, %(lat)s::float8) END
    )
    RETURNING id, jurisdiction_id, department_id, detailed_status, status_notes, updated_datetime, token,
              service_notice
), areas AS (
    INSERT INTO service_request_area (request_id, layer_id, area_id, requested_datetime)
    SELECT request.id, placed.layer_id, placed.area_id, now()
    FROM request, unnest(%(layer_ids)s::int[], %(area_ids)s::int[]) AS placed (layer_id, area_id)
), contact AS (
    INSERT INTO service_request_contact (request_id, email, first_name, last_name, phone, device_id, account_id)
    SELECT request.id, %(email)s, %(first_name)s, %(last_name)s, %(phone)s, %(device_id)s, %(account_id)s
    FROM request
    WHERE %(has_contact)s
), history AS (
    INSERT INTO request_update (
        jurisdiction_id, request_id, kind, created, api_key_id, old_status, new_status, department_id,
        old_department_id
    )
    SELECT request.jurisdiction_id, request.id, 'created', now(), %(api_key_id)s, NULL,
           request.detailed_status, request.department_id, request.department_id
    FROM request
)
SELECT * FROM request
""")


@dataclass
class StoredRequest:
    """What the response and the request.created event need of a stored request."""

    id: int
    jurisdiction_id: int
    department_id: int | None
    detailed_status: str
    status_notes: str | None
    updated_datetime: datetime
    token: str | None
    service_notice: str | None


#: Extension: the location of a request without an address described again from its areas (after a move).
DESCRIBE_LOCATION = CompiledStatement("""
UPDATE service_request r
SET location_description = location_description(
    ARRAY(SELECT x.area_id FROM service_request_area x WHERE x.request_id = r.id),
    r.jurisdiction_id, r.address_id, ST_X(r.location), ST_Y(r.location))
WHERE r.id = %(request_id)s AND r.address IS NULL
""")


def describe_location(session: Session, request_id: int) -> None:
    """Describe again the location of a request whose submitter gave no address (its areas changed)."""
    session.flush()
    DESCRIBE_LOCATION.fetch(session, {"request_id": request_id})


def store_request(session: Session, values: dict, areas: tuple[tuple[int, int], ...], contact: dict) -> StoredRequest:
    """Insert a new request with its areas ((area id, layer id) pairs), contact (if any) and history."""
    params = {
        **values,
        "attributes": Jsonb(values["attributes"]),
        "area_ids": [area_id for area_id, _layer in areas],
        "layer_ids": [layer_id for _area, layer_id in areas],
        **contact,
        "has_contact": any(contact.values()),
    }
    return StoredRequest(**STORE_REQUEST.fetch(session, params)[0]._asdict())

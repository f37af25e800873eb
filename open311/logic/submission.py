"""POST Service Request (spec §2.3): validation, assignment in PostGIS, routing, storage."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..metrics import PLACEMENTS_OUTSIDE
from ..models import Jurisdiction, Service
from .api_keys import CallKey
from .assignment import default_department_id, place, routed_department_id
from .attributes import check_attributes
from .catalog import find_service
from .duplicates import duplicate_candidates, duplicate_notice
from .events import emit
from .geocoding import geocode
from .request_storage import store_request

CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "device_id", "account_id")


@dataclass
class Submission:
    """What a client posted, already typed (numbers are floats, empty values None)."""

    service_code: str | None
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    description: str | None = None
    media_url: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _location_problems(submission: Submission) -> list[str]:
    has_lat, has_long = submission.lat is not None, submission.long is not None
    if has_lat != has_long:
        missing = "long" if has_lat else "lat"
        return [f"{missing}: lat and long must both be sent"]
    if not has_lat and not submission.address_string and not submission.address_id:
        return ["A location is required: lat and long, address_string, or address_id"]
    return []


def submit_request(
    session: Session,
    jurisdiction: Jurisdiction,
    api_key: CallKey,
    submission: Submission,
    *,
    extensions: bool = False,
    services: Callable[[str], Service] | None = None,
) -> dict:
    """Store a new request and return the POST response record (id, token or neither, by service type).

    Every problem is reported at once (400); nothing is stored when the request is refused. When open
    requests of the same service lie near (Extension), ``service_notice`` says so and, with
    ``extensions``, ``extended_attributes.duplicate_candidates`` lists them; the request is stored anyway.
    ``services`` looks a service definition up by code (the API passes its per-worker cache).
    """
    if not submission.service_code:
        raise BadRequest("service_code was not provided")
    service = (services or (lambda code: find_service(session, jurisdiction, code)))(submission.service_code)
    values, problems = check_attributes(service, submission.attributes)
    problems = _location_problems(submission) + problems
    if problems:
        raise BadRequest(*problems)

    point = None
    if submission.lat is not None:
        point = (submission.long, submission.lat)
    else:
        point = geocode(submission.address_string, submission.address_id)
    if point:
        placement = place(session, jurisdiction, service, *point)
        areas, department_id, now = (
            placement.areas,
            routed_department_id(jurisdiction, service, placement),
            placement.now,
        )
    else:
        areas, department_id, now = (), default_department_id(jurisdiction, service), None
    if point and not areas:
        outcome = "accepted" if jurisdiction.accept_outside else "refused"
        PLACEMENTS_OUTSIDE.labels(jurisdiction.jurisdiction_id, outcome).inc()  # Extension: /metrics
    if point and not areas and not jurisdiction.accept_outside:
        raise BadRequest(
            f"The location ({point[1]}, {point[0]}) is outside the jurisdiction {jurisdiction.jurisdiction_id}"
        )

    # Extension (open data): the ids and distances of nearby reports would locate reports of a service
    # kept out of public listings or published blurred: none are given for those.
    hinted = point and service.publish and service.blur_m is None
    candidates = duplicate_candidates(session, service, *point, now, time_zone=jurisdiction.time_zone) if hinted else []
    request = store_request(
        session,
        {
            "jurisdiction_id": jurisdiction.id,
            "service_id": service.id,
            "department_id": department_id,
            "description": submission.description,
            "address": submission.address_string,
            "address_id": submission.address_id,
            "zipcode": submission.zipcode,
            "long": point[0] if point else None,
            "lat": point[1] if point else None,
            "media_url": submission.media_url,
            "attributes": values,
            "service_notice": service.service_notice,
            "resolution_hours": service.resolution_hours,
            "token": secrets.token_hex(16) if service.type == "batch" else None,
            "channel": api_key.name,
            "api_key_id": api_key.id,
        },
        areas,
        {name: getattr(submission, name) for name in CONTACT_FIELDS},
    )
    emit(session, request, "request.created", [request.department_id], jurisdiction=jurisdiction)

    response: dict = {}
    if service.type == "realtime":
        response["service_request_id"] = str(request.id)
    elif service.type == "batch":
        response["token"] = request.token
    notices = [text for text in (request.service_notice, duplicate_notice(candidates)) if text]
    response["service_notice"] = " ".join(notices) or None
    response["account_id"] = submission.account_id
    if extensions:
        # Extension: the likely duplicates, for the app to show; the city decides.
        response["extended_attributes"] = {"duplicate_candidates": candidates}
    return response

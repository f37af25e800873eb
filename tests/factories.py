"""Test data built through the models and the assignment logic, never hand-written INSERTs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select

from open311.logic.assignment import assign
from open311.logic.catalog import find_service
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.logic.request_storage import describe_location
from open311.models import ServiceRequest, ServiceRequestArea


def make_request(
    session,
    *,
    jurisdiction_id: str = "paris.fr",
    service_code: str = "5201",
    lon: float = 2.2945,
    lat: float = 48.8584,
    age: timedelta = timedelta(days=1),
    updated_age: timedelta | None = None,
    detailed_status: str = "received",
    description: str | None = None,
) -> ServiceRequest:
    """A located request made ``age`` ago (relative to the database's now), assigned and routed."""
    jurisdiction = resolve_jurisdiction(session, jurisdiction_id)
    service = find_service(session, jurisdiction, service_code)
    assignment = assign(session, service, lon, lat)
    now = session.scalar(select(func.now()))
    request = ServiceRequest(
        jurisdiction_id=jurisdiction.id,
        service_id=service.id,
        department_id=assignment.department.id if assignment.department else None,
        detailed_status=detailed_status,
        description=description,
        location=from_shape(Point(lon, lat), srid=4326),
        requested_datetime=now - age,
        updated_datetime=now - (updated_age if updated_age is not None else age),
    )
    request.areas = [ServiceRequestArea(layer_id=a.layer_id, area_id=a.id) for a in assignment.areas]
    session.add(request)
    session.flush()
    describe_location(session, request.id)  # as a POST without an address does
    session.expire(request, ["location_description"])
    return request


def utc(*args) -> datetime:
    """A UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def copy_request(session, request: ServiceRequest, count: int) -> None:
    """``count`` copies of ``request`` (same place, service and times), inserted in bulk."""
    from sqlalchemy import insert

    columns = (
        "jurisdiction_id",
        "service_id",
        "department_id",
        "detailed_status",
        "location",
        "location_description",
        "requested_datetime",
        "updated_datetime",
    )
    row = {name: getattr(request, name) for name in columns}
    session.execute(insert(ServiceRequest), [row] * count)


def make_sandbox(session, of: str = "paris.fr"):
    """The sandbox twin of the jurisdiction ``of`` (Extension: the test endpoint's jurisdiction)."""
    from open311.models import Jurisdiction

    production = resolve_jurisdiction(session, of)
    twin = session.scalar(select(Jurisdiction).where(Jurisdiction.sandbox_of_id == production.id))
    if twin is not None:  # the city loader made it (the city file's sandbox: true)
        return twin
    sandbox = Jurisdiction(
        jurisdiction_id=f"sandbox.{of}", name=f"{production.name} (sandbox)", time_zone=production.time_zone,
        contact=production.contact, key_service=production.key_service, sandbox_of_id=production.id,
    )  # fmt: skip
    session.add(sandbox)
    session.flush()
    return sandbox

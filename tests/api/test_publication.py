"""What the public sees of each service (the city file's publish, blur and publish_media): on every
public path, and never a way around it through the filters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from open311.models import Area, Jurisdiction, Service, ServiceRequest, ServiceRequestArea

from ..conftest import EIFFEL_TOWER, POTHOLE

GRAFFITI = {"service_code": "3602", "attribute[SURFACE]": "mur", **EIFFEL_TOWER}


def _set(session, service_code: str, **values) -> None:
    """Change a Paris service's publication settings inside the test's transaction."""
    paris = select(Jurisdiction.id).where(Jurisdiction.jurisdiction_id == "paris.fr").scalar_subquery()
    session.execute(
        update(Service).where(Service.service_code == service_code, Service.jurisdiction_id == paris).values(**values)
    )
    session.flush()


def _post(submit, **fields) -> str:
    reply = submit(**fields)
    assert reply.status_code == 200, reply.data
    return reply.get_json()[0]["service_request_id"]


def _listing(client, query: str = "", fmt: str = "json"):
    reply = client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id=paris.fr&{query}")
    assert reply.status_code == 200, reply.data
    return reply


def _ids(reply) -> list[str]:
    return [record["service_request_id"] for record in reply.get_json()]


# -- publish: false -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_of_an_unpublished_service_is_not_found(client, session, submit, fmt):
    request_id = _post(submit, **GRAFFITI)
    _set(session, "3602", publish=False)
    reply = client.get(f"/open311/v2/requests/{request_id}.{fmt}?jurisdiction_id=paris.fr")
    assert reply.status_code == 404
    assert f"service_request_id provided was not found: {request_id}".encode() in reply.data


def test_unpublished_services_are_out_of_every_listing(client, session, submit, staff):
    hidden, shown = _post(submit, **GRAFFITI), _post(submit, **POTHOLE)
    staff(hidden, detailed_status="in_progress", note="Équipe prévenue")
    _set(session, "3602", publish=False)
    assert hidden not in _ids(_listing(client))
    assert shown in _ids(_listing(client))
    assert _ids(_listing(client, f"service_request_id={hidden},{shown}")) == [shown]
    assert _ids(_listing(client, "service_code=3602")) == []
    assert _listing(client, "service_code=3602").headers["X-Result-Count"] == "0"
    assert f"<service_request_id>{hidden}<".encode() not in _listing(client, "extensions=true", fmt="xml").data
    feed = client.get("/open311/v2/servicerequestupdates.json?jurisdiction_id=paris.fr").get_json()
    assert hidden not in {update["service_request_id"] for update in feed}


def test_no_duplicate_hints_locate_reports_of_unpublished_or_blurred_services(session, submit):
    _post(submit, **GRAFFITI)
    reply = submit(**GRAFFITI, extensions="true").get_json()[0]
    assert reply["extended_attributes"]["duplicate_candidates"]  # published: the app is told
    for values in ({"publish": False}, {"blur_m": 100}):
        _set(session, "3602", **{"publish": True, "blur_m": None, **values})
        reply = submit(**GRAFFITI, extensions="true").get_json()[0]
        assert reply["extended_attributes"]["duplicate_candidates"] == []
        assert "similar report" not in (reply["service_notice"] or "")


# -- blur: METRES ---------------------------------------------------------------------------------


def _published(client, request_id) -> dict:
    reply = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions=true")
    assert reply.status_code == 200, reply.data
    return reply.get_json()[0]


def _distance_m(session, a: tuple[float, float], b: tuple[float, float]) -> float:
    points = [func.Geography(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)) for lon, lat in (a, b)]
    return session.scalar(select(func.ST_Distance(*points)))


def test_a_blurred_request_is_published_at_its_cell_centre_without_its_address(client, session, submit):
    _set(session, "5201", blur_m=200)
    request_id = _post(submit, **POTHOLE, address_string="12 avenue Gustave Eiffel", address_id="A-12")
    near = _post(submit, **{**POTHOLE, "lat": "48.8585", "long": "2.2946"})  # 13 m away: same cell
    record = _published(client, request_id)
    assert (record["lat"], record["long"]) != (48.8584, 2.2945)
    assert (record["lat"], record["long"]) == (_published(client, near)["lat"], _published(client, near)["long"])
    assert _distance_m(session, (record["long"], record["lat"]), (2.2945, 48.8584)) <= 200 * 2**0.5 / 2
    assert record["address"] is None and record["address_id"] is None
    assert [area["code"] for area in record["extended_attributes"]["areas"]] == ["7"]
    listed = next(r for r in _listing(client).get_json() if r["service_request_id"] == request_id)
    assert (listed["lat"], listed["long"], listed["address"]) == (record["lat"], record["long"], None)


def test_spatial_filters_match_the_published_point_never_the_real_one(client, session, submit):
    _set(session, "5201", blur_m=200)
    request_id = _post(submit, **POTHOLE)
    record = _published(client, request_id)
    lat, long = record["lat"], record["long"]
    around = lambda y, x, d=0.0002: f"bbox={x - d},{y - d},{x + d},{y + d}"  # noqa: E731 (about 20 m)
    assert _distance_m(session, (long, lat), (2.2945, 48.8584)) > 30  # the boxes below do not overlap
    assert request_id not in _ids(_listing(client, around(48.8584, 2.2945)))
    assert request_id in _ids(_listing(client, around(lat, long)))
    assert request_id not in _ids(_listing(client, "lat=48.8584&long=2.2945&radius=10"))
    assert request_id in _ids(_listing(client, f"lat={lat}&long={long}&radius=10"))
    # Requests of services published as they are match at their real point, as before.
    _set(session, "5201", blur_m=None)
    assert request_id in _ids(_listing(client, around(48.8584, 2.2945)))


def test_a_cell_centre_outside_the_area_is_replaced_by_a_point_of_the_area_in_the_cell(session):
    """A 20 m square area around the point, a 500 m grid: the cell's centre is outside the area."""
    location = func.ST_SetSRID(func.ST_MakePoint(2.2945, 48.8584), 4326)
    area = func.ST_Expand(location, 0.0001)
    cell = func.blur_cell(location, 500)
    point = func.blurred_point(location, 500, area)
    centre_in_area, covered, in_cell = session.execute(
        select(func.ST_Covers(area, func.ST_Centroid(cell)), func.ST_Covers(area, point), func.ST_Covers(cell, point))
    ).one()
    assert (centre_in_area, covered, in_cell) == (False, True, True)


def test_blurred_points_of_real_requests_stay_in_their_arrondissement(session):
    """Every point of the 6,003 DansMaRue reports blurred on a 300 m grid stays in its arrondissement."""
    from open311.cli import DEMO_HISTORY
    from open311.logic.importer import import_requests
    from open311.logic.jurisdictions import resolve_jurisdiction

    import_requests(session, resolve_jurisdiction(session, "paris.fr"), DEMO_HISTORY, source_format="dansmarue")
    blurred = func.published_point(ServiceRequest.id, ServiceRequest.location, 300)
    outside = session.scalar(
        select(func.count())
        .select_from(ServiceRequest)
        .join(ServiceRequestArea, ServiceRequestArea.request_id == ServiceRequest.id)
        .join(Area, Area.id == ServiceRequestArea.area_id)
        .where(ServiceRequest.external_id.is_not(None), ~func.ST_Covers(Area.geom, blurred))
    )
    assert outside == 0


# -- publish_media ---------------------------------------------------------------------------------


def test_media_are_published_only_where_the_service_allows_it(client, session, submit, staff):
    photo = "https://photos.example.org/trou.jpg"
    request_id = _post(submit, **POTHOLE, media_url=photo)
    staff(request_id, detailed_status="in_progress", media_url="https://photos.example.org/travaux.jpg")
    assert _published(client, request_id)["media_url"] == photo
    _set(session, "5201", publish_media=False)
    assert _published(client, request_id)["media_url"] is None
    feed = client.get("/open311/v2/servicerequestupdates.json?jurisdiction_id=paris.fr").get_json()
    assert [u["media_url"] for u in feed if u["service_request_id"] == request_id] == [""]

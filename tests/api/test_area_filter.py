"""The area filter (Extension) read in the listing's order from the areas' own index (migration perf2):
the same answers as before, combined with every other filter, paged, counted, each request listed once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text

from open311.models import ServiceRequest, ServiceRequestArea

from ..factories import make_request

TIMES_SQUARE = {"lon": -73.9855, "lat": 40.7580}  # Manhattan, community district 105
WALL_STREET = {"lon": -74.0090, "lat": 40.7060}  # Manhattan, community district 101
BROOKLYN = {"lon": -73.9442, "lat": 40.6782}


@pytest.fixture()
def new_york(session):
    session.execute(delete(ServiceRequest))
    made = {
        "times_square": make_request(
            session, jurisdiction_id="nyc.gov", service_code="pothole", age=timedelta(days=1), **TIMES_SQUARE
        ),
        "wall_street": make_request(
            session, jurisdiction_id="nyc.gov", service_code="pothole", age=timedelta(days=2), **WALL_STREET
        ),
        "wall_street_fixed": make_request(
            session,
            jurisdiction_id="nyc.gov",
            service_code="pothole",
            age=timedelta(days=3),
            detailed_status="fixed",
            **WALL_STREET,
        ),
        "wall_street_old": make_request(
            session, jurisdiction_id="nyc.gov", service_code="pothole", age=timedelta(days=200), **WALL_STREET
        ),
        "brooklyn": make_request(
            session, jurisdiction_id="nyc.gov", service_code="pothole", age=timedelta(days=1), **BROOKLYN
        ),
    }
    return {name: str(request.id) for name, request in made.items()}


def listing(client, query: str):
    reply = client.get(f"/open311/v2/requests.json?jurisdiction_id=nyc.gov&{query}")
    assert reply.status_code == 200, reply.data
    return [record["service_request_id"] for record in reply.get_json()], reply.headers


def test_an_area_of_any_layer_in_the_window_newest_first(client, new_york):
    manhattan = [new_york[name] for name in ("times_square", "wall_street", "wall_street_fixed")]
    assert listing(client, "area=1")[0] == manhattan  # the borough
    assert listing(client, "area=101")[0] == manhattan[1:]  # the community district
    assert listing(client, "area=101&start_date=2000-01-01T00:00:00Z&end_date=2100-01-01T00:00:00Z")[0] == [
        *manhattan[1:],
        new_york["wall_street_old"],
    ]
    assert listing(client, "area=nowhere")[0] == []


def test_areas_of_two_layers_list_each_request_once(client, new_york):
    found, headers = listing(client, "area=1,101")
    assert found == [new_york[name] for name in ("times_square", "wall_street", "wall_street_fixed")]
    assert headers["X-Result-Count"] == "3"


def test_the_area_with_every_other_filter(client, new_york):
    assert listing(client, "area=101&status=closed")[0] == [new_york["wall_street_fixed"]]
    assert listing(client, "area=1&status=open&service_code=pothole")[0] == [
        new_york["times_square"],
        new_york["wall_street"],
    ]
    assert listing(client, "area=1&bbox=-74.02,40.70,-74.00,40.71")[0] == [
        new_york["wall_street"],
        new_york["wall_street_fixed"],
    ]
    assert listing(client, "area=1,3&detailed_status=fixed")[0] == [new_york["wall_street_fixed"]]


def test_pages_and_counts_of_an_area(client, new_york):
    first, headers = listing(client, "area=1&page_size=2")
    assert (headers["X-Result-Count"], headers["X-Page-Count"]) == ("3", "2")
    second, _ = listing(client, f"area=1&page_size=2&page=2&snapshot={headers['X-Snapshot']}")
    assert first + second == [new_york[name] for name in ("times_square", "wall_street", "wall_street_fixed")]


def test_the_areas_rows_carry_their_requests_time(session, new_york):
    """Every writer (here the factories' ORM rows, which leave it out) gets the request's time, and a
    request whose time changes takes its areas along."""
    pairs = session.execute(
        select(ServiceRequestArea.requested_datetime, ServiceRequest.requested_datetime).join(
            ServiceRequest, ServiceRequest.id == ServiceRequestArea.request_id
        )
    ).all()
    assert pairs and all(area == request for area, request in pairs)
    session.execute(text("UPDATE service_request SET requested_datetime = requested_datetime - interval '1 day'"))
    moved = session.execute(
        select(ServiceRequestArea.requested_datetime, ServiceRequest.requested_datetime).join(
            ServiceRequest, ServiceRequest.id == ServiceRequestArea.request_id
        )
    ).all()
    assert all(area == request for area, request in moved)


def test_the_codes_of_filters_are_resolved_once_per_worker(app, client, new_york, monkeypatch):
    """With the per-worker cache on, a repeated listing reads the ids of its services, departments and
    areas from the cache (the listing is then one statement); the answers stay the same, unknown codes
    included."""
    from sqlalchemy import event

    from open311.api.cache import CatalogCache

    monkeypatch.setitem(app.extensions, "open311.cache", CatalogCache(60))
    engine = app.extensions["open311.db"].sessionmaker.kw["bind"]
    engine = getattr(engine, "engine", engine)
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement)

    queries = ["area=101&service_code=pothole", "service_code=nothing", "area=nowhere&agency_responsible=none"]
    first = [listing(client, query)[0] for query in queries]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        again = [listing(client, query)[0] for query in queries]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert again == first == [[new_york["wall_street"], new_york["wall_street_fixed"]], [], []]
    lookups = [
        s for s in statements if s.lstrip().startswith(("SELECT service.id", "SELECT department.id", "SELECT area.id"))
    ]
    assert statements and lookups == []

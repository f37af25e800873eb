"""GET Service Requests and GET Service Request (spec §2.5, §2.6; digest §7 items 11-17) and the extensions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from open311.models import ServiceRequest

from ..factories import copy_request, make_request

NOTRE_DAME = {"lon": 2.3499, "lat": 48.8530}
SACRE_COEUR = {"lon": 2.3431, "lat": 48.8867}


@pytest.fixture()
def requests(session):
    """A known set of Paris requests (and one in New York); older rows of the test database removed."""
    session.execute(delete(ServiceRequest))
    made = {
        "eiffel": make_request(session, age=timedelta(days=1)),
        "eiffel_closed": make_request(
            session, age=timedelta(days=2), detailed_status="fixed", updated_age=timedelta(hours=1)
        ),
        "notre_dame": make_request(session, service_code="3602", age=timedelta(days=3), **NOTRE_DAME),
        "sacre_coeur": make_request(session, service_code="6010", age=timedelta(days=10), **SACRE_COEUR),
        "old": make_request(session, age=timedelta(days=120)),
        "new_york": make_request(session, jurisdiction_id="nyc.gov", service_code="pothole", lon=-73.9855, lat=40.7580),
    }
    return {name: str(request.id) for name, request in made.items()}


def ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.data
    return [record["service_request_id"] for record in reply.get_json()]


def get(client, query: str = "", fmt: str = "json"):
    return client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id=paris.fr&{query}")


def test_default_is_the_last_90_days_newest_first(client, requests):
    assert ids(get(client)) == [requests[n] for n in ("eiffel", "eiffel_closed", "notre_dame", "sacre_coeur")]


def test_status_filter(client, requests):
    assert ids(get(client, "status=closed")) == [requests["eiffel_closed"]]
    assert len(ids(get(client, "status=open"))) == 3
    assert len(ids(get(client, "status=open,closed"))) == 4
    assert len(ids(get(client, "status=open&status=closed"))) == 4


def test_unknown_status_is_400(client, requests):
    reply = get(client, "status=Received")
    assert reply.status_code == 400 and "status" in reply.get_json()[0]["description"]


def test_service_code_filter_takes_a_comma_list(client, requests):
    assert ids(get(client, "service_code=3602")) == [requests["notre_dame"]]
    assert ids(get(client, "service_code=3602,6010")) == [requests["notre_dame"], requests["sacre_coeur"]]
    assert ids(get(client, "service_code= 3602 , ")) == [requests["notre_dame"]]


def test_service_request_id_overrides_every_other_filter(client, requests):
    query = f"service_request_id={requests['old']},{requests['eiffel']}&status=closed&service_code=6010"
    assert ids(get(client, query)) == [requests["eiffel"], requests["old"]]
    assert ids(get(client, f"service_request_id={requests['new_york']}")) == []


def test_dates_filter_requested_datetime_inclusively(client, session, requests):
    old = session.get(ServiceRequest, int(requests["old"]))
    start = old.requested_datetime.isoformat()
    assert ids(get(client, f"start_date={start.replace('+00:00', 'Z')}&end_date={start}".replace("+", "%2B"))) == [
        requests["old"]
    ]


def test_only_start_date_means_90_days_from_it(client, session, requests):
    old = session.get(ServiceRequest, int(requests["old"]))
    start = (old.requested_datetime - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(get(client, f"start_date={start}")) == [requests["old"]]


def test_only_end_date_means_90_days_before_it(client, session, requests):
    requested = session.get(ServiceRequest, int(requests["sacre_coeur"])).requested_datetime
    end = (requested + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(get(client, f"end_date={end}")) == [requests["sacre_coeur"]]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("start_date=2024-01-01", "start_date: must be a W3C datetime with a time zone"),
        ("end_date=2024-01-01T00:00:00", "end_date: must be a W3C datetime with a time zone"),
        ("start_date=9999-12-31T23:59:59Z", "start_date: is out of range"),
        ("end_date=0001-01-01T00:00:00Z", "end_date: is out of range"),
        ("updated_before=0001-01-01T00:30:00%2B01:00", "updated_before: is out of range"),
        ("start_date=2024-02-01T00:00:00Z&end_date=2024-01-01T00:00:00Z", "end_date is before start_date"),
        ("start_date=2024-02-30T00:00:00Z", "start_date: is not a valid date and time"),
        ("bbox=1,2,3", "bbox: must be four numbers"),
        ("bbox=2.3,48.9,2.2,48.8", "bbox must be min_long,min_lat,max_long,max_lat"),
        ("lat=48.85&long=2.29", "lat, long and radius go together"),
        ("lat=48.85&long=2.29&radius=-5", "radius must be between 0 and 50000"),
        ("page_size=5000", "page_size: Must be greater than or equal to 1 and less than or equal to 1000"),
        ("page=-1", "page: Must be greater than or equal to 0"),
        ("updated_after=yesterday", "updated_after: must be a W3C datetime"),
        ("updated_after=2024-01-01 00:00:00", "updated_after: must be a W3C datetime with a time zone"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400_naming_the_parameter(client, requests, fmt, query, text):
    reply = get(client, query, fmt)
    assert reply.status_code == 400
    assert text.encode() in reply.data


def test_empty_parameters_behave_as_absent(client, requests):
    empty = get(client, "status=&service_code=&start_date=&end_date=&service_request_id=&page=&bbox=")
    assert ids(empty) == ids(get(client))


def test_single_request_and_unknown_ones(client, requests):
    reply = client.get(f"/open311/v2/requests/{requests['notre_dame']}.json?jurisdiction_id=paris.fr")
    (record,) = reply.get_json()
    assert record["service_code"] == "3602" and record["status"] == "open"
    assert record["agency_responsible"].startswith("Direction de la Propreté")
    for unknown in ("999999999", "abc", requests["new_york"], "99999999999999999999999"):
        reply = client.get(f"/open311/v2/requests/{unknown}.xml?jurisdiction_id=paris.fr")
        assert reply.status_code == 404 and b"service_request_id provided was not found" in reply.data


def test_updated_after_and_before(client, session, requests):
    closed = session.get(ServiceRequest, int(requests["eiffel_closed"]))
    after = (closed.updated_datetime - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(get(client, f"updated_after={after}")) == [requests["eiffel_closed"]]
    exact = closed.updated_datetime.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert requests["eiffel_closed"] not in ids(get(client, f"updated_after={exact}"))
    assert requests["eiffel_closed"] not in ids(get(client, f"updated_before={exact}"))
    # updated_* alone lifts the default 90-day window: the 120-day-old request changed long ago.
    before = (closed.updated_datetime - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(get(client, f"updated_before={before}")) == [requests["old"]]


def test_bbox_around_the_7th(client, requests):
    assert ids(get(client, "bbox=2.28,48.85,2.31,48.87")) == [requests["eiffel"], requests["eiffel_closed"]]


def test_radius_in_metres(client, requests):
    near_notre_dame = "lat=48.8530&long=2.3499"
    assert ids(get(client, f"{near_notre_dame}&radius=50")) == [requests["notre_dame"]]
    # The Eiffel Tower is about 4 km from Notre-Dame.
    assert requests["eiffel"] not in ids(get(client, f"{near_notre_dame}&radius=3900"))
    assert requests["eiffel"] in ids(get(client, f"{near_notre_dame}&radius=4200"))


def test_agency_and_area_filters(client, requests):
    assert ids(get(client, "agency_responsible=DVD-STV-SO")) == [requests["eiffel"], requests["eiffel_closed"]]
    assert ids(get(client, "area=4,18")) == [requests["notre_dame"], requests["sacre_coeur"]]
    assert ids(get(client, "area=501")) == []


def test_detailed_status_filter(client, requests):
    assert ids(get(client, "detailed_status=fixed")) == [requests["eiffel_closed"]]


def test_extensions_only_when_asked(client, requests):
    plain = get(client).get_json()
    assert all("extended_attributes" not in record for record in plain)
    extended = get(client, "extensions=true").get_json()
    closed = next(r for r in extended if r["service_request_id"] == requests["eiffel_closed"])
    assert closed["status"] == "closed"
    assert closed["extended_attributes"]["detailed_status"] == "fixed"
    assert closed["extended_attributes"]["areas"][0]["code"] == "7"
    xml = get(client, "extensions=true", "xml").data
    assert b"<extended_attributes><detailed_status>" in xml and b"<areas><area><layer>arrondissement" in xml


def test_paging_with_totals(client, requests):
    first = get(client, "page_size=3")
    assert ids(first) == [requests[n] for n in ("eiffel", "eiffel_closed", "notre_dame")]
    headers = first.headers
    assert (headers["X-Result-Count"], headers["X-Page"], headers["X-Page-Size"], headers["X-Page-Count"]) == (
        "4",
        "1",
        "3",
        "2",
    )
    assert 'rel="next"' in headers["Link"] and 'rel="prev"' not in headers["Link"]
    second = get(client, f"page_size=3&page=2&snapshot={headers['X-Snapshot']}")
    assert ids(second) == [requests["sacre_coeur"]]
    assert second.headers["X-Result-Count"] == "4" and 'rel="prev"' in second.headers["Link"]
    assert ids(get(client, "page_size=3&page=3")) == []
    assert get(client, "page_size=3&page=3").headers["X-Result-Count"] == "4"
    assert ids(get(client, "page_size=3&page=0")) == ids(first)


def test_paging_never_shifts_while_new_requests_arrive(client, session, requests):
    first = get(client, "page_size=2")
    snapshot = first.headers["X-Snapshot"]
    make_request(session, age=timedelta(seconds=1))
    second = get(client, f"page_size=2&page=2&snapshot={snapshot}")
    assert ids(first) + ids(second) == [requests[n] for n in ("eiffel", "eiffel_closed", "notre_dame", "sacre_coeur")]
    next_link = first.headers["Link"].split('rel="first"')[1]
    assert f"snapshot={snapshot}" in next_link


def test_a_snapshot_the_client_gives_is_kept_even_the_largest(client, requests):
    largest = str(2**63 - 1)
    reply = get(client, f"page_size=2&snapshot={largest}")
    assert reply.headers["X-Snapshot"] == largest
    assert ids(reply) == [requests[n] for n in ("eiffel", "eiffel_closed")]


def test_links_keep_every_parameter_but_the_page_and_the_snapshot(client, requests):
    query = "page_size=1&service_code=5201&service_code=3602&start_date=2020-01-01T00%3A00%3A00%2B01%3A00&page=1"
    for _ in range(2):  # made once, then kept: the same both times
        reply = get(client, query)
        first = reply.headers["Link"].split(", ")[0]
        assert first == (
            "<http://localhost/open311/v2/requests.json?jurisdiction_id=paris.fr&page_size=1&service_code=5201&"
            "service_code=3602&start_date=2020-01-01T00%3A00%3A00%2B01%3A00&page=1&snapshot="
            f'{reply.headers["X-Snapshot"]}>; rel="first"'
        )


def test_default_cap_is_1000(client, session, requests):
    copy_request(session, make_request(session, age=timedelta(hours=5)), 1002)
    reply = get(client)
    assert len(reply.get_json()) == 1000
    assert reply.headers["X-Result-Count"] == "1007"


def test_other_jurisdictions_requests_are_not_listed(client, requests):
    reply = client.get("/open311/v2/requests.json?jurisdiction_id=nyc.gov")
    assert ids(reply) == [requests["new_york"]]

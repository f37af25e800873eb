"""A listing's statement is compiled once per shape (which filters, how many values each) and run with
each call's values: listings of the same shape but other values must never read the values of an earlier
one. Each listing below is checked against plain SQL over the raw rows of the realistic data set."""

# ruff: noqa: S608  (the references' SQL is built from this module's constants)

from __future__ import annotations

import pytest
from sqlalchemy import text

from open311.logic import request_search

SINCE, UNTIL = "2023-01-01T00:00:00+01:00", "2026-01-01T00:00:00+01:00"
WINDOW = f"r.requested_datetime >= '{SINCE}'::timestamptz AND r.requested_datetime <= '{UNTIL}'::timestamptz"
SERVICE = (
    "r.service_id IN (SELECT id FROM service WHERE service_code IN ({codes}) AND jurisdiction_id = r.jurisdiction_id)"
)
AREA = (
    "EXISTS (SELECT 1 FROM service_request_area AS x JOIN area AS a ON a.id = x.area_id"
    "        WHERE x.request_id = r.id AND a.code IN ({codes}))"
)

#: Pairs of the same shape with other values, then another length of the same filter.
CASES = [
    ({"service_code": "5201"}, SERVICE.format(codes="'5201'")),
    ({"service_code": "1002"}, SERVICE.format(codes="'1002'")),
    ({"service_code": "5201,1002"}, SERVICE.format(codes="'5201', '1002'")),
    ({"status": "open"}, "r.status = 'open'"),
    ({"status": "closed"}, "r.status = 'closed'"),
    ({"bbox": "2.30,48.84,2.37,48.88"}, "r.location && ST_MakeEnvelope(2.30, 48.84, 2.37, 48.88, 4326)"),
    ({"bbox": "2.25,48.81,2.31,48.85"}, "r.location && ST_MakeEnvelope(2.25, 48.81, 2.31, 48.85, 4326)"),
    ({"lat": "48.8584", "long": "2.2945", "radius": "900"},
     "ST_DWithin(r.location::geography, ST_SetSRID(ST_MakePoint(2.2945, 48.8584), 4326)::geography, 900)"),
    ({"lat": "48.8530", "long": "2.3499", "radius": "700"},
     "ST_DWithin(r.location::geography, ST_SetSRID(ST_MakePoint(2.3499, 48.8530), 4326)::geography, 700)"),
    ({"area": "11"}, AREA.format(codes="'11'")),
    ({"area": "7"}, AREA.format(codes="'7'")),
    ({"area": "7,11"}, AREA.format(codes="'7', '11'")),
]  # fmt: skip


def _listed(client, params: dict, page_size: int) -> tuple[list[str], int]:
    query = {
        "jurisdiction_id": "paris.fr",
        "start_date": SINCE,
        "end_date": UNTIL,
        "page_size": str(page_size),
        **params,
    }
    reply = client.get("/open311/v2/requests.json", query_string=query)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return [record["service_request_id"] for record in reply.get_json()], int(reply.headers["X-Result-Count"])


def _reference(connection, condition: str, page_size: int) -> tuple[list[str], int]:
    where = f"r.jurisdiction_id = (SELECT id FROM jurisdiction WHERE jurisdiction_id = 'paris.fr') AND {WINDOW} AND {condition}"
    rows = connection.execute(
        text(f"SELECT r.id::text FROM service_request r WHERE {where} ORDER BY r.requested_datetime DESC, r.id DESC")
    ).scalars()
    ids = list(rows)
    return ids[:page_size], len(ids)


@pytest.mark.parametrize("page_size", [1000, 7])
def test_listings_of_one_shape_read_their_own_values(dataset, page_size):
    connection, client = dataset
    for params, condition in CASES:
        listed, total = _listed(client, params, page_size)
        expected, expected_total = _reference(connection, condition, page_size)
        assert expected_total > 0, params  # each case selects something of the data set
        assert (listed, total) == (expected, expected_total), params


def test_a_shape_is_compiled_once(dataset):
    _connection, client = dataset
    _listed(client, {"service_code": "5201", "status": "open"}, 50)  # compiled here (or earlier)
    before = request_search._compiled_listing.cache_info()
    for codes, status in (("1002", "closed"), ("5201", "closed"), ("3405", "open")):
        _listed(client, {"service_code": codes, "status": status}, 50)
    after = request_search._compiled_listing.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (3, 0)
    _listed(client, {"service_code": "1002,3405", "status": "open"}, 50)  # two codes: another shape
    assert request_search._compiled_listing.cache_info().misses == after.misses + 1


def test_a_page_far_beyond_the_end_is_empty(dataset):
    """An offset past 2**31 (page 3,000,000 of 1,000) is a bigint: an empty page, as for any page past the end."""
    _connection, client = dataset
    listed, total = _listed(client, {"page": "3000000"}, 1000)
    assert listed == [] and total == _reference(_connection, "true", 1000)[1]


def test_a_list_of_ids_none_of_which_can_exist_matches_nothing(dataset):
    """Ids that are not request ids at all leave an empty list of values: it matches nothing (an empty
    list of parameters is no SQL)."""
    from sqlalchemy.orm import Session

    from open311.logic.jurisdictions import resolve_jurisdiction

    connection, _client = dataset
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        paris = resolve_jurisdiction(session, "paris.fr")
        page = request_search.search_requests(session, paris, request_search.RequestQuery(service_request_ids=["abc"]))
    assert (page.records, page.total) == ([], 0)

"""Every request endpoint x format x filter, successes and failures, against schemas/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ..conftest import EIFFEL_TOWER, POTHOLE
from ..factories import make_request
from .standard import assert_conforms

FORMATS = ["json", "xml"]

FILTERS = [
    "",
    "status=open",
    "status=open,closed",
    "service_code=5201,3602",
    "start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00%2B01:00",
    "updated_after=2020-01-01T00:00:00Z",
    "updated_before=2099-01-01T00:00:00Z",
    "bbox=2.28,48.85,2.31,48.87",
    "lat=48.8584&long=2.2945&radius=500",
    "agency_responsible=DVD-STV-SO",
    "area=7",
    "detailed_status=fixed,received",
    "page=2&page_size=1",
    "extensions=true",
    "service_request_id=1,2,3",
]


@pytest.fixture()
def some_requests(session):
    make_request(session, age=timedelta(days=1), description="Trou & <bosse> é")
    make_request(session, age=timedelta(days=2), detailed_status="fixed")
    make_request(session, service_code="3602", lon=2.3499, lat=48.8530)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", FILTERS)
def test_request_lists_conform(client, some_requests, fmt, query):
    reply = client.get(f"/open311/v2/requests.{fmt}?jurisdiction_id=paris.fr&{query}")
    assert reply.status_code == 200
    assert_conforms("service_requests", reply)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("extensions", ["false", "true"])
def test_single_request_conforms(client, session, fmt, extensions):
    request = make_request(session)
    reply = client.get(f"/open311/v2/requests/{request.id}.{fmt}?jurisdiction_id=paris.fr&extensions={extensions}")
    assert_conforms("service_requests", reply)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "fields",
    [
        POTHOLE,
        {"service_code": "1002", "attribute[OBJETS]": "matelas", **EIFFEL_TOWER},
        {"service_code": "11070", **EIFFEL_TOWER},
    ],
    ids=["realtime", "batch", "blackbox"],
)
def test_post_responses_conform(submit, fmt, fields):
    reply = submit(fmt, **fields, account_id="acc-1")
    assert reply.status_code == 200
    assert_conforms("post_service_request", reply)


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_response_conforms(client, submit, fmt):
    token = submit(service_code="1002", **{"attribute[OBJETS]": "matelas"}, **EIFFEL_TOWER).get_json()[0]["token"]
    assert_conforms("token", client.get(f"/open311/v2/tokens/{token}.{fmt}?jurisdiction_id=paris.fr"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/open311/v2/requests/999999.{fmt}?jurisdiction_id=paris.fr", 404),
        ("GET", "/open311/v2/tokens/unknown.{fmt}?jurisdiction_id=paris.fr", 404),
        ("GET", "/open311/v2/requests.{fmt}?jurisdiction_id=paris.fr&status=unknown", 400),
        ("GET", "/open311/v2/requests.{fmt}", 400),
        ("POST", "/open311/v2/requests.{fmt}", 400),
        ("DELETE", "/open311/v2/requests.{fmt}", 405),
    ],
)
def test_request_failures_conform(client, fmt, method, url, status):
    reply = client.open(url.format(fmt=fmt), method=method)
    assert reply.status_code == status
    assert_conforms("errors", reply)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fields", [{"api_key": None}, {"service_code": "nope"}, {"lat": "48.85", "long": None}])
def test_post_failures_conform(submit, fmt, fields):
    reply = submit(fmt, **{**POTHOLE, **fields})
    assert reply.status_code in (400, 403, 404)
    assert_conforms("errors", reply)

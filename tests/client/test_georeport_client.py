"""The `georeport` client from PyPI, over real HTTP, in both formats."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from georeport import GeoReport
from werkzeug.serving import make_server


@pytest.fixture()
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_list(base_url, fmt):
    client = GeoReport(base_url, jurisdiction="paris.fr", output_format=fmt)
    services = client.get_service_list()
    codes = [service["service_code"] for service in services]
    assert len(codes) == 49 and codes[0] == "1001" and "5201" in codes
    metadata = {s["service_code"]: s["metadata"] for s in services}
    assert metadata["5201"] in (True, "true")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(base_url, fmt):
    client = GeoReport(base_url, jurisdiction="paris.fr", output_format=fmt)
    definition = client.get_service_definition("5201")
    assert definition["service_code"] == "5201"
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict keeps the <attributes><attribute> nesting
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["TAILLE", "DANGER"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_reach_the_client_as_http_errors(base_url, fmt):
    import requests

    client = GeoReport(base_url, jurisdiction="paris.fr", output_format=fmt)
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_definition("no-such-code")
    assert raised.value.response.status_code == 404


def test_new_york_through_the_client(base_url):
    client = GeoReport(base_url, jurisdiction="nyc.gov")
    assert [s["service_code"] for s in client.get_service_list()][:2] == ["pothole", "streetlight"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_reads_requests_with_filters_and_one_request(base_url, session, fmt):
    from datetime import timedelta

    from ..factories import make_request

    kept = make_request(session, age=timedelta(days=1))
    make_request(session, age=timedelta(days=2), detailed_status="fixed")
    make_request(session, service_code="3602", lon=2.3499, lat=48.8530)
    client = GeoReport(base_url, jurisdiction="paris.fr", output_format=fmt)
    listed = client.get_service_requests(service_code="5201", status="open")
    if fmt == "xml" and isinstance(listed, dict):  # xmltodict gives a dict for a single <request>
        listed = [listed]
    assert str(kept.id) in [record["service_request_id"] for record in listed]
    assert all(record["status"] == "open" and record["service_code"] == "5201" for record in listed)
    by_id = client.get_service_requests(service_request_id=str(kept.id))
    assert (by_id[0] if isinstance(by_id, list) else by_id)["service_request_id"] == str(kept.id)
    one = client.get_service_request(str(kept.id))
    assert one["service_request_id"] == str(kept.id) and one["service_name"].startswith("Trottoirs")
    assert float(one["lat"]) == 48.8584


def test_reads_with_dates(base_url, session):
    from ..factories import make_request

    kept = make_request(session)
    client = GeoReport(base_url, jurisdiction="paris.fr")
    day = kept.requested_datetime
    listed = client.get_service_requests(
        start_date=(day.replace(microsecond=0)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # A minute after the start: "the same minute, second 59" missed a request made at hh:mm:59.5.
        end_date=(day.replace(microsecond=0) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert str(kept.id) in [record["service_request_id"] for record in listed]

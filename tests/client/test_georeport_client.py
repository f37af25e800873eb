"""The `georeport` client from PyPI, over real HTTP, in both formats."""

from __future__ import annotations

import threading

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

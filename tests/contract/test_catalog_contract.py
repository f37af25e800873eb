"""Every catalogue endpoint x format, successes and failures, against schemas/."""

from __future__ import annotations

import pytest

from .standard import assert_conforms

FORMATS = ["json", "xml"]

SUCCESSES = [
    ("discovery", "/open311/v2/discovery.{fmt}?jurisdiction_id=paris.fr"),
    ("discovery", "/open311/v2/discovery.{fmt}"),
    ("services", "/open311/v2/services.{fmt}?jurisdiction_id=paris.fr"),
    ("services", "/open311/v2/services.{fmt}?jurisdiction_id=nyc.gov"),
    ("service_definition", "/open311/v2/services/5201.{fmt}?jurisdiction_id=paris.fr"),
    ("service_definition", "/open311/v2/services/1002.{fmt}?jurisdiction_id=paris.fr"),
    ("service_definition", "/open311/v2/services/6010.{fmt}?jurisdiction_id=paris.fr"),
    ("service_definition", "/open311/v2/services/1001.{fmt}?jurisdiction_id=paris.fr"),
]

FAILURES = [
    (404, "/open311/v2/services/9999.{fmt}?jurisdiction_id=paris.fr"),
    (404, "/open311/v2/services.{fmt}?jurisdiction_id=unknown.example"),
    (400, "/open311/v2/services.{fmt}"),
    (404, "/open311/v2/discovery.{fmt}?jurisdiction_id=unknown.example"),
    (400, "/open311/v2/services/5201.{fmt}"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("response", "url"), SUCCESSES)
def test_success_conforms(client, fmt, response, url):
    reply = client.get(url.format(fmt=fmt))
    assert reply.status_code == 200
    assert_conforms(response, reply)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("status", "url"), FAILURES)
def test_failure_is_the_errors_document(client, fmt, status, url):
    reply = client.get(url.format(fmt=fmt))
    assert reply.status_code == status
    assert_conforms("errors", reply)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/open311/v2/services.yaml", 404),
        ("GET", "/open311/v2/services", 404),
        ("GET", "/open311/v2/no-such-resource.json", 404),
        ("GET", "/open311/v1/services.xml", 404),
        ("POST", "/open311/v2/services.xml", 405),
        ("DELETE", "/open311/v2/services/5201.json", 405),
    ],
)
def test_routing_failures_are_errors_documents(client, method, url, status):
    reply = client.open(url, method=method)
    assert reply.status_code == status
    assert_conforms("errors", reply)
    expected = "application/json" if url.endswith(".json") else "text/xml"
    assert reply.mimetype == expected

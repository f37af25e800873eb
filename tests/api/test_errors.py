"""Every failure under /open311/ is the spec's errors list, never HTML or a trace."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest


def test_crash_is_a_500_errors_document_without_trace(app, client, monkeypatch, caplog):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("open311.api.catalog.list_services", explode)
    reply = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr")
    assert reply.status_code == 500
    (error,) = reply.get_json()
    assert error["code"] == 500
    assert "secret" not in error["description"]
    assert "secret internal detail" in caplog.text


def test_crash_in_xml(client, monkeypatch):
    monkeypatch.setattr("open311.api.catalog.list_services", lambda *_a: 1 / 0)
    reply = client.get("/open311/v2/services.xml?jurisdiction_id=paris.fr")
    assert reply.status_code == 500
    assert reply.mimetype == "text/xml"
    assert ET.fromstring(reply.data).tag == "errors"


def test_unknown_suffix_answers_in_xml_naming_the_format(client):
    reply = client.get("/open311/v2/services.yaml")
    assert reply.status_code == 404
    assert reply.mimetype == "text/xml"
    root = ET.fromstring(reply.data)
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "Format 'yaml' is not supported: use .xml or .json."


def test_wrong_method_is_405_with_allow(client):
    reply = client.put("/open311/v2/services.json")
    assert reply.status_code == 405
    assert "GET" in reply.headers["Allow"]
    assert reply.get_json()[0]["description"] == "Method PUT is not allowed on /open311/v2/services.json."


def test_pages_outside_the_api_keep_flask_defaults(client):
    assert client.get("/docs").status_code == 200
    assert client.get("/docs").mimetype == "text/html"
    with client.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200
        assert asset.mimetype == "text/javascript"


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/services.json?jurisdiction_id=paris%00.fr",
        "/open311/v2/services/52%0001.json?jurisdiction_id=paris.fr",
        "/open311/v2/requests.xml?jurisdiction_id=paris.fr&service_code=%00",
    ],
)
def test_nul_characters_are_a_400_not_a_crash(client, url):
    reply = client.get(url)
    assert reply.status_code == 400
    assert b"must not contain the character U+0000, which XML cannot carry" in reply.data

"""Content-Type is exactly ``application/json`` or ``text/xml``: validators and clients compare it as a
string (RFC 8259 gives JSON no charset parameter; an XML document declares its own encoding)."""

from __future__ import annotations

import pytest

from ..factories import make_request

EXPECTED = {"json": "application/json", "xml": "text/xml"}

GETS = [
    "discovery.{fmt}?jurisdiction_id=paris.fr",
    "services.{fmt}?jurisdiction_id=paris.fr",
    "services/5201.{fmt}?jurisdiction_id=paris.fr",
    "requests.{fmt}?jurisdiction_id=paris.fr",
    "requests/{id}.{fmt}?jurisdiction_id=paris.fr",
    "servicerequestupdates.{fmt}?jurisdiction_id=paris.fr",
    # errors: 400, 404 (unknown resource, unknown id) and 405
    "services.{fmt}",
    "services/nope.{fmt}?jurisdiction_id=paris.fr",
    "requests/0.{fmt}?jurisdiction_id=paris.fr",
    "requests.{fmt}?jurisdiction_id=paris.fr&start_date=yesterday",
]


@pytest.mark.parametrize("cache_seconds", [0, 60])
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", GETS)
def test_exact_media_type_on_every_get(app, client, session, monkeypatch, cache_seconds, fmt, path):
    from open311.api.cache import CatalogCache

    monkeypatch.setitem(app.extensions, "open311.cache", CatalogCache(cache_seconds))
    request = make_request(session)
    url = "/open311/v2/" + path.format(fmt=fmt, id=request.id)
    for _ in range(2):  # the second answer of a cached document comes from the cache
        reply = client.get(url)
        assert reply.headers["Content-Type"] == EXPECTED[fmt], url


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_exact_media_type_on_post_and_on_method_errors(client, submit, fmt):
    from ..conftest import POTHOLE

    assert submit(fmt, **POTHOLE).headers["Content-Type"] == EXPECTED[fmt]
    assert submit(fmt).headers["Content-Type"] == EXPECTED[fmt]  # 400
    assert client.delete(f"/open311/v2/services.{fmt}").headers["Content-Type"] == EXPECTED[fmt]  # 405


def test_unknown_suffix_is_plain_text_xml(client):
    assert client.get("/open311/v2/services.yaml").headers["Content-Type"] == "text/xml"

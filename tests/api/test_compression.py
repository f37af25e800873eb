"""Compressed answers (Extension): zstd, br or gzip as the client asks, the same document once decoded."""

from __future__ import annotations

import gzip

import brotli
import pytest
import zstandard
from flask import Response
from lxml import etree

from open311.api.compression import add_vary

from ..conftest import POTHOLE

DECODE = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompress(data),
}
WIDE = "jurisdiction_id=paris.fr&start_date=2020-01-01T00:00:00Z&end_date=2030-01-01T00:00:00Z"


@pytest.fixture()
def listing(submit):
    """Enough requests for a listing of several kilobytes."""
    for index in range(8):
        assert (
            submit(**{**POTHOLE, "lat": str(48.8580 + index / 10_000), "description": "Nid de poule " * 20}).status_code
            == 200
        )
    return f"/open311/v2/requests.{{fmt}}?{WIDE}"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_each_coding_decodes_to_the_same_document(client, listing, fmt, coding):
    url = listing.format(fmt=fmt)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and len(plain.data) > 1024
    packed = client.get(url, headers={"Accept-Encoding": coding})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == coding
    assert packed.headers["Content-Type"] == plain.headers["Content-Type"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert DECODE[coding](packed.data) == plain.data
    assert packed.headers["ETag"] == plain.headers["ETag"]  # weak: the same document in any coding
    if fmt == "xml":
        assert etree.fromstring(DECODE[coding](packed.data)).tag == "service_requests"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip, deflate, br, zstd", "zstd"),  # browsers: all equal, ours is the fastest
        ("gzip, deflate", "gzip"),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", "br"),
        ("gzip;q=0.5, zstd;q=0.4", "gzip"),
        ("gzip;q=0", None),  # q=0 refuses a coding (RFC 9110 §12.5.3)
        ("zstd;q=0, GZIP", "gzip"),
        ("*", "gzip"),  # anything: the one every client decodes
        ("*, gzip;q=0", None),
        ("identity", None),
        ("", None),
    ],
)
def test_the_clients_preferences_decide(client, listing, accept, chosen):
    reply = client.get(listing.format(fmt="json"), headers={"Accept-Encoding": accept})
    assert reply.headers.get("Content-Encoding") == chosen


def test_small_answers_and_304s_go_as_they_are(client, listing):
    one = client.get("/open311/v2/services/5201.json?jurisdiction_id=paris.fr", headers={"Accept-Encoding": "gzip"})
    assert one.status_code == 200 and len(one.data) < 1024
    assert "Content-Encoding" not in one.headers
    first = client.get(listing.format(fmt="json"), headers={"Accept-Encoding": "gzip"})
    again = client.get(
        listing.format(fmt="json"), headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b"" and "Content-Encoding" not in again.headers


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_compressed_like_any_answer(client, fmt):
    """A long error (the path is quoted back) is compressed and decodes to the standard's errors list."""
    url = f"/open311/v2/{'x' * 1500}.{fmt}"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == plain.status_code == 404
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    if fmt == "json":
        assert plain.get_json()[0]["code"] == 404
    else:
        assert etree.fromstring(plain.data).tag == "errors"


def test_head_says_the_length_of_the_compressed_answer(client, listing):
    url = listing.format(fmt="json")
    got = client.get(url, headers={"Accept-Encoding": "zstd"})
    head = client.head(url, headers={"Accept-Encoding": "zstd"})
    assert (
        head.headers["Content-Encoding"] == "zstd" and head.headers["Content-Length"] == got.headers["Content-Length"]
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "Accept-Encoding"),
        ("Origin", "Origin, Accept-Encoding"),
        ("Origin, accept-encoding", "Origin, accept-encoding"),
        ("*", "*"),
        ("X-Accept-Encoding-Hint", "X-Accept-Encoding-Hint, Accept-Encoding"),
    ],
)
def test_vary_names_accept_encoding_once(before, after):
    response = Response(b"{}", content_type="application/json")
    if before is not None:
        response.headers["Vary"] = before
    add_vary(response, "Accept-Encoding")
    assert response.headers.getlist("Vary") == [after]


def test_a_services_listing_varies_on_its_language_origin_and_coding(client):
    reply = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr", headers={"Accept-Encoding": "gzip"})
    names = [part.strip() for part in reply.headers["Vary"].split(",")]
    assert sorted(names) == ["Accept-Encoding", "Accept-Language", "Origin"]

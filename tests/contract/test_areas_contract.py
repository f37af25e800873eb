"""Extension: GET areas.{json,xml,geojson} against schemas/ (areas, areas_geojson)."""

from __future__ import annotations

import json

import pytest

from .standard import SCHEMAS, assert_conforms, json_errors

SUCCESSES = [
    "/open311/v2/areas.{fmt}?jurisdiction_id=paris.fr",
    "/open311/v2/areas.{fmt}?jurisdiction_id=nyc.gov&layer=community_district",
    "/open311/v2/areas.{fmt}?jurisdiction_id=nyc.gov&lat=40.6437&long=-74.0736&service_code=pothole",
    "/open311/v2/areas.{fmt}?jurisdiction_id=paris.fr&lat=48.8584&long=2.2945",
    "/open311/v2/areas.{fmt}?jurisdiction_id=paris.fr&lat=51.5&long=-0.12&service_code=5201",
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("url", SUCCESSES)
def test_areas_conform(client, fmt, url):
    reply = client.get(url.format(fmt=fmt))
    assert reply.status_code == 200
    assert_conforms("areas", reply)


@pytest.mark.parametrize("url", SUCCESSES)
def test_areas_geojson_conforms(client, url):
    reply = client.get(url.format(fmt="geojson"))
    assert reply.status_code == 200
    assert reply.content_type == "application/geo+json"
    assert json_errors("areas_geojson", json.loads(reply.data)) == []


def test_geojson_example_is_valid_and_a_wrong_geometry_is_not():
    example = json.loads((SCHEMAS / "examples" / "areas.geojson").read_text())
    assert json_errors("areas_geojson", example) == []
    example["features"][0]["geometry"] = {"type": "Point", "coordinates": [2.3, 48.8]}
    assert json_errors("areas_geojson", example) != []


@pytest.mark.parametrize("fmt", ["json", "xml", "geojson"])
def test_failures_are_the_errors_document(client, fmt):
    reply = client.get(f"/open311/v2/areas.{fmt}?jurisdiction_id=paris.fr&lat=1")
    assert reply.status_code == 400
    assert_conforms("errors", reply)

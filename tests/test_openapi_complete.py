"""The OpenAPI document is complete: errors, extensions, multipart photos and every path served."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from open311 import create_app

DOCUMENT = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text())
SCHEMAS = DOCUMENT["components"]["schemas"]


def test_the_error_schema_is_defined_and_every_reference_resolves():
    assert set(SCHEMAS["Error"]["properties"]) == {"code", "description"}
    text = yaml.safe_dump(DOCUMENT)
    for line in text.splitlines():
        if "$ref: '#/components/" in line:
            kind, name = line.split("#/components/")[1].rstrip("'").split("/")
            assert name in DOCUMENT["components"][kind], line


def test_the_extensions_of_a_request_record_are_documented():
    record = SCHEMAS["ServiceRequest"]["properties"]
    assert "notes" in record and "extended_attributes" in record
    assert "parent_service_request_id" in SCHEMAS["ExtendedAttributes"]["properties"]
    assert set(SCHEMAS["Note"]["properties"]) >= {"datetime", "type", "description"}


def test_forms_with_a_photo_are_documented_as_multipart():
    for path in ("/open311/v2/requests.{fmt}", "/open311/v2/requests/{service_request_id}/updates.{fmt}"):
        content = DOCUMENT["paths"][path]["post"]["requestBody"]["content"]
        media = content["multipart/form-data"]["schema"]["allOf"][1]["properties"]["media"]
        assert media == {**media, "type": "string", "format": "binary"}


def test_every_operation_answers_json_and_xml_and_documents_its_refusals():
    for path, item in DOCUMENT["paths"].items():
        if not path.startswith("/open311/"):
            continue
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            if path.endswith(".{fmt}") and "/export/" not in path:
                assert set(responses["200"]["content"]) == {"application/json", "text/xml"}, (method, path)
            else:  # Extension: a single-format answer (GeoJSON, a vector tile, the bulk exports)
                assert responses["200"]["content"], (method, path)
            assert {"400", "403", "404", "429", "503"} <= set(responses), (method, path)
            assert "Retry-After" in responses["429"]["headers"] and "RateLimit" in responses["429"]["headers"]


def test_every_path_the_server_serves_is_documented(database_url_for_tests):
    app = create_app({"DATABASE_URL": database_url_for_tests})
    documented = set(DOCUMENT["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui") or "docs" in rule.rule:
            continue
        if rule.endpoint.startswith("dashboard."):  # the web page beside the API (README), not an operation
            continue
        path = re.sub(r"<(?:[^:>]+(?:\([^)]*\))?:)?([^>]+)>", r"{\1}", rule.rule)
        # The test endpoint serves the same methods under /open311/test/v2/, documented once.
        path = path.replace("/open311/test/v2/", "/open311/v2/")
        assert path in documented, rule.rule
    app.extensions["open311.db"].dispose()

"""Checking documents against the JSON Schemas and XSDs of schemas/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from lxml import etree
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
RESPONSES = (
    "discovery", "services", "service_definition", "service_requests", "post_service_request", "token", "errors",
    "service_request_updates", "statistics",
    "areas",
)  # fmt: skip


@cache
def _registry() -> Registry:
    resources = []
    for path in (SCHEMAS / "json").glob("*.schema.json"):
        document = json.loads(path.read_text())
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources)


@cache
def json_validator(response: str) -> Draft202012Validator:
    """The JSON Schema validator of one response type."""
    document = json.loads((SCHEMAS / "json" / f"{response}.schema.json").read_text())
    return Draft202012Validator(document, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def xml_schema(response: str) -> etree.XMLSchema:
    """The XSD of one response type."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "xsd" / f"{response}.xsd")))


def json_errors(response: str, document) -> list[str]:
    """Every way ``document`` breaks the JSON Schema of ``response``."""
    return [f"{list(error.absolute_path)}: {error.message}" for error in json_validator(response).iter_errors(document)]


def xml_errors(response: str, body: bytes) -> list[str]:
    """Every way ``body`` breaks the XSD of ``response`` (or is not well-formed XML)."""
    try:
        document = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"]
    schema = xml_schema(response)
    if schema.validate(document):
        return []
    return [str(error) for error in schema.error_log]


def assert_conforms(response: str, http_response) -> None:
    """An HTTP response is in its declared format (the exact media type, no parameter), UTF-8, and valid
    against ``response``'s schema."""
    media_type = http_response.headers["Content-Type"]
    assert media_type in ("application/json", "text/xml")
    http_response.data.decode("utf-8")
    if media_type == "application/json":
        assert json_errors(response, http_response.get_json()) == []
    else:
        assert media_type == "text/xml"
        assert http_response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        assert xml_errors(response, http_response.data) == []

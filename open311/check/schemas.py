"""The JSON Schemas and XSDs of ``schemas/``, shipped as package data (``open311/check/schemas``)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import as_file, files
from typing import Any

#: The response types ``schemas/`` describes.
RESPONSES = (
    "discovery",
    "services",
    "service_definition",
    "service_requests",
    "post_service_request",
    "token",
    "errors",
    "service_request_updates",
)


def _schemas_dir():
    return files(__package__) / "schemas"


@cache
def _json_validator(response: str):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    folder = _schemas_dir() / "json"
    resources = []
    for entry in folder.iterdir():
        if entry.name.endswith(".schema.json"):
            document = json.loads(entry.read_text(encoding="utf-8"))
            resources.append((document["$id"], Resource.from_contents(document)))
    schema = json.loads((folder / f"{response}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema, registry=Registry().with_resources(resources), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def _xml_schema(response: str):
    from lxml import etree

    with as_file(_schemas_dir() / "xsd") as folder:  # a real directory: the XSDs include common.xsd
        return etree.XMLSchema(etree.parse(str(folder / f"{response}.xsd")))


def json_errors(response: str, payload: Any, limit: int = 3) -> list[str]:
    """How ``payload`` breaks the JSON Schema of ``response`` (at most ``limit`` messages)."""
    errors = []
    for error in _json_validator(response).iter_errors(payload):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        errors.append(f"{where}: {error.message[:200]}")
        if len(errors) >= limit:
            break
    return errors


def xml_errors(response: str, root, limit: int = 3) -> list[str]:
    """How the XML element ``root`` breaks the XSD of ``response`` (at most ``limit`` messages)."""
    schema = _xml_schema(response)
    if schema.validate(root):
        return []
    return [f"line {error.line}: {error.message[:200]}" for error in list(schema.error_log)[:limit]]

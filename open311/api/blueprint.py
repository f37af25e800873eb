"""The GeoReport v2 blueprint, mounted at /open311/v2."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from ..errors import BadRequest
from ..formats import xml_illegal_character
from .args import Open311Parser

FORMAT_PARAMETER = {
    "in": "path",
    "name": "fmt",
    "description": "Response format: xml (text/xml) or json (application/json).",
}


XML_CONTENT = {
    "text/xml": {"schema": {"type": "string", "description": "The same document in XML (schemas/xsd/ in the project)."}}
}


def error_response_doc(description: str) -> dict:
    """An error response: the standard's ``errors`` list as JSON or XML."""
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}}},
            **XML_CONTENT,
        },
    }


def also_xml(status: int = 200):
    """Document that a response also exists as text/xml (the ``.xml`` suffix)."""
    return geo_report.doc(responses={status: {"content": XML_CONTENT}})


class GeoReportBlueprint(Blueprint):
    """A flask-smorest blueprint whose argument errors are 400s, as the standard says."""

    ARGUMENTS_PARSER = Open311Parser()


#: Extension: the test endpoint serves the same blueprint a second time, on each jurisdiction's sandbox twin.
SANDBOX_NAME = "georeport_test"
SANDBOX_PREFIX = "/open311/test/v2"

geo_report = GeoReportBlueprint(
    "georeport",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2. Every path takes a .xml or .json suffix.",
)


@geo_report.before_request
def refuse_characters_xml_cannot_carry():
    """No text of the standard can hold a character XML 1.0 cannot carry (NUL and the other C0 controls
    but tab, line feed and carriage return; PostgreSQL text cannot store NUL either): every text input,
    path, query string, form and multipart field names and values, is refused with a 400 naming the
    field, so that the JSON and XML answers always carry the same text."""
    posted = request.method == "POST"
    sources = [
        (request.view_args or {}).items(),
        request.args.items(multi=True),
        request.form.items(multi=True) if posted else (),
        ((name, "") for name in request.files) if posted else (),
    ]
    for source in sources:
        for key, value in source:
            bad = xml_illegal_character(key) or (isinstance(value, str) and xml_illegal_character(value))
            if bad:
                name = "".join(f"\\u{ord(c):04x}" if xml_illegal_character(c) else c for c in key)
                raise BadRequest(f"{name}: must not contain the character U+{ord(bad):04X}, which XML cannot carry")

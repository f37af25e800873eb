"""The GeoReport v2 blueprint, mounted at /open311/v2."""

from __future__ import annotations

from flask_smorest import Blueprint

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


geo_report = GeoReportBlueprint(
    "georeport",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2. Every path takes a .xml or .json suffix.",
)


@geo_report.before_request
def refuse_nul_characters():
    """No text of the standard can hold a NUL character (and PostgreSQL text cannot store one)."""
    from flask import request

    from ..errors import BadRequest

    sources = [request.view_args or {}, request.args, request.form if request.method == "POST" else {}]
    for source in sources:
        for key, value in source.items(multi=True) if hasattr(source, "getlist") else source.items():
            if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                raise BadRequest(f"{key.replace(chr(0), '')}: must not contain NUL characters")

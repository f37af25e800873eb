"""The GeoReport v2 blueprint, mounted at /open311/v2."""

from __future__ import annotations

from flask_smorest import Blueprint

from .args import Open311Parser

FORMAT_PARAMETER = {
    "in": "path",
    "name": "fmt",
    "description": "Response format: xml (text/xml) or json (application/json).",
}


class GeoReportBlueprint(Blueprint):
    """A flask-smorest blueprint whose argument errors are 400s, as the standard says."""

    ARGUMENTS_PARSER = Open311Parser()


geo_report = GeoReportBlueprint(
    "georeport",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2. Every path takes a .xml or .json suffix.",
)

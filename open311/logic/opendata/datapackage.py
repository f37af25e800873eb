"""Extension: the Frictionless Data Package (https://datapackage.org) describing the exports, served at
``export/datapackage.json`` and written beside the monthly files by ``open311 export``.

The CSV and NDJSON files are tabular resources with the export's Table Schema (the same column list);
the GeoJSON files are JSON resources (a FeatureCollection whose properties are the same columns).
"""

from __future__ import annotations

import re
from datetime import datetime

from ...formats import format_datetime
from ...models import Jurisdiction
from .columns import RequestColumns

#: What each format's resource says of itself.
RESOURCE_FORMATS = {
    "csv": {
        "format": "csv",
        "mediatype": "text/csv",
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "header": True},
        "tabular": True,
    },
    "ndjson": {"format": "ndjson", "mediatype": "application/x-ndjson", "tabular": True},
    "geojson": {"format": "geojson", "mediatype": "application/geo+json", "tabular": False},
}


def table_schema(columns: RequestColumns) -> dict:
    """The Table Schema of the requests' exports."""
    fields = []
    for column in columns.columns:
        field = {"name": column.name, "type": column.type, "description": column.description}
        if column.type == "datetime":
            field["format"] = "any"  # ISO 8601 with an offset: 2024-03-06T10:00:00+01:00
        fields.append(field)
    return {"fields": fields, "primaryKey": ["service_request_id"], "missingValues": [""]}


def resource_name(*parts: str) -> str:
    """A resource name as the standard wants it: lower case letters, digits, '-', '_' and '.'."""
    return re.sub(r"[^a-z0-9._-]+", "-", "-".join(parts).lower()).strip("-")


def resource(name: str, path: str, fmt: str, schema: dict, **more) -> dict:
    """One resource: a file (relative path) or a URL, in ``fmt``, described by ``schema`` if tabular."""
    described = {key: value for key, value in RESOURCE_FORMATS[fmt].items() if key != "tabular"}
    entry = {"name": name, "path": path, **described, "encoding": "utf-8", **more}
    if RESOURCE_FORMATS[fmt]["tabular"]:
        entry["schema"] = schema
    return entry


def datapackage(jurisdiction: Jurisdiction, resources: list[dict], created: datetime) -> dict:
    """The package of ``resources`` of the jurisdiction's requests."""
    package = {
        "name": resource_name(jurisdiction.jurisdiction_id, "service-requests"),
        "title": f"Service requests: {jurisdiction.name}",
        "description": (
            f"Every service request of {jurisdiction.name} in the GeoReport Bulk columns and more, with the "
            "privacy transform applied (e-mail addresses and phone numbers removed from the texts) and the "
            "city's publication settings (categories kept out, points blurred, photos withheld). "
            "Columns are described in the schema; the server's docs/open-data.md says more."
        ),
        "homepage": jurisdiction.key_service if jurisdiction.key_service.startswith("http") else None,
        "licenses": [jurisdiction.open_data_licence] if jurisdiction.open_data_licence else None,
        "contributors": [{"title": jurisdiction.name, "role": "publisher"}],
        "created": format_datetime(created),
        "resources": resources,
    }
    return {key: value for key, value in package.items() if value is not None}

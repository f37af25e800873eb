"""Extension: open data over HTTP. GET requests.geojson (the listing as GeoJSON), the bulk exports
export/requests.{csv,geojson,ndjson}, the staff export of updates and the Data Package describing them.

Errors of these URLs are the standard's ``errors`` list in JSON (the formats have no error document
of their own). Exports stream; they answer 304 Not Modified to a harvester whose ``If-None-Match`` or
``If-Modified-Since`` says it has them already, and are gzipped when the client accepts it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from flask import Response, request, stream_with_context, url_for
from flask.views import MethodView
from marshmallow import fields
from werkzeug.http import is_resource_modified

from ..db import detach_session, get_session
from ..logic.api_keys import authenticate
from ..logic.opendata.datapackage import datapackage, resource, resource_name, table_schema
from ..logic.opendata.export import (
    FORMATS,
    MEDIA_TYPES,
    Export,
    RequestExport,
    exported_jurisdiction,
    point_geometry,
    request_columns,
)
from ..logic.opendata.history_export import UpdateExport
from ..logic.request_search import search_requests
from .args import JurisdictionArgs, RequestsArgs, W3CDateTime
from .blueprint import geo_report
from .cache import catalog_cache
from .catalog import current_jurisdiction
from .requests import PAGING_HEADERS, current_publication, paging_headers, request_query

GEOJSON = "application/geo+json"
EXPORT_HEADERS = {
    "ETag": {"description": "Changes whenever the export's content does.", "schema": {"type": "string"}},
    "Last-Modified": {"description": "The latest change of the exported data.", "schema": {"type": "string"}},
    "X-Result-Count": {"description": "How many rows the export holds.", "schema": {"type": "integer"}},
}


def _documented(content: dict[str, dict], headers: dict | None = None) -> dict:
    responses = {
        200: {"description": "The data.", "content": content, **({"headers": headers} if headers else {})},
        "default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
    }
    return {"responses": responses}


def _text(description: str) -> dict:
    return {"schema": {"type": "string", "description": description}}


def _object(description: str) -> dict:
    return {"schema": {"type": "object", "description": description}}


class ExportArgs(RequestsArgs):
    """The listing's filters (no paging): no 90-day window and no row cap."""

    class Meta(RequestsArgs.Meta):
        exclude = ("page", "page_size", "snapshot", "extensions")


class UpdatesExportArgs(JurisdictionArgs):
    """The staff export of updates."""

    api_key = fields.String(required=True, metadata={"description": "A staff key."})
    start_date = W3CDateTime(metadata={"description": "Changes made at or after (default: all)."})
    end_date = W3CDateTime(metadata={"description": "Changes made at or before (default: all)."})


@geo_report.route("/requests.geojson")
class RequestsGeoJSON(MethodView):
    """Extension: GET Service Requests as a GeoJSON FeatureCollection."""

    @geo_report.arguments(RequestsArgs(), location="query")
    @geo_report.doc(**_documented({GEOJSON: _object("A FeatureCollection of the records.")}, PAGING_HEADERS))
    def get(self, args):
        """Extension: the listing (same filters, paging and limits) as Features whose properties are the records."""
        jurisdiction = current_jurisdiction(args)
        page = search_requests(
            get_session(), jurisdiction, request_query(args), counts=catalog_cache().get_or_make,
            published=current_publication(jurisdiction),
        )  # fmt: skip
        features = [
            {"type": "Feature", "geometry": point_geometry(record), "properties": record} for record in page.records
        ]
        body = orjson.dumps({"type": "FeatureCollection", "features": features})
        return Response(body, content_type=GEOJSON, headers=paging_headers(page))


def _streamed(export: Export, fmt: str, filename: str) -> Response:
    """The export's response: 304 when the client has it already, else the rows, streamed."""
    try:
        validator = export.validator()
    except BaseException:
        export.close()
        raise
    gzip = request.accept_encodings["gzip"] > 0
    etag = f"{fmt}-{validator.etag}" + ("-gzip" if gzip else "")
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": "no-cache",  # revalidate: a 304 costs one pass over the index, not the rows
        "Vary": "Accept-Encoding",
        "X-Result-Count": str(validator.count),
    }
    if validator.last_modified is not None:
        headers["Last-Modified"] = validator.last_modified.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    if not is_resource_modified(request.environ, etag=etag, last_modified=validator.last_modified):
        export.close()
        return Response(status=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    headers["X-Accel-Buffering"] = "no"  # a proxy in front should pass the rows on as they come
    if gzip:
        headers["Content-Encoding"] = "gzip"
    body = stream_with_context(export.stream(fmt, gzip=gzip))
    return Response(body, content_type=MEDIA_TYPES[fmt], headers=headers, direct_passthrough=True)


@geo_report.route("/export/requests.<any(csv, geojson, ndjson):fmt>")
class ExportRequests(MethodView):
    """Extension: the bulk export of requests, at any size."""

    @geo_report.arguments(ExportArgs(), location="query")
    @geo_report.doc(
        **_documented(
            {
                "text/csv": _text("RFC 4180 CSV, UTF-8, with a header line."),
                "application/x-ndjson": _text("One JSON object a line."),
                GEOJSON: _object("A FeatureCollection."),
            },
            EXPORT_HEADERS,
        )
    )
    def get(self, args, fmt):
        """Extension: every request matching the filters (those of GET requests, without its 90-day window
        and row cap), privacy transform and publication settings applied, in service_request_id order."""
        jurisdiction = current_jurisdiction(args)
        session = detach_session()
        try:
            export = RequestExport(session, jurisdiction, request_query(args))
        except BaseException:
            session.close()
            raise
        return _streamed(export, fmt, f"{resource_name(jurisdiction.jurisdiction_id, 'requests')}.{fmt}")


@geo_report.route("/export/updates.csv")
class ExportUpdates(MethodView):
    """Extension: the history of updates, for staff."""

    @geo_report.arguments(UpdatesExportArgs(), location="query")
    @geo_report.doc(**_documented({"text/csv": _text("RFC 4180 CSV, UTF-8, with a header line.")}, EXPORT_HEADERS))
    def get(self, args):
        """Extension: every change of the jurisdiction's requests, with who made it and the original notes
        (staff keys)."""
        jurisdiction = current_jurisdiction(args)
        key = authenticate(get_session(), args["api_key"], jurisdiction)
        session = detach_session()
        try:
            export = UpdateExport(session, jurisdiction, key, args.get("start_date"), args.get("end_date"))
        except BaseException:
            session.close()
            raise
        return _streamed(export, "csv", f"{resource_name(jurisdiction.jurisdiction_id, 'updates')}.csv")


@geo_report.route("/export/datapackage.json")
class ExportDataPackage(MethodView):
    """Extension: the Frictionless Data Package describing the exports."""

    @geo_report.arguments(JurisdictionArgs(), location="query")
    @geo_report.doc(**_documented({"application/json": _object("A Frictionless Data Package.")}))
    def get(self, args):
        """Extension: the exports of the jurisdiction (CSV, NDJSON, GeoJSON URLs) with their Table Schema."""
        jurisdiction = exported_jurisdiction(current_jurisdiction(args))
        schema = table_schema(request_columns(get_session(), jurisdiction))
        resources = []
        for fmt in FORMATS:
            url = url_for(
                "georeport.ExportRequests", fmt=fmt, jurisdiction_id=jurisdiction.jurisdiction_id, _external=True
            )
            resources.append(resource(resource_name("requests", fmt), url, fmt, schema))
        package = datapackage(jurisdiction, resources, datetime.now(UTC))
        return Response(orjson.dumps(package), content_type="application/json")

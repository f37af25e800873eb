"""Extension: GET hotspots.geojson and GET tiles/{z}/{x}/{y}.mvt — the requests of a filter on a map.

Answers are kept with the data version they were computed at (the jurisdiction's listings' change
counter), per worker and shared by the host's workers (map_cache.py): a repeated map or tile costs one
small query; after a change commits, it is computed anew once it is a minute old.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Response, current_app
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from ...db import get_session
from ...logic.insight.hotspots import Clustering, clusters, hexagons
from ...logic.insight.map_cache import MapCache
from ...logic.insight.maps import DEFAULT_DAYS, MapQuery, data_version
from ...logic.insight.tiles import tile
from ...logic.request_search import ValueCache
from ..blueprint import geo_report
from ..cache import catalog_cache
from ..catalog import current_jurisdiction
from ..requests import request_filters
from .args import DayOrDateTime, InsightFilterArgs

GEOJSON = "application/geo+json"
MVT = "application/vnd.mapbox-vector-tile"
WINDOW = (
    f"Default: today and the {DEFAULT_DAYS - 1} days before (whole days of the jurisdiction's time zone); "
    "no 90-day limit."
)


class MapArgs(InsightFilterArgs):
    """Extension: the requests a map shows."""

    start_date = DayOrDateTime(metadata={"description": f"Extension: first day of requested_datetime. {WINDOW}"})
    end_date = DayOrDateTime(metadata={"description": "Extension: last day of requested_datetime (default today)."})


class HotspotsArgs(MapArgs):
    """Extension: GET hotspots."""

    cell = fields.Float(
        validate=validate.Range(min=10, max=100_000),
        metadata={"description": "Extension: hexagon edge in metres on the ground (default 250)."},
    )
    zoom = fields.Integer(
        validate=validate.Range(min=0, max=24),
        metadata={"description": "Extension: map zoom; hexagons of 16 pixels of edge there (instead of cell)."},
    )
    clusters = fields.Boolean(
        load_default=False, metadata={"description": "Extension: density clusters (DBSCAN) instead of hexagons."}
    )
    eps = fields.Float(
        validate=validate.Range(min=1, max=5000),
        metadata={"description": "Extension: clusters: neighbourhood radius in metres (default 30)."},
    )
    min_points = fields.Integer(
        validate=validate.Range(min=2, max=100_000),
        metadata={"description": "Extension: clusters: fewest requests of a cluster (default 10)."},
    )

    @validates_schema
    def _one_size(self, data, **kwargs):
        if "cell" in data and "zoom" in data:
            raise ValidationError("give cell or zoom, not both", "cell")


def _cached(key: tuple, jurisdiction, make: Callable[[ValueCache], bytes]) -> bytes:
    """``make(lookups)``, kept for the jurisdiction's data version (and served up to a minute after it
    moved), in the worker and in files shared by the host's workers (not when the catalogue cache is off,
    e.g. in tests). ``lookups`` is the catalogue cache for the city file's current load: a map kept for
    every worker never holds names or ids of the load before. The key names this server's code and
    settings too: a new release does not serve the maps of the one before."""
    catalog = catalog_cache()
    if not catalog.enabled:
        return make(catalog.get_or_make)
    cache = current_app.extensions.get("open311.insight_maps")
    if cache is None:
        directory = Path(current_app.config["VAR_DIR"]) / "cache" / "maps"
        cache = current_app.extensions.setdefault("open311.insight_maps", MapCache(directory))
    database, version, changeset, day = data_version(get_session(), jurisdiction)

    def lookups(lookup_key: tuple, read):
        return catalog.get_or_make((*lookup_key, changeset), read)

    representation = current_app.extensions["open311.representation"]
    return cache.get_or_make((*key, database, changeset, day, representation), version, lambda: make(lookups))


def _map_query(args: dict) -> MapQuery:
    return MapQuery(request_filters(args), args.get("group", []), args.get("start_date"), args.get("end_date"))


FEATURES = {"type": "object", "description": "A GeoJSON FeatureCollection."}


@geo_report.route("/hotspots.geojson")
class Hotspots(MethodView):
    """Extension: where the requests concentrate."""

    @geo_report.arguments(HotspotsArgs(), location="query")
    @geo_report.response(200)
    @geo_report.doc(responses={200: {"content": {GEOJSON: {"schema": FEATURES}}}})
    def get(self, args):
        """Extension: the requests of the filter per hexagon (PostGIS's hexagon tiling), each with ``count`` and
        ``top_categories`` (at most 3 {service_code, service_name, count}, largest first); with
        ``clusters=true``, Point features at the centroid of each density cluster (ST_ClusterDBSCAN) with
        ``count``, ``radius_m`` and ``top_categories``. Maps draw published services only, each request at
        its published point (a blurred service's at the point of its blur cell). Changes show within a
        minute."""
        jurisdiction = current_jurisdiction(args)
        session = get_session()
        query = _map_query(args)
        if args["clusters"]:
            clustering = Clustering(args.get("eps") or 30.0, args.get("min_points") or 10)
            key = ("clusters", jurisdiction.id, query.key(), clustering)
            body = _cached(
                key, jurisdiction, lambda lookups: clusters(session, jurisdiction, query, clustering, cache=lookups)
            )
        else:
            key = ("hexagons", jurisdiction.id, query.key(), args.get("cell"), args.get("zoom"))
            body = _cached(
                key,
                jurisdiction,
                lambda lookups: hexagons(
                    session, jurisdiction, query, cell_metres=args.get("cell"), zoom=args.get("zoom"), cache=lookups
                ),
            )
        return Response(body, content_type=GEOJSON)


@geo_report.route("/tiles/<int:z>/<int:x>/<int:y>.mvt")
class Tiles(MethodView):
    """Extension: vector tiles of the requests."""

    @geo_report.arguments(MapArgs(), location="query")
    @geo_report.response(200)
    @geo_report.doc(responses={200: {"content": {MVT: {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args, z, x, y):
        """Extension: a Mapbox Vector Tile of the requests of the filter: below zoom 15, layer ``hexagons``
        (polygons of 16 pixels of edge with ``count``); from zoom 15, layer ``requests`` (points with
        ``service_request_id``, ``service_code``, ``status``; published services only). Changes show within
        a minute."""
        jurisdiction = current_jurisdiction(args)
        session = get_session()
        query = _map_query(args)
        key = ("tile", jurisdiction.id, query.key(), z, x, y)
        body = _cached(key, jurisdiction, lambda lookups: tile(session, jurisdiction, query, z, x, y, cache=lookups))
        return Response(body, content_type=MVT)

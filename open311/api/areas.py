"""HTTP side of the areas (Extension): GET areas.{json,xml,geojson} and the point lookup."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validates_schema

from ..db import get_session
from ..formats import MEDIA_TYPES, render, render_json
from ..logic.areas import areas_at_point, areas_geojson, check_layer, list_areas
from ..logic.catalog import find_service
from .args import LAT, LONG, JurisdictionArgs
from .blueprint import FORMAT_PARAMETER, also_xml, geo_report
from .cache import catalog_cache
from .catalog import cached_document, current_jurisdiction

GEOJSON = "application/geo+json"


class AreasArgs(JurisdictionArgs):
    """Extension: GET areas; with ``lat`` and ``long``, the areas holding the point."""

    layer = fields.String(metadata={"description": "Extension: only the areas of this layer (its code)."})
    lat = fields.Float(validate=LAT, metadata={"description": "Extension: latitude of a point to look up (WGS84)."})
    long = fields.Float(validate=LONG, metadata={"description": "Extension: longitude of a point to look up."})
    service_code = fields.String(
        metadata={
            "description": "Extension: with lat and long, also name the department a report of this service "
            "sent from the point would be routed to."
        }
    )

    @validates_schema
    def point_is_whole(self, data, **_kwargs):
        """lat and long go together; service_code needs them."""
        if ("lat" in data) != ("long" in data):
            missing = "long" if "lat" in data else "lat"
            raise ValidationError("lat and long must both be sent", missing)
        if "service_code" in data and "lat" not in data:
            raise ValidationError("needs lat and long (the point to route a report from)", "service_code")


class AreaSchema(Schema):
    """Extension: one ``area`` of a jurisdiction."""

    layer = fields.String(required=True, metadata={"description": "The layer's code (e.g. arrondissement)."})
    layer_name = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "The area's code, as the `area` filters take it."})
    name = fields.String(required=True)
    km2 = fields.Float(required=True, metadata={"description": "Surface in km² (WGS84 spheroid), three decimals."})
    agency_responsible = fields.String(
        allow_none=True,
        metadata={"description": "Point lookup with service_code only: code of the department a report goes to."},
    )
    agency_name = fields.String(
        allow_none=True, metadata={"description": "Point lookup with service_code only: that department's name."}
    )


class AreaFeatureSchema(Schema):
    """Extension: one area as a GeoJSON Feature (geometry simplified for a map)."""

    type = fields.String(required=True, metadata={"enum": ["Feature"]})
    id = fields.String(required=True, metadata={"description": "layer:code"})
    geometry = fields.Dict(required=True, metadata={"description": "A GeoJSON MultiPolygon (WGS84)."})
    properties = fields.Nested(AreaSchema, required=True)


class AreaCollectionSchema(Schema):
    """Extension: the areas as a GeoJSON FeatureCollection."""

    type = fields.String(required=True, metadata={"enum": ["FeatureCollection"]})
    features = fields.List(fields.Nested(AreaFeatureSchema), required=True)


def _lookup(jurisdiction, args: dict) -> list[dict] | None:
    """The areas holding the asked point (None when no point is asked), of one layer when asked."""
    if "lat" not in args:
        return None
    session = get_session()
    check_layer(session, jurisdiction, args.get("layer"))
    service = find_service(session, jurisdiction, args["service_code"]) if "service_code" in args else None
    found = areas_at_point(session, jurisdiction, args["long"], args["lat"], service)
    return [area for area in found if args.get("layer") in (None, area["layer"])]


@geo_report.route("/areas.<fmt:fmt>", parameters=[FORMAT_PARAMETER])
class Areas(MethodView):
    """Extension: the jurisdiction's areas."""

    @geo_report.arguments(AreasArgs(), location="query")
    @also_xml(200)
    @geo_report.response(200, AreaSchema(many=True))
    def get(self, args, fmt):
        """Extension: every area (layer, code, name, km²); with lat and long, the areas holding the point.

        Outside every area the list is empty. With ``service_code`` too, each area names the department
        (``agency_responsible``, ``agency_name``) a report of that service sent from the point would go to.
        """
        jurisdiction = current_jurisdiction(args)
        found = _lookup(jurisdiction, args)
        if found is not None:
            return Response(render(fmt, "areas", found), content_type=MEDIA_TYPES[fmt])
        return cached_document(
            fmt, "areas", ("areas", jurisdiction.id, args.get("layer")),
            lambda: list_areas(get_session(), jurisdiction, args.get("layer")),
        )  # fmt: skip


@geo_report.route("/areas.geojson")
class AreasGeoJSON(MethodView):
    """Extension: the jurisdiction's areas as a map."""

    @geo_report.arguments(AreasArgs(), location="query")
    @geo_report.response(200, AreaCollectionSchema, content_type=GEOJSON)
    def get(self, args):
        """Extension: the areas as GeoJSON (simplified for a map); with lat and long, those holding the point."""
        jurisdiction = current_jurisdiction(args)
        collection = catalog_cache().get_or_make(
            ("areas.geojson", jurisdiction.id, args.get("layer")),
            lambda: areas_geojson(get_session(), jurisdiction, args.get("layer")),
        )
        found = _lookup(jurisdiction, args)
        if found is not None:
            wanted = {(area["layer"], area["code"]): area for area in found}
            features = [
                {**feature, "properties": wanted[key]}
                for feature in collection["features"]
                if (key := (feature["properties"]["layer"], feature["properties"]["code"])) in wanted
            ]
            collection = {"type": "FeatureCollection", "features": features}
        return Response(render_json(collection), content_type=GEOJSON)

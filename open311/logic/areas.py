"""Extension: the areas of a jurisdiction as data, and "which area and department for this point".

The list gives each area's layer, code, name and surface (km² on the WGS84 spheroid). The map
version simplifies each layer as a coverage (shared borders stay shared: no gaps or slivers between
neighbours) to about :data:`SIMPLIFY_DEGREES`. The point lookup goes through the placement and routing
of a POST (:mod:`.assignment`), so its answer is the one a report sent from there would get.
"""

from __future__ import annotations

import numpy as np
import shapely
from geoalchemy2 import Geography
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Numeric, Select, cast, func, select
from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..models import Area, AreaLayer, Department, Jurisdiction, Service
from .assignment import areas_at, place, routed_department_id

#: Simplification of the map's polygons, in degrees (1e-4: about 11 m north-south, 7 m east-west in Paris).
SIMPLIFY_DEGREES = 1e-4
#: Decimals kept in the map's coordinates (6: about 0.1 m).
COORDINATE_DECIMALS = 6

#: The fields of one area, in order.
AREA_FIELDS = ("layer", "layer_name", "code", "name", "km2")


def _areas(jurisdiction: Jurisdiction, *extra) -> Select:
    km2 = func.round(cast(func.ST_Area(cast(Area.geom, Geography)) / 1_000_000, Numeric), 3)
    return (
        select(AreaLayer.code, AreaLayer.name, Area.code, Area.name, km2, *extra)
        .join(AreaLayer, Area.layer_id == AreaLayer.id)
        .where(AreaLayer.jurisdiction_id == jurisdiction.id)
        .order_by(AreaLayer.rank, Area.code)
    )


def _record(row) -> dict:
    record = dict(zip(AREA_FIELDS, row[: len(AREA_FIELDS)], strict=True))
    record["km2"] = float(record["km2"])
    return record


def check_layer(session: Session, jurisdiction: Jurisdiction, layer: str | None) -> None:
    """400 when ``layer`` names no layer of the jurisdiction (the message lists the layers)."""
    if layer is None:
        return
    codes = list(
        session.scalars(
            select(AreaLayer.code).where(AreaLayer.jurisdiction_id == jurisdiction.id).order_by(AreaLayer.rank)
        )
    )
    if layer not in codes:
        raise BadRequest(f"layer: unknown layer '{layer}' (layers: {', '.join(codes) or 'none'})")


def list_areas(session: Session, jurisdiction: Jurisdiction, layer: str | None = None) -> list[dict]:
    """Every area of the jurisdiction (or of one ``layer``), least specific layer first, then by code."""
    check_layer(session, jurisdiction, layer)
    query = _areas(jurisdiction)
    if layer is not None:
        query = query.where(AreaLayer.code == layer)
    return [_record(row) for row in session.execute(query)]


def _simplified(geometries: list) -> list:
    """The polygons of one layer simplified together when they tile (a coverage), one by one otherwise."""
    array = np.array(geometries, dtype=object)
    if len(array) > 1 and shapely.coverage_is_valid(array):
        simplified = shapely.coverage_simplify(array, SIMPLIFY_DEGREES)
    else:
        simplified = shapely.simplify(array, SIMPLIFY_DEGREES, preserve_topology=True)
    return [
        _multipolygon(shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS)), original)
        for geometry, original in zip(simplified.tolist(), geometries, strict=True)
    ]


def _multipolygon(geometry, original) -> MultiPolygon:
    """The polygons of a simplified geometry as a MultiPolygon (the original when nothing is left)."""
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    elif not isinstance(geometry, MultiPolygon):
        parts = [part for part in getattr(geometry, "geoms", ()) if isinstance(part, Polygon) and not part.is_empty]
        geometry = MultiPolygon(parts)
    return geometry if not geometry.is_empty else original


def areas_geojson(session: Session, jurisdiction: Jurisdiction, layer: str | None = None) -> dict:
    """A GeoJSON FeatureCollection of the areas (properties as :func:`list_areas`), simplified for a map."""
    check_layer(session, jurisdiction, layer)
    query = _areas(jurisdiction, Area.geom)
    if layer is not None:
        query = query.where(AreaLayer.code == layer)
    rows = session.execute(query).all()
    features = []
    for layer_code in dict.fromkeys(row[0] for row in rows):
        members = [row for row in rows if row[0] == layer_code]
        shapes = _simplified([to_shape(row[-1]) for row in members])
        for row, geometry in zip(members, shapes, strict=True):
            record = _record(row)
            features.append(
                {
                    "type": "Feature",
                    "id": f"{record['layer']}:{record['code']}",
                    "geometry": shapely.geometry.mapping(geometry),
                    "properties": record,
                }
            )
    return {"type": "FeatureCollection", "features": features}


def areas_at_point(
    session: Session, jurisdiction: Jurisdiction, longitude: float, latitude: float, service: Service | None = None
) -> list[dict]:
    """The area of each layer holding the point, least specific first; an empty list outside every area.

    With a ``service``, each area also names the department (``agency_responsible``: its code,
    ``agency_name``) that a report of that service sent from the point would be routed to, by the
    same placement and routing as POST requests.
    """
    department = None
    if service is None:
        area_ids = [area.id for area in areas_at(session, jurisdiction, longitude, latitude)]
    else:
        placement = place(session, jurisdiction, service, longitude, latitude)
        area_ids = [area_id for area_id, _layer_id in placement.areas]
        department_id = routed_department_id(jurisdiction, service, placement)
        department = session.get(Department, department_id) if department_id is not None else None
    if not area_ids:
        return []
    records = [_record(row) for row in session.execute(_areas(jurisdiction).where(Area.id.in_(area_ids)))]
    if service is not None:
        for record in records:
            record["agency_responsible"] = department.code if department else None
            record["agency_name"] = department.name if department else None
    return records

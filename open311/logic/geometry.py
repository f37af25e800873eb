"""Checking and normalising area geometries with Shapely."""

from __future__ import annotations

from shapely import make_valid
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry


class GeometryProblem(ValueError):
    """A geometry that cannot become a valid MultiPolygon."""


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, (MultiPolygon, GeometryCollection)):
        return [part for child in geometry.geoms for part in _polygons(child)]
    return []


def to_multipolygon(geojson_geometry: dict | None) -> tuple[MultiPolygon, bool]:
    """A valid MultiPolygon from a GeoJSON geometry, and whether it had to be repaired.

    Polygons become MultiPolygons; an invalid geometry is repaired with ``make_valid`` and keeps
    its polygonal parts. Anything without an area raises GeometryProblem.
    """
    if not geojson_geometry:
        raise GeometryProblem("the feature has no geometry")
    try:
        geometry = shape(geojson_geometry)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise GeometryProblem(f"unreadable geometry: {exc}") from exc
    if geometry.geom_type not in {"Polygon", "MultiPolygon"}:
        raise GeometryProblem(f"a {geometry.geom_type} is not an area (Polygon or MultiPolygon expected)")
    repaired = not geometry.is_valid
    if repaired:
        geometry = make_valid(geometry)
    polygons = _polygons(geometry)
    if not polygons:
        raise GeometryProblem("the geometry has no area once repaired")
    result = MultiPolygon(polygons)
    if not result.is_valid:
        result = MultiPolygon(_polygons(make_valid(result)))
    return result, repaired

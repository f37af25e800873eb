"""Area geometries become valid MultiPolygons."""

from __future__ import annotations

import pytest

from open311.logic.geometry import GeometryProblem, to_multipolygon

SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]


def test_polygon_becomes_multipolygon():
    geometry, repaired = to_multipolygon({"type": "Polygon", "coordinates": SQUARE})
    assert geometry.geom_type == "MultiPolygon" and not repaired and geometry.area == 1


def test_self_intersecting_polygon_is_repaired():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    geometry, repaired = to_multipolygon(bowtie)
    assert repaired and geometry.is_valid and geometry.geom_type == "MultiPolygon" and len(geometry.geoms) == 2


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (None, "no geometry"),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "LineString is not an area"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0], [0, 0]]]}, "no area once repaired"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "unreadable geometry"),
    ],
)
def test_geometries_without_area_are_refused(geometry, message):
    with pytest.raises(GeometryProblem, match=message):
        to_multipolygon(geometry)

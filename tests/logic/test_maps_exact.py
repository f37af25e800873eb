"""Exactness of the maps: GET hotspots.geojson and tiles against plain SQL over the raw rows of the
statistics' realistic data set (tests/insight_data.py: the DansMaRue history plus 1,500 generated
requests). The references read service_request, service, department and area only, and place requests
with PostGIS's own hexagon tiling (ST_HexagonGrid) and clustering (ST_ClusterDBSCAN)."""

# ruff: noqa: S608  (the references' SQL is built from this module's constants)

from __future__ import annotations

import math
from collections import Counter

import mapbox_vector_tile
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import text

from open311.logic.insight.hexagons import edge_for_zoom

PARIS = "(SELECT id FROM jurisdiction WHERE jurisdiction_id = 'paris.fr')"
SINCE = "2023-01-01"

#: API parameters and the same filter as plain SQL over service_request AS r (window: whole Paris days).
CASES = [
    ({}, "r.requested_datetime >= ((now() AT TIME ZONE 'Europe/Paris')::date - 89)::timestamp AT TIME ZONE 'Europe/Paris'"),
    ({"start_date": SINCE}, "true"),
    ({"start_date": SINCE, "service_code": "5201"},
     "r.service_id IN (SELECT id FROM service WHERE service_code = '5201' AND jurisdiction_id = r.jurisdiction_id)"),
    ({"start_date": SINCE, "status": "closed"}, "r.status = 'closed'"),
    ({"start_date": SINCE, "group": "Propreté"},
     "r.service_id IN (SELECT id FROM service WHERE \"group\" = 'Propreté' AND jurisdiction_id = r.jurisdiction_id)"),
    ({"start_date": SINCE, "agency_responsible": "DPE"},
     "r.department_id IN (SELECT id FROM department WHERE code = 'DPE' AND jurisdiction_id = r.jurisdiction_id)"),
    ({"start_date": SINCE, "area": "11"},
     "EXISTS (SELECT 1 FROM service_request_area AS x JOIN area AS a ON a.id = x.area_id"
     "        WHERE x.request_id = r.id AND a.code = '11')"),
    ({"start_date": SINCE, "end_date": "2024-06-30", "bbox": "2.30,48.84,2.37,48.88"},
     "r.requested_datetime < '2024-07-01'::timestamp AT TIME ZONE 'Europe/Paris'"
     " AND r.location && ST_MakeEnvelope(2.30, 48.84, 2.37, 48.88, 4326)"),
]  # fmt: skip


def _requests(condition: str) -> str:
    return f"""SELECT r.* FROM service_request AS r
        WHERE r.jurisdiction_id = {PARIS} AND r.location IS NOT NULL
          AND r.requested_datetime >= '{SINCE}'::timestamp AT TIME ZONE 'Europe/Paris' AND {condition}"""


def _get(client, path: str, **params):
    reply = client.get(f"/open311/v2/{path}", query_string={"jurisdiction_id": "paris.fr", **params})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply


def _centre(ring: list) -> tuple[int, int]:
    """A hexagon's centre in Web Mercator metres, to the metre below (vertices are rounded to 1e-7 degree)."""
    xs = [math.radians(lon) * 6378137.0 for lon, _lat in ring[:-1]]
    ys = [math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0 for _lon, lat in ring[:-1]]
    return math.floor(sum(xs) / 6 + 0.5), math.floor(sum(ys) / 6 + 0.5)


@pytest.mark.parametrize(("params", "condition"), CASES, ids=[str(p) for p, _ in CASES])
def test_hexagon_counts_equal_plain_sql_over_st_hexagongrid(dataset, params, condition):
    connection, client = dataset
    zoom = 14
    features = _get(client, "hotspots.geojson", zoom=zoom, **params).get_json()["features"]
    total = connection.scalar(text(f"SELECT count(*) FROM ({_requests(condition)}) AS r"))
    assert total > 0 and sum(f["properties"]["count"] for f in features) == total
    rows = connection.execute(
        text(f"""
        WITH req AS ({_requests(condition)}), by_service AS (
            SELECT g.geom, r.service_id, count(*) AS n
            FROM req AS r
            CROSS JOIN LATERAL ST_HexagonGrid(:edge, ST_Transform(r.location, 3857)) AS g
            WHERE ST_Intersects(g.geom, ST_Transform(r.location, 3857))
            GROUP BY g.geom, r.service_id
        )
        SELECT ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y, sum(n) AS n, array_agg(n ORDER BY n DESC) AS counts
        FROM by_service GROUP BY geom
    """),
        {"edge": edge_for_zoom(zoom)},
    ).all()  # fmt: skip
    expected = {(math.floor(r.x + 0.5), math.floor(r.y + 0.5)): (r.n, r.counts[:3]) for r in rows}
    answered = {
        _centre(f["geometry"]["coordinates"][0]): (
            f["properties"]["count"], [c["count"] for c in f["properties"]["top_categories"]])
        for f in features
    }  # fmt: skip
    assert answered == expected
    assert [f["properties"]["count"] for f in features] == sorted((n for n, _ in expected.values()), reverse=True)


def test_top_categories_name_the_largest_services(dataset):
    connection, client = dataset
    (biggest, *_rest) = _get(client, "hotspots.geojson", cell=2000, start_date=SINCE).get_json()["features"]
    codes = {c["service_code"]: c["count"] for c in biggest["properties"]["top_categories"]}
    names = dict(
        connection.execute(
            text(f"SELECT service_code, service_name FROM service WHERE jurisdiction_id = {PARIS}")
        ).all()
    )  # fmt: skip
    assert all(c["service_name"] == names[c["service_code"]] for c in biggest["properties"]["top_categories"])
    assert list(codes.values()) == sorted(codes.values(), reverse=True) and len(codes) <= 3


@pytest.mark.parametrize(("eps", "min_points"), [(30, 10), (150, 25)])
def test_clusters_are_those_of_st_clusterdbscan(dataset, eps, min_points):
    connection, client = dataset
    features = _get(client, "hotspots.geojson", clusters="true", eps=eps, min_points=min_points,
                    start_date=SINCE).get_json()["features"]  # fmt: skip
    latitude = connection.scalar(
        text(
            "SELECT ST_Y(ST_Centroid(ST_Extent(a.geom))) FROM area AS a JOIN area_layer AS l ON l.id = a.layer_id"
            f" WHERE l.jurisdiction_id = {PARIS}"
        )
    )  # fmt: skip
    sizes = (
        connection.execute(
            text(f"""
        SELECT count(*) FROM (
            SELECT ST_ClusterDBSCAN(ST_Transform(r.location, 3857), eps => :eps, minpoints => :min_points) OVER () AS c
            FROM ({_requests("true")}) AS r) AS clustered
        WHERE c IS NOT NULL GROUP BY c ORDER BY 1 DESC
    """),
            {"eps": eps / math.cos(math.radians(latitude)), "min_points": min_points},
        )
        .scalars()
        .all()
    )
    assert sizes and [f["properties"]["count"] for f in features] == sizes[:500]
    for feature in features:
        tops = feature["properties"]["top_categories"]
        assert 1 <= len(tops) <= 3 and sum(c["count"] for c in tops) <= feature["properties"]["count"]
        assert feature["properties"]["radius_m"] >= 0


def _tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_a_low_zoom_tile_counts_every_request(dataset):
    connection, client = dataset
    x, y = _tile_of(2.35, 48.86, 8)  # the whole of Paris in one tile
    layers = mapbox_vector_tile.decode(_get(client, f"tiles/8/{x}/{y}.mvt", start_date=SINCE).data)
    total = connection.scalar(text(f"SELECT count(*) FROM ({_requests('true')}) AS r"))
    assert list(layers) == ["hexagons"]
    assert sum(f["properties"]["count"] for f in layers["hexagons"]["features"]) == total


def test_a_high_zoom_tile_holds_the_published_points_in_it(dataset):
    connection, client = dataset
    x, y = _tile_of(2.3522, 48.8566, 15)
    layers = mapbox_vector_tile.decode(_get(client, f"tiles/15/{x}/{y}.mvt", start_date=SINCE).data)
    expected = connection.execute(
        text(f"""
        SELECT r.id::text, s.service_code, r.status FROM ({_requests("true")}) AS r JOIN service AS s ON s.id = r.service_id
        WHERE s.publish AND s.blur_m IS NULL
          AND ST_Transform(r.location, 3857) && ST_TileEnvelope(15, :x, :y, margin => 64.0 / 4096)
    """),
        {"x": x, "y": y},
    ).all()  # fmt: skip
    points = layers.get("requests", {}).get("features", [])
    answered = Counter(
        (p["properties"]["service_request_id"], p["properties"]["service_code"], p["properties"]["status"])
        for p in points
    )
    assert expected and answered == Counter(tuple(row) for row in expected)


def test_hexagons_crossing_a_tiles_edge_count_their_whole_surface(dataset):
    _connection, client = dataset
    zoom, (x, y) = 13, _tile_of(2.3522, 48.8566, 13)
    layers = mapbox_vector_tile.decode(_get(client, f"tiles/{zoom}/{x}/{y}.mvt", start_date=SINCE).data)
    tiled = sorted(f["properties"]["count"] for f in layers["hexagons"]["features"])
    n = 2**zoom

    def latitude(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    pad = 64 / 4096  # the tile's buffer, in tiles
    bounds = box((x - pad) / n * 360 - 180, latitude(y + 1 + pad), (x + 1 + pad) / n * 360 - 180, latitude(y - pad))
    hotspots = _get(client, "hotspots.geojson", zoom=zoom, start_date=SINCE).get_json()["features"]
    crossing = [f for f in hotspots if Polygon(f["geometry"]["coordinates"][0]).intersects(bounds)]
    assert any(not bounds.contains(Polygon(f["geometry"]["coordinates"][0])) for f in crossing)
    assert tiled == sorted(f["properties"]["count"] for f in crossing)

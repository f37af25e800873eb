"""Extension: GET hotspots.geojson and GET tiles/{z}/{x}/{y}.mvt."""

# ruff: noqa: S608  (SQL of this module's constants and PostGIS references)

from __future__ import annotations

import json
import math
from datetime import timedelta

import mapbox_vector_tile
import numpy as np
import pytest
from sqlalchemy import select, text

from open311.logic.insight.hexagons import CELL_IJ, cells_sql, edge_for_zoom, hexagon_rings
from open311.models import Service

from ..factories import make_request

EIFFEL = (2.2945, 48.8584)
BASTILLE = (2.3691, 48.8532)


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int, int]:
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return zoom, x, y


def get(client, path, **params):
    params = {"jurisdiction_id": "paris.fr", **params}
    return client.get(f"/open311/v2/{path}?" + "&".join(f"{k}={v}" for k, v in params.items()))


@pytest.fixture()
def corners(session):
    """Twelve potholes at the Eiffel tower, three graffiti at the Bastille, and an old one (out of the window)."""
    for n in range(12):
        make_request(session, lon=EIFFEL[0] + n * 1e-5, lat=EIFFEL[1], age=timedelta(days=2))
    for n in range(3):
        make_request(session, service_code="3602", lon=BASTILLE[0], lat=BASTILLE[1] + n * 1e-5, age=timedelta(days=5))
    make_request(session, lon=BASTILLE[0], lat=BASTILLE[1], age=timedelta(days=200))


#: Boxes (west, south, east, north) on each side of the prime meridian and of the equator: the floors of
#: the cells' formula meet negative coordinates in three of them.
HEXAGON_BOXES = {
    "paris": (2.25, 48.81, 2.42, 48.9),
    "new-york": (-74.05, 40.6, -73.8, 40.9),
    "sydney": (151.1, -33.95, 151.3, -33.8),
    "quito": (-78.55, -0.3, -78.4, 0.05),
}


@pytest.mark.parametrize("zoom", [11, 13, 17])
@pytest.mark.parametrize("box", HEXAGON_BOXES.values(), ids=HEXAGON_BOXES.keys())
def test_hexagon_cells_are_those_of_st_hexagongrid(session, box, zoom):
    west, south, east, north = box
    edge = edge_for_zoom(zoom)
    points = (
        f"SELECT ST_SetSRID(ST_MakePoint({west} + random() * {east - west}, {south} + random() * {north - south}),"
        " 4326) AS p FROM generate_series(1, 300)"
    )
    rows = session.execute(
        text(
            f"""
        SELECT h.i, h.j, g.i AS grid_i, g.j AS grid_j
        FROM (SELECT p, {CELL_IJ} FROM {cells_sql(points, "p", ("p",))} AS c) AS h
        CROSS JOIN LATERAL ST_HexagonGrid(:edge, ST_Transform(h.p, 3857)) AS g
        WHERE ST_Intersects(g.geom, ST_Transform(h.p, 3857))
    """.replace("%(edge)s", ":edge")
        ),
        {"edge": edge},
    ).all()  # fmt: skip
    assert len(rows) >= 300 and all((r.i, r.j) == (r.grid_i, r.grid_j) for r in rows)
    ring = hexagon_rings(np.array([rows[0].i]), np.array([rows[0].j]), edge)[0]
    expected = session.execute(text(
        "SELECT ST_AsGeoJSON(ST_Transform(ST_Hexagon(:edge, :i, :j, ST_SetSRID(ST_MakePoint(0, 0), 3857)), 4326))"
    ), {"edge": edge, "i": rows[0].i, "j": rows[0].j}).scalar()  # fmt: skip
    assert np.allclose(ring, np.array(json.loads(expected)["coordinates"][0]), atol=1e-6)


def test_hexagons_count_the_requests_of_the_window_with_their_top_categories(client, corners):
    reply = get(client, "hotspots.geojson", cell=200)
    assert reply.status_code == 200 and reply.mimetype == "application/geo+json"
    features = reply.get_json()["features"]
    assert [f["properties"]["count"] for f in features] == [12, 3]
    eiffel, bastille = features
    assert eiffel["geometry"]["type"] == "Polygon" and len(eiffel["geometry"]["coordinates"][0]) == 7
    assert eiffel["properties"]["top_categories"] == [
        {"service_code": "5201", "service_name": eiffel["properties"]["top_categories"][0]["service_name"], "count": 12}
    ]
    assert bastille["properties"]["top_categories"][0]["service_code"] == "3602"
    lons = [point[0] for point in eiffel["geometry"]["coordinates"][0]]
    assert min(lons) < EIFFEL[0] < max(lons)


def test_hotspot_filters_and_window(client, corners):
    assert [
        f["properties"]["count"] for f in get(client, "hotspots.geojson", service_code="3602").get_json()["features"]
    ] == [3]
    assert get(client, "hotspots.geojson", status="closed").get_json()["features"] == []
    old = get(client, "hotspots.geojson", start_date="2000-01-01", zoom=12).get_json()["features"]
    assert sum(f["properties"]["count"] for f in old) == 16


def test_hot_corners_are_density_clusters(client, corners):
    features = get(client, "hotspots.geojson", clusters="true", min_points=5).get_json()["features"]
    (corner,) = features
    assert corner["geometry"]["type"] == "Point" and corner["properties"]["count"] == 12
    assert corner["geometry"]["coordinates"][0] == pytest.approx(EIFFEL[0] + 5.5e-5, abs=1e-5)
    assert 0 < corner["properties"]["radius_m"] < 10
    assert corner["properties"]["top_categories"][0]["count"] == 12
    assert len(get(client, "hotspots.geojson", clusters="true", min_points=3).get_json()["features"]) == 2


@pytest.mark.parametrize(
    "params",
    [{"cell": "5"}, {"zoom": "30"}, {"eps": "0"}, {"clusters": "maybe"}, {"min_points": "1"}, {"start_date": "x"},
     {"bbox": "1,2"}, {"group_by": "area", "cell": "9"}, {"cell": "100", "zoom": "3"}],
)  # fmt: skip
def test_bad_map_parameters_are_the_standards_errors(client, params):
    reply = get(client, "hotspots.geojson", **params)
    assert reply.status_code == 400 and reply.mimetype == "application/json"
    assert reply.get_json()[0]["code"] == 400


def test_low_zoom_tiles_hold_hexagons_with_counts(client, corners):
    reply = get(client, "tiles/{}/{}/{}.mvt".format(*tile_of(*EIFFEL, 9)))
    assert reply.status_code == 200 and reply.mimetype == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(reply.data)
    assert list(layers) == ["hexagons"]
    assert sorted(f["properties"]["count"] for f in layers["hexagons"]["features"]) == [3, 12]


def test_high_zoom_tiles_hold_published_points(client, session, corners):
    layers = mapbox_vector_tile.decode(get(client, "tiles/{}/{}/{}.mvt".format(*tile_of(*EIFFEL, 16))).data)
    points = layers["requests"]["features"]
    assert len(points) == 12 and {p["properties"]["service_code"] for p in points} == {"5201"}
    assert {p["properties"]["status"] for p in points} == {"open"} and points[0]["geometry"]["type"] == "Point"
    session.scalar(select(Service).where(Service.service_code == "5201")).publish = False
    session.flush()
    assert get(client, "tiles/{}/{}/{}.mvt".format(*tile_of(*EIFFEL, 16))).data == b""
    low = mapbox_vector_tile.decode(get(client, "tiles/{}/{}/{}.mvt".format(*tile_of(*EIFFEL, 9))).data)
    assert sorted(f["properties"]["count"] for f in low["hexagons"]["features"]) == [3]  # no map draws them


def test_no_map_draws_a_withheld_category_and_a_blurred_one_only_at_its_published_point(client, session, corners):
    """What an attacker would ask: the smallest hexagons and clusters of one sensitive category."""
    service = session.scalar(select(Service).where(Service.service_code == "5201"))
    hexagons = {"cell": 10, "service_code": "5201"}
    hot = {"clusters": "true", "service_code": "5201", "eps": 5, "min_points": 2}
    assert (
        sum(f["properties"]["count"] for f in get(client, "hotspots.geojson", **hexagons).get_json()["features"]) == 12
    )
    service.publish = False
    session.flush()
    assert get(client, "hotspots.geojson", **hexagons).get_json()["features"] == []
    assert get(client, "hotspots.geojson", **hot).get_json()["features"] == []
    service.publish, service.blur_m = True, 500
    session.flush()
    published = session.execute(
        text(
            "SELECT DISTINCT ST_X(p), ST_Y(p) FROM (SELECT published_point(r.id, r.location, 500) AS p "
            "FROM service_request r JOIN service s ON s.id = r.service_id "
            "WHERE s.service_code = '5201' AND r.requested_datetime > now() - interval '30 days') AS q"
        )
    ).all()
    features = get(client, "hotspots.geojson", **hexagons).get_json()["features"]
    assert sum(f["properties"]["count"] for f in features) == 12 and len(features) == len(published)
    from shapely.geometry import Point, shape

    for lon, lat in published:  # each hexagon holds a published point, none the real Eiffel points
        assert any(shape(f["geometry"]).contains(Point(lon, lat)) for f in features)
    assert not any(shape(f["geometry"]).contains(Point(*EIFFEL)) for f in features)
    [corner] = get(client, "hotspots.geojson", **hot).get_json()["features"]
    assert corner["properties"]["radius_m"] == 0 and len(published) == 1
    assert corner["geometry"]["coordinates"] == pytest.approx(list(published[0]), abs=1e-6)


def test_blurred_services_show_points_at_the_centre_of_their_cell(client, session, corners):
    session.scalar(select(Service).where(Service.service_code == "5201")).blur_m = 500
    session.flush()
    points = mapbox_vector_tile.decode(get(client, "tiles/{}/{}/{}.mvt".format(*tile_of(*EIFFEL, 15))).data)
    positions = {tuple(p["geometry"]["coordinates"]) for p in points.get("requests", {}).get("features", [])}
    assert len(positions) <= 1  # twelve requests within a metre of each other, all at one cell's centre


@pytest.mark.parametrize(
    ("path", "params"),
    [("tiles/3/8/0.mvt", {}), ("tiles/25/0/0.mvt", {}), ("tiles/3/1/1.mvt", {"start_date": "x"}),
     ("tiles/3/1/1.mvt", {"service_code": "5201", "bbox": "9,9"}), ("tiles/3/1/1.mvt", {"status": "pending"})],
)  # fmt: skip
def test_bad_tiles_are_the_standards_errors_in_json(client, path, params):
    reply = get(client, path, **params)
    assert reply.status_code == 400 and reply.mimetype == "application/json"
    assert reply.get_json()[0]["code"] == 400


def test_a_tile_path_that_is_no_tile_is_404(client):
    reply = get(client, "tiles/2/-1/0.mvt")
    assert reply.status_code == 404 and reply.mimetype == "application/json"


def test_the_data_version_moves_with_the_jurisdictions_data_not_with_other_writes(engine):
    """Maps are kept per data version: a committed change of what they show (here the catalogue) moves it;
    other writes (a rate limit's counter, any table) do not, or a busy server would never reuse a map."""
    from sqlalchemy.orm import Session

    from open311.logic.insight.maps import data_version
    from open311.logic.jurisdictions import resolve_jurisdiction

    with Session(engine) as reader, engine.connect() as writer:
        paris = resolve_jurisdiction(reader, "paris.fr")
        before = data_version(reader, paris)
        reader.rollback()
        writer.execute(text("CREATE TEMP TABLE touched (n int)"))
        writer.execute(text("INSERT INTO touched VALUES (1)"))
        writer.execute(
            text("INSERT INTO rate_limit_counter (bucket, window_start, hits) VALUES ('maps-test', 0, 1) "
                 "ON CONFLICT (bucket) DO UPDATE SET hits = rate_limit_counter.hits + 1")
        )  # fmt: skip
        writer.commit()
        assert data_version(reader, paris) == before
        reader.rollback()
        writer.execute(text("DELETE FROM rate_limit_counter WHERE bucket = 'maps-test'"))
        writer.execute(
            text("UPDATE service SET service_name = service_name WHERE id = "
                 "(SELECT min(id) FROM service WHERE jurisdiction_id = :j)"), {"j": paris.id}
        )  # fmt: skip
        writer.commit()
        after = data_version(reader, paris)
        database, version, changeset, day = before
        assert after == (database, after[1], changeset, day) and after[1] > version
        # Maps are shared through files by every database of the host: the version names this one.
        oid = reader.scalar(text("SELECT oid FROM pg_database WHERE datname = current_database()"))
        assert database.endswith(f":{oid}")


def test_a_kept_map_names_the_services_of_the_city_files_current_load(live):
    """Maps are kept for every worker of a host (Extension: logic/insight/map_cache.py); the names and ids
    they hold are read for the city file's current load, never from a worker's catalogue cache of the
    load before (which would then be shared by every worker for ten minutes)."""
    from sqlalchemy.orm import Session

    from open311.logic.api_keys import create_key

    from ..conftest import POTHOLE

    client = live.test_client()
    engine = live.extensions["open311.db"].engine
    with Session(engine) as session:
        _row, key = create_key(session, "maps app")
        session.commit()
    posted = client.post("/open311/v2/requests.json", data={"api_key": key, "jurisdiction_id": "paris.fr", **POTHOLE})
    assert posted.status_code == 200, posted.get_data(as_text=True)
    paris = "(SELECT id FROM jurisdiction WHERE jurisdiction_id = 'paris.fr')"

    def names() -> set[str]:
        reply = get(client, "hotspots.geojson", cell=2000, service_code="5201")
        assert reply.status_code == 200
        return {top["service_name"] for f in reply.get_json()["features"] for top in f["properties"]["top_categories"]}

    with engine.connect() as connection:
        name, changeset = connection.execute(
            text(f"SELECT s.service_name, j.changeset FROM service s JOIN jurisdiction j ON j.id = s.jurisdiction_id "
                 f"WHERE s.service_code = '5201' AND j.id = {paris}")
        ).one()  # fmt: skip
    assert names() == {name}
    try:
        with engine.begin() as connection:  # what loading a new city file does
            connection.execute(
                text(f"UPDATE service SET service_name = 'Nid-de-poule (nouveau nom)' "
                     f"WHERE service_code = '5201' AND jurisdiction_id = {paris}")
            )  # fmt: skip
            connection.execute(text(f"UPDATE jurisdiction SET changeset = now() WHERE id = {paris}"))
        assert names() == {"Nid-de-poule (nouveau nom)"}
    finally:
        with engine.begin() as connection:
            connection.execute(
                text(
                    f"UPDATE service SET service_name = :name WHERE service_code = '5201' AND jurisdiction_id = {paris}"
                ),
                {"name": name},
            )
            connection.execute(text(f"UPDATE jurisdiction SET changeset = :at WHERE id = {paris}"), {"at": changeset})

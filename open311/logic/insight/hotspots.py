"""Extension: GET hotspots — the requests of a filter counted per hexagon, or their density clusters.

Hexagons are cells of PostGIS's hexagon tiling (ST_Hexagon / ST_HexagonGrid in Web Mercator, see
hexagons.py), sized by ``cell`` metres or by a map zoom; each has its count and its top categories.
``clusters`` groups the requests with ST_ClusterDBSCAN ("hot corners"): each cluster's centroid,
radius (metres, to its farthest request), count and top categories. Like every map, they count the
published services only, each request at its published point (maps.MAP_POINT).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson
from sqlalchemy.orm import Session

from ...db import parallel_workers
from ...errors import BadRequest
from ...models import Jurisdiction, ServiceRequest
from .hexagons import (
    CELL_IJ,
    MERCATOR_X,
    MERCATOR_Y,
    cells_sql,
    edge_for_metres,
    edge_for_zoom,
    hexagon_rings,
    mercator_scale,
)
from .lookups import Cache, load_lookups
from .maps import MAP_POINT, MapQuery, jurisdiction_latitude, matching_requests

MAX_HEXAGONS = 50_000
#: Parallel workers PostgreSQL may add to the count per hexagon: one beside the backend itself. For the
#: 483,817 requests of 90 days at 10M: 331 ms alone, 190-198 ms with one worker, 205-242 ms with two on
#: this 2-core machine (bench/RESULTS.md).
HEXAGON_WORKERS = 1
MAX_CLUSTERED = 200_000
MAX_CLUSTERS = 500
TOP = 3


@dataclass(frozen=True)
class Clustering:
    """DBSCAN's parameters: neighbourhood radius (metres) and the fewest requests of a cluster."""

    eps_metres: float = 30.0
    min_points: int = 10


def _run(session: Session, sql: str, params: dict) -> list:
    """Driver-level SQL (the compiled filters use the driver's parameter style)."""
    return session.connection().exec_driver_sql(sql, params).all()


def _top_categories(service_ids, counts, services) -> list[dict]:
    return [
        {"service_code": services.get(sid, ("", "", None))[0], "service_name": services.get(sid, ("", "", None))[1],
         "count": int(n)}
        for sid, n in zip(service_ids, counts, strict=True)
    ]  # fmt: skip


def _feature_collection(features: list[dict]) -> bytes:
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def hexagons(
    session: Session,
    jurisdiction: Jurisdiction,
    query: MapQuery,
    *,
    cell_metres: float | None = None,
    zoom: int | None = None,
    cache: Cache | None = None,
) -> bytes:
    """The GeoJSON FeatureCollection of the hexagons holding the map's requests (count, top categories)."""
    if zoom is not None:
        edge = edge_for_zoom(zoom)
    else:
        edge = edge_for_metres(cell_metres or 250.0, jurisdiction_latitude(session, jurisdiction, cache))
    source, params = matching_requests(session, jurisdiction, query, cache, ServiceRequest.service_id, MAP_POINT)
    sql = f"""
    WITH counted AS (
        SELECT h.q, h.r, h.service_id, count(*) AS n
        FROM {cells_sql(source, "location", ("service_id",))} AS h
        GROUP BY 1, 2, 3
    ), ranked AS (
        SELECT *, row_number() OVER (PARTITION BY q, r ORDER BY n DESC, service_id) AS rank,
               sum(n) OVER (PARTITION BY q, r) AS total
        FROM counted
    )
    SELECT {CELL_IJ}, total, array_agg(service_id ORDER BY rank) AS services, array_agg(n ORDER BY rank) AS counts
    FROM ranked WHERE rank <= {TOP} GROUP BY q, r, total ORDER BY total DESC, i, j LIMIT {MAX_HEXAGONS + 1}
    """  # noqa: S608 (the source is compiled by SQLAlchemy; TOP and the limit are constants)
    with parallel_workers(session, HEXAGON_WORKERS):
        rows = _run(session, sql, {**params, "edge": edge})
    if len(rows) > MAX_HEXAGONS:
        raise BadRequest(f"More than {MAX_HEXAGONS:,} hexagons: use a larger cell, a lower zoom or narrower filters")
    services = load_lookups(session, jurisdiction, cache).services
    rings = hexagon_rings(
        np.array([r.i for r in rows], dtype=np.int64), np.array([r.j for r in rows], dtype=np.int64), edge
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]},
            "properties": {
                "count": int(row.total),
                "top_categories": _top_categories(row.services, row.counts, services),
            },
        }
        for row, ring in zip(rows, rings, strict=True)
    ]
    return _feature_collection(features)


def clusters(
    session: Session,
    jurisdiction: Jurisdiction,
    query: MapQuery,
    clustering: Clustering,
    *,
    cache: Cache | None = None,
) -> bytes:
    """The GeoJSON FeatureCollection of the density clusters (DBSCAN) of the map's requests, largest first."""
    if not 1 <= clustering.eps_metres <= 5000:
        raise BadRequest("eps must be between 1 and 5000 metres")
    if not 2 <= clustering.min_points <= 100_000:
        raise BadRequest("min_points must be between 2 and 100000")
    scale = mercator_scale(jurisdiction_latitude(session, jurisdiction, cache))
    source, params = matching_requests(session, jurisdiction, query, cache, ServiceRequest.service_id, MAP_POINT)
    counted = _run(session, f"SELECT count(*) FROM ({source}) AS m", params)[0][0]  # noqa: S608
    if counted > MAX_CLUSTERED:
        raise BadRequest(f"{counted:,} requests are too many to cluster (at most {MAX_CLUSTERED:,}): narrow the "
                         "services, areas or dates")  # fmt: skip
    x, y = MERCATOR_X.format(p="m.location"), MERCATOR_Y.format(p="m.location")
    sql = f"""
    WITH point AS (
        SELECT m.service_id, {x} AS x, {y} AS y FROM ({source}) AS m
    ), clustered AS (
        SELECT service_id, x, y,
               ST_ClusterDBSCAN(ST_MakePoint(x, y), eps => %(eps)s, minpoints => %(min_points)s) OVER () AS cluster
        FROM point
    ), centre AS (
        SELECT cluster, count(*) AS n, avg(x) AS cx, avg(y) AS cy FROM clustered WHERE cluster IS NOT NULL
        GROUP BY cluster ORDER BY n DESC, cluster LIMIT {MAX_CLUSTERS}
    ), member AS (
        SELECT c.cluster, c.service_id, sqrt((c.x - centre.cx) ^ 2 + (c.y - centre.cy) ^ 2) AS distance
        FROM clustered AS c JOIN centre USING (cluster)
    ), spread AS (
        SELECT cluster, max(distance) AS radius FROM member GROUP BY cluster
    ), by_service AS (
        SELECT cluster, service_id, count(*) AS n,
               row_number() OVER (PARTITION BY cluster ORDER BY count(*) DESC, service_id) AS rank
        FROM member GROUP BY cluster, service_id
    )
    SELECT centre.cluster, centre.n, centre.cx, centre.cy, spread.radius,
           array_agg(s.service_id ORDER BY s.rank) AS services, array_agg(s.n ORDER BY s.rank) AS counts
    FROM centre JOIN spread USING (cluster) JOIN by_service AS s ON s.cluster = centre.cluster AND s.rank <= {TOP}
    GROUP BY centre.cluster, centre.n, centre.cx, centre.cy, spread.radius ORDER BY centre.n DESC, centre.cluster
    """  # noqa: S608 (the source is compiled by SQLAlchemy; the limits are constants)
    rows = _run(session, sql, {**params, "eps": clustering.eps_metres / scale, "min_points": clustering.min_points})
    services = load_lookups(session, jurisdiction, cache).services
    features = []
    for row in rows:
        longitude = float(np.degrees(row.cx / 6378137.0))
        latitude = float(np.degrees(2 * np.arctan(np.exp(row.cy / 6378137.0)) - np.pi / 2))
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(longitude, 7), round(latitude, 7)]},
            "properties": {
                "count": int(row.n),
                "radius_m": round(float(row.radius) * scale, 1),
                "top_categories": _top_categories(row.services, row.counts, services),
            },
        })  # fmt: skip
    return _feature_collection(features)

"""Extension: GET tiles/{z}/{x}/{y}.mvt — Mapbox Vector Tiles of the requests of a filter.

Below zoom POINTS_FROM_ZOOM, layer ``hexagons``: the hexagons of hexagons.py (16 pixels of edge at the
tile's zoom, so neighbouring tiles share the grid) with their ``count``; a hexagon crossing the tile's
edge counts the requests of its whole surface (they are read with a margin of a hexagon's width). From
POINTS_FROM_ZOOM, layer ``requests``: one point per request with ``service_request_id``,
``service_code`` and ``status``. Like every map, only published services, each request at its published
point (maps.MAP_POINT). Requests are read by their own location around the tile: a blurred point may
fall in a tile whose margin leaves its request out (within the service's ``blur`` metres of the edge).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import Session

from ...errors import BadRequest
from ...models import Jurisdiction, Service, ServiceRequest
from .hexagons import CELL_IJ, HEXAGON_PIXELS, MERCATOR_X, MERCATOR_Y, cells_sql, edge_for_zoom
from .hotspots import matching_requests
from .lookups import Cache
from .maps import MAP_POINT, MapQuery

POINTS_FROM_ZOOM = 15
MAX_ZOOM = 24
EXTENT, BUFFER = 4096, 64
#: Tile envelopes widened, on every side, by the buffer and the width of a hexagon (two edges of 16 of the
#: tile's 256 pixels): every request of a hexagon drawn in the tile is read.
MARGIN = 2 * HEXAGON_PIXELS / 256 + BUFFER / EXTENT
ORIGIN = "ST_SetSRID(ST_MakePoint(0, 0), 3857)"
#: Half the width of the Web Mercator world (its tiles' bounds).
WORLD_HALF = 20037508.342789244


def _around(z: int, x: int, y: int, margin: float):
    """The tile's envelope widened by ``margin`` tile widths on every side, in WGS84 (a filter for ``&&``)."""
    width = 2 * WORLD_HALF / 2**z
    return func.ST_Transform(func.ST_Expand(func.ST_TileEnvelope(z, x, y), width * margin), 4326)


def check_tile(z: int, x: int, y: int) -> None:
    """400 unless z/x/y names a tile."""
    if not 0 <= z <= MAX_ZOOM:
        raise BadRequest(f"z must be between 0 and {MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise BadRequest(f"x and y must be between 0 and {2**z - 1} at zoom {z}")


def tile(
    session: Session, jurisdiction: Jurisdiction, query: MapQuery, z: int, x: int, y: int, cache: Cache | None = None
) -> bytes:
    """The tile's bytes (an empty tile when nothing falls in it)."""
    check_tile(z, x, y)
    params = {"z": z, "x": x, "y": y, "margin": MARGIN, "extent": EXTENT, "buffer": BUFFER}
    envelope = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
    if z < POINTS_FROM_ZOOM:
        wide = _around(z, x, y, MARGIN)
        source, matched = matching_requests(
            session, jurisdiction, query, cache, MAP_POINT, where=ServiceRequest.location.op("&&")(wide)
        )
        sql = f"""
        WITH counted AS (
            SELECT {CELL_IJ}, n FROM (
                SELECT h.q, h.r, count(*) AS n FROM {cells_sql(source, "location")} AS h GROUP BY 1, 2
            ) AS by_cell
        ), shaped AS (
            SELECT ST_AsMVTGeom(ST_Hexagon(%(edge)s, i, j, {ORIGIN}), {envelope}, %(extent)s, %(buffer)s, true) AS geom,
                   n AS count
            FROM counted
        )
        SELECT ST_AsMVT(shaped, 'hexagons', %(extent)s, 'geom') FROM shaped WHERE geom IS NOT NULL
        """  # noqa: S608 (the source is compiled by SQLAlchemy; the rest is this module's text)
        params["edge"] = edge_for_zoom(z)
    else:
        around = _around(z, x, y, BUFFER / EXTENT)
        source, matched = matching_requests(
            session, jurisdiction, query, cache, ServiceRequest.id, MAP_POINT, ServiceRequest.status,
            Service.service_code, where=ServiceRequest.location.op("&&")(around),
        )  # fmt: skip
        px, py = MERCATOR_X.format(p="m.location"), MERCATOR_Y.format(p="m.location")
        sql = f"""
        WITH shaped AS (
            SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint({px}, {py}), 3857), {envelope}, %(extent)s, %(buffer)s, true)
                       AS geom,
                   m.id::text AS service_request_id, m.service_code, m.status
            FROM ({source}) AS m
        )
        SELECT ST_AsMVT(shaped, 'requests', %(extent)s, 'geom') FROM shaped WHERE geom IS NOT NULL
        """  # noqa: S608 (the source is compiled by SQLAlchemy; the rest is this module's text)
    result = session.connection().exec_driver_sql(sql, {**matched, **params}).scalar()
    return bytes(result or b"")

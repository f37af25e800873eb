"""Hexagon cells of PostGIS's hexagon tiling (ST_HexagonGrid / ST_Hexagon, origin 0,0) in Web Mercator.

A point's cell is computed arithmetically (three floors on flat-topped hexagons), which is the cell
ST_Hexagon(edge, i, j) covering it (tests/api/test_maps.py checks it against ST_HexagonGrid) at a few
floating-point operations per request instead of a spatial join. Sizes: ``cell`` metres on the ground
(at the jurisdiction's latitude), or a map zoom (hexagons 16 pixels wide at that zoom, so that tiles and
hotspots of one zoom share the grid).
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import BadRequest

EARTH_RADIUS = 6378137.0
#: Web Mercator units per pixel at zoom 0 (256-pixel tiles).
ZOOM0_RESOLUTION = 2 * math.pi * EARTH_RADIUS / 256
HEXAGON_PIXELS = 16
MIN_CELL_METRES, MAX_CELL_METRES = 10.0, 100_000.0
SQRT3 = math.sqrt(3)
#: SQL: ST_Hexagon's offset coordinates ``i, j`` of the cell of cube coordinates ``q, r`` (cells_sql).
CELL_IJ = "q::int AS i, (r + floor(q / 2))::int AS j"

#: Web Mercator x and y of a 4326 point, in SQL (cheaper than ST_Transform for one point at a time).
MERCATOR_X = "(6378137.0 * radians(ST_X({p})))"
MERCATOR_Y = "(6378137.0 * ln(tan(pi() / 4 + radians(ST_Y({p})) / 2)))"


def edge_for_zoom(zoom: int) -> float:
    """The hexagon edge (Web Mercator units) of 16 pixels at zoom ``zoom``."""
    return HEXAGON_PIXELS * ZOOM0_RESOLUTION / 2**zoom


def edge_for_metres(metres: float, latitude: float) -> float:
    """The Web Mercator edge of a hexagon whose edge is ``metres`` on the ground at ``latitude``."""
    if not MIN_CELL_METRES <= metres <= MAX_CELL_METRES:
        raise BadRequest(f"cell must be between {MIN_CELL_METRES:.0f} and {MAX_CELL_METRES:.0f} metres")
    return metres / max(math.cos(math.radians(latitude)), 0.01)


def cells_sql(source: str, point: str, carried: tuple[str, ...] = (), edge_param: str = "%(edge)s") -> str:
    """SQL: a derived table of the rows of ``source`` (a SELECT) with columns ``q, r``, the cube
    coordinates (as float8 whole numbers) of the hexagon cell holding each row's ``point`` (a 4326
    geometry column of ``source``), and the ``carried`` columns (named otherwise than ``q``, ``r``, ``hx`` and
    ``hy``). Group by ``q, r``, then name the cells with CELL_IJ.

    The cell comes from three floors (the algorithm of Charles Chambers, as told by Red Blob Games'
    "Hexagonal Grids"): in units of the hexagon, the lines X - Y, X + Y and 2Y (Y scaled by 1/√3) at
    whole numbers cut the plane into triangles each inside one hexagon, and the cell is
    q = ⌊(⌊X - Y⌋ + ⌈X + Y⌉ + 1) / 3⌋, r = ⌊(⌊2Y⌋ - ⌊X - Y⌋ + 1) / 3⌋ (the cube rounding used before gives the
    same cell off the edges; tests/api/test_maps.py checks it against ST_HexagonGrid). The projected X and
    Y are computed once per row in a derived table kept apart with OFFSET 0, read by the parallel scan;
    the floors where the cells are grouped. For the 483,817 requests of 90 days at 10M, the count per
    cell took 331 ms in one process with cube rounding, 216 ms with the floors (bench/RESULTS.md)."""
    keep = "".join(f"{column}, " for column in carried)
    x, y = MERCATOR_X.format(p=point), MERCATOR_Y.format(p=point)
    return f"""(
    SELECT {keep}floor((floor(hx - hy) + ceil(hx + hy) + 1) / 3) AS q,
           floor((floor(2 * hy) - floor(hx - hy) + 1) / 3) AS r
    FROM (
        SELECT {keep}{x} / {edge_param} AS hx, {y} / ({edge_param} * sqrt(3)) AS hy
        FROM ({source}) AS located OFFSET 0
    ) AS projected
)"""  # noqa: S608 (the source, the columns and the parameter names come from this package)


def hexagon_rings(i: np.ndarray, j: np.ndarray, edge: float) -> np.ndarray:
    """The closed rings (n x 7 x 2, longitude and latitude) of cells (i, j): ST_Hexagon's vertices."""
    cx = 1.5 * edge * i
    cy = edge * SQRT3 / 2 * (2 * j + (i & 1))
    dx = np.array([-1.0, -0.5, 0.5, 1.0, 0.5, -0.5, -1.0]) * edge
    dy = np.array([0.0, -1.0, -1.0, 0.0, 1.0, 1.0, 0.0]) * edge * SQRT3 / 2
    x = cx[:, None] + dx[None, :]
    y = cy[:, None] + dy[None, :]
    longitude = np.degrees(x / EARTH_RADIUS)
    latitude = np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS)) - math.pi / 2)
    return np.round(np.stack([longitude, latitude], axis=-1), 7)


def mercator_scale(latitude: float) -> float:
    """Ground metres per Web Mercator unit at ``latitude``."""
    return math.cos(math.radians(latitude))

"""Extension (open data): which media are published, and the published point of a request

``service.publish_media`` says whether the photos of a service's requests are public (the city file's
``publish_media``, per service or for the whole jurisdiction). ``published_point(request id, location,
blur)`` is the point public outputs show: the location itself, or for a service published blurred
(``service.blur_m``) the centre of the grid cell of that size holding it; when that centre falls
outside the request's most specific area, a point of the part of the cell inside that area
(``ST_PointOnSurface``), so the published point stays in the same area and in the same cell.

The grid is regular in metres: rows of ``blur`` metres of latitude from the equator, and in each row
cells of ``blur`` metres of longitude at the row's middle latitude (no projection, pure arithmetic: the
same point always gets the same cell, and every request of a cell the same published point).

Revision ID: odata2
Revises: odata1
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "odata2"
down_revision = "odata1"
branch_labels = None
depends_on = None

# 111,320 metres to a degree of latitude (and of longitude at the equator).
BLUR_CELL = """
CREATE FUNCTION blur_cell(location geometry, blur_m integer) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_MakeEnvelope(col * dlon, lat_row * dlat, (col + 1) * dlon, (lat_row + 1) * dlat, 4326)
    FROM (SELECT blur_m / 111320.0 AS dlat) AS size,
         LATERAL (SELECT floor(ST_Y(location) / dlat) AS lat_row) AS grid_row,
         LATERAL (SELECT blur_m / (111320.0 * greatest(cos(radians((lat_row + 0.5) * dlat)), 0.01))
                  AS dlon) AS row_width,
         LATERAL (SELECT floor(ST_X(location) / dlon) AS col) AS grid_col
$$
"""

BLURRED_POINT = """
CREATE FUNCTION blurred_point(location geometry, blur_m integer, area geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN area IS NULL OR ST_Covers(area, ST_Centroid(cell)) THEN ST_Centroid(cell)
        ELSE ST_PointOnSurface(ST_Intersection(area, cell))
    END
    FROM (SELECT blur_cell(location, blur_m) AS cell) AS grid
$$
"""

# The blurred point of a stored request: in its most specific area.
BLURRED_REQUEST_POINT = """
CREATE FUNCTION blurred_request_point(request_id bigint, location geometry, blur_m integer) RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT blurred_point(location, blur_m, (
        SELECT area.geom
        FROM service_request_area placed
        JOIN area ON area.id = placed.area_id
        JOIN area_layer ON area_layer.id = placed.layer_id
        WHERE placed.request_id = blurred_request_point.request_id
        ORDER BY area_layer.rank DESC
        LIMIT 1))
$$
"""

# One CASE with no sub-select, so that PostgreSQL inlines it into the caller: for the services published
# as they are it is the location itself, at no cost (a call of a SQL function with a sub-select, which
# PostgreSQL does not inline, took 70 microseconds a row).
PUBLISHED_POINT = """
CREATE FUNCTION published_point(request_id bigint, location geometry, blur_m integer) RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN blur_m IS NULL OR location IS NULL THEN location
        ELSE blurred_request_point(request_id, location, blur_m)
    END
$$
"""


def upgrade() -> None:
    op.add_column("service", sa.Column("publish_media", sa.Boolean(), server_default=sa.true(), nullable=False))
    for function in (BLUR_CELL, BLURRED_POINT, BLURRED_REQUEST_POINT, PUBLISHED_POINT):
        op.execute(function)


def downgrade() -> None:
    op.execute("DROP FUNCTION published_point(bigint, geometry, integer)")
    op.execute("DROP FUNCTION blurred_request_point(bigint, geometry, integer)")
    op.execute("DROP FUNCTION blurred_point(geometry, integer, geometry)")
    op.execute("DROP FUNCTION blur_cell(geometry, integer)")
    op.drop_column("service", "publish_media")

"""Extension: location_description, the address of a request whose submitter gave none, described from its
areas (most specific first, then the jurisdiction); written when the request is stored, backfilled here

Revision ID: interop1
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "interop1"
down_revision = "0007"
branch_labels = None
depends_on = None

# The description strict clients read as ``address``: "Paris 7e arrondissement (Palais-Bourbon), Ville de
# Paris"; a point outside every area gives its coordinates; an address_id alone is named as such.
LOCATION_DESCRIPTION = """
CREATE OR REPLACE FUNCTION location_description(
    area_ids integer[], jurisdiction integer, address_id text, lon double precision, lat double precision
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN places.names IS NOT NULL THEN places.names || ', ' || j.name
        WHEN lon IS NOT NULL
            THEN format('%s, %s (outside the areas of %s)', round(lat::numeric, 5), round(lon::numeric, 5), j.name)
        WHEN address_id IS NOT NULL THEN format('Address id %s, %s', address_id, j.name)
        ELSE format('Location not given, %s', j.name)
    END
    FROM jurisdiction j,
         LATERAL (SELECT string_agg(a.name, ', ' ORDER BY l.rank DESC) AS names
                  FROM area a JOIN area_layer l ON l.id = a.layer_id
                  WHERE a.id = ANY (area_ids)) places
    WHERE j.id = jurisdiction
$$
"""

BACKFILL = """
UPDATE service_request r
SET location_description = location_description(
    ARRAY(SELECT x.area_id FROM service_request_area x WHERE x.request_id = r.id),
    r.jurisdiction_id, r.address_id, ST_X(r.location), ST_Y(r.location))
WHERE r.address IS NULL
"""


def upgrade() -> None:
    op.add_column("service_request", sa.Column("location_description", sa.Text(), nullable=True))
    op.execute(LOCATION_DESCRIPTION)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("DROP FUNCTION location_description(integer[], integer, text, double precision, double precision)")
    op.drop_column("service_request", "location_description")

"""w3c_datetime(): a timestamp as the standard's W3C text in a jurisdiction's time zone, in SQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Seconds precision, the offset as +hh:mm or -hh:mm, and Z for a zero offset (as open311.formats does).
# One expression with no FROM, so that PostgreSQL inlines it into the calling query.
W3C_DATETIME = """
CREATE OR REPLACE FUNCTION w3c_datetime(value timestamptz, zone text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(date_trunc('second', value) AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE
               WHEN value AT TIME ZONE zone = value AT TIME ZONE 'UTC' THEN 'Z'
               WHEN value AT TIME ZONE zone > value AT TIME ZONE 'UTC'
                   THEN '+' || to_char((value AT TIME ZONE zone) - (value AT TIME ZONE 'UTC'), 'HH24:MI')
               ELSE '-' || to_char((value AT TIME ZONE 'UTC') - (value AT TIME ZONE zone), 'HH24:MI')
           END
$$
"""


def upgrade() -> None:
    op.execute(W3C_DATETIME)


def downgrade() -> None:
    op.execute("DROP FUNCTION w3c_datetime(timestamptz, text)")

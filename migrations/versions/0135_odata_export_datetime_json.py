"""Extension (open data): ``export_datetime`` writes its text through PostgreSQL's JSON of the datetime

The same text as before (ISO 8601 with seconds and a ``+hh:mm`` offset in the session's time zone, with
seconds in the offset where the zone's has them, as local mean times do): PostgreSQL's JSON output of
a timestamptz is ISO 8601 with a T and an offset that always has its minutes, so one conversion
replaces the two text outputs, the overlay and the length of the old body. The function stays an
inlined SQL expression.

Revision ID: odata6
Revises: odata5
Create Date: 2026-12-04
"""

from alembic import op

revision = "odata6"
down_revision = "odata5"
branch_labels = None
depends_on = None

JSON_BODY = """
CREATE OR REPLACE FUNCTION export_datetime(value timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT btrim(to_json(date_trunc('second', value))::text, '"')
$$
"""

# (\: is a colon: the statement goes through SQLAlchemy's text(), where :name is a parameter.)
TEXT_BODY = """
CREATE OR REPLACE FUNCTION export_datetime(value timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT overlay(date_trunc('second', value)::text PLACING 'T' FROM 11 FOR 1)
        || CASE WHEN length(date_trunc('second', value)::text) = 22 THEN '\\:00' ELSE '' END
$$
"""


def upgrade() -> None:
    op.execute(JSON_BODY)


def downgrade() -> None:
    op.execute(TEXT_BODY)

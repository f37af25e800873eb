"""Extension (open data): when a request was closed, kept by PostgreSQL; datetimes as export text

``service_request.closed_datetime`` is the time a request last became closed (NULL while it is open): the
GeoReport Bulk ``closed_datetime``, "closed on time" against ``expected_datetime``, and the start of the
retention periods. Triggers keep it on every write path (a status change through the workflow, a
citizen's update, the importer, anything later): set to the change's ``updated_datetime`` when a request
moves from open to closed (or is inserted closed without one), emptied when it is reopened. They fire only
for closed inserts and for status changes. Existing closed requests get the time of their last closing
change in the history, else their ``updated_datetime`` (imported ones).

``export_datetime(timestamptz)`` writes a datetime as ISO 8601 with seconds and a ``+hh:mm`` offset in the
session's time zone (the exporter sets the jurisdiction's, and the ISO DateStyle): the native text output
with a T, four times cheaper than ``to_char`` over millions of rows.

Revision ID: odata3
Revises: odata2
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "odata3"
down_revision = "odata2"
branch_labels = None
depends_on = None

CLOSED = "('fixed', 'closed', 'duplicate', 'not_responsible', 'no_further_action', 'cancelled')"

TRACK = f"""
CREATE FUNCTION track_closed_datetime() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.detailed_status NOT IN {CLOSED} THEN
        NEW.closed_datetime := NULL;
    ELSIF TG_OP = 'INSERT' OR OLD.detailed_status NOT IN {CLOSED} THEN
        NEW.closed_datetime := coalesce(NEW.closed_datetime, NEW.updated_datetime);
    END IF;
    RETURN NEW;
END
$$
"""

BACKFILL = f"""
UPDATE service_request r SET closed_datetime = coalesce((
    SELECT max(u.created) FROM request_update u
    WHERE u.request_id = r.id AND u.kind <> 'created' AND u.new_status IN {CLOSED}
      AND (u.old_status IS NULL OR u.old_status NOT IN {CLOSED})
), r.updated_datetime)
WHERE r.detailed_status IN {CLOSED}
"""  # noqa: S608 (a constant list of statuses)

# (\: is a colon: the statement goes through SQLAlchemy's text(), where :name is a parameter.)
EXPORT_DATETIME = """
CREATE FUNCTION export_datetime(value timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT overlay(date_trunc('second', value)::text PLACING 'T' FROM 11 FOR 1)
        || CASE WHEN length(date_trunc('second', value)::text) = 22 THEN '\\:00' ELSE '' END
$$
"""


def upgrade() -> None:
    op.add_column("service_request", sa.Column("closed_datetime", sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)
    op.execute(TRACK)
    op.execute(
        "CREATE TRIGGER closed_datetime_on_insert BEFORE INSERT ON service_request FOR EACH ROW "
        f"WHEN (NEW.detailed_status IN {CLOSED}) EXECUTE FUNCTION track_closed_datetime()"
    )
    op.execute(
        "CREATE TRIGGER closed_datetime_on_status BEFORE UPDATE OF detailed_status ON service_request FOR EACH ROW "
        "WHEN (OLD.detailed_status IS DISTINCT FROM NEW.detailed_status) EXECUTE FUNCTION track_closed_datetime()"
    )
    op.execute(EXPORT_DATETIME)


def downgrade() -> None:
    op.execute("DROP FUNCTION export_datetime(timestamptz)")
    op.execute("DROP TRIGGER closed_datetime_on_status ON service_request")
    op.execute("DROP TRIGGER closed_datetime_on_insert ON service_request")
    op.execute("DROP FUNCTION track_closed_datetime()")
    op.drop_column("service_request", "closed_datetime")

"""Indexes ordered for the listings' area and updated_after filters

Revision ID: perf2
Revises: perf1
Create Date: 2026-12-02

service_request_area carries its request's requested_datetime (which never changes; a trigger keeps it in
step if it ever did, and fills it in when a writer leaves it out), so that ``area=`` walks
(area_id, requested_datetime DESC, request_id DESC) in the listing's order and stops after one page, where
it read every request of the area since the beginning (392 ms at 1M requests). ``updated_after`` reads
(jurisdiction_id, updated_datetime) with requested_datetime and id included: the page is sorted from the
index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "perf2"
down_revision = "perf1"
branch_labels = None
depends_on = None

TRIGGERS = """
CREATE FUNCTION service_request_area_requested() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.requested_datetime := (SELECT requested_datetime FROM service_request WHERE id = NEW.request_id);
    RETURN NEW;
END $$;

CREATE TRIGGER service_request_area_requested BEFORE INSERT ON service_request_area
FOR EACH ROW WHEN (NEW.requested_datetime IS NULL) EXECUTE FUNCTION service_request_area_requested();

CREATE FUNCTION service_request_requested_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE service_request_area SET requested_datetime = NEW.requested_datetime WHERE request_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER service_request_requested_moved AFTER UPDATE OF requested_datetime ON service_request
FOR EACH ROW WHEN (OLD.requested_datetime IS DISTINCT FROM NEW.requested_datetime)
EXECUTE FUNCTION service_request_requested_moved();
"""


def upgrade() -> None:
    op.add_column("service_request_area", sa.Column("requested_datetime", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE service_request_area x SET requested_datetime = r.requested_datetime "
        "FROM service_request r WHERE r.id = x.request_id"
    )
    op.alter_column("service_request_area", "requested_datetime", nullable=False)
    op.execute(TRIGGERS)
    op.drop_index("ix_service_request_area_area", table_name="service_request_area")
    op.create_index(
        "ix_service_request_area_listing",
        "service_request_area",
        ["area_id", sa.literal_column("requested_datetime DESC"), sa.literal_column("request_id DESC")],
    )
    op.drop_index("ix_service_request_updated", table_name="service_request")
    op.create_index(
        "ix_service_request_updated",
        "service_request",
        ["jurisdiction_id", "updated_datetime"],
        postgresql_include=["requested_datetime", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_updated", table_name="service_request")
    op.create_index("ix_service_request_updated", "service_request", ["jurisdiction_id", "updated_datetime"])
    op.drop_index("ix_service_request_area_listing", table_name="service_request_area")
    op.create_index("ix_service_request_area_area", "service_request_area", ["area_id", "request_id"])
    op.execute("DROP TRIGGER service_request_requested_moved ON service_request")
    op.execute("DROP TRIGGER service_request_area_requested ON service_request_area")
    op.execute("DROP FUNCTION service_request_requested_moved(), service_request_area_requested()")
    op.drop_column("service_request_area", "requested_datetime")

"""Extension (maps and statistics): a spatial index of requests keyed by their date too, so that a tile or
a box over a window of days reads only those requests (btree_gist); an index of open requests by
expected_datetime (the statistics' requests not yet due)

Revision ID: insight2
Revises: perf3
Create Date: 2026-12-01
"""

from alembic import op

revision = "insight2"
down_revision = "perf3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_index(
        "ix_service_request_location_requested",
        "service_request",
        ["location", "requested_datetime"],
        postgresql_using="gist",
    )
    op.create_index(
        "ix_service_request_open_expected",
        "service_request",
        ["jurisdiction_id", "expected_datetime"],
        postgresql_where="status = 'open'",
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_open_expected", table_name="service_request")
    op.drop_index("ix_service_request_location_requested", table_name="service_request")

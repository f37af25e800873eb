"""The change counter and the areas' copy of requested_datetime are kept by triggers that also fire in a
session with session_replication_role = replica (the importer's batches, which check references by locks
instead of per-row foreign-key triggers; a logical replica applying changes)

Revision ID: perf3
Revises: insight1
Create Date: 2026-12-02
"""

from alembic import op

revision = "perf3"
down_revision = "insight1"
branch_labels = None
depends_on = None

TRIGGERS = (
    ("service_request", "listing_request_written"),
    ("service_request", "listing_request_deleted"),
    ("service_request", "listing_request_truncated"),
    ("service_request", "service_request_requested_moved"),
    ("service_request_area", "service_request_area_requested"),
)


def upgrade() -> None:
    for table, trigger in TRIGGERS:
        op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")


def downgrade() -> None:
    for table, trigger in TRIGGERS:
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

"""The statistics' triggers and the closed_datetime triggers also fire in a session with
session_replication_role = replica, like the listing triggers (migration perf3): the importer's batches,
which check references by locks instead of per-row foreign-key triggers, may skip those checks again

Revision ID: perf4
Revises: insight2
Create Date: 2026-12-03
"""

from alembic import op

revision = "perf4"
down_revision = "insight2"
branch_labels = None
depends_on = None

TRIGGERS = (
    ("service_request", "closed_datetime_on_insert"),
    ("service_request", "closed_datetime_on_status"),
    ("service_request", "stats_inserted"),
    ("service_request", "stats_updated"),
    ("service_request", "stats_deleted"),
    ("service_request", "stats_deleting"),
    ("service_request", "stats_times_inserted"),
    ("service_request", "stats_times_updated"),
    ("service_request_area", "stats_areas_inserted"),
    ("service_request_area", "stats_areas_updated"),
    ("service_request_area", "stats_areas_deleted"),
)


def upgrade() -> None:
    for table, trigger in TRIGGERS:
        op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")


def downgrade() -> None:
    for table, trigger in TRIGGERS:
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

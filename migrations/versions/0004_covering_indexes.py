"""covering indexes for listing, paging and counting requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_service_request_recent", table_name="service_request")
    op.drop_index("ix_service_request_service", table_name="service_request")
    op.create_index(
        "ix_service_request_recent",
        "service_request",
        ["jurisdiction_id", sa.literal_column("requested_datetime DESC"), sa.literal_column("id DESC")],
        postgresql_include=["status", "service_id", "department_id", "location"],
    )
    op.create_index(
        "ix_service_request_service",
        "service_request",
        ["service_id", sa.literal_column("requested_datetime DESC"), sa.literal_column("id DESC")],
        postgresql_include=["jurisdiction_id", "status", "department_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_service", table_name="service_request")
    op.drop_index("ix_service_request_recent", table_name="service_request")
    op.create_index(
        "ix_service_request_service",
        "service_request",
        ["service_id", sa.literal_column("requested_datetime DESC")],
    )
    op.create_index(
        "ix_service_request_recent",
        "service_request",
        ["jurisdiction_id", sa.literal_column("requested_datetime DESC"), sa.literal_column("id DESC")],
    )

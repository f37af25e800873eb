"""duplicate detection: a spatial index of open requests keyed by service (btree_gist)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_index(
        "ix_service_request_open_service_location",
        "service_request",
        ["service_id", "location"],
        postgresql_using="gist",
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_open_service_location", table_name="service_request")

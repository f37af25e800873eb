"""Extension: index of the undelivered webhook events by department (the backlog in /metrics)

Revision ID: edge3
Revises: edge2
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "edge3"
down_revision = "edge2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_event_undelivered",
        "outbox_event",
        ["department_id", "state"],
        postgresql_where=sa.text("state <> 'delivered'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_outbox_event_undelivered", table_name="outbox_event", postgresql_where=sa.text("state <> 'delivered'")
    )

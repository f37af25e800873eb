"""Extension (open data): the licence a jurisdiction publishes its requests under (city file ``licence``)

Revision ID: odata5
Revises: perf4
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "odata5"
down_revision = "perf4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "jurisdiction", sa.Column("open_data_licence", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("jurisdiction", "open_data_licence")

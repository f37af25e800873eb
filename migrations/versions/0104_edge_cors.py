"""Extension: each jurisdiction's CORS origins (pages that may read the API, and write to it)

Revision ID: edge2
Revises: edge1
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "edge2"
down_revision = "edge1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "jurisdiction",
        sa.Column("cors_read_origins", postgresql.ARRAY(sa.Text()), server_default="{*}", nullable=False),
    )
    op.add_column(
        "jurisdiction",
        sa.Column("cors_write_origins", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("jurisdiction", "cors_write_origins")
    op.drop_column("jurisdiction", "cors_read_origins")

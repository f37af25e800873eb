"""Extension: rate limits and flood control. api_key.rate_limit (a key's own requests per minute);
UNLOGGED tables for the shared counters and the fingerprints of recent submissions

Revision ID: edge1
Revises: trust1
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "edge1"
down_revision = "trust1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_key", sa.Column("rate_limit", sa.Integer(), nullable=True))
    op.create_check_constraint(op.f("ck_api_key_rate_limit"), "api_key", "rate_limit > 0")
    op.create_table(
        "rate_limit_counter",
        sa.Column("bucket", sa.String(length=100), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rate_limit_counter")),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "submission_fingerprint",
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("response", postgresql.JSON(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_submission_fingerprint")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("submission_fingerprint")
    op.drop_table("rate_limit_counter")
    op.drop_constraint(op.f("ck_api_key_rate_limit"), "api_key", type_="check")
    op.drop_column("api_key", "rate_limit")

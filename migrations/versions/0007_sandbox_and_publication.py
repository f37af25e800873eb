"""Extensions: a jurisdiction may be the sandbox (test endpoint) of another; services may be kept out of
open data (publish) or published blurred (blur_m)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jurisdiction", sa.Column("sandbox_of_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_jurisdiction_sandbox_of_id_jurisdiction"),
        "jurisdiction",
        "jurisdiction",
        ["sandbox_of_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_unique_constraint(op.f("uq_jurisdiction_sandbox_of_id"), "jurisdiction", ["sandbox_of_id"])
    op.add_column("service", sa.Column("publish", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("service", sa.Column("blur_m", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("service", "blur_m")
    op.drop_column("service", "publish")
    op.drop_constraint(op.f("uq_jurisdiction_sandbox_of_id"), "jurisdiction", type_="unique")
    op.drop_constraint(op.f("fk_jurisdiction_sandbox_of_id_jurisdiction"), "jurisdiction", type_="foreignkey")
    op.drop_column("jurisdiction", "sandbox_of_id")

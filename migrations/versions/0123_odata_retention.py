"""Extension (open data): retention periods of a jurisdiction (the city file's ``retention``)

Personal data (the contact table, and the contact given with citizens' updates) is deleted
``retention_contact_months`` after a request is closed, photos ``retention_media_months`` after, and the
requests of the jurisdiction's sandbox twin ``retention_sandbox_days`` after they were made, by
``open311 retention --apply``. NULL: kept.

Revision ID: odata4
Revises: odata3
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "odata4"
down_revision = "odata3"
branch_labels = None
depends_on = None

COLUMNS = ("retention_contact_months", "retention_media_months", "retention_sandbox_days")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("jurisdiction", sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("jurisdiction", name)

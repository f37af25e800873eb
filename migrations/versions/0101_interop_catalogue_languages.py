"""Extension: the catalogue in the user's language. The jurisdiction's language, and translations of
services (name, description, keywords, group), attributes (description, datatype description) and list
values (name), as {"en": {"service_name": "..."}} maps read from the city file

Revision ID: interop2
Revises: interop1
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "interop2"
down_revision = "interop1"
branch_labels = None
depends_on = None

TRANSLATED = ("service", "service_attribute", "attribute_value")


def upgrade() -> None:
    op.add_column("jurisdiction", sa.Column("language", sa.String(length=35), server_default="en", nullable=False))
    for table in TRANSLATED:
        op.add_column(
            table,
            sa.Column(
                "translations",
                postgresql.JSONB(astext_type=sa.Text()),
                server_default=sa.text("'{}'::jsonb"),
                nullable=False,
            ),
        )


def downgrade() -> None:
    for table in reversed(TRANSLATED):
        op.drop_column(table, "translations")
    op.drop_column("jurisdiction", "language")

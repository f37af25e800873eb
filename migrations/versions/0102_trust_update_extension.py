"""mySociety's update extension as FixMyStreet uses it: update_id unique per key (a resend answers the
original), several media_url per update, and the personal data of an update in a table of its own

Revision ID: trust1
Revises: interop2
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "trust1"
down_revision = "interop2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_update_contact",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("email_alerts_requested", sa.Boolean(), nullable=True),
        sa.Column("public_anonymity_required", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["request_update.id"],
            name=op.f("fk_request_update_contact_update_id_request_update"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_request_update_contact")),
    )
    op.execute(
        "INSERT INTO request_update_contact (update_id, email, first_name, last_name, phone, account_id) "
        "SELECT id, contact->>'email', contact->>'first_name', contact->>'last_name', contact->>'phone', "
        "contact->>'account_id' FROM request_update WHERE contact IS NOT NULL"
    )
    op.drop_column("request_update", "contact")
    op.add_column("request_update", sa.Column("media_urls", postgresql.ARRAY(sa.Text()), nullable=True))
    op.drop_constraint(op.f("uq_request_update_jurisdiction_id_client_update_id"), "request_update", type_="unique")
    op.create_unique_constraint(
        op.f("uq_request_update_jurisdiction_id_api_key_id_client_update_id"),
        "request_update",
        ["jurisdiction_id", "api_key_id", "client_update_id"],
    )


def downgrade() -> None:
    # Fails if two keys used the same update_id in one jurisdiction (allowed since this revision).
    op.drop_constraint(
        op.f("uq_request_update_jurisdiction_id_api_key_id_client_update_id"), "request_update", type_="unique"
    )
    op.create_unique_constraint(
        op.f("uq_request_update_jurisdiction_id_client_update_id"),
        "request_update",
        ["jurisdiction_id", "client_update_id"],
    )
    op.drop_column("request_update", "media_urls")
    op.add_column("request_update", sa.Column("contact", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute(
        "UPDATE request_update u SET contact = jsonb_strip_nulls(jsonb_build_object("
        "'email', c.email, 'first_name', c.first_name, 'last_name', c.last_name, 'title', c.title, "
        "'phone', c.phone, 'account_id', c.account_id)) "
        "FROM request_update_contact c WHERE c.update_id = u.id"
    )
    op.drop_table("request_update_contact")

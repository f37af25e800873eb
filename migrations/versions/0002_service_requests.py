"""service requests, their areas and contacts, api keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:16:19.373296
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_api_key_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    op.create_geospatial_table(
        "service_request",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("detailed_status", sa.String(length=32), server_default="received", nullable=False),
        sa.Column(
            "status",
            sa.String(length=6),
            sa.Computed(
                "CASE WHEN detailed_status IN ('fixed', 'closed', 'duplicate', 'not_responsible', 'no_further_action', 'cancelled') THEN 'closed' ELSE 'open' END",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("status_notes", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("address_id", sa.String(length=200), nullable=True),
        sa.Column("zipcode", sa.String(length=20), nullable=True),
        sa.Column(
            "location",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column(
            "attributes", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("service_notice", sa.Text(), nullable=True),
        sa.Column("requested_datetime", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_datetime", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expected_datetime", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "detailed_status IN ('received', 'investigating', 'in_progress', 'action_scheduled', 'reopened', 'fixed', 'closed', 'duplicate', 'not_responsible', 'no_further_action', 'cancelled')",
            name=op.f("ck_service_request_detailed_status"),
        ),
        sa.CheckConstraint("char_length(description) <= 4000", name=op.f("ck_service_request_description_length")),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_service_request_api_key_id_api_key"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_service_request_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_service_request_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_service_request_service_id_service"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_request")),
        sa.UniqueConstraint(
            "jurisdiction_id", "external_id", name=op.f("uq_service_request_jurisdiction_id_external_id")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_service_request_token")),
    )
    op.create_index(op.f("ix_service_request_department_id"), "service_request", ["department_id"], unique=False)
    op.create_geospatial_index(
        "ix_service_request_location",
        "service_request",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_service_request_recent",
        "service_request",
        ["jurisdiction_id", sa.literal_column("requested_datetime DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_service_request_service",
        "service_request",
        ["service_id", sa.literal_column("requested_datetime DESC")],
        unique=False,
    )
    op.create_index(
        "ix_service_request_updated", "service_request", ["jurisdiction_id", "updated_datetime"], unique=False
    )
    op.create_table(
        "service_request_area",
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_service_request_area_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["layer_id"],
            ["area_layer.id"],
            name=op.f("fk_service_request_area_layer_id_area_layer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_service_request_area_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "layer_id", name=op.f("pk_service_request_area")),
    )
    op.create_index("ix_service_request_area_area", "service_request_area", ["area_id", "request_id"], unique=False)
    op.create_table(
        "service_request_contact",
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_service_request_contact_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_service_request_contact")),
    )
    op.add_column(
        "jurisdiction", sa.Column("accept_outside", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.add_column("service", sa.Column("service_notice", sa.Text(), nullable=True))
    op.add_column("service", sa.Column("resolution_hours", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("service", "resolution_hours")
    op.drop_column("service", "service_notice")
    op.drop_column("jurisdiction", "accept_outside")
    op.drop_table("service_request_contact")
    op.drop_index("ix_service_request_area_area", table_name="service_request_area")
    op.drop_table("service_request_area")
    op.drop_index("ix_service_request_updated", table_name="service_request")
    op.drop_index("ix_service_request_service", table_name="service_request")
    op.drop_index("ix_service_request_recent", table_name="service_request")
    op.drop_geospatial_index(
        "ix_service_request_location", table_name="service_request", postgresql_using="gist", column_name="location"
    )
    op.drop_index(op.f("ix_service_request_department_id"), table_name="service_request")
    op.drop_geospatial_table("service_request")
    op.drop_table("api_key")

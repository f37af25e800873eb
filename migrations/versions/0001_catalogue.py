"""catalogue: jurisdictions, areas, departments, services, routing

Revision ID: 0001
Revises:
Create Date: 2026-11-23 08:07:42.883353
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "jurisdiction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("key_service", sa.Text(), nullable=False),
        sa.Column("default_department_id", sa.Integer(), nullable=True),
        sa.Column("changeset", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdiction")),
        sa.UniqueConstraint("jurisdiction_id", name=op.f("uq_jurisdiction_jurisdiction_id")),
    )
    op.create_table(
        "area_layer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_area_layer_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_layer")),
        sa.UniqueConstraint("jurisdiction_id", "code", name=op.f("uq_area_layer_jurisdiction_id_code")),
    )
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_department_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("jurisdiction_id", "code", name=op.f("uq_department_jurisdiction_id_code")),
    )
    op.create_foreign_key(
        op.f("fk_jurisdiction_default_department_id_department"),
        "jurisdiction",
        "department",
        ["default_department_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_geospatial_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["layer_id"], ["area_layer.id"], name=op.f("fk_area_layer_id_area_layer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("layer_id", "code", name=op.f("uq_area_layer_id_code")),
    )
    op.create_geospatial_index(
        "ix_area_geom", "area", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_area_layer_id"), "area", ["layer_id"], unique=False)
    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("service_name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("group", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("default_department_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("type IN ('realtime', 'batch', 'blackbox')", name=op.f("ck_service_type")),
        sa.ForeignKeyConstraint(
            ["default_department_id"],
            ["department.id"],
            name=op.f("fk_service_default_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_service_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("jurisdiction_id", "service_code", name=op.f("uq_service_jurisdiction_id_service_code")),
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_routing_rule_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_routing_rule_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_routing_rule_service_id_service"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
        sa.UniqueConstraint("service_id", "area_id", name=op.f("uq_routing_rule_service_id_area_id")),
    )
    op.create_index(op.f("ix_routing_rule_area_id"), "routing_rule", ["area_id"], unique=False)
    op.create_index(op.f("ix_routing_rule_department_id"), "routing_rule", ["department_id"], unique=False)
    op.create_table(
        "service_attribute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("variable", sa.Boolean(), nullable=False),
        sa.Column("datatype", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("datatype_description", sa.Text(), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "datatype IN ('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist')",
            name=op.f("ck_service_attribute_datatype"),
        ),
        sa.CheckConstraint('"order" > 0', name=op.f("ck_service_attribute_order_positive")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_service_attribute_service_id_service"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_attribute")),
        sa.UniqueConstraint("service_id", "code", name=op.f("uq_service_attribute_service_id_code")),
        sa.UniqueConstraint("service_id", "order", name=op.f("uq_service_attribute_service_id_order")),
    )
    op.create_table(
        "attribute_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["service_attribute.id"],
            name=op.f("fk_attribute_value_attribute_id_service_attribute"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_value")),
        sa.UniqueConstraint("attribute_id", "key", name=op.f("uq_attribute_value_attribute_id_key")),
    )


def downgrade() -> None:
    op.drop_table("attribute_value")
    op.drop_table("service_attribute")
    op.drop_index(op.f("ix_routing_rule_department_id"), table_name="routing_rule")
    op.drop_index(op.f("ix_routing_rule_area_id"), table_name="routing_rule")
    op.drop_table("routing_rule")
    op.drop_table("service")
    op.drop_index(op.f("ix_area_layer_id"), table_name="area")
    op.drop_geospatial_index("ix_area_geom", table_name="area", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("area")
    op.drop_constraint(op.f("fk_jurisdiction_default_department_id_department"), "jurisdiction", type_="foreignkey")
    op.drop_table("department")
    op.drop_table("area_layer")
    op.drop_table("jurisdiction")

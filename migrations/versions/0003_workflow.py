"""workflow: history, staff keys, duplicates, webhooks, outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:29:13.693630
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key_department",
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_api_key_department_api_key_id_api_key"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_api_key_department_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", "department_id", name=op.f("pk_api_key_department")),
    )
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "event_type IN ('request.created', 'request.status_changed', 'request.reassigned', 'request.merged')",
            name=op.f("ck_outbox_event_event_type"),
        ),
        sa.CheckConstraint("state IN ('pending', 'delivered', 'dead')", name=op.f("ck_outbox_event_state")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_outbox_event_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_outbox_event_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    op.create_index(
        "ix_outbox_event_due",
        "outbox_event",
        ["next_attempt"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index("ix_outbox_event_request", "outbox_event", ["department_id", "request_id", "id"], unique=False)
    op.create_table(
        "request_update",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("old_status", sa.String(length=32), nullable=True),
        sa.Column("new_status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("old_department_id", sa.Integer(), nullable=True),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("client_update_id", sa.String(length=100), nullable=True),
        sa.Column("contact", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "kind IN ('created', 'status', 'note', 'reassigned', 'merged', 'media', 'citizen')",
            name=op.f("ck_request_update_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_request_update_api_key_id_api_key"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_request_update_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_request_update_jurisdiction_id_jurisdiction"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["old_department_id"],
            ["department.id"],
            name=op.f("fk_request_update_old_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_request_update_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_update")),
        sa.UniqueConstraint(
            "jurisdiction_id", "client_update_id", name=op.f("uq_request_update_jurisdiction_id_client_update_id")
        ),
    )
    op.create_index("ix_request_update_changed", "request_update", ["jurisdiction_id", "created"], unique=False)
    op.create_index("ix_request_update_request", "request_update", ["request_id", "id"], unique=False)
    op.add_column("api_key", sa.Column("role", sa.String(length=16), server_default="client", nullable=False))
    op.add_column("department", sa.Column("webhook_url", sa.Text(), nullable=True))
    op.add_column("department", sa.Column("webhook_secret", sa.Text(), nullable=True))
    op.add_column("service", sa.Column("duplicate_radius_m", sa.Integer(), server_default="50", nullable=False))
    op.add_column("service", sa.Column("duplicate_window_days", sa.Integer(), server_default="30", nullable=False))
    op.add_column("service_request", sa.Column("parent_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_service_request_parent_id"), "service_request", ["parent_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_service_request_parent_id_service_request"),
        "service_request",
        "service_request",
        ["parent_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_service_request_parent_id_service_request"), "service_request", type_="foreignkey")
    op.drop_index(op.f("ix_service_request_parent_id"), table_name="service_request")
    op.drop_column("service_request", "parent_id")
    op.drop_column("service", "duplicate_window_days")
    op.drop_column("service", "duplicate_radius_m")
    op.drop_column("department", "webhook_secret")
    op.drop_column("department", "webhook_url")
    op.drop_column("api_key", "role")
    op.drop_index("ix_request_update_request", table_name="request_update")
    op.drop_index("ix_request_update_changed", table_name="request_update")
    op.drop_table("request_update")
    op.drop_index("ix_outbox_event_request", table_name="outbox_event")
    op.drop_index("ix_outbox_event_due", table_name="outbox_event", postgresql_where=sa.text("state = 'pending'"))
    op.drop_table("outbox_event")
    op.drop_table("api_key_department")

"""Events for departments' webhooks, written in the same transaction as the change they describe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

EVENT_TYPES = ("request.created", "request.status_changed", "request.reassigned", "request.merged")
DELIVERY_STATES = ("pending", "delivered", "dead")


class OutboxEvent(Base):
    """One event to POST to one department's webhook; delivered by ``open311 deliver``."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        CheckConstraint(f"event_type IN ({', '.join(repr(e) for e in EVENT_TYPES)})", name="event_type"),
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in DELIVERY_STATES)})", name="state"),
        Index("ix_outbox_event_due", "next_attempt", postgresql_where=text("state = 'pending'")),
        Index("ix_outbox_event_request", "department_id", "request_id", "id"),
        # Extension: the backlog by department (/metrics) without reading the delivered events.
        Index("ix_outbox_event_undelivered", "department_id", "state", postgresql_where=text("state <> 'delivered'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSONB)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    state: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

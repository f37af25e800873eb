"""The history of a request: every change, who made it, and what it changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

UPDATE_KINDS = ("created", "status", "note", "reassigned", "merged", "media", "citizen")


class RequestUpdate(Base):
    """One change of a request. ``status_notes``, ``updated_datetime`` and the department follow the latest."""

    __tablename__ = "request_update"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in UPDATE_KINDS)})", name="kind"),
        #: A client's own update_id (mySociety's POST servicerequestupdates) is applied once per key: a resend
        #: answers the original, even when several copies race (the constraint decides, not a lookup).
        UniqueConstraint("jurisdiction_id", "api_key_id", "client_update_id"),
        Index("ix_request_update_request", "request_id", "id"),
        Index("ix_request_update_changed", "jurisdiction_id", "created"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id", ondelete="SET NULL"))
    old_status: Mapped[str | None] = mapped_column(String(32))
    new_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    #: The department responsible after this change.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    old_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    media_url: Mapped[str | None] = mapped_column(Text)
    #: Every photo of an update that carried several (a repeated ``media_url``); ``media_url`` is the first.
    media_urls: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    client_update_id: Mapped[str | None] = mapped_column(String(100))
    # Extension (open data): the note with e-mail addresses and phone numbers removed, NULL when nothing
    # was (migration odata1); public outputs read coalesce(public_note, note).
    public_note: Mapped[str | None] = mapped_column(Text, Computed("public_text(note)", persisted=True))


class RequestUpdateContact(Base):
    """Personal data sent with an update (mySociety's servicerequestupdates): kept for the city, never returned."""

    __tablename__ = "request_update_contact"

    update_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("request_update.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(50))
    account_id: Mapped[str | None] = mapped_column(String(200))
    email_alerts_requested: Mapped[bool | None] = mapped_column(Boolean)
    public_anonymity_required: Mapped[bool | None] = mapped_column(Boolean)

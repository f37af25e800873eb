"""API keys of client applications: stored as SHA-256 hashes, scoped to a jurisdiction or to all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_column

ROLES = ("client", "staff")

#: Extension: the departments a staff key may act for (none: the whole jurisdiction).
api_key_department = Table(
    "api_key_department",
    Base.metadata,
    Column("api_key_id", ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)


class ApiKey(Base):
    """A key an application sends as ``api_key``; only its hash is kept."""

    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the key, to recognise it in listings.
    prefix: Mapped[str] = mapped_column(String(16))
    #: None: valid for every jurisdiction of the server.
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"))
    #: client: third-party apps (submit and read); staff: the city's departments (Extension).
    role: Mapped[str] = mapped_column(String(16), server_default="client")
    created: Mapped[datetime] = created_column()
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Extension: this key's requests per minute (None: the server's default, OPEN311_RATE_LIMIT_KEY).
    rate_limit: Mapped[int | None] = mapped_column(Integer, CheckConstraint("rate_limit > 0", name="rate_limit"))

    #: Loaded only for staff checks (a client key's POST never needs it).
    departments = relationship("Department", secondary=api_key_department, lazy="select")

"""API keys of client applications: stored as SHA-256 hashes, scoped to a jurisdiction or to all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_column


class ApiKey(Base):
    """A key an application sends as ``api_key``; only its hash is kept."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the key, to recognise it in listings.
    prefix: Mapped[str] = mapped_column(String(16))
    #: None: valid for every jurisdiction of the server.
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"))
    created: Mapped[datetime] = created_column()
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Extension: one change counter per jurisdiction, for conditional GETs of the listings (ETag, 304).

Written only by database triggers (migration perf1): every transaction that changes a request, a
service, a department, an area or a jurisdiction bumps the counters of the jurisdictions concerned as it
commits. ``changed_at`` never goes back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ListingVersion(Base):
    """How many committed transactions changed what the jurisdiction's listings show, and when the last did."""

    __tablename__ = "listing_version"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

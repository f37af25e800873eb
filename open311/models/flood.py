"""Extension: the shared state of rate limits and flood control (UNLOGGED: counters, not records).

UNLOGGED tables skip the write-ahead log: their writes cost no WAL and no fsync, and after a crash
PostgreSQL empties them, which only resets the counters and forgets recent fingerprints.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateLimitCounter(Base):
    """Hits of one bucket (a key's or a client address's) in its current fixed window."""

    __tablename__ = "rate_limit_counter"
    __table_args__: ClassVar = {"prefixes": ["UNLOGGED"]}

    bucket: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: Start of the window, in seconds since the epoch.
    window_start: Mapped[int] = mapped_column(BigInteger)
    hits: Mapped[int] = mapped_column(Integer)


class SubmissionFingerprint(Base):
    """A recent submission of one key (a hash of everything it posted) and the answer it got:
    an identical submission within the fold window gets the same answer and stores nothing."""

    __tablename__ = "submission_fingerprint"
    __table_args__: ClassVar = {"prefixes": ["UNLOGGED"]}

    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    #: JSON, not JSONB: the answer is given again with its fields in their order.
    response: Mapped[list | None] = mapped_column(JSON)

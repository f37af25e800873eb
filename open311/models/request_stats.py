"""Extension (statistics): rollups of the requests, kept by the database with every write (docs/metrics.md).

Every change of what a request counts for is appended to ``stats_pending`` by triggers (migration
insight1); ``stats_fold()`` adds the pending changes to ``request_stats`` in bulk. One row of
``request_stats`` per cell: a cuboid (which keys it keeps), a grain (day, month or year) and its period's
first day, the keys (0 or '' where the cuboid drops them), and the counts and histograms of the events
of that period. Cuboid 0 keeps day rows for the last two months and the days ahead only (due dates).
Neither table is written by the application.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CHAR, BigInteger, Date, DateTime, Integer, PrimaryKeyConstraint, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

#: The cuboids: which keys a row keeps (every other key is 0 or ''), and their grains.
CUBOID_SERVICE_DEPARTMENT_STATUS = 0  # layer 0: every request; a layer and area: per area of that layer
CUBOID_AREA = 1
CUBOID_SERVICE = 2
GRAINS = {CUBOID_SERVICE_DEPARTMENT_STATUS: "dmy", CUBOID_AREA: "dmy", CUBOID_SERVICE: "dmy"}
#: Cuboid 0 keeps its day rows for this many days back only (and the days ahead); 2 days of margin.
RECENT_DAYS = {CUBOID_SERVICE_DEPARTMENT_STATUS: 60}

KEYS = ("jurisdiction_id", "cuboid", "grain", "period", "layer_id", "area_id", "service_id", "department_id", "status")
MEASURES = ("opened", "closed", "closed_with_target", "closed_on_time", "responded", "due", "due_closed")


class RequestStats(Base):
    """Counts and histograms of one cell of the rollups."""

    __tablename__ = "request_stats"
    __table_args__ = (PrimaryKeyConstraint(*KEYS), {"postgresql_with": {"fillfactor": 80}})

    jurisdiction_id: Mapped[int] = mapped_column(Integer)
    cuboid: Mapped[int] = mapped_column(SmallInteger)
    #: d (day), m (month) or y (year).
    grain: Mapped[str] = mapped_column(CHAR(1))
    period: Mapped[date] = mapped_column(Date)
    layer_id: Mapped[int] = mapped_column(Integer)
    area_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(6))
    #: Requests submitted in the period.
    opened: Mapped[int] = mapped_column(Integer)
    #: Requests (now closed) whose closed_datetime falls in the period, with an expected_datetime, on time.
    closed: Mapped[int] = mapped_column(Integer)
    closed_with_target: Mapped[int] = mapped_column(Integer)
    closed_on_time: Mapped[int] = mapped_column(Integer)
    #: Requests whose first change of status falls in the period.
    responded: Mapped[int] = mapped_column(Integer)
    #: Requests that fell due in the period (greatest of requested and expected), and those due that were
    #: closed, counted on the later of their due and closing days (overdue = cumulated due - due_closed).
    due: Mapped[int] = mapped_column(Integer)
    due_closed: Mapped[int] = mapped_column(Integer)
    #: Histograms of the time to close / to first response: comma-separated buckets and their counts
    #: (open311/logic/insight/histograms.py).
    close_buckets: Mapped[str] = mapped_column(Text)
    close_counts: Mapped[str] = mapped_column(Text)
    response_buckets: Mapped[str] = mapped_column(Text)
    response_counts: Mapped[str] = mapped_column(Text)


class StatsPending(Base):
    """One change of what a request counts for, not yet folded into the rollups (+1 new state, -1 old)."""

    __tablename__ = "stats_pending"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sign: Mapped[int] = mapped_column(SmallInteger)
    jurisdiction_id: Mapped[int] = mapped_column(Integer)
    #: 0 for the request itself, else the layer of one of its areas.
    layer_id: Mapped[int] = mapped_column(Integer)
    area_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(6))
    requested: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expected: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""Service requests, the areas they fall in, and the submitter's contact data (never returned)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

#: Detailed statuses, each shown as ``open`` or ``closed`` in the standard's ``status``.
OPEN_STATUSES = ("received", "investigating", "in_progress", "action_scheduled", "reopened")
CLOSED_STATUSES = ("fixed", "closed", "duplicate", "not_responsible", "no_further_action", "cancelled")
DETAILED_STATUSES = OPEN_STATUSES + CLOSED_STATUSES

_CLOSED_SQL = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
_ALL_SQL = ", ".join(f"'{s}'" for s in DETAILED_STATUSES)


class ServiceRequest(Base):
    """One report. ``service_request_id`` is the id as a string; ``status`` follows ``detailed_status``."""

    __tablename__ = "service_request"
    #: Read the computed ``status`` back with RETURNING on every INSERT and UPDATE (no extra query).
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 (SQLAlchemy's mapper configuration)
    __table_args__ = (
        CheckConstraint(f"detailed_status IN ({_ALL_SQL})", name="detailed_status"),
        CheckConstraint("char_length(description) <= 4000", name="description_length"),
        UniqueConstraint("jurisdiction_id", "external_id"),
        # Covering indexes: listing, paging and counting with the usual filters are index-only scans.
        Index(
            "ix_service_request_recent",
            "jurisdiction_id",
            text("requested_datetime DESC"),
            text("id DESC"),
            postgresql_include=["status", "service_id", "department_id", "location"],
        ),
        # Extension: updated_after sorts its page from the index alone.
        Index(
            "ix_service_request_updated",
            "jurisdiction_id",
            "updated_datetime",
            postgresql_include=["requested_datetime", "id"],
        ),
        Index(
            "ix_service_request_service",
            "service_id",
            text("requested_datetime DESC"),
            text("id DESC"),
            postgresql_include=["jurisdiction_id", "status", "department_id"],
        ),
        Index("ix_service_request_location", "location", postgresql_using="gist"),
        # Extension (maps): a tile or a box over a window of dates reads only the requests of both (btree_gist).
        Index("ix_service_request_location_requested", "location", "requested_datetime", postgresql_using="gist"),
        # Extension (statistics): open requests by target date (those not due yet, for overdue counts now).
        Index(
            "ix_service_request_open_expected",
            "jurisdiction_id",
            "expected_datetime",
            postgresql_where=text("status = 'open'"),
        ),
        # Duplicate detection looks near a new request among open ones of its service only (about 5% of
        # ten years, and a fraction of those): service_id is a GiST key through btree_gist.
        Index(
            "ix_service_request_open_service_location",
            "service_id",
            "location",
            postgresql_using="gist",
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="RESTRICT"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"), index=True)
    detailed_status: Mapped[str] = mapped_column(String(32), server_default="received")
    status: Mapped[str] = mapped_column(
        String(6),
        Computed(f"CASE WHEN detailed_status IN ({_CLOSED_SQL}) THEN 'closed' ELSE 'open' END", persisted=True),
    )
    status_notes: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    # Extension: when the submitter gave no address, the location described from the request's areas (most
    # specific first, then the jurisdiction; SQL function location_description(), migration interop1),
    # written with the request: listings return it as ``address``, never null (strict clients need one).
    location_description: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[str | None] = mapped_column(String(200))
    zipcode: Mapped[str | None] = mapped_column(String(20))
    location: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    media_url: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    service_notice: Mapped[str | None] = mapped_column(Text)
    requested_datetime: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_datetime: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expected_datetime: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Extension (open data): when the request last became closed, NULL while open. Kept by triggers on
    #: every write path (migration odata3): the Bulk format's closed_datetime and the retention clock.
    closed_datetime: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    #: Batch services answer with this token; GET tokens/{token} resolves it.
    token: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: Id in the system a request was imported from (unique per jurisdiction).
    external_id: Mapped[str | None] = mapped_column(String(100))
    #: How the request came in (app name, "import", a channel recorded by the source).
    channel: Mapped[str | None] = mapped_column(String(100))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id", ondelete="SET NULL"))
    # Extension (statistics, docs/metrics.md): when its status first changed (closed_datetime above is the
    # other time statistics read); kept by database triggers (migration insight1) from detailed_status and
    # updated_datetime, so that every write path sets them alike.
    first_response_datetime: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    #: The request this one duplicates (Chicago's parent_service_request_id).
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("service_request.id", ondelete="SET NULL"), index=True
    )
    # Extension (open data): the texts public outputs show, with e-mail addresses and phone numbers
    # removed (migration odata1, docs/open-data.md). Computed by PostgreSQL at every write; NULL when
    # nothing was removed, so that public outputs read coalesce(public_x, x).
    public_description: Mapped[str | None] = mapped_column(Text, Computed("public_text(description)", persisted=True))
    public_status_notes: Mapped[str | None] = mapped_column(Text, Computed("public_text(status_notes)", persisted=True))
    public_address: Mapped[str | None] = mapped_column(Text, Computed("public_text(address)", persisted=True))
    public_attributes: Mapped[dict | None] = mapped_column(
        JSONB, Computed("public_attributes(attributes)", persisted=True)
    )

    areas: Mapped[list[ServiceRequestArea]] = relationship(cascade="all, delete-orphan")
    contact: Mapped[ServiceRequestContact | None] = relationship(cascade="all, delete-orphan")


class ServiceRequestArea(Base):
    """The area of one layer that holds a request."""

    __tablename__ = "service_request_area"
    # Extension: the area filter walks an area's requests in the listing's order and stops after a page.
    __table_args__ = (
        Index("ix_service_request_area_listing", "area_id", text("requested_datetime DESC"), text("request_id DESC")),
    )

    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("area_layer.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    #: The request's requested_datetime (migration perf2: filled in by a trigger when a writer leaves it out).
    requested_datetime: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServiceRequestContact(Base):
    """Personal data of the submitter: stored for the city, never returned by any GET."""

    __tablename__ = "service_request_contact"

    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    device_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))

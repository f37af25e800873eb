"""Jurisdictions and their geography: layers of areas (borough, community district, ...)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Jurisdiction(Base):
    """A city served by this server, named by its ``jurisdiction_id`` (e.g. ``paris.fr``)."""

    __tablename__ = "jurisdiction"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(Text)
    key_service: Mapped[str] = mapped_column(Text)
    default_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL", use_alter=True)
    )
    #: Accept points outside every area (routed to the default departments) instead of refusing them.
    accept_outside: Mapped[bool] = mapped_column(Boolean, server_default=false())
    #: Last change of the catalogue or the discovery document (discovery ``changeset``).
    changeset: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Extension: the sandbox behind the discovery's ``test`` endpoint is a twin jurisdiction of the one it
    # serves (same catalogue and areas, no webhooks). Its requests never reach departments, statistics or
    # exports: everything keyed by jurisdiction keeps them apart at no cost to the production paths.
    sandbox_of_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"), unique=True)
    # Extension: the language of the catalogue's texts (BCP 47, e.g. fr), the fallback of every translation.
    language: Mapped[str] = mapped_column(String(35), server_default="en")
    #: Extension: web origins whose pages may read the API (CORS; ``*``: any) and write to it.
    cors_read_origins: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{*}")
    cors_write_origins: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    # Extension (open data): how long personal data, photos and the sandbox twin's requests are kept
    # (the city file's retention; NULL: kept). `open311 retention` applies them (docs/open-data.md).
    retention_contact_months: Mapped[int | None] = mapped_column(Integer)
    retention_media_months: Mapped[int | None] = mapped_column(Integer)
    retention_sandbox_days: Mapped[int | None] = mapped_column(Integer)
    # Extension (open data): the licence the city publishes its requests under, as a Frictionless licence
    # ({name, path, title}; the city file's ``licence``), named in every datapackage.json. NULL: none said.
    open_data_licence: Mapped[dict | None] = mapped_column(JSONB)

    layers: Mapped[list[AreaLayer]] = relationship(
        back_populates="jurisdiction", order_by="AreaLayer.rank", cascade="all, delete-orphan"
    )
    default_department = relationship("Department", foreign_keys=[default_department_id], post_update=True)


class AreaLayer(Base):
    """One level of areas of a jurisdiction; a higher ``rank`` is more specific."""

    __tablename__ = "area_layer"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[int] = mapped_column(Integer)

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="layers")
    areas: Mapped[list[Area]] = relationship(back_populates="layer", cascade="all, delete-orphan")


class Area(Base):
    """One polygon of a layer (an arrondissement, a borough, a community district)."""

    __tablename__ = "area"
    __table_args__ = (
        UniqueConstraint("layer_id", "code"),
        Index("ix_area_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("area_layer.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)

    layer: Mapped[AreaLayer] = relationship(back_populates="areas")

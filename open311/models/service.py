"""The service catalogue: services, their attribute definitions and the values of list attributes."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, text, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

SERVICE_TYPES = ("realtime", "batch", "blackbox")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Service(Base):
    """A service request type of a jurisdiction, identified by its ``service_code``."""

    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "service_code"),
        CheckConstraint(_one_of("type", SERVICE_TYPES), name="type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(String(64))
    service_name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default="realtime")
    keywords: Mapped[str | None] = mapped_column(Text)
    group: Mapped[str | None] = mapped_column(String(200))
    #: Position in the service list (the order of the city file).
    position: Mapped[int] = mapped_column(Integer, default=0)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="SET NULL"))
    #: Returned as ``service_notice`` with each new request of this service.
    service_notice: Mapped[str | None] = mapped_column(Text)
    #: Resolution target: ``expected_datetime`` is the request time plus this many hours.
    resolution_hours: Mapped[int | None] = mapped_column(Integer)
    #: Duplicate detection: open requests of this service within this distance and age are flagged.
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, server_default="50")
    duplicate_window_days: Mapped[int] = mapped_column(Integer, server_default="30")
    # Extension (open data): ``publish: false`` keeps the service's requests out of public listings and
    # exports (counts may still show in statistics); ``blur: METRES`` publishes their points moved to the
    # centre of a grid cell of that size inside the same area.
    publish: Mapped[bool] = mapped_column(Boolean, server_default=true())
    blur_m: Mapped[int | None] = mapped_column(Integer)
    # Extension: the texts in other languages, {"en": {"service_name": ..., "description": ..., "keywords": ...,
    # "group": ...}} (the jurisdiction's language is in the columns themselves).
    translations: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    #: Extension (open data): whether the photos of its requests are public (the city file's
    #: ``publish_media``, of the service or else of the jurisdiction; migration odata2).
    publish_media: Mapped[bool] = mapped_column(Boolean, server_default=true())

    attributes: Mapped[list[ServiceAttribute]] = relationship(
        back_populates="service", order_by="ServiceAttribute.order", cascade="all, delete-orphan"
    )


class ServiceAttribute(Base):
    """One field of a service definition (``attribute`` in the standard)."""

    __tablename__ = "service_attribute"
    __table_args__ = (
        UniqueConstraint("service_id", "code"),
        UniqueConstraint("service_id", "order"),
        CheckConstraint(_one_of("datatype", DATATYPES), name="datatype"),
        CheckConstraint('"order" > 0', name="order_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    variable: Mapped[bool] = mapped_column(Boolean, default=True)
    datatype: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    datatype_description: Mapped[str | None] = mapped_column(Text)
    order: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    #: Extension: {"en": {"description": ..., "datatype_description": ...}}.
    translations: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))

    service: Mapped[Service] = relationship(back_populates="attributes")
    values: Mapped[list[AttributeValue]] = relationship(
        back_populates="attribute", order_by="AttributeValue.position", cascade="all, delete-orphan"
    )


class AttributeValue(Base):
    """An option of a singlevaluelist or multivaluelist attribute."""

    __tablename__ = "attribute_value"
    __table_args__ = (UniqueConstraint("attribute_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("service_attribute.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    #: Extension: {"en": {"name": ...}}.
    translations: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))

    attribute: Mapped[ServiceAttribute] = relationship(back_populates="values")

"""The service catalogue of a jurisdiction: the service list and service definitions."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from ..errors import NotFound
from ..models import Jurisdiction, Service, ServiceAttribute
from ..models.service import LIST_DATATYPES
from .languages import texts_in


def list_services(session: Session, jurisdiction: Jurisdiction, language: str | None = None) -> list[dict]:
    """GET services: every service of the jurisdiction in catalogue order, its texts in ``language``
    (Extension; default and fallback: the jurisdiction's language).

    ``metadata`` is true exactly when the service has attributes, so that it never disagrees
    with the service definition.
    """
    has_attributes = exists().where(ServiceAttribute.service_id == Service.id)
    rows = session.execute(
        select(Service, has_attributes.label("metadata"))
        .where(Service.jurisdiction_id == jurisdiction.id)
        .order_by(Service.position, Service.service_code)
    ).all()
    services = []
    for service, metadata in rows:
        texts = texts_in(
            language,
            {"service_name": service.service_name, "description": service.description,
             "keywords": service.keywords, "group": service.group},
            service.translations,
        )  # fmt: skip
        services.append(
            {
                "service_code": service.service_code,
                "service_name": texts["service_name"],
                "description": texts["description"],
                "metadata": bool(metadata),
                "type": service.type,
                "keywords": texts["keywords"],
                "group": texts["group"],
            }
        )
    return services


def find_service(session: Session, jurisdiction: Jurisdiction, service_code: str) -> Service:
    """The service with ``service_code`` in the jurisdiction, or 404."""
    service = session.scalar(
        select(Service)
        .where(Service.jurisdiction_id == jurisdiction.id, Service.service_code == service_code)
        .options(selectinload(Service.attributes).selectinload(ServiceAttribute.values))
    )
    if service is None:
        raise NotFound(f"service_code provided was not found: {service_code}")
    return service


def service_definition(
    session: Session, jurisdiction: Jurisdiction, service_code: str, language: str | None = None
) -> dict:
    """GET services/{service_code}: the service's attributes in their order (values for list types), their
    descriptions and value names in ``language`` (Extension; fallback: the jurisdiction's language)."""
    service = find_service(session, jurisdiction, service_code)
    attributes = []
    for attribute in service.attributes:
        texts = texts_in(
            language,
            {"datatype_description": attribute.datatype_description, "description": attribute.description},
            attribute.translations,
        )
        item = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": texts["datatype_description"],
            "order": attribute.order,
            "description": texts["description"],
        }
        if attribute.datatype in LIST_DATATYPES:
            item["values"] = [
                {"key": value.key, "name": texts_in(language, {"name": value.name}, value.translations)["name"]}
                for value in attribute.values
            ]
        attributes.append(item)
    return {"service_code": service.service_code, "attributes": attributes}

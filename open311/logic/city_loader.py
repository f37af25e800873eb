"""Loading a city file into the database: one transaction, updated in place, never duplicated."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from geoalchemy2.shape import from_shape
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import Area, AreaLayer, AttributeValue, Department, Jurisdiction, RoutingRule, Service, ServiceAttribute
from .city_file import CityFile
from .geometry import GeometryProblem, to_multipolygon
from .webhooks import WebhookRefused, check_destination, signing_key

Progress = Callable[[str], None]
PROGRESS_EVERY = 25


def load_city(
    session: Session, path: Path, progress: Progress | None = None, *, allow_private_webhooks: bool = False
) -> str:
    """Create or update the jurisdiction described by the city file at ``path``, and its sandbox twin.

    Everything happens in the caller's transaction; on a CityFileError nothing must be committed.
    Returns a one-line summary of what the city now holds. A department's webhook needs a secret and a
    public destination (loopback and private addresses only with ``allow_private_webhooks``).
    """
    report = progress or (lambda _message: None)
    city = CityFile(Path(path))
    data = city.data
    jurisdiction = _upsert_jurisdiction(session, data["jurisdiction"])
    summary = _load_into(
        session, city, jurisdiction, report, webhooks=True, allow_private_webhooks=allow_private_webhooks
    )
    sandbox = _sync_sandbox(session, city, jurisdiction)
    return f"{jurisdiction.jurisdiction_id}: {summary}" + ("; a sandbox behind the test endpoint" if sandbox else "")


def _load_into(
    session: Session,
    city: CityFile,
    jurisdiction: Jurisdiction,
    report: Progress,
    *,
    webhooks: bool,
    allow_private_webhooks: bool = False,
) -> str:
    """Departments, areas, services and routing of the city file, into ``jurisdiction``."""
    data = city.data
    departments = _upsert_departments(
        session, city, jurisdiction, webhooks=webhooks, allow_private_webhooks=allow_private_webhooks
    )
    areas = _sync_layers(session, city, jurisdiction, report)
    services = _sync_services(session, city, jurisdiction, departments)
    rules = _sync_routing(session, city, jurisdiction, services, areas, departments)
    default = data["jurisdiction"]["default_department"]
    if default is not None and default not in departments:
        raise city.error(("jurisdiction", "default_department"), f"unknown department '{default}'")
    jurisdiction.default_department_id = departments[default].id if default else None
    _delete_missing(session, Department, jurisdiction, {d.id for d in departments.values()})
    session.flush()
    layer_count = len(data["layers"])
    return (
        f"{len(areas)} areas in {layer_count} layer{'s' * (layer_count != 1)}, "
        f"{len(departments)} departments, {len(services)} services, {rules} routing rules"
    )


def _upsert_jurisdiction(session: Session, section: dict, sandbox_of: Jurisdiction | None = None) -> Jurisdiction:
    if sandbox_of is None:
        query = select(Jurisdiction).where(Jurisdiction.jurisdiction_id == section["jurisdiction_id"])
    else:
        query = select(Jurisdiction).where(Jurisdiction.sandbox_of_id == sandbox_of.id)
    jurisdiction = session.scalar(query)
    if jurisdiction is None:
        jurisdiction = Jurisdiction(jurisdiction_id=section["jurisdiction_id"])
        session.add(jurisdiction)
    if sandbox_of is not None:
        jurisdiction.jurisdiction_id = sandbox_id(section["jurisdiction_id"])
        jurisdiction.sandbox_of_id = sandbox_of.id
    for key in ("name", "time_zone", "contact", "key_service", "accept_outside", "language"):
        setattr(jurisdiction, key, section[key])
    # Extension: CORS origins, lower-cased as browsers send them.
    jurisdiction.cors_read_origins = [origin.lower() for origin in section["cors"]["read_origins"]]
    jurisdiction.cors_write_origins = [origin.lower() for origin in section["cors"]["write_origins"]]
    # Extension (open data): retention periods (none given: kept).
    for key in ("contact_months", "media_months", "sandbox_days"):
        setattr(jurisdiction, f"retention_{key}", section["retention"].get(key))
    licence = section["licence"]
    jurisdiction.open_data_licence = {k: v for k, v in licence.items() if v is not None} if licence else None
    jurisdiction.changeset = func.now()
    session.flush()
    return jurisdiction


def sandbox_id(jurisdiction_id: str) -> str:
    """Extension: the stored id of a jurisdiction's sandbox twin (never a valid id of a city file, so never
    sent by a client: the test endpoint takes the jurisdiction's own id)."""
    return f"{jurisdiction_id} (test)"


def _sync_sandbox(session: Session, city: CityFile, production: Jurisdiction) -> Jurisdiction | None:
    """Extension: the sandbox behind discovery's test endpoint, a twin of ``production`` with the same
    catalogue, areas and routing, and departments without webhooks, so that its requests reach no
    department; ``sandbox: false`` in the city file removes it (and its requests)."""
    section = city.data["jurisdiction"]
    if not section["sandbox"]:
        existing = session.scalar(select(Jurisdiction).where(Jurisdiction.sandbox_of_id == production.id))
        if existing is not None:
            session.delete(existing)
            session.flush()
        return None
    twin = _upsert_jurisdiction(session, section, sandbox_of=production)
    _load_into(session, city, twin, lambda _message: None, webhooks=False)
    return twin


def _upsert_departments(
    session: Session, city: CityFile, jurisdiction: Jurisdiction, *, webhooks: bool, allow_private_webhooks: bool
) -> dict[str, Department]:
    existing = {
        d.code: d for d in session.scalars(select(Department).where(Department.jurisdiction_id == jurisdiction.id))
    }
    departments = {}
    for index, section in enumerate(city.data["departments"]):
        department = existing.get(section["code"]) or Department(jurisdiction_id=jurisdiction.id, code=section["code"])
        department.name = section["name"]
        department.contact = section["contact"]
        department.webhook_url = section["webhook_url"] if webhooks else None
        department.webhook_secret = section["webhook_secret"] if webhooks else None
        if webhooks and section["webhook_secret_env"]:
            department.webhook_secret = os.environ.get(section["webhook_secret_env"])
        if department.webhook_url:
            try:
                signing_key(department.webhook_secret)
                # A name that does not resolve here (no DNS while loading) is checked at each delivery.
                check_destination(department.webhook_url, allow_private=allow_private_webhooks, unresolved_ok=True)
            except WebhookRefused as exc:
                raise city.error(("departments", index, "webhook_url"), str(exc)) from None
        session.add(department)
        departments[section["code"]] = department
    session.flush()
    return departments


def _delete_missing(session: Session, model, jurisdiction: Jurisdiction, keep_ids: set[int]) -> None:
    session.execute(
        delete(model)
        .where(model.jurisdiction_id == jurisdiction.id, model.id.not_in(keep_ids or {-1}))
        .execution_options(synchronize_session=False)
    )


def _read_features(city: CityFile, index: int, layer: dict) -> list[dict]:
    path = city.resolve(layer["file"])
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise city.error(("layers", index, "file"), f"cannot read GeoJSON {path}: {exc}") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        raise city.error(("layers", index, "file"), f"{path} is not a GeoJSON FeatureCollection with features")
    return features


def _sync_layers(
    session: Session, city: CityFile, jurisdiction: Jurisdiction, report: Progress
) -> dict[tuple[str, str], Area]:
    existing = {layer.code: layer for layer in jurisdiction.layers}
    areas: dict[tuple[str, str], Area] = {}
    kept_layers = set()
    for rank, section in enumerate(city.data["layers"]):
        layer = existing.get(section["code"]) or AreaLayer(code=section["code"], jurisdiction=jurisdiction)
        layer.name, layer.rank = section["name"], rank
        session.add(layer)
        session.flush()
        kept_layers.add(layer.id)
        for code, area in _sync_areas(session, city, rank, section, layer, report).items():
            areas[(section["code"], code)] = area
    for layer in list(jurisdiction.layers):
        if layer.id not in kept_layers:
            session.delete(layer)
    session.flush()
    return areas


def _sync_areas(
    session: Session, city: CityFile, index: int, section: dict, layer: AreaLayer, report: Progress
) -> dict[str, Area]:
    features = _read_features(city, index, section)
    existing = {area.code: area for area in session.scalars(select(Area).where(Area.layer_id == layer.id))}
    areas: dict[str, Area] = {}
    source = city.resolve(section["file"])
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        code, name = properties.get(section["code_property"]), properties.get(section["name_property"])
        label = f"{source.name}: feature {number}"
        if code in (None, "") or name in (None, ""):
            missing = section["code_property"] if code in (None, "") else section["name_property"]
            raise city.error(("layers", index), f"{label} has no property '{missing}'")
        code = str(code)
        if code in areas:
            raise city.error(("layers", index), f"{label}: area code '{code}' appears twice")
        try:
            geometry, repaired = to_multipolygon(feature.get("geometry"))
        except GeometryProblem as exc:
            raise city.error(("layers", index), f"{label} (code {code}): {exc}") from exc
        if repaired:
            report(f"{label} (code {code}): invalid geometry repaired with make_valid")
        area = existing.get(code) or Area(layer_id=layer.id, code=code)
        area.name = str(name)
        area.geom = from_shape(geometry, srid=4326)
        session.add(area)
        areas[code] = area
        if len(features) > PROGRESS_EVERY and (number % PROGRESS_EVERY == 0 or number == len(features)):
            report(f"{section['code']}: {number}/{len(features)} areas")
    session.flush()
    for code, area in existing.items():
        if code not in areas:
            session.delete(area)
    return areas


def _sync_services(
    session: Session, city: CityFile, jurisdiction: Jurisdiction, departments: dict[str, Department]
) -> dict[str, Service]:
    existing = {
        s.service_code: s for s in session.scalars(select(Service).where(Service.jurisdiction_id == jurisdiction.id))
    }
    services: dict[str, Service] = {}
    for position, section in enumerate(city.data["services"]):
        code = section["service_code"]
        if code in services:
            raise city.error(("services", position, "service_code"), f"service_code '{code}' appears twice")
        department = section["department"]
        if department is not None and department not in departments:
            raise city.error(("services", position, "department"), f"unknown department '{department}'")
        service = existing.get(code) or Service(jurisdiction_id=jurisdiction.id, service_code=code)
        for key in (
            "service_name", "description", "type", "keywords", "group", "service_notice", "resolution_hours",
            "duplicate_radius_m", "duplicate_window_days", "translations",
        ):  # fmt: skip
            setattr(service, key, section[key])
        service.position = position
        service.default_department_id = departments[department].id if department else None
        # Extension (open data): publication settings.
        service.publish, service.blur_m = section["publish"], section["blur"]
        media = section["publish_media"]
        service.publish_media = city.data["jurisdiction"]["publish_media"] if media is None else media
        session.add(service)
        service.attributes.clear()
        session.flush()
        service.attributes.extend(_attribute(attr) for attr in section["attributes"])
        services[code] = service
    _delete_missing(session, Service, jurisdiction, {s.id for s in services.values()} - {None})
    session.flush()
    return services


def _attribute(section: dict) -> ServiceAttribute:
    attribute = ServiceAttribute(
        code=section["code"],
        variable=section["variable"],
        datatype=section["datatype"],
        required=section["required"],
        datatype_description=section["datatype_description"],
        order=section["order"],
        description=section["description"],
        translations=section["translations"],
    )
    attribute.values = [
        AttributeValue(key=value["key"], name=value["name"], position=position, translations=value["translations"])
        for position, value in enumerate(section["values"])
    ]
    return attribute


def _sync_routing(
    session: Session,
    city: CityFile,
    jurisdiction: Jurisdiction,
    services: dict[str, Service],
    areas: dict[tuple[str, str], Area],
    departments: dict[str, Department],
) -> int:
    service_ids = select(Service.id).where(Service.jurisdiction_id == jurisdiction.id)
    session.execute(delete(RoutingRule).where(RoutingRule.service_id.in_(service_ids)))
    seen = set()
    for index, rule in enumerate(city.data["routing"]):
        where = ("routing", index)
        service = services.get(rule["service"])
        area = areas.get((rule["layer"], rule["area"]))
        department = departments.get(rule["department"])
        if service is None:
            raise city.error((*where, "service"), f"unknown service '{rule['service']}'")
        if area is None:
            raise city.error((*where, "area"), f"no area '{rule['area']}' in layer '{rule['layer']}'")
        if department is None:
            raise city.error((*where, "department"), f"unknown department '{rule['department']}'")
        if (service.id, area.id) in seen:
            raise city.error(where, f"a second rule for service '{rule['service']}' in area '{rule['area']}'")
        seen.add((service.id, area.id))
        session.add(RoutingRule(service_id=service.id, area_id=area.id, department_id=department.id))
    session.flush()
    return len(seen)

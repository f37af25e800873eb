"""What the statistics and maps name their keys with: services, departments, layers and areas by id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Area, AreaLayer, Department, Jurisdiction, Service
from ..request_search import ValueCache as Cache  # the per-worker cache the API passes in (None: no cache)


@dataclass(frozen=True)
class AreaInfo:
    """An area: its code, name, layer and surface."""

    id: int
    code: str
    name: str
    layer_id: int
    layer_code: str
    km2: float


@dataclass(frozen=True)
class Lookups:
    """A jurisdiction's catalogue and geography, by id."""

    services: dict[int, tuple[str, str, str | None]]  # id -> (service_code, service_name, group)
    departments: dict[int, tuple[str, str]]  # id -> (code, name)
    layers: dict[str, tuple[int, int]]  # code -> (id, rank)
    areas: dict[int, AreaInfo]

    def most_specific_layer(self) -> str | None:
        """The code of the layer with the highest rank (``area`` without a layer)."""
        if not self.layers:
            return None
        return max(self.layers, key=lambda code: self.layers[code][1])

    def service_ids(self, codes: list[str]) -> list[int]:
        """The ids of these service codes (unknown codes match nothing)."""
        wanted = set(codes)
        return [service_id for service_id, (code, _name, _group) in self.services.items() if code in wanted]

    def group_service_codes(self, groups: list[str]) -> list[str]:
        """The codes of the services in these groups."""
        wanted = set(groups)
        return [code for code, _name, group in self.services.values() if group in wanted]

    def department_ids(self, codes: list[str]) -> list[int]:
        """The ids of these department codes."""
        wanted = set(codes)
        return [department_id for department_id, (code, _name) in self.departments.items() if code in wanted]

    def areas_by_code(self, codes: list[str]) -> list[AreaInfo]:
        """The areas (of any layer) with these codes."""
        wanted = set(codes)
        return [area for area in self.areas.values() if area.code in wanted]


def load_lookups(session: Session, jurisdiction: Jurisdiction, cache: Cache | None = None) -> Lookups:
    """The lookups of ``jurisdiction`` (kept by ``cache`` when given: surfaces take a while to compute)."""

    def make() -> Lookups:
        services = {
            row.id: (row.service_code, row.service_name, row.group)
            for row in session.execute(
                select(Service.id, Service.service_code, Service.service_name, Service.group).where(
                    Service.jurisdiction_id == jurisdiction.id
                )
            )
        }
        departments = {
            row.id: (row.code, row.name)
            for row in session.execute(
                select(Department.id, Department.code, Department.name).where(
                    Department.jurisdiction_id == jurisdiction.id
                )
            )
        }
        layers = {}
        areas = {}
        rows = session.execute(
            select(
                Area.id, Area.code, Area.name, AreaLayer.id.label("layer_id"), AreaLayer.code.label("layer_code"),
                AreaLayer.rank, (func.ST_Area(func.Geography(Area.geom)) / 1e6).label("km2"),
            )
            .join(AreaLayer, AreaLayer.id == Area.layer_id)
            .where(AreaLayer.jurisdiction_id == jurisdiction.id)
        )  # fmt: skip
        for row in rows:
            layers[row.layer_code] = (row.layer_id, row.rank)
            areas[row.id] = AreaInfo(row.id, row.code, row.name, row.layer_id, row.layer_code, float(row.km2))
        for code, layer_id, rank in session.execute(
            select(AreaLayer.code, AreaLayer.id, AreaLayer.rank).where(AreaLayer.jurisdiction_id == jurisdiction.id)
        ):
            layers.setdefault(code, (layer_id, rank))
        return Lookups(services, departments, layers, areas)

    if cache is None:
        return make()
    return cache(("insight-lookups", jurisdiction.id), make)

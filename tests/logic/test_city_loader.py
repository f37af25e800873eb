"""Loading a city file: validation with file and line, repairs, atomicity, idempotence."""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlalchemy import func, select

from open311.errors import CityFileError
from open311.logic.city_loader import load_city
from open311.models import Area, AreaLayer, Department, Jurisdiction, RoutingRule, Service, ServiceAttribute

from ..conftest import PARIS

SQUARE = [[[2.0, 48.0], [2.1, 48.0], [2.1, 48.1], [2.0, 48.1], [2.0, 48.0]]]
BOWTIE = [[[3.0, 48.0], [3.1, 48.1], [3.1, 48.0], [3.0, 48.1], [3.0, 48.0]]]


def write_city(tmp_path, features=None, extra="", services=None):
    """A small city file with one layer, beside its GeoJSON."""
    features = features or [
        {
            "type": "Feature",
            "properties": {"id": "A", "label": "Area A"},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        }
    ]
    (tmp_path / "areas.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    services = (
        services
        if services is not None
        else textwrap.dedent("""\
        services:
          - service_code: S1
            service_name: Something
            department: D1
            attributes:
              - code: COLOUR
                datatype: singlevaluelist
                order: 1
                description: Which colour?
                values:
                  - {key: r, name: Red}
        """)
    )
    text = (
        textwrap.dedent("""\
        jurisdiction:
          jurisdiction_id: test.example
          name: Test
          time_zone: UTC
          contact: nobody
          key_service: none
          default_department: D1
        layers:
          - code: district
            name: District
            file: areas.geojson
            code_property: id
            name_property: label
        departments:
          - code: D1
            name: One
        """)
        + services
        + extra
    )
    path = tmp_path / "city.yaml"
    path.write_text(text)
    return path


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_loads_a_city(session, tmp_path):
    summary = load_city(session, write_city(tmp_path))
    assert summary == (
        "test.example: 1 areas in 1 layer, 1 departments, 1 services, 0 routing rules; a sandbox behind the test endpoint"
    )
    area = session.scalar(
        select(Area).join(AreaLayer).join(Jurisdiction).where(Jurisdiction.jurisdiction_id == "test.example")
    )
    assert (area.code, area.name) == ("A", "Area A")
    assert session.scalar(select(func.ST_GeometryType(Area.geom)).where(Area.id == area.id)) == "ST_MultiPolygon"


def test_loading_again_updates_in_place(session, tmp_path):
    path = write_city(tmp_path)
    load_city(session, path)
    ids = (count(session, Service), count(session, Area), count(session, ServiceAttribute), count(session, Department))
    load_city(session, path)
    assert (
        count(session, Service),
        count(session, Area),
        count(session, ServiceAttribute),
        count(session, Department),
    ) == ids


def test_paris_reload_keeps_ids_and_counts(session):
    before = session.scalar(select(Service.id).where(Service.service_code == "5201"))
    rules = count(session, RoutingRule)
    load_city(session, PARIS, allow_private_webhooks=True)
    assert session.scalar(select(Service.id).where(Service.service_code == "5201")) == before
    assert count(session, RoutingRule) == rules
    assert count(session, Jurisdiction, Jurisdiction.jurisdiction_id == "paris.fr") == 1


def test_removed_entries_are_removed(session, tmp_path):
    load_city(session, write_city(tmp_path))
    load_city(session, write_city(tmp_path, services="services: []\n"))
    assert count(session, Service, Service.service_code == "S1") == 0


def test_invalid_geometry_is_repaired(session, tmp_path):
    messages = []
    features = [
        {
            "type": "Feature",
            "properties": {"id": "B", "label": "Bow tie"},
            "geometry": {"type": "Polygon", "coordinates": BOWTIE},
        }
    ]
    load_city(session, write_city(tmp_path, features), progress=messages.append)
    assert any("invalid geometry repaired" in m and "code B" in m for m in messages)
    valid = session.scalar(select(func.ST_IsValid(Area.geom)).where(Area.code == "B"))
    assert valid is True


def test_a_geometry_without_area_stops_the_load_naming_the_feature(session, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"id": "A", "label": "ok"},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        },
        {
            "type": "Feature",
            "properties": {"id": "P", "label": "a point"},
            "geometry": {"type": "Point", "coordinates": [2.0, 48.0]},
        },
    ]
    with pytest.raises(CityFileError, match=r"areas.geojson: feature 2 \(code P\): a Point is not an area"):
        load_city(session, write_city(tmp_path, features))


@pytest.mark.parametrize(
    ("services", "message"),
    [
        (
            "services:\n  - service_code: S1\n    service_name: X\n    type: sometimes\n",
            r"line 20: services\[0\]\.type: Must be one of",
        ),
        (
            "services:\n  - service_code: S1\n    service_name: X\n    department: NOPE\n",
            r"line 20: services\[0\]\.department: unknown department 'NOPE'",
        ),
        (
            "services:\n  - service_code: S1\n    service_name: X\n    attributes:\n      - code: L\n"
            "        datatype: singlevaluelist\n        order: 1\n        description: d\n",
            r"line 21: services\[0\]\.attributes\[0\]\.values: a list attribute needs at least one value",
        ),
        (
            "services:\n  - service_code: 'bad code'\n    service_name: X\n",
            r"line 18: services\[0\]\.service_code: must be 1 to 64 letters",
        ),
        (
            "services:\n  - service_code: S1\n    service_name: X\n  - service_code: S1\n    service_name: Y\n",
            r"line 20: services\[1\]\.service_code: service_code 'S1' appears twice",
        ),
    ],
)
def test_bad_file_names_file_line_and_problem(session, tmp_path, services, message):
    path = write_city(tmp_path, services=services)
    with pytest.raises(CityFileError, match=message) as raised:
        load_city(session, path)
    assert str(raised.value).startswith(str(path))


def test_bad_routing_rule_names_its_line(session, tmp_path):
    extra = "routing:\n  - {service: S1, layer: district, area: Z, department: D1}\n"
    with pytest.raises(CityFileError, match=r"line 29: routing\[0\]\.area: no area 'Z' in layer 'district'"):
        load_city(session, write_city(tmp_path, extra=extra))


def test_not_yaml_at_all(session, tmp_path):
    path = tmp_path / "city.yaml"
    path.write_text("jurisdiction: [unclosed\n")
    with pytest.raises(CityFileError, match="not valid YAML or JSON"):
        load_city(session, path)


def test_json_city_file(session, tmp_path):
    yaml_path = write_city(tmp_path)
    import yaml

    json_path = tmp_path / "city.json"
    json_path.write_text(json.dumps(yaml.safe_load(yaml_path.read_text()), indent=1))
    assert load_city(session, json_path).startswith("test.example:")


def test_a_failed_load_leaves_the_database_as_it_was(engine, tmp_path):
    """The CLI's transaction: nothing of a bad file is committed."""
    from click.testing import CliRunner
    from sqlalchemy.orm import Session

    from open311.cli import main

    features = [
        {
            "type": "Feature",
            "properties": {"id": "A", "label": "ok"},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        },
        {"type": "Feature", "properties": {"id": "B"}, "geometry": {"type": "Polygon", "coordinates": SQUARE}},
    ]
    path = write_city(tmp_path, features)
    runner = CliRunner()
    result = runner.invoke(
        main, ["load-city", str(path)], env={"OPEN311_DATABASE_URL": engine.url.render_as_string(False)}
    )
    assert result.exit_code == 1
    assert "feature 2 has no property 'label'" in result.output
    with Session(engine) as session:
        assert count(session, Jurisdiction, Jurisdiction.jurisdiction_id == "test.example") == 0

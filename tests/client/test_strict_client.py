"""A strictly typed client (pydantic models of GeoReport v2, tests/client/strict_models.py) reads every
document: listings holding every kind of request (with and without address, unlocated, outside every
area, imported, moved by staff), catalogues, discovery, POST and token answers, errors."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from ..conftest import EIFFEL_TOWER, POTHOLE
from . import strict_models as strict

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def every_kind(session, client, submit, staff, tmp_path):
    """Requests of every kind a listing can hold, by name -> service_request_id."""
    from open311.logic.importer import import_requests
    from open311.logic.jurisdictions import resolve_jurisdiction

    def posted(**fields) -> str:
        reply = submit(**fields)
        assert reply.status_code == 200, reply.data
        return reply.get_json()[0]["service_request_id"]

    paris = resolve_jurisdiction(session, "paris.fr")
    made = {
        "point": posted(**POTHOLE),
        "point_with_address": posted(**POTHOLE, address_string="5 avenue Anatole France"),
        "address_only": posted(service_code="1001", address_string="12 rue de Rivoli, Paris"),
        "address_id_only": posted(service_code="1001", address_id="PARIS-75107-0001"),
        "new_york": posted(jurisdiction_id="nyc.gov", service_code="pothole", lat="40.7580", long="-73.9855"),
        "moved": posted(**POTHOLE),
    }
    paris.accept_outside = True
    session.flush()
    made["outside"] = posted(**{**POTHOLE, "lat": "51.5072", "long": "-0.1276"})
    assert staff(made["moved"], area="arrondissement:6").status_code == 200
    history = tmp_path / "history.csv"
    history.write_text(textwrap.dedent("""\
        external_id,service_code,requested_datetime,status,lat,long,address
        S-1,3602,2023-12-01 10:25:35.007751+00,closed,48.8530,2.3499,
        S-2,3602,2023-12-01 10:25:35+00,closed,48.8530,2.3499,1 place du Parvis Notre-Dame
        """), encoding="utf-8")  # fmt: skip
    assert import_requests(session, paris, history, source_format="csv").imported == 2
    made["imported"], made["imported_with_address"] = session.execute(
        text("SELECT id::text FROM service_request WHERE external_id IN ('S-1', 'S-2') ORDER BY external_id")
    ).scalars()
    return made


def record(client, request_id: str, jurisdiction_id: str = "paris.fr") -> strict.ServiceRequest:
    reply = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id={jurisdiction_id}")
    (parsed,) = strict.parse(strict.SERVICE_REQUESTS, reply.data)
    return parsed


def test_an_address_is_never_null_and_describes_the_location(client, every_kind):
    addresses = {name: record(client, rid, "nyc.gov" if name == "new_york" else "paris.fr").address
                 for name, rid in every_kind.items()}  # fmt: skip
    assert addresses == {
        "point": "Paris 7e arrondissement (Palais-Bourbon), Ville de Paris",
        "point_with_address": "5 avenue Anatole France",
        "address_only": "12 rue de Rivoli, Paris",
        "address_id_only": "Address id PARIS-75107-0001, Ville de Paris",
        "new_york": "Manhattan Community District 5, Manhattan, City of New York",
        "moved": "Paris 6e arrondissement (Luxembourg), Ville de Paris",
        "outside": "51.50720, -0.12760 (outside the areas of Ville de Paris)",
        "imported": "Paris 4e arrondissement (Hôtel-de-Ville), Ville de Paris",
        "imported_with_address": "1 place du Parvis Notre-Dame",
    }


@pytest.mark.parametrize("extensions", ["false", "true"])
def test_every_listing_parses_under_a_strict_client(client, every_kind, extensions):
    model = strict.EXTENDED_SERVICE_REQUESTS if extensions == "true" else strict.SERVICE_REQUESTS
    for jurisdiction_id in ("paris.fr", "nyc.gov"):
        for query in ("", "start_date=2023-11-01T00:00:00Z&end_date=2099-01-01T00:00:00Z", "page_size=3&page=2"):
            reply = client.get(
                f"/open311/v2/requests.json?jurisdiction_id={jurisdiction_id}&extensions={extensions}&{query}"
            )
            assert reply.status_code == 200
            strict.parse(model, reply.data)
    listed = client.get("/open311/v2/requests.json?jurisdiction_id=paris.fr&service_request_id=" + ",".join(
        rid for name, rid in every_kind.items() if name != "new_york"))  # fmt: skip
    assert len(strict.parse(strict.SERVICE_REQUESTS, listed.data)) == len(every_kind) - 1


def test_the_xml_address_is_never_empty(client, every_kind):
    import xml.etree.ElementTree as ET

    reply = client.get("/open311/v2/requests.xml?jurisdiction_id=paris.fr&start_date=2023-11-01T00:00:00Z")
    addresses = [element.text for element in ET.fromstring(reply.data).iter("address")]
    assert addresses and all(addresses)


@pytest.mark.parametrize("jurisdiction_id", ["paris.fr", "nyc.gov"])
def test_catalogues_and_discovery_parse_under_a_strict_client(client, jurisdiction_id):
    base = "/open311/v2/{}.json?jurisdiction_id=" + jurisdiction_id
    services = strict.parse(strict.SERVICES, client.get(base.format("services")).data)
    for service in services:
        definition = strict.parse(
            strict.ServiceDefinition, client.get(base.format(f"services/{service.service_code}")).data
        )
        assert service.metadata == bool(definition.attributes)
        for attribute in definition.attributes:
            assert (attribute.values is not None) == attribute.datatype.endswith("valuelist")
    strict.parse(strict.Discovery, client.get(base.format("discovery")).data)
    strict.parse(strict.Discovery, client.get("/open311/v2/discovery.json").data)


def test_post_token_and_error_answers_parse_under_a_strict_client(client, submit):
    strict.parse(strict.POSTED, submit(**POTHOLE).data)
    (batch,) = strict.parse(
        strict.POSTED, submit(service_code="1002", **{"attribute[OBJETS][]": "matelas"}, **EIFFEL_TOWER).data
    )
    assert batch.token and batch.service_request_id is None
    (resolved,) = strict.parse(
        strict.TOKENS, client.get(f"/open311/v2/tokens/{batch.token}.json?jurisdiction_id=paris.fr").data
    )
    assert resolved.service_request_id
    for reply in (submit(), client.get("/open311/v2/services/nope.json?jurisdiction_id=paris.fr"),
                  client.get("/open311/v2/services.json")):  # fmt: skip
        strict.parse(strict.ERRORS, reply.data)


def test_the_strict_model_rejects_what_strict_clients_reject():
    import json

    from pydantic import ValidationError

    good = {
        "service_request_id": "1", "status": "open", "status_notes": None, "service_name": "A",
        "service_code": "1", "description": None, "agency_responsible": None, "service_notice": None,
        "requested_datetime": "2024-01-01T00:00:00Z", "updated_datetime": "2024-01-01T00:00:00+01:00",
        "expected_datetime": None, "address": "X", "address_id": None, "zipcode": None, "lat": 48.8,
        "long": 2.3, "media_url": None,
    }  # fmt: skip
    strict.parse(strict.SERVICE_REQUESTS, json.dumps([good]).encode())
    for change in (
        {"address": None}, {"address": ""}, {"service_request_id": 1}, {"requested_datetime": "2024-01-01T00:00:00"},
        {"status": "received"}, {"lat": "48.8"}, {"extra": 1},
    ):  # fmt: skip
        with pytest.raises(ValidationError):
            strict.parse(strict.SERVICE_REQUESTS, json.dumps([{**good, **change}]).encode())


def test_the_migration_backfills_requests_stored_without_a_description(session, client, submit):
    created = submit(**POTHOLE).get_json()[0]["service_request_id"]
    session.execute(text("UPDATE service_request SET location_description = NULL WHERE id = :id"), {"id": created})
    path = ROOT / "migrations" / "versions" / "0100_interop_location_description.py"
    spec = importlib.util.spec_from_file_location("location_description_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    session.execute(text(migration.BACKFILL))
    assert record(client, created).address == "Paris 7e arrondissement (Palais-Bourbon), Ville de Paris"

"""The test endpoint (Extension): /open311/test/v2/, listed in discovery beside production, serves every
GeoReport method on each jurisdiction's sandbox twin: the same catalogue, areas and routing, and requests
that stay apart and never reach a department."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import func, select

from open311.models import Department, Jurisdiction, OutboxEvent

from ..conftest import POTHOLE
from ..contract.standard import assert_conforms

TEST = "/open311/test/v2"
PRODUCTION = "/open311/v2"


@pytest.fixture()
def paris_key(session) -> str:
    """A client key limited to paris.fr: valid on its sandbox too."""
    from open311.logic.api_keys import create_key
    from open311.logic.jurisdictions import resolve_jurisdiction

    _row, key = create_key(session, "test app", resolve_jurisdiction(session, "paris.fr"))
    return key


def post(client, key, base=TEST, fmt="json", **fields):
    data = {"api_key": key, "jurisdiction_id": "paris.fr", **POTHOLE, **fields}
    return client.post(f"{base}/requests.{fmt}", data=data)


@pytest.mark.parametrize("base", [PRODUCTION, TEST])
def test_discovery_lists_the_test_endpoint_beside_production(client, base):
    discovery = client.get(f"{base}/discovery.json?jurisdiction_id=paris.fr").get_json()
    assert [(e["type"], e["url"]) for e in discovery["endpoints"]] == [
        ("production", "http://localhost/open311/v2"),
        ("test", "http://localhost/open311/test/v2"),
    ]
    assert_conforms("discovery", client.get(f"{base}/discovery.xml?jurisdiction_id=paris.fr"))
    assert_conforms("discovery", client.get(f"{base}/discovery.json"))


def test_the_test_url_follows_the_public_base_url(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://api.paris.example/open311/v2")
    endpoints = client.get(f"{TEST}/discovery.json?jurisdiction_id=paris.fr").get_json()["endpoints"]
    assert [e["url"] for e in endpoints] == [
        "https://api.paris.example/open311/v2",
        "https://api.paris.example/open311/test/v2",
    ]


@pytest.mark.parametrize("path", ["services.json", "services.xml", "services/5201.xml", "services/1002.json"])
def test_the_same_catalogue(client, path):
    sandbox = client.get(f"{TEST}/{path}?jurisdiction_id=paris.fr")
    assert sandbox.status_code == 200
    assert sandbox.data == client.get(f"{PRODUCTION}/{path}?jurisdiction_id=paris.fr").data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_method_works_there_and_conforms(client, paris_key, fmt):
    created = post(client, paris_key, fmt=fmt)
    assert created.status_code == 200, created.data
    assert_conforms("post_service_request", created)
    request_id = post(client, paris_key).get_json()[0]["service_request_id"]
    for path, response in [
        (f"requests.{fmt}", "service_requests"),
        (f"requests/{request_id}.{fmt}", "service_requests"),
        (f"requests.{fmt}?service_request_id={request_id}&extensions=true", "service_requests"),
        (f"servicerequestupdates.{fmt}", "service_request_updates"),
    ]:
        reply = client.get(f"{TEST}/{path}{'&' if '?' in path else '?'}jurisdiction_id=paris.fr")
        assert reply.status_code == 200, (path, reply.data)
        assert_conforms(response, reply)
    batch = post(client, paris_key, service_code="1002", **{"attribute[OBJETS][]": "matelas"}).get_json()[0]
    token = client.get(f"{TEST}/tokens/{batch['token']}.{fmt}?jurisdiction_id=paris.fr")
    assert token.status_code == 200
    assert_conforms("token", token)


def test_requests_stay_apart_from_production(client, paris_key):
    sandbox_id = post(client, paris_key).get_json()[0]["service_request_id"]
    production_id = post(client, paris_key, base=PRODUCTION).get_json()[0]["service_request_id"]

    def listed(base):
        reply = client.get(f"{base}/requests.json?jurisdiction_id=paris.fr")
        return {r["service_request_id"] for r in reply.get_json()}

    assert sandbox_id in listed(TEST) and sandbox_id not in listed(PRODUCTION)
    assert production_id in listed(PRODUCTION) and production_id not in listed(TEST)
    assert client.get(f"{PRODUCTION}/requests/{sandbox_id}.json?jurisdiction_id=paris.fr").status_code == 404
    assert client.get(f"{TEST}/requests/{production_id}.json?jurisdiction_id=paris.fr").status_code == 404


def test_same_areas_and_routing_but_no_department_is_reached(client, session, paris_key):
    events = select(func.count()).select_from(OutboxEvent)
    before = session.scalar(events)
    sandbox_id = post(client, paris_key, extensions="true").get_json()[0]["service_request_id"]
    assert session.scalar(events) == before  # no webhook event
    post(client, paris_key, base=PRODUCTION)
    assert session.scalar(events) > before  # Paris's departments have webhooks
    query = "?jurisdiction_id=paris.fr&extensions=true"
    (record,) = client.get(f"{TEST}/requests/{sandbox_id}.json{query}").get_json()
    assert record["extended_attributes"]["areas"][0]["code"] == "7"
    assert record["extended_attributes"]["department_code"] == "DVD-STV-SO"
    assert record["address"] == "Paris 7e arrondissement (Palais-Bourbon), Ville de Paris"
    twin = session.scalar(select(Jurisdiction).where(Jurisdiction.sandbox_of_id.is_not(None)).limit(1))
    hooks = (
        select(func.count())
        .select_from(Department)
        .where(Department.jurisdiction_id == twin.id, Department.webhook_url.is_not(None))
    )
    assert session.scalar(hooks) == 0


def test_twins_are_never_jurisdictions_of_their_own(client, session, single_jurisdiction):
    assert session.scalar(select(func.count()).select_from(Jurisdiction)) == 2  # Paris and its twin
    assert client.get(f"{PRODUCTION}/services.json").status_code == 200  # one jurisdiction: no id needed
    assert client.get(f"{TEST}/services.json").status_code == 200
    for base in (PRODUCTION, TEST):
        reply = client.get(f"{base}/services.json", query_string={"jurisdiction_id": "paris.fr (test)"})
        assert reply.status_code == 404


def test_the_server_discovery_names_no_twin(client):
    contact = client.get(f"{PRODUCTION}/discovery.json").get_json()["contact"]
    assert "(test)" not in contact and "paris.fr (Ville de Paris), nyc.gov (City of New York)" in contact


def test_a_key_of_another_jurisdiction_is_refused_there_too(client, session):
    from open311.logic.api_keys import create_key
    from open311.logic.jurisdictions import resolve_jurisdiction

    _row, new_york_key = create_key(session, "NYC app", resolve_jurisdiction(session, "nyc.gov"))
    assert post(client, new_york_key).status_code == 403


def test_the_city_file_can_do_without_one(client, session, tmp_path):
    from open311.logic.city_loader import load_city

    city = tmp_path / "city.yaml"
    (tmp_path / "areas.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "A", "label": "A"},'
        ' "geometry": {"type": "Polygon", "coordinates": [[[2, 48], [2.1, 48], [2.1, 48.1], [2, 48.1], [2, 48]]]}}]}'
    )
    body = textwrap.dedent("""\
        jurisdiction: {jurisdiction_id: sandbox.example, name: S, time_zone: UTC, contact: c, key_service: k,
                       sandbox: %s}
        layers: [{code: d, name: D, file: areas.geojson, code_property: id, name_property: label}]
        departments: [{code: D1, name: One, webhook_url: "http://127.0.0.1:9/hook", webhook_secret: s3cret}]
        services: [{service_code: S1, service_name: Something, department: D1}]
        """)  # fmt: skip
    city.write_text(body % "true")
    load_city(session, city, allow_private_webhooks=True)
    twins = select(Jurisdiction.id).where(Jurisdiction.jurisdiction_id == "sandbox.example (test)")
    first = session.scalar(twins)
    load_city(session, city, allow_private_webhooks=True)
    assert session.scalar(twins) == first  # updated in place
    assert client.get(f"{TEST}/services.json?jurisdiction_id=sandbox.example").status_code == 200
    city.write_text(body % "false")
    load_city(session, city, allow_private_webhooks=True)
    assert session.scalar(twins) is None
    reply = client.get(f"{TEST}/services.json?jurisdiction_id=sandbox.example")
    assert reply.status_code == 404 and "has no test endpoint" in reply.get_json()[0]["description"]
    discovery = client.get(f"{PRODUCTION}/discovery.json?jurisdiction_id=sandbox.example").get_json()
    assert [e["type"] for e in discovery["endpoints"]] == ["production"]


def test_a_jurisdictions_staff_keys_keep_their_scope_on_the_sandbox(client, session):
    """A staff key of paris.fr limited to the 7th's roads section may change that section's sandbox
    requests (the twin's department of the same code), and not another department's."""
    from open311.logic.api_keys import create_key
    from open311.logic.jurisdictions import resolve_jurisdiction

    paris = resolve_jurisdiction(session, "paris.fr")
    _row, client_key = create_key(session, "test app", paris)
    _row, roads = create_key(session, "roads", paris, role="staff", department_codes=["DVD-STV-SO"])
    _row, parks = create_key(session, "parks", paris, role="staff", department_codes=["DEVE"])
    request_id = post(client, client_key).get_json()[0]["service_request_id"]

    def change(key):
        data = {"api_key": key, "jurisdiction_id": "paris.fr", "detailed_status": "in_progress", "note": "vu"}
        return client.post(f"{TEST}/requests/{request_id}/updates.json", data=data)

    assert change(parks).status_code == 403
    assert change(roads).status_code == 200

"""jurisdiction_id: optional with one jurisdiction, required with several (spec §1.5, §1.6)."""

from __future__ import annotations

import pytest

CATALOGUE = ["discovery.json", "services.json", "services/5201.json"]


@pytest.mark.parametrize("path", CATALOGUE)
def test_several_jurisdictions_require_it(client, path):
    reply = client.get(f"/open311/v2/{path}")
    assert reply.status_code == 400
    assert "jurisdiction_id was not provided" in reply.get_json()[0]["description"]


@pytest.mark.parametrize("path", CATALOGUE)
def test_unknown_jurisdiction_is_404(client, path):
    reply = client.get(f"/open311/v2/{path}?jurisdiction_id=nowhere.example")
    assert reply.status_code == 404
    assert reply.get_json()[0]["description"] == "jurisdiction_id provided was not found: nowhere.example"


@pytest.mark.parametrize("path", CATALOGUE)
def test_empty_parameter_behaves_as_absent(client, single_jurisdiction, path):
    absent = client.get(f"/open311/v2/{path}")
    empty = client.get(f"/open311/v2/{path}?jurisdiction_id=")
    assert absent.status_code == empty.status_code == 200
    assert absent.data == empty.data


@pytest.mark.parametrize("path", CATALOGUE)
def test_one_jurisdiction_makes_it_optional_but_checked(client, single_jurisdiction, path):
    assert client.get(f"/open311/v2/{path}").status_code == 200
    assert client.get(f"/open311/v2/{path}?jurisdiction_id=paris.fr").status_code == 200
    assert client.get(f"/open311/v2/{path}?jurisdiction_id=nyc.gov").status_code == 404


def test_a_default_jurisdiction_serves_clients_that_send_none(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DEFAULT_JURISDICTION", "nyc.gov")
    services = client.get("/open311/v2/services.json").get_json()
    assert services[0]["service_code"] == "pothole"


def test_unknown_query_parameters_are_ignored(client):
    reply = client.get("/open311/v2/services.json?jurisdiction_id=paris.fr&api_key=abc&lat=48.8")
    assert reply.status_code == 200


def test_no_jurisdiction_hosted_is_404(client, session):
    from sqlalchemy import delete

    from open311.models import Jurisdiction

    session.execute(delete(Jurisdiction))
    session.flush()
    reply = client.get("/open311/v2/services.xml")
    assert reply.status_code == 404
    assert b"hosts no jurisdiction" in reply.data

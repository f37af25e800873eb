"""jurisdiction_id: optional with one jurisdiction, required with several (spec §1.5, §1.6)."""

from __future__ import annotations

import pytest

from ..conftest import EIFFEL_TOWER, POTHOLE
from ..contract.standard import assert_conforms

CATALOGUE = ["discovery.json", "services.json", "services/5201.json"]


@pytest.mark.parametrize("path", CATALOGUE[1:])
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


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_answers_without_it_for_the_whole_server(client, fmt):
    reply = client.get(f"/open311/v2/discovery.{fmt}")
    assert reply.status_code == 200
    assert_conforms("discovery", reply)
    if fmt == "json":
        discovery = reply.get_json()
        assert "send jurisdiction_id with each call: paris.fr (Ville de Paris), nyc.gov (" in discovery["contact"]
        paris = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr").get_json()
        assert f"paris.fr: {paris['contact']}" in discovery["contact"]
        assert discovery["changeset"] >= paris["changeset"]
        assert discovery["endpoints"][0]["type"] == "production"


def test_discovery_of_the_default_or_only_jurisdiction_is_its_own(app, client, session, monkeypatch):
    paris = client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr").get_json()
    monkeypatch.setitem(app.config, "DEFAULT_JURISDICTION", "paris.fr")
    assert client.get("/open311/v2/discovery.json").get_json() == paris
    monkeypatch.setitem(app.config, "DEFAULT_JURISDICTION", None)
    from sqlalchemy import delete

    from open311.models import Jurisdiction

    session.execute(
        delete(Jurisdiction).where(Jurisdiction.jurisdiction_id != "paris.fr", Jurisdiction.sandbox_of_id.is_(None))
    )
    session.flush()
    assert client.get("/open311/v2/discovery.json").get_json() == paris


@pytest.mark.parametrize("spelling", ["PARIS.FR", "Paris.Fr", "paris.fr.", " paris.fr"])
@pytest.mark.parametrize("path", [*CATALOGUE, "requests.json", "servicerequestupdates.json"])
def test_it_is_a_domain_compared_without_case(client, spelling, path):
    reply = client.get(f"/open311/v2/{path}", query_string={"jurisdiction_id": spelling})
    assert reply.status_code == 200, reply.data
    assert reply.data == client.get(f"/open311/v2/{path}?jurisdiction_id=paris.fr").data


def test_a_post_reads_it_and_other_fields_from_the_query_string(client, api_key):
    query = {"jurisdiction_id": "Paris.FR", "api_key": api_key, "service_code": "5201"}
    form = {"attribute[TAILLE]": "grand", **EIFFEL_TOWER}
    reply = client.post("/open311/v2/requests.json", query_string=query, data=form)
    assert reply.status_code == 200, reply.data
    created = reply.get_json()[0]["service_request_id"]
    record = client.get(f"/open311/v2/requests/{created}.json?jurisdiction_id=paris.fr").get_json()[0]
    assert record["service_code"] == "5201"
    # Everything in the query string, no body at all; attributes too.
    reply = client.post("/open311/v2/requests.xml", query_string={**query, **form})
    assert reply.status_code == 200, reply.data
    # The form wins over the query string.
    reply = client.post(
        "/open311/v2/requests.json",
        query_string={**query, "service_code": "nope"},
        data={**form, "service_code": "5201"},
    )
    assert reply.status_code == 200, reply.data


def test_a_post_without_it_anywhere_is_still_400(client, api_key):
    reply = client.post("/open311/v2/requests.json", data={"api_key": api_key, **POTHOLE})
    assert reply.status_code == 400
    assert "jurisdiction_id was not provided" in reply.get_json()[0]["description"]


def test_a_posted_update_reads_the_query_string_too(client, submit, api_key):
    created = submit(**POTHOLE).get_json()[0]["service_request_id"]
    reply = client.post(
        "/open311/v2/servicerequestupdates.json",
        query_string={"jurisdiction_id": "PARIS.FR", "api_key": api_key},
        data={
            "service_request_id": created, "update_id": "q-1", "status": "OPEN", "description": "Encore là",
            "updated_datetime": "2024-05-01T10:00:00+02:00",
        },
    )  # fmt: skip
    assert reply.status_code == 200, reply.data

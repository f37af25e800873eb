"""Keys in a header (X-API-Key or Authorization: Bearer) everywhere a key is read, so they stay out of URLs."""

from __future__ import annotations

import pytest

from ..conftest import POTHOLE


def headers(how: str, key: str) -> dict:
    return {"x-api-key": {"X-API-Key": key}, "bearer": {"Authorization": f"Bearer {key}"}}[how]


@pytest.fixture()
def report(submit):
    return submit(**POTHOLE).get_json()[0]["service_request_id"]


@pytest.mark.parametrize("how", ["x-api-key", "bearer"])
def test_every_keyed_operation_takes_the_key_in_a_header(client, api_key, staff_key, report, how):
    submitted = client.post(
        "/open311/v2/requests.json", data={"jurisdiction_id": "paris.fr", **POTHOLE}, headers=headers(how, api_key)
    )
    assert submitted.status_code == 200, submitted.get_json()
    # The staff history no longer needs the key in its URL (and so in access logs).
    history = client.get(
        f"/open311/v2/requests/{report}/updates.json?jurisdiction_id=paris.fr", headers=headers(how, staff_key)
    )
    assert history.status_code == 200 and history.get_json()[0]["kind"] == "created"
    change = client.post(
        f"/open311/v2/requests/{report}/updates.json",
        data={"jurisdiction_id": "paris.fr", "detailed_status": "in_progress"},
        headers=headers(how, staff_key),
    )
    assert change.status_code == 200, change.get_json()
    update = {
        "jurisdiction_id": "paris.fr", "service_request_id": report, "update_id": f"h-{how}", "status": "OPEN",
        "updated_datetime": "2024-05-01T10:00:00Z", "description": "Vu",
    }  # fmt: skip
    pushed = client.post("/open311/v2/servicerequestupdates.json", data=update, headers=headers(how, api_key))
    assert pushed.status_code == 200, pushed.get_json()


def test_a_header_key_is_checked_like_a_parameter(client, api_key, report):
    for sent in ({"X-API-Key": "o311_nope"}, {"Authorization": "Bearer o311_nope"}, {}):
        reply = client.get(f"/open311/v2/requests/{report}/updates.json?jurisdiction_id=paris.fr", headers=sent)
        assert reply.status_code == 403
    # A client key in a header is still a client key.
    reply = client.get(
        f"/open311/v2/requests/{report}/updates.json?jurisdiction_id=paris.fr", headers={"X-API-Key": api_key}
    )
    assert reply.status_code == 403 and "only a staff key may" in reply.get_json()[0]["description"]
    # Other Authorization schemes (a proxy's Basic credentials) are not keys.
    reply = client.post(
        "/open311/v2/requests.json",
        data={"jurisdiction_id": "paris.fr", **POTHOLE},
        headers={"Authorization": "Basic dXNlcjpwdw=="},
    )
    assert reply.status_code == 403 and "api_key was not provided" in reply.get_json()[0]["description"]


def test_two_different_keys_in_one_call_are_refused(client, api_key, staff_key, report):
    reply = client.get(
        f"/open311/v2/requests/{report}/updates.json?jurisdiction_id=paris.fr&api_key={api_key}",
        headers={"X-API-Key": staff_key},
    )
    assert reply.status_code == 400 and "two different keys" in reply.get_json()[0]["description"]
    same = client.get(
        f"/open311/v2/requests/{report}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}",
        headers={"Authorization": f"bearer {staff_key}"},
    )
    assert same.status_code == 200


def test_the_openapi_document_describes_the_header_schemes(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["ApiKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    post = spec["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert {"Bearer": []} in post["security"]

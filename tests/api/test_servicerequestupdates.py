"""mySociety's servicerequestupdates, as FixMyStreet pulls department updates and pushes citizen ones."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ..conftest import POTHOLE
from ..contract.standard import assert_conforms

FEED = "/open311/v2/servicerequestupdates.{fmt}?jurisdiction_id=paris.fr"


@pytest.fixture()
def pothole(submit):
    return submit(**POTHOLE).get_json()[0]["service_request_id"]


def push(client, key, fmt="xml", **fields):
    data = {
        "api_key": key, "jurisdiction_id": "paris.fr", "updated_datetime": "2024-05-01T10:00:00+02:00",
        "description": "Toujours là", **fields,
    }  # fmt: skip
    return client.post(f"/open311/v2/servicerequestupdates.{fmt}", data=data)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_feed_lists_department_changes_in_fixmystreet_statuses(client, staff, pothole, fmt):
    staff(pothole, detailed_status="in_progress", note="Équipe en route")
    staff(pothole, detailed_status="not_responsible", note="Voie privée")
    reply = client.get(FEED.format(fmt=fmt))
    assert reply.status_code == 200
    assert_conforms("service_request_updates", reply)
    if fmt == "json":
        feed = [u for u in reply.get_json() if u["service_request_id"] == pothole]
        assert [(u["status"], u["description"]) for u in feed] == [
            ("in_progress", "Équipe en route"),
            ("not_councils_responsibility", "Voie privée"),
        ]
    else:
        root = ET.fromstring(reply.data)
        assert root.tag == "service_request_updates"
        statuses = [
            e.findtext("status") for e in root.findall("request_update") if e.findtext("service_request_id") == pothole
        ]
        assert statuses == ["in_progress", "not_councils_responsibility"]


def test_feed_dates(client, staff, pothole):
    staff(pothole, detailed_status="in_progress")
    assert (
        client.get(
            FEED.format(fmt="json") + "&start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z"
        ).get_json()
        == []
    )
    # A span of any length answers (at most 1,000 updates); dates as Python prints them are read.
    wide = client.get(FEED.format(fmt="json") + "&start_date=2020-01-01 00:00:00%2B00:00&end_date=2099-01-01 00:00:00Z")
    assert wide.status_code == 200 and [u["status"] for u in wide.get_json()] == ["in_progress"]
    bad = client.get(FEED.format(fmt="xml") + "&start_date=2020-01-01T00:00:00Z&end_date=2019-01-01T00:00:00Z")
    assert bad.status_code == 400 and b"end_date is before start_date" in bad.data


def test_citizen_comment_fixed_and_reopen(client, api_key, pothole):
    reply = push(client, api_key, service_request_id=pothole, update_id="fms-1", status="OPEN")
    assert reply.status_code == 200
    assert_conforms("service_request_updates", reply)
    assert ET.fromstring(reply.data).findtext("request_update/update_id").isdigit()
    record = client.get(f"/open311/v2/requests/{pothole}.json?jurisdiction_id=paris.fr").get_json()[0]
    assert record["status"] == "open" and record["status_notes"] == "Toujours là"
    push(client, api_key, service_request_id=pothole, update_id="fms-2", status="FIXED", description="Réparé")
    assert (
        client.get(f"/open311/v2/requests/{pothole}.json?jurisdiction_id=paris.fr").get_json()[0]["status"] == "closed"
    )
    push(client, api_key, service_request_id=pothole, update_id="fms-3", status="OPEN", description="Revenu")
    record = client.get(f"/open311/v2/requests/{pothole}.json?jurisdiction_id=paris.fr&extensions=true").get_json()[0]
    assert record["status"] == "open" and record["extended_attributes"]["detailed_status"] == "reopened"


def test_a_repeated_update_id_answers_the_original_and_is_applied_once(client, api_key, staff_key, pothole):
    first = push(client, api_key, "json", service_request_id=pothole, update_id="fms-9", status="OPEN")
    again = push(client, api_key, "json", service_request_id=pothole, update_id="fms-9", status="OPEN")
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    history = client.get(
        f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}"
    ).get_json()
    assert [h["kind"] for h in history] == ["created", "citizen"]


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        ({"update_id": None}, 400, "update_id: Missing data for required field"),
        ({"status": None}, 400, "status: Missing data for required field"),
        ({"updated_datetime": "yesterday"}, 400, "updated_datetime: must be a W3C datetime"),
        ({"status": "DONE"}, 400, "status: 'DONE' is not one of"),
        ({"status": "IN_PROGRESS"}, 403, "only a staff key may set this status"),
        ({"api_key": "o311_nope"}, 403, "Invalid api_key"),
        ({"service_request_id": "999999"}, 404, "service_request_id provided was not found"),
    ],
)
def test_bad_updates_are_refused(client, api_key, pothole, fields, status, text):
    data = {"service_request_id": pothole, "update_id": "fms-x", "status": "OPEN", **fields}
    key = data.pop("api_key", api_key)
    reply = push(client, key, "json", **{k: v for k, v in data.items() if v is not None})
    assert reply.status_code == status, reply.data
    assert text in reply.get_json()[0]["description"]
    assert_conforms("errors", reply)


def test_staff_may_push_any_status(client, staff_key, pothole):
    assert (
        push(client, staff_key, service_request_id=pothole, update_id="crm-1", status="IN_PROGRESS").status_code == 200
    )
    record = client.get(f"/open311/v2/requests/{pothole}.json?jurisdiction_id=paris.fr&extensions=true").get_json()[0]
    assert record["extended_attributes"]["detailed_status"] == "in_progress"


def test_personal_data_of_an_update_is_never_returned(client, api_key, staff_key, pothole):
    push(
        client,
        api_key,
        service_request_id=pothole,
        update_id="fms-p",
        status="OPEN",
        email="secret.person@example.fr",
        first_name="Secretname",
    )
    for url in (
        FEED.format(fmt="json"),
        f"/open311/v2/requests/{pothole}.json?jurisdiction_id=paris.fr&extensions=true",
        f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}",
    ):
        body = client.get(url).data.decode()
        assert "secret.person@example.fr" not in body and "Secretname" not in body

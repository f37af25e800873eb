"""The privacy transform on every public output of the API, and the original text where staff and
departments read it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from open311.models import OutboxEvent

from ..conftest import EIFFEL_TOWER, POTHOLE

PHONE, EMAIL = "[phone removed]", "[email removed]"
PERSONAL = "Rappelez-moi au 06 12 34 56 78 ou jean.dupont@gmail.com"
PUBLIC = f"Rappelez-moi au {PHONE} ou {EMAIL}"


def _post(submit, **fields) -> str:
    reply = submit(**fields)
    assert reply.status_code == 200, reply.data
    return reply.get_json()[0]["service_request_id"]


def _one(client, request_id, fmt="json", extensions="false"):
    reply = client.get(f"/open311/v2/requests/{request_id}.{fmt}?jurisdiction_id=paris.fr&extensions={extensions}")
    assert reply.status_code == 200, reply.data
    return reply


def test_descriptions_addresses_and_attributes_are_public_without_personal_data(client, submit):
    request_id = _post(
        submit, description=PERSONAL, address_string="chez M. Martin, 06.12.34.56.78, 12 rue de Rivoli",
        service_code="3602", **EIFFEL_TOWER, **{"attribute[SURFACE]": "mur", "attribute[PRECISIONS]": "digicode 1234, tel +33 6 12 34 56 78"},
    )  # fmt: skip
    record = _one(client, request_id, extensions="true").get_json()[0]
    assert record["description"] == PUBLIC
    assert record["address"] == f"chez M. Martin, {PHONE}, 12 rue de Rivoli"
    assert record["extended_attributes"]["attributes"] == {
        "SURFACE": "mur",
        "PRECISIONS": f"digicode 1234, tel {PHONE}",
    }
    xml = ET.fromstring(_one(client, request_id, fmt="xml").data)
    assert xml.find("request/description").text == PUBLIC
    listing = client.get(f"/open311/v2/requests.json?jurisdiction_id=paris.fr&service_request_id={request_id}")
    assert listing.get_json()[0]["description"] == PUBLIC
    listing = client.get("/open311/v2/requests.xml?jurisdiction_id=paris.fr&service_code=3602")
    assert PERSONAL not in listing.data.decode() and PUBLIC in listing.data.decode()


def test_status_notes_notes_and_the_updates_feed_are_public_without_personal_data(client, submit, staff, staff_key):
    request_id = _post(submit, **POTHOLE)
    note = "Voir avec le gardien: 01 42 76 40 40"
    assert staff(request_id, detailed_status="in_progress", note=note).status_code == 200
    record = _one(client, request_id, extensions="true").get_json()[0]
    assert record["status_notes"] == f"Voir avec le gardien: {PHONE}"
    assert record["notes"][-1]["description"] == f"Voir avec le gardien: {PHONE}"
    feed = client.get("/open311/v2/servicerequestupdates.json?jurisdiction_id=paris.fr").get_json()
    assert [u["description"] for u in feed if u["service_request_id"] == request_id] == [
        f"Voir avec le gardien: {PHONE}"
    ]
    # Staff read what was written.
    history = client.get(f"/open311/v2/requests/{request_id}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}")
    assert history.get_json()[-1]["description"] == note


def test_departments_webhooks_keep_the_original_text(session, submit, staff):
    request_id = _post(submit, **POTHOLE)  # routed to a department with a webhook in the demo city
    staff(request_id, detailed_status="in_progress", note=PERSONAL)
    payloads = session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.request_id == int(request_id)).order_by(OutboxEvent.id)
    ).all()
    assert payloads and payloads[-1]["status_notes"] == PERSONAL


def test_citizen_updates_are_public_without_personal_data(client, submit, api_key):
    request_id = _post(submit, **POTHOLE)
    reply = client.post(
        "/open311/v2/servicerequestupdates.json",
        data={
            "api_key": api_key, "jurisdiction_id": "paris.fr", "service_request_id": request_id, "update_id": "u-1",
            "status": "OPEN", "updated_datetime": "2024-05-01T10:00:00+02:00", "description": PERSONAL,
        },
    )  # fmt: skip
    assert reply.status_code == 200, reply.data
    feed = client.get("/open311/v2/servicerequestupdates.xml?jurisdiction_id=paris.fr").data.decode()
    assert PUBLIC in feed and "06 12 34 56 78" not in feed

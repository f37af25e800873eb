"""Extension: the status workflow with notes, the staff API, duplicates merged, history (issue: department side)."""

from __future__ import annotations

import pytest

from ..conftest import POTHOLE
from ..contract.standard import assert_conforms


@pytest.fixture()
def pothole(submit) -> str:
    return submit(**POTHOLE, description="Nid de poule", email="citizen@example.fr").get_json()[0]["service_request_id"]


def public(client, request_id, extensions=True):
    reply = client.get(
        f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions={str(extensions).lower()}"
    )
    return reply.get_json()[0]


def test_from_received_to_fixed_with_notes(client, staff, pothole):
    assert staff(pothole, detailed_status="investigating", note="Équipe envoyée sur place").status_code == 200
    assert public(client, pothole, extensions=False)["status"] == "open"
    assert public(client, pothole)["status_notes"] == "Équipe envoyée sur place"
    staff(pothole, detailed_status="action_scheduled", note="Rebouchage prévu jeudi")
    reply = staff(pothole, detailed_status="fixed", note="Trou rebouché")
    (update,) = reply.get_json()
    assert (
        update["detailed_status"] == "fixed"
        and update["status"] == "closed"
        and update["changed_by"] == "Paris ops desk"
    )
    record = public(client, pothole)
    assert record["status"] == "closed" and record["status_notes"] == "Trou rebouché"
    assert record["extended_attributes"]["detailed_status"] == "fixed"
    assert [(n["type"], n["detailed_status"], n["description"]) for n in record["notes"]] == [
        ("opened", "received", None),
        ("status", "investigating", "Équipe envoyée sur place"),
        ("status", "action_scheduled", "Rebouchage prévu jeudi"),
        ("closed", "fixed", "Trou rebouché"),
    ]
    assert record["updated_datetime"] >= record["requested_datetime"]


def test_public_view_never_shows_who_or_personal_data(client, staff, pothole):
    staff(pothole, detailed_status="in_progress", note="En cours")
    for fmt in ("json", "xml"):
        body = client.get(
            f"/open311/v2/requests/{pothole}.{fmt}?jurisdiction_id=paris.fr&extensions=true"
        ).data.decode()
        assert "Paris ops desk" not in body and "citizen@example.fr" not in body
        assert "changed_by" not in body and "api_key" not in body


def test_history_is_for_staff_with_who_did_what(client, staff_key, api_key, staff, pothole):
    staff(pothole, detailed_status="in_progress", note="En cours")
    reply = client.get(f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}")
    assert reply.status_code == 200
    history = reply.get_json()
    assert [(h["kind"], h["old_detailed_status"], h["detailed_status"], h["changed_by"]) for h in history] == [
        ("created", None, "received", "test app"),
        ("status", "received", "in_progress", "Paris ops desk"),
    ]
    assert history[1]["department_code"] == "DVD-STV-SO"
    assert_conforms("service_request_updates", reply)
    xml = client.get(f"/open311/v2/requests/{pothole}/updates.xml?jurisdiction_id=paris.fr&api_key={staff_key}")
    assert_conforms("service_request_updates", xml)
    denied = client.get(f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={api_key}")
    assert denied.status_code == 403


@pytest.mark.parametrize(
    ("steps", "last", "text"),
    [
        ([], {"detailed_status": "reopened"}, "Only a closed request can be reopened"),
        ([{"detailed_status": "fixed"}], {"detailed_status": "closed"}, "already closed (fixed): reopen it before"),
        ([{"detailed_status": "fixed"}], {"detailed_status": "in_progress"}, "closed (fixed): reopen it first"),
        ([], {"detailed_status": "received"}, "already received"),
        ([], {"detailed_status": "done"}, "'done' is not one of"),
        ([], {"detailed_status": "duplicate"}, "mark a duplicate with duplicate_of"),
        ([], {}, "Nothing to change"),
        ([], {"department": "NOPE"}, "no department 'NOPE'"),
        ([], {"department": "DVD-STV-SO"}, "already with DVD-STV-SO"),
        ([], {"area": "99"}, "no area '99'"),
        ([], {"duplicate_of": "SELF"}, "cannot be a duplicate of itself"),
        ([], {"duplicate_of": "OTHER", "detailed_status": "closed"}, "send it alone"),
        ([{"detailed_status": "cancelled"}], {"duplicate_of": "OTHER"}, "already closed (cancelled)"),
    ],
)
def test_transitions_that_make_no_sense_are_400(client, staff_key, submit, staff, pothole, steps, last, text):
    other = submit(**POTHOLE).get_json()[0]["service_request_id"]
    for step in steps:
        assert staff(pothole, **step).status_code == 200
    names = {"SELF": pothole, "OTHER": other}
    fields = {key: names.get(value, value) for key, value in last.items()}
    history = f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}"
    before = client.get(history).get_json()
    reply = staff(pothole, **fields)
    assert reply.status_code == 400, reply.data
    assert text in " ".join(e["description"] for e in reply.get_json())
    assert client.get(history).get_json() == before


def test_refused_change_writes_no_history(client, staff, staff_key, pothole):
    staff(pothole, detailed_status="fixed")
    before = client.get(
        f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}"
    ).get_json()
    assert staff(pothole, detailed_status="closed").status_code == 400
    after = client.get(
        f"/open311/v2/requests/{pothole}/updates.json?jurisdiction_id=paris.fr&api_key={staff_key}"
    ).get_json()
    assert after == before


def test_reopen_then_close_again(client, staff, pothole):
    staff(pothole, detailed_status="fixed", note="Fait")
    assert staff(pothole, detailed_status="reopened", note="Le trou est revenu").status_code == 200
    record = public(client, pothole)
    assert record["status"] == "open" and record["notes"][-1]["type"] == "reopened"
    assert staff(pothole, detailed_status="fixed").status_code == 200


def test_unknown_request_is_404(staff):
    assert staff("999999", detailed_status="fixed").status_code == 404


def test_client_keys_cannot_change_requests(staff, api_key, pothole):
    reply = staff(pothole, key=api_key, detailed_status="in_progress")
    assert reply.status_code == 403 and "only a staff key may" in reply.get_json()[0]["description"]


def test_staff_keys_are_scoped(session, staff, pothole):
    from open311.logic.api_keys import create_key
    from open311.logic.jurisdictions import resolve_jurisdiction

    paris, nyc = resolve_jurisdiction(session, "paris.fr"), resolve_jurisdiction(session, "nyc.gov")
    _r, greens = create_key(session, "green spaces", paris, role="staff", department_codes=["DEVE"])
    _r, roads = create_key(session, "roads south-west", paris, role="staff", department_codes=["DVD-STV-SO"])
    _r, new_york = create_key(session, "nyc staff", nyc, role="staff")
    assert staff(pothole, key=greens, detailed_status="fixed").status_code == 403
    assert staff(pothole, key=new_york, detailed_status="fixed").status_code == 403
    assert staff(pothole, key=roads, detailed_status="in_progress").status_code == 200
    # Handing it to another department takes it out of this key's scope.
    assert staff(pothole, key=roads, department="DEVE", note="Allée du jardin").status_code == 200
    assert staff(pothole, key=roads, detailed_status="fixed").status_code == 403
    assert staff(pothole, key=greens, detailed_status="fixed").status_code == 200


def test_reassign_department_and_area(client, staff, pothole):
    reply = staff(pothole, department="DEVE", note="Dans un jardin public")
    (update,) = reply.get_json()
    assert (update["kind"], update["previous_department_code"], update["department_code"]) == (
        "reassigned",
        "DVD-STV-SO",
        "DEVE",
    )
    record = public(client, pothole)
    assert record["agency_responsible"].startswith("Direction des Espaces Verts")
    # Moving it to the 4th arrondissement routes it again: the Centre road section.
    staff(pothole, area="arrondissement:4", note="Mauvais arrondissement")
    record = public(client, pothole)
    assert record["extended_attributes"]["areas"][0]["code"] == "4"
    assert record["extended_attributes"]["department_code"] == "DVD-STV-CENTRE"


def test_merge_a_duplicate(client, staff, submit, pothole):
    second = submit(**{**POTHOLE, "lat": "48.85855"}).get_json()[0]["service_request_id"]
    reply = staff(second, duplicate_of=pothole, note="Même trou")
    assert reply.status_code == 200
    child = public(client, second)
    assert child["status"] == "closed" and child["extended_attributes"]["detailed_status"] == "duplicate"
    assert child["extended_attributes"]["parent_service_request_id"] == pothole
    assert child["status_notes"] == f"Duplicate of request {pothole}. Même trou"
    parent = public(client, pothole)
    assert (
        parent["status"] == "open"
        and parent["status_notes"] == f"Request {second} was merged into this one as a duplicate."
    )
    third = submit(**POTHOLE).get_json()[0]["service_request_id"]
    staff(third, duplicate_of=second)  # a duplicate of a duplicate points at the original
    assert public(client, third)["extended_attributes"]["parent_service_request_id"] == pothole


def test_attach_media(app, client, staff_key, pothole, tmp_path, monkeypatch):
    import io

    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    from ..images import plain_png

    png = plain_png()
    data = {
        "api_key": staff_key,
        "jurisdiction_id": "paris.fr",
        "note": "Photo après travaux",
        "media": (io.BytesIO(png), "a.png"),
    }
    reply = client.post(f"/open311/v2/requests/{pothole}/updates.json", data=data, content_type="multipart/form-data")
    assert reply.status_code == 200
    (update,) = reply.get_json()
    assert update["media_url"].startswith("http://localhost/media/") and len(list(tmp_path.iterdir())) == 1
    assert public(client, pothole)["media_url"] == update["media_url"]


def test_expected_datetime_from_the_city_file(session, client, submit):
    """resolution_hours set in the city file gives expected_datetime."""
    from datetime import datetime

    from open311.logic.catalog import find_service
    from open311.logic.jurisdictions import resolve_jurisdiction

    assert find_service(session, resolve_jurisdiction(session, "paris.fr"), "5201").resolution_hours == 168
    request_id = submit(**POTHOLE).get_json()[0]["service_request_id"]
    record = public(client, request_id)
    delta = datetime.fromisoformat(record["expected_datetime"]) - datetime.fromisoformat(record["requested_datetime"])
    assert delta.days == 7

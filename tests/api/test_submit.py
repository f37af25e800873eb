"""POST Service Request (spec §2.3; digest §7 items 6-9)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from open311.models import ServiceRequest, ServiceRequestContact

from ..conftest import EIFFEL_TOWER, POTHOLE
from ..images import plain_png


def count_requests(session):
    return session.scalar(select(func.count()).select_from(ServiceRequest))


def test_pothole_at_the_eiffel_tower_goes_to_the_7th_and_the_roads_section(client, submit):
    reply = submit(**POTHOLE, description="Un trou profond", email="marie@example.fr")
    assert reply.status_code == 200
    (record,) = reply.get_json()
    assert set(record) == {"service_request_id", "service_notice", "account_id"}
    request = client.get(
        f"/open311/v2/requests/{record['service_request_id']}.json?jurisdiction_id=paris.fr&extensions=true"
    )
    (stored,) = request.get_json()
    assert stored["status"] == "open"
    assert stored["agency_responsible"].startswith("Direction de la Voirie")
    assert stored["extended_attributes"]["department_code"] == "DVD-STV-SO"
    assert stored["extended_attributes"]["areas"] == [
        {"layer": "arrondissement", "code": "7", "name": "Paris 7e arrondissement (Palais-Bourbon)"}
    ]
    assert stored["extended_attributes"]["attributes"] == {"TAILLE": "grand"}
    assert stored["requested_datetime"].endswith(("+01:00", "+02:00"))


def test_new_york_request_gets_both_layers(client, submit):
    reply = submit(jurisdiction_id="nyc.gov", service_code="pothole", lat="40.6437", long="-74.0776")
    (record,) = reply.get_json()
    (stored,) = client.get(
        f"/open311/v2/requests/{record['service_request_id']}.json?jurisdiction_id=nyc.gov&extensions=true"
    ).get_json()
    assert [(a["layer"], a["code"]) for a in stored["extended_attributes"]["areas"]] == [
        ("borough", "5"),
        ("community_district", "501"),
    ]
    assert stored["extended_attributes"]["department_code"] == "DOT-SI-N"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_type_decides_the_response(client, submit, fmt):
    realtime = submit(fmt, **POTHOLE)
    batch = submit(fmt, service_code="1002", **EIFFEL_TOWER, **{"attribute[OBJETS]": "matelas"})
    blackbox = submit(fmt, service_code="11070", **EIFFEL_TOWER)
    assert realtime.status_code == batch.status_code == blackbox.status_code == 200
    if fmt == "json":
        assert "service_request_id" in realtime.get_json()[0] and "token" not in realtime.get_json()[0]
        token = batch.get_json()[0]["token"]
        assert "service_request_id" not in batch.get_json()[0]
        assert set(blackbox.get_json()[0]) == {"service_notice", "account_id"}
    else:
        assert b"<service_request_id>" in realtime.data and b"<token>" not in realtime.data
        assert b"<token>" in batch.data and b"<service_request_id>" not in batch.data
        assert b"<token>" not in blackbox.data and b"<service_request_id>" not in blackbox.data
        token = batch.data.split(b"<token>")[1].split(b"</token>")[0].decode()
    resolved = client.get(f"/open311/v2/tokens/{token}.json?jurisdiction_id=paris.fr")
    (pair,) = resolved.get_json()
    assert pair["token"] == token and pair["service_request_id"].isdigit()


def test_unknown_token_is_404(client):
    reply = client.get("/open311/v2/tokens/nope.xml?jurisdiction_id=paris.fr")
    assert reply.status_code == 404 and b"token provided was not found" in reply.data


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        ({"api_key": None}, 403, "api_key was not provided"),
        ({"api_key": "o311_wrong"}, 403, "Invalid api_key"),
        ({"service_code": None}, 400, "service_code was not provided"),
        ({"service_code": "9999"}, 404, "service_code provided was not found: 9999"),
        ({"lat": None, "long": None}, 400, "A location is required"),
        ({"long": None}, 400, "long: lat and long must both be sent"),
        ({"lat": "91"}, 400, "lat: Must be greater than or equal to -90"),
        ({"long": "east"}, 400, "long: Not a valid number"),
        ({"attribute[TAILLE]": None}, 400, "attribute[TAILLE]: TAILLE required"),
        ({"attribute[TAILLE]": "enorme"}, 400, "attribute[TAILLE]: 'enorme' is not one of petit, moyen, grand"),
        ({"description": "x" * 4001}, 400, "description: Longer than maximum length 4000"),
        ({"email": "not-an-email"}, 400, "email: Not a valid email address"),
        ({"lat": "51.5072", "long": "-0.1276"}, 400, "is outside the jurisdiction paris.fr"),
        ({"jurisdiction_id": None}, 400, "jurisdiction_id was not provided"),
        ({"jurisdiction_id": "nowhere.example"}, 404, "jurisdiction_id provided was not found"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url: Not a valid URL"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_refusals_name_the_field_and_store_nothing(session, submit, fmt, fields, status, text):
    before = count_requests(session)
    reply = submit(fmt, **{**POTHOLE, **fields})
    assert reply.status_code == status
    assert text.encode() in reply.data
    assert count_requests(session) == before


def test_several_problems_are_reported_together(submit):
    reply = submit(service_code="5201", lat="48.85")
    descriptions = [error["description"] for error in reply.get_json()]
    assert descriptions == ["long: lat and long must both be sent", "attribute[TAILLE]: TAILLE required"]


def test_revoked_and_foreign_keys_are_403(session, submit):
    from open311.logic.api_keys import create_key, revoke_key
    from open311.logic.jurisdictions import resolve_jurisdiction

    row, key = create_key(session, "old app")
    revoke_key(session, row.id)
    assert submit(api_key=key, **POTHOLE).status_code == 403
    _row, nyc_key = create_key(session, "nyc app", resolve_jurisdiction(session, "nyc.gov"))
    reply = submit(api_key=nyc_key, **POTHOLE)
    assert reply.status_code == 403 and b"not valid for jurisdiction_id paris.fr" in reply.data


@pytest.mark.parametrize(
    "attribute_fields",
    [
        {"attribute[OBJETS][]": ["matelas", "canape"]},
        {"attribute[OBJETS]": ["matelas", "canape"]},
    ],
)
def test_multivaluelist_in_both_spellings(client, submit, attribute_fields):
    reply = submit(service_code="1002", **EIFFEL_TOWER, **attribute_fields, **{"attribute[VOLUME]": "1.5"})
    token = reply.get_json()[0]["token"]
    (pair,) = client.get(f"/open311/v2/tokens/{token}.json?jurisdiction_id=paris.fr").get_json()
    (stored,) = client.get(
        f"/open311/v2/requests/{pair['service_request_id']}.json?jurisdiction_id=paris.fr&extensions=true"
    ).get_json()
    assert stored["extended_attributes"]["attributes"] == {"OBJETS": ["matelas", "canape"], "VOLUME": 1.5}


@pytest.mark.parametrize(
    ("code", "fields", "text"),
    [
        ("1002", {"attribute[OBJETS]": "piano"}, "'piano' is not one of"),
        ("1002", {"attribute[OBJETS]": "matelas", "attribute[VOLUME]": "beaucoup"}, "'beaucoup' is not a number"),
        ("6010", {"attribute[DEPUIS]": "hier soir"}, "attribute[DEPUIS]: attribute[DEPUIS] must be a W3C datetime"),
        ("6010", {"attribute[NUMERO]": "07\n1234"}, "takes no line breaks"),
        ("5201", {"attribute[TAILLE]": ["petit", "grand"]}, "takes one value only"),
    ],
)
def test_attribute_datatypes_are_checked(submit, code, fields, text):
    reply = submit(service_code=code, **EIFFEL_TOWER, **fields)
    assert reply.status_code == 400
    assert text in reply.get_json()[0]["description"]


def test_text_attribute_keeps_line_breaks_and_datetime_is_normalised(client, submit):
    reply = submit(
        service_code="3602",
        **EIFFEL_TOWER,
        **{"attribute[SURFACE]": "mur", "attribute[PRECISIONS]": "Code 1234\nau fond de la cour"},
    )
    assert reply.status_code == 200
    reply = submit(service_code="6010", **EIFFEL_TOWER, **{"attribute[DEPUIS]": "2024-11-02T21:00+01:00"})
    request_id = reply.get_json()[0]["service_request_id"]
    (stored,) = client.get(
        f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions=true"
    ).get_json()
    assert stored["extended_attributes"]["attributes"] == {"DEPUIS": "2024-11-02T21:00:00+01:00"}


def test_unknown_attribute_codes_are_ignored_as_fixmystreet_sends_them(submit):
    assert submit(**POTHOLE, **{"attribute[fixmystreet_id]": "1234"}).status_code == 200


def test_address_only_is_stored_unlocated_and_routed_to_the_service_default(client, submit):
    reply = submit(service_code="5201", **{"attribute[TAILLE]": "petit"}, address_string="12 rue de Rivoli, Paris")
    request_id = reply.get_json()[0]["service_request_id"]
    (stored,) = client.get(
        f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions=true"
    ).get_json()
    assert stored["lat"] is None and stored["long"] is None and stored["address"] == "12 rue de Rivoli, Paris"
    assert stored["extended_attributes"]["department_code"] == "DVD"
    assert stored["extended_attributes"]["areas"] == []


def test_address_id_alone_is_a_location(submit):
    assert submit(service_code="1001", address_id="PARIS-75107-0001").status_code == 200


def test_outside_points_are_accepted_where_the_city_says_so(session, client, submit):
    from open311.logic.jurisdictions import resolve_jurisdiction

    resolve_jurisdiction(session, "paris.fr").accept_outside = True
    session.flush()
    reply = submit(**{**POTHOLE, "lat": "51.5072", "long": "-0.1276"})
    request_id = reply.get_json()[0]["service_request_id"]
    (stored,) = client.get(
        f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions=true"
    ).get_json()
    assert stored["extended_attributes"]["areas"] == [] and stored["extended_attributes"]["department_code"] == "DVD"


def test_personal_data_is_stored_and_never_returned(session, client, submit):
    personal = {
        "email": "jeanne.secret@example.fr",
        "first_name": "Jeanneprivee",
        "last_name": "Dupontprivee",
        "phone": "0611223344",
        "device_id": "device-secret-42",
        "account_id": "account-secret-42",
    }
    reply = submit(**POTHOLE, **personal)
    request_id = reply.get_json()[0]["service_request_id"]
    contact = session.get(ServiceRequestContact, int(request_id))
    assert contact.email == "jeanne.secret@example.fr" and contact.device_id == "device-secret-42"
    for url in (
        f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr&extensions=true",
        f"/open311/v2/requests/{request_id}.xml?jurisdiction_id=paris.fr&extensions=true",
        "/open311/v2/requests.json?jurisdiction_id=paris.fr&extensions=true",
        "/open311/v2/requests.xml?jurisdiction_id=paris.fr",
    ):
        body = client.get(url).data.decode()
        assert not any(value in body for value in personal.values()), url


def test_expected_datetime_follows_the_resolution_target(session, client, submit):
    from open311.logic.catalog import find_service
    from open311.logic.jurisdictions import resolve_jurisdiction

    find_service(session, resolve_jurisdiction(session, "paris.fr"), "5201").resolution_hours = 48
    session.flush()
    request_id = submit(**POTHOLE).get_json()[0]["service_request_id"]
    (stored,) = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr").get_json()
    from datetime import datetime, timedelta

    requested = datetime.fromisoformat(stored["requested_datetime"])
    assert datetime.fromisoformat(stored["expected_datetime"]) - requested == timedelta(hours=48)


def test_service_notice_of_the_service_is_returned(session, submit):
    from open311.logic.catalog import find_service
    from open311.logic.jurisdictions import resolve_jurisdiction

    find_service(session, resolve_jurisdiction(session, "paris.fr"), "5201").service_notice = "Intervention sous 48 h."
    session.flush()
    assert submit(**POTHOLE).get_json()[0]["service_notice"] == "Intervention sous 48 h."


PNG = plain_png()


def test_multipart_media_is_stored_and_served(app, client, api_key, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "media": (io.BytesIO(PNG), "trou.png")}
    reply = client.post("/open311/v2/requests.json", data=data, content_type="multipart/form-data")
    assert reply.status_code == 200
    request_id = reply.get_json()[0]["service_request_id"]
    (stored,) = client.get(f"/open311/v2/requests/{request_id}.json?jurisdiction_id=paris.fr").get_json()
    assert stored["media_url"].startswith("http://localhost/media/") and stored["media_url"].endswith(".png")
    with client.get(stored["media_url"].removeprefix("http://localhost")) as served:
        assert served.status_code == 200 and served.data.startswith(b"\x89PNG") and served.mimetype == "image/png"


@pytest.mark.parametrize(
    ("content", "text"),
    [(b"%PDF-1.4 not an image", "only JPEG, PNG, GIF and WebP"), (PNG + b"\x00" * 2048, "larger than 2 KiB")],
)
def test_bad_media_is_refused_and_nothing_is_written(
    app, session, client, api_key, tmp_path, monkeypatch, content, text
):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 2048)
    before = count_requests(session)
    data = {"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "media": (io.BytesIO(content), "x.png")}
    reply = client.post("/open311/v2/requests.xml", data=data, content_type="multipart/form-data")
    assert reply.status_code == 400 and text.encode() in reply.data
    assert list(tmp_path.iterdir()) == [] and count_requests(session) == before


def test_form_with_charset_is_accepted(client, api_key):
    from urllib.parse import urlencode

    body = urlencode({"api_key": api_key, "jurisdiction_id": "paris.fr", **POTHOLE, "description": "Trou près du café"})
    reply = client.post(
        "/open311/v2/requests.xml", data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert reply.status_code == 200

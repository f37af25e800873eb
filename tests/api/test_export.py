"""Bulk exports (export/requests.{csv,ndjson,geojson}), GET requests.geojson, the staff export of updates
and the served Data Package."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from open311.logic.api_keys import create_key
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.models import Jurisdiction, Service, ServiceRequest

from ..conftest import POTHOLE
from ..factories import copy_request, make_request, make_sandbox

EXPORT = "/open311/v2/export/requests.{fmt}?jurisdiction_id=paris.fr"
BULK_COLUMNS = [
    "service_request_id", "requested_datetime", "updated_datetime", "closed_datetime", "status_description",
    "status_notes", "source", "service_name", "service_subtype", "description", "agency_responsible", "address",
    "lat", "long",
]  # fmt: skip
OUR_COLUMNS = [
    "service_code", "group", "area_arrondissement", "department_code", "detailed_status", "expected_datetime",
    "closed_on_time", "parent_service_request_id", "media_url",
]  # fmt: skip


@pytest.fixture()
def reports(session, submit, staff):
    """Paris requests: a fresh one with personal data and a formula, a closed one, one 200 days old."""
    session.execute(delete(ServiceRequest))
    fresh = submit(
        **POTHOLE, description='=HYPERLINK("http://x") rappelez le 06 12 34 56 78, "vite"\nmerci',
        address_string="-12 rue de Rivoli", media_url="https://photos.example.org/1.jpg",
    ).get_json()[0]["service_request_id"]  # fmt: skip
    closed = submit(**POTHOLE, description="Trou").get_json()[0]["service_request_id"]
    assert staff(closed, detailed_status="fixed", note="Rebouché, voir jean@example.org").status_code == 200
    old = make_request(session, age=timedelta(days=200), description="Ancien")
    return {"fresh": fresh, "closed": closed, "old": str(old.id)}


def _csv(reply) -> list[dict]:
    assert reply.status_code == 200, reply.data
    return list(csv.DictReader(io.StringIO(reply.data.decode("utf-8"), newline="")))


def test_csv_has_the_bulk_columns_then_ours_and_every_request_however_old(client, reports):
    reply = client.get(EXPORT.format(fmt="csv"))
    assert reply.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    assert reply.is_streamed
    header = reply.data.split(b"\r\n", 1)[0].decode()
    assert header.split(",") == BULK_COLUMNS + OUR_COLUMNS
    rows = _csv(reply)
    assert [row["service_request_id"] for row in rows] == sorted(reports.values(), key=int)  # no 90-day window
    assert reply.headers["X-Result-Count"] == "3"


def test_csv_follows_rfc_4180_with_the_privacy_transform_and_no_formulas(client, reports):
    reply = client.get(EXPORT.format(fmt="csv"))
    body = reply.data
    assert body.endswith(b"\r\n") and body.count(b"\r\n") == 4  # header, three rows; the newline inside quotes stays
    rows = {row["service_request_id"]: row for row in _csv(reply)}
    fresh, closed = rows[reports["fresh"]], rows[reports["closed"]]
    assert fresh["description"] == '\'=HYPERLINK("http://x") rappelez le [phone removed], "vite"\nmerci'
    assert fresh["address"] == "'-12 rue de Rivoli"
    assert fresh["media_url"] == "https://photos.example.org/1.jpg"
    assert closed["status_notes"] == "Rebouché, voir [email removed]"
    assert (fresh["lat"], fresh["long"], fresh["area_arrondissement"]) == ("48.8584", "2.2945", "7")
    assert fresh["requested_datetime"][10] == "T" and fresh["requested_datetime"][-6:] in ("+01:00", "+02:00")
    assert closed["status_description"] == "closed" and closed["detailed_status"] == "fixed"
    assert closed["closed_datetime"] == closed["updated_datetime"] and closed["closed_on_time"] == "true"
    assert fresh["closed_datetime"] == "" and fresh["closed_on_time"] == ""


def test_ndjson_and_geojson_hold_the_same_columns_and_values(client, reports):
    rows = {row["service_request_id"]: row for row in _csv(client.get(EXPORT.format(fmt="csv")))}
    reply = client.get(EXPORT.format(fmt="ndjson"))
    assert reply.headers["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in reply.data.decode().splitlines()]
    assert [list(line) for line in lines] == [BULK_COLUMNS + OUR_COLUMNS] * 3
    reply = client.get(EXPORT.format(fmt="geojson"))
    assert reply.headers["Content-Type"] == "application/geo+json"
    collection = json.loads(reply.data)
    assert collection["type"] == "FeatureCollection"
    assert [feature["properties"] for feature in collection["features"]] == lines
    for line, feature in zip(lines, collection["features"], strict=True):
        row = rows[line["service_request_id"]]
        assert feature["geometry"] == {"type": "Point", "coordinates": [line["long"], line["lat"]]}
        assert isinstance(line["lat"], float) and line["closed_on_time"] in (True, False, None)
        assert line["description"] == (row["description"].removeprefix("'") or None)
        assert line["requested_datetime"] == row["requested_datetime"]


def test_json_exports_escape_what_json_must(client, session, reports):
    text = 'C:\\chemin\ttab "cité" \x01 fin'
    session.execute(update(ServiceRequest).where(ServiceRequest.id == int(reports["old"])).values(description=text))
    session.commit()
    lines = [json.loads(line) for line in client.get(EXPORT.format(fmt="ndjson")).data.decode().splitlines()]
    assert {line["service_request_id"]: line["description"] for line in lines}[reports["old"]] == text
    features = json.loads(client.get(EXPORT.format(fmt="geojson")).data)["features"]
    assert [feature["properties"] for feature in features] == lines


def test_filters_are_the_listings_and_publication_settings_apply(client, session, reports):
    assert [r["service_request_id"] for r in _csv(client.get(EXPORT.format(fmt="csv") + "&status=closed"))] == [
        reports["closed"]
    ]
    recent = EXPORT.format(fmt="csv") + "&start_date=2000-01-01T00:00:00Z&detailed_status=received"
    assert {r["service_request_id"] for r in _csv(client.get(recent))} == {reports["fresh"], reports["old"]}
    paris = select(Jurisdiction.id).where(Jurisdiction.jurisdiction_id == "paris.fr").scalar_subquery()
    pothole = update(Service).where(Service.service_code == "5201", Service.jurisdiction_id == paris)
    session.execute(pothole.values(blur_m=500, publish_media=False))
    row = next(r for r in _csv(client.get(EXPORT.format(fmt="csv"))) if r["service_request_id"] == reports["fresh"])
    assert (row["lat"], row["long"], row["address"], row["media_url"]) != ("48.8584", "2.2945", "", "")
    assert row["address"] == "" and row["media_url"] == ""
    session.execute(pothole.values(publish=False))
    assert _csv(client.get(EXPORT.format(fmt="csv"))) == []


def test_a_harvester_gets_304_until_something_changes(client, session, submit, staff, reports):
    # (Each streamed body is read before the next call: the test client shares one database connection.)
    url = EXPORT.format(fmt="csv")
    first = client.get(url)
    assert first.data
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    not_modified = client.get(url, headers={"If-Modified-Since": modified})
    assert not_modified.status_code == 304 and not_modified.data == b""
    for other in (EXPORT.format(fmt="ndjson"), url + "&status=open"):
        reply = client.get(other, headers={"If-None-Match": etag})
        assert reply.status_code == 200 and reply.data
    submit(**POTHOLE)  # a new request
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.data and changed.headers["ETag"] != etag
    etag = changed.headers["ETag"]
    # A change of a request (later than its creation: the test's one transaction does not move now()).
    staff(reports["fresh"], detailed_status="in_progress", note="En cours")
    later = update(ServiceRequest).where(ServiceRequest.id == int(reports["fresh"]))
    session.execute(later.values(updated_datetime=ServiceRequest.updated_datetime + timedelta(seconds=1)))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.data and changed.headers["ETag"] != etag


def test_gzip_when_the_client_accepts_it(client, reports):
    plain = client.get(EXPORT.format(fmt="ndjson"))
    assert plain.data
    zipped = client.get(EXPORT.format(fmt="ndjson"), headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.vary
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("&start_date=yesterday", 400, "start_date"),
        ("&start_date=2024-02-01T00:00:00Z&end_date=2024-01-01T00:00:00Z", 400, "end_date is before start_date"),
        ("&bbox=1,2,3", 400, "bbox"),
    ],
)
def test_errors_are_the_standards_list_in_json(client, query, status, text):
    for fmt in ("csv", "ndjson", "geojson"):
        reply = client.get(EXPORT.format(fmt=fmt) + query)
        assert reply.status_code == status and reply.headers["Content-Type"].startswith("application/json")
        assert text in reply.get_json()[0]["description"]
    reply = client.get("/open311/v2/export/requests.csv?jurisdiction_id=nowhere.example")
    assert reply.status_code == 404 and reply.get_json()[0]["code"] == 404


def test_a_sandbox_never_exports(client, session):
    make_sandbox(session)
    for path in ("export/requests.csv", "export/requests.geojson", "export/datapackage.json"):
        reply = client.get(f"/open311/v2/{path}?jurisdiction_id=sandbox.paris.fr")
        assert reply.status_code == 404 and "sandbox" in reply.get_json()[0]["description"]


def test_requests_geojson_is_the_listing_as_features(client, reports):
    reply = client.get("/open311/v2/requests.geojson?jurisdiction_id=paris.fr&page_size=1&extensions=true")
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/geo+json"
    assert reply.headers["X-Result-Count"] == "2"  # the 90-day window of the listing
    assert 'rel="next"' in reply.headers["Link"]
    collection = reply.get_json()
    listing = client.get("/open311/v2/requests.json?jurisdiction_id=paris.fr&page_size=1&extensions=true").get_json()
    assert [feature["properties"] for feature in collection["features"]] == listing
    assert collection["features"][0]["geometry"]["type"] == "Point"
    too_wide = client.get("/open311/v2/requests.geojson?start_date=2020-01-01T00:00:00Z&end_date=2024-01-01T00:00:00Z")
    assert too_wide.status_code == 400 and too_wide.headers["Content-Type"].startswith("application/json")


def test_staff_export_the_history_of_updates_with_the_original_notes(client, session, staff_key, api_key, reports):
    url = "/open311/v2/export/updates.csv?jurisdiction_id=paris.fr&api_key={}"
    refused = client.get(url.format(api_key))
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith("application/json")
    rows = _csv(client.get(url.format(staff_key)))
    closing = next(row for row in rows if row["kind"] == "status")
    assert closing["service_request_id"] == reports["closed"]
    assert closing["description"] == "Rebouché, voir jean@example.org"  # staff read what was written
    assert (closing["old_detailed_status"], closing["detailed_status"], closing["status"]) == (
        "received",
        "fixed",
        "closed",
    )
    assert closing["changed_by"] == "Paris ops desk"
    assert {row["service_request_id"] for row in rows} >= {reports["fresh"], reports["closed"]}
    _row, elsewhere = create_key(
        session, "green spaces", resolve_jurisdiction(session, "paris.fr"), role="staff", department_codes=["DEVE"]
    )
    assert _csv(client.get(url.format(elsewhere))) == []


def test_the_served_datapackage_describes_the_three_exports(client, reports):
    package = client.get("/open311/v2/export/datapackage.json?jurisdiction_id=paris.fr").get_json()
    assert [r["format"] for r in package["resources"]] == ["csv", "ndjson", "geojson"]
    csv_resource = package["resources"][0]
    assert csv_resource["path"].endswith("/open311/v2/export/requests.csv?jurisdiction_id=paris.fr")
    assert [field["name"] for field in csv_resource["schema"]["fields"]] == BULK_COLUMNS + OUR_COLUMNS
    assert "schema" not in package["resources"][2]
    assert package["licenses"] == [{
        "name": "ODbL-1.0", "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "title": "Open Data Commons Open Database License 1.0",
    }]  # the demo city file's, as Paris publishes its open data  # fmt: skip


def test_a_harvester_that_hangs_up_leaves_the_server_able_to_serve(client, session, reports):
    """The client goes after the first chunk: the COPY is cancelled, the transaction ended, the
    connection usable (here the test's own, shared by the next call)."""
    copy_request(session, session.get(ServiceRequest, int(reports["closed"])), 3000)
    reply = client.get(EXPORT.format(fmt="ndjson"))
    chunks = iter(reply.response)
    assert next(chunks) and next(chunks)  # a few hundred rows of the 3,003 are written
    reply.close()
    again = client.get(EXPORT.format(fmt="csv"))
    assert again.headers["X-Result-Count"] == "3003" and again.data.count(b"\r\n") == 3004

"""Extension: GET statistics over HTTP — formats, errors, what counts, and changes showing at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from open311.models import Jurisdiction, Service, ServiceRequest

from ..conftest import POTHOLE
from ..contract.standard import assert_conforms
from ..factories import make_request, make_sandbox

BASE = "/open311/v2/statistics"


def stats(client, fmt="json", **params):
    params = {"jurisdiction_id": "paris.fr", **params}
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"{BASE}.{fmt}?{query}")


def one_cell(client, **params) -> dict:
    reply = stats(client, **params)
    assert reply.status_code == 200, reply.get_json()
    (cell,) = reply.get_json()
    return cell


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "group_by",
    ["", "area", "area:arrondissement,month", "service_code,agency_responsible", "group,status,week",
     "detailed_status,channel,year", "day"],
)  # fmt: skip
def test_answers_conform(client, session, fmt, group_by):
    make_request(session, age=timedelta(days=3), detailed_status="fixed")
    make_request(session, service_code="3602", lon=2.3499, lat=48.8530)
    reply = stats(client, fmt, group_by=group_by, start_date=(date.today() - timedelta(days=40)).isoformat())
    assert reply.status_code == 200
    assert_conforms("statistics", reply)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "params",
    [
        {"group_by": "nope"},
        {"group_by": "area:nope"},
        {"group_by": "month,year"},
        {"group_by": "status,status"},
        {"group_by": "service_code:x"},
        {"start_date": "yesterday"},
        {"start_date": "2024-02-30"},
        {"end_date": "2024-01-01T00:00:00"},
        {"start_date": "2024-05-01", "end_date": "2024-04-01"},
        {"start_date": "1800-01-01"},
        {"min_sample": "0"},
        {"status": "pending"},
        {"bbox": "1,2,3"},
        {"bbox": "3,2,1,0"},
        {"lat": "48.85"},
        {"lat": "48.85", "long": "2.35", "radius": "-5"},
        {"group_by": "day", "start_date": "1990-01-01"},
    ],
)
def test_bad_parameters_are_the_standards_errors(client, fmt, params):
    reply = stats(client, fmt, **params)
    assert reply.status_code == 400
    assert_conforms("errors", reply)


def test_unknown_jurisdiction_is_404(client):
    assert stats(client, jurisdiction_id="elsewhere.example").status_code == 404


def test_the_default_window_is_this_month_and_the_eleven_before(client):
    cells = stats(client, group_by="month").get_json()
    today = datetime.now(ZoneInfo("Europe/Paris")).date()  # the jurisdiction's day, not the machine's
    assert len(cells) == 12
    assert cells[0]["period"] == date(today.year - (today.month <= 11), (today.month - 12) % 12 + 1, 1).isoformat()
    assert cells[-1]["period"] == today.replace(day=1).isoformat()


def test_a_new_request_and_its_status_changes_count_at_once(client, submit, staff):
    before = one_cell(client, min_sample=1)
    request_id = submit(**POTHOLE).get_json()[0]["service_request_id"]
    after_post = one_cell(client, min_sample=1)
    assert after_post["opened"] == before["opened"] + 1 and after_post["backlog"] == before["backlog"] + 1
    assert staff(request_id, detailed_status="in_progress").status_code == 200
    assert staff(request_id, detailed_status="fixed", note="Rebouché").status_code == 200
    after_close = one_cell(client, min_sample=1)
    assert after_close["closed"] == before["closed"] + 1 and after_close["backlog"] == before["backlog"]
    assert after_close["median_hours_to_close"] is not None
    assert staff(request_id, detailed_status="reopened").status_code == 200
    reopened = one_cell(client, min_sample=1)
    assert reopened["closed"] == before["closed"] and reopened["backlog"] == before["backlog"] + 1


def test_area_and_department_of_a_post_count_where_it_was_routed(client, submit):
    submit(**POTHOLE)
    (cell,) = [c for c in stats(client, group_by="area,agency_responsible").get_json() if c["area"] == "7"]
    assert cell["opened"] == 1 and cell["agency_responsible"] == "DVD-STV-SO" and cell["layer"] == "arrondissement"
    assert cell["per_km2"] > 0


def test_unpublished_services_count(client, session):
    service = session.scalar(select(Service).where(Service.service_code == "3602"))
    service.publish = False
    make_request(session, service_code="3602")
    cells = stats(client, group_by="service_code").get_json()
    assert [c["opened"] for c in cells if c["service_code"] == "3602"] == [1]


def test_a_sandbox_counts_only_in_itself(client, session):
    """The test endpoint's requests stay out of the city's statistics; its own statistics count them."""
    sandbox = make_sandbox(session)
    service = session.scalar(
        select(Service).where(Service.jurisdiction_id == sandbox.id, Service.service_code == "5201")
    )
    session.add(ServiceRequest(jurisdiction_id=sandbox.id, service_id=service.id))
    session.flush()
    assert one_cell(client)["opened"] == 0
    reply = client.get("/open311/test/v2/statistics.json?jurisdiction_id=paris.fr")
    assert reply.status_code == 200 and reply.get_json()[0]["opened"] == 1


def test_the_minimum_sample_withholds_medians_and_percentages(client, session, app):
    for _ in range(3):
        make_request(session, age=timedelta(days=2), updated_age=timedelta(days=1), detailed_status="fixed")
    cell = one_cell(client)
    assert cell["closed"] == 3 and cell["median_hours_to_close"] is None and cell["closed_on_time_pct"] is None
    assert cell["withheld"] == "fewer than 10 closed requests; fewer than 10 first responses"
    shown = one_cell(client, min_sample=3)
    assert shown["median_hours_to_close"] == pytest.approx(24, rel=0.011) and shown["withheld"] is not None
    app.config["STATISTICS_MIN_SAMPLE"] = 2
    try:
        assert one_cell(client)["p90_hours_to_close"] == pytest.approx(24, rel=0.011)
    finally:
        app.config["STATISTICS_MIN_SAMPLE"] = 10


def test_group_and_service_filters_intersect(client, session):
    make_request(session, service_code="5201")
    make_request(session, service_code="3602")
    group = session.scalar(select(Service.group).where(Service.service_code == "5201"))
    assert one_cell(client, group=group)["opened"] == 1
    assert one_cell(client, group=group, service_code="3602")["opened"] == 0
    assert one_cell(client, group="no such group")["opened"] == 0


def test_rollups_kept_by_every_write_equal_a_rebuild(client, session, submit, staff, staff_key):
    """POSTs, status changes, a reassignment, an area move, a merge, a citizen's update and a deletion:
    the rollups the triggers keep (folded) equal the rollups recomputed from the requests."""
    ids = [submit(**{**POTHOLE, "lat": str(48.8584 + i / 1000)}).get_json()[0]["service_request_id"] for i in range(6)]
    changes = [
        (ids[0], {"detailed_status": "in_progress"}), (ids[0], {"detailed_status": "fixed"}),
        (ids[1], {"department": "DPE"}), (ids[2], {"area": "arrondissement:15"}), (ids[3], {"duplicate_of": ids[4]}),
        (ids[0], {"detailed_status": "reopened"}),
    ]  # fmt: skip
    for request_id, change in changes:
        assert staff(request_id, **change).status_code == 200, change
    reply = client.post("/open311/v2/servicerequestupdates.json", data={
        "api_key": staff_key, "jurisdiction_id": "paris.fr", "service_request_id": ids[5], "update_id": "u1",
        "status": "FIXED", "updated_datetime": "2024-01-01T00:00:00Z", "description": "Vu réparé"})  # fmt: skip
    assert reply.status_code == 200
    make_request(session, age=timedelta(days=400), updated_age=timedelta(days=390), detailed_status="closed")
    session.execute(text("DELETE FROM service_request WHERE id = :id"), {"id": int(ids[5])})

    def histogram(buckets: str, counts: str) -> dict:
        pairs = zip(buckets.split(",") if buckets else [], counts.split(",") if counts else [], strict=True)
        return {int(b): int(c) for b, c in pairs if int(c)}

    def folded() -> dict:
        session.execute(text("SELECT stats_fold()"))
        rows = session.execute(text(
            "SELECT cuboid, grain, period, layer_id, area_id, service_id, department_id, status, opened, closed, "
            "closed_with_target, closed_on_time, responded, due, due_closed, close_buckets, close_counts, "
            "response_buckets, response_counts FROM request_stats"))  # fmt: skip
        table = {}
        for row in rows:
            close = histogram(row.close_buckets, row.close_counts)
            response = histogram(row.response_buckets, row.response_counts)
            values = (tuple(row[8:15]), close, response)
            if any(values[0]) or close or response:
                table[tuple(row[:8])] = values
        return table

    kept = folded()
    for jurisdiction_id in session.scalars(select(Jurisdiction.id)):
        session.execute(text("SELECT stats_rebuild(:id)"), {"id": jurisdiction_id})
    assert kept == folded() and kept

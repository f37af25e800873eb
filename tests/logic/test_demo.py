"""The demo's lively city: the real history shifted to end today, a generated year, lives of requests."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select, text

from open311.cli import DEMO_CITY, DEMO_HISTORY
from open311.logic.demo import (
    CLOSED_OUTCOMES,
    DEMO_STATUSES,
    QUICK_OUTCOMES,
    WORK_STATUSES,
    demo_requests,
    draw_life,
    load_demo_requests,
    read_history,
)
from open311.logic.jurisdictions import resolve_jurisdiction
from open311.models import RequestUpdate, Service, ServiceRequest

PARIS = ZoneInfo("Europe/Paris")
#: A fixed "now" for the suite (a Tuesday afternoon): nothing here depends on the day the tests run.
NOW = datetime(2025, 3, 18, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def history():
    return read_history(DEMO_HISTORY)


@pytest.fixture(scope="module")
def targets():
    """Service code -> resolution target (hours) of the demo city."""
    city = yaml.safe_load(DEMO_CITY.read_text())
    return {s["service_code"]: s.get("resolution_hours") for s in city["services"]}


def test_a_life_moves_forward_and_ends_closed_or_still_open():
    rng = random.Random(1)
    requested = NOW - timedelta(days=200)
    seen = Counter()
    for _ in range(2000):
        changes = draw_life(rng, requested, 72, NOW)
        times = [at for at, _status in changes]
        assert times == sorted(times) and all(requested < at <= NOW for at in times)
        statuses = [status for _at, status in changes]
        assert set(statuses) <= set(DEMO_STATUSES)
        assert statuses[-1] in CLOSED_OUTCOMES  # 200 days on, every request is closed
        assert statuses[0] in WORK_STATUSES.values or statuses[0] in QUICK_OUTCOMES
        for before, after in itertools.pairwise(statuses):
            if before in CLOSED_OUTCOMES:
                assert after == "reopened"
            else:  # worked on, or reopened: then closed
                assert after in CLOSED_OUTCOMES
        seen.update(statuses)
    assert seen["reopened"] > 20 and seen["duplicate"] > 50 and seen["in_progress"] > 500


def test_changes_after_now_have_not_happened_yet():
    rng = random.Random(2)
    lives = [draw_life(rng, NOW - timedelta(hours=30), 48, NOW) for _ in range(500)]
    assert all(at <= NOW for life in lives for at, _status in life)
    assert sum(1 for life in lives if not life) > 5  # not even answered yet
    assert sum(1 for life in lives if life and life[-1][1] in WORK_STATUSES.values) > 100  # being worked on
    assert sum(1 for life in lives if life and life[-1][1] in CLOSED_OUTCOMES) > 20  # already closed


def test_the_real_history_is_shifted_to_end_today_and_the_year_covers_the_catalogue(history, targets):
    requests = list(demo_requests(history, targets, NOW, PARIS, 5000, seed=311))
    real = [r for r in requests if not r.external_id.startswith("DEMO-")]
    generated = [r for r in requests if r.external_id.startswith("DEMO-")]
    today = NOW.astimezone(PARIS).date()
    assert max(r.requested.astimezone(PARIS).date() for r in real) == today
    assert len(real) > 6000 - 40  # only today's reports later than now are left out
    assert {r.service_code for r in real} == {"5201"}
    assert len(generated) == 5000
    assert all(today - timedelta(days=366) <= r.requested.astimezone(PARIS).date() <= today for r in generated)
    assert all(r.requested <= NOW for r in requests)
    assert {r.service_code for r in generated} == set(targets)  # the whole catalogue
    assert set(Counter(r.channel for r in requests)) == {
        "Android",
        "IOS application",
        "Page DMR Paris.fr",
        "Back Office",
    }


def test_the_demo_is_the_same_every_time_and_all_day_long(history, targets):
    first = list(demo_requests(history, targets, NOW, PARIS, 2000, seed=311))
    again = list(demo_requests(history, targets, NOW, PARIS, 2000, seed=311))
    assert first == again
    # Later the same day: the same requests (and as many more as reports dated today after 15:30).
    evening = {r.external_id: r for r in demo_requests(history, targets, NOW + timedelta(hours=6), PARIS, 2000, 311)}
    for request in first:
        twin = evening[request.external_id]
        assert (twin.service_code, twin.point, twin.channel) == (request.service_code, request.point, request.channel)
        if twin.requested == request.requested:  # not one of today's drawn later than 15:30, moved earlier
            assert twin.changes[: len(request.changes)] == request.changes


def test_loading_stores_lives_and_history_consistently(session, client):
    paris = resolve_jurisdiction(session, "paris.fr")
    report = load_demo_requests(session, paris, DEMO_HISTORY, now=NOW, requests=1500)
    assert report.imported.imported > 7500 - 20 and len(report.imported.refused) < 20  # jitter may leave Paris
    rows = session.execute(
        select(ServiceRequest.detailed_status, ServiceRequest.status, ServiceRequest.expected_datetime,
               ServiceRequest.updated_datetime, ServiceRequest.requested_datetime)
        .where(ServiceRequest.jurisdiction_id == paris.id)
    ).all()  # fmt: skip
    statuses = Counter(row.detailed_status for row in rows)
    assert {"received", "in_progress", "fixed", "reopened", "duplicate"} <= set(statuses)
    overdue = [r for r in rows if r.status == "open" and r.expected_datetime and r.expected_datetime < NOW]
    assert len(overdue) > 20
    assert all(r.updated_datetime >= r.requested_datetime for r in rows)
    # The history: received first, then every change; the last one is the request's present state.
    last = session.execute(
        text(
            "SELECT count(*) FROM service_request r JOIN LATERAL (SELECT new_status, created FROM request_update u "
            "WHERE u.request_id = r.id ORDER BY created DESC, id DESC LIMIT 1) l ON true "
            "WHERE r.jurisdiction_id = :j AND (l.new_status <> r.detailed_status OR l.created <> r.updated_datetime)"
        ),
        {"j": paris.id},
    ).scalar()
    assert last == 0
    created = session.execute(
        select(RequestUpdate.new_status, func.count())
        .where(RequestUpdate.kind == "created")
        .group_by(RequestUpdate.new_status)
    ).all()
    assert dict(created) == {"received": len(rows)}
    assert report.changes == session.scalar(select(func.count()).where(RequestUpdate.kind == "status"))
    # The statistics' rollups, kept by the database, hold the demo: every request and every closure.
    cells = client.get(
        "/open311/v2/statistics.json",
        query_string={"jurisdiction_id": "paris.fr", "start_date": "2023-01-01", "end_date": "2025-03-18"},
    ).get_json()
    closed = [r for r in rows if r.status == "closed"]
    assert (cells[0]["opened"], cells[0]["closed"], cells[0]["backlog"]) == (
        len(rows),
        len(closed),
        len(rows) - len(closed),
    )
    assert cells[0]["median_hours_to_first_response"] is not None and cells[0]["withheld"] is None
    # A second load adds nothing.
    assert load_demo_requests(session, paris, DEMO_HISTORY, now=NOW, requests=3000) is None
    used = session.scalar(
        select(func.count(func.distinct(ServiceRequest.service_id))).where(ServiceRequest.jurisdiction_id == paris.id)
    )
    assert used == session.scalar(select(func.count()).where(Service.jurisdiction_id == paris.id))

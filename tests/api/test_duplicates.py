"""Duplicate detection on submission: similar open reports nearby are flagged; the city decides."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ..conftest import POTHOLE
from ..factories import make_request

# About 20 m north of the Eiffel Tower point of POTHOLE (0.00018 degrees of latitude).
TWENTY_METRES_AWAY = {**POTHOLE, "lat": "48.85858"}


@pytest.fixture()
def first(submit):
    return submit(**POTHOLE).get_json()[0]["service_request_id"]


def test_a_second_report_20_m_away_is_flagged(submit, first):
    reply = submit(**TWENTY_METRES_AWAY)
    assert reply.status_code == 200
    (record,) = reply.get_json()
    assert (
        record["service_notice"] == f"A similar report already exists nearby: service_request_id {first} (20 m away)."
    )
    assert record["service_request_id"] != first


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_extensions_list_the_candidates(submit, first, fmt):
    reply = submit(fmt, **TWENTY_METRES_AWAY, extensions="true")
    if fmt == "json":
        (candidate,) = reply.get_json()[0]["extended_attributes"]["duplicate_candidates"]
        assert candidate["service_request_id"] == first and 19 < candidate["distance_m"] < 21
        assert candidate["requested_datetime"][-6:] in ("+01:00", "+02:00")  # Paris time, like every record
    else:
        assert f"<duplicate_candidates><request><service_request_id>{first}</service_request_id>".encode() in reply.data


def test_not_flagged_when_far_closed_old_or_another_service(session, submit, staff, first):
    assert submit(**{**POTHOLE, "lat": "48.8594"}).get_json()[0]["service_notice"] is None  # about 110 m
    other_service = {
        "service_code": "3602",
        "attribute[SURFACE]": "mur",
        "lat": POTHOLE["lat"],
        "long": POTHOLE["long"],
    }
    assert submit(**other_service).get_json()[0]["service_notice"] is None
    staff(first, detailed_status="fixed")
    assert submit(**TWENTY_METRES_AWAY).get_json()[0]["service_notice"] is None


def test_older_than_the_window_is_not_a_duplicate(session, submit):
    old = make_request(session, age=timedelta(days=31))
    recent = make_request(session, age=timedelta(days=29))
    reply = submit(**TWENTY_METRES_AWAY, extensions="true")
    candidates = [c["service_request_id"] for c in reply.get_json()[0]["extended_attributes"]["duplicate_candidates"]]
    assert candidates == [str(recent.id)] and str(old.id) not in candidates


def test_radius_and_window_are_per_service(session, submit, first):
    from open311.logic.catalog import find_service
    from open311.logic.jurisdictions import resolve_jurisdiction

    find_service(session, resolve_jurisdiction(session, "paris.fr"), "5201").duplicate_radius_m = 10
    session.flush()
    assert submit(**TWENTY_METRES_AWAY).get_json()[0]["service_notice"] is None

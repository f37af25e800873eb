"""Concurrency: nothing cached across requests is bound to a session; conflicts are 400s, never 500s.

These tests use the live application (committed data, one pooled connection per request, the
per-worker cache on) and release their requests together through a barrier.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from open311.api.cache import frozen
from open311.api.catalog import current_jurisdiction
from open311.db import get_session
from open311.logic.api_keys import create_key
from open311.models import Jurisdiction

from ..conftest import POTHOLE, release_together
from ..contract.standard import assert_conforms


@pytest.fixture()
def live_key(live):
    with Session(live.extensions["open311.db"].engine) as session:
        _row, key = create_key(session, "concurrent app")
        session.commit()
    return key


def test_a_cached_jurisdiction_outlives_the_rollback_of_the_request_that_cached_it(live):
    """Finding 3: a rollback expired the cached ORM row, and every later request on the worker failed."""
    with live.test_request_context("/open311/v2/services.json", method="POST"):
        cached = current_jurisdiction({"jurisdiction_id": "paris.fr"})
        get_session().rollback()  # what a failed flush does to the session that loaded the row
    with live.test_request_context("/open311/v2/services.json"):
        again = current_jurisdiction({"jurisdiction_id": "paris.fr"})
        assert again is cached
        assert (again.jurisdiction_id, again.time_zone) == ("paris.fr", "Europe/Paris")
    replies = release_together(
        8, lambda _i: live.test_client().get("/open311/v2/services.json?jurisdiction_id=paris.fr")
    )
    assert [reply.status_code for reply in replies] == [200] * 8


def test_frozen_copies_have_the_rows_names_and_cannot_change(live):
    with live.app_context(), Session(live.extensions["open311.db"].engine) as session:
        from sqlalchemy import select

        row = session.scalar(select(Jurisdiction).where(Jurisdiction.jurisdiction_id == "paris.fr"))
        copy = frozen(row)
        assert (copy.id, copy.name, copy.default_department_id) == (row.id, row.name, row.default_department_id)
        with pytest.raises(AttributeError):
            copy.name = "elsewhere"


def test_racing_updates_on_a_cold_cache_leave_every_request_answered(live, live_key):
    """Eight racing copies of one update, then mixed traffic on the same worker: no 500 anywhere."""
    client = live.test_client()
    form = {"api_key": live_key, "jurisdiction_id": "paris.fr", **POTHOLE}
    report = client.post("/open311/v2/requests.json", data=form).get_json()[0]["service_request_id"]
    live.extensions["open311.cache"].clear()  # the racing requests fill the cache themselves
    update = {
        "api_key": live_key, "jurisdiction_id": "paris.fr", "service_request_id": report, "update_id": "race-1",
        "status": "OPEN", "updated_datetime": "2024-05-01T10:00:00Z", "description": "Toujours là",
    }  # fmt: skip
    racing = release_together(
        8, lambda _i: live.test_client().post("/open311/v2/servicerequestupdates.json", data=update)
    )
    assert [reply.status_code for reply in racing] == [200] * 8
    assert len({reply.get_json()[0]["update_id"] for reply in racing}) == 1
    urls = [
        "/open311/v2/services.json?jurisdiction_id=paris.fr",
        f"/open311/v2/requests/{report}.json?jurisdiction_id=paris.fr",
        "/open311/v2/requests.json?jurisdiction_id=paris.fr&page_size=5",
        "/open311/v2/services/5201.xml?jurisdiction_id=paris.fr",
    ]
    after = release_together(16, lambda i: live.test_client().get(urls[i % len(urls)]))
    assert [reply.status_code for reply in after] == [200] * 16


def test_racing_submissions_share_a_cached_service_definition(live, live_key):
    """The service definition cached for POSTs is a frozen copy too: submissions racing on a cold cache all land."""
    live.extensions["open311.cache"].clear()
    form = {"api_key": live_key, "jurisdiction_id": "paris.fr", **POTHOLE}

    def submit(index):
        # Eight different reports (identical submissions from one key would be folded into one).
        return live.test_client().post("/open311/v2/requests.json", data={**form, "description": f"Trou n°{index}"})

    replies = release_together(8, submit)
    assert [reply.status_code for reply in replies] == [200] * 8
    assert len({reply.get_json()[0]["service_request_id"] for reply in replies}) == 8


def test_a_unique_violation_anywhere_is_a_400_in_the_standard_format(app, client, monkeypatch):
    """A safety net for paths that have no idempotent answer: the errors list, never a 500."""
    from open311.api import requests as api_requests

    def conflicting(session, jurisdiction, token):
        for _ in range(2):
            session.add(
                Jurisdiction(jurisdiction_id="twice.example", name="x", time_zone="UTC", contact="", key_service="")
            )
            session.flush()

    monkeypatch.setattr(api_requests, "resolve_token", conflicting)
    for fmt in ("json", "xml"):
        reply = client.get(f"/open311/v2/tokens/abc.{fmt}?jurisdiction_id=paris.fr")
        assert reply.status_code == 400
        assert_conforms("errors", reply)
        assert b"duplicates data stored at the same time" in reply.data

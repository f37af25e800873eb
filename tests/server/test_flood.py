"""Flood control on a real database: identical submissions released at once through a barrier are
stored once; the outbox grows by one event; a flood of different submissions stops at the write quota."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from open311 import create_app
from open311.logic.api_keys import create_key

from ..conftest import POTHOLE


@pytest.fixture()
def app(cluster):
    """The application on the throwaway cluster, folding on (120 s), no catalogue cache."""
    application = create_app({"DATABASE_URL": cluster[0].url(), "CATALOG_CACHE_SECONDS": 0})
    yield application
    application.extensions["open311.db"].dispose()


def counts(app) -> tuple[int, int]:
    with app.extensions["open311.db"].engine.connect() as connection:
        return (connection.scalar(text("SELECT count(*) FROM service_request")),
                connection.scalar(text("SELECT count(*) FROM outbox_event")))  # fmt: skip


def test_identical_submissions_at_once_are_stored_once(app, cluster):
    _server, key = cluster
    requests_before, events_before = counts(app)
    form = {"api_key": key, **POTHOLE, "description": "Nid-de-poule, envoyé huit fois"}
    barrier = threading.Barrier(8)

    def submit(_number):
        client = app.test_client()
        barrier.wait()
        reply = client.post("/open311/v2/requests.json", data=form)
        return reply.status_code, reply.get_json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(submit, range(8)))
    assert [status for status, _body in answers] == [200] * 8, answers
    assert len({body[0]["service_request_id"] for _status, body in answers}) == 1
    for _ in range(20):  # and again, one after the other
        assert app.test_client().post("/open311/v2/requests.json", data=form).get_json() == answers[0][1]
    requests_after, events_after = counts(app)
    assert requests_after == requests_before + 1
    assert events_after - events_before <= 1  # one request.created per department with a webhook


def test_a_flood_of_different_submissions_stops_at_the_write_quota(app):
    with Session(app.extensions["open311.db"].engine) as session:
        _row, key = create_key(session, "a flooding app")
        session.commit()
    app.config["RATE_LIMIT_WRITES"] = 5
    now = time.time()
    app.extensions["open311.limiter"].clock = lambda: now  # one window for the test
    requests_before, _events = counts(app)
    client = app.test_client()
    statuses = [
        client.post("/open311/v2/requests.json", data={"api_key": key, **POTHOLE, "description": f"n° {n}"}).status_code
        for n in range(12)
    ]
    assert statuses == [200] * 5 + [429] * 7
    assert counts(app)[0] == requests_before + 5

"""A real PostgreSQL stopped and restarted under the application: no request fails once it is back,
and while it is down every answer is 503 with Retry-After, in the standard's format."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from lxml import etree
from sqlalchemy.orm import Session

from open311 import create_app

from ..conftest import POTHOLE


@pytest.fixture()
def app(cluster):
    """The application on the throwaway cluster (no catalogue cache: every request reads)."""
    application = create_app(
        {"DATABASE_URL": cluster[0].url(), "CATALOG_CACHE_SECONDS": 0, "PROPAGATE_EXCEPTIONS": False}
    )
    yield application
    application.extensions["open311.db"].dispose()


def every_kind_of_request(app, key: str, request_id: str) -> list[tuple[str, int]]:
    """Eight requests at once (reads and writes), each on its own thread and pooled connection."""

    def one(number: int):
        client = app.test_client()
        if number % 4 == 0:
            reply = client.post("/open311/v2/requests.json", data={"api_key": key, **POTHOLE})
        elif number % 4 == 1:
            reply = client.get(f"/open311/v2/requests/{request_id}.json")
        elif number % 4 == 2:
            reply = client.get("/open311/v2/requests.xml")
        else:
            reply = client.get("/open311/v2/services.json")
        return reply.request.path, reply.status_code

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(8)))


def test_no_request_fails_after_a_restart(app, cluster):
    server, key = cluster
    posted = app.test_client().post("/open311/v2/requests.json", data={"api_key": key, **POTHOLE})
    request_id = posted.get_json()[0]["service_request_id"]
    assert all(status == 200 for _path, status in every_kind_of_request(app, key, request_id))  # fills the pool

    server.stop()
    server.start()

    for _ in range(3):
        results = every_kind_of_request(app, key, request_id)
        assert [status for _path, status in results] == [200] * 8, results


def test_while_the_database_is_down_every_answer_is_503_with_retry_after(app, cluster):
    server, key = cluster
    client = app.test_client()
    assert client.get("/open311/v2/services.json").status_code == 200
    server.stop()
    try:
        for method, path, fmt in [
            ("GET", "/open311/v2/services.json", "json"),
            ("GET", "/open311/v2/requests.xml", "xml"),
            ("GET", "/open311/v2/requests/1.json", "json"),
            ("POST", "/open311/v2/requests.xml", "xml"),
            ("GET", "/open311/v2/discovery.xml", "xml"),
        ]:
            reply = client.open(path, method=method, data={"api_key": key, **POTHOLE} if method == "POST" else None)
            assert reply.status_code == 503, (path, reply.data)
            assert reply.headers["Retry-After"] == "5"
            if fmt == "json":
                assert reply.content_type == "application/json"
                assert reply.get_json() == [{"code": 503, "description": reply.get_json()[0]["description"]}]
            else:
                assert reply.content_type == "text/xml"
                assert etree.fromstring(reply.data).findtext("error/code") == "503"
        assert client.get("/openapi.json").status_code == 200  # what needs no database still works
        assert client.get("/healthz").status_code == 200  # alive
        unready = client.get("/readyz")
        assert unready.status_code == 503 and unready.get_json()["checks"]["database"]["ok"] is False
    finally:
        server.start()
    assert client.get("/open311/v2/services.json").status_code == 200


def test_a_connection_lost_at_the_end_of_a_request_never_replaces_its_answer(app, monkeypatch):
    import psycopg
    from sqlalchemy.exc import OperationalError

    original, failures = Session.close, []

    def close(session):
        if not failures:
            failures.append(session)
            raise OperationalError(
                "ROLLBACK", {}, psycopg.OperationalError("server closed the connection unexpectedly")
            )
        return original(session)

    monkeypatch.setattr(Session, "close", close)
    reply = app.test_client().get("/open311/v2/services.json")
    assert failures and reply.status_code == 200 and reply.is_json

"""Extension: /healthz, /readyz and /metrics — never rate limited, /metrics closable."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from open311.models import Department, OutboxEvent

from ..conftest import POTHOLE


def metric(text: str, name: str, **labels) -> float | None:
    """The value of one sample of the Prometheus text ``text``."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture()
def overdue_event(session, submit):
    """A pending webhook event due an hour ago (nobody delivers)."""
    request_id = int(submit(**POTHOLE).get_json()[0]["service_request_id"])
    department = session.scalar(select(Department).where(Department.code == "DVD"))
    event = OutboxEvent(department_id=department.id, request_id=request_id, event_type="request.created",
                        payload={}, next_attempt=datetime.now(UTC) - timedelta(hours=1))  # fmt: skip
    session.add(event)
    session.flush()
    return department


def test_healthz_says_alive(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200 and reply.get_json() == {"status": "ok"}


def test_readyz_checks_the_database_the_migrations_and_the_outbox(client):
    reply = client.get("/readyz")
    assert reply.status_code == 200, reply.get_json()
    checks = reply.get_json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["outbox"]["ok"]
    assert checks["migrations"]["database"] == checks["migrations"]["code"]


def test_readyz_fails_while_events_wait_for_nobody(client, overdue_event):
    reply = client.get("/readyz")
    assert reply.status_code == 503 and reply.headers["Retry-After"]
    outbox = reply.get_json()["checks"]["outbox"]
    assert not outbox["ok"] and outbox["overdue_events"] >= 1 and outbox["oldest_overdue_seconds"] >= 3500


def test_readyz_fails_when_the_database_is_behind_the_code(client, monkeypatch):
    monkeypatch.setattr("open311.api.ops.head_revisions", lambda: frozenset({"a-newer-revision"}))
    reply = client.get("/readyz")
    assert reply.status_code == 503 and not reply.get_json()["checks"]["migrations"]["ok"]


def test_metrics_show_latency_errors_refusals_outbox_placements_and_the_pool(app, client, overdue_event, monkeypatch):
    client.get("/open311/v2/services.json?jurisdiction_id=paris.fr")
    client.get("/open311/v2/services/none.json?jurisdiction_id=paris.fr")
    client.post("/open311/v2/requests.json", data={"jurisdiction_id": "paris.fr"})  # 403: no key
    outside = {"lat": "45.76", "long": "4.83"}  # Lyon
    client.post("/open311/v2/requests.json", data={"api_key": "x", **POTHOLE, **outside})
    monkeypatch.setitem(app.config, "RATE_LIMIT_ADDRESS", 1)
    address = {"REMOTE_ADDR": "198.51.100.9"}
    for _ in range(2):
        client.get("/open311/v2/discovery.json?jurisdiction_id=paris.fr", environ_base=address)
    text = client.get("/metrics", environ_base=address).get_data(as_text=True)  # never limited
    route = "/open311/v2/services.<fmt:fmt>"
    assert metric(text, "open311_http_request_duration_seconds_count", route=route, method="GET") >= 1
    assert metric(text, "open311_http_request_duration_seconds_bucket", route=route, method="GET", le="10.0") >= 1
    assert metric(text, "open311_http_errors_total", route="/open311/v2/services/<service_code>.<fmt:fmt>",
                  status="404") >= 1  # fmt: skip
    assert metric(text, "open311_http_errors_total", route="/open311/v2/requests.<fmt:fmt>", status="403") >= 1
    assert metric(text, "open311_rate_limited_total", policy="address") >= 1
    assert metric(text, "open311_outbox_events", department="DVD", state="pending") >= 1
    assert metric(text, "open311_outbox_oldest_due_seconds", department="DVD") >= 3500
    assert metric(text, "open311_db_pool_checked_out") is not None and metric(text, "open311_db_pool_open") is not None


def test_a_point_outside_every_area_is_counted(client, submit):
    before = metric(client.get("/metrics").get_data(as_text=True), "open311_placements_outside_areas_total",
                    jurisdiction="paris.fr", outcome="refused") or 0  # fmt: skip
    assert submit(**{**POTHOLE, "lat": "45.76", "long": "4.83"}).status_code == 400
    after = metric(client.get("/metrics").get_data(as_text=True), "open311_placements_outside_areas_total",
                   jurisdiction="paris.fr", outcome="refused")  # fmt: skip
    assert after == before + 1


def test_health_endpoints_are_never_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_ADDRESS", 1)
    address = {"REMOTE_ADDR": "198.51.100.10"}
    assert {client.get(path, environ_base=address).status_code for path in ["/healthz", "/readyz", "/metrics"] * 5} == {
        200
    }
    assert "RateLimit" not in client.get("/healthz", environ_base=address).headers


def test_metrics_can_be_closed_to_the_public(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOW", "10.0.0.0/8, 127.0.0.1/32")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOW", "off")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404


@pytest.mark.parametrize("path", ["/media/nothing.png", "/nowhere", "/healthz/extra"])
def test_every_path_answers_errors_in_the_standards_format(client, path):
    reply = client.get(path)
    assert reply.status_code == 404 and reply.content_type == "text/xml"
    assert b"<errors><error><code>404</code>" in reply.data

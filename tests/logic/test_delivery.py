"""Webhooks: events written with the change, delivered signed, in order, retried, dead-lettered, replayed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from open311.logic.delivery import deliver_due, list_events, replay
from open311.models import Department, OutboxEvent

from ..conftest import POTHOLE

SECRET = "s3cret-for-tests"


class LocalServer:
    """A local HTTP server on a free port, served by a thread while in a ``with`` block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/open311"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


class Receiver(LocalServer):
    """A local webhook receiver that fails ``failures`` times before answering 204."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.received: list[dict] = []  # accepted deliveries, in arrival order
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                webhook_id, stamp = self.headers["webhook-id"], self.headers["webhook-timestamp"]
                content = f"{webhook_id}.{stamp}.".encode() + body
                expected = (
                    "v1," + base64.b64encode(hmac.new(SECRET.encode(), content, hashlib.sha256).digest()).decode()
                )
                payload = json.loads(body)
                receiver.received.append(
                    {
                        "delivery": int(webhook_id),
                        "event": payload["event"],
                        "signed": hmac.compare_digest(expected, self.headers["webhook-signature"]),
                        "fresh": abs(time.time() - int(stamp)) < 60,
                        "payload": payload,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args):
                pass

        super().__init__(Handler)


def hook(session, url, *codes):
    for department in session.scalars(select(Department).where(Department.code.in_(codes))):
        department.webhook_url, department.webhook_secret = url, SECRET
    session.flush()


def events(session):
    return session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()


def test_events_are_written_with_the_change_and_the_api_never_waits(session, submit, staff):
    with Receiver() as receiver:
        hook(session, receiver.url, "DVD-STV-SO", "DEVE")
        pothole = submit(**POTHOLE).get_json()[0]["service_request_id"]
        staff(pothole, detailed_status="in_progress", note="En route")
        assert staff(pothole, detailed_status="reopened").status_code == 400  # refused: no event
        staff(pothole, department="DEVE")
        assert receiver.attempts == 0  # nothing is sent by the API itself
        queued = [(e.event_type, session.get(Department, e.department_id).code) for e in events(session)]
        assert queued[:2] == [("request.created", "DVD-STV-SO"), ("request.status_changed", "DVD-STV-SO")]
        assert sorted(queued[2:]) == [("request.reassigned", "DEVE"), ("request.reassigned", "DVD-STV-SO")]
        assert events(session)[1].payload["status_notes"] == "En route"


def test_every_event_arrives_once_in_order_after_the_receiver_recovers(session, submit, staff):
    with Receiver(failures=7) as receiver:
        hook(session, receiver.url, "DVD-STV-SO")
        first = submit(**POTHOLE).get_json()[0]["service_request_id"]
        second = submit(**{**POTHOLE, "lat": "48.8600"}).get_json()[0]["service_request_id"]
        for step in ("investigating", "in_progress", "fixed"):
            staff(first, detailed_status=step)
        staff(second, duplicate_of=first)
        queued = [e.id for e in events(session)]
        report = deliver_due(session, allow_private=True, base_delay=0, max_attempts=20)
        assert report.delivered == len(queued) and report.dead == 0
        assert receiver.attempts == len(queued) + 7
        delivered = [r["delivery"] for r in receiver.received]
        assert sorted(delivered) == queued  # each once
        for request_id in (first, second):
            mine = [r["delivery"] for r in receiver.received if r["payload"]["service_request_id"] == request_id]
            assert mine == sorted(mine)  # in order per request
        assert all(r["signed"] and r["fresh"] for r in receiver.received)
        merged = next(r for r in receiver.received if r["event"] == "request.merged")
        assert merged["payload"]["parent_service_request_id"] == first
        assert all(e.state == "delivered" for e in events(session))
        assert deliver_due(session, allow_private=True, base_delay=0).delivered == 0  # nothing twice


def test_dead_letter_then_replay(session, submit, staff):
    with Receiver(failures=1000) as receiver:
        hook(session, receiver.url, "DVD-STV-SO")
        pothole = submit(**POTHOLE).get_json()[0]["service_request_id"]
        staff(pothole, detailed_status="in_progress")
        report = deliver_due(session, allow_private=True, base_delay=0, max_attempts=3)
        assert report.dead == 2 and receiver.received == []
        dead = list_events(session, "dead")
        assert [e.attempts for e in dead] == [3, 3] and dead[0].last_error == "HTTP 503"
        receiver.failures = 0
        assert replay(session, all_dead=True) == 2
        assert deliver_due(session, allow_private=True, base_delay=0).delivered == 2
        assert [r["event"] for r in receiver.received] == ["request.created", "request.status_changed"]


def test_backoff_grows(session, submit):
    with Receiver(failures=1000) as receiver:
        hook(session, receiver.url, "DVD-STV-SO")
        submit(**POTHOLE)
        deliver_due(session, allow_private=True, base_delay=30, max_attempts=5)
        (event,) = events(session)
        assert event.attempts == 1 and event.state == "pending"
        assert 29 <= (event.next_attempt - event.created).total_seconds() <= 31


def test_unreachable_receiver_is_an_error_not_a_crash(session, submit):
    hook(session, "http://127.0.0.1:9/nothing-listens-here", "DVD-STV-SO")
    submit(**POTHOLE)
    report = deliver_due(session, allow_private=True, base_delay=0, max_attempts=2)
    assert report.dead == 1 and events(session)[0].last_error


@pytest.mark.parametrize(
    "args", [["deliveries", "list"], ["deliveries", "list", "--state", "dead"], ["deliver", "--once"]]
)
def test_cli(engine, args):
    from click.testing import CliRunner

    from open311.cli import main

    result = CliRunner().invoke(main, args, env={"OPEN311_DATABASE_URL": engine.url.render_as_string(False)})
    assert result.exit_code == 0, result.output


def test_the_worker_runs_as_a_long_lived_process(engine):
    """`open311 deliver` as a subprocess delivers committed events, then stops on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from sqlalchemy import delete
    from sqlalchemy.orm import Session

    from open311.logic.api_keys import create_key
    from open311.logic.jurisdictions import resolve_jurisdiction
    from open311.logic.submission import Submission, submit_request
    from open311.models import ApiKey, ServiceRequest

    with Receiver(failures=2) as receiver, Session(engine) as session:
        paris = resolve_jurisdiction(session, "paris.fr")
        key, _ = create_key(session, "worker test")
        roads = session.scalar(select(Department).where(Department.code == "DVD-STV-SO"))
        original = (roads.webhook_url, roads.webhook_secret)
        hook(session, receiver.url, "DVD-STV-SO")
        record = submit_request(
            session, paris, key, Submission("5201", lat=48.8584, long=2.2945, attributes={"TAILLE": ["petit"]})
        )
        session.commit()
        env = {
            **os.environ,
            "OPEN311_DATABASE_URL": engine.url.render_as_string(False),
            "OPEN311_WEBHOOK_ALLOW_PRIVATE": "true",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "open311", "deliver", "--interval", "0.2", "--base-delay", "0.1"], env=env
        )
        try:
            deadline = time.monotonic() + 30
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=10) == 0
            assert [r["payload"]["service_request_id"] for r in receiver.received] == [record["service_request_id"]]
        finally:
            if worker.poll() is None:
                worker.kill()
            session.execute(delete(ServiceRequest).where(ServiceRequest.id == int(record["service_request_id"])))
            session.execute(delete(ApiKey).where(ApiKey.id == key.id))
            roads.webhook_url, roads.webhook_secret = original
            session.commit()

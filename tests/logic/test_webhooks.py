"""Webhooks you can trust (finding 7): id, timestamp and body signed together; no empty secrets; no redirects;
no loopback, link-local or private destinations unless the setting allows them."""

from __future__ import annotations

import base64
import importlib.util
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from open311.errors import CityFileError
from open311.logic.city_loader import load_city
from open311.logic.delivery import deliver_due, http_post
from open311.logic.webhooks import WebhookRefused, check_destination, sign, signed_headers, signing_key
from open311.models import Department, OutboxEvent

from ..conftest import POTHOLE
from .test_city_loader import write_city
from .test_delivery import SECRET, LocalServer, Receiver, events, hook

RECEIVER_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "webhook_receiver.py"


@pytest.fixture(scope="module")
def receiver_script():
    """scripts/webhook_receiver.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("webhook_receiver", RECEIVER_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_signature_covers_the_id_the_timestamp_and_the_body(session, submit):
    with Receiver() as receiver:
        hook(session, receiver.url, "DVD-STV-SO")
        submit(**POTHOLE)
        assert deliver_due(session, allow_private=True, base_delay=0).delivered == 1
    (delivery,) = receiver.received
    headers = {name.lower(): value for name, value in delivery["headers"].items()}
    assert headers["webhook-id"] == str(events(session)[0].id)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert delivery["signed"]
    assert not any(name.startswith("x-open311") for name in headers)  # the body-only signature is gone
    body, stamp = delivery["body"], int(headers["webhook-timestamp"])
    # Finding 7: the same body under another delivery id, or at another time, no longer verifies.
    assert sign(SECRET, headers["webhook-id"], stamp, body) == headers["webhook-signature"]
    assert sign(SECRET, "999999", stamp, body) != headers["webhook-signature"]
    assert sign(SECRET, headers["webhook-id"], stamp + 1, body) != headers["webhook-signature"]


def test_the_demo_receiver_verifies_and_refuses_stale_or_replayed_deliveries(receiver_script):
    body = b'{"event":"request.created"}'
    now = int(time.time())
    headers = signed_headers(SECRET, "42", now, body)
    assert receiver_script.verify(SECRET, headers, body) == "42"
    with pytest.raises(ValueError, match="stale timestamp"):
        receiver_script.verify(SECRET, signed_headers(SECRET, "42", now - 3600, body), body)
    replayed = {**headers, "webhook-id": "43"}  # a captured body re-sent under a new id
    with pytest.raises(ValueError, match="bad signature"):
        receiver_script.verify(SECRET, replayed, body)
    with pytest.raises(ValueError, match="bad signature"):
        receiver_script.verify("another secret", headers, body)
    with pytest.raises(ValueError, match="missing"):
        receiver_script.verify(SECRET, {}, body)


def test_whsec_secrets_are_the_standard_webhooks_bytes(receiver_script):
    key = bytes(range(32))
    secret = "whsec_" + base64.b64encode(key).decode()
    assert signing_key(secret) == key
    headers = signed_headers(secret, "msg_1", int(time.time()), b"{}")
    assert receiver_script.verify(secret, headers, b"{}") == "msg_1"


@pytest.mark.parametrize("secret", [None, "", "   ", "whsec_", "whsec_!!!"])
def test_empty_or_broken_secrets_sign_nothing(secret):
    with pytest.raises(WebhookRefused):
        signing_key(secret)


def test_a_department_without_a_secret_gets_nothing_signed_with_an_empty_key(session, submit):
    with Receiver() as receiver:
        hook(session, receiver.url, "DVD-STV-SO")
        session.scalar(select(Department).where(Department.code == "DVD-STV-SO")).webhook_secret = ""
        session.flush()
        submit(**POTHOLE)
        report = deliver_due(session, allow_private=True, base_delay=0, max_attempts=1)
        assert report.dead == 1 and receiver.attempts == 0
    assert "no webhook secret" in events(session)[0].last_error


def webhook_city(tmp_path, url, secret_line="webhook_secret: s3cret"):  # noqa: S107 (a test secret)
    """The small test city whose department D1 posts its events to ``url``."""
    path = write_city(tmp_path)
    hook_lines = f"    webhook_url: {url}\n" + (f"    {secret_line}\n" if secret_line else "")
    path.write_text(path.read_text().replace("    name: One\n", "    name: One\n" + hook_lines, 1))
    return path


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8311/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_the_city_loader_refuses_private_destinations_unless_allowed(session, tmp_path, url):
    path = webhook_city(tmp_path, url)
    with pytest.raises(CityFileError, match="OPEN311_WEBHOOK_ALLOW_PRIVATE"):
        load_city(session, path)
    assert load_city(session, path, allow_private_webhooks=True)


def test_the_city_loader_refuses_a_webhook_without_a_secret(session, tmp_path, monkeypatch):
    url = "https://hooks.example.org/x"
    with pytest.raises(CityFileError, match=r"departments\[0\]\.webhook_url: the department has no webhook secret"):
        load_city(session, webhook_city(tmp_path, url, secret_line=None), allow_private_webhooks=True)
    monkeypatch.setenv("EMPTY_SECRET", "")
    with pytest.raises(CityFileError, match="no webhook secret"):
        load_city(session, webhook_city(tmp_path, url, "webhook_secret_env: EMPTY_SECRET"), allow_private_webhooks=True)
    monkeypatch.setenv("EMPTY_SECRET", "from-the-environment")
    load_city(session, webhook_city(tmp_path, url, "webhook_secret_env: EMPTY_SECRET"), allow_private_webhooks=True)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1%eth0", "link-local"),
        ("fd00::1", "private"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_addresses_in_every_form_are_checked(address, kind):
    from open311.logic.webhooks import address_problem

    assert kind in address_problem(address)
    assert address_problem("93.184.215.14") is None


def test_every_resolved_address_is_checked():
    public, private = "93.184.215.14", "10.0.0.7"
    assert check_destination("https://hooks.example.org/a?b=1", allow_private=False, resolver=lambda *_: [public])
    with pytest.raises(WebhookRefused, match=r"10\.0\.0\.7 is a private address"):
        check_destination("https://hooks.example.org/", allow_private=False, resolver=lambda *_: [public, private])
    with pytest.raises(WebhookRefused, match="credentials"):
        check_destination("https://user:pw@hooks.example.org/", allow_private=True)


def test_delivery_checks_the_destination_again(session, submit):
    """A host name that resolves to loopback at delivery time is refused without the setting."""
    with Receiver() as receiver:
        hook(session, receiver.url.replace("127.0.0.1", "localhost"), "DVD-STV-SO")
        submit(**POTHOLE)
        refused = deliver_due(session, base_delay=60, max_attempts=5)
        assert refused.failed == 1 and receiver.attempts == 0
        (event,) = events(session)
        assert "loopback" in event.last_error
        event.next_attempt = event.created
        session.flush()
        assert deliver_due(session, allow_private=True, base_delay=0).delivered == 1


class Redirector(LocalServer):
    """Answers every POST with a redirect to ``target``."""

    def __init__(self, target: str, status: int = 307):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(status)
                self.send_header("Location", target)
                self.end_headers()

            def log_message(self, *_args):
                pass

        super().__init__(Handler)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_never_followed(status):
    with Receiver() as elsewhere, Redirector(elsewhere.url, status) as redirector:
        outcome = http_post(
            redirector.url, b"{}", signed_headers(SECRET, "1", int(time.time()), b"{}"), allow_private=True
        )
        assert not outcome.ok and "redirects are not followed" in outcome.error
        assert elsewhere.attempts == 0


def test_delivery_outcomes_are_recorded_not_raised(session, submit):
    with Redirector("http://127.0.0.1:9/") as redirector:
        hook(session, redirector.url, "DVD-STV-SO")
        submit(**POTHOLE)
        deliver_due(session, allow_private=True, base_delay=0, max_attempts=1)
    event = session.scalar(select(OutboxEvent))
    assert event.state == "dead" and "HTTP 307" in event.last_error

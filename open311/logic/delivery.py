"""Delivering outbox events to departments' webhooks: signed, retried with backoff, dead-lettered.

Order: an event waits while an earlier event of the same request for the same department is still
pending, so each department sees a request's events in order. A dead event no longer holds the
others back; ``replay`` makes it pending again. Delivery is at least once: receivers can drop
repeats by the ``X-Open311-Delivery`` header (the event id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from ..models import Department, OutboxEvent

SIGNATURE_HEADER = "X-Open311-Signature"
MAX_BACKOFF = timedelta(hours=1)

_DUE = text(
    """
    SELECT e.id FROM outbox_event e
    WHERE e.state = 'pending' AND e.next_attempt <= now()
      AND NOT EXISTS (
        SELECT 1 FROM outbox_event p
        WHERE p.department_id = e.department_id AND p.request_id = e.request_id
          AND p.state = 'pending' AND p.id < e.id)
    ORDER BY e.id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)


@dataclass
class Outcome:
    """What one delivery attempt gave: success, or the error to record."""

    ok: bool
    error: str | None = None


Sender = Callable[[str, bytes, dict[str, str]], Outcome]


def signature(secret: str | None, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the body with the department's secret."""
    return "sha256=" + hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> Outcome:
    """POST the event; any 2xx answer is a delivery."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (city-configured URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Outcome(200 <= response.status < 300, None if response.status < 300 else f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return Outcome(False, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return Outcome(False, str(getattr(exc, "reason", exc)))


@dataclass
class DeliveryReport:
    """Counts of one pass."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0


def deliver_due(
    session: Session,
    *,
    send: Sender = http_post,
    max_attempts: int = 8,
    base_delay: float = 5.0,
    batch: int = 50,
) -> DeliveryReport:
    """Deliver every due event (in order per request), committing after each batch; returns the counts.

    Failed events are rescheduled after a backoff, so the loop ends once nothing is due any more.
    """
    report = DeliveryReport()
    while True:
        ids = session.scalars(_DUE, {"limit": batch}).all()
        if not ids:
            session.commit()
            return report
        for event_id in ids:
            _attempt(session, session.get(OutboxEvent, event_id), send, max_attempts, base_delay, report)
        session.commit()


def _attempt(session: Session, event: OutboxEvent, send: Sender, max_attempts: int, base_delay: float, report) -> None:
    department = session.get(Department, event.department_id)
    body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "open311-webhooks",
        "X-Open311-Event": event.event_type,
        "X-Open311-Delivery": str(event.id),
        SIGNATURE_HEADER: signature(department.webhook_secret, body),
    }
    outcome = (
        send(department.webhook_url, body, headers) if department.webhook_url else Outcome(False, "no webhook_url")
    )
    event.attempts += 1
    if outcome.ok:
        event.state, event.delivered, event.last_error = "delivered", func.now(), None
        report.delivered += 1
        return
    event.last_error = (outcome.error or "failed")[:1000]
    if event.attempts >= max_attempts:
        event.state = "dead"
        report.dead += 1
        return
    delay = min(timedelta(seconds=base_delay * 2 ** (event.attempts - 1)), MAX_BACKOFF)
    event.next_attempt = func.now() + delay
    report.failed += 1


def list_events(session: Session, state: str | None = None, limit: int = 50) -> list[OutboxEvent]:
    """The latest events, optionally in one state."""
    query = select(OutboxEvent).order_by(OutboxEvent.id.desc()).limit(limit)
    if state:
        query = query.where(OutboxEvent.state == state)
    return list(session.scalars(query))


def replay(session: Session, event_ids: list[int] | None = None, *, all_dead: bool = False) -> int:
    """Make events (or every dead one) pending again, due now; returns how many."""
    query = update(OutboxEvent).values(state="pending", attempts=0, next_attempt=func.now(), last_error=None)
    query = query.where(OutboxEvent.state == "dead") if all_dead else query.where(OutboxEvent.id.in_(event_ids or []))
    return session.execute(query).rowcount

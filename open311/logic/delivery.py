"""Delivering outbox events to departments' webhooks: signed, retried with backoff, dead-lettered.

Order: an event waits while an earlier event of the same request for the same department is still
pending, so each department sees a request's events in order. A dead event no longer holds the
others back; ``replay`` makes it pending again. Delivery is at least once: receivers drop repeats by
the ``webhook-id`` header (the event id) and refuse old ``webhook-timestamp`` values (see
:mod:`open311.logic.webhooks` for the signature and the destinations refused).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from ..models import Department, OutboxEvent
from .webhooks import WebhookRefused, check_destination, post, signed_headers

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


def http_post(
    url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0, *, allow_private: bool = False
) -> Outcome:
    """POST the event to a checked destination (every resolved address, now); any 2xx is a delivery.

    Redirects are not followed: a 3xx is a failure, retried like any other.
    """
    try:
        status = post(check_destination(url, allow_private=allow_private), body, headers, timeout)
    except WebhookRefused as exc:
        return Outcome(False, f"refused: {exc}")
    except (OSError, TimeoutError) as exc:
        return Outcome(False, str(exc) or type(exc).__name__)
    if 200 <= status < 300:
        return Outcome(True)
    if 300 <= status < 400:
        return Outcome(False, f"HTTP {status}: redirects are not followed")
    return Outcome(False, f"HTTP {status}")


@dataclass
class DeliveryReport:
    """Counts of one pass."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0


def deliver_due(
    session: Session,
    *,
    send: Sender | None = None,
    allow_private: bool = False,
    max_attempts: int = 8,
    base_delay: float = 5.0,
    batch: int = 50,
) -> DeliveryReport:
    """Deliver every due event (in order per request), committing after each batch; returns the counts.

    Failed events are rescheduled after a backoff, so the loop ends once nothing is due any more.
    ``allow_private`` (OPEN311_WEBHOOK_ALLOW_PRIVATE) lets events go to loopback and private addresses.
    """
    send = send or partial(http_post, allow_private=allow_private)
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
    if not department.webhook_url:
        outcome = Outcome(False, "no webhook_url")
    else:
        try:
            headers = signed_headers(department.webhook_secret, str(event.id), int(time.time()), body)
        except WebhookRefused as exc:
            outcome = Outcome(False, f"refused: {exc}")
        else:
            outcome = send(department.webhook_url, body, headers)
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

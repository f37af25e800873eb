"""Extension: operators' endpoints — /healthz (alive), /readyz (ready to serve), /metrics (Prometheus).

None of them is rate limited. /metrics is public unless ``OPEN311_METRICS_ALLOW`` lists the networks
allowed to read it (``off``: no /metrics at all).
"""

from __future__ import annotations

import ipaddress
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_session
from ..errors import Forbidden, NotFound
from ..logic.operations import database_revisions, head_revisions, outbox_backlog, stuck_events
from ..metrics import ERRORS, REQUEST_SECONDS

ops = Blueprint("ops", __name__)


def _json(document: dict, status: int = 200) -> Response:
    import orjson

    return Response(orjson.dumps(document), status=status, content_type="application/json")


@ops.get("/healthz")
def healthz() -> Response:
    """Alive: the process answers (nothing else is asked)."""
    return _json({"status": "ok"})


@ops.get("/readyz")
def readyz() -> Response:
    """Ready: the database answers, it is at the code's migrations, and the outbox is being delivered.

    503 (with Retry-After) when a check fails; the document says which.
    """
    checks: dict[str, dict] = {}
    try:
        session = get_session()
        at, heads = database_revisions(session), head_revisions()
        checks["database"] = {"ok": True}
        checks["migrations"] = {"ok": at == heads, "database": sorted(at), "code": sorted(heads)}
        grace = current_app.config["OUTBOX_STUCK_SECONDS"]
        events, seconds = stuck_events(session, grace)
        checks["outbox"] = {"ok": events == 0, "overdue_events": events, "oldest_overdue_seconds": round(seconds)}
    except SQLAlchemyError as exc:
        checks["database"] = {"ok": False, "error": type(exc.orig if hasattr(exc, "orig") else exc).__name__}
    ready = all(check["ok"] for check in checks.values()) and "migrations" in checks
    response = _json({"status": "ready" if ready else "unready", "checks": checks}, 200 if ready else 503)
    if not ready:
        response.headers["Retry-After"] = "5"
    return response


class OutboxCollector:
    """The webhook backlog, read from the database when /metrics is scraped."""

    def collect(self):
        """Pending and dead events by department, and how long the oldest due one has waited."""
        events = GaugeMetricFamily(
            "open311_outbox_events", "Undelivered webhook events, by department and state (pending, dead).",
            labels=["jurisdiction", "department", "state"],
        )  # fmt: skip
        overdue = GaugeMetricFamily(
            "open311_outbox_oldest_due_seconds", "How long the oldest pending event due has waited, by department.",
            labels=["jurisdiction", "department"],
        )  # fmt: skip
        for row in outbox_backlog(get_session()):
            events.add_metric([row.jurisdiction_id, row.department, row.state], row.events)
            if row.state == "pending":
                overdue.add_metric([row.jurisdiction_id, row.department], float(row.overdue))
        yield events
        yield overdue


def _metrics_allowed() -> None:
    allowed = current_app.config.get("METRICS_ALLOW")
    if not allowed:
        return
    if allowed.strip().lower() == "off":
        raise NotFound("No resource at /metrics.")
    address = ipaddress.ip_address(request.remote_addr or "0.0.0.0")  # noqa: S104
    if not any(address in ipaddress.ip_network(net.strip(), strict=False) for net in allowed.split(",") if net.strip()):
        raise Forbidden("/metrics is not public on this server")


@ops.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics of every worker, and the outbox backlog."""
    _metrics_allowed()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # under gunicorn: every worker's files, added up
        from prometheus_client import multiprocess

        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
    else:
        workers = REGISTRY  # one process
    outbox = CollectorRegistry()
    outbox.register(OutboxCollector())
    return Response(generate_latest(workers) + generate_latest(outbox), content_type=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.open311_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("open311_started")
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUEST_SECONDS.labels(route, request.method).observe(time.perf_counter() - started)
        if response.status_code >= 400:
            ERRORS.labels(route, request.method, str(response.status_code)).inc()
    return response


def init_ops(app: Flask) -> None:
    """The endpoints, and the timing of every request (the first thing before, the last after)."""
    from ..metrics import RATE_LIMITED

    app.register_blueprint(ops)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)  # after-request functions run in reverse
    app.extensions["open311.rate_limit_refusals"] = lambda policy: RATE_LIMITED.labels(policy).inc()

"""mySociety's POST servicerequestupdates driven as FixMyStreet drives it (with ``--write``).

FixMyStreet posts every comment on a report with the report's current state and retries until it reads
an ``update_id`` back (``perllib/Open311.pm``); a refusal of any of these is a send failure retried forever.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from ..context import Context, errors_document, evidence, join_problems
from ..documents import w3c
from ..results import Status
from .writes import Writer

UPDATE_CHECKS = ("updates.post", "updates.resend", "updates.fms-fields", "updates.closed", "updates.statuses")


class Updates:
    """Posts updates with update_ids unique to the run."""

    def __init__(self, ctx: Context, writer: Writer):
        self.ctx, self.writer = ctx, writer
        self.prefix = f"open311-check-{secrets.token_hex(4)}"
        self.count = 0

    def form(self, request_id: str, status: str, description: str, update_id: str | None = None) -> list:
        """The fields FixMyStreet always sends."""
        if update_id is None:
            self.count += 1
            update_id = f"{self.prefix}-{self.count}"
        return [
            ("api_key", self.writer.key),
            ("service_request_id", request_id),
            ("update_id", update_id),
            ("status", status),
            ("updated_datetime", w3c(datetime.now(UTC))),
            ("description", description),
        ]

    def post(self, form: list):
        """POST servicerequestupdates in the primary format."""
        exchange = self.ctx.post("servicerequestupdates", self.ctx.primary, form)
        return self.ctx.read("service_request_updates", exchange)

    def close(self, request_id: str):
        """Close a request the run created (the clean-up)."""
        return self.post(self.form(request_id, "CLOSED", "open311 check: closing the test request it created")).exchange


def answered_id(fetched) -> str | None:
    """The update_id of a successful answer (a list of one ``request_update``)."""
    if fetched.exchange.status not in (200, 201) or not isinstance(fetched.payload, list) or not fetched.payload:
        return None
    item = fetched.payload[0]
    return str(item["update_id"]) if isinstance(item, dict) and item.get("update_id") else None


def run(ctx: Context, writer: Writer | None) -> Updates | None:
    """updates.*; returns the poster the clean-up closes requests with (None when updates are not offered)."""
    if writer is None:
        return None
    request_id = writer.target
    if not request_id:
        for check_id in UPDATE_CHECKS:
            ctx.skip(check_id, "no request with an id was created to update")
        return None
    updates = Updates(ctx, writer)
    first_form = updates.form(request_id, "OPEN", "open311 check: a comment on its own test request")
    first = updates.post(first_form)
    if first.exchange.status in (404, 405, 501) and not ctx.updates_offered:
        for check_id in UPDATE_CHECKS:
            ctx.skip(check_id, f"POST servicerequestupdates is not offered ({first.exchange.status})")
        return None
    first_id = answered_id(first)
    if first_id is None:
        ctx.result("updates.post", Status.FAIL, f"a comment: {first.exchange.describe()}", [evidence(first.exchange)])
    else:
        ctx.result("updates.post", Status.PASS, f"a comment answered update_id {first_id}", [evidence(first.exchange)])
    _resend(ctx, updates, first_form, first_id)
    _fms_fields(ctx, updates, request_id)
    _closed(ctx, updates, request_id)
    _statuses(ctx, updates, request_id)
    return updates


def _resend(ctx: Context, updates: Updates, form: list, first_id: str | None) -> None:
    if first_id is None:
        ctx.skip("updates.resend", "the first update was refused")
        return
    again = updates.post(form)
    second_id = answered_id(again)
    if second_id == first_id:
        ctx.result(
            "updates.resend",
            Status.PASS,
            f"the same update_id answered {first_id} again, applied once",
            [evidence(again.exchange)],
        )
    elif second_id:
        ctx.result(
            "updates.resend",
            Status.FAIL,
            f"the resend answered another update_id ({second_id}, first {first_id}): the comment was applied twice",
            [evidence(again.exchange)],
        )
    else:
        ctx.result(
            "updates.resend",
            Status.FAIL,
            f"the resend answered {again.exchange.status}: when the first answer was lost, FixMyStreet resends forever",
            [evidence(again.exchange)],
        )


def _fms_fields(ctx: Context, updates: Updates, request_id: str) -> None:
    form = updates.form(request_id, "OPEN", "open311 check: a comment with FixMyStreet's extra fields")
    form += [
        ("media_url", "https://example.org/open311-check-1.jpg"),
        ("media_url", "https://example.org/open311-check-2.jpg"),
        ("first_name", "Open311"),
        ("last_name", "Check"),
        ("email", "open311-check@example.org"),
        ("phone", "0000000000"),
        ("service_code", str(ctx.listing[0].get("service_code")) if ctx.listing else ""),
        ("email_alerts_requested", "FALSE"),
        ("public_anonymity_required", "TRUE"),
    ]
    form = [(k, v) for k, v in form if v]
    fetched = updates.post(form)
    if answered_id(fetched):
        ctx.result(
            "updates.fms-fields",
            Status.PASS,
            "two media_url, names, email, phone, service_code and email_alerts_requested are accepted",
            [evidence(fetched.exchange)],
        )
    else:
        ctx.result(
            "updates.fms-fields",
            Status.FAIL,
            f"FixMyStreet's fields: {fetched.exchange.describe()}",
            [evidence(fetched.exchange)],
        )


def _closed(ctx: Context, updates: Updates, request_id: str) -> None:
    closing = updates.post(updates.form(request_id, "FIXED", "open311 check: marked fixed"))
    if not answered_id(closing):
        ctx.result(
            "updates.closed",
            Status.FAIL,
            f"closing with FIXED: {closing.exchange.describe()}",
            [evidence(closing.exchange)],
        )
        return
    problems, shown = [], []
    for status in ("FIXED", "CLOSED"):
        fetched = updates.post(
            updates.form(request_id, status, f"open311 check: a comment on a closed request ({status})")
        )
        if not answered_id(fetched):
            problems.append(f"a comment with status {status} on the closed request: {fetched.exchange.status}")
            shown.append(evidence(fetched.exchange))
    if problems:
        ctx.result("updates.closed", Status.FAIL, join_problems(problems), shown)
    else:
        ctx.result("updates.closed", Status.PASS, "comments with FIXED and CLOSED on a closed request are accepted")


def _statuses(ctx: Context, updates: Updates, request_id: str) -> None:
    refused, forbidden, shown = [], [], []
    for status in ("DUPLICATE", "INTERNAL_REFERRAL", "FOR_TRIAGE"):
        fetched = updates.post(updates.form(request_id, status, f"open311 check: status {status}"))
        if answered_id(fetched):
            continue
        if errors_document(fetched, 403) is None:
            forbidden.append(status)
        else:
            refused.append(f"{status}: {fetched.exchange.status}")
        shown.append(evidence(fetched.exchange))
    if refused:
        ctx.result("updates.statuses", Status.FAIL, join_problems(refused), shown[:2])
    elif forbidden:
        ctx.skip(
            "updates.statuses",
            f"this key may not set {', '.join(forbidden)} (403: an authorization answer, not a refusal of the "
            "status); run with a key of the role the city gives FixMyStreet to grade them",
        )
    else:
        ctx.result("updates.statuses", Status.PASS, "DUPLICATE, INTERNAL_REFERRAL and FOR_TRIAGE are accepted")

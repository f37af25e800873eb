"""Datetimes: every one sent has a zone; the forms clients send are read."""

from __future__ import annotations

from datetime import timedelta, timezone

from ..context import Context, evidence, join_problems
from ..documents import W3C_DATETIME, is_empty, objects, parse_datetime, w3c
from ..results import Status
from .listing import query, record_ids, server_now

#: Datetime fields of the standard's records, discovery and mySociety's updates (and Chicago's notes).
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime", "datetime")


def _forms(moment, offset_hours: int) -> str:
    zone = timezone(timedelta(hours=offset_hours))
    return moment.astimezone(zone).isoformat(timespec="seconds")


def run_input(ctx: Context) -> None:
    """datetime.input-zones and datetime.input-space (on GET requests, and updated_after when offered)."""
    if ctx.window:  # the window of past requests the filters are checked on
        start, end = (parse_datetime(value) for _, value in ctx.window)
    else:  # a week ending ten minutes ago: requests arriving during the run stay out of it
        end = server_now(ctx).replace(microsecond=0) - timedelta(minutes=10)
        start = end - timedelta(days=7)
    reference = query(ctx, [("start_date", w3c(start)), ("end_date", w3c(end))])
    expected = record_ids(reference.payload)
    problems, shown = [], [evidence(reference.exchange)]
    if reference.exchange.status != 200:
        problems.append(f"start_date/end_date with Z: {reference.exchange.status}")
    for hours in (2, -5):
        fetched = query(ctx, [("start_date", _forms(start, hours)), ("end_date", _forms(end, hours))])
        if fetched.exchange.status != 200:
            problems.append(f"start_date={_forms(start, hours)}: {fetched.exchange.status}")
            shown.append(evidence(fetched.exchange))
        elif record_ids(fetched.payload) != expected:
            problems.append(f"the same window with offset {hours:+d}:00 lists other requests")
    if problems:
        ctx.result("datetime.input-zones", Status.FAIL, join_problems(problems), shown[-2:])
    else:
        ctx.result("datetime.input-zones", Status.PASS, "Z, +02:00 and -05:00 give the same window", shown[:1])
    _space(ctx, start, end, expected if reference.exchange.status == 200 else None)


def _space(ctx: Context, start, end, expected) -> None:
    spaced = [("start_date", _forms(start, 0).replace("T", " ")), ("end_date", _forms(end, 0).replace("T", " "))]
    fraction = [("start_date", w3c(start).replace("Z", ".250000Z")), ("end_date", w3c(end))]
    tries = [("a space instead of T", spaced), ("fractional seconds", fraction)]
    if ctx.report.results.get("ext.updated-after") and ctx.report.results["ext.updated-after"].status is Status.PASS:
        tries.append(("updated_after with a space", [("updated_after", _forms(start, -6).replace("T", " "))]))
    refused, shown = [], []
    for label, params in tries:
        fetched = query(ctx, params)
        if fetched.exchange.status != 200:
            refused.append(f"{label} ({params[0][1]!r}): {fetched.exchange.status}")
            shown.append(evidence(fetched.exchange))
        elif expected is not None and params is spaced and record_ids(fetched.payload) != expected:
            refused.append(f"{label}: another window than the same datetimes with T")
            shown.append(evidence(fetched.exchange))
    if refused:
        ctx.result(
            "datetime.input-space",
            Status.WARN,
            join_problems(refused) + ": the spec asks clients for W3C datetimes, but Python's str(datetime) and "
            "PostgreSQL's text form are what bulk downloaders send, five retries a day each",
            shown[:2],
        )
    else:
        ctx.result(
            "datetime.input-space", Status.PASS, "; ".join(label for label, _ in tries) + ": read as the same datetimes"
        )


def run_output(ctx: Context) -> None:
    """datetime.output over every record, update and note the run read (and discovery's changesets are
    graded on their own)."""
    problems, checked, shown = [], 0, []
    for response, fetched in ctx.documents:
        if response not in ("service_requests", "service_request_updates") or fetched.exchange.status != 200:
            continue
        for record in objects(fetched.payload):
            for name in DATETIME_FIELDS:
                value = record.get(name)
                if is_empty(value) or not isinstance(value, str):
                    continue
                checked += 1
                if not (W3C_DATETIME.match(value) and parse_datetime(value)):
                    problems.append(f"{name} {value!r} ({fetched.exchange.fmt}) has no time zone or is not W3C")
                    if len(shown) < 2:
                        shown.append(evidence(fetched.exchange, needle=value))
    if problems:
        ctx.result("datetime.output", Status.FAIL, join_problems(sorted(set(problems))), shown)
    elif checked:
        ctx.result("datetime.output", Status.PASS, f"{checked} datetimes, each W3C with a zone")
    else:
        ctx.skip("datetime.output", "no datetime was read")

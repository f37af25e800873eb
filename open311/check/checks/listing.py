"""GET requests with each standard filter, the default window and cap, and GET requests/{id}."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from ..context import Context, Fetched, evidence, join_problems
from ..documents import is_empty, parse_datetime, w3c
from ..results import Status
from .catalog import grade_list, shape_problem

STATUSES = ("open", "closed")
REQUIRED_FIELDS = ("service_request_id", "status", "service_code", "requested_datetime")
#: Fields the standard lists for every record without "May not be returned" (digest §2.5, A5).
LISTED_FIELDS = (
    "service_name",
    "description",
    "updated_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
WINDOWS_BACK = 12  # windows of 89 days probed back when the last 90 days hold no request
SLACK = timedelta(hours=1)  # clocks differ; a request made during the run is newer than the Date header


def record_ids(payload) -> list[str]:
    """The service_request_ids of a listing, as strings."""
    if not isinstance(payload, list):
        return []
    return [str(r.get("service_request_id")) for r in payload if isinstance(r, dict)]


def server_now(ctx: Context) -> datetime:
    """The server's time (its Date header), else ours."""
    exchange = ctx.listing_exchange
    date = exchange.header("Date") if exchange is not None else None
    try:
        return parsedate_to_datetime(date).astimezone(UTC) if date else datetime.now(UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def with_window(ctx: Context, params) -> list:
    """``params`` within the run's window of requests when it has one and they name no dates or ids."""
    params = list(params)
    if ctx.window and not {name for name, _ in params} & {"start_date", "end_date", "service_request_id"}:
        return [*ctx.window, *params]
    return params


def query(ctx: Context, params, fmt: str | None = None) -> Fetched:
    """GET requests in ``fmt`` (the primary format by default) with ``params``, in the run's window."""
    return ctx.fetch("service_requests", "requests", fmt or ctx.primary, with_window(ctx, params))


def located(records: list[dict]) -> list[dict]:
    """Records with a requested_datetime the checks can reason about."""
    return [r for r in records if parse_datetime(r.get("requested_datetime"))]


def run(ctx: Context) -> None:
    """requests.list, fields, default-window, dates, long-span and request.one (the filters: filters.py)."""
    readable = grade_list(ctx, "requests.list", "service_requests", "requests", "request", "records")
    if ctx.primary not in readable:
        for check in (
            "requests.fields",
            "requests.default-window",
            "requests.dates",
            "requests.long-span",
            "request.one",
        ):
            ctx.skip(check, "GET requests gave no listing to read")
        return
    ctx.listing = [r for r in readable[ctx.primary].payload if isinstance(r, dict)]
    ctx.listing_exchange = readable[ctx.primary].exchange
    ctx.default_ids = record_ids(ctx.listing)
    _grade_default_window(ctx)
    if not ctx.listing:
        readable = _find_window(ctx) or readable
    _grade_fields(ctx, readable)
    _grade_dates(ctx)
    _grade_long_span(ctx)
    _grade_one(ctx)


def _find_window(ctx: Context) -> dict | None:
    """The most recent window of 89 days holding requests, three years back at most: the filters need
    records to be checked on, and a quiet server (or a demo of past data) has none in the last 90 days."""
    end = server_now(ctx)
    for _ in range(WINDOWS_BACK):
        start = end - timedelta(days=89)
        window = [("start_date", w3c(start)), ("end_date", w3c(end))]
        probe = query(ctx, window)
        if probe.exchange.status != 200 or not isinstance(probe.payload, list):
            return None
        if probe.payload:
            ctx.window = window
            ctx.report.notes.append(f"no request in the last 90 days: the filters are checked on the "
                                    f"requests of {w3c(start)} to {w3c(end)}")  # fmt: skip
            fetched = ctx.fetch_both("service_requests", "requests", window, label=f"requests {w3c(start)}..")
            readable = {fmt: f for fmt, f in fetched.items() if isinstance(f.payload, list)}
            if ctx.primary in readable:
                ctx.listing = [r for r in readable[ctx.primary].payload if isinstance(r, dict)]
            return readable
        end = start
    return None


def _grade_fields(ctx: Context, readable: dict) -> None:
    failures, absent = [], Counter()
    for fmt, fetched in readable.items():
        for record in fetched.payload:
            if not isinstance(record, dict):
                failures.append(f"{fmt}: a record is not an object")
                continue
            label = f"{fmt}: request {record.get('service_request_id')!r}"
            failures += [f"{label} has no {name}" for name in REQUIRED_FIELDS if is_empty(record.get(name))]
            if not is_empty(record.get("status")) and record.get("status") not in STATUSES:
                failures.append(f"{label}: status {record.get('status')!r} is not open or closed")
            absent.update(name for name in LISTED_FIELDS if name not in record)
    exchange = readable[next(iter(readable))].exchange
    if failures:
        ctx.result("requests.fields", Status.FAIL, join_problems(failures), [evidence(exchange)])
    elif absent:
        fields = ", ".join(f"{name} ({count} records)" for name, count in absent.most_common())
        ctx.result(
            "requests.fields",
            Status.WARN,
            f"fields the standard lists are left out rather than sent empty: {fields}; clients that read them "
            "by name fail (digest A5)",
            [evidence(exchange)],
        )
    elif not ctx.listing:
        ctx.skip("requests.fields", "the listing is empty: no record to read")
    else:
        ctx.result("requests.fields", Status.PASS, f"the {len(ctx.listing)} records are complete")


def _grade_default_window(ctx: Context) -> None:
    now = server_now(ctx)
    outside = [
        r.get("service_request_id")
        for r in ctx.listing
        if (moment := parse_datetime(r.get("requested_datetime")))
        and not now - timedelta(days=90) - SLACK <= moment <= now + SLACK
    ]
    shown = [evidence(ctx.listing_exchange)]
    if len(ctx.listing) > 1000:
        ctx.result("requests.default-window", Status.FAIL, f"{len(ctx.listing)} records: more than 1000", shown)
    elif outside:
        ctx.result(
            "requests.default-window",
            Status.FAIL,
            f"{len(outside)} records are older than 90 days (e.g. {outside[0]})",
            shown,
        )
    elif not ctx.listing:
        ctx.skip("requests.default-window", "no request in the last 90 days")
    else:
        ctx.result(
            "requests.default-window", Status.PASS, f"{len(ctx.listing)} records, all from the last 90 days", shown
        )


def _grade_dates(ctx: Context) -> None:
    records = located(ctx.listing)
    if not records:
        ctx.skip("requests.dates", "no record with a requested_datetime to search around")
        return
    target = records[len(records) // 2]
    moment = parse_datetime(target["requested_datetime"])
    start, end = moment - timedelta(hours=1), moment + timedelta(hours=1)
    around = query(ctx, [("start_date", w3c(start)), ("end_date", w3c(end))])
    after = query(ctx, [("start_date", w3c(moment + timedelta(seconds=1))), ("end_date", w3c(end))])
    problems, target_id = [], str(target["service_request_id"])
    if around.exchange.status != 200 or after.exchange.status != 200:
        bad = around if around.exchange.status != 200 else after
        ctx.result(
            "requests.dates", Status.FAIL, f"a two-hour window answered {bad.exchange.status}", [evidence(bad.exchange)]
        )
        return
    if target_id not in record_ids(around.payload):
        problems.append(
            f"request {target_id} ({target['requested_datetime']}) is missing from {w3c(start)}..{w3c(end)}"
        )
    if target_id in record_ids(after.payload):
        problems.append(f"request {target_id} is listed although start_date is after its requested_datetime")
    for fetched, low in ((around, start), (after, moment + timedelta(seconds=1))):
        for record in located(fetched.payload if isinstance(fetched.payload, list) else []):
            when = parse_datetime(record["requested_datetime"])
            if not low - timedelta(seconds=1) <= when <= end + timedelta(seconds=1):
                problems.append(
                    f"request {record.get('service_request_id')} ({record['requested_datetime']}) "
                    "is outside the window asked for"
                )
                break
    if problems:
        ctx.result("requests.dates", Status.FAIL, join_problems(problems), [evidence(around.exchange)])
    else:
        ctx.result(
            "requests.dates",
            Status.PASS,
            f"a window around request {target_id} finds it and nothing outside",
            [evidence(around.exchange)],
        )


def _grade_long_span(ctx: Context) -> None:
    now = server_now(ctx)
    long_span = query(ctx, [("start_date", w3c(now - timedelta(days=200))), ("end_date", w3c(now))])
    start_only = query(ctx, [("start_date", w3c(now - timedelta(days=30)))])
    refused = [f for f in (long_span, start_only) if f.exchange.status != 200]
    broken = [f for f in refused if f.exchange.status is None or f.exchange.status >= 500]
    if broken:
        ctx.result(
            "requests.long-span",
            Status.FAIL,
            f"the server failed: {broken[0].exchange.describe()}",
            [evidence(broken[0].exchange)],
        )
    elif refused:
        ctx.result(
            "requests.long-span",
            Status.WARN,
            f"{refused[0].exchange.describe()}: the spec lets a server refuse spans over 90 days, but a client "
            "whose library sends start_date alone gets end_date=now and nothing at all; the 1000 cap already "
            "bounds the work",
            [evidence(f.exchange) for f in refused],
        )
    else:
        ctx.result(
            "requests.long-span",
            Status.PASS,
            "a 200-day span and start_date alone are answered",
            [evidence(long_span.exchange)],
        )


def _grade_one(ctx: Context) -> None:
    if not ctx.listing:
        ctx.skip("request.one", "no request to ask for")
        return
    record = ctx.listing[0]
    request_id = str(record["service_request_id"])
    fetched = ctx.fetch_both(
        "service_requests", "requests/" + quote(request_id, safe=""), label=f"request {request_id}"
    )
    problems = []
    for fmt, item in fetched.items():
        problem = shape_problem(item, "service_requests", "request", list)
        if problem:
            problems.append(f"{fmt}: {problem}")
        elif record_ids(item.payload) != [request_id]:
            problems.append(f"{fmt}: lists {record_ids(item.payload)[:3]}, not exactly [{request_id}]")
    single = fetched[ctx.primary].payload
    if not problems and isinstance(single, list) and single:
        changed = _changed(record, single[0])
        if changed:  # the request may have changed since the listing: compare both read again
            listed = query(ctx, [("service_request_id", request_id)]).payload
            again = ctx.fetch("service_requests", "requests/" + quote(request_id, safe=""), ctx.primary).payload
            if isinstance(listed, list) and listed and isinstance(again, list) and again:
                changed = _changed(listed[0], again[0])
        if changed:
            problems.append(f"the record differs from the listing's in {changed[:5]}")
    if problems:
        ctx.result(
            "request.one", Status.FAIL, join_problems(problems), [evidence(f.exchange) for f in fetched.values()][:2]
        )
    else:
        ctx.result(
            "request.one",
            Status.PASS,
            f"requests/{request_id} is a list of that one record, as listed",
            [evidence(fetched[ctx.primary].exchange)],
        )


def _same(left, right) -> bool:
    return (is_empty(left) and is_empty(right)) or left == right


def _changed(listed: dict, single: dict) -> list[str]:
    """The fields in which a listed record and the same record read alone differ."""
    return sorted(key for key in set(listed) | set(single) if not _same(listed.get(key), single.get(key)))

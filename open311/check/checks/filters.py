"""The standard's filters of GET requests: status, service_code, service_request_id, empty parameters."""

from __future__ import annotations

from collections import Counter

from ..context import Context, evidence, join_problems
from ..results import Status
from .listing import STATUSES, query, record_ids


def run(ctx: Context) -> None:
    """requests.status, requests.service-code, requests.ids and requests.empty-params."""
    if ctx.listing_exchange is None:
        for check_id in ("requests.status", "requests.service-code", "requests.ids", "requests.empty-params"):
            ctx.skip(check_id, "GET requests gave no listing to read")
        return
    _status(ctx)
    _service_code(ctx)
    _ids(ctx)
    _empty_params(ctx)


def _status(ctx: Context) -> None:
    answers, problems = _status_answers(ctx)
    if problems:  # a request may have changed status between the three queries: ask once more
        answers, problems = _status_answers(ctx)
    shown = [evidence(f.exchange) for f in answers.values()][:1]
    if problems:
        ctx.result("requests.status", Status.FAIL, join_problems(problems), shown)
    else:
        counts = ", ".join(f"{v}: {len(record_ids(f.payload))}" for v, f in answers.items())
        ctx.result("requests.status", Status.PASS, f"each status filter lists only its status ({counts})", shown)


def _status_answers(ctx: Context) -> tuple[dict, list[str]]:
    answers = {value: query(ctx, [("status", value)]) for value in ("open", "closed", "open,closed")}
    problems = [f"status={v} answered {f.exchange.status}" for v, f in answers.items() if f.exchange.status != 200]
    if problems:
        return answers, problems
    for value in STATUSES:
        wrong = [r for r in answers[value].payload if isinstance(r, dict) and r.get("status") != value]
        if wrong:
            problems.append(
                f"status={value} lists request {wrong[0].get('service_request_id')} "
                f"whose status is {wrong[0].get('status')!r}"
            )
    both = set(record_ids(answers["open,closed"].payload))
    separate = set(record_ids(answers["open"].payload)) | set(record_ids(answers["closed"].payload))
    if len(both) < 1000 and both != separate:
        problems.append(f"status=open,closed lists {len(both)} requests, open and closed apart {len(separate)}")
    return answers, problems


def _service_code(ctx: Context) -> None:
    codes = [code for code, _ in Counter(str(r.get("service_code")) for r in ctx.listing).most_common()]
    codes += [str(s.get("service_code")) for s in ctx.services if str(s.get("service_code")) not in codes]
    if not codes:
        ctx.skip("requests.service-code", "no service code to filter by")
        return
    chosen = codes[:2]
    one = query(ctx, [("service_code", chosen[0])])
    two = query(ctx, [("service_code", ",".join(chosen))])
    problems = []
    for fetched, allowed in ((one, chosen[:1]), (two, chosen)):
        if fetched.exchange.status != 200:
            problems.append(f"{fetched.exchange.describe()}")
            continue
        wrong = [r for r in fetched.payload if isinstance(r, dict) and str(r.get("service_code")) not in allowed]
        if wrong:
            problems.append(
                f"service_code={','.join(allowed)} lists request {wrong[0].get('service_request_id')} "
                f"of service {wrong[0].get('service_code')!r}"
            )
        expected = {str(r["service_request_id"]) for r in ctx.listing if str(r.get("service_code")) in allowed}
        missing = expected - set(record_ids(fetched.payload))
        if missing and len(ctx.listing) < 1000:
            problems.append(f"service_code={','.join(allowed)} leaves out request {sorted(missing)[0]} of that service")
    if problems:
        ctx.result("requests.service-code", Status.FAIL, join_problems(problems), [evidence(two.exchange)])
    else:
        ctx.result(
            "requests.service-code",
            Status.PASS,
            f"service_code={chosen[0]} and service_code={','.join(chosen)} list exactly those services",
            [evidence(two.exchange)],
        )


def _ids(ctx: Context) -> None:
    if not ctx.listing:
        ctx.skip("requests.ids", "no request to ask for by id")
        return
    first = ctx.listing[0]
    others = [r for r in ctx.listing[1:] if r.get("status") != first.get("status")] + ctx.listing[1:2]
    ids = [str(first["service_request_id"])] + [str(r["service_request_id"]) for r in others[:1]]
    other_status = "closed" if first.get("status") == "open" else "open"
    plain = query(ctx, [("service_request_id", ",".join(ids))])
    overriding = query(
        ctx,
        [
            ("service_request_id", ",".join(ids)),
            ("status", other_status),
            ("service_code", "open311-check-none"),
            ("start_date", "2001-01-01T00:00:00Z"),
            ("end_date", "2001-01-02T00:00:00Z"),
        ],
    )
    problems = []
    for fetched, label in ((plain, "alone"), (overriding, "with contradicting filters")):
        got = record_ids(fetched.payload) if fetched.exchange.status == 200 else None
        if got is None:
            problems.append(f"service_request_id {label} answered {fetched.exchange.status}")
        elif sorted(got) != sorted(ids):
            problems.append(f"service_request_id={','.join(ids)} {label} listed {got[:5]}")
    if problems:
        ctx.result(
            "requests.ids",
            Status.FAIL,
            join_problems(problems) + " (the spec: it 'overrides all other arguments')",
            [evidence(overriding.exchange)],
        )
    else:
        ctx.result(
            "requests.ids",
            Status.PASS,
            f"service_request_id={','.join(ids)} lists exactly those, whatever the other filters",
            [evidence(overriding.exchange)],
        )


def _empty_params(ctx: Context) -> None:
    empty = [(name, "") for name in ("service_request_id", "service_code", "status", "start_date", "end_date")]
    if not ctx.jurisdiction_required:
        empty.append(("jurisdiction_id", ""))
    with_jurisdiction = ctx.jurisdiction_required  # else jurisdiction_id= is one of the empty parameters
    listing = ctx.client.get(ctx.url("requests", ctx.primary), ctx.params(empty, jurisdiction=with_jurisdiction))
    fetched = ctx.read("service_requests", listing)
    if listing.status != 200:
        ctx.result(
            "requests.empty-params",
            Status.FAIL,
            f"empty parameters answered {listing.status}: the spec says an empty parameter is the same "
            "as an absent one",
            [evidence(listing)],
        )
        return
    got, expected = record_ids(fetched.payload), ctx.default_ids
    if got != expected and got != record_ids(ctx.fetch("service_requests", "requests", ctx.primary).payload):
        ctx.result(
            "requests.empty-params",
            Status.FAIL,
            f"empty parameters listed {len(got)} records, none {len(expected)}",
            [evidence(listing)],
        )
    else:
        ctx.result(
            "requests.empty-params", Status.PASS, "empty parameters give the same listing as none", [evidence(listing)]
        )

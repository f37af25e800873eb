"""The errors the standard names: each a 4xx with the ``errors`` list in the format asked for."""

from __future__ import annotations

from ..context import Context, errors_document, evidence, join_problems
from ..results import Status

UNKNOWN = "open311-check-does-not-exist"


def _expect(ctx: Context, check_id: str, path: str, status: int, params=(), what: str = "") -> None:
    problems, warnings, shown = [], [], []
    for fmt in ctx.formats:
        fetched = ctx.fetch("errors", path, fmt, list(params))
        problem = errors_document(fetched, status)
        if problem and status == 404 and errors_document(fetched, 400) is None:
            warnings.append(
                f"{fmt}: 400 (the identifier's form refused?), where a resource that does not exist is a 404"
            )
            shown.append(evidence(fetched.exchange))
        elif problem:
            problems.append(f"{fmt}: {problem}")
            shown.append(evidence(fetched.exchange))
    if problems:
        ctx.result(check_id, Status.FAIL, f"{what}: " + join_problems(problems + warnings), shown)
    elif warnings:
        ctx.result(check_id, Status.WARN, f"{what}: " + join_problems(warnings), shown)
    else:
        ctx.result(
            check_id, Status.PASS, f"{what}: {status} with the errors list in each format", [evidence(fetched.exchange)]
        )


def run(ctx: Context) -> None:
    """errors.*."""
    _expect(ctx, "errors.unknown-service", f"services/{UNKNOWN}", 404, what=f"services/{UNKNOWN}")
    _expect(ctx, "errors.unknown-request", f"requests/{UNKNOWN}", 404, what=f"requests/{UNKNOWN}")
    _expect(ctx, "errors.unknown-token", f"tokens/{UNKNOWN}", 404, what=f"tokens/{UNKNOWN}")
    _bad_arguments(ctx)
    _missing_key(ctx)
    _unknown_format(ctx)


def _bad_arguments(ctx: Context) -> None:
    problems, warnings, shown = [], [], []
    for fmt in ctx.formats:
        dates = ctx.fetch("errors", "requests", fmt, [("start_date", "not-a-date")])
        problem = errors_document(dates, 400)
        if problem:
            problems.append(f"start_date=not-a-date ({fmt}): {problem}")
            shown.append(evidence(dates.exchange))
        status = ctx.fetch("errors", "requests", fmt, [("status", "not-a-status")])
        problem = errors_document(status, 400)
        if problem and status.exchange.status == 200:
            warnings.append(f"status=not-a-status ({fmt}) is ignored: only open and closed exist")
            shown.append(evidence(status.exchange))
        elif problem:
            problems.append(f"status=not-a-status ({fmt}): {problem}")
            shown.append(evidence(status.exchange))
    if problems:
        ctx.result("errors.bad-argument", Status.FAIL, join_problems(problems + warnings), shown[:2])
    elif warnings:
        ctx.result("errors.bad-argument", Status.WARN, join_problems(warnings), shown[:2])
    else:
        ctx.result(
            "errors.bad-argument",
            Status.PASS,
            "a bad start_date and a bad status: 400 with the errors list",
            [evidence(dates.exchange)],
        )


def _missing_key(ctx: Context) -> None:
    """A POST without api_key and without a location: refused whatever the server checks first, so it
    writes nothing even on a server that would accept keyless requests."""
    code = str(ctx.services[0].get("service_code")) if ctx.services else UNKNOWN
    problems, warnings, shown = [], [], []
    for fmt in ctx.formats:
        exchange = ctx.post("requests", fmt, [("service_code", code)])
        fetched = ctx.read("errors", exchange)
        problem = errors_document(fetched, 403)
        if problem is None:
            continue
        shown.append(evidence(exchange))
        if exchange.status == 400 and errors_document(fetched, 400) is None:
            warnings.append(
                f"{fmt}: 400 (the fields were checked before the key); the spec answers 403 for a missing api_key"
            )
        else:
            problems.append(f"{fmt}: {problem}")
    if problems:
        ctx.result("errors.missing-key", Status.FAIL, join_problems(problems), shown)
    elif warnings:
        ctx.result("errors.missing-key", Status.WARN, join_problems(warnings), shown)
    else:
        ctx.result(
            "errors.missing-key",
            Status.PASS,
            "POST requests without api_key: 403 with the errors list",
            [evidence(exchange)],
        )


def _unknown_format(ctx: Context) -> None:
    exchange = ctx.client.get(f"{ctx.base}/services.yaml", ctx.params())
    if exchange.status == 404:
        fetched = ctx.read("errors", exchange)  # XML, the required format, is what such an error can be
        if fetched.document is None:
            ctx.result(
                "errors.unknown-format",
                Status.WARN,
                "404, but the body is not the errors list in XML",
                [evidence(exchange)],
            )
        else:
            ctx.result(
                "errors.unknown-format", Status.PASS, "services.yaml: 404 with the errors list", [evidence(exchange)]
            )
    else:
        ctx.result(
            "errors.unknown-format",
            Status.WARN,
            f"services.yaml answered {exchange.status}: the resource does not exist (404)",
            [evidence(exchange)],
        )

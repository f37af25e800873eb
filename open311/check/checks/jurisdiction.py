"""jurisdiction_id: absent, unknown, in another case (the POST in the query string is in writes)."""

from __future__ import annotations

from ..context import Context, Stop, errors_document, evidence
from ..results import Status

UNKNOWN_JURISDICTION = "open311-check.invalid"


def probe(ctx: Context) -> None:
    """jurisdiction.absent, run first: whether the server needs jurisdiction_id at all."""
    exchange = ctx.client.get(ctx.url("services", ctx.primary))
    fetched = ctx.read("services", exchange)
    if exchange.status == 200 and isinstance(fetched.payload, list):
        ctx.result(
            "jurisdiction.absent",
            Status.PASS,
            "answered without jurisdiction_id (one jurisdiction, or a default)",
            [evidence(exchange)],
        )
        return
    if exchange.status == 400 and errors_document(fetched, 400) is None:
        ctx.jurisdiction_required = True
        named = "jurisdiction" in exchange.text().lower()
        ctx.result(
            "jurisdiction.absent",
            Status.PASS if named else Status.WARN,
            "400 without jurisdiction_id, as a server of several jurisdictions answers"
            + ("" if named else ", but the description does not name jurisdiction_id"),
            [evidence(exchange)],
        )
        if not ctx.jurisdiction_id:
            raise Stop("the server hosts several jurisdictions: name one with --jurisdiction")
        return
    ctx.result(
        "jurisdiction.absent",
        Status.FAIL,
        f"without jurisdiction_id: {exchange.status}; the spec answers, or 400 'jurisdiction_id was not "
        "provided' when several jurisdictions are hosted",
        [evidence(exchange)],
    )
    if exchange.status is None:
        raise Stop(f"the endpoint does not answer: {exchange.error}")


def run(ctx: Context) -> None:
    """jurisdiction.case and jurisdiction.unknown."""
    unknown = ctx.client.get(ctx.url("services", ctx.primary), [("jurisdiction_id", UNKNOWN_JURISDICTION)])
    fetched = ctx.read("services", unknown)
    if unknown.status == 404 and errors_document(fetched, 404) is None:
        ctx.result(
            "jurisdiction.unknown",
            Status.PASS,
            "an unknown jurisdiction_id: 404 with the errors list",
            [evidence(unknown)],
        )
    elif unknown.status == 200 and not ctx.jurisdiction_required:
        ctx.result(
            "jurisdiction.unknown",
            Status.PASS,
            "an unknown jurisdiction_id is ignored, as a server of one jurisdiction may do",
            [evidence(unknown)],
        )
    elif unknown.status == 400:
        ctx.result(
            "jurisdiction.unknown",
            Status.WARN,
            "an unknown jurisdiction_id: 400; the spec answers 404 'jurisdiction_id provided was not found'",
            [evidence(unknown)],
        )
    else:
        ctx.result(
            "jurisdiction.unknown",
            Status.FAIL,
            f"an unknown jurisdiction_id: {unknown.status}, not 404 with the errors list",
            [evidence(unknown)],
        )
    _case(ctx)


def _case(ctx: Context) -> None:
    named = ctx.jurisdiction_id
    if not named or named.upper() == named.lower():
        ctx.skip("jurisdiction.case", "no jurisdiction_id with letters was given (--jurisdiction)")
        return
    other = named.upper() if named != named.upper() else named.lower()
    exchange = ctx.client.get(ctx.url("services", ctx.primary), [("jurisdiction_id", other)])
    fetched = ctx.read("services", exchange)
    ours = [str(s.get("service_code")) for s in ctx.services]
    theirs = [str(s.get("service_code")) for s in fetched.payload or [] if isinstance(s, dict)]
    if exchange.status == 200 and theirs == ours:
        ctx.result("jurisdiction.case", Status.PASS, f"jurisdiction_id={other} is {named}", [evidence(exchange)])
    else:
        ctx.result(
            "jurisdiction.case",
            Status.WARN,
            f"jurisdiction_id={other} answered {exchange.status}"
            + ("" if exchange.status != 200 else " with another catalogue")
            + f": a domain name is the same in any case, so {other} is {named}",
            [evidence(exchange)],
        )

"""One run of the checker: every check in order, then the report."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from .checklist import CHECKS
from .context import Context, Options, Stop
from .results import Report
from .transport import Client


def run_check(options: Options, client: Client | None = None) -> Report:
    """Grade the server ``options.url`` points at; every check of the checklist has a result."""
    from .checks import (
        catalog,
        datetimes,
        discovery,
        errors,
        extensions,
        filters,
        formats,
        jurisdiction,
        listing,
        locale,
        strict,
        timing,
        writes,
    )
    from .checks import updates as updates_checks

    client = client or Client(timeout=options.timeout, rate=options.rate)
    report = Report(target=options.url, jurisdiction_id=options.jurisdiction_id, write=options.write)
    report.started = datetime.now(UTC).isoformat(timespec="seconds")
    ctx = Context(options=options, client=client, report=report, jurisdiction_id=options.jurisdiction_id)
    began = time.monotonic()
    try:
        discovery.run(ctx)
        jurisdiction.probe(ctx)
        catalog.run(ctx)
        discovery.grade_test_endpoint(ctx)
        listing.run(ctx)
        filters.run(ctx)
        errors.run(ctx)
        jurisdiction.run(ctx)
        extensions.run(ctx)
        locale.run(ctx)
        datetimes.run_input(ctx)
        writer = writes.run(ctx)
        poster = updates_checks.run(ctx, writer)
        writes.cleanup(ctx, writer, poster.close if poster else lambda _request_id: None)
    except Stop as stop:
        report.notes.append(f"stopped: {stop}")
    finally:
        datetimes.run_output(ctx)
        formats.run(ctx)
        strict.run(ctx)
        timing.run(ctx)
        _skip_the_rest(ctx)
        report.duration_s = time.monotonic() - began
        report.request_count = len(client.log)
        if client.throttled:
            report.notes.append(f"the server answered 429 Too Many Requests {client.throttled} times: the "
                                "checker waited as told (--rate sets its pace)")  # fmt: skip
    return report


def _skip_the_rest(ctx: Context) -> None:
    read_only = "read-only run: --write --api-key KEY posts test requests (see docs/checker.md)"
    stopped = next((note for note in ctx.report.notes if note.startswith("stopped")), None)
    for check in CHECKS:
        if ctx.done(check.id):
            continue
        if stopped:
            ctx.skip(check.id, f"not reached: {stopped}")
        elif check.section in ("writes", "updates") or check.id == "jurisdiction.post-query":
            ctx.skip(check.id, read_only)
        else:
            ctx.skip(check.id, "not reached")

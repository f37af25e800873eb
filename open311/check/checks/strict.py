"""What strictly typed clients need of every record the run read."""

from __future__ import annotations

from ..context import Context, evidence, join_problems
from ..documents import is_empty
from ..results import Status

#: Fields a strictly typed client declares as non-optional strings (besides address, graded on its own).
STRICT_FIELDS = (
    "service_request_id",
    "status",
    "service_code",
    "service_name",
    "requested_datetime",
    "updated_datetime",
)


def run(ctx: Context) -> None:
    """strict.address and strict.required-values."""
    no_address, empty, shown_address, shown_empty = [], [], [], []
    for exchange, record in ctx.records:
        label = f"request {record.get('service_request_id')!r} ({exchange.fmt})"
        if is_empty(record.get("address")):
            no_address.append(label)
            if not shown_address:
                shown_address.append(evidence(exchange, needle=str(record.get("service_request_id"))))
        missing = [name for name in STRICT_FIELDS if is_empty(record.get(name))]
        if missing:
            empty.append(f"{label}: {', '.join(missing)} empty")
            if not shown_empty:
                shown_empty.append(evidence(exchange, needle=str(record.get("service_request_id"))))
    count = len(ctx.records)
    if not count:
        ctx.skip("strict.address", "no record was read")
        ctx.skip("strict.required-values", "no record was read")
        return
    if no_address:
        ctx.result(
            "strict.address",
            Status.FAIL,
            f"{len(set(no_address))} records have no address, e.g. "
            f"{no_address[0]}: a typed client rejects address: null and with it the whole listing; describe "
            "the place (its areas, most specific first)",
            shown_address,
        )
    else:
        ctx.result("strict.address", Status.PASS, f"all {count} records read have an address")
    if empty:
        ctx.result("strict.required-values", Status.FAIL, join_problems(sorted(set(empty))), shown_empty)
    else:
        ctx.result("strict.required-values", Status.PASS, f"all {count} records read have {', '.join(STRICT_FIELDS)}")

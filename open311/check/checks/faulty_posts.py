"""POSTs the standard refuses (``--write``): bad key, unknown service, no location, missing attribute..."""

from __future__ import annotations

from ..context import Context, errors_document, evidence, join_problems
from ..documents import as_bool
from ..results import Status
from .catalog import service_of_type

BAD_KEY = "open311-check-invalid-key"


def run(ctx: Context, writer) -> None:
    """write.post-errors: each faulty POST refused with its status and the errors list."""
    service = service_of_type(ctx, "realtime") or (ctx.services[0] if ctx.services else None)
    if service is None:
        ctx.skip("write.post-errors", "no service to post to")
        return
    code = str(service.get("service_code"))
    form = writer.form(service)
    no_location = [(k, v) for k, v in form if k not in ("lat", "long", "address_string")]
    lat = dict(writer.location).get("lat", "0")
    cases = [  # (what, form, expected status, must: a wrong answer fails, else it warns)
        ("an invalid api_key", _replace(form, "api_key", BAD_KEY), 403, True),
        ("an unknown service_code", _replace(form, "service_code", "open311-check-none"), 404, True),
        ("no location", no_location, 400, True),
        ("lat without long", [*no_location, ("lat", lat)], 400, True),
        ("a description over 4000 characters", _replace(form, "description", "x" * 4001), 400, False),
    ]
    definition = ctx.definitions.get(code) or {}
    required = next(
        (
            a
            for a in definition.get("attributes") or []
            if as_bool(a.get("required")) and as_bool(a.get("variable")) is not False
        ),
        None,
    )
    if required:
        cases.append(
            (f"required attribute {required['code']} missing", writer.form(service, skip=required["code"]), 400, True)
        )
    listed = next((a for a in definition.get("attributes") or [] if a.get("datatype") == "singlevaluelist"), None)
    if listed:
        wrong = _replace(form, f"attribute[{listed['code']}]", "open311-check-not-a-key")
        cases.append((f"attribute {listed['code']} with a value not among its keys", wrong, 400, False))
    problems, warnings, shown = [], [], []
    for what, case_form, status, must in cases:
        fetched = writer.post(case_form)
        problem = errors_document(fetched, status)
        if (
            problem is None
            and required
            and what.startswith("required")
            and required["code"] not in fetched.exchange.text()
        ):
            problem = f"the error does not name {required['code']}"
        if problem:
            (problems if must else warnings).append(f"{what}: {problem}")
            shown.append(evidence(fetched.exchange))
    summary = f"{len(cases)} faulty POSTs to service {code}"
    if problems:
        ctx.result("write.post-errors", Status.FAIL, join_problems(problems + warnings), shown[:3])
    elif warnings:
        ctx.result("write.post-errors", Status.WARN, join_problems(warnings), shown[:3])
    else:
        ctx.result("write.post-errors", Status.PASS, f"{summary}: each refused with its status and the errors list")


def _replace(form: list, name: str, value: str) -> list:
    return [(key, value if key == name else old) for key, old in form]

"""GET services and every GET services/{service_code}."""

from __future__ import annotations

from urllib.parse import quote

from ..context import Context, Fetched, evidence, join_problems
from ..documents import as_bool
from ..results import Status

SERVICE_TYPES = ("realtime", "batch", "blackbox")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")


def definition_path(service_code: str) -> str:
    """The path of a service definition (the code may hold characters a URL must escape)."""
    return "services/" + quote(str(service_code), safe="")


def shape_problem(fetched: Fetched, root: str, item: str | None, json_type: type) -> str | None:
    """Why a 200 document is not ``<root>/<item>`` in XML or a JSON ``json_type`` (None when it is)."""
    exchange = fetched.exchange
    if exchange.status != 200:
        return f"answered {exchange.status if exchange.status is not None else exchange.error}"
    if fetched.document is None:
        return fetched.problem
    element = fetched.document.root
    if element is not None:
        if element.tag != root:
            return f"XML root <{element.tag}>, expected <{root}>"
        strays = sorted({child.tag for child in element if isinstance(child.tag, str) and child.tag != item})
        if item and strays:
            return f"<{root}> holds <{strays[0]}>, expected only <{item}>"
    elif not isinstance(fetched.payload, json_type):
        return f"JSON {type(fetched.payload).__name__}, expected {'an array' if json_type is list else 'an object'}"
    return None


def grade_list(ctx: Context, check_id: str, response: str, path: str, item: str, noun: str) -> dict:
    """Fetch a list document (services, requests) in every format and grade its shape; returns the
    readable ones by format."""
    fetched = ctx.fetch_both(response, path, label=f"{path} (no filter)")
    problems = {fmt: shape_problem(f, response, item, list) for fmt, f in fetched.items()}
    bad = [fmt for fmt, problem in problems.items() if problem]
    if bad:
        detail = "; ".join(f"{fmt}: {problems[fmt]}" for fmt in bad)
        ctx.result(check_id, Status.FAIL, detail, [evidence(fetched[fmt].exchange) for fmt in bad])
    else:
        main = fetched[ctx.primary]
        ctx.result(check_id, Status.PASS, f"{len(main.payload)} {noun} in each format", [evidence(main.exchange)])
    return {fmt: f for fmt, f in fetched.items() if fmt not in bad}


def run(ctx: Context) -> None:
    """services.list, services.fields, definitions.*."""
    readable = grade_list(ctx, "services.list", "services", "services", "service", "services")
    if ctx.primary in readable:
        ctx.services = [s for s in readable[ctx.primary].payload if isinstance(s, dict)]
    if not readable:
        for check_id in ("services.fields", "definitions.fetch", "definitions.attributes", "definitions.metadata"):
            ctx.skip(check_id, "no service list to read")
        return
    _grade_fields(ctx, readable)
    _grade_definitions(ctx)


def _grade_fields(ctx: Context, readable: dict) -> None:
    problems: list[str] = []
    for fmt, fetched in readable.items():
        seen: set[str] = set()
        for index, service in enumerate(fetched.payload):
            if not isinstance(service, dict):
                problems.append(f"{fmt}: services[{index}] is not a service")
                continue
            code = service.get("service_code")
            label = f"{fmt}: service {code!r}"
            if code in (None, ""):
                problems.append(f"{fmt}: services[{index}] has no service_code")
            elif str(code) in seen:
                problems.append(f"{label} is listed twice")
            seen.add(str(code))
            if not service.get("service_name"):
                problems.append(f"{label} has no service_name")
            if as_bool(service.get("metadata")) is None:
                problems.append(f"{label}: metadata is {service.get('metadata')!r}, not true or false")
            if service.get("type") not in SERVICE_TYPES:
                problems.append(f"{label}: type is {service.get('type')!r}, not realtime, batch or blackbox")
            for name in ("keywords", "group", "description"):
                if isinstance(service.get(name), list | dict):
                    problems.append(f"{label}: {name} is not one string")
    exchange = readable[ctx.primary if ctx.primary in readable else next(iter(readable))].exchange
    if problems:
        ctx.result("services.fields", Status.FAIL, join_problems(problems), [evidence(exchange)])
    else:
        ctx.result("services.fields", Status.PASS, "every service is complete and its code unique")


def _grade_definitions(ctx: Context) -> None:
    with_metadata = [s for s in ctx.services if as_bool(s.get("metadata"))]
    without = [s for s in ctx.services if as_bool(s.get("metadata")) is False]
    fetch_problems, attribute_problems, metadata_problems = [], [], []
    shown: list = []
    for service in with_metadata:
        code = str(service.get("service_code"))
        fetched = ctx.fetch_both("service_definition", definition_path(code), label=f"definition {code}")
        for fmt, item in fetched.items():
            problem = shape_problem(item, "service_definition", None, dict) or _definition_problem(item, code)
            if problem:
                fetch_problems.append(f"{code} ({fmt}): {problem}")
                shown.append(evidence(item.exchange))
                continue
            attributes = item.payload.get("attributes") or []
            if fmt == ctx.primary:
                ctx.definitions[code] = item.payload
                if not attributes:
                    metadata_problems.append(f"{code} has metadata true and no attribute")
            attribute_problems += [f"{code} ({fmt}): {p}" for p in _attribute_problems(attributes)]
    if without:  # the spec leaves it open; an empty definition (digest A10) is what clients can read
        code = str(without[0].get("service_code"))
        item = ctx.fetch("service_definition", definition_path(code), ctx.primary)
        if item.exchange.status == 200 and isinstance(item.payload, dict) and item.payload.get("attributes"):
            metadata_problems.append(f"{code} has metadata false but its definition has attributes")
        elif item.exchange.status != 200:
            metadata_problems.append(
                f"{code} (metadata false): its definition answers {item.exchange.status}, "
                "an empty definition is what clients read"
            )
    if not with_metadata:
        ctx.skip("definitions.fetch", "no service has metadata true")
        ctx.skip("definitions.attributes", "no service has metadata true")
    else:
        count = len(with_metadata)
        if fetch_problems:
            ctx.result("definitions.fetch", Status.FAIL, join_problems(fetch_problems), shown[:2])
        else:
            ctx.result("definitions.fetch", Status.PASS, f"the {count} definitions answer for their service_code")
        if attribute_problems:
            ctx.result("definitions.attributes", Status.FAIL, join_problems(attribute_problems))
        else:
            ctx.result("definitions.attributes", Status.PASS, f"every attribute of the {count} definitions is complete")
    if metadata_problems:
        ctx.result("definitions.metadata", Status.WARN, join_problems(metadata_problems))
    elif with_metadata or without:
        ctx.result("definitions.metadata", Status.PASS, "metadata matches the definitions")
    else:
        ctx.skip("definitions.metadata", "no service")


def _definition_problem(fetched: Fetched, code: str) -> str | None:
    payload = fetched.payload
    if str(payload.get("service_code")) != code:
        return f"service_code is {payload.get('service_code')!r}, not the {code!r} asked for"
    root = fetched.document.root
    if root is not None and root.find("attributes") is None:
        return "no <attributes> element (the old form put <attribute> directly under <service_definition>)"
    if not isinstance(payload.get("attributes", []), list):
        return "attributes is not a list"
    return None


def _attribute_problems(attributes: list) -> list[str]:
    problems, orders = [], []
    for attribute in attributes:
        if not isinstance(attribute, dict):
            problems.append("an attribute is not an object")
            continue
        code = attribute.get("code")
        if not code:
            problems.append("an attribute has no code")
        for flag in ("variable", "required"):
            if as_bool(attribute.get(flag)) is None:
                problems.append(f"{code}: {flag} is {attribute.get(flag)!r}, not true or false")
        datatype = attribute.get("datatype")
        if datatype not in DATATYPES:
            problems.append(f"{code}: datatype {datatype!r} is not one of the six")
        try:
            order = int(attribute.get("order"))
            if order < 1:
                raise ValueError
            orders.append(order)
        except (TypeError, ValueError):
            problems.append(f"{code}: order {attribute.get('order')!r} is not a positive integer")
        if "description" not in attribute:
            problems.append(f"{code}: no description")
        if datatype in LIST_DATATYPES:
            values = attribute.get("values")
            values = values if isinstance(values, list) else [values] if isinstance(values, dict) else []
            if not values:
                problems.append(f"{code}: a {datatype} without values")
            elif any(not isinstance(v, dict) or v.get("key") in (None, "") or "name" not in v for v in values):
                problems.append(f"{code}: a value without key or name")
    if len(orders) != len(set(orders)):
        problems.append("two attributes share an order")
    return problems


def service_of_type(ctx: Context, kind: str) -> dict | None:
    """A service of type ``kind``, the one with the fewest attributes to fill first."""
    services = [s for s in ctx.services if s.get("type") == kind]
    return min(
        services,
        key=lambda s: len((ctx.definitions.get(str(s.get("service_code"))) or {}).get("attributes") or []),
        default=None,
    )

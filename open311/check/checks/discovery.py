"""Service Discovery: the document, its fields and changeset, and the endpoint the run checks."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ..context import FORMATS, Context, Pair, Stop, evidence
from ..documents import W3C_DATETIME
from ..results import Status

DISCOVERY_PATH = re.compile(r"/discovery\.(json|xml)$", re.IGNORECASE)
GEOREPORT_V2 = re.compile(r"georeport[_ ]?v2", re.IGNORECASE)
ENDPOINT_FIELDS = ("specification", "url", "changeset", "type", "formats")


def _with_suffix(url: str, fmt: str, drop_jurisdiction: bool = False) -> str:
    parts = urlsplit(url)
    query = parts.query
    if drop_jurisdiction:
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "jurisdiction_id"])
    return urlunsplit(parts._replace(path=DISCOVERY_PATH.sub(f"/discovery.{fmt}", parts.path), query=query))


def run(ctx: Context) -> None:
    """Read discovery (or take the endpoint URL as given), grade it and choose the endpoint to check."""
    url = ctx.options.url
    if not DISCOVERY_PATH.search(urlsplit(url).path):
        ctx.base = url.rstrip("/")
        ctx.report.endpoint = ctx.base
        url = ctx.base + "/discovery.json"
        given = False
    else:
        given = True
    plain = {fmt: ctx.client.get(_with_suffix(url, fmt, drop_jurisdiction=True)) for fmt in FORMATS}
    fetched = {}
    for fmt, exchange in plain.items():
        if exchange.status in (400, 404) and ctx.options.jurisdiction_id:
            exchange = ctx.client.get(_with_suffix(url, fmt), [("jurisdiction_id", ctx.options.jurisdiction_id)])
        fetched[fmt] = ctx.read("discovery", exchange)
    if not given and all(f.exchange.status != 200 for f in fetched.values()):
        for check_id in ("discovery.fetch", "discovery.fields", "discovery.changeset", "discovery.no-jurisdiction"):
            ctx.skip(check_id, f"the URL is an endpoint and {url} answers no discovery: give the discovery URL")
        return
    _grade_fetch(ctx, fetched)
    _grade_no_jurisdiction(ctx, plain, fetched)
    documents = {fmt: f.payload for fmt, f in fetched.items() if isinstance(f.payload, dict)}
    if documents:
        if len(documents) == 2:
            ctx.pairs.append(Pair("discovery", fetched["json"], fetched["xml"]))
        ctx.discovery = documents.get("json") or documents["xml"]
        _grade_fields(ctx, documents, fetched)
        _grade_changeset(ctx, fetched)
        if given:
            _choose_endpoint(ctx, url)
    else:
        ctx.skip("discovery.fields", "no discovery document to read")
        ctx.skip("discovery.changeset", "no discovery document to read")
    if not ctx.base:
        raise Stop(f"no GeoReport v2 endpoint could be read from {url}")


def _grade_fetch(ctx: Context, fetched: dict) -> None:
    problems, shown = [], []
    for fmt, item in fetched.items():
        exchange = item.exchange
        if exchange.status != 200:
            problems.append(f"{fmt}: answered {exchange.status if exchange.status else exchange.error}")
        elif item.document is None:
            problems.append(f"{fmt}: {item.problem}")
        elif fmt == "xml" and item.document.root.tag != "discovery":
            problems.append(f"xml: root element <{item.document.root.tag}>, not <discovery>")
        elif fmt == "json" and not isinstance(item.payload, dict):
            problems.append(f"json: a {type(item.payload).__name__}, not an object")
        else:
            continue
        shown.append(evidence(exchange))
    if problems:
        ctx.result("discovery.fetch", Status.FAIL, "; ".join(problems), shown)
    else:
        ctx.result(
            "discovery.fetch",
            Status.PASS,
            "discovery.xml and discovery.json answer 200 in their formats",
            [evidence(fetched["json"].exchange)],
        )


def _grade_no_jurisdiction(ctx: Context, plain: dict, fetched: dict) -> None:
    refused = [exchange for exchange in plain.values() if exchange.status != 200]
    if refused:
        ctx.result(
            "discovery.no-jurisdiction",
            Status.FAIL,
            f"discovery without jurisdiction_id answered {refused[0].status}: a client that starts from "
            "discovery (which takes no parameter) cannot begin",
            [evidence(refused[0])],
        )
    elif any(not isinstance(f.payload, dict) for f in fetched.values()):
        ctx.skip("discovery.no-jurisdiction", "no discovery document to read (see discovery.fetch)")
    else:
        ctx.result("discovery.no-jurisdiction", Status.PASS, "discovery answers without jurisdiction_id")


def _grade_fields(ctx: Context, documents: dict, fetched: dict) -> None:
    problems = []
    for fmt, document in documents.items():
        for name in ("changeset", "contact", "key_service"):
            if not isinstance(document.get(name), str) or not document[name].strip():
                problems.append(f"{fmt}: {name} is missing or empty")
        endpoints = document.get("endpoints")
        if not isinstance(endpoints, list) or not endpoints:
            problems.append(f"{fmt}: endpoints is missing or empty")
            continue
        for index, endpoint in enumerate(endpoints):
            if not isinstance(endpoint, dict):
                problems.append(f"{fmt}: endpoints[{index}] is not an endpoint")
                continue
            problems += [
                f"{fmt}: endpoints[{index}].{name} is missing"
                for name in ENDPOINT_FIELDS
                if endpoint.get(name) in (None, "", [])
            ]
            if endpoint.get("type") not in (None, "production", "test"):
                problems.append(f"{fmt}: endpoints[{index}].type is {endpoint['type']!r}, not production or test")
            formats = endpoint.get("formats")
            formats = formats if isinstance(formats, list) else [formats]
            if GEOREPORT_V2.search(str(endpoint.get("specification", ""))) and "text/xml" not in formats:
                problems.append(f"{fmt}: endpoints[{index}] is GeoReport v2 but does not list text/xml")
    shown = [evidence(f.exchange) for f in fetched.values() if f.document is not None][:1]
    if problems:
        ctx.result("discovery.fields", Status.FAIL, "; ".join(problems[:6]), shown)
    else:
        ctx.result("discovery.fields", Status.PASS, "every field is there; endpoints typed and with formats", shown)


def _grade_changeset(ctx: Context, fetched: dict) -> None:
    item = fetched.get("json") if fetched.get("json") and fetched["json"].document else fetched["xml"]
    document = item.payload
    values = [document.get("changeset")] + [
        e.get("changeset") for e in document.get("endpoints") or [] if isinstance(e, dict)
    ]
    bad = [value for value in values if not (isinstance(value, str) and W3C_DATETIME.match(value))]
    if not bad:
        ctx.result("discovery.changeset", Status.PASS, f"changeset {values[0]} is a W3C datetime with a zone")
        return
    value = str(bad[0])
    iso = re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value)
    why = (
        "ISO 8601 but without the 'T' or a time zone, like the spec's own example; validators that parse it "
        "as ISO 8601 with a zone reject it"
        if iso
        else "not ISO 8601 (fields not zero-padded?): it neither parses as a date nor sorts as text"
    )
    ctx.result(
        "discovery.changeset", Status.WARN, f"changeset {value!r}: {why}", [evidence(item.exchange, needle=value)]
    )


def _choose_endpoint(ctx: Context, discovery_url: str) -> None:
    endpoints = [e for e in ctx.discovery.get("endpoints") or [] if isinstance(e, dict) and e.get("url")]
    georeport = [e for e in endpoints if GEOREPORT_V2.search(str(e.get("specification", "")))] or endpoints
    wanted = ctx.options.endpoint_type
    chosen = [e for e in georeport if e.get("type") == wanted]
    if not chosen:
        if wanted == "test":
            raise Stop("discovery lists no test endpoint (see discovery.test-endpoint); check production instead")
        chosen = georeport
    if not chosen:
        return
    endpoint = chosen[0]
    ctx.base = urljoin(discovery_url, str(endpoint["url"])).rstrip("/")
    ctx.report.endpoint = ctx.base
    formats = endpoint.get("formats") if isinstance(endpoint.get("formats"), list) else []
    if formats and not any("json" in str(f).lower() for f in formats):
        ctx.formats = ("xml",)  # XML is required, JSON optional (spec §1.1)
        ctx.report.notes.append("the endpoint offers XML only: JSON checks are skipped")


def other_endpoint(ctx: Context) -> dict | None:
    """The GeoReport v2 endpoint of the other type (test when checking production, and back)."""
    if not ctx.discovery:
        return None
    wanted = "production" if ctx.options.endpoint_type == "test" else "test"
    for endpoint in ctx.discovery.get("endpoints") or []:
        if (
            isinstance(endpoint, dict)
            and endpoint.get("type") == wanted
            and endpoint.get("url")
            and GEOREPORT_V2.search(str(endpoint.get("specification", "")))
        ):
            return endpoint
    return None


def grade_test_endpoint(ctx: Context) -> None:
    """discovery.test-endpoint: a test endpoint is listed and serves the production catalogue
    (run once the services are known)."""
    if not ctx.discovery:
        ctx.skip("discovery.test-endpoint", "no discovery document to read")
        return
    other = other_endpoint(ctx)
    if other is None:
        if ctx.options.endpoint_type == "test":
            ctx.skip("discovery.test-endpoint", "checking the test endpoint, and discovery lists no production one")
            return
        ctx.result(
            "discovery.test-endpoint",
            Status.WARN,
            "discovery lists no test endpoint: app makers cannot try a POST without reaching the city's departments",
        )
        return
    base = str(other["url"]).rstrip("/")
    exchange = ctx.client.get(f"{base}/services.{ctx.primary}", ctx.params())
    fetched = ctx.read("services", exchange)
    codes = {str(s.get("service_code")) for s in fetched.payload or [] if isinstance(s, dict)}
    ours = {str(s.get("service_code")) for s in ctx.services}
    if exchange.status != 200 or not isinstance(fetched.payload, list):
        ctx.result(
            "discovery.test-endpoint",
            Status.WARN,
            f"the {other.get('type')} endpoint {base} does not list its services",
            [evidence(exchange)],
        )
    elif codes != ours:
        missing = sorted(ours - codes)[:5]
        extra = sorted(codes - ours)[:5]
        ctx.result(
            "discovery.test-endpoint",
            Status.WARN,
            f"the {other.get('type')} endpoint {base} serves another catalogue (missing {missing}, extra {extra})",
            [evidence(exchange)],
        )
    else:
        ctx.result(
            "discovery.test-endpoint",
            Status.PASS,
            f"the {other.get('type')} endpoint {base} serves the same {len(codes)} services",
            [evidence(exchange)],
        )

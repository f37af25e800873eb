"""Writes (only with ``--write --api-key K``): a POST of each service type, its read-back, the token, the
errors of POST, jurisdiction_id in the query string, and closing again what was created."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import quote

from ..context import Context, errors_document, evidence, join_problems
from ..documents import as_bool, as_float, differences, w3c
from ..results import Status
from . import faulty_posts
from .catalog import SERVICE_TYPES, service_of_type

#: The text posted: CR LF, a lone CR, non-ASCII and XML's special characters must all come back intact.
CHECK_TEXT = 'open311 check: a test request, please ignore.\r\nÄ é ß 日本 & <b>"x"</b>\rlast line'
#: Characters XML 1.0 cannot carry: a server must refuse them or both formats cannot say the same.
CONTROL_TEXT = "open311 check: a vertical tab\x0b and a form feed\x0c"
POLL_WAITS = (0, 1, 2, 3, 4)  # FixMyStreet polls a token 5 times


def attribute_form(definition: dict | None, skip: str | None = None) -> list[tuple[str, str]]:
    """Valid values for every attribute a user fills in (``skip``: leave that one out)."""
    form = []
    for attribute in (definition or {}).get("attributes") or []:
        code = str(attribute.get("code"))
        if as_bool(attribute.get("variable")) is False or code == skip:
            continue
        datatype = attribute.get("datatype")
        values = [str(v.get("key")) for v in attribute.get("values") or [] if isinstance(v, dict)]
        if datatype == "multivaluelist" and values:
            form += [(f"attribute[{code}][]", key) for key in values[:2]]
        elif datatype == "singlevaluelist" and values:
            form.append((f"attribute[{code}]", values[0]))
        else:
            value = {"number": "1", "datetime": w3c(datetime.now(UTC)), "text": "open311 check\r\nline two"}
            form.append((f"attribute[{code}]", value.get(datatype, "open311 check")))
    return form


class Writer:
    """Posts for one run and remembers what it created."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.key = ctx.options.api_key or ""
        self.location = self._location()
        self.token: str | None = None
        self.target: str | None = None  # a created request with an id, for the read-back and the updates

    def _location(self) -> list[tuple[str, str]]:
        if self.ctx.options.location:
            lat, lon = self.ctx.options.location
        else:
            points = ((as_float(r.get("lat")), as_float(r.get("long"))) for r in self.ctx.listing)
            point = next(((lat, lon) for lat, lon in points if lat is not None and lon is not None), None)
            if point is None:
                return [("address_string", "open311 check: no location known")]
            lat, lon = point
        return [("lat", f"{lat:.6f}"), ("long", f"{lon:.6f}")]

    def form(self, service: dict, description: str = CHECK_TEXT, skip: str | None = None) -> list:
        """A complete POST form for ``service`` (coordinates only: the server describes the place)."""
        code = str(service.get("service_code"))
        fields = [("api_key", self.key), ("service_code", code), *self.location]
        return [*fields, ("description", description), *attribute_form(self.ctx.definitions.get(code), skip)]

    def post(self, form: list, fmt: str | None = None, query=(), jurisdiction: bool = True):
        """POST requests; a request the server created is remembered for the clean-up."""
        exchange = self.ctx.post("requests", fmt or self.ctx.primary, form, list(query), jurisdiction=jurisdiction)
        fetched = self.ctx.read("post_service_request", exchange)
        if exchange.status in (200, 201) and isinstance(fetched.payload, list):
            for item in fetched.payload:
                if isinstance(item, dict) and item.get("service_request_id"):
                    self.created(str(item["service_request_id"]))
        return fetched

    def created(self, request_id: str) -> None:
        """Remember a request the run created."""
        if request_id not in self.ctx.report.created:
            self.ctx.report.created.append(request_id)

    def read_back(self, request_id: str) -> dict:
        """requests/{id} in every format, by format."""
        path = "requests/" + quote(request_id, safe="")
        return self.ctx.fetch_both("service_requests", path, label=f"request {request_id} (posted)")


def run(ctx: Context) -> Writer | None:
    """write.* (except the clean-up, which runs after the updates) and jurisdiction.post-query."""
    if not ctx.options.write:
        return None
    writer = Writer(ctx)
    for kind in SERVICE_TYPES:
        service = service_of_type(ctx, kind)
        if service is None:
            ctx.skip(f"write.post-{kind}", f"no {kind} service")
        else:
            _post_type(ctx, writer, kind, service)
    _token(ctx, writer)
    _read_back(ctx, writer, writer.target)
    _control_characters(ctx, writer)
    faulty_posts.run(ctx, writer)
    _post_query_jurisdiction(ctx, writer)
    return writer


def _post_type(ctx: Context, writer: Writer, kind: str, service: dict) -> None:
    formats = ctx.formats if kind == "realtime" else (ctx.primary,)
    problems, shown = [], []
    for fmt in formats:
        fetched = writer.post(writer.form(service), fmt)
        exchange = fetched.exchange
        shown.append(evidence(exchange))
        if exchange.status not in (200, 201):
            problems.append(f"{fmt}: {exchange.describe()}")
            continue
        items = fetched.payload if isinstance(fetched.payload, list) else None
        if fetched.document is None or not items or len(items) != 1 or not isinstance(items[0], dict):
            problems.append(f"{fmt}: not a list of one request ({fetched.problem or type(fetched.payload).__name__})")
            continue
        if fetched.document.root is not None and fetched.document.root.tag != "service_requests":
            problems.append(f"{fmt}: XML root <{fetched.document.root.tag}>, not <service_requests>")
        item = items[0]
        has_id, has_token = bool(item.get("service_request_id")), bool(item.get("token"))
        expected = {"realtime": (True, False), "batch": (False, True), "blackbox": (False, False)}[kind]
        if (has_id, has_token) != expected:
            got = " and ".join(n for n, v in (("service_request_id", has_id), ("token", has_token)) if v) or "neither"
            problems.append(f"{fmt}: a {kind} service answered {got}")
        if has_id and kind == "realtime":
            writer.target = writer.target or str(item["service_request_id"])
        if has_token and kind == "batch":
            writer.token = str(item["token"])
    code = service.get("service_code")
    if problems:
        ctx.result(f"write.post-{kind}", Status.FAIL, f"service {code}: " + join_problems(problems), shown)
    else:
        what = {"realtime": "a service_request_id", "batch": "a token", "blackbox": "neither id nor token"}[kind]
        ctx.result(f"write.post-{kind}", Status.PASS, f"service {code} answered {what}", shown[:1])


def _token(ctx: Context, writer: Writer) -> None:
    token = writer.token
    if not token:
        ctx.skip("write.token", "no batch service answered a token")
        return
    for wait in POLL_WAITS:
        time.sleep(wait)
        fetched = ctx.fetch("token", "tokens/" + quote(token, safe=""), ctx.primary)
        item = fetched.payload[0] if isinstance(fetched.payload, list) and fetched.payload else None
        if fetched.exchange.status != 200 or not isinstance(item, dict):
            ctx.result(
                "write.token",
                Status.FAIL,
                f"tokens/{token}: {fetched.exchange.describe()}",
                [evidence(fetched.exchange)],
            )
            return
        if item.get("service_request_id"):
            request_id = str(item["service_request_id"])
            writer.created(request_id)
            writer.target = writer.target or request_id
            ok = str(item.get("token")) == token
            ctx.result(
                "write.token",
                Status.PASS if ok else Status.FAIL,
                f"tokens/{token} resolves to request {request_id}"
                + ("" if ok else f", but names token {item.get('token')!r}"),
                [evidence(fetched.exchange)],
            )
            return
    ctx.result(
        "write.token",
        Status.WARN,
        f"tokens/{token} has no service_request_id after {sum(POLL_WAITS)} s (FixMyStreet gives up after 5 tries)",
        [evidence(fetched.exchange)],
    )


def _read_back(ctx: Context, writer: Writer, request_id: str | None) -> None:
    if not request_id:
        ctx.skip("write.readback", "no request was created with a service_request_id")
        return
    fetched = writer.read_back(request_id)
    problems, warnings = [], []
    texts = {}
    for fmt, item in fetched.items():
        records = item.payload if isinstance(item.payload, list) else []
        if item.exchange.status != 200 or len(records) != 1 or not isinstance(records[0], dict):
            problems.append(f"{fmt}: {item.exchange.describe()} {item.problem or ''}".strip())
            continue
        record = records[0]
        texts[fmt] = record.get("description")
        if record.get("status") != "open":
            problems.append(f"{fmt}: status {record.get('status')!r}, not open")
        if not record.get("address"):
            problems.append(
                f"{fmt}: posted with coordinates only, its address is empty (a typed client rejects the whole listing)"
            )
    if "json" in texts and "xml" in texts and texts["json"] != texts["xml"]:
        problems.append(f"the description differs: JSON {texts['json']!r}, XML {texts['xml']!r}")
    for fmt, text in texts.items():
        if text != CHECK_TEXT and isinstance(text, str):
            if text.replace("\r\n", "\n").replace("\r", "\n") == CHECK_TEXT.replace("\r\n", "\n").replace("\r", "\n"):
                warnings.append(f"{fmt}: the line breaks were changed (CR LF and CR)")
            else:
                problems.append(f"{fmt}: the description came back as {text!r}")
    shown = [evidence(item.exchange, needle="description") for item in fetched.values()]
    if problems:
        ctx.result("write.readback", Status.FAIL, join_problems(problems + warnings), shown)
    elif warnings:
        ctx.result("write.readback", Status.WARN, join_problems(warnings), shown)
    else:
        ctx.result(
            "write.readback",
            Status.PASS,
            f"request {request_id} reads back open, with an address and "
            "its text (CR LF, CR, non-ASCII, & < >) identical in each format",
            shown[:1],
        )


def _control_characters(ctx: Context, writer: Writer) -> None:
    service = service_of_type(ctx, "realtime")
    if service is None:
        ctx.skip("write.control-chars", "no realtime service to read a request back from")
        return
    fetched = writer.post(writer.form(service, CONTROL_TEXT))
    exchange = fetched.exchange
    if exchange.status == 400 and errors_document(fetched, 400) is None:
        named = "description" in exchange.text()
        ctx.result(
            "write.control-chars",
            Status.PASS if named else Status.WARN,
            "refused with 400" + (" naming description" if named else ", but the error does not name description"),
            [evidence(exchange)],
        )
        return
    if exchange.status not in (200, 201):
        ctx.result(
            "write.control-chars",
            Status.FAIL,
            f"{exchange.describe()}: expected 400 naming description",
            [evidence(exchange)],
        )
        return
    items = fetched.payload if isinstance(fetched.payload, list) else []
    request_id = str(items[0].get("service_request_id")) if items and isinstance(items[0], dict) else None
    found = writer.read_back(request_id) if request_id else {}
    if len(found) == 2 and all(f.document is not None for f in found.values()):
        diff = differences(found["json"].payload, found["xml"].document.root)
        if diff:
            ctx.result(
                "write.control-chars",
                Status.FAIL,
                f"accepted, and XML cannot carry them: the formats now disagree ({diff[0]})",
                [evidence(found["xml"].exchange)],
            )
            return
    ctx.result(
        "write.control-chars",
        Status.WARN,
        "accepted (and changed): refuse them with 400 naming the field, "
        "so that every format keeps the text the user wrote",
        [evidence(exchange)],
    )


def _post_query_jurisdiction(ctx: Context, writer: Writer) -> None:
    service = service_of_type(ctx, "realtime") or (ctx.services[0] if ctx.services else None)
    if not ctx.jurisdiction_id or service is None:
        ctx.skip("jurisdiction.post-query", "no jurisdiction_id given (--jurisdiction) or no service")
        return
    fetched = writer.post(writer.form(service), query=[("jurisdiction_id", ctx.jurisdiction_id)], jurisdiction=False)
    note = "" if ctx.jurisdiction_required else " (this server does not need it)"
    if fetched.exchange.status in (200, 201):
        ctx.result(
            "jurisdiction.post-query",
            Status.PASS,
            f"jurisdiction_id in the query string of a POST is read{note}",
            [evidence(fetched.exchange)],
        )
    else:
        ctx.result(
            "jurisdiction.post-query",
            Status.WARN,
            f"jurisdiction_id in the query string of a POST: {fetched.exchange.status}; clients put it there "
            "and the form body only holds the report",
            [evidence(fetched.exchange)],
        )


def cleanup(ctx: Context, writer: Writer | None, close) -> None:
    """write.cleanup: close every request the run created that is still open (``close(id)`` returns the
    exchange of the attempt, or None when the server offers no way)."""
    if writer is None:
        return
    if not ctx.report.created:
        ctx.skip("write.cleanup", "nothing was created")
        return
    left, shown = [], []
    for request_id in ctx.report.created:
        found = ctx.fetch("service_requests", "requests/" + quote(request_id, safe=""), ctx.primary)
        records = found.payload if isinstance(found.payload, list) else []
        if found.exchange.status == 404 or (
            records and isinstance(records[0], dict) and records[0].get("status") == "closed"
        ):
            continue  # closed already, or gone (a test endpoint may purge)
        exchange = close(request_id)
        if exchange is None or exchange.status not in (200, 201):
            left.append(request_id)
            shown += [evidence(exchange)] if exchange is not None else []
    count = len(ctx.report.created)
    if left:
        ctx.result(
            "write.cleanup",
            Status.WARN,
            f"{len(left)} of {count} requests created stay open "
            f"({', '.join(left[:10])}): the server offers no way to close them with this key",
            shown[:2],
        )
    else:
        ctx.result("write.cleanup", Status.PASS, f"the {count} requests created are closed")

"""What the checks share: the options, the endpoint under test, the documents fetched and the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .documents import Document, NotParsable, excerpt, parse
from .results import Evidence, Report, Result, Status
from .transport import Client, Exchange, Params

FORMATS = ("json", "xml")
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml"}


@dataclass
class Options:
    """What the user asked for (the command line's options)."""

    url: str
    jurisdiction_id: str | None = None
    write: bool = False
    api_key: str | None = None
    endpoint_type: str = "production"
    timeout: float = 10.0
    rate: float = 10.0
    slow: float = 2.0
    location: tuple[float, float] | None = None


@dataclass
class Fetched:
    """One GET: the exchange, its document (None when unreadable) and why it is unreadable."""

    exchange: Exchange
    document: Document | None
    problem: str | None

    @property
    def payload(self) -> Any:
        """The JSON-shaped payload, or None."""
        return self.document.payload if self.document else None


@dataclass
class Pair:
    """The same resource fetched as JSON and as XML, to compare."""

    label: str
    json: Fetched
    xml: Fetched


class Stop(Exception):
    """The run cannot go on (no endpoint, or the server needs a jurisdiction_id it was not given)."""


@dataclass
class Context:
    """The state of one run."""

    options: Options
    client: Client
    report: Report
    base: str = ""
    formats: tuple[str, ...] = FORMATS
    jurisdiction_id: str | None = None
    jurisdiction_required: bool = False
    discovery: dict | None = None
    services: list[dict] = field(default_factory=list)
    definitions: dict[str, dict] = field(default_factory=dict)
    listing: list[dict] = field(default_factory=list)  # the records the filters are checked on
    listing_exchange: Exchange | None = None
    default_ids: list[str] = field(default_factory=list)
    window: Params = field(default_factory=list)  # start_date/end_date of the listing, when not the default
    documents: list[tuple[str, Fetched]] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    records: list[tuple[Exchange, dict]] = field(default_factory=list)
    updates_offered: bool = False

    @property
    def primary(self) -> str:
        """The format the checks read: JSON when the endpoint offers it, else XML (the required one)."""
        return "json" if "json" in self.formats else "xml"

    # HTTP -------------------------------------------------------------------------------------------

    def url(self, path: str, fmt: str) -> str:
        """The URL of ``path`` (e.g. ``services/001``) in ``fmt`` under the endpoint."""
        return f"{self.base}/{path}.{fmt}"

    def params(self, params: Params = (), jurisdiction: bool = True) -> Params:
        """``params`` plus jurisdiction_id when the run has one."""
        extra = [("jurisdiction_id", self.jurisdiction_id)] if jurisdiction and self.jurisdiction_id else []
        return [*extra, *params]

    def get(self, path: str, fmt: str, params: Params = (), *, jurisdiction: bool = True, headers=None) -> Exchange:
        """GET ``path`` in ``fmt``."""
        return self.client.get(self.url(path, fmt), self.params(params, jurisdiction), headers)

    def post(self, path: str, fmt: str, form: Params, query: Params = (), *, jurisdiction: bool = True) -> Exchange:
        """POST ``form`` to ``path`` in ``fmt`` (jurisdiction_id in the form, as the spec's example does)."""
        return self.client.post(self.url(path, fmt), self.params(form, jurisdiction), query)

    def fetch(self, response: str, path: str, fmt: str, params: Params = (), **kwargs) -> Fetched:
        """GET and parse a document of type ``response`` (see schemas.RESPONSES); remember it for the
        format checks when it is a success."""
        exchange = self.get(path, fmt, params, **kwargs)
        return self.read(response, exchange)

    def read(self, response: str, exchange: Exchange) -> Fetched:
        """Parse the answer in ``exchange`` as a document of type ``response`` and remember it."""
        if exchange.status is None:
            return Fetched(exchange, None, f"no answer: {exchange.error}")
        try:
            document = parse(exchange)
        except NotParsable as exc:
            return Fetched(exchange, None, str(exc))
        fetched = Fetched(exchange, document, None)
        self.documents.append((response if exchange.status < 400 else "errors", fetched))
        if response == "service_requests" and exchange.status == 200 and isinstance(document.payload, list):
            self.records.extend((exchange, record) for record in document.payload if isinstance(record, dict))
        return fetched

    def fetch_both(self, response: str, path: str, params: Params = (), label: str | None = None) -> dict:
        """The document in every format the endpoint offers, by format; JSON and XML are compared later."""
        fetched = {fmt: self.fetch(response, path, fmt, params) for fmt in self.formats}
        if len(fetched) == 2:
            self.pairs.append(Pair(label or path, fetched["json"], fetched["xml"]))
        return fetched

    # Results ----------------------------------------------------------------------------------------

    def result(self, check_id: str, status: Status, detail: str, evidence: list[Evidence] | None = None) -> None:
        """Record the outcome of a check (once: a second call for the same check is a bug)."""
        if check_id in self.report.results:
            raise RuntimeError(f"{check_id} reported twice")
        self.report.results[check_id] = Result(check_id, status, detail, evidence or [])

    def skip(self, check_id: str, detail: str) -> None:
        """The check does not apply."""
        self.result(check_id, Status.SKIP, detail)

    def done(self, check_id: str) -> bool:
        """Whether the check has a result already."""
        return check_id in self.report.results


def evidence(exchange: Exchange, note: str = "", needle: str | None = None) -> Evidence:
    """An exchange as evidence: the request line, what was sent and an excerpt of the answer."""
    sent = exchange.sent.decode("utf-8", errors="replace") if exchange.sent else None
    if sent and "api_key=" in sent:
        sent = _redact_key(sent)
    return Evidence(
        method=exchange.method,
        url=_redact_key(exchange.url),
        sent=sent,
        status=exchange.status,
        content_type=exchange.content_type,
        excerpt=excerpt(exchange, needle),
        elapsed_ms=round(exchange.elapsed * 1000, 1),
        note=note,
    )


def _redact_key(text: str) -> str:
    import re

    return re.sub(r"(api_key=)[^&]+", r"\1***", text)


def errors_document(fetched: Fetched, status: int) -> str | None:
    """Why ``fetched`` is not the standard's errors list with HTTP ``status`` (None when it is)."""
    exchange = fetched.exchange
    if exchange.status != status:
        return f"answered {exchange.status}, expected {status}"
    if fetched.document is None:
        return f"the error is not a document in the requested format ({fetched.problem})"
    payload = fetched.payload
    if fetched.document.root is not None and fetched.document.root.tag != "errors":
        return f"the XML root is <{fetched.document.root.tag}>, not <errors>"
    if not isinstance(payload, list) or not payload:
        return "the errors are not a list of error entries"
    for entry in payload:
        if not isinstance(entry, dict) or not entry.get("description"):
            return "an error entry has no description"
        if "code" not in entry:
            return "an error entry has no code"
    return None


def join_problems(problems: list[str], limit: int = 6) -> str:
    """The first ``limit`` problems in one line, saying how many more there are."""
    more = f" (and {len(problems) - limit} more)" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more
